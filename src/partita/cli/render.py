"""``partita render`` and ``partita convert``: look at, listen to and convert score files."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from pathlib import Path

import click

from partita.cli._errors import OVERWRITE_HELP, check_out_files


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--wav", "wav", is_flag=True, help="Audio through FluidSynth and a General MIDI soundfont.")
@click.option("--png", "png", is_flag=True, help="PNG images: the piano roll and the engraved score.")
@click.option("--svg", "svg", is_flag=True, help="The engraved score as SVG (verovio).")
@click.option("--musicxml", "musicxml", is_flag=True, help="The score as MusicXML.")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the current folder; never beside FILE, which may be read-only data).",
)
@click.option(
    "--all-pages", is_flag=True, help="Engrave every page (NAME-score-1.svg, ...), not only the first."
)
@click.option(
    "--title", default=None, help="Title on the score and piano roll (default: the file's own title)."
)
@click.option(
    "--soundfont",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An .sf2 soundfont (default: $PARTITA_SOUNDFONT, then Debian's FluidR3_GM).",
)
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
def render(
    file: Path,
    wav: bool,
    png: bool,
    svg: bool,
    musicxml: bool,
    out_dir: Path | None,
    all_pages: bool,
    title: str | None,
    soundfont: Path | None,
    overwrite: bool,
) -> None:
    """Render a score FILE (MIDI, MusicXML, ABC or Humdrum) to audio, a piano roll and an engraved score.

    Without flags every available output is written: the piano roll and score PNGs, the score SVG, MusicXML,
    and the WAV when FluidSynth and a soundfont are installed.
    """
    from partita.cli.progress import tqdm_progress
    from partita.render import render as render_files

    chosen = wav or png or svg or musicxml
    kinds = {
        "pianoroll": png or not chosen,
        "score_svg": svg or not chosen,
        "score_png": png or not chosen,
        "wav": True if wav else (None if not chosen else False),
        "musicxml": musicxml or not chosen,
    }
    out_dir = out_dir if out_dir is not None else Path(".")
    xml = out_dir / f"{file.stem}.musicxml"
    if kinds["musicxml"] and xml.is_file() and file.is_file() and os.path.samefile(xml, file):
        raise click.ClickException(
            f"{file}: its MusicXML would be written over it; give another -o/--out-dir"
        )
    check_out_files(out_dir, _written(file.stem, kinds, all_pages), overwrite, "-o/--out-dir")
    # a long performance takes a while to engrave and synthesise: each output named as it is made
    with _os_errors(), tqdm_progress("render", unit="file", lazy=True) as bar:
        paths = render_files(
            file,
            out_dir,
            **kinds,
            title=title,
            pages="all" if all_pages else "first",
            soundfont=soundfont,
            progress=bar,
        )
    for p in paths:
        click.echo(str(p))


def _written(stem: str, kinds: dict, all_pages: bool) -> list[str]:
    """The names (glob patterns) of the files ``partita render`` writes for FILE named ``stem``."""
    name = glob.escape(stem)
    names = {
        "pianoroll": [f"{name}-pianoroll.png"],
        "score_svg": [f"{name}-score.svg"] + ([f"{name}-score-[0-9]*.svg"] if all_pages else []),
        "score_png": [f"{name}-score.png"] + ([f"{name}-score-[0-9]*.png"] if all_pages else []),
        "wav": [f"{name}.wav"],
        "musicxml": [f"{name}.musicxml"],
    }
    return [n for kind, wanted in kinds.items() if wanted is not False for n in names[kind]]


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tune", default=None, help="For an ABC file of several tunes: the X: number to convert.")
@click.option(
    "--no-expand-repeats", is_flag=True, help="Keep repeats as notated instead of writing them out."
)
@click.option("--title", default=None, help="Title of a MusicXML target (default: the source's own title).")
def convert(source: Path, target: Path, tune: str | None, no_expand_repeats: bool, title: str | None) -> None:
    """Convert SOURCE (MIDI, MusicXML, ABC, Humdrum) to TARGET (.mid or .musicxml/.xml/.mxl, by its
    suffix)."""
    from partita.render import title_of
    from partita.score import check_limits, read_abc, read_score, sniff_format, write_score
    from partita.score.errors import ScoreError

    suffix = target.suffix.lower()
    if suffix not in (".mid", ".midi", ".musicxml", ".xml", ".mxl"):
        hint = " (use `partita render` for audio and images)" if suffix in (".wav", ".png", ".svg") else ""
        raise ScoreError(
            f"cannot write '{suffix or target.name}': the targets are .mid and .musicxml/.xml/.mxl{hint}",
            "unsupported-format",
            str(target),
        )
    expand = not no_expand_repeats
    if tune is not None:
        head = _head(source)
        if head and sniff_format(head) != "abc":  # no head: read_abc says what is wrong with the file
            raise ScoreError("--tune applies to ABC files only", "unsupported-format", str(source))
        score = read_abc(source, tune=tune, expand_repeats=expand)
    else:
        score = read_score(source, expand_repeats=expand)
    check_limits(score, source)
    if suffix not in (".mid", ".midi") and not score.note_num():
        raise ScoreError("the score has no notes to write as MusicXML", "no-notes", str(source))
    with _os_errors():
        write_score(score, target, title=title or title_of(source))
    click.echo(str(target))


def _head(path: Path, n: int = 4096) -> bytes:
    """The first ``n`` bytes of a regular file; b"" for anything else (read_* then says what is wrong)."""
    try:
        if not path.is_file():
            return b""
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


@contextlib.contextmanager
def _os_errors() -> Iterator[None]:
    """A folder that cannot be written is one line for the user, not a traceback."""
    try:
        yield
    except OSError as e:
        from partita.score.errors import ScoreError

        reason = (e.strerror or str(e)).lower()
        raise ScoreError(f"cannot write here ({reason})", "write-error", e.filename) from None


commands = [render, convert]
