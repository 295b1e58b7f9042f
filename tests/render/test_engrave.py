"""Engraving through verovio: every note engraved, pages, PNG through cairosvg with verovio's music font."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import symusic
from matplotlib.image import imread

from partita.render import ensure_music_fonts, to_svg_pages, write_score_png, write_score_svg

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def tune(bars: int) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 3, 4))
    s.key_signatures.append(symusic.KeySignature(0, 2, 0))
    t = symusic.Track("Violin", 40, False)
    scale = [62, 64, 66, 67, 69, 71, 73, 74]
    for i in range(3 * bars):
        t.notes.append(symusic.Note(i * 480, 480, scale[i % 8], 80))
    s.tracks.append(t)
    return s


def svg_notes(svg: str) -> int:
    return len(re.findall(r'<g [^>]*class="note"', svg))


def test_every_note_is_engraved_and_the_title_shown(tmp_path):
    paths = write_score_svg(tune(4), tmp_path / "t.svg", title="Scale in D")
    assert paths == [tmp_path / "t.svg"]
    svg = paths[0].read_text()
    assert svg_notes(svg) == 12
    assert "Scale in D" in svg and "Music21" not in svg


def test_long_scores_have_pages(tmp_path):
    first = write_score_svg(tune(160), tmp_path / "long.svg")
    assert first == [tmp_path / "long.svg"]
    pages = write_score_svg(tune(160), tmp_path / "all.svg", pages="all")
    assert len(pages) >= 2 and pages[0].name == "all-1.svg"
    assert sum(svg_notes(p.read_text()) for p in pages) == 480
    with pytest.raises(ValueError, match="pages must be"):
        write_score_svg(tune(2), tmp_path / "x.svg", pages="some")


def test_a_musicxml_file_is_engraved_as_written(tmp_path):
    svgs = to_svg_pages(FIXTURES / "score" / "minuet.musicxml")
    assert len(svgs) == 1 and svg_notes(svgs[0]) > 0


def test_music_font_reaches_fontconfig_and_cairosvg(tmp_path):
    d = ensure_music_fonts()
    assert (d / "Leipzig.woff2").stat().st_size > 10_000
    out = subprocess.run(
        ["fc-list", ":family=Leipzig", "family"],
        capture_output=True,
        text=True,
        env={"FONTCONFIG_FILE": str(d / "fonts.conf"), "PATH": "/usr/bin:/bin"},
    )
    assert "Leipzig" in out.stdout

    import cairosvg

    def draw(family: str) -> np.ndarray:
        # U+ECA5 is SMuFL's metronome quarter note, which verovio writes as text in tempo marks.
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60">'
            f'<text x="10" y="45" font-family="{family}" font-size="40">&#xECA5;</text></svg>'
        )
        png = tmp_path / f"{family}.png"
        cairosvg.svg2png(bytestring=svg.encode(), write_to=str(png), background_color="white")
        return imread(str(png))[..., :3]

    leipzig, fallback = draw("Leipzig"), draw("NoSuchFontAnywhere")
    assert (leipzig < 0.5).any()  # something is drawn
    assert not np.array_equal(leipzig, fallback)  # and it is not the fallback font's empty box


def test_png_of_a_score(tmp_path):
    paths = write_score_png(tune(8), tmp_path / "t.png", width=900)
    img = imread(str(paths[0]))
    assert img.shape[1] == 900
    assert (img[..., :3] < 0.5).mean() > 0.01  # ink on the page
    assert paths[0].stat().st_size < 300_000


def test_music21_placeholder_title_is_replaced_by_the_file_name():
    from pathlib import Path

    from partita.render.engrave import engrave_xml

    path = Path(__file__).parents[1] / "fixtures" / "score" / "minuet.musicxml"
    assert "Music21 Fragment" in path.read_text()
    xml = engrave_xml(path)
    assert "Music21 Fragment" not in xml and "<movement-title>minuet</movement-title>" in xml
    assert "<movement-title>A &amp; B</movement-title>" in engrave_xml(path, title="A & B")


def test_engraving_works_from_another_thread():
    from concurrent.futures import ThreadPoolExecutor

    import verovio  # imported in this thread first: verovio sets its resource path for this thread only

    verovio.toolkit()
    score = symusic.Score(480)
    track = symusic.Track("Piano", 0)
    for i, p in enumerate((60, 64, 67, 72)):
        track.notes.append(symusic.Note(i * 480, 480, p, 80))
    score.tracks.append(track)
    with ThreadPoolExecutor(1) as pool:
        pages = pool.submit(to_svg_pages, score, "threaded").result()
    assert len(pages) == 1 and "<svg" in pages[0]
