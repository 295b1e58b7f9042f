"""Chinese lyrics and pinyin in engraved PNGs: cairo draws a text run in one font with no fallback, so the SVG
handed to cairosvg names a font with the characters (issue 25)."""

from __future__ import annotations

import logging
import re

import pytest

from partita.render import engrave as E

PAGE = (
    '<svg class="definition-scale" font-family="Times, serif"><g class="syl"><text x="1" y="2">'
    '<tspan class="text"><tspan font-size="405px">{}</tspan></tspan></text></g></svg>'
)


@pytest.fixture
def fresh_fonts():
    """Forget the fonts found before and after the test (they are looked up once a process)."""
    E.cjk_font.cache_clear()
    E.wide_latin_font.cache_clear()
    yield
    E.cjk_font.cache_clear()
    E.wide_latin_font.cache_clear()


def test_text_without_wide_letters_is_left_as_verovio_wrote_it():
    svg = PAGE.format("Twin- kle, é à ü ā")  # Latin-1 and Latin Extended-A: Liberation Serif has them
    assert E.fit_text_fonts(svg) == svg


def test_a_run_with_han_characters_gets_a_cjk_font():
    font = E.cjk_font()
    if font is None:
        pytest.skip("no font with Chinese characters is installed (fonts-wqy-microhei)")
    out = E.fit_text_fonts(PAGE.format("我") + PAGE.format("Voice"))
    assert f'<tspan font-size="405px" font-family="{font}">我</tspan>' in out
    assert '<tspan font-size="405px">Voice</tspan>' in out  # other runs keep verovio's Times
    assert out.count("font-family=") == 3


def test_only_the_third_tone_vowels_change_font():
    font = E.wide_latin_font()
    if font is None:
        pytest.skip("no font with ǎ ǐ ǒ ǔ is installed (fonts-dejavu-core)")
    out = E.fit_text_fonts(PAGE.format("shǒu gē"))
    # the word stays in Times, whose widths verovio spaced the notes by; only ǒ is drawn in the other font
    assert f'>sh<tspan font-family="{font}">ǒ</tspan>u gē</tspan>' in out


def test_without_a_cjk_font_the_page_is_unchanged_and_it_is_said_once(monkeypatch, caplog, fresh_fonts):
    monkeypatch.setattr(E, "_families", lambda pattern: [])
    svg = PAGE.format("我们")
    with caplog.at_level(logging.WARNING, logger="partita.render.engrave"):
        assert E.fit_text_fonts(svg) == svg
        assert E.fit_text_fonts(svg) == svg
    assert sum("Chinese" in r.message for r in caplog.records) == 1


def test_a_song_with_chinese_lyrics_is_rasterized_with_a_cjk_font(monkeypatch, tmp_path):
    pytest.importorskip("pypinyin")
    font = E.cjk_font()
    if font is None:
        pytest.skip("no font with Chinese characters is installed (fonts-wqy-microhei)")
    import cairosvg

    from partita.generation.song import sing, song_musicxml
    from partita.lyrics import read_lyrics

    handed: list[str] = []
    real = cairosvg.svg2png

    def spy(*args, **kwargs):
        handed.append(kwargs["bytestring"].decode("utf-8"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cairosvg, "svg2png", spy)
    song = sing(read_lyrics("我们的歌\n你好\n"))
    svgs = E.to_svg_pages(musicxml=song_musicxml(song, title="歌"), max_pages=1)
    assert "我" in svgs[0] and f'font-family="{font}"' not in svgs[0]  # verovio's SVG names Times only
    (png,) = E.write_png_pages(svgs, tmp_path / "song.png")
    assert png.stat().st_size > 1000
    (svg,) = handed
    for ch in "我们的歌你好":
        assert re.search(rf'<tspan[^>]*font-family="{re.escape(font)}"[^>]*>{ch}</tspan>', svg), ch
    assert re.search(rf'<tspan[^>]*font-family="{re.escape(font)}"[^>]*>歌</tspan>', svg)  # the title


def _syllable_gaps(svg: str) -> list[int]:
    """Distances between the x of neighbouring syllables of the first lyric line on the first system."""
    xs = [int(x) for x, y in re.findall(r'<g [^>]*class="syl"[^>]*>\s*<text x="(\d+)" y="(\d+)"', svg)]
    ys = [int(y) for x, y in re.findall(r'<g [^>]*class="syl"[^>]*>\s*<text x="(\d+)" y="(\d+)"', svg)]
    first = [x for x, y in zip(xs, ys, strict=True) if y == ys[0]]
    return [b - a for a, b in zip(first, first[1:], strict=False) if b > a]


def test_chinese_lyrics_are_spaced_wider_than_verovio_measures_them(monkeypatch):
    pytest.importorskip("pypinyin")
    from partita.generation.song import sing, song_musicxml
    from partita.lyrics import read_lyrics

    xml = song_musicxml(sing(read_lyrics("我们的爱情像一首歌\n")), title="t")
    wide = _syllable_gaps(E.to_svg_pages(musicxml=xml, max_pages=1)[0])
    monkeypatch.setattr(E, "CJK_LYRIC_WORD_SPACE", 1.2)  # verovio's default
    narrow = _syllable_gaps(E.to_svg_pages(musicxml=xml, max_pages=1)[0])
    assert len(wide) >= 5 and len(wide) == len(narrow)
    assert sum(wide) > sum(narrow) and min(wide) > min(narrow)
