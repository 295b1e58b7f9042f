"""Limits and safety of the studio: what a request may ask for, how long it may run, where its files live.

- :class:`Limits`: the bounds (upload size, candidates, bars, seconds per request, queue size, concurrency).
- :class:`UserError`: bad input; the page and the API show its message as is, never a traceback.
- :func:`read_upload`: a file a client uploaded, read by its content (:func:`partita.score.sniff_format`),
  never by its name, and only from Gradio's own upload folder: no path a client sends reaches the filesystem.
  A recording (WAV, FLAC, MP3, Ogg, ...: :func:`partita.audio.sniff_audio`) is transcribed by
  :func:`read_music_upload` within the studio's bounds: polyphonic for a piece, one clean line for a melody.
- :class:`Deadline`: a per-request time limit for generation. Gradio's ``time_limit=`` bounds only streaming
  events, so the limit is enforced inside the model: a forward pre-hook raises once the request's time is up,
  which stops sampling between two tokens.
- :class:`WorkDir`: one temporary folder per app, one sub-folder per request, pruned as it goes (by age, and
  by a cap on the total size and count of the app's temporary files, the oldest first, never what a waiting
  or running request names) and removed when the app closes; :func:`watch_gradio` counts Gradio's own files
  (uploads, copies of outputs) against the same cap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partita.progress import ProgressCallback
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
    max_audio_seconds: float = 120.0
    """An uploaded or recorded audio file longer than this is refused before it is decoded (transcribing
    takes about 3 s a minute of audio on 2 cores)."""
    queue_size: int = 64
    """Requests waiting beyond this are refused at once ("queue is full") instead of piling up."""
    generate_concurrency: int = 1
    """Generations that run at the same time (the rest wait in the queue, in order)."""
    analysis_concurrency: int = 2
    keep_seconds: float = 3600.0
    """A request's files are deleted from the work folder (and Gradio's cache) after this long."""
    max_temp_bytes: int = 256 * 2**20
    """The studio's temporary files (request folders, uploads) hold at most this many bytes: the oldest
    are deleted first."""
    max_temp_files: int = 2000
    """... and at most this many files."""
    min_keep_seconds: float = 30.0
    """The caps never delete what was written less than this long ago (an answer whose files its client is
    still fetching), nor what a waiting or running request names."""
    max_sessions: int = 64
    """Gradio keeps each session's state for this many sessions, the least recently used dropped first (a
    client whose state was dropped is told "generate candidates first"). A kept session costs about 0.7 MiB
    of resident memory under the studio's mixed requests (scripts/session-cap.py, 320 requests, 2026-12-06:
    over the warmed-up server, +90 MiB with 32 kept, +137 with 64, +257 and +299 with 256; no effect on
    latency seen); Gradio's default of 10,000 would be gigabytes."""

    def __post_init__(self) -> None:
        for name in (
            "max_upload_bytes",
            "max_candidates",
            "max_bars",
            "queue_size",
            "generate_concurrency",
            "analysis_concurrency",
            "max_temp_bytes",
            "max_temp_files",
            "max_sessions",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"Limits.{name} must be at least 1, got {getattr(self, name)}")
        if self.max_candidates > 16:
            raise ValueError("Limits.max_candidates: partita generates at most 16 candidates at once")
        for name in (
            "request_seconds",
            "analysis_seconds",
            "max_audio_seconds",
            "keep_seconds",
            "min_keep_seconds",
        ):
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


def checked_upload(
    path: str | os.PathLike | None, limits: Limits, what: str, roots: list[Path] | None = None
) -> Path:
    """The resolved path of an uploaded file that exists, is not empty and is under the size limit;
    :class:`UserError` names any problem (``what``: "a MIDI, MusicXML or ABC file", "a JPEG, PNG or WebP
    image").

    ``roots`` are the folders uploads may come from (default: Gradio's upload folder); a path elsewhere is
    refused before anything is opened, so a client cannot make the server read a file of its choosing.
    """
    if path is None or str(path).strip() == "":
        raise UserError(f"no file was uploaded: choose {what}")
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
    return p


UPLOAD_WHAT = "a MIDI, MusicXML or ABC file, or a recording (WAV, FLAC, MP3, Ogg)"
"""What the studio's piece uploads take, for the labels and messages."""


@dataclass
class Upload:
    """An uploaded piece as read: the score, its ``format`` (``midi``, ``musicxml``, ``abc``, ``humdrum``,
    or for a recording its container: ``wav``, ``flac``, ``mp3``, ``ogg``, ...) and, for a recording, the
    line that says how it was transcribed (empty for a score file)."""

    score: Score
    format: str
    transcribed: str = ""


