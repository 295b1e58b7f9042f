"""The reward model learns a hidden preference from pairs of feature dicts, scores held-out pairs, and
saves."""

from __future__ import annotations

import numpy as np
import pytest

from partita.training.reward import RewardConfig, RewardModel, pair_accuracy, train_reward

pytestmark = pytest.mark.usefixtures("one_thread")


def pieces(n: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{"steps": float(rng.random()), "pitch": float(rng.normal(60, 5))} for _ in range(n)]


def split(a, b):
    """Winner and loser of each pair by the hidden taste: more steps."""
    w = [x if x["steps"] > y["steps"] else y for x, y in zip(a, b, strict=True)]
    lo = [y if x["steps"] > y["steps"] else x for x, y in zip(a, b, strict=True)]
    return w, lo


def test_learns_the_hidden_preference_and_round_trips(tmp_path):
    w, lo = split(pieces(80, 0), pieces(80, 1))
    model, info = train_reward(w, lo, RewardConfig(features=["steps", "pitch"], epochs=100))
    assert info["train_accuracy"] > 0.9
    hw, hl = split(pieces(60, 2), pieces(60, 3))
    assert pair_accuracy(model, hw, hl) > 0.85  # held-out pairs
    loaded = RewardModel.from_pretrained(model.save_pretrained(tmp_path / "reward"))
    assert loaded.score(hw[:5]) == pytest.approx(model.score(hw[:5]))


def test_refusals(tmp_path):
    with pytest.raises(ValueError, match="equally many"):
        train_reward([{"a": 1.0}], [], RewardConfig(features=["a"]))
    with pytest.raises(ValueError, match="names of its features"):
        RewardModel(RewardConfig())
    with pytest.raises(FileNotFoundError, match="not a reward model"):
        RewardModel.from_pretrained(tmp_path)
