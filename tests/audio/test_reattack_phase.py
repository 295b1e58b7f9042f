"""A legato repeated note on the flute, which basic-pitch hears as one held note and whose note activation
hardly dips, is split where the partials of its pitch jump in phase (``MelodyConfig.reattack_phase``, the
flute's setting; issue 24). ``--instrument auto`` picks the instrument's settings from the recogniser."""

from __future__ import annotations

import numpy as np
import pytest

from partita.audio import MelodyConfig, NoteEvent, clean_notes
from partita.audio.melody import INSTRUMENT_SETTINGS, instrument_from_families
from partita.audio.transcription import add_phase_attacks, phase_attacks
from partita.render import audio_available

SR = 22050


def _flute(restart_at: float | None, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """A held A4 with five partials, a 5 Hz tremolo (30%) and vibrato (15 cents); where ``restart_at`` is
    given the partials start again there with new phases, at the same loudness: a tongued repeat."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f = 440.0 * 2 ** (0.15 / 12 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f) / SR
    y = np.zeros_like(t)
    offsets = rng.uniform(0, 2 * np.pi, 5)
    later = rng.uniform(0, 2 * np.pi, 5)
    for h, amp in enumerate((1.0, 0.5, 0.3, 0.2, 0.1), start=1):
        p = h * phase + offsets[h - 1]
        if restart_at is not None:
            p = np.where(t >= restart_at, h * (phase - phase[int(restart_at * SR)]) + later[h - 1], p)
        y += amp * np.sin(p)
    y *= 1 - 0.3 * (0.5 + 0.5 * np.sin(2 * np.pi * 5 * t))
    return (0.2 * y + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


def test_a_phase_restart_inside_a_held_note_is_found():
    strong = [(t, r) for t, r in phase_attacks(_flute(1.0), 0.0, 2.0, 69) if r >= 2.8]
    assert len(strong) == 1
    assert 0.99 <= strong[0][0] <= 1.06  # the STFT frame that first holds the new phase


def test_tremolo_and_vibrato_alone_make_no_strong_jump():
    found = phase_attacks(_flute(None), 0.0, 2.0, 69)
    assert max((r for _, r in found), default=0.0) < 2.8


def test_no_jump_is_looked_for_near_the_ends_or_in_a_short_note():
    y = _flute(0.05)
    assert all(t >= 0.09 for t, _ in phase_attacks(y, 0.0, 2.0, 69))
    assert phase_attacks(y, 0.0, 0.15, 69) == ()
    assert phase_attacks(np.zeros(0, np.float32), 0.0, 2.0, 69) == ()


def test_the_notes_get_their_jumps():
    notes = add_phase_attacks(_flute(1.0), [NoteEvent(0.0, 2.0, 69, 0.8)])
    assert any(abs(t - 1.02) < 0.05 and r >= 2.8 for t, r in notes[0].attacks)


def test_the_line_splits_at_a_strong_jump_only_when_asked():
    held = [NoteEvent(0.0, 2.0, 69, 0.8, onset=0.9, attacks=((0.6, 2.0), (1.03, 4.0)))]
    assert [(n.start, n.end) for n in clean_notes(held)] == [(0.0, 2.0)]  # the default (a hum): one note
    flute = MelodyConfig.for_instrument("flute")
    assert flute.reattack_phase == pytest.approx(INSTRUMENT_SETTINGS["flute"]["reattack_phase"])
    split = clean_notes(held, flute)
    assert [(round(n.start, 3), round(n.end, 3)) for n in split] == [(0.0, 1.015), (1.015, 2.0)]
    assert split[1].onset is None
    assert len(clean_notes(held, MelodyConfig(reattack_phase=5.0))) == 1


def test_fragments_joined_into_one_note_keep_their_jumps():
    parts = [NoteEvent(0.0, 0.8, 69, 0.8), NoteEvent(0.81, 2.0, 69, 0.8, attacks=((1.4, 4.0),))]
    assert [(n.start, n.end) for n in clean_notes(parts, MelodyConfig(reattack_phase=3.0))] == [
        (0.0, 1.4),
        (1.4, 2.0),
    ]


def test_a_late_split_of_a_repeat_moves_to_its_jump():
    # basic-pitch split the repeat itself but 80 ms late (1.12 s, the written onset 1.04 s); the jump at
    # 1.055 s (1.04 s after the flute's shift) is too near that split to split again, so the boundary moves
    late = [NoteEvent(0.0, 1.07, 72, 0.8, attacks=((1.055, 5.0),)), NoteEvent(1.12, 2.0, 72, 0.8)]
    assert [(n.start, n.end) for n in clean_notes(late)] == [(0.0, 1.07), (1.12, 2.0)]
    moved = clean_notes(late, MelodyConfig.for_instrument("flute"))
    assert [(round(n.start, 3), round(n.end, 3)) for n in moved] == [(0.0, 1.04), (1.04, 2.0)]
    # a weak jump, or a jump far from the boundary, moves nothing
    weak = [NoteEvent(0.0, 1.07, 72, 0.8, attacks=((1.055, 2.0),)), NoteEvent(1.12, 2.0, 72, 0.8)]
    far = [NoteEvent(0.0, 1.07, 72, 0.8, attacks=((0.5, 5.0),)), NoteEvent(1.12, 2.0, 72, 0.8)]
    flute = MelodyConfig.for_instrument("flute")
    assert [n.start for n in clean_notes(weak, flute)] == [0.0, 1.12]
    assert [round(n.start, 3) for n in clean_notes(far, flute)] == [0.0, 0.485, 1.12]


def test_a_cue_outside_the_line_note_does_not_stretch_it():
    # basic-pitch's held E4 (0-2 s) is cut to 0-1 s where a louder G4 takes the line; its dip and jump at
    # 1.5 s lie under the G4 and must not lengthen the E4 over it
    notes = [
        NoteEvent(0.0, 2.0, 64, 0.5, dips=((1.5, 0.3, 0.9),), attacks=((1.5, 5.0),)),
        NoteEvent(1.0, 2.0, 67, 0.9),
    ]
    for cfg in (MelodyConfig(reattack_dip=0.9), MelodyConfig(reattack_phase=3.0)):
        line = clean_notes(notes, cfg)
        assert [(n.pitch, n.start, n.end) for n in line] == [(64, 0.0, 1.0), (67, 1.0, 2.0)]


@pytest.mark.parametrize(
    "probabilities, instrument",
    [
        ({"piano": 0.96, "guitar": 0.23, "voice": 0.01, "pipe": 0.01}, "piano"),
        ({"pipe": 0.83, "voice": 0.17, "brass": 0.11}, "flute"),
        ({"voice": 0.89, "pipe": 0.04, "organ": 0.0, "mallets": 0.05}, "voice"),
        ({"voice": 0.81, "pipe": 0.25, "organ": 0.14}, "hum"),
        ({"piano": 0.4, "voice": 0.3}, "voice"),  # no family sure enough: a voice
        ({}, "voice"),
    ],
)
def test_the_instrument_from_the_recognisers_families(probabilities, instrument):
    assert instrument_from_families(probabilities) == instrument


# --instrument auto, end to end: a legato flute tune with repeated notes, rendered with FluidSynth

needs_fluidsynth = pytest.mark.skipif(
    not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing"
)
FLUTE_TUNE = [(72, 1.0), (72, 1.0), (74, 1.0), (76, 1.0), (76, 1.0), (76, 1.0), (74, 1.0), (72, 2.0)]


@pytest.fixture(scope="module")
def flute_take(tmp_path_factory):
    import symusic

    from partita.render import write_wav

    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 100.0))
    track = symusic.Track("flute", 73, False)
    t = 480
    for pitch, beats in FLUTE_TUNE:  # legato: each note held to the next onset
        track.notes.append(symusic.Note(t, int(beats * 480), pitch, 90))
        t += int(beats * 480)
    score.tracks.append(track)
    return write_wav(score, tmp_path_factory.mktemp("flute") / "flute.wav", sample_rate=22050)


@needs_fluidsynth
def test_auto_hears_the_flute_and_keeps_its_legato_repeats(flute_take, tmp_path, capsys):
    from partita.cli.main import main
    from partita.score import read_score

    counts = {}
    for instrument in ("hum", "auto"):
        out = tmp_path / f"{instrument}.mid"
        args = ["transcribe", str(flute_take), "-o", str(out), "--melody", "--no-snap", "--pickup", "0"]
        assert main([*args, "--instrument", instrument, "--threads", "1"]) == 0
        counts[instrument] = len(read_score(out).tracks[0].notes)
    err = capsys.readouterr().err
    assert "heard as flute" in err
    # the hum's reading joins the legato repeats (C C, E E E); the flute's splits them again
    assert counts["hum"] < counts["auto"] <= len(FLUTE_TUNE)


def test_auto_on_too_short_audio_reads_a_hum(tmp_path, capsys):
    import soundfile as sf

    from partita.cli.main import main

    short = tmp_path / "short.wav"
    sf.write(short, np.zeros(SR // 2, dtype=np.float32), SR)
    code = main(["transcribe", str(short), "-o", str(tmp_path / "x.mid"), "--melody", "--instrument", "auto"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "no melody" in err