def read_upload(
    path: str | os.PathLike | None, limits: Limits, roots: list[Path] | None = None
) -> tuple[Score, str]:
    """Read an uploaded score file or recording and return ``(score, format)``; :class:`UserError` names any
    problem (see :func:`checked_upload` for where uploads may come from, :func:`read_music_upload` for
    audio)."""
    upload = read_music_upload(path, limits, roots)
    return upload.score, upload.format


def read_music_upload(
    path: str | os.PathLike | None,
    limits: Limits,
    roots: list[Path] | None = None,
    *,
    melody: bool = False,
    progress: ProgressCallback | None = None,
) -> Upload:
    """Read an uploaded piece by its content: a score file (MIDI, MusicXML, ABC, Humdrum) as written, a
    recording transcribed (:func:`partita.audio.transcribe_audio`: every note heard; with ``melody``, a
    hummed, sung or played tune as one clean line, quantised and in key, as ``partita accompany`` and
    ``--theme`` hear it).

    A recording is held to ``limits.max_audio_seconds`` (read from its header, before it is decoded) and
    ``limits.max_upload_bytes``; silence, noise, a corrupt file or a sample rate below 4 kHz is one
    :class:`UserError` naming the file. The caller bounds the time
    (:meth:`partita.web.studio.Studio.bounded`).
    """
    p = checked_upload(path, limits, UPLOAD_WHAT, roots)
    name = p.name
    with open(p, "rb") as f:
        head = f.read(65536)
    fmt = sniff_format(head)
    if fmt is None:
        from partita.audio import sniff_audio

        kind = sniff_audio(head)
        if kind is None:
            raise UserError(
                f"{name}: not a score file or a recording: its content is neither MIDI, MusicXML, ABC, "
                "Humdrum nor audio (WAV, FLAC, MP3, Ogg)"
            )
        try:
            return _transcribed(p, kind, limits, melody, progress)
        except ScoreError as e:
            raise UserError(str(e).replace(str(p), name)) from None
    try:
        score = read_score(p, max_bytes=limits.max_upload_bytes)
        check_score(score, name=name)
    except ScoreError as e:
        # the message names Gradio's temporary path; the person knows the file by its own name
        raise UserError(str(e).replace(str(p), name)) from None
    return Upload(score, fmt)


NOISE_MESSAGE = "the audio sounds like noise"
"""How :func:`partita.audio.transcribe_audio` begins its remark on a noise-like signal."""


def _transcribed(
    p: Path, kind: str, limits: Limits, melody: bool, progress: ProgressCallback | None
) -> Upload:
    """Transcribe a recording (ScoreError for any problem, named by ``p``)."""
    from partita.audio import AudioLimits, read_audio, read_hummed_melody, transcribe_audio

    bounds = AudioLimits(
        max_seconds=limits.max_audio_seconds,
        max_bytes=limits.max_upload_bytes,
        timeout=limits.analysis_seconds,
    )
    clip = read_audio(p, limits=bounds)
    seconds, what = clip.seconds, f"{clip.seconds:.1f} s of {kind.upper()} audio"
    if melody:
        # a hummed theme, as partita accompany reads it (generation sits below the studio)
        from partita.generation.hummed import snap_to_key

        hummed = read_hummed_melody(clip, progress=progress)
        _refuse_noise(hummed.messages, p)
        score, snap = snap_to_key(hummed.score)
        tempo = score.tempos[0].qpm if len(score.tempos) else hummed.transcription.tempo
        line = (
            f"transcribed from {what} as one melody: {len(hummed.line)} notes at {tempo:.0f} beats a minute"
        )
        if snap.key:
            line += f", in {snap.key}" + (
                f" ({snap.snapped} notes moved onto its scale)" if snap.snapped else ""
            )
        remarks = hummed.messages
    else:
        tr = transcribe_audio(clip, progress=progress)
        if not tr.notes:
            why = "; ".join(m for m in tr.messages if not m.startswith("too few notes")) or "no notes found"
            raise ScoreError(f"no notes were heard in the recording ({why})", "no-notes", str(p))
        _refuse_noise(tr.messages, p)
        score = tr.score
        line = f"transcribed from {what}: {len(tr.notes)} notes at {tr.tempo:.0f} beats a minute" + (
            " (estimated)" if tr.tempo_estimated and tr.beats.size else ""
        )
        remarks = tr.messages
    check_score(score, name=str(p))
    log.info("%s: %s (%.1f s of audio)", p.name, line, seconds)
    return Upload(score, kind, "; ".join([line, *remarks]))


