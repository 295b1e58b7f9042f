"""Engraving: a score to SVG with verovio (from partita's MusicXML), and to PNG with cairosvg.

verovio draws notes, clefs and accidentals as SVG paths, but writes some symbols as text in its SMuFL font
(Leipzig): the note of a tempo mark, dynamics, tuplet numbers. cairosvg ignores the font that verovio embeds
as CSS, so unless fontconfig knows the font those symbols become empty boxes. The font ships inside the
verovio package (as base64 WOFF2 in ``verovio/data/Leipzig.css``); :func:`ensure_music_fonts` writes it once
to a cache folder and adds that folder to the running process's fontconfig (FreeType reads WOFF2 directly).
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import logging
import os
import re
import tempfile
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
    tk.setOptions(
        {
            "pageWidth": PAGE_WIDTH,
            "pageHeight": PAGE_HEIGHT,
            "scale": int(scale),
            "adjustPageHeight": True,
            "footer": "none",
            "breaks": "auto",
        }
    )
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
                bytestring=svg.encode("utf-8"),
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
