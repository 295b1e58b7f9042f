"""A reward model of a few choices puts its weight on the features the choices separate: with the L1 penalty
chosen by leave-one-out on the choices themselves, the features they do not separate get weight 0 (the
dense model of 16 choices spread its weight over all of them, and labelled other pairs by those)."""

from __future__ import annotations

import numpy as np
import pytest

from partita.training.reward import (
    RewardConfig,
    RewardModel,
    label_by_reward,
    pair_accuracy,
    train_reward,
)

pytestmark = pytest.mark.usefixtures("one_thread")

NOISE = [f"noise{i:02d}" for i in range(20)]
NAMES = ["steps", *NOISE]


def pieces(n: int, seed: int) -> list[dict[str, float]]:
    """Pieces with one feature the taste reads (steps) and 20 it does not."""
    rng = np.random.default_rng(seed)
    return [{"steps": float(rng.random()), **{k: float(rng.normal()) for k in NOISE}} for _ in range(n)]


def split(a, b):
    """Winner and loser of each pair by the hidden taste: more steps."""
    w = [x if x["steps"] > y["steps"] else y for x, y in zip(a, b, strict=True)]
    lo = [y if x["steps"] > y["steps"] else x for x, y in zip(a, b, strict=True)]
    return w, lo


def test_sixteen_choices_weigh_the_feature_they_separate_and_label_better():
    w, lo = split(pieces(16, 0), pieces(16, 1))
    hw, hl = split(pieces(400, 2), pieces(400, 3))
    dense, _ = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, epochs=300))
    sparse, info = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, l1=None))
    weights = dict(zip(NAMES, sparse.net[0].weight.detach()[0].tolist(), strict=True))
    assert weights["steps"] > 0 and info["weights"][0][0] == "steps"  # the taste, first
    assert sum(weights[k] == 0 for k in NOISE) >= 15  # most of the noise: exactly 0
    assert info["l1"] > 0 and sparse.config.l1 == info["l1"] and len(info["loo_loss"]) > 3
    dense_acc, sparse_acc = pair_accuracy(dense, hw, hl), pair_accuracy(sparse, hw, hl)
    assert sparse_acc > 0.9 and sparse_acc > dense_acc + 0.05  # held-out pairs
    # the labels of pairs nobody rated follow the taste far more often than the dense model's
    fa, fb = pieces(200, 4), pieces(200, 5)

    def agreement(model) -> float:
        labels = label_by_reward(model, fa, fb, margin=0.0)
        return float(
            np.mean([(lb.winner == "a") == (fa[lb.index]["steps"] > fb[lb.index]["steps"]) for lb in labels])
        )

    assert agreement(sparse) > agreement(dense) + 0.05


def test_a_feature_the_choices_never_moved_decides_no_label():
    """thick_beat_share was 0 in all 16 rated folk choices: the dense model kept its random initial weight
    on it, at a scale of 1e-6, and labelled the candidates differing in it by that alone (gaps of 1e4)."""
    rng = np.random.default_rng(3)
    a = [{"steps": float(rng.random()), "thick": 0.0} for _ in range(16)]
    b = [{"steps": float(rng.random()), "thick": 0.0} for _ in range(16)]
    w, lo = split(a, b)
    names = ["steps", "thick"]
    fa, fb = [{"steps": 0.5, "thick": 0.3}], [{"steps": 0.5, "thick": 0.0}]  # apart only in thick beats
    dense, _ = train_reward(w, lo, RewardConfig(features=names, hidden=0, epochs=300))
    assert label_by_reward(dense, fa, fb, margin=1.0)[0].margin > 1e3  # the old labels: the initial weight
    model, info = train_reward(w, lo, RewardConfig(features=names, hidden=0, l1=None, clip=True))
    assert [k for k, _ in info["weights"]] == ["steps"]
    assert label_by_reward(model, fa, fb, margin=0.0) == []  # no gap from where the choices never went
    # a real difference in steps is still labelled, however far the pieces go past the choices' range
    far = label_by_reward(model, [{"steps": 5.0, "thick": 0}], [{"steps": -5.0, "thick": 0}])
    near = label_by_reward(model, [{"steps": 1.0, "thick": 0}], [{"steps": 0.0, "thick": 0}])
    assert far[0].winner == "a" and far[0].margin == pytest.approx(near[0].margin, rel=0.05)


def test_a_sparse_reward_model_round_trips_with_its_penalty(tmp_path):
    w, lo = split(pieces(16, 0), pieces(16, 1))
    model, info = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, l1=None, clip=True))
    loaded = RewardModel.from_pretrained(model.save_pretrained(tmp_path / "reward"))
    assert loaded.config.l1 == pytest.approx(info["l1"]) and loaded.config.clip
    far = [{k: v * 100 for k, v in x.items()} for x in w[:4]]
    assert loaded.score(far) == pytest.approx(model.score(far))  # the range travels with the weights
    with pytest.raises(ValueError, match="linear reward model"):
        train_reward(w, lo, RewardConfig(features=NAMES, hidden=8, l1=None))
