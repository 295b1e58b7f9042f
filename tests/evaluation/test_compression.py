import math

import numpy as np
import pytest
from evaluation_fixtures import make_score

from partita.evaluation.compression import compression_ratio, compression_ratio_points, cosiatec, score_points


def _phrase(rng, m):
    onsets = np.cumsum(rng.integers(1, 4, m)) * 3
    return np.stack([onsets, rng.integers(55, 80, m)], axis=1), int(onsets[-1]) + 6


def test_repeated_phrase_compresses_about_four_times_better_than_random_notes(rng):
    """A phrase played 4 times compresses by 4m / (m + 3), close to 4; random notes of the same length by
    about 1.2-1.3, not 1: COSIATEC also finds small chance repetitions (two-note patterns) in random point
    sets, so the ratio of the two is about 3 rather than 4."""
    m = 40
    phrase, length = _phrase(rng, m)
    repeated = np.concatenate([phrase + [k * length, 0] for k in range(4)])
    random_pts = np.stack(
        [np.sort(rng.choice(4 * length, 4 * m, replace=False)), rng.integers(40, 90, 4 * m)], axis=1
    )
    cr_rep = compression_ratio_points(repeated)
    cr_rnd = compression_ratio_points(random_pts)
    assert cr_rep == pytest.approx(4 * m / (m + 3))  # one TEC: the phrase and its 3 translations
    assert 1.0 <= cr_rnd < 1.4
    assert 2.5 <= cr_rep / cr_rnd <= 4.5


def test_transposed_repeats_are_found():
    phrase = np.array([[0, 60], [2, 64], [4, 67], [6, 72]])
    pts = np.concatenate([phrase, phrase + [8, 5], phrase + [16, -3]])  # two transposed copies
    tecs, rest = cosiatec(pts)
    assert len(rest) == 0
    assert len(tecs) == 1
    assert len(tecs[0].pattern) == 4 and len(tecs[0].translators) == 3
    assert tecs[0].covered == 12
    assert compression_ratio_points(pts) == pytest.approx(12 / 6)


def test_encoding_covers_every_point_once(rng):
    pts = np.stack([rng.integers(0, 200, 150), rng.integers(50, 70, 150)], axis=1)
    unique = np.unique(pts, axis=0)
    tecs, rest = cosiatec(pts)
    covered = set(map(tuple, rest.tolist()))
    for t in tecs:
        pts_t = {(int(p[0] + v[0]), int(p[1] + v[1])) for p in t.pattern for v in t.translators}
        assert not (covered & pts_t)  # COSIATEC removes covered points before the next TEC
        covered |= pts_t
    assert covered == set(map(tuple, unique.tolist()))


def test_score_level_and_edge_cases():
    notes = [(i * 240, 240, p) for i, p in enumerate([60, 62, 64, 65] * 8)]
    score = make_score(notes)
    assert len(score_points(score)) == 32
    assert compression_ratio(score) == pytest.approx(32 / 11)  # the 4-note cell and its 8 positions
    assert math.isnan(compression_ratio(make_score([])))
    drums_only = make_score([], extra_tracks=[(0, True, [(0, 100, 36), (480, 100, 36)])])
    assert math.isnan(compression_ratio(drums_only))


def test_sparse_windows_use_the_search_path(monkeypatch):
    import partita.evaluation.compression as C

    phrase = np.array([[0, 60], [2, 64], [4, 67], [6, 72]])
    pts = np.concatenate([phrase, phrase + [100, 5], phrase + [200, -3]])
    assert compression_ratio_points(pts) == pytest.approx(2.0)  # table lookup
    monkeypatch.setattr(C, "_MAX_TABLE", 10)
    assert compression_ratio_points(pts) == pytest.approx(2.0)  # binary search
    far = np.concatenate([phrase, phrase + [10**7, 5], phrase + [2 * 10**7, -3]])
    monkeypatch.undo()
    assert compression_ratio_points(far) == pytest.approx(2.0)  # a 10^10 code span: no giant table
