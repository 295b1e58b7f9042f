"""The accompaniment bench's chorale rows of the parts' rhythm (issue 21: chorale parts wrote fewer notes
together than the real alto, tenor and bass): notes an onset, melody onsets struck, struck downbeats counted
from bar 2 (the first may be a pickup)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_rhythm  # noqa: E402


def test_parts_rhythm_counts_notes_together_and_struck_bars():
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    melody, parts = symusic.Track("Soprano", 52, False), symusic.Track("parts", 52, False)
    melody.notes.extend(symusic.Note(t, 960, 72, 80) for t in (0, 960, 1920, 2880))  # half notes, 2 bars
    for t, k in ((0, 3), (960, 1), (1200, 1), (2880, 2)):  # bar 2's downbeat (1920) not struck
        parts.notes.extend(symusic.Note(t, 240, 60 + i, 80) for i in range(k))
    s.tracks.extend([melody, parts])
    got = parts_rhythm([s], 2)
    assert got["notes a bar"] == pytest.approx(3.5)
    assert got["notes an onset"] == pytest.approx(7 / 4)
    assert got["on the beats"] == pytest.approx(6 / 7)  # the one at 1200 is an eighth
    assert got["melody onsets struck"] == pytest.approx(3 / 4)
    assert got["struck downbeats"] == 0.0  # bar 2 only
