"""Engraving: a score to SVG with verovio (from partita's MusicXML), and to PNG with cairosvg.

verovio draws notes, clefs and accidentals as SVG paths, but writes some symbols as text in its SMuFL font
(Leipzig): the note of a tempo mark, dynamics, tuplet numbers. cairosvg ignores the font that verovio embeds
as CSS, so unless fontconfig knows the font those symbols become empty boxes. The font ships inside the
verovio package (as base64 WOFF2 in ``verovio/data/Leipzig.css``); :func:`ensure_music_fonts` writes it once
to a cache folder and adds that folder to the running process's fontconfig (FreeType reads WOFF2 directly).

cairo draws each text run with the one font named first in its ``font-family`` and no fallback, and verovio
names "Times, serif" (Liberation Serif here), which has no Chinese characters and no pinyin tone marks on
ǎ ǐ ǒ ǔ ǚ: :func:`fit_text_fonts` gives each text run with Han (or kana, hangul) characters an installed
font that has them (WenQuanYi Micro Hei, Noto CJK, ...), and each letter past Latin Extended-A (pinyin's
third tone) a serif that has it (DejaVu Serif). SVG keeps verovio's fonts: a browser falls back by itself.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import logging
import os
import re
import subprocess
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape

import verovio

from partita.atomic import atomic_write_bytes, atomic_write_text
from partita.score import Score, ScoreError, read_score, sniff_format, unzip_musicxml
from partita.score.musicxml import to_musicxml_bytes

log = logging.getLogger(__name__)

MUSIC_FONTS = ("Leipzig", "Bravura")
PAGE_WIDTH = 2100  # verovio units (tenths of a mm): A4 portrait
PAGE_HEIGHT = 2970
DEFAULT_SCALE = 40  # percent: about 8 bars of a four-part chorale per system pair on A4
CJK_LYRIC_WORD_SPACE = 3.0
"""verovio's space between lyric words (MEI units; its default 1.2) for lyrics with Han characters: verovio
measures text with Times' widths, which it knows for ASCII letters only, so Chinese syllables (each a word)
and their tone-marked pinyin would touch."""
_fonts_ready: Path | None = None


def font_cache_dir() -> Path:
    """Where the music fonts are written: ``$XDG_CACHE_HOME/partita/fonts`` (or a temporary folder)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(base) / "partita" / "fonts"
    try:
        d.mkdir(parents=True, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    d = Path(tempfile.gettempdir()) / f"partita-fonts-{os.getuid()}"
    d.mkdir(parents=True, exist_ok=True)
    return d


def ensure_music_fonts() -> Path:
    """Make verovio's music fonts available to fontconfig (and so to cairosvg); return their folder."""
    global _fonts_ready
    if _fonts_ready is not None:
        return _fonts_ready
    data = Path(verovio.__file__).parent / "data"
    d = font_cache_dir()
    for name in MUSIC_FONTS:
        target = d / f"{name}.woff2"
        if target.exists():
            continue
        css = data / f"{name}.css"
        m = re.search(r"base64,([A-Za-z0-9+/=]+)", css.read_text()) if css.exists() else None
        if m is None:
            log.warning("verovio's %s font was not found in %s; some symbols may render as boxes", name, data)
            continue
        atomic_write_bytes(target, base64.b64decode(m.group(1)))
    conf = d / "fonts.conf"
    if not conf.exists():
        atomic_write_text(
            conf,
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            f"  <dir>{d}</dir>\n  <cachedir>{d / 'cache'}</cachedir>\n</fontconfig>\n",
        )
    added = False
    lib = ctypes.util.find_library("fontconfig")
    if lib:
        try:
            fc = ctypes.CDLL(lib)
            fc.FcConfigAppFontAddDir.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
            fc.FcConfigAppFontAddDir.restype = ctypes.c_int
            added = bool(fc.FcConfigAppFontAddDir(None, str(d).encode()))
        except (OSError, AttributeError) as e:
            log.debug("fontconfig not reachable through ctypes: %s", e)
    if not added:
        # Without the library call, point fontconfig at a configuration that includes the folder; this works
        # when fontconfig has not been initialised yet in this process.
        os.environ.setdefault("FONTCONFIG_FILE", str(conf))
    _fonts_ready = d
    return d


CJK_FAMILIES = (
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
)
"""Fonts with Chinese characters, in the order they are preferred (serif first, as verovio's Times)."""
WIDE_LATIN_FAMILIES = ("DejaVu Serif", "Noto Serif", "FreeSerif", "DejaVu Sans")
"""Fonts with the pinyin vowels Liberation Serif lacks (ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ), in the order they are preferred."""
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")
_WIDE_LATIN = re.compile(r"[\u0180-\u036f\u1e00-\u1eff]")
_WIDE_LATIN_RUN = re.compile(r"[\u0180-\u036f\u1e00-\u1eff]+")
_CJK_LYRIC = re.compile(r"<lyric\b(?:(?!</lyric>).)*?" + _CJK.pattern, re.S)
_TEXT_RUN = re.compile(r"(<tspan\b[^>]*?)(/?>)([^<]*)")


def _families(pattern: str) -> list[str]:
    """The families of the installed fonts matching a fontconfig ``pattern`` (``fc-list``); [] without it."""
    try:
        found = subprocess.run(
            ["fc-list", pattern, "family"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(",")[0].strip() for line in found.splitlines() if line.strip()})


def _pick(pattern: str, preferred: tuple[str, ...]) -> str | None:
    have = _families(pattern)
    return next((f for f in preferred if f in have), have[0] if have else None)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family of an installed font with Chinese characters, or None (logged once)."""
    family = _pick(":lang=zh", CJK_FAMILIES)
    if family is None:
        log.warning(
            "no font with Chinese characters is installed: Chinese text in engraved PNGs will show as boxes "
            "(Debian: apt-get install fonts-wqy-microhei)"
        )
    return family


@lru_cache(maxsize=1)
def wide_latin_font() -> str | None:
    """The family of an installed font with pinyin's third-tone vowels (ǎ ǐ ǒ ǔ ǚ), or None (logged once)."""
    family = _pick(":charset=1ce 1d0 1d2 1d4 1da", WIDE_LATIN_FAMILIES)
    if family is None:
        log.warning(
            "no font with the vowels ǎ ǐ ǒ ǔ is installed: pinyin in engraved PNGs may show boxes "
            "(Debian: apt-get install fonts-dejavu-core)"
        )
    return family


def fit_text_fonts(svg: str) -> str:
    """``svg`` (a verovio page) with fonts cairo can draw its text in: each text run holding Han, kana or
    hangul characters in :func:`cjk_font`, and each letter past Latin Extended-A (ǎ ǐ ǒ ǔ ǚ, which
    Liberation Serif, fontconfig's Times, lacks) in :func:`wide_latin_font`, the rest of its word left in
    Times, whose widths verovio spaced the notes by. Unchanged when the text needs neither or no such font
    is installed."""
    cjk = cjk_font() if _CJK.search(svg) else None
    wide = wide_latin_font() if _WIDE_LATIN.search(svg) else None
    if not (cjk or wide):
        return svg

    def run(m: re.Match) -> str:
        head, close, body = m.groups()
        if cjk and _CJK.search(body) and "font-family=" not in head:
            return f'{head} font-family="{cjk}"{close}{body}'
        if wide and _WIDE_LATIN.search(body):
            body = _WIDE_LATIN_RUN.sub(lambda c: f'<tspan font-family="{wide}">{c.group(0)}</tspan>', body)
        return f"{head}{close}{body}"

    return _TEXT_RUN.sub(run, svg)


def _musicxml_of(score: Score | str | os.PathLike, title: str | None) -> str:
    """MusicXML text to engrave: a MusicXML file as written by its author, anything else through partita."""
    if isinstance(score, str | os.PathLike):
        p = Path(score)
        data = p.read_bytes() if p.is_file() else b""
        if sniff_format(data) == "musicxml":
            xml = unzip_musicxml(data, str(p)) if data.startswith(b"PK") else data
            return _replace_placeholder_title(xml.decode("utf-8", errors="replace"), title or p.stem)
        return to_musicxml_bytes(read_score(p), title=title or p.stem).decode("utf-8")
    return to_musicxml_bytes(score, title=title).decode("utf-8")


PLACEHOLDER_TITLES = ("Music21 Fragment", "Music21")
"""Titles music21 writes when a score has none; a reader should see the file's own name instead."""


def _replace_placeholder_title(xml: str, title: str) -> str:
    """``xml`` with music21's placeholder work/movement title (and composer "Music21") replaced or dropped."""
    for tag in ("movement-title", "work-title"):
        for placeholder in PLACEHOLDER_TITLES:
            xml = xml.replace(f"<{tag}>{placeholder}</{tag}>", f"<{tag}>{escape(title)}</{tag}>")
    return xml.replace('<creator type="composer">Music21</creator>', "")


def engrave_xml(score: Score | str | os.PathLike, title: str | None = None) -> str:
    """The MusicXML text verovio engraves: a MusicXML file as its author wrote it, anything else via
    partita."""
    return _musicxml_of(score, title)


def to_svg_pages(
    score: Score | str | os.PathLike | None = None,
    title: str | None = None,
    scale: int = DEFAULT_SCALE,
    max_pages: int | None = None,
    musicxml: str | None = None,
) -> list[str]:
    """Engrave ``score`` (a score, or a score file) or ready ``musicxml`` text with verovio; one SVG per
    page."""
    xml = musicxml if musicxml is not None else _musicxml_of(score, title)
    verovio.enableLog(verovio.LOG_OFF)
    tk = verovio.toolkit()
    # verovio's default resource path (its fonts) is set per thread, only in the thread that imported it: name
    # it for this toolkit so that engraving works from any thread (a web server's workers, a thread pool)
    tk.setResourcePath(str(files("verovio") / "data"))
    options = {
        "pageWidth": PAGE_WIDTH,
        "pageHeight": PAGE_HEIGHT,
        "scale": int(scale),
        "adjustPageHeight": True,
        "footer": "none",
        "breaks": "auto",
    }
    if _CJK_LYRIC.search(xml):
        options["lyricWordSpace"] = CJK_LYRIC_WORD_SPACE
    tk.setOptions(options)
    if not tk.loadData(xml):
        raise ScoreError("verovio could not read the MusicXML", "parse-error", title or str(score))
    n = tk.getPageCount()
    if max_pages is not None:
        n = min(n, max_pages)
    return [tk.renderToSVG(i) for i in range(1, n + 1)]


def _page_paths(path: Path, n: int) -> list[Path]:
    if n == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, n + 1)]


