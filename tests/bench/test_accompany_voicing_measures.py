"""The accompaniment bench's voicing rows (issue 21: chorale parts under a soprano repeated one pitch for
bars and crossed): inner repeats by rank among the parts sounding, time above the melody, crossings."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_voicing  # noqa: E402


def _piece(alto: list[int], bass: list[int], tracks: int = 2) -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    melody = symusic.Track("Soprano", 52, False)
    melody.notes.extend(symusic.Note(t, 480, 72, 80) for t in range(0, 1920, 480))
    a, b = symusic.Track("Alto", 52, False), symusic.Track("Bass", 52, False)
    a.notes.extend(symusic.Note(k * 480, 480, p, 80) for k, p in enumerate(alto))
    b.notes.extend(symusic.Note(k * 480, 480, p, 80) for k, p in enumerate(bass))
    if tracks == 1:
        a.notes.extend(b.notes)
        s.tracks.extend([melody, a])
    else:
        s.tracks.extend([melody, a, b])
    return s


def test_inner_repeats_are_counted_by_rank_whatever_the_tracks():
    for tracks in (1, 2):
        got = parts_voicing([_piece([67, 67, 67, 67], [48, 50, 52, 53], tracks)], 1)
        assert got["inner repeated"] == pytest.approx(3 / 4)  # the bass moves: not an inner voice
        assert got["inner runs of 4+"] == pytest.approx(1 / 4)
        assert got["above the melody"] == 0.0
    assert math.isnan(parts_voicing([_piece([67] * 4, [48] * 4, 1)], 1)["crossings"])  # one track: no voices


def test_time_above_the_melody_and_crossed_voices():
    got = parts_voicing([_piece([64, 74, 64, 64], [48, 48, 66, 48])], 1)
    assert got["above the melody"] == pytest.approx(1 / 4)  # the alto's D5 over the C5
    # neighbour pairs by mean pitch (soprano, alto, bass): the alto over the soprano, the bass over the alto
    assert got["crossings"] == pytest.approx(8 / 32)  # a quarter each, of two pairs sounding 16 sixteenths
