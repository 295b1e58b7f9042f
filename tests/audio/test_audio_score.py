"""Recordings to scores (partita.discovery.audio_score, `partita identify`): features, the chroma + DTW
baseline on a FluidSynth render, a tiny learned matcher trained here, save/load, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import symusic

from partita.discovery import audio_score as A
from partita.render import audio_available, write_wav
from partita.score import ScoreError, write_score


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny convolutions on a busy machine: one torch thread is ten times faster than two."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


needs_fluidsynth = pytest.mark.skipif(
    not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing"
)


def _tune(seed: int, bars: int = 8, qpm: float = 120.0) -> symusic.Score:
    """A made-up piece in 4/4: a melody of eighth and quarter notes over a bass note a beat, its own seed."""
    rng = np.random.default_rng(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, qpm))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    melody, bass = symusic.Track("melody", 0, False), symusic.Track("bass", 0, False)
    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    tonic = 60 + int(rng.integers(-5, 6))
    t, end, pitch = 0, bars * 4 * 480, 3
    while t < end:
        dur = int(rng.choice([240, 240, 480]))
        pitch = int(np.clip(pitch + rng.integers(-2, 3), 0, 7))
        melody.notes.append(symusic.Note(t, dur, tonic + scale[pitch], 90))
        t += dur
    for beat in range(bars * 4):
        bass.notes.append(symusic.Note(beat * 480, 460, tonic - 12 + int(rng.choice([0, 5, 7])), 70))
    score.tracks.extend([melody, bass])
    return score


def _sine_render(score: symusic.Score, factor: float = 1.0, sr: int = A.SAMPLE_RATE) -> np.ndarray:
    """A cheap stand-in for FluidSynth (no soundfont needed): each note three decaying harmonics."""
    sec = score.to("second")
    y = np.zeros(int((sec.end() / factor + 1.0) * sr), np.float32)
    for track in sec.tracks:
        for n in track.notes:
            a, length = int(n.time / factor * sr), int(n.duration / factor * sr)
            t = np.arange(length) / sr
            f0 = 440.0 * 2 ** ((n.pitch - 69) / 12)
            tone = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in (1, 2, 3)) * np.exp(-2.0 * t)
            y[a : a + length] += 0.1 * tone.astype(np.float32)
    return y


def test_score_features_put_notes_on_their_pitch_and_time():
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    track = symusic.Track("t", 0, False)
    track.notes.append(symusic.Note(0, 480, 60, 80))  # C4, 0-0.5 s
    track.notes.append(symusic.Note(960, 480, 28, 80))  # E1: below C2, moved up an octave
    score.tracks.append(track)
    snip = A.score_snippet(score)
    row = 60 - A.LOW_PITCH
    assert snip.roll[row, : int(0.45 * A.FPS)].min() == 1.0
    assert snip.roll[row, int(0.6 * A.FPS) :].max() == 0.0
    assert snip.roll[40 - A.LOW_PITCH, int(1.1 * A.FPS)] == 1.0  # E2 = 28 + 12
    assert np.argmax(snip.chroma[:, 0]) == 0 and np.argmax(snip.chroma[:, -1]) == 4  # C, then E
    assert A.bar_at(_tune(0), 2.1) == 2  # 120 bpm 4/4: bar 2 runs 2-4 s


def test_windows_average_the_frames_they_cover():
    roll = np.arange(10, dtype=np.float32)[None, :]
    win = A.window_bins(roll, [2.0, 8.0], [4.0, 4.0], 2)
    assert win.shape == (2, 1, 2)
    assert np.allclose(win[0, 0], [2.5, 4.5])
    assert np.allclose(win[1, 0], [8.5, 0.0])  # past the end is silence


def test_a_tiny_matcher_learns_and_survives_a_round_trip(tmp_path):
    pieces = {f"p{i}": _tune(i, bars=6) for i in range(4)}
    rends = [
        A.Rendition(name, A.audio_snippet(_sine_render(s, f), A.SAMPLE_RATE), A.score_snippet(s), f)
        for name, s in pieces.items()
        for f in (0.8, 1.25)
    ]
    config = A.AudioScoreConfig(frames=32, hidden=16, segments=4, dim=16, batch=4, steps=60, lr=5e-3)
    before = A.AudioScoreModel(config)
    model = A.train_audio_score(rends, config)

    def margin(m: A.AudioScoreModel) -> float:
        """Mean cosine of each piece's audio with its own score, minus with the other pieces' scores."""
        audio = np.stack([A.window_bins(r.audio.roll, [0.0], [5 * A.FPS], 32)[0] for r in rends[::2]])
        score = np.stack([A.window_bins(r.score.roll, [0.0], [5 * A.FPS * 0.8], 32)[0] for r in rends[::2]])
        sims = m.encode_audio(audio) @ m.encode_score(score).T
        return float(np.diag(sims).mean() - sims[~np.eye(len(sims), dtype=bool)].mean())

    assert margin(model) > margin(before) + 0.2
    folder = model.save_pretrained(tmp_path / "matcher")
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", A.CONFIG_FILE, A.WEIGHTS_FILE]
    again = A.AudioScoreModel.from_pretrained(folder)
    assert again.config == model.config
    probe = np.random.default_rng(0).random((3, 72, 32)).astype(np.float32)
    assert np.allclose(again.encode_audio(probe), model.encode_audio(probe), atol=1e-6)
    cands = A.candidates_of(list(pieces.items()))
    query = A.audio_snippet(_sine_render(pieces["p2"], 1.1)[: 5 * A.SAMPLE_RATE], A.SAMPLE_RATE)
    ranked = A.rank(query, cands, "combined", again)
    assert len(ranked) == 4 and ranked[0].method == "combined"
    assert sorted(m.name for m in ranked) == sorted(pieces)


def test_bad_input_says_what_is_wrong(tmp_path):
    with pytest.raises(ScoreError, match="silent"):
        A.audio_snippet(np.zeros(5 * A.SAMPLE_RATE, np.float32), A.SAMPLE_RATE)
    with pytest.raises(ScoreError, match=r"1\.0 s long: at least 3 s"):
        A.audio_snippet(np.ones(A.SAMPLE_RATE, np.float32) * 0.1, A.SAMPLE_RATE)
    with pytest.raises(FileNotFoundError, match="not an audio-score matcher"):
        A.AudioScoreModel.from_pretrained(tmp_path)
    cands = A.candidates_of([("one", _tune(1))])
    query = A.audio_snippet(_sine_render(_tune(1))[: 4 * A.SAMPLE_RATE], A.SAMPLE_RATE)
    with pytest.raises(ValueError, match="needs a trained matcher"):
        A.rank(query, cands, "learned", None)
    with pytest.raises(ValueError, match="unknown method"):
        A.rank(query, cands, "magic", None)
    with pytest.raises(ValueError, match="at least two pieces"):
        A.train_audio_score([A.Rendition("x", query, cands[0].snippet)] * 2)


def test_identify_cli_refuses_silence_and_short_clips(tmp_path, capsys):
    from partita.cli.main import main

    folder = tmp_path / "scores"
    folder.mkdir()
    write_score(_tune(1), folder / "one.mid")
    silent, short = tmp_path / "silent.wav", tmp_path / "short.wav"
    sf.write(silent, np.zeros(5 * 22050, np.float32), 22050)
    sf.write(short, 0.2 * np.sin(np.arange(22050) * 0.1).astype(np.float32), 22050)
    assert main(["identify", str(silent), "--scores", str(folder), "--method", "dtw"]) == 2
    assert "the audio is silent" in capsys.readouterr().err
    assert main(["identify", str(short), "--scores", str(folder), "--method", "dtw"]) == 2
    assert "at least 3 s are needed" in capsys.readouterr().err


@pytest.mark.audio
@needs_fluidsynth
def test_dtw_finds_the_piece_and_the_bar_of_a_fluidsynth_snippet(tmp_path, capsys):
    from partita.cli.main import main

    pieces = {f"tune{i}": _tune(10 + i) for i in range(4)}
    folder = tmp_path / "scores"
    folder.mkdir()
    for name, s in pieces.items():
        write_score(s, folder / f"{name}.mid")
    # tune2 on a clarinet, 15% faster than written; the snippet starts at 4 s = bar 3 of the score
    wav = write_wav(A.performance(pieces["tune2"], 71, 1.15), tmp_path / "take.wav", sample_rate=22050)
    samples, sr = sf.read(wav, dtype="float32")
    samples = samples.mean(1) if samples.ndim == 2 else samples
    start = 4.0 / 1.15
    snippet = samples[int(start * sr) : int((start + 6.0) * sr)]
    ranked = A.rank(A.audio_snippet(snippet, sr), A.candidates_of(list(pieces.items())), "dtw")
    assert ranked[0].name == "tune2"
    assert abs(ranked[0].start_s - 4.0) < 1.0 and ranked[0].bar == 3
    assert ranked[0].similarity > ranked[1].similarity + 0.05
    clip = tmp_path / "clip.wav"
    sf.write(clip, snippet, sr)
    assert main(["identify", str(clip), "--scores", str(folder), "--method", "dtw", "-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "tune2.mid" in lines[1] and "bar 3" in lines[1]
    if A.DEFAULT_MODEL.is_dir():  # the shipped matcher, learned shortlist + DTW
        assert main(["identify", str(clip), "--scores", str(folder), "-k", "1"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert "(combined)" in lines[0] and "tune2.mid" in lines[1] and "bar 3" in lines[1]