def write_svg_pages(svgs: list[str], path: str | os.PathLike) -> list[Path]:
    """Write SVG pages to ``path`` (one page) or ``NAME-1.svg``, ``NAME-2.svg``, ... (several)."""
    out = _page_paths(Path(path), len(svgs))
    for svg, p in zip(svgs, out, strict=True):
        atomic_write_text(p, svg)
    return out


def write_png_pages(svgs: list[str], path: str | os.PathLike, width: int = 1400) -> list[Path]:
    """Rasterize SVG pages with cairosvg (``width`` pixels wide, white background), named as
    :func:`write_svg_pages`."""
    ensure_music_fonts()
    # cairosvg (~0.3 s) starts cairo and fontconfig when imported: after ensure_music_fonts() above
    import cairosvg

    out = _page_paths(Path(path), len(svgs))
    for svg, p in zip(svgs, out, strict=True):
        try:
            png = cairosvg.svg2png(
                bytestring=fit_text_fonts(svg).encode("utf-8"),
                output_width=fit_width(svg, int(width)),
                background_color="white",
            )
        except MemoryError:
            raise ScoreError("the engraved page is too large to rasterize", "too-large", str(p)) from None
        except Exception as e:  # cairo's own errors (CairoError) have no common base class worth importing
            msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            raise ScoreError(
                f"the engraved page could not be rasterized ({msg})", "render-failed", str(p)
            ) from None
        atomic_write_bytes(p, png)
    return out


