"""The adversarial masker's state saved with the encoder (masker.safetensors): its head's weights and mask
book round-trip exactly, a resumed run starts from them (not a fresh masker), the book only for the same
pieces, and bad files or another shape are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from partita.models.encoder import OFFSET, debug_encoder
from partita.training.adversarial_mask import (
    MASKER_WEIGHTS,
    AdversarialMaskConfig,
    MaskerHead,
    MaskerState,
    _Adversary,
    load_masker,
)
from partita.training.culture import AdaptConfig, adapt, save_adapted

pytestmark = pytest.mark.usefixtures("one_thread")


def _tunes(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(30, 50))
        p = 60 + np.array([0, 4, 7, 12])[np.arange(k) % 4] + int(rng.integers(0, 3))
        bar, pos = np.arange(k) // 8, (np.arange(k) % 8) * 6
        out.append(np.stack([bar, pos, p, np.full(k, 10), np.full(k, 20)], 1).astype(np.int64) + OFFSET)
    return out


def _config(steps: int, lr: float = 3e-3) -> AdaptConfig:
    adv = {"book_after": 2, "book_rate": 0.8}
    return AdaptConfig(steps=steps, lr=lr, warmup=1, batch_size=6, masking="adversarial", adversarial=adv)


def _first_run(tmp_path):
    data = {"china": _tunes(8, 0)}
    model, state = debug_encoder(0), MaskerState()
    info = adapt(model, data, _config(12), masker=state)
    save_adapted(model, tmp_path / "m", _config(12), masker=state)
    return data, model, state, info


def test_the_masker_and_its_book_are_saved_and_load_back_exactly(tmp_path):
    _, _, state, info = _first_run(tmp_path)
    assert (tmp_path / "m" / MASKER_WEIGHTS).is_file()
    assert state.step == 12 and state.updates == info["adversarial"]["book_updates"] > 0
    assert any((~b).any() for b in state.book)  # the book closed some notes
    loaded = load_masker(tmp_path / "m")
    assert set(loaded.head) == set(state.head)
    for k, v in state.head.items():
        assert torch.equal(loaded.head[k], v)
    assert len(loaded.book) == 8
    assert all(np.array_equal(a, b) for a, b in zip(loaded.book, state.book, strict=True))
    assert (loaded.digest, loaded.step, loaded.updates) == (state.digest, 12, state.updates)
    assert loaded.config["book_after"] == 2


def test_a_resumed_run_continues_the_saved_masker_not_a_fresh_one(tmp_path):
    data, model, state, _ = _first_run(tmp_path)
    saved = load_masker(tmp_path / "m")
    adv = AdversarialMaskConfig(book_after=2, book_rate=0.8)
    pieces = data["china"]
    go_on = _Adversary(model, pieces, adv, seed=0, saved=saved)
    for k, v in go_on.head.state_dict().items():
        assert torch.equal(v, saved.head[k])
    assert all(np.array_equal(a, b) for a, b in zip(go_on.book.open, saved.book, strict=True))
    fresh = _Adversary(model, pieces, adv, seed=0)  # what a resume started from before
    assert not all(torch.equal(v, saved.head[k]) for k, v in fresh.head.state_dict().items())

    # one more step at a negligible rate through adapt: the masker is the saved one, its count goes on
    resumed = load_masker(tmp_path / "m")
    info = adapt(model, data, _config(1, lr=1e-12), masker=resumed)
    assert info["adversarial"]["resumed"] is True and resumed.step == 13
    for k, v in resumed.head.items():
        assert torch.allclose(v, saved.head[k], atol=1e-8)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        init = MaskerHead(32, 64).state_dict()
    assert max(float((init[k] - saved.head[k]).abs().max()) for k in init) > 1e-3

    # other pieces: the head goes on, the book starts afresh
    other = _Adversary(model, _tunes(5, 9), adv, seed=0, saved=saved)
    assert torch.equal(other.head.state_dict()["net.1.weight"], saved.head["net.1.weight"])
    assert all(b.all() for b in other.book.open) and other.state["resumed"] == "masker"


def test_another_shape_a_bad_file_and_a_stale_masker(tmp_path):
    _, model, state, _ = _first_run(tmp_path)
    wide = debug_encoder(0, d_model=48)
    with pytest.raises(ValueError, match="does not fit this encoder") as e:
        adapt(wide, {"china": _tunes(4, 1)}, _config(1), masker=load_masker(tmp_path / "m"))
    assert "\n" not in str(e.value)
    assert load_masker(tmp_path / "none") is None
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / MASKER_WEIGHTS).write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="not a saved masker") as e:
        load_masker(tmp_path / "bad")
    assert "\n" not in str(e.value)
    save_adapted(model, tmp_path / "m", AdaptConfig())  # random masking now: the old masker goes
    assert not (tmp_path / "m" / MASKER_WEIGHTS).exists()
