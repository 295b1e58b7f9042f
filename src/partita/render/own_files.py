"""Which files in a folder partita wrote itself, so that a rerun may replace its own earlier outputs and never
a person's file that happens to have the same name (``candidate-1.mid``, ``song.musicxml``).

The record is a small manifest in the folder, ``.partita-files.json``, written atomically after partita's
commands write there: each file by its name relative to the folder, with its size and SHA-256. A file is
partita's own while it is listed and unchanged; a file edited since (a candidate opened and saved in an
editor) counts as the person's.

:func:`check_own_files` and :func:`own_writes` are the whole rule for a writer (the Python API's
``Generator.generate(out_dir=...)`` and the CLI's ``check_out_files`` both use them): refuse with
:class:`ForeignFileError` before anything is written when a file to be written is there and is not
partita's own (unless ``overwrite``), then record what was written.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from partita.atomic import atomic_write_text

MANIFEST = ".partita-files.json"
API_ADVICE = "give another out_dir, or overwrite=True to replace it"
"""The way out a refusal names to a caller of the Python API (the CLI names its own options)."""


class ForeignFileError(FileExistsError, ValueError):
    """Writing would replace a file partita did not write (or one changed since it did): ``path`` is the first
    such file, ``more`` the number of others. A ``ValueError`` too, so that the CLI's known-error handling
    says it in one line."""

    def __init__(self, path: str | os.PathLike, more: int = 0, advice: str = API_ADVICE) -> None:
        self.path, self.more = Path(path), int(more)
        others = f" (and {self.more} more)" if self.more else ""
        said = f"{path}: a file partita did not write (or one changed since) would be overwritten{others}"
        super().__init__(f"{said}; {advice}")


def load_own_files(folder: str | os.PathLike) -> dict[str, dict]:
    """The files the manifest of ``folder`` lists, ``{name: {"size": ..., "sha256": ...}}``; empty when
    there is none or it cannot be read (then no file there counts as partita's)."""
    try:
        doc = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


def record_own_files(folder: str | os.PathLike, paths: Iterable[str | os.PathLike]) -> None:
    """Add ``paths`` (files inside ``folder`` that partita has just written) to its manifest, with their
    sizes and hashes, and drop the entries of files no longer there."""
    root = Path(folder)
    before = load_own_files(root)
    files = {name: e for name, e in before.items() if (root / name).is_file()}
    for p in paths:
        path = Path(p)
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(root).as_posix()] = _entry(path)
    if files != before:
        doc = {"about": "files partita wrote here (a rerun may replace them)", "files": files}
        atomic_write_text(root / MANIFEST, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def matching_files(folder: str | os.PathLike, patterns: Iterable[str]) -> list[Path]:
    """The entries of ``folder`` named by ``patterns`` (names, or glob patterns such as ``NAME-[0-9]*.svg``:
    escape the parts that come from a user with :func:`glob.escape`), files or not, sorted."""
    root = Path(folder)
    found: set[Path] = set()
    for pattern in patterns:
        if glob.has_magic(pattern):
            found.update(root.glob(pattern))
        elif (root / pattern).exists() or (root / pattern).is_symlink():
            found.add(root / pattern)
    return sorted(found)


def foreign_files(folder: str | os.PathLike, patterns: Iterable[str]) -> list[Path]:
    """The entries of ``folder`` named by ``patterns`` that partita did not write (or that changed since it
    did): a file not in the manifest or differing from it, a link, a folder."""
    root = Path(folder)
    own = load_own_files(root)
    return [
        p for p in matching_files(root, patterns) if not _is_own(p, own.get(p.relative_to(root).as_posix()))
    ]


def check_own_files(
    folder: str | os.PathLike, names: Iterable[str], overwrite: bool = False, advice: str = API_ADVICE
) -> dict[Path, tuple[int, int, int]]:
    """Refuse (:class:`ForeignFileError`, naming the first file and ``advice``), before anything is written,
    to write files named ``names`` (names or patterns: :func:`matching_files`) into ``folder`` when one of
    them is there and is not partita's own, unless ``overwrite``. Returns the :func:`file_states` of those
    there, for :func:`record_written`."""
    names = list(names)
    root = Path(folder).expanduser()
    before = file_states(matching_files(root, names))
    foreign = [] if overwrite else foreign_files(root, names)
    if foreign:
        raise ForeignFileError(foreign[0], len(foreign) - 1, advice)
    return before


def record_written(folder: str | os.PathLike, names: Iterable[str], before: dict) -> None:
    """Record in the manifest of ``folder`` the files among ``names`` that are new or rewritten since
    ``before`` (:func:`check_own_files`); a folder that is not there, or cannot be written, is left as
    it is."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        return
    with suppress(OSError):
        after = file_states(matching_files(root, list(names)))
        record_own_files(root, [p for p, state in after.items() if before.get(p) != state])


@contextmanager
def own_writes(
    folder: str | os.PathLike, names: Iterable[str], overwrite: bool = False, advice: str = API_ADVICE
) -> Iterator[None]:
    """Around a writer of the files ``names`` in ``folder``: :func:`check_own_files` first (nothing is
    written when it refuses), and the files it wrote recorded as partita's afterwards, also when it fails
    part-way (what it did write is partita's)."""
    names = list(names)
    before = check_own_files(folder, names, overwrite, advice)
    try:
        yield
    finally:
        record_written(folder, names, before)


def file_states(paths: Iterable[Path]) -> dict[Path, tuple[int, int, int]]:
    """What tells a rewritten file from an untouched one: inode, modification time and size of each regular
    file among ``paths`` (partita writes by atomic rename, so a rewritten file has a new inode)."""
    states = {}
    for p in paths:
        try:
            st = p.lstat()
        except OSError:
            continue
        if p.is_file() and not p.is_symlink():
            states[p] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return states


def _is_own(path: Path, entry: dict | None) -> bool:
    if not isinstance(entry, dict) or path.is_symlink() or not path.is_file():
        return False
    try:
        return path.stat().st_size == entry.get("size") and _sha256(path) == entry.get("sha256")
    except OSError:
        return False


def _entry(path: Path) -> dict:
    return {"size": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
