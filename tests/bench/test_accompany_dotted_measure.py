"""The accompaniment bench's count of the parts' notes under the short note of the melody's dotted figures
(issue 21: under a dotted quarter and an eighth the alto struck with the eighth)."""

from __future__ import annotations

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from accompany_parts import parts_rhythm  # noqa: E402

KEY = "notes with the short note of the melody's dotted figures"


def _piece(strike: bool) -> symusic.Score:
    """A bar of 4/4: the soprano a quarter, a dotted quarter, an eighth and a quarter; two parts in
    quarters, the alto's third an eighth and an eighth (struck with the soprano's eighth) where ``strike``."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    soprano = symusic.Track("Soprano", 52, False)
    soprano.notes.extend(
        symusic.Note(t, d, 72, 80) for t, d in ((0, 480), (480, 720), (1200, 240), (1440, 480))
    )
    alto, bass = symusic.Track("Alto", 53, False), symusic.Track("Bass", 48, False)
    alto.notes.extend(symusic.Note(t, 480, 67, 80) for t in (0, 480, 1440))
    alto.notes.extend(
        [symusic.Note(960, 240, 65, 80), symusic.Note(1200, 240, 64, 80)]
        if strike
        else [symusic.Note(960, 480, 65, 80)]
    )
    bass.notes.extend(symusic.Note(t, 480, 48, 80) for t in (0, 480, 960, 1440))
    s.tracks.extend([soprano, alto, bass])
    return s


def test_the_parts_notes_with_a_dotted_figures_short_note_are_counted():
    struck = parts_rhythm([_piece(True)], 1)
    held = parts_rhythm([_piece(False)], 1)
    assert struck[KEY] == 1.0 and held[KEY] == 0.0
    assert parts_rhythm([_piece(True), _piece(True)], 1)[KEY + ", a piece"] == 1.0
