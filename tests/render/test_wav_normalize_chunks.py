"""A rendered WAV is normalized chunk by chunk: the same samples as scaling it whole, never read whole.

Reading a WAV whole as float64 made ``partita render`` of Beethoven's op. 133 (25 minutes) peak at 3.1 GiB of
memory; an hour would have needed about 9 GiB (issue 20, bench/bench_large_files.py).
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from partita.render import audio as audio_mod


def write_wav_samples(path: Path, samples: np.ndarray, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())


def read_samples(path: Path) -> tuple[np.ndarray, wave._wave_params]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getparams()


def whole_file_reference(samples: np.ndarray, peak_db: float = -1.0, max_gain: float = 16.0) -> np.ndarray:
    """What scaling the whole file at once gives (the behaviour before chunks)."""
    x = samples.astype(np.float64)
    gain = min(max_gain, 32767.0 * 10 ** (peak_db / 20) / float(np.abs(x).max()))
    if gain <= 1.0:
        return samples
    return np.clip(np.round(x * gain), -32768, 32767).astype("<i2")


@pytest.mark.parametrize("chunk", [13, 1000, 1 << 20])
def test_chunked_normalization_equals_scaling_the_whole_file(tmp_path, chunk):
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(2 * 5003) * 900).astype(np.int16)
    samples[2 * 4001 + 1] = -3000  # the peak sits in a late chunk, in the right channel
    path = tmp_path / "quiet.wav"
    write_wav_samples(path, samples)
    audio_mod._normalize_peak(path, chunk_frames=chunk)
    got, params = read_samples(path)
    assert params.nchannels == 2 and params.nframes == 5003 and params.framerate == 8000
    np.testing.assert_array_equal(got, whole_file_reference(samples))
    assert abs(20 * np.log10(np.abs(got.astype(float)).max() / 32767) - (-1.0)) < 0.01
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiet.wav"]  # no scratch file left


def test_loud_silent_and_most_negative_samples_are_left_alone(tmp_path):
    loud = np.array([0, 100, -32768, 5] * 10, dtype=np.int16)  # |-32768| must not wrap to a negative peak
    silent = np.zeros(40, dtype=np.int16)
    for name, samples in (("loud.wav", loud), ("silent.wav", silent)):
        path = tmp_path / name
        write_wav_samples(path, samples)
        before = path.read_bytes()
        audio_mod._normalize_peak(path, chunk_frames=3)
        assert path.read_bytes() == before, name


def test_the_file_is_never_read_whole(tmp_path, monkeypatch):
    samples = (np.arange(2 * 4000) % 200 - 100).astype(np.int16)
    path = tmp_path / "long.wav"
    write_wav_samples(path, samples)
    asked = []
    real = wave.Wave_read.readframes

    def readframes(self, n):
        asked.append(n)
        return real(self, n)

    monkeypatch.setattr(wave.Wave_read, "readframes", readframes)
    audio_mod._normalize_peak(path, chunk_frames=500)
    assert asked and max(asked) == 500
    np.testing.assert_array_equal(read_samples(path)[0], whole_file_reference(samples))
