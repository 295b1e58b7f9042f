"""A hummed theme: one clean line, quantised to its own tempo, snapped to its key when that is clear."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest
import soundfile as sf
import symusic
from hum_fixtures import TUNE

from partita.audio import (
    MelodyConfig,
    NoteEvent,
    clean_melody,
    clean_notes,
    estimate_tatum,
    quantise_melody,
    read_hummed_melody,
)
from partita.audio.synth import HumStyle, f0_track, synthesize_hum
from partita.generation.hummed import read_hummed_theme, snap_to_key
from partita.score import ScoreError


def N(start, end, pitch, amp=0.8):  # noqa: N802
    return NoteEvent(start, end, pitch, amp)


def _melody_accuracy(line, hum) -> dict:
    est = f0_track([(n.start, n.end, n.pitch) for n in line], hum.f0_times)
    return mir_eval.melody.evaluate(hum.f0_times, hum.f0_hz, hum.f0_times, est)


def test_one_line_drops_ghosts_and_joins_what_vibrato_split():
    notes = [
        N(0.0, 0.5, 60),
        N(0.05, 0.4, 72, 0.3),  # a weaker octave ghost
        N(0.5, 0.56, 61),  # a vibrato blip
        N(0.56, 1.0, 60),  # the rest of the held note
        N(1.0, 1.04, 64),  # too short to be meant
        N(1.1, 1.6, 62),
    ]
    line = clean_notes(notes)
    assert [(n.pitch, round(n.start, 2), round(n.end, 2)) for n in line] == [(60, 0.0, 1.0), (62, 1.1, 1.6)]
    highest = clean_notes(notes, MelodyConfig(choose="highest", jitter_ms=0))
    assert highest[0].pitch == 72


def test_a_repeated_note_is_kept_where_the_loudness_dips():
    notes = [N(0.0, 0.5, 64), N(0.5, 1.0, 64)]
    assert len(clean_notes(notes)) == 1  # no envelope: one held note
    envelope = np.full(100, 0.5, dtype=np.float32)
    envelope[48:53] = 0.05  # a breath between them
    assert len(clean_notes(notes, envelope=envelope)) == 2


def test_the_tatum_follows_a_drifting_singer():
    beats = np.array([1, 0.5, 0.5, 1, 1, 1, 1, 2, 1, 1, 0.5, 0.5, 2])
    period = 0.6 * (1 + 0.08 * np.arange(beats.size) / beats.size)  # 8% slower by the end
    onsets = np.concatenate([[0.0], np.cumsum(beats * period)])
    tatum, fit = estimate_tatum(onsets)
    assert abs(tatum - 0.3 * 1.04) < 0.03 and fit < 0.2
    line = [
        N(a, a + 0.9 * d * 0.6, 60 + i % 5) for i, (a, d) in enumerate(zip(onsets, [*beats, 1], strict=True))
    ]
    score = quantise_melody(line)
    lengths = [n.duration / 480 for n in score.tracks[0].notes]
    assert lengths[:-1] == list(beats)


def test_a_hummed_tune_becomes_the_tune(hum, hum_wav):
    hummed = read_hummed_melody(hum_wav)
    notes = hummed.score.tracks[0].notes
    assert [n.pitch for n in notes] == [p for p, _ in TUNE]
    lengths = np.array([n.duration for n in notes], dtype=float)
    lengths /= lengths[0]  # the tempo may come out doubled; the rhythm may not
    assert list(lengths) == [d / TUNE[0][1] for _, d in TUNE]
    assert notes[0].time == 0 and 80 <= hummed.score.tempos[0].qpm <= 200
    clean = _melody_accuracy(hummed.line, hum)
    raw = _melody_accuracy(hummed.transcription.notes, hum)
    assert clean["Raw Pitch Accuracy"] >= 0.9 and clean["Overall Accuracy"] >= 0.8
    assert clean["Overall Accuracy"] >= raw["Overall Accuracy"] - 0.02


def test_silence_is_no_theme(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(22050 * 2, dtype=np.float32), 22050)
    with pytest.raises(ScoreError, match="no melody in the audio .*silent") as e:
        read_hummed_melody(path)
    assert e.value.reason == "no-notes"


def _line(pitches, step=480) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 100.0))
    t = symusic.Track("melody", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * step, step, p, 90))
    s.tracks.append(t)
    return s


def test_a_confident_key_snaps_a_semitone_wobble():
    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 71, 68, 67, 60]  # C major with one G# (a wobble)
    snapped, info = snap_to_key(_line(tune))
    assert info.applied and info.key == "C major" and info.snapped == 1
    pitches = [n.pitch for n in snapped.tracks[0].notes]
    assert pitches[13] in (67, 69) and pitches[:13] == tune[:13] and pitches[14:] == tune[14:]
    assert snapped.key_signatures[0].key == 0


def test_a_chromatic_or_unclear_melody_is_left_as_sung():
    chromatic = [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71]
    out, info = snap_to_key(_line(chromatic))
    assert not info.applied and [n.pitch for n in out.tracks[0].notes] == chromatic
    out, info = snap_to_key(_line([60, 62, 64, 66]), min_confidence=0.99)
    assert not info.applied


def test_a_flat_note_in_a_hum_is_snapped_back(tmp_path):
    meant = [(67, 1.0), (64, 0.5), (65, 0.5), (67, 1.0), (72, 1.0), (71, 1.0), (69, 1.0, -75), (67, 2.0)]
    meant += [(64, 1.0), (65, 1.0), (67, 1.0), (60, 1.0), (62, 1.0), (64, 1.0), (60, 2.0)]
    h = synthesize_hum(meant, HumStyle(seed=11, vowel="oo", tempo=104))
    path = tmp_path / "flat.wav"
    sf.write(path, h.samples, h.sample_rate)
    as_sung = read_hummed_theme(path, snap=False)
    theme = read_hummed_theme(path)
    assert [n.pitch for n in as_sung.tracks[0].notes][6] == 68  # A sung 75 cents flat is heard as G#
    assert [n.pitch for n in theme.tracks[0].notes] == [m[0] for m in meant]


def test_clean_melody_takes_any_score():
    s = _line([60, 62, 64, 65], step=240)
    s.tracks[0].notes.append(symusic.Note(0, 200, 76, 20))  # a quiet note over the first
    out = clean_melody(s)
    assert [n.pitch for n in out.tracks[0].notes] == [60, 62, 64, 65]


def test_read_theme_takes_a_score_file_or_a_hum(fixtures, hum_wav):
    from partita.generation.hummed import read_theme
    from partita.score import read_score, to_midi_bytes

    midi = fixtures / "score" / "two_tracks.mid"
    assert to_midi_bytes(read_theme(midi)) == to_midi_bytes(read_score(midi))
    assert [n.pitch for n in read_theme(hum_wav).tracks[0].notes] == [p for p, _ in TUNE]
