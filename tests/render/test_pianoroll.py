"""The piano roll: bar lines from time signatures, pitch names, readable images for short and long pieces."""

from __future__ import annotations

import numpy as np
import pytest
import symusic
from matplotlib.image import imread

from partita.render import bar_lines, gm_instrument_name, pitch_name, write_pianoroll


def two_tracks(bars: int = 4) -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    lead = symusic.Track("Tune", 73, False)
    bass = symusic.Track("", 32, False)
    for b in range(bars):
        for k in range(4):
            lead.notes.append(symusic.Note((4 * b + k) * 480, 480, 72 + (b + k) % 8, 90))
        bass.notes.append(symusic.Note(4 * b * 480, 4 * 480, 36 + b % 5, 70))
    s.tracks.extend([lead, bass])
    return s


def test_bar_lines_follow_time_signature_changes():
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    s.time_signatures.append(symusic.TimeSignature(2 * 1920, 3, 4))
    s.time_signatures.append(symusic.TimeSignature(2 * 1920 + 2 * 1440, 6, 8))
    t = symusic.Track("x", 0, False)
    t.notes.append(symusic.Note(0, 2 * 1920 + 2 * 1440 + 2 * 1440, 60, 80))
    s.tracks.append(t)
    bars, beats = bar_lines(s)
    assert bars == [0, 1920, 3840, 5280, 6720, 8160, 9600]
    assert beats[:5] == [0, 480, 960, 1440, 1920]
    assert beats[8:12] == [3840, 4320, 4800, 5280]
    assert beats[-6:] == [8160, 8400, 8640, 8880, 9120, 9360]  # 6/8 counts eighths


def test_names():
    assert pitch_name(60) == "C4" and pitch_name(61) == "C#4" and pitch_name(21) == "A0"
    assert gm_instrument_name(0) == "Acoustic Grand Piano"
    assert gm_instrument_name(40) == "Violin"
    assert gm_instrument_name(5, is_drum=True) == "Drums"


def coloured_fraction(path) -> float:
    img = imread(str(path))[..., :3]
    saturation = img.max(axis=2) - img.min(axis=2)
    return float((saturation > 0.25).mean())


@pytest.mark.parametrize("bars", [4, 200])
def test_short_and_long_pieces_draw_readable_images(tmp_path, bars):
    path = write_pianoroll(two_tracks(bars), tmp_path / f"roll{bars}.png", title=f"{bars} bars")
    img = imread(str(path))
    h, w = img.shape[:2]
    assert 400 <= h <= 800
    assert 700 <= w <= 2500  # wide enough to read 200 bars, never a ribbon
    assert coloured_fraction(path) > 0.005  # notes are drawn in colour
    assert path.stat().st_size < 300_000


def test_excerpt_and_errors(tmp_path):
    s = two_tracks(8)
    p = write_pianoroll(s, tmp_path / "ex.png", start_bar=3, end_bar=4)
    assert p.exists()
    with pytest.raises(ValueError, match="bars 9..8 are empty"):
        write_pianoroll(s, tmp_path / "bad.png", start_bar=9)
    from partita.score import ScoreError

    with pytest.raises(ScoreError, match="no notes"):
        write_pianoroll(symusic.Score(480), tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()


def test_tracks_get_distinct_colours(tmp_path):
    path = write_pianoroll(two_tracks(4), tmp_path / "c.png")
    img = (imread(str(path))[..., :3] * 255).astype(int)
    colours = {tuple(c) for c in img.reshape(-1, 3) if c.max() - c.min() > 60}
    hues = {(r // 32, g // 32, b // 32) for r, g, b in colours}
    assert len(hues) >= 2
    assert np.isfinite(img).all()
