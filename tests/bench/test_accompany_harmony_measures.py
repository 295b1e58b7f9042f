"""The accompaniment bench's harmony rows (issue 21: chorale parts over one chord a bar): the chord the
texture sounds on each beat and how often it changes, the pitch-class entropy, parallel fifths and octaves."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_harmony  # noqa: E402


def _four(voices: dict[str, list[int]]) -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    for name, pitches in voices.items():
        t = symusic.Track(name, 52, False)
        t.notes.extend(symusic.Note(k * 480, 480, p, 80) for k, p in enumerate(pitches))
        s.tracks.append(t)
    return s


def test_chord_changes_a_bar():
    held = _four({"S": [72, 76, 79, 72], "A": [67] * 4, "T": [64] * 4, "B": [48] * 4})  # C major throughout
    assert parts_harmony([held], 1)["chord changes a bar"] == 0.0
    moving = _four(
        {"S": [72, 74, 72, 71], "A": [67, 69, 69, 67], "T": [64, 65, 65, 62], "B": [48, 50, 53, 55]}
    )
    got = parts_harmony([moving], 1)  # C, Dm, F, G
    assert got["chord changes a bar"] == pytest.approx(3.0)
    assert got["pitch-class entropy"] > parts_harmony([held], 1)["pitch-class entropy"]


def test_parallel_fifths_and_octaves():
    parallel = _four({"S": [72, 74], "A": [67, 69], "T": [64, 65], "B": [48, 50]})  # C-G to D-A: fifths
    got = parts_harmony([parallel], 1)
    assert got["parallel fifths and octaves"] > 0
    contrary = _four({"S": [72, 71], "A": [67, 67], "T": [64, 62], "B": [48, 55]})
    assert parts_harmony([contrary], 1)["parallel fifths and octaves"] == 0.0
