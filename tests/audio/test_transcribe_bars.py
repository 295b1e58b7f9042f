"""`partita transcribe --melody` writes bars where the music has them (issue 24): the meter (3/4 against
4/4) and an upbeat read from the quantised notes, and --meter / --pickup override them. The notes are fed
past the ONNX model (quantised NoteEvents), so these run in well under a second."""

from __future__ import annotations

import pytest
import symusic

from partita.audio import melody as melody_module
from partita.audio.melody import HummedMelody, quantise_melody
from partita.audio.transcription import NoteEvent
from partita.generation.upbeat import place_bars

TPQ = 480
WALTZ = [(67, 1), (60, 2), (64, 1), (67, 2), (64, 1), (62, 3), (67, 2)]
WALTZ += [(67, 1), (59, 2), (62, 1), (67, 2), (62, 1), (60, 3), (67, 2)]
"""A 3/4 tune opening with a one-beat upbeat: (MIDI pitch, beats)."""
MARCH = [(60, 1), (64, 1), (67, 1), (64, 1), (65, 2), (62, 2), (64, 1), (67, 1), (72, 1), (67, 1), (65, 4)]
MARCH += [(64, 1), (62, 1), (60, 1), (62, 1), (64, 2), (67, 2), (65, 1), (64, 1), (62, 1), (71, 1), (72, 4)]
"""A 4/4 tune from the downbeat."""


def _sung(tune, bpm: float = 100.0) -> list[NoteEvent]:
    t, out, beat = 0.0, [], 60.0 / bpm
    for pitch, beats in tune:
        out.append(NoteEvent(t, t + beats * beat * 0.9, pitch, 0.8))
        t += beats * beat
    return out


def _meter(score) -> tuple[int, int]:
    return score.time_signatures[0].numerator, score.time_signatures[0].denominator


def _starts(score) -> list[int]:
    return [n.time for n in score.tracks[0].notes]


def test_a_waltz_with_an_upbeat_gets_three_four_and_its_bar_line():
    score, read = place_bars(quantise_melody(_sung(WALTZ)))
    assert _meter(score) == (3, 4)
    starts = _starts(score)
    assert starts[0] == 2 * TPQ and starts[1] == 3 * TPQ  # the upbeat padded: the 2nd note starts bar 2
    assert all((s - starts[1]) % TPQ == 0 for s in starts)
    assert read.startswith("read 3/4") and "upbeat of 1 beat" in read


def test_a_march_from_the_downbeat_is_unchanged():
    quantised = quantise_melody(_sung(MARCH))
    score, read = place_bars(quantised)
    assert read is None
    assert _meter(score) == (4, 4)
    assert _starts(score) == _starts(quantised) and _starts(score)[0] == 0


def test_meter_and_pickup_override_what_is_read():
    waltz = quantise_melody(_sung(WALTZ))
    score, read = place_bars(waltz, "4/4", 0)
    assert read is None and _meter(score) == (4, 4) and _starts(score) == _starts(waltz)
    score, _ = place_bars(waltz, "3/4", 0)
    assert _meter(score) == (3, 4) and _starts(score)[0] == 0
    score, read = place_bars(quantise_melody(_sung(MARCH)), None, 1)
    assert _meter(score) == (4, 4) and _starts(score)[0] == 3 * TPQ and "upbeat of 1 beat" in read


def test_the_cli_says_what_it_read_and_takes_the_overrides(tmp_path, monkeypatch, capsys):
    from partita.cli.main import main

    line = _sung(WALTZ)
    hummed = HummedMelody(quantise_melody(line), line, None, [])
    monkeypatch.setattr(melody_module, "read_hummed_melody", lambda *a, **k: hummed)
    monkeypatch.setattr("partita.audio.read_hummed_melody", lambda *a, **k: hummed)
    out = tmp_path / "waltz.mid"
    assert main(["transcribe", str(tmp_path / "waltz.wav"), "--melody", "--no-snap", "-o", str(out)]) == 0
    assert "note: read 3/4" in capsys.readouterr().err
    written = symusic.Score(str(out))
    assert _meter(written) == (3, 4) and written.tracks[0].notes[0].time == 2 * TPQ
    args = ["transcribe", str(tmp_path / "waltz.wav"), "--melody", "--no-snap", "-o", str(out)]
    assert main([*args, "--meter", "4/4", "--pickup", "0"]) == 0
    assert "read 3/4" not in capsys.readouterr().err
    written = symusic.Score(str(out))
    assert _meter(written) == (4, 4) and written.tracks[0].notes[0].time == 0


@pytest.mark.parametrize("bad", ["--pickup=x", "--meter=5/4"])
def test_bad_overrides_are_one_line(tmp_path, bad, capsys):
    from partita.cli.main import main

    assert main(["transcribe", str(tmp_path / "a.wav"), "--melody", bad]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_first_note_lengthened_by_half_a_beat_is_cut_to_a_whole_beat_upbeat():
    """A transcription's notes after the first often sound late together, so its first note comes out half a
    beat long (1.5 beats for a one-beat upbeat): the bar lines still follow the later notes, and the upbeat
    is written as whole beats by cutting the first note (before, a part-beat upbeat was left unread)."""
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, 100.0))
    track = symusic.Track("melody", 0, False)
    track.notes.append(symusic.Note(0, 3 * TPQ // 2, 67, 90))
    at = 3 * TPQ // 2
    for pitch, beats in MARCH:
        track.notes.append(symusic.Note(at, beats * TPQ, pitch, 90))
        at += beats * TPQ
    score.tracks.append(track)
    barred, read = place_bars(score)
    assert _meter(barred) == (4, 4)
    starts = _starts(barred)
    assert starts[0] == 3 * TPQ and starts[1] == 4 * TPQ  # a one-beat upbeat, the march from bar 2
    assert barred.tracks[0].notes[0].duration == TPQ
    assert "upbeat of 1 beat" in read and "cut from 1.5 beats to 1 beat" in read


HYMN = [(67, 1), (72, 2), (71, 1), (72, 1), (74, 2), (72, 1), (74, 1), (76, 1), (74, 1), (72, 1), (71, 1)]
HYMN += [(72, 3), (67, 1), (72, 2), (71, 1), (72, 1), (74, 2), (72, 1), (74, 1), (76, 1), (77, 1), (76, 1)]
HYMN += [(74, 1), (72, 5)]
"""A 4/4 tune with a one-beat upbeat whose last note is held a beat too long (a transcription's last note
drifts by a tatum or more): its end falls a beat after a bar line."""


def test_a_last_note_held_too_long_does_not_hide_the_upbeat():
    score, read = place_bars(quantise_melody(_sung(HYMN)), "4/4")
    starts = _starts(score)
    assert starts[0] == 3 * TPQ and starts[1] == 4 * TPQ  # the upbeat padded: the 2nd note starts bar 2
    assert read.startswith("Read an upbeat of 1 beat")
    before, _ = place_bars(quantise_melody(_sung(HYMN)), "4/4", weights=(1.0, 0.0, 2.0, 1.0), confidence=0.9)
    assert _starts(before)[0] == 0  # the reading before: the end cue, weighted 2, left it unread
