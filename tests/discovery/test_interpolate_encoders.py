"""A fine-tuned discovery encoder averaged with the model it started from (WiSE-FT, #23)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel
from partita.discovery.index import model_fingerprint
from partita.discovery.train import interpolate

TINY = dict(dim=16, buckets=512, text_width=8, hidden=32)
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "discovery-finetune.py"
TEXTS = ["a jig in D major", "a slow air in E minor", "一首G大调的舞曲"]


def _pair() -> tuple[DiscoveryModel, DiscoveryModel]:
    """A model with its own standardisation, and a 'fine-tune' of it: the same buffers, other weights."""
    torch.manual_seed(0)
    base = DiscoveryModel(DiscoveryConfig(trained_on="base", metrics={"valid_mrr": 0.5}, **TINY))
    base.music.mean.normal_()
    base.music.scale.uniform_(0.5, 2.0)
    tuned = DiscoveryModel(DiscoveryConfig(**TINY))
    tuned.load_state_dict(base.state_dict())
    with torch.no_grad():
        for p in tuned.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    return base.eval(), tuned.eval()


def _features(n: int = 5) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, DiscoveryConfig().n_features)).astype(np.float32)


def test_the_ends_are_the_two_models():
    base, tuned = _pair()
    x = _features()
    for alpha, same in ((0.0, base), (1.0, tuned)):
        mixed = interpolate(base, tuned, alpha)
        np.testing.assert_allclose(mixed.encode_text(TEXTS), same.encode_text(TEXTS), atol=1e-6)
        np.testing.assert_allclose(mixed.encode_features(x), same.encode_features(x), atol=1e-6)


def test_halfway_averages_the_weights_and_keeps_the_buffers():
    base, tuned = _pair()
    mixed = interpolate(base, tuned, 0.5)
    a, b, m = base.state_dict(), tuned.state_dict(), mixed.state_dict()
    for name, _ in base.named_parameters():
        torch.testing.assert_close(m[name], (a[name] + b[name]) / 2)
        assert not torch.equal(m[name], a[name])
    assert torch.equal(m["music.mean"], a["music.mean"])
    assert torch.equal(m["music.scale"], a["music.scale"])
    assert len({model_fingerprint(base), model_fingerprint(tuned), model_fingerprint(mixed)}) == 3
    x = _features()
    assert not np.allclose(mixed.encode_features(x), base.encode_features(x), atol=1e-3)
    assert mixed.config.metrics == {} and base.config.metrics == {"valid_mrr": 0.5}
    assert mixed.config.trained_on == "base"


def test_a_saved_interpolation_reads_back(tmp_path):
    base, tuned = _pair()
    mixed = interpolate(base, tuned, 0.3)
    loaded = DiscoveryModel.from_pretrained(mixed.save_pretrained(tmp_path / "m"))
    np.testing.assert_allclose(loaded.encode_text(TEXTS), mixed.encode_text(TEXTS), atol=2e-2)


def test_refused_alpha_shapes_and_standardisation():
    base, tuned = _pair()
    with pytest.raises(ValueError, match="between 0 and 1"):
        interpolate(base, tuned, 1.5)
    with pytest.raises(ValueError, match="hidden differ"):
        interpolate(base, DiscoveryModel(DiscoveryConfig(**{**TINY, "hidden": 64})), 0.5)
    with torch.no_grad():
        tuned.music.mean.add_(1.0)
    with pytest.raises(ValueError, match="standardise the features differently"):
        interpolate(base, tuned, 0.5)


def test_the_script_picks_the_largest_alpha_that_loses_nowhere():
    spec = importlib.util.spec_from_file_location("discovery_finetune", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    base = {"en": 0.70, "zh": 0.80}
    sweep = {0.3: {"en": 0.71, "zh": 0.80}, 0.5: {"en": 0.72, "zh": 0.81}, 0.7: {"en": 0.74, "zh": 0.79}}
    assert script.pick_alpha(sweep, base) == 0.5
    assert script.pick_alpha({0.5: {"en": 0.69, "zh": 0.9}}, base) == 0.0
