"""The studio takes a recording wherever it takes a score file: an uploaded or recorded WAV, FLAC, MP3 or Ogg
is transcribed (every note for a piece, one clean line for a melody) within the studio's bounds; bad audio is
one clear message naming the file, and nothing is written for it."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from partita.web.cocreate import cocreate
from partita.web.limits import Limits, UserError, read_music_upload, read_upload

RATE = 22050
MELODY = [60, 64, 67]
"""C E G, half a second each: a bar at 120 beats a minute."""


def tones(pitches: list[int], rate: int = RATE, seconds: float = 0.5) -> np.ndarray:
    """Organ-like tones (a fundamental and two overtones) with soft edges, then a short rest."""
    parts = []
    for pitch in pitches:
        t = np.arange(int(seconds * rate)) / rate
        f = 440.0 * 2 ** ((pitch - 69) / 12)
        edge = np.minimum(1.0, np.minimum(t / 0.01, (seconds - t) / 0.05))
        parts.append(0.3 * edge * (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)))
    return np.concatenate([*parts, np.zeros(int(0.25 * rate))])


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> str:
    """16-bit mono WAV with the standard library."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return str(path)


def pitches(score) -> list[int]:
    return [n.pitch for t in score.tracks for n in sorted(t.notes, key=lambda n: n.time)]


def test_a_recorded_melody_is_transcribed_by_its_content(uploads):
    path = write_wav(uploads / "take.bin", tones(MELODY))  # the name says nothing: the bytes do
    read = read_music_upload(path, Limits(), roots=[uploads])
    assert read.format == "wav" and pitches(read.score) == MELODY
    assert read.transcribed.startswith("transcribed from 1.7 s of WAV audio: 3 notes")
    score, fmt = read_upload(path, Limits(), roots=[uploads])  # the older entry point takes audio too
    assert fmt == "wav" and score.note_num() == 3
    theme = read_music_upload(path, Limits(), roots=[uploads], melody=True)
    assert pitches(theme.score) == MELODY and "as one melody: 3 notes" in theme.transcribed


def test_odd_sample_rates_and_containers_are_read(uploads):
    import soundfile as sf
    import soxr

    x = tones(MELODY)
    for rate in (8000, 192000):
        path = write_wav(uploads / f"take-{rate}.wav", soxr.resample(x, RATE, rate), rate)
        read = read_music_upload(path, Limits(), roots=[uploads])
        assert pitches(read.score) == MELODY, rate
    assert "8000 Hz" in read_music_upload(uploads / "take-8000.wav", Limits(), roots=[uploads]).transcribed
    for fmt in ("flac", "ogg"):
        sf.write(uploads / f"take.{fmt}", x, RATE)
        read = read_music_upload(uploads / f"take.{fmt}", Limits(), roots=[uploads])
        assert read.format == fmt and set(MELODY) <= set(pitches(read.score))


def test_cocreate_continues_a_recording(local, uploads):
    path = write_wav(uploads / "take.wav", tones(MELODY))
    summary, files, views, original = cocreate(local, path, "continue", "1", "", n=1, seed=1)
    assert summary["file"] == "take.wav" and summary["format"] == "wav"
    assert summary["transcribed"].startswith("transcribed from 1.7 s of WAV audio: 3 notes")
    assert summary["piece_bars"] == 1 and summary["new_bars"] == "2" and len(views) == 1
    from symusic import Score

    midi = next(f for f in files if f.endswith(".mid"))
    assert pitches(Score(midi))[:3] == MELODY  # the take, kept as heard, before the new bar
    assert Path(original).stat().st_size > 1000


def test_a_microphone_take_stands_in_for_the_upload_and_a_melody_is_heard_as_one_line(local, uploads):
    path = write_wav(uploads / "audio.wav", tones(MELODY))
    summary, *_ = cocreate(local, None, "accompany", "", "for strings", n=1, seed=2, recording=path)
    assert summary["file"] == "audio.wav" and "as one melody: 3 notes" in summary["transcribed"]
    with pytest.raises(UserError, match="both a file and a recording"):
        cocreate(local, path, "continue", "1", n=1, seed=1, recording=path)


def test_analyze_describes_a_recording(local, uploads):
    from partita.web.analyze import analyze

    description, en, *_ = analyze(local, write_wav(uploads / "take.wav", tones(MELODY)))
    assert description["format"] == "wav" and "3 notes" in description["transcribed"] and en


def bad_takes(uploads: Path) -> dict[str, tuple[str, str]]:
    """Each bad recording and the words its message must have."""
    rng = np.random.default_rng(0)
    corrupt = uploads / "broken.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8))
    mp3 = uploads / "broken.mp3"
    mp3.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200))
    return {
        "silent": (write_wav(uploads / "silent.wav", np.zeros(RATE)), "silent.wav: no notes were heard"),
        "noise": (
            write_wav(uploads / "noise.wav", 0.3 * rng.standard_normal(2 * RATE)),
            "noise.wav: the recording sounds like noise",
        ),
        "corrupt": (str(corrupt), "broken.wav: a corrupt or truncated WAV"),
        "corrupt mp3": (str(mp3), "broken.mp3: a corrupt or truncated MP3"),
        "too long": (write_wav(uploads / "long.wav", np.zeros(3 * RATE)), "long.wav: the audio is 3 s long"),
        "3 kHz": (
            write_wav(uploads / "low.wav", tones(MELODY, 3000), 3000),
            "low.wav: a sample rate of 3000",
        ),
    }


def test_bad_recordings_are_one_clear_message_and_nothing_is_written(local, uploads):
    limits = Limits(max_candidates=2, max_bars=4, max_audio_seconds=2.5)
    for case, (path, message) in bad_takes(uploads).items():
        with pytest.raises(UserError) as e:
            read_music_upload(path, limits, roots=[uploads])
        assert str(e.value).startswith(message), case
        assert str(uploads) not in str(e.value) and "Traceback" not in str(e.value)
    silent = str(uploads / "silent.wav")
    for mode in ("continue", "accompany"):
        with pytest.raises(UserError, match="silent.wav: no (notes were heard|melody)"):
            cocreate(local, silent, mode, "1" if mode == "continue" else "", n=1, seed=1)
    assert list(local.work.path.iterdir()) == []  # no request folder for a refused take


def test_cocreate_endpoint_takes_an_upload_or_a_recording(studio, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(studio[0], analytics_enabled=False, verbose=False)
    path = write_wav(tmp_path / "take.wav", tones(MELODY))
    summary, files, _ = client.predict(handle_file(path), "continue", "1", "", 1, "2", api_name="/cocreate")
    assert summary["format"] == "wav" and summary["transcribed"].startswith("transcribed from")
    summary, files, _ = client.predict(
        None, "continue", "1", "", 1, "2", "", handle_file(path), api_name="/cocreate"
    )
    assert summary["format"] == "wav" and summary["new_bars"] == "2"