def _refuse_noise(messages: list[str], p: Path) -> None:
    for message in messages:
        if message.startswith(NOISE_MESSAGE):
            measure = message.removeprefix(NOISE_MESSAGE).split(":")[0].strip()  # "(spectral flatness 0.9)"
            raise ScoreError(
                f"the recording sounds like noise, not music {measure}; upload or record the music itself",
                "not-music",
                str(p),
            )


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


@dataclass(frozen=True)
class TempEntry:
    """One unit of the studio's temporary files: a request's folder, or one file Gradio keeps (an upload, a
    cached copy of an output)."""

    path: Path
    bytes: int
    files: int
    mtime: float
    """When it was last written (seconds since the epoch); the oldest go first."""


def plan_prune(
    entries: Iterable[TempEntry],
    *,
    keep_seconds: float,
    max_bytes: int | None = None,
    max_files: int | None = None,
    min_seconds: float = 0.0,
    protected: Callable[[TempEntry], bool] = lambda entry: False,
    now: float | None = None,
) -> list[TempEntry]:
    """The entries to delete: every one older than ``keep_seconds``, then the oldest first until the rest
    hold at most ``max_bytes`` and ``max_files``.

    An entry for which ``protected`` is true (a file of a request still waiting or running) is never chosen,
    nor, by the caps, one written less than ``min_seconds`` ago (an answer whose files its client is still
    fetching): the caps can be passed only by what is that young or in use.
    """
    now = time.time() if now is None else now
    chosen: list[TempEntry] = []
    kept: list[TempEntry] = []
    for entry in sorted(entries, key=lambda e: (e.mtime, str(e.path))):
        if now - entry.mtime > keep_seconds and not protected(entry):
            chosen.append(entry)
        else:
            kept.append(entry)
    size, count = sum(e.bytes for e in kept), sum(e.files for e in kept)
    for entry in kept:  # oldest first
        if (max_bytes is None or size <= max_bytes) and (max_files is None or count <= max_files):
            break
        if now - entry.mtime < min_seconds or protected(entry):
            continue
        chosen.append(entry)
        size, count = size - entry.bytes, count - entry.files
    return chosen


def _folder_entry(path: Path) -> TempEntry | None:
    """A request folder, aged by its own time (files are moved into it, atomically, as they are made)."""
    size = files = 0
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:  # pruned meanwhile
        return None
    for folder, _, names in os.walk(path):  # what disappears while walked is passed over
        for name in names:
            try:
                size, files = size + os.lstat(os.path.join(folder, name)).st_size, files + 1
            except FileNotFoundError:
                continue
    return TempEntry(path, size, max(files, 1), mtime)


def _file_entry(path: Path) -> TempEntry | None:
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not path.is_file():
        return None
    return TempEntry(path, st.st_size, 1, st.st_mtime)  # Gradio touches a cached copy it hands out again


def _current_event() -> str | None:
    """The Gradio event whose handler is running in this thread, if any (nothing is imported for it)."""
    context = sys.modules.get("gradio.context")
    return context.LocalContext.event_id.get(None) if context is not None else None


