"""One call that renders a score (or a score file) to everything a person looks at or listens to."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from partita.atomic import atomic_write_bytes
from partita.progress import ProgressCallback, report
from partita.render.audio import audio_available, write_wav
from partita.render.engrave import engrave_xml, max_pages, to_svg_pages, write_png_pages, write_svg_pages
from partita.render.pianoroll import write_pianoroll
from partita.score import Score, ScoreError, read_score, sniff_format
from partita.score.checks import DEFAULT_LIMITS, ScoreLimits, check_limits
from partita.score.musicxml import to_musicxml_bytes

log = logging.getLogger(__name__)

OUTPUTS = ("pianoroll", "score_svg", "score_png", "wav", "musicxml")


def title_of(path: str | os.PathLike) -> str:
    """A score file's own title (ABC ``T:``, MusicXML work or movement title), else its file name."""
    p = Path(path)
    try:
        head = p.read_bytes()[:65536]
    except OSError:
        return p.stem
    fmt = sniff_format(head)
    m = None
    if fmt == "abc":
        m = re.search(rb"^T:\s*(.+?)\s*$", head, re.MULTILINE)
    elif fmt == "musicxml" and not head.startswith(b"PK"):
        m = re.search(rb"<(?:work-title|movement-title)>\s*([^<]+?)\s*<", head)
    if m:
        text = m.group(1).decode("utf-8", errors="replace").strip()
        if text and text != "Music21 Fragment":
            return text
    return p.stem


def render(
    score_or_path: Score | str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    pianoroll: bool = True,
    score_svg: bool = True,
    score_png: bool = True,
    wav: bool | None = None,
    musicxml: bool = True,
    png: bool | None = None,
    svg: bool | None = None,
    name: str | None = None,
    title: str | None = None,
    pages: str = "first",
    soundfont: str | os.PathLike | None = None,
    progress: ProgressCallback | None = None,
    limits: ScoreLimits | None = None,
) -> list[Path]:
    """Render a score or a score file into ``out_dir``; return the paths written.

    Files are named after ``name`` (default: the input file's name, or "score"): ``NAME-pianoroll.png``,
    ``NAME-score.svg`` and ``NAME-score.png`` (the first page, or ``NAME-score-N.*`` for every page with
    ``pages="all"``), ``NAME.wav`` and ``NAME.musicxml``. ``wav=None`` writes audio only when FluidSynth and a
    soundfont are installed; ``wav=True`` raises :class:`~partita.render.audio.AudioUnavailable` (saying what
    to install) when they are not. ``png`` and ``svg``, as the CLI flags, switch the PNG images (piano roll
    and score) and the score SVG together. A MusicXML input is engraved as its author wrote it; any other
    input is engraved from partita's MusicXML. A score beyond ``limits`` (:func:`partita.score.check_limits`:
    duration, notes, tracks, resolution) is refused with a :class:`ScoreError` before anything is written.
    """
    if png is not None:
        pianoroll = score_png = png
    if svg is not None:
        score_svg = svg

    source: Score | Path
    if isinstance(score_or_path, str | os.PathLike):
        source = Path(score_or_path)
        score = read_score(source)
        name = name or source.stem
        title = title or title_of(source)
    else:
        source = score_or_path
        score = score_or_path
        name = name or "score"
    lim = limits or DEFAULT_LIMITS
    check_limits(score, source if isinstance(source, Path) else None, lim)
    if not sum(len(t.notes) for t in score.tracks):
        raise ScoreError(
            "the score has no notes to render", "no-notes", str(source) if isinstance(source, Path) else None
        )
    if wav is None:
        wav = audio_available()
        if not wav:
            log.info("no FluidSynth or soundfont: skipping the WAV")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    limit = max_pages(pages)
    cache: dict[str, object] = {}

    def partita_xml() -> bytes:
        if "xml" not in cache:
            cache["xml"] = to_musicxml_bytes(score, title=title, limits=lim)
        return cache["xml"]  # type: ignore[return-value]

    def svgs() -> list[str]:  # engraved once for both the SVG and the PNG
        if "svgs" not in cache:
            as_written = isinstance(source, Path) and sniff_format(source.read_bytes()[:4096]) == "musicxml"
            xml = engrave_xml(source, title) if as_written else partita_xml().decode("utf-8")
            cache["svgs"] = to_svg_pages(musicxml=xml, title=title, max_pages=limit)
        return cache["svgs"]  # type: ignore[return-value]

    def write_xml() -> list[Path]:
        target = out / f"{name}.musicxml"
        atomic_write_bytes(target, partita_xml())
        return [target]

    jobs = [
        (
            pianoroll,
            "piano roll",
            lambda: [write_pianoroll(score, out / f"{name}-pianoroll.png", title=title, limits=lim)],
        ),
        (score_svg, "score SVG", lambda: write_svg_pages(svgs(), out / f"{name}-score.svg")),
        (score_png, "score PNG", lambda: write_png_pages(svgs(), out / f"{name}-score.png")),
        (wav, "WAV", lambda: [write_wav(score, out / f"{name}.wav", soundfont=soundfont, limits=lim)]),
        (musicxml, "MusicXML", write_xml),
    ]
    jobs = [j for j in jobs if j[0]]
    written: list[Path] = []
    for i, (_, what, job) in enumerate(jobs):
        report(progress, i, len(jobs), what)
        try:
            written.extend(job())
        except ScoreError as e:
            if type(e) is ScoreError and e.path is None and isinstance(source, Path):
                raise ScoreError(str(e), e.reason, str(source)) from None  # name the input file
            raise
    report(progress, len(jobs), len(jobs), "done")
    return written
