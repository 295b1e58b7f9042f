"""Scoring a video end to end with the tiny debug model: the music is exactly as long as the video, every
file is written, the cuts fall on bar lines."""

from __future__ import annotations

import json
import wave

import pytest
from tests.picture.pictures import SPEC

from partita.generation.picture import tick_seconds
from partita.picture.mux import fit_wav, read_media_duration
from partita.pipelines import Generator
from partita.pipelines.picture import score_video
from partita.render.audio import audio_available
from partita.score import read_midi
from partita.score.bars import bar_lines


@pytest.fixture(scope="module")
def scored(video_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("scored")
    calls = []
    result = score_video(
        video_path, out, model=Generator.debug(), n=1, seed=3, wav=audio_available(),
        progress=lambda done, total, message: calls.append((done, total)),
    )  # fmt: skip
    return result, out, calls


def test_the_music_is_as_long_as_the_video(scored):
    result, out, _ = scored
    music = read_midi(out / "music.mid")
    seconds = tick_seconds(music)
    bars = result.plan.plan.bars
    assert seconds(bar_lines(music, bars)[-1]) == pytest.approx(SPEC.duration, abs=1e-3)
    cuts = [seconds(bar_lines(music, bars)[b]) for b in (1, 2)]  # 1 bar a shot at these lengths
    assert [s.bars for s in result.plan.plan.sections] == [1, 1, 2]
    assert cuts == pytest.approx(SPEC.cuts, abs=1e-3)


@pytest.mark.skipif(not audio_available(), reason="FluidSynth or a soundfont is missing")
def test_the_wav_and_the_video_with_music_are_exactly_the_video_long(scored):
    result, out, _ = scored
    with wave.open(str(out / "music.wav")) as w:
        assert w.getnframes() == round(SPEC.duration * w.getframerate())
    assert read_media_duration(out / "clip_with_music.mp4") == pytest.approx(SPEC.duration, abs=0.05)
    assert set(result.files) == {"midi", "plan", "pianoroll", "wav", "video", "report"}


def test_the_report_and_the_progress(scored):
    result, out, calls = scored
    doc = json.loads((out / "picture.json").read_text())
    assert doc["video"]["cuts"] == pytest.approx(SPEC.cuts, abs=0.05)
    assert set(doc["alignment"]) == {"aligned", "bar_lines_only", "unaligned"}
    assert doc["plan"]["tempi"] == pytest.approx(result.plan.tempi)
    assert calls[-1] == (100, 100) and all(d <= t for d, t in calls)


def test_fit_wav_cuts_and_pads(tmp_path):
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x00" * 2 * 8000)  # 1 s
    assert fit_wav(path, 0.5) == 4000
    assert fit_wav(path, 1.25) == 10000
    with wave.open(str(path)) as w:
        assert w.getnframes() == 10000
