"""The renderers called from Python: refusals instead of StopIteration, ZeroDivisionError, CairoError or a
full disk."""

from __future__ import annotations

import dataclasses
import struct

import pytest
import symusic

from partita.render import render, write_pianoroll, write_wav
from partita.render.engrave import CAIRO_MAX_PIXELS, fit_width, write_png_pages
from partita.render.pianoroll import bar_label_step, bar_lines
from partita.score import ScoreError, ScoreLimits
from partita.score import tools as tools_mod


def one_note(tpq: int = 480, ticks: int = 480, qpm: float = 120.0) -> symusic.Score:
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    t = symusic.Track("Piano", 0, False)
    t.notes.append(symusic.Note(0, ticks, 60, 80))
    t.notes.append(symusic.Note(0, 480 if tpq else 0, 64, 80))
    s.tracks.append(t)
    return s


DAYS = one_note(tpq=96, ticks=0x0FFFFFFF)  # the reported 37-byte file: one note of 16 days


def test_zero_resolution_is_refused_not_divided_by(tmp_path):
    for fn in (
        lambda: write_pianoroll(one_note(tpq=0), tmp_path / "roll.png"),
        lambda: bar_lines(one_note(tpq=0)),
        lambda: render(one_note(tpq=0), tmp_path / "out", wav=False),
        lambda: write_wav(one_note(tpq=0), tmp_path / "x.wav"),
    ):
        with pytest.raises(ScoreError) as err:
            fn()
        assert err.value.reason == "zero-resolution"


def test_a_note_of_days_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(tools_mod.subprocess, "run", lambda *a, **k: pytest.fail("FluidSynth was started"))
    for fn in (
        lambda: render(DAYS, tmp_path / "out"),
        lambda: write_wav(DAYS, tmp_path / "x.wav"),
        lambda: write_pianoroll(DAYS, tmp_path / "roll.png"),
    ):
        with pytest.raises(ScoreError, match="16 days long, over the limit of 2.0 hours") as err:
            fn()
        assert err.value.reason == "too-long"
    assert not list(tmp_path.rglob("*.*"))


def test_wav_refuses_beyond_its_size_limit_before_synthesis(tmp_path, monkeypatch):
    monkeypatch.setattr(tools_mod.subprocess, "run", lambda *a, **k: pytest.fail("FluidSynth was started"))
    hour_and_three_quarters = one_note(ticks=480 * 2 * 6300)  # within the 2-hour limit, but a 1.1 GiB WAV
    with pytest.raises(ScoreError, match="GiB WAV file, over the 1.0 GiB limit") as err:
        write_wav(hour_and_three_quarters, tmp_path / "x.wav")
    assert err.value.reason == "too-large"
    small = dataclasses.replace(ScoreLimits(), max_wav_bytes=10**6)
    with pytest.raises(ScoreError, match="over the 0.0 GiB limit"):
        write_wav(one_note(ticks=480 * 2 * 60), tmp_path / "x.wav", limits=small)


def test_bar_labels_for_any_length():
    assert [bar_label_step(n) for n in (1, 40, 41, 81, 161, 201, 401, 801, 2001)] == [
        1,
        1,
        2,
        4,
        5,
        10,
        20,
        50,
        100,
    ]
    assert bar_label_step(10**9) == 50_000_000  # no StopIteration however long the score
    with pytest.raises(ScoreError, match="more than 100 bars") as err:
        bar_lines(one_note(ticks=480 * 4 * 500), max_bars=100)
    assert err.value.reason == "too-large"


def test_long_piano_roll_numbers_and_draws_a_bar_line_per_label(tmp_path):
    # 50,000 bars (the reported StopIteration: no label step was found beyond 40,000), within raised limits
    long = one_note(ticks=480 * 4 * 50_000, qpm=10_000)
    roomy = dataclasses.replace(ScoreLimits(), max_quarters=10**6)
    path = write_pianoroll(long, tmp_path / "roll.png", limits=roomy)
    assert path.stat().st_size > 1000
    with pytest.raises(ScoreError) as err:
        write_pianoroll(long, tmp_path / "roll.png")  # the default limits refuse it
    assert err.value.reason == "too-long"


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_a_page_taller_than_cairo_allows_is_rasterized_narrower(tmp_path):
    tall = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="840px" height="60000px" viewBox="0 0 840 60000">'
        '<rect x="10" y="10" width="800" height="59000" fill="black"/></svg>'
    )
    assert fit_width(tall, 1400) == int(CAIRO_MAX_PIXELS * 840 / 60000)
    assert fit_width(tall.replace("60000px", "600px"), 1400) == 1400
    assert fit_width("<svg>", 1400) == 1400
    (png,) = write_png_pages([tall], tmp_path / "tall.png")
    width, height = _png_size(png.read_bytes())
    assert height <= CAIRO_MAX_PIXELS and width == fit_width(tall, 1400)
