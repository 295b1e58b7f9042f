"""Limits and safety of the studio: what a request may ask for, how long it may run, where its files live.

- :class:`Limits`: the bounds (upload size, candidates, bars, seconds per request, queue size, concurrency).
- :class:`UserError`: bad input; the page and the API show its message as is, never a traceback.
- :func:`read_upload`: a file a client uploaded, read by its content (:func:`partita.score.sniff_format`),
  never by its name, and only from Gradio's own upload folder: no path a client sends reaches the filesystem.
- :class:`Deadline`: a per-request time limit for generation. Gradio's ``time_limit=`` bounds only streaming
  events, so the limit is enforced inside the model: a forward pre-hook raises once the request's time is up,
  which stops sampling between two tokens.
- :class:`WorkDir`: one temporary folder per app, one sub-folder per request, pruned as it goes and removed
  when the app closes.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from partita.score import MAX_FILE_BYTES, Score, ScoreError, check_score, read_score, sniff_format

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """The bounds one studio enforces; every field is also shown on the page and in docs/STUDIO.md."""

    max_upload_bytes: int = MAX_FILE_BYTES
    """Uploads above this are refused by Gradio (``max_file_size``) and again when read."""
    max_candidates: int = 4
    max_bars: int = 32
    request_seconds: float = 120.0
    """Generation stops with a clear message after this long (checked between two sampled tokens)."""
    analysis_seconds: float = 60.0
    """Reading and analysing an upload: the request is answered with a message after this long."""
    queue_size: int = 64
    """Requests waiting beyond this are refused at once ("queue is full") instead of piling up."""
    generate_concurrency: int = 1
    """Generations that run at the same time (the rest wait in the queue, in order)."""
    analysis_concurrency: int = 2
    keep_seconds: float = 3600.0
    """A request's files are deleted from the work folder (and Gradio's cache) after this long."""

    def __post_init__(self) -> None:
        for name in (
            "max_upload_bytes",
            "max_candidates",
            "max_bars",
            "queue_size",
            "generate_concurrency",
            "analysis_concurrency",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"Limits.{name} must be at least 1, got {getattr(self, name)}")
        if self.max_candidates > 16:
            raise ValueError("Limits.max_candidates: partita generates at most 16 candidates at once")
        for name in ("request_seconds", "analysis_seconds", "keep_seconds"):
            if float(getattr(self, name)) <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)}")


class UserError(ValueError):
    """A request the studio refuses; its message is meant for the person who sent it."""


class RequestTimeout(UserError):
    """A request that ran past its time limit."""


def upload_roots() -> list[Path]:
    """The folders an uploaded file may live in: Gradio's upload folder (``GRADIO_TEMP_DIR``) only."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    from gradio.utils import get_upload_folder

    return [Path(get_upload_folder()).resolve()]


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def read_upload(
    path: str | os.PathLike | None, limits: Limits, roots: list[Path] | None = None
) -> tuple[Score, str]:
    """Read an uploaded score file and return ``(score, format)``; :class:`UserError` names any problem.

    ``roots`` are the folders uploads may come from (default: Gradio's upload folder); a path elsewhere is
    refused before anything is opened, so a client cannot make the server read a file of its choosing.
    """
    if path is None or str(path).strip() == "":
        raise UserError("no file was uploaded: choose a MIDI, MusicXML or ABC file")
    p = Path(path).resolve()
    allowed = upload_roots() if roots is None else [Path(r).resolve() for r in roots]
    if not _inside(p, allowed):
        log.warning("refused a path outside the upload folder: %s", p)
        raise UserError("that file was not uploaded to this server; upload the file itself")
    name = p.name
    if not p.is_file():
        raise UserError(f"{name}: the upload is missing (it may have expired); upload it again")
    size = p.stat().st_size
    if size == 0:
        raise UserError(f"{name}: the file is empty (0 bytes)")
    if size > limits.max_upload_bytes:
        raise UserError(
            f"{name}: the file is {size / 2**20:.1f} MiB, over the {limits.max_upload_bytes / 2**20:.0f} "
            "MiB limit"
        )
    with open(p, "rb") as f:
        head = f.read(65536)
    fmt = sniff_format(head)
    if fmt is None:
        raise UserError(f"{name}: not a score file: its content is neither MIDI, MusicXML, ABC nor Humdrum")
    try:
        score = read_score(p, max_bytes=limits.max_upload_bytes)
        check_score(score, name=name)
    except ScoreError as e:
        # the message names Gradio's temporary path; the person knows the file by its own name
        raise UserError(str(e).replace(str(p), name)) from None
    return score, fmt


class Deadline:
    """A per-thread time limit on a model's forward passes (one hook, any number of concurrent requests).

    ``with deadline.limit(seconds): generate(...)`` makes the model raise :class:`RequestTimeout` at its next
    forward pass once ``seconds`` have passed; other threads' requests keep their own limits.
    """

    def __init__(self, model) -> None:
        self._local = threading.local()
        self._handle = (
            model.register_forward_pre_hook(self._check)
            if hasattr(model, "register_forward_pre_hook")
            else None
        )

    def _check(self, module, args) -> None:
        end = getattr(self._local, "end", None)
        if end is not None and time.monotonic() > end:
            raise RequestTimeout(
                f"generation took longer than the {self._local.seconds:g} s limit of this server; "
                "ask for fewer bars or fewer candidates"
            )

    def limit(self, seconds: float) -> _Limit:
        return _Limit(self, seconds)

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


class _Limit:
    def __init__(self, deadline: Deadline, seconds: float) -> None:
        self.deadline, self.seconds = deadline, float(seconds)

    def __enter__(self) -> None:
        local = self.deadline._local
        local.end, local.seconds = time.monotonic() + self.seconds, self.seconds

    def __exit__(self, *exc) -> None:
        self.deadline._local.end = None


class WorkDir:
    """The app's temporary folder: ``new()`` gives each request a fresh sub-folder; ``close()`` removes
    all."""

    def __init__(self, keep_seconds: float, parent: str | os.PathLike | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="partita-studio-", dir=parent))
        self.keep_seconds = float(keep_seconds)
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def new(self, kind: str) -> Path:
        """A new empty folder for one request; folders older than ``keep_seconds`` are deleted first."""
        self.prune()
        return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.path))

    def prune(self, now: float | None = None) -> int:
        """Delete request folders older than ``keep_seconds``; return how many were deleted."""
        now = time.time() if now is None else now
        removed = 0
        for d in self.path.iterdir() if self.path.is_dir() else []:
            try:
                if now - d.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(d, ignore_errors=True)
                    removed += 1
            except FileNotFoundError:  # another request pruned it first
                continue
        return removed

    def close(self) -> None:
        """Remove the folder and everything in it."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive
