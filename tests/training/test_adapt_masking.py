"""The masking of encoder pretraining / adaptation (AdaptConfig.masking): adversarial through adapt, the
config's round trip beside the weights, older configs, and resume_masking's one-line refusal."""

from __future__ import annotations

import json

import numpy as np
import pytest

from partita.models.encoder import OFFSET, debug_encoder
from partita.training.culture import (
    ADAPT_CONFIG,
    AdaptConfig,
    adapt,
    heldout_loss,
    load_adapt_config,
    masking_of,
    resume_masking,
    save_adapted,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _tunes(pitches: list[int], n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = 40
        p = np.array(pitches)[np.arange(k) % len(pitches)] + int(rng.integers(0, 3))
        bar, pos = np.arange(k) // 8, (np.arange(k) % 8) * 6
        out.append(np.stack([bar, pos, p, np.full(k, 10), np.full(k, 20)], 1).astype(np.int64) + OFFSET)
    return out


def test_adversarial_masking_runs_through_adapt_and_learns(tmp_path):
    train, test = _tunes([60, 64, 67, 72], 10, 0), _tunes([60, 64, 67, 72], 3, 1)
    model = debug_encoder(0)
    before = heldout_loss(model, test)
    config = AdaptConfig(
        cultures=("a", "b"),
        steps=30,
        lr=3e-3,
        warmup=3,
        batch_size=8,
        masking="adversarial",
        adversarial={"book_after": 5, "book_rate": 0.5},
    )
    info = adapt(model, {"a": train[:5], "b": train[5:]}, config)
    assert info["steps"] == 30 and heldout_loss(model, test) < before - 1.0
    assert info["adversarial"]["book_updates"] > 0 and info["pieces"] == {"a": 5, "b": 5}
    assert info["lr_max"] == pytest.approx(3e-3) and info["lr_last"] < 1e-3  # adapt's schedule
    assert config.adversarial["book_after"] == 5 and config.adversarial["target_share"] == 0.3  # filled in
    assert model.card["masking"] == "adversarial"
    assert model.card["adaptation"][-1]["config"]["masking"] == "adversarial"

    save_adapted(model, tmp_path / "m", config)
    loaded = load_adapt_config(tmp_path / "m")
    assert loaded == config and loaded.masking == "adversarial"
    assert masking_of(tmp_path / "m") == "adversarial"


def test_random_stays_the_default_and_an_older_config_reads_as_random(tmp_path):
    model = debug_encoder(0)
    adapt(model, {"a": _tunes([60, 62], 4, 0)}, AdaptConfig(cultures=("a",), steps=2, batch_size=2))
    assert model.card["masking"] == "random" and "adversarial" not in model.card["adaptation"][-1]
    old = AdaptConfig().to_dict()
    del old["masking"], old["adversarial"]
    folder = tmp_path / "old"
    save_adapted(model, folder, AdaptConfig())
    (folder / ADAPT_CONFIG).write_text(json.dumps(old))
    assert load_adapt_config(folder).masking == "random" and masking_of(folder) == "random"
    with pytest.raises(ValueError, match="unknown masking 'learned'"):
        AdaptConfig(masking="learned")


def test_resume_masking_keeps_the_folders_and_refuses_another(tmp_path):
    model = debug_encoder(0)
    save_adapted(model, tmp_path / "m", AdaptConfig(masking="adversarial"))
    assert resume_masking(tmp_path / "m") == "adversarial"
    assert resume_masking(tmp_path / "m", "adversarial") == "adversarial"
    with pytest.raises(ValueError, match="pretrained with adversarial masking, not random") as e:
        resume_masking(tmp_path / "m", "random")
    assert "\n" not in str(e.value)
    with pytest.raises(FileNotFoundError, match="no encoder to resume"):
        resume_masking(tmp_path / "none")
