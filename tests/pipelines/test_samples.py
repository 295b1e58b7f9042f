import json
import wave

import numpy as np
import pytest

from partita.pipelines.samples import samples_markdown, wav_level, write_samples


def _wav(path, x, rate=8000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())


def test_wav_level_of_a_sine_and_of_silence(tmp_path):
    t = np.arange(8000) / 8000
    _wav(tmp_path / "sine.wav", 0.5 * np.sin(2 * np.pi * 440 * t))
    level = wav_level(tmp_path / "sine.wav")
    assert level["seconds"] == pytest.approx(1.0)
    assert level["peak_db"] == pytest.approx(-6.02, abs=0.05)
    assert level["rms_db"] == pytest.approx(-9.03, abs=0.05)  # a sine's RMS is 3 dB under its peak
    _wav(tmp_path / "silent.wav", np.zeros(800))
    assert wav_level(tmp_path / "silent.wav")["rms_db"] == float("-inf")


def test_write_samples_records_every_prompt(tmp_path):
    prompts = ["a chorale in G major for choir, 2 bars", "a reel for fiddle, 2 bars"]
    records = write_samples("debug", tmp_path, prompts=prompts, n=1, seed=3)
    assert [r["prompt"] for r in records] == prompts
    saved = json.loads((tmp_path / "samples.json").read_text())
    assert saved[0]["folder"].startswith("01-") and saved[1]["folder"].startswith("02-")
    for r in saved:
        assert (tmp_path / r["folder"] / "generation.json").is_file()
        for f in r["files"].values():
            assert (tmp_path / f).is_file()
    md = samples_markdown(records)
    assert md.count("\n| a ") == 2 and "## Samples" in md