CAIRO_MAX_PIXELS = 32767
"""cairo's largest image side; a taller page (a score of hundreds of staves) is rasterized narrower to fit."""


def fit_width(svg: str, width: int, max_pixels: int = CAIRO_MAX_PIXELS) -> int:
    """``width``, or less where the page (from the SVG's own width and height) would be taller than
    ``max_pixels``."""
    tag = re.search(r"<svg\b[^>]*>", svg[:4096])
    if tag is None:
        return width
    size = {
        k: float(v)
        for k, v in re.findall(r'\s(width|height)="([\d.]+)(?:px|pt)?"', tag.group(0))
        if float(v) > 0
    }
    if len(size) < 2:
        return width
    height = width * size["height"] / size["width"]
    if height <= max_pixels:
        return width
    return max(1, int(max_pixels * size["width"] / size["height"]))


def write_score_svg(
    score: Score | str | os.PathLike,
    path: str | os.PathLike,
    title: str | None = None,
    pages: str = "first",
    scale: int = DEFAULT_SCALE,
) -> list[Path]:
    """Write the engraved score as SVG: the first page (``pages="first"``) or every page (``"all"``).

    Several pages go to ``NAME-1.svg``, ``NAME-2.svg``, ...; the written paths are returned.
    """
    return write_svg_pages(to_svg_pages(score, title=title, scale=scale, max_pages=_max_pages(pages)), path)


def write_score_png(
    score: Score | str | os.PathLike,
    path: str | os.PathLike,
    title: str | None = None,
    pages: str = "first",
    width: int = 1400,
    scale: int = DEFAULT_SCALE,
) -> list[Path]:
    """Write the engraved score as PNG (``width`` pixels wide, white background), one file per page."""
    return write_png_pages(
        to_svg_pages(score, title=title, scale=scale, max_pages=_max_pages(pages)), path, width
    )


def max_pages(pages: str) -> int | None:
    """``"first"`` -> 1, ``"all"`` -> None (no limit); anything else is a ValueError."""
    if pages == "first":
        return 1
    if pages == "all":
        return None
    raise ValueError(f"pages must be 'first' or 'all', not {pages!r}")


_max_pages = max_pages