class WorkDir:
    """The app's temporary files: ``new()`` gives each request a fresh sub-folder; ``prune()`` bounds them;
    ``close()`` removes all.

    Bounded by age (``keep_seconds``) and by their total size and count (``max_bytes``, ``max_files``, the
    oldest deleted first), counting the other files the app keeps when told of them (:func:`watch_gradio`:
    Gradio's uploads and copies of outputs). What a request still waiting or running names, and what was
    written less than ``min_seconds`` ago, is never deleted by the caps.
    """

    def __init__(
        self,
        keep_seconds: float,
        parent: str | os.PathLike | None = None,
        *,
        max_bytes: int | None = None,
        max_files: int | None = None,
        min_seconds: float = 0.0,
    ) -> None:
        if parent is not None:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix="partita-studio-", dir=parent))
        self.keep_seconds = float(keep_seconds)
        self.max_bytes, self.max_files, self.min_seconds = max_bytes, max_files, float(min_seconds)
        self.others: Callable[[], Iterable[str]] = list
        """The app's other temporary files (paths), counted against the caps and pruned with them."""
        self.forget: Callable[[set[str]], None] = lambda paths: None
        """Told the paths of deleted files, so that whoever listed them stops listing them."""
        self.pending: Callable[[], tuple[set[str], set[str]]] = lambda: (set(), set())
        """The ids of the requests waiting or running and the paths their inputs name."""
        self.deleted = 0
        """Entries deleted so far (by age or by the caps)."""
        self._events: dict[str, str] = {}  # request folder name -> the Gradio event it was made in
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._finalizer = weakref.finalize(self, _close, self._stop, str(self.path))

    def new(self, kind: str) -> Path:
        """A new empty folder for one request; older files are pruned first (:meth:`prune`)."""
        self.prune()
        folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.path))
        event = _current_event()
        if event is not None:
            with self._lock:
                self._events[folder.name] = event
        return folder

    def entries(self) -> list[TempEntry]:
        """The request folders and the other files, each with its size and age."""
        out = []
        for d in sorted(self.path.iterdir()) if self.path.is_dir() else []:
            entry = _folder_entry(d) if d.is_dir() else _file_entry(d)
            if entry is not None:
                out.append(entry)
        mine = str(self.path) + os.sep
        for name in sorted(set(self.others())):
            if not name.startswith(mine) and (entry := _file_entry(Path(name))) is not None:
                out.append(entry)
        return out

    def usage(self) -> tuple[int, int]:
        """``(bytes, files)`` of everything :meth:`entries` lists."""
        entries = self.entries()
        return sum(e.bytes for e in entries), sum(e.files for e in entries)

    def prune(self, now: float | None = None) -> int:
        """Delete what is older than ``keep_seconds``, then the oldest until within the caps; return how
        many entries were deleted."""
        with self._lock:
            events, names = self.pending()
            busy = {name for name, event in self._events.items() if event in events}

            def protected(entry: TempEntry) -> bool:
                return entry.path.name in busy if entry.path.parent == self.path else str(entry.path) in names

            doomed = plan_prune(
                self.entries(),
                keep_seconds=self.keep_seconds,
                max_bytes=self.max_bytes,
                max_files=self.max_files,
                min_seconds=self.min_seconds,
                protected=protected,
                now=now,
            )
            gone: set[str] = set()
            for entry in doomed:
                gone |= _delete(entry.path, self.path)
                self._events.pop(entry.path.name, None)
            if gone:
                self.forget(gone)
            self.deleted += len(doomed)
            return len(doomed)

    def start(self, every: float) -> None:
        """Prune every ``every`` seconds in a background thread (files also arrive between requests: uploads,
        Gradio's copies of answers) until :meth:`close`."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.prune()
                except Exception:  # a failed round must not end the pruning
                    log.exception("pruning the studio's temporary files failed")

        threading.Thread(target=loop, name="partita-studio-prune", daemon=True).start()

    def close(self) -> None:
        """Stop pruning and remove the folder and everything in it."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def _close(stop: threading.Event, path: str) -> None:
    stop.set()
    shutil.rmtree(path, ignore_errors=True)


def _delete(path: Path, work: Path) -> set[str]:
    """Delete a request folder or one file (and its folder, when Gradio's hashed folder is left empty);
    return the paths of the files deleted."""
    if path.is_dir():
        names = {os.path.join(folder, name) for folder, _, files in os.walk(path) for name in files}
        shutil.rmtree(path, ignore_errors=True)
        return names
    path.unlink(missing_ok=True)
    if path.parent != work:
        with contextlib.suppress(OSError):  # not empty: another file shares it
            path.parent.rmdir()
    return {str(path)}


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _strings(v, out)


def watch_gradio(work: WorkDir, app: Any, every: float = 10.0) -> None:
    """Count the files a Gradio app keeps (uploads, copies of outputs: its ``temp_file_sets``; the empty file
    its upload parser leaves behind for each upload) against ``work``'s caps, protect those that requests
    waiting or running name, and prune every ``every`` seconds."""

    folder = getattr(app, "GRADIO_CACHE", None)

    def strays() -> list[str]:
        """The empty ``tmpXXXXXXXX`` file Gradio's upload parser leaves in its folder for each upload."""
        out = []
        with contextlib.suppress(OSError):
            for e in os.scandir(folder) if folder else []:
                empty = e.is_file(follow_symlinks=False) and e.stat(follow_symlinks=False).st_size == 0
                if e.name.startswith("tmp") and empty:
                    out.append(e.path)
        return out

    def others() -> list[str]:
        for _ in range(5):  # the sets may change while being read (another thread adds a file)
            try:
                return [name for files in list(app.temp_file_sets) for name in list(files)] + strays()
            except RuntimeError:
                continue
        return strays()

    def forget(paths: set[str]) -> None:
        for files in list(app.temp_file_sets):
            files.difference_update(paths)

    def pending() -> tuple[set[str], set[str]]:
        queue = getattr(app, "_queue", None)
        events = list(getattr(queue, "event_ids_to_events", {}).items())
        names: set[str] = set()
        for _, event in events:
            _strings(getattr(getattr(event, "data", None), "data", None), names)
        return {event_id for event_id, _ in events}, names

    work.others, work.forget, work.pending = others, forget, pending
    work.start(every)
