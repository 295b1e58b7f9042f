"""The accompaniment bench's bass register and phrase-end rows (issue 21: the bass under chorale sopranos
spanned wider than Bach's, and the parts ended phrases on an eighth and a rest where Bach's hold)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import parts_lines  # noqa: E402


def _piece(alto: list[tuple[float, int]], bass: list[int]) -> symusic.Score:
    """A bar of 4/4: the soprano C5 C5 and a half-note phrase end; the alto's (quarters, pitch) notes (pitch
    0: a rest), the bass a quarter each."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    soprano = symusic.Track("Soprano", 52, False)
    soprano.notes.extend(symusic.Note(t, d, 72, 80) for t, d in ((0, 480), (480, 480), (960, 960)))
    a, b = symusic.Track("Alto", 52, False), symusic.Track("Bass", 52, False)
    at = 0
    for quarters, pitch in alto:
        if pitch:
            a.notes.append(symusic.Note(at, int(quarters * 480), pitch, 80))
        at += int(quarters * 480)
    b.notes.extend(symusic.Note(k * 480, 480, p, 80) for k, p in enumerate(bass))
    s.tracks.extend([soprano, a, b])
    return s


def test_bass_register_and_range():
    got = parts_lines([_piece([(4, 67)], [48, 43, 55, 48]), _piece([(4, 67)], [40, 45, 52, 50])], 1)
    assert got["bass lowest"] == pytest.approx(41.5)
    assert got["bass highest"] == pytest.approx(53.5)
    assert got["bass range"] == pytest.approx(12.0)


def test_a_part_that_rests_under_the_phrase_end():
    held = parts_lines([_piece([(1, 67), (1, 65), (2, 64)], [48, 43, 48, 48])], 1)
    assert held["silent under phrase ends"] == 0.0
    assert held["phrase ends held"] == 1.0
    rest = parts_lines([_piece([(1, 67), (1, 65), (0.5, 64), (1.5, 0)], [48, 43, 48, 48])], 1)
    assert rest["silent under phrase ends"] == pytest.approx(6 / 16)  # the alto's 6 sixteenths of 8, 2 parts
    assert rest["phrase ends held"] == 0.0
    assert rest["silent under the melody"] == pytest.approx(6 / 32)


def test_notes_at_the_melodys_onsets_between_the_beats():
    from bench_accompany import parts_rhythm

    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    soprano = symusic.Track("Soprano", 52, False)  # a dotted quarter and an eighth, then a half
    soprano.notes.extend(symusic.Note(t, d, 72, 80) for t, d in ((0, 720), (720, 240), (960, 960)))
    alto, bass = symusic.Track("Alto", 52, False), symusic.Track("Bass", 52, False)
    alto.notes.extend(symusic.Note(t, d, 67, 80) for t, d in ((0, 720), (720, 240), (960, 960)))
    bass.notes.extend(symusic.Note(t, 960, 48, 80) for t in (0, 960))  # holds under the eighth
    s.tracks.extend([soprano, alto, bass])
    assert parts_rhythm([s], 1)["notes at the melody's onsets between the beats"] == pytest.approx(1.0)
