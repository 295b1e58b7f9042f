"""A taste spread over correlated features: the grouped penalty (``RewardConfig(groups="families")``) keeps
the whole family where the lasso keeps one of it, and labels held-out pairs at least as well; with features
in no family it is the lasso exactly; partita's own feature names fall into :data:`FEATURE_GROUPS`."""

from __future__ import annotations

import numpy as np
import pytest

from partita.training.reward import (
    FEATURE_GROUPS,
    RewardConfig,
    feature_groups,
    pair_accuracy,
    train_reward,
)

pytestmark = pytest.mark.usefixtures("one_thread")

MELODY = list(FEATURE_GROUPS[1])  # four measurements of one melodic taste, each noisy
NOISE = [f"noise{i:02d}" for i in range(12)]
NAMES = [*MELODY, *NOISE]


def pieces(n: int, rng) -> list[dict[str, float]]:
    out = []
    for _ in range(n):
        taste = float(rng.normal())
        d = {k: taste + float(rng.normal()) * 0.6 for k in MELODY}
        d.update({k: float(rng.normal()) for k in NOISE})
        d["_taste"] = taste
        out.append(d)
    return out


def split(a, b):
    w = [x if x["_taste"] > y["_taste"] else y for x, y in zip(a, b, strict=True)]
    lo = [y if x["_taste"] > y["_taste"] else x for x, y in zip(a, b, strict=True)]
    return w, lo


def test_the_grouped_penalty_keeps_the_family_and_labels_as_well():
    rng = np.random.default_rng(0)
    w, lo = split(pieces(16, rng), pieces(16, rng))
    hw, hl = split(pieces(300, rng), pieces(300, rng))
    lasso, _ = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, l1=None))
    group, info = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, l1=None, groups="families"))
    weights = dict(info["weights"])
    assert info["grouped"] and all(
        weights.get(k, 0) > 0 for k in MELODY
    )  # the whole family, the taste's sign
    assert pair_accuracy(group, hw, hl) > 0.85
    assert pair_accuracy(group, hw, hl) >= pair_accuracy(lasso, hw, hl) - 0.01


def test_each_feature_alone_is_the_lasso():
    rng = np.random.default_rng(7)
    w, lo = split(pieces(16, rng), pieces(16, rng))
    names = [f"f{i}" for i in range(len(NAMES))]  # no family: every feature alone
    rename = [{n: x[k] for n, k in zip(names, NAMES, strict=True)} for x in w + lo]
    config = RewardConfig(features=names, hidden=0, l1=None, groups="families")
    a, info_a = train_reward(rename[:16], rename[16:], config)
    b, info_b = train_reward(w, lo, RewardConfig(features=NAMES, hidden=0, l1=None))
    assert not info_a["grouped"] and not info_b["grouped"] and info_a["l1"] == pytest.approx(info_b["l1"])
    assert [v for _, v in info_a["weights"]] == pytest.approx([v for _, v in info_b["weights"]])


def test_partita_features_fall_into_their_families():
    names = ["adherence", "melody_step_share", "pitch_low", "melody_leap_share", "bars", "pitch_high"]
    groups = [names_of.tolist() for names_of in feature_groups(names, "families")]
    assert groups == [[0], [1, 3], [2, 5], [4]]
    assert [g.tolist() for g in feature_groups(names)] == [[i] for i in range(len(names))]
    with pytest.raises(ValueError, match="'families'"):
        feature_groups(names, "kin")
