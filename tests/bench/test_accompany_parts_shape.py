"""The accompaniment bench's rows of the parts' notes a bar and note length (issue 21: pop parts held their
notes a third as long as POP909's own): the melody's tracks are left out, lengths are in quarters."""

from __future__ import annotations

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_shape  # noqa: E402


def _piece(tpq: int, part_notes: list[tuple[int, int]]) -> symusic.Score:
    s = symusic.Score(tpq)
    melody, part = symusic.Track("MELODY", 0, False), symusic.Track("PIANO", 0, False)
    melody.notes.extend(symusic.Note(t * tpq, tpq, 72, 80) for t in range(16))
    part.notes.extend(symusic.Note(t, d, 60, 80) for t, d in part_notes)
    s.tracks.extend([melody, part])
    return s


def test_the_parts_notes_a_bar_and_length_leave_the_melody_out():
    a = _piece(480, [(0, 960), (960, 960), (1920, 240), (2160, 240)])  # 4 notes: 2, 2, 0.5, 0.5 quarters
    b = _piece(96, [(0, 96 * 4)])  # 1 note of 4 quarters, on other ticks
    per_bar, length = parts_shape([a, b], bars=4)
    assert per_bar == (4 / 4 + 1 / 4) / 2
    assert length == (2 + 2 + 0.5 + 0.5 + 4) / 5
