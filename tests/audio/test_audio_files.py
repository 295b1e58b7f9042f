"""Reading audio files: bounds checked before decoding, sample rates, corrupt files, containers."""

from __future__ import annotations

import os
import struct
import subprocess

import numpy as np
import pytest
import soundfile as sf

from partita.audio import AudioLimits, audio_array, read_audio, sniff_audio
from partita.score import ScoreError


def _tone(rate: int, seconds: float = 1.0, hz: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def _wav_header(rate: int, channels: int, frames: int, bits: int = 16) -> bytes:
    size = frames * channels * bits // 8
    fmt = struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits
    )
    return (
        b"RIFF" + struct.pack("<I", 36 + size) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", size)
    )


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 192000])
def test_any_common_rate_is_read_at_the_models_rate(tmp_path, rate):
    path = tmp_path / f"tone{rate}.wav"
    sf.write(path, _tone(rate, 1.0, channels=2), rate)
    clip = read_audio(path)
    assert clip.sample_rate == 22050 and clip.source_rate == rate and clip.source_channels == 2
    assert abs(clip.samples.shape[0] - 22050) <= 64
    spectrum = np.abs(np.fft.rfft(clip.samples))
    assert abs(np.argmax(spectrum) * 22050 / clip.samples.shape[0] - 440) < 3  # the pitch survives
    assert any("8000 Hz" in n for n in clip.notes) == (rate == 8000)  # a telephone rate is remarked on


def test_a_sample_rate_too_low_for_music_is_refused(tmp_path):
    path = tmp_path / "low.wav"
    sf.write(path, _tone(2000), 2000)
    with pytest.raises(ScoreError, match="2000 Hz is too low") as e:
        read_audio(path)
    assert e.value.reason == "bad-sample-rate"


def test_a_two_hour_file_is_refused_from_its_header_without_decoding(tmp_path):
    path = tmp_path / "two-hours.wav"
    frames = 2 * 3600 * 8000
    with open(path, "wb") as f:
        f.write(_wav_header(8000, 1, frames))
    os.truncate(path, 44 + frames * 2)  # a sparse file: 115 MB long, nothing written
    with pytest.raises(ScoreError, match=r"2\.0 hours long, over the 20 minutes limit") as e:
        read_audio(path)
    assert e.value.reason == "too-long"


def test_a_file_over_the_size_limit_is_refused_before_opening(tmp_path):
    path = tmp_path / "huge.wav"
    with open(path, "wb") as f:
        f.write(_wav_header(44100, 2, 15 * 10**7))
    os.truncate(path, 44 + 6 * 10**8)
    with pytest.raises(ScoreError, match="over the 512 MiB limit") as e:
        read_audio(path)
    assert e.value.reason == "too-large"


def test_a_smaller_limit_is_honoured(tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(path, _tone(22050, 3.0), 22050)
    with pytest.raises(ScoreError, match="over the 2 s limit"):
        read_audio(path, limits=AudioLimits(max_seconds=2.0))


def test_corrupt_and_foreign_files_give_clear_errors(tmp_path):
    rng = np.random.default_rng(0)
    noise = tmp_path / "noise.wav"
    noise.write_bytes(rng.bytes(3000))
    text = tmp_path / "notes.wav"
    text.write_text("these are not samples\n" * 20)
    head = tmp_path / "header-only.wav"
    head.write_bytes(_wav_header(44100, 2, 1000)[:30])
    for path in (noise, text, head):
        with pytest.raises(ScoreError, match="not an audio file|corrupt or truncated WAV") as e:
            read_audio(path)
        assert e.value.reason == "unreadable-audio" and str(path) in str(e.value)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ScoreError, match="empty"):
        read_audio(empty)
    with pytest.raises(ScoreError, match="no such file"):
        read_audio(tmp_path / "missing.wav")


def test_a_corrupt_mp3_gives_a_clear_error(tmp_path):
    good = tmp_path / "good.mp3"
    sf.write(good, _tone(22050, 1.0), 22050, format="MP3")
    clip = read_audio(good)
    assert sniff_audio(good.read_bytes()) == "mp3" and 0.9 < clip.seconds < 1.2
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(good.read_bytes()[:300] + bytes(4000))
    try:
        clip = read_audio(bad)  # libsndfile may decode the first frames: a defined, short result
        assert clip.seconds < 0.5
    except ScoreError as e:
        assert e.reason == "unreadable-audio" and "MP3" in str(e)


def test_a_truncated_wav_is_read_as_far_as_it_goes_with_a_note(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, _tone(22050, 2.0), 22050, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 22050 * 2])  # the header still says 2 s
    clip = read_audio(path)
    assert 0.9 < clip.seconds < 1.1


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def test_m4a_goes_through_ffmpeg_and_its_length_is_checked_first(tmp_path):
    wav, m4a = tmp_path / "tone.wav", tmp_path / "tone.m4a"
    sf.write(wav, _tone(44100, 1.0), 44100)
    subprocess.run([_ffmpeg(), "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    assert sniff_audio(m4a.read_bytes()) == "mp4"
    clip = read_audio(m4a)
    assert clip.sample_rate == 22050 and 0.9 < clip.seconds < 1.2
    with pytest.raises(ScoreError, match="over the 0 s limit|over the 0.5"):
        read_audio(m4a, limits=AudioLimits(max_seconds=0.5))
    bad = tmp_path / "bad.m4a"
    bad.write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(200))
    with pytest.raises(ScoreError, match="not a readable audio file"):
        read_audio(bad)


def test_arrays_are_checked_like_files():
    clip = audio_array(_tone(44100, 1.0, channels=2), 44100)
    assert clip.sample_rate == 22050 and abs(clip.seconds - 1.0) < 0.01
    with pytest.raises(ScoreError, match="NaN"):
        audio_array(np.array([0.0, np.nan] * 3000), 22050)
    with pytest.raises(ScoreError, match="no samples"):
        audio_array(np.zeros(0), 22050)
