import math

import numpy as np
import pytest
from evaluation_fixtures import C_MAJOR_SCALE, make_score, random_notes

from partita.evaluation.distribution import (
    FEATURES,
    compare_sets,
    kl_divergence,
    overlap_area,
    piece_features,
)


def _set(rng, n, low=48, high=85):
    out = []
    for _ in range(n):
        notes = random_notes(rng, int(rng.integers(20, 60)))
        notes = [(s, d, low + (p - 48) % (high - low)) for s, d, p in notes]
        out.append(make_score(notes, qpm=float(rng.integers(80, 140))))
    return out


def test_identical_sets_have_oa_one_per_feature(rng):
    pieces = _set(rng, 8)
    cmp = compare_sets(pieces, pieces)
    assert set(cmp.features) == set(FEATURES)
    for name, f in cmp.features.items():
        assert f.oa == pytest.approx(1.0, abs=1e-3), name
        assert f.kld == pytest.approx(0.0, abs=1e-9), name
        assert f.oa_intra == pytest.approx(1.0, abs=1e-3), name
    assert cmp.copies == 8


def test_different_sets_overlap_less(rng):
    low = _set(rng, 8, 36, 50)
    high = _set(rng, 8, 72, 96)
    cmp = compare_sets(low, high)
    assert cmp.copies == 0
    assert cmp.features["pitch_class_histogram"].oa < 0.95
    assert cmp.features["pitch_range"].oa < 0.9 or cmp.features["total_used_pitch"].oa < 0.9
    # inter-set distances of shifted registers exceed the reference's own distances
    f = cmp.features["avg_pitch_interval"]
    assert np.isfinite(f.kld)


def test_overlap_and_kl_of_samples(rng):
    a = rng.normal(0, 1, 400)
    assert overlap_area(a, a) == pytest.approx(1.0, abs=1e-3)
    assert overlap_area(a, a + 20) < 0.01
    # two unit Gaussians one standard deviation apart overlap by 2 * Phi(-1/2) = 0.617
    x = rng.normal(0, 1, 4000)
    y = rng.normal(1, 1, 4000)
    assert overlap_area(x, y) == pytest.approx(0.617, abs=0.05)
    assert kl_divergence(a, a) == pytest.approx(0.0, abs=1e-12)
    assert kl_divergence(x, y) > 0.1
    # degenerate samples (all distances equal) are point masses
    assert overlap_area(np.ones(5), np.ones(7)) == 1.0
    assert overlap_area(np.ones(5), np.full(5, 2.0)) == 0.0
    assert math.isnan(overlap_area(np.array([]), a))


def test_features_of_a_scale():
    f = piece_features(make_score(C_MAJOR_SCALE))
    assert f["total_used_pitch"][0] == 8
    assert f["pitch_range"][0] == 12
    assert f["pitch_class_histogram"].sum() == pytest.approx(1.0)
    assert f["pitch_class_histogram"][1] == 0  # no C#
    tm = f["pitch_class_transition_matrix"].reshape(12, 12)
    assert tm[0, 2] == pytest.approx(1 / 7)  # C -> D is one of 7 transitions
    assert f["avg_pitch_interval"][0] == pytest.approx(12 / 7)
    assert f["avg_ioi"][0] == pytest.approx(0.5)  # quarter notes at 120 bpm
    assert f["note_length_histogram"][2] == 1.0  # all quarter notes


def test_too_small_sets_are_refused(rng):
    with pytest.raises(ValueError, match="at least 2 pieces"):
        compare_sets(_set(rng, 1), _set(rng, 4))
