"""How the CLI reports a known error: one line (click's ``Error: ...``), never a traceback."""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

SEED = click.IntRange(0, 2**32 - 1)
"""A seed option: numpy and torch both take it (a negative or 2**70 seed is an overflow deep inside)."""


@contextlib.contextmanager
def one_line(*errors: type[BaseException]) -> Iterator[None]:
    """Known errors as one line: ``ValueError`` (a ``ScoreError`` is one) and ``FileNotFoundError``, plus
    ``errors`` (e.g. ``OSError`` where a store or folder may be unreadable)."""
    try:
        yield
    except (ValueError, FileNotFoundError, *errors) as e:
        raise click.ClickException(str(e)) from None


def read_checked(path: str | os.PathLike, notes: bool = False):
    """The score of the file ``path``, refused (a ScoreError naming it) beyond
    :class:`partita.score.ScoreLimits` (0 ticks per quarter note, a note of days, thousands of tracks), and
    with no notes at all when ``notes`` (a piece to compare with)."""
    from partita.score import ScoreError, check_limits, read_score

    score = read_score(path)
    check_limits(score, path)
    if notes and score.note_num() == 0:
        raise ScoreError("the score has no notes", "no-notes", str(path))
    return score


SCORE_NAMES = {"midi": "a MIDI", "musicxml": "a MusicXML", "abc": "an ABC", "humdrum": "a Humdrum"}
_BINARY = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x84\x86-\x9f]")
"""Control characters no text file holds (tab, line and page breaks, and DOS's end mark ``\\x1a`` aside)."""


def check_text_file(path: str | os.PathLike, what: str = "text", max_bytes: int = 4 * 2**20) -> None:
    """Refuse in one line, before it is read for real, a file that is not ``what`` (e.g. "lyrics") in
    UTF-8 text: over ``max_bytes``, a score (MIDI, MusicXML, ABC, Humdrum: read by its content), a byte that
    is not UTF-8 (random bytes, Latin-1 or UTF-16 text), a NUL or another control character (binary data
    that happens to decode). A UTF-8 byte-order mark is allowed."""
    with one_line(OSError):
        size = os.path.getsize(path)
        if size > max_bytes:
            raise click.ClickException(
                f"{path}: {size / 2**20:.1f} MiB is too large for {what} (at most {max_bytes / 2**20:g} MiB)"
            )
        data = Path(path).read_bytes()
    from partita.score import sniff_format

    if kind := sniff_format(data):
        raise click.ClickException(f"{path}: {SCORE_NAMES.get(kind, kind)} score, not {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise click.ClickException(
            f"{path}: not {what} in UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start} is not "
            "UTF-8); save it as UTF-8 text"
        ) from None
    if m := _BINARY.search(text):
        raise click.ClickException(
            f"{path}: binary data, not {what} "
            f"(control character U+{ord(m.group()):04X} at character {m.start()})"
        )


def check_writable(path: str | os.PathLike, folder: bool = False) -> None:
    """Refuse in one line, before any work, an output ``path`` (a file, or a ``folder``) that cannot be
    written: something in its way is a file, or the nearest existing folder above it is not writable.
    Nothing is created."""
    target = Path(path).expanduser().absolute()
    if target.is_dir() and not folder:
        raise click.ClickException(f"cannot write {path}: it is a folder")
    if target.exists() and not target.is_dir() and folder:
        raise click.ClickException(f"cannot write {path}: a file of that name is in the way")
    here = target if folder else target.parent
    while not here.exists() and not here.is_symlink() and here != here.parent:
        here = here.parent
    if not here.is_dir():
        raise click.ClickException(f"cannot write {path}: {here} is not a folder")
    if not os.access(here, os.W_OK | os.X_OK):
        raise click.ClickException(f"cannot write {path}: the folder {here} is not writable")


def check_out_folder(path: str | os.PathLike, what: str, *markers: str) -> None:
    """:func:`check_writable` for an output folder, and refuse in one line, before any work, one that exists,
    is not empty and holds none of ``markers`` (glob patterns of the files a ``what`` is known by, e.g.
    ``config.json``): writing there would overwrite, mix with or (on failure) clean away files that are
    not partita's. A new folder, an empty one or one of the same kind (a rerun or resume) passes."""
    check_writable(path, folder=True)
    folder = Path(path).expanduser()
    if not folder.is_dir():
        return
    with one_line(OSError):
        names = sorted(p.name for p in folder.iterdir())
        if not names or any(next(folder.glob(m), None) is not None for m in markers):
            return
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    raise click.ClickException(
        f"{path}: the folder holds other files ({shown}) and is not {what}; give a new or empty folder "
        "(nothing in it is overwritten or removed)"
    )


OVERWRITE_HELP = (
    "Replace files in the output folder that partita did not write (by default they stop the command)."
)


def check_out_files(
    folder: str | os.PathLike,
    names: Sequence[str],
    overwrite: bool = False,
    option: str = "-o/--out",
    advice: str | None = None,
) -> None:
    """For a command that writes files named ``names`` (names, or glob patterns: see
    :func:`partita.render.own_files.matching_files`) into ``folder`` beside whatever is there:
    :func:`check_writable`, and refuse in one line, before any work, when one of them exists and is not
    partita's own earlier output (:mod:`partita.render.own_files`), unless ``overwrite``. Partita's own
    files pass, so reruns work. ``advice`` replaces the message's "give another folder (``option``), or
    --overwrite to replace it".

    When the command is done (or has failed), the files among ``names`` that it wrote are recorded in the
    folder's manifest as partita's (through the click context; outside a command nothing is recorded)."""
    from partita.render.own_files import check_own_files, record_written

    check_writable(folder, folder=True)
    out = Path(folder).expanduser()
    advice = advice or f"give another folder ({option}), or --overwrite to replace it"
    with one_line(OSError):  # a refusal (ForeignFileError, a ValueError) is one line too
        before = check_own_files(out, names, overwrite, advice)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(lambda: record_written(out, names, before))


class FiniteRange(click.FloatRange):
    """click's ``FloatRange`` that refuses NaN and infinity too (click lets NaN through every range, no
    comparison with it being true, and infinity through one open above), so ``--lr nan`` is a usage error and
    not a model of NaNs."""

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 - click's signature
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number
