"""The ``bassline`` simulated rater: a bass with a musician's virtues (chord roots and fifths on the strong
beats, steps between, below the other parts) beats one that leaps about on wrong notes and crosses above."""

from __future__ import annotations

import pytest
import symusic

from partita.evaluation.raters import (
    PROPERTIES,
    SimulatedRater,
    bassline_heldout,
    bassline_parts,
    bassline_score,
)

GOOD = [48, 50, 43, 45, 43, 45, 50, 48]  # C D G A | G A D C: roots and fifths on beats 1 and 3, steps between
BAD = [54, 61, 56, 63, 61, 54, 57, 64]  # F# C# G# D# | C# F# A E: off the chords, leaps, above the choir
CHORDS = [(60, 64, 67), (55, 59, 62)]  # C major, then G major, a whole note each


def piece(bass: list[int] | None, one_track: bool = False) -> symusic.Score:
    """Two bars of 4/4: a triad a bar above a bass in quarter notes (in one track with ``one_track``)."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    upper = symusic.Track("Choir", 52, False)
    for bar, chord in enumerate(CHORDS):
        for pitch in chord:
            upper.notes.append(symusic.Note(bar * 1920, 1920, pitch, 80))
    s.tracks.append(upper)
    if bass is not None:
        low = upper if one_track else symusic.Track("Bass", 32, False)
        for i, pitch in enumerate(bass):
            low.notes.append(symusic.Note(i * 480, 480, pitch, 80))
        if not one_track:
            s.tracks.append(low)
    return s


def test_a_musicians_bass_scores_high_on_each_virtue():
    parts = bassline_parts(piece(GOOD))
    # strong beats: C root, G fifth | G root, D fifth; every move a step or (into a strong beat) a 4th/5th
    assert parts == pytest.approx({"chord": 0.875, "motion": 1.0, "below": 1.0})
    assert bassline_score(piece(GOOD)) == pytest.approx((0.875 + 2) / 3)
    bad = bassline_parts(piece(BAD))
    assert bad["chord"] < 0.3 and bad["motion"] < 0.4 and bad["below"] < 0.6
    assert bassline_score(piece(BAD)) < bassline_score(piece(GOOD)) - 0.5
    assert bassline_heldout(piece(BAD)) < bassline_heldout(piece(GOOD)) - 0.4
    # roots on both downbeats, every move a step or a 4th/5th; room of a fifth under the choir but for D3
    # under G3 (a fourth: 5/7)
    assert bassline_heldout(piece(GOOD)) == pytest.approx((2 + (7 + 5 / 7) / 8) / 3)


def test_a_bass_in_the_same_track_is_its_lowest_notes_and_a_lone_melody_has_none():
    assert bassline_score(piece(GOOD, one_track=True)) == pytest.approx(bassline_score(piece(GOOD)))
    melody = symusic.Score(480)
    melody.tracks.append(piece(GOOD).tracks[1])  # the bass line alone: nothing above it
    assert bassline_score(melody) == 0.0 and bassline_heldout(melody) == 0.0
    assert bassline_score(symusic.Score(480)) == 0.0  # an empty piece


def test_the_bassline_rater_prefers_the_musicians_bass_with_both_measurements():
    assert "bassline" in PROPERTIES
    good, bad = piece(GOOD), piece(BAD)
    for rater in (SimulatedRater("bassline", seed=1), SimulatedRater("bassline", seed=99, heldout=True)):
        assert rater.prob_a(good, bad) > 0.99
        assert rater.name.startswith("simulated:bassline:more")
    less = SimulatedRater("bassline", direction=-1, noise=0)
    assert less.choose(good, bad) == "b"
