"""CM: the mode asked without a key (a picture's minor, a sad prompt's) is measured and ranks candidates."""

import pytest
from evaluation_fixtures import make_score

from partita.evaluation.adherence import Controls, Measured, candidate_adherence, controls_of, piece_adherence
from partita.generation.request import Request
from partita.tokens.conditions import Conditions


def _cadences(root: int, minor: bool) -> object:
    """i-iv-V-i (or I-IV-V-I) block chords with a bass, one a bar, 8 bars."""
    third = 3 if minor else 4
    degrees = [(0, third, 7), (5, 5 + third, 12), (7, 11, 14), (0, third, 7)]
    notes = []
    for b in range(8):
        chord = degrees[b % 4]
        notes += [(b * 1920, 1920, 60 + root + iv) for iv in chord] + [(b * 1920, 1920, 48 + root + chord[0])]
    return make_score(notes)


def test_the_mode_asked_without_a_key_is_scored():
    assert piece_adherence(Controls(mode="minor"), Measured(key="A minor")) == {"CM": 1.0}
    assert piece_adherence(Controls(mode="minor"), Measured(key="C major")) == {"CM": 0.0}
    assert piece_adherence(Controls(mode="major"), Measured(key=None)) == {"CM": 0.0}  # asked, not heard


def test_a_key_asked_states_its_mode_and_cm_is_not_added():
    out = piece_adherence(Controls(key="A minor", mode="minor"), Measured(key="A minor"))
    assert "CM" not in out and out["CK"] == 1.0


def test_controls_of_a_request_carry_the_mode_only_without_a_key():
    bare = Request("a sad song", Conditions(mode="minor"))
    keyed = Request("a song in D minor", Conditions(key="D", mode="minor"))
    assert controls_of(bare).mode == "minor" and controls_of(bare).key is None
    assert controls_of(keyed).mode is None and controls_of(keyed).key == "D minor"


def test_a_candidate_heard_in_the_asked_mode_scores_higher():
    request = Request("a dark picture", Conditions(mode="minor"))
    minor, major = _cadences(9, minor=True), _cadences(0, minor=False)
    assert candidate_adherence(request, minor)["CM"] == 1.0
    assert candidate_adherence(request, major)["CM"] == 0.0


def test_a_mode_outside_major_and_minor_is_refused():
    with pytest.raises(ValueError, match="mode 'dorian'"):
        Controls.from_dict({"mode": "dorian"})
