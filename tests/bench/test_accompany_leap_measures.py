"""The accompaniment bench's leap rows (issue 21: the bass under a chorale soprano leapt by two octaves, the
inner voices by tenths): the lowest voice's moves of more than an octave, the inner voices' of more than a
sixth, by rank among the parts sounding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.bench.test_accompany_voicing_measures import _piece

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_voicing  # noqa: E402


def test_bass_leaps_over_an_octave_and_inner_leaps_over_a_sixth():
    got = parts_voicing([_piece([64, 60, 64, 62], [48, 59, 33, 45])], 1)
    assert got["bass leaps over an octave"] == pytest.approx(1 / 3)  # B3 -> A1 over an octave
    assert got["inner leaps over a sixth"] == 0.0
    got = parts_voicing([_piece([52, 64, 65, 55], [40, 41, 43, 45])], 1)
    assert got["bass leaps over an octave"] == 0.0
    assert got["inner leaps over a sixth"] == pytest.approx(2 / 3)  # E3 -> E4, F4 -> G3; E4 -> F4 a step


def test_upper_spacing_over_an_octave():
    import symusic

    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    for name, pitches in (
        ("S", [72] * 4),
        ("A", [67, 55, 64, 67]),
        ("T", [60, 52, 60, 60]),
        ("B", [48, 36, 48, 36]),
    ):
        t = symusic.Track(name, 52, False)
        t.notes.extend(symusic.Note(k * 480, 480, p, 80) for k, p in enumerate(pitches))
        s.tracks.append(t)
    got = parts_voicing([s], 1)
    assert got["upper spacing over an octave"] == pytest.approx(
        1 / 4
    )  # beat 2: the alto 17 under; beat 4's bass
