"""Transcription with basic-pitch's ONNX model: a hummed tune, silence, noise, rates, FluidSynth renders."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest
import soundfile as sf
import symusic
from hum_fixtures import TUNE

from partita.audio import TranscriptionConfig, transcribe, transcribe_audio
from partita.audio.synth import HumStyle, synthesize_hum
from partita.render import audio_available, write_wav


def _note_f1(notes, reference, offsets: bool = False) -> float:
    ref_iv = np.array([[a, b] for a, b, _ in reference])
    ref_hz = np.array([440.0 * 2 ** ((p - 69) / 12) for _, _, p in reference])
    est_iv = np.array([[n.start, n.end] for n in notes]).reshape(-1, 2)
    est_hz = np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in notes])
    ratio = 0.2 if offsets else None
    return mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=0.05, offset_ratio=ratio
    )[2]


def test_a_hummed_tune_is_transcribed_note_for_note(hum, hum_transcription):
    tr = hum_transcription
    f1 = _note_f1(tr.notes, hum.notes)
    assert f1 >= 0.75, (
        f"note-level F1 {f1:.2f}"
    )  # basic-pitch splits long vibrato notes; the cleaner joins them
    assert len(tr.score.tracks) == 1 and tr.score.note_num() == len(tr.notes)
    assert 80 <= tr.tempo <= 110 or 160 <= tr.tempo <= 220  # hummed at 96 slowing to 90 (or the double)
    assert tr.messages == []


def test_the_score_is_written_at_the_estimated_tempo(hum_transcription):
    tr = hum_transcription
    seconds = tr.score.to("second")
    starts = sorted(n.time for n in seconds.tracks[0].notes)
    assert np.allclose(starts, sorted(n.start for n in tr.notes), atol=0.01)
    assert abs(tr.score.tempos[0].qpm - tr.tempo) < 1e-3


def test_silence_gives_an_empty_score_and_says_so():
    tr = transcribe_audio(np.zeros(22050 * 3, dtype=np.float32), sample_rate=22050)
    assert tr.score.note_num() == 0 and tr.notes == []
    assert any("silent" in m for m in tr.messages)
    quiet = 1e-5 * np.random.default_rng(0).standard_normal(44100 * 2)
    assert transcribe(quiet, sample_rate=44100).note_num() == 0


def test_white_noise_is_a_defined_result_with_a_warning():
    noise = 0.3 * np.random.default_rng(1).standard_normal(22050 * 4).astype(np.float32)
    tr = transcribe_audio(noise, sample_rate=22050)
    assert any("noise" in m for m in tr.messages)
    assert len(tr.notes) < 10  # basic-pitch finds little or nothing in white noise


@pytest.mark.parametrize("rate", [8000, 192000])
def test_telephone_and_studio_rates_transcribe_the_same_tune(tmp_path, rate):
    import soxr

    h = synthesize_hum(TUNE, HumStyle(seed=5, vowel="oo"))
    path = tmp_path / "take.wav"
    sf.write(path, soxr.resample(h.samples, h.sample_rate, rate), rate, subtype="PCM_24")
    tr = transcribe_audio(path)
    assert _note_f1(tr.notes, h.notes) >= 0.6
    assert any("8000 Hz" in m for m in tr.messages) == (rate == 8000)


def test_options_change_the_result(hum):
    few = transcribe(
        hum.samples, TranscriptionConfig(onset_threshold=0.9, frame_threshold=0.6), hum.sample_rate
    )
    many = transcribe(hum.samples, TranscriptionConfig(tempo=100, program=73), hum.sample_rate)
    assert few.note_num() <= many.note_num()
    assert many.tempos[0].qpm == 100 and many.tracks[0].program == 73


def _small_score(program: int) -> symusic.Score:
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 100.0))
    track = symusic.Track("t", program, False)
    pitches = [60, 64, 67, 72, 71, 67, 65, 62, 60, 55]
    for i, p in enumerate(pitches):
        track.notes.append(symusic.Note(i * 480, 420, p, 90))
    track.notes.append(symusic.Note(0, 1800, 48, 70))  # a held bass note under the first bars
    score.tracks.append(track)
    return score


@pytest.mark.audio
@pytest.mark.skipif(not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing")
@pytest.mark.parametrize("program,least", [(0, 0.8), (40, 0.45)])  # piano; violin (vibrato, octave ghosts)
def test_a_fluidsynth_render_is_transcribed_back(tmp_path, program, least):
    score = _small_score(program)
    wav = write_wav(score, tmp_path / "piece.wav")
    tr = transcribe_audio(wav)
    seconds = score.to("second")
    ref = [(float(n.time), float(n.time + n.duration), int(n.pitch)) for n in seconds.tracks[0].notes]
    f1 = _note_f1(tr.notes, ref)
    assert f1 >= least, f"program {program}: onset F1 {f1:.2f}"
    if program == 40:  # without joining, basic-pitch's splits of the violin's vibrato notes score far lower
        split = transcribe_audio(wav, TranscriptionConfig(join_onset=0))
        assert _note_f1(split.notes, ref) < f1
