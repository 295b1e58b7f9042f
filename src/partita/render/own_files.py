"""Which files in a folder partita wrote itself, so that a rerun may replace its own earlier outputs and never
a person's file that happens to have the same name (``candidate-1.mid``, ``song.musicxml``).

The record is a small manifest in the folder, ``.partita-files.json``, written atomically after partita's
commands write there: each file by its name relative to the folder, with its size and SHA-256. A file is
partita's own while it is listed and unchanged; a file edited since (a candidate opened and saved in an
editor) counts as the person's.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from partita.atomic import atomic_write_text

MANIFEST = ".partita-files.json"


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
