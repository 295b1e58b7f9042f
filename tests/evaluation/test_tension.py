import math

import numpy as np
import pytest
from evaluation_fixtures import make_score

from partita.evaluation.tension import key_point, spiral_point, tonal_tension


def _chords(*triads, bar=1920):
    return [(i * bar, bar, p) for i, triad in enumerate(triads) for p in triad]


def test_spiral_geometry():
    # a fifth apart = one quarter turn and one step up; a major third (4 fifths) sits right above
    c, g, e = spiral_point(0), spiral_point(1), spiral_point(4)
    assert np.linalg.norm(c - g) == pytest.approx(math.sqrt(2 + 2 / 15))
    assert np.linalg.norm(c - e) == pytest.approx(4 * math.sqrt(2 / 15))


def test_tonic_is_calmer_than_a_remote_chord():
    score = make_score(_chords((60, 64, 67), (66, 70, 73), (60, 64, 67)))  # C, F#, C
    t = tonal_tension(score, key="C major")
    assert t is not None and len(t.strain) == 3
    assert t.strain[0] < t.strain[1]
    assert t.strain[2] == pytest.approx(t.strain[0])
    assert math.isnan(t.momentum[0]) and t.momentum[1] > 0
    assert t.momentum[1] == pytest.approx(t.momentum[2])


def test_single_pitch_has_zero_diameter_and_repeats_have_zero_momentum():
    score = make_score(_chords((60,), (72,), (60,)))
    t = tonal_tension(score, key="C major")
    assert np.allclose(t.diameter, 0.0)
    assert np.allclose(t.momentum[1:], 0.0)  # same pitch class, same spiral position


def test_key_is_estimated_and_minor_keys_work():
    score = make_score(_chords((57, 60, 64), (62, 65, 69), (52, 56, 59), (57, 60, 64)))  # Am Dm E Am
    t = tonal_tension(score)
    assert t.key in ("A minor", "C major")
    t_min = tonal_tension(score, key="A minor")
    assert np.all(np.isfinite(t_min.strain))
    assert np.linalg.norm(key_point(9, True) - key_point(0, False)) < np.linalg.norm(
        key_point(6, False) - key_point(0, False)
    )


def test_no_notes_gives_none():
    assert tonal_tension(make_score([])) is None
