"""The corpus builder: sources -> work items -> worker processes -> part files -> manifest.

Resumable: finished pieces and rejects are appended to ``parts/`` every few seconds; a rerun reads them back
and skips their items, so a build killed at any point finishes without redoing work or duplicating rows.
A worker process that dies on a file (a crash inside a parser) is replaced, and the items it held are retried
one at a time so that only the guilty file is rejected (reason ``crash``). Reader processes die with the build
that started them, even when it is killed with ``kill -9``.

With ``engine="ray"`` the pieces are read by Ray Data tasks instead (a local Ray or a cluster:
:mod:`partita.engines`); the results go through the same part files, so resuming works the same. Should the
Ray engine itself fail (a worker or node lost past Ray's retries), the pieces not yet read are read by the
local reader processes, which find the guilty file.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import partita
from partita.atomic import atomic_write_text
from partita.corpus.labels import split_region
from partita.corpus.manifest import MANIFEST_SCHEMA, REJECT_SCHEMA, PartStore, table_of, write_table
from partita.corpus.pieces import process_item, reject_result
from partita.corpus.sources import WorkItem, iter_items, load_jsb, resolve_sources
from partita.corpus.splits import assign_splits, jsb_fingerprints
from partita.engines import EngineError, check_engine, map_items
from partita.paths import corpora_dir, shared_data_dir
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

FLUSH_SECONDS = 10.0
FLUSH_ITEMS = 500
ITEM_TIMEOUT = 600.0
"""Seconds one piece may take to read before it is rejected as ``timeout`` (0 or None: no limit)."""


def corpus_dir(name: str, out_dir: str | Path | None = None) -> Path:
    """The folder of corpus ``name``: ``out_dir`` if given, else ``corpora_dir()/name``."""
    if out_dir is not None:
        return Path(out_dir).expanduser()
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid corpus name '{name}': use a plain name such as 'bach', or give --out DIR")
    return corpora_dir() / name


class _Sink:
    """Collects results and writes them to the part store in batches."""

    def __init__(self, store: PartStore, flush_items: int, flush_seconds: float) -> None:
        self.store, self.flush_items, self.flush_seconds = store, flush_items, flush_seconds
        self.pieces: list[dict] = []
        self.rejects: list[dict] = []
        self.last = time.monotonic()
        self.count = 0

    def add(self, result: dict) -> None:
        (self.pieces if result["status"] == "ok" else self.rejects).append(result["record"])
        self.count += 1
        if (
            len(self.pieces) + len(self.rejects) >= self.flush_items
            or time.monotonic() - self.last > self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        if self.pieces or self.rejects:
            self.store.append(self.pieces, self.rejects)
        self.pieces, self.rejects, self.last = [], [], time.monotonic()


def _crash_reject(item: WorkItem, message: str) -> dict:
    return reject_result(item, "crash", message)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_USE_PRCTL = sys.platform.startswith("linux")
PARENT_POLL_SECONDS = 1.0


def _die_with_parent(parent_pid: int) -> None:
    """Initializer of the reader processes: a reader must not outlive the build that started it.

    On Linux the kernel kills the reader (SIGKILL) when its parent dies, even by ``kill -9``
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread checks the parent's pid every second. The kernel
    ties the signal to the thread that started the reader: the pool is made and used by one build thread.
    """
    if _USE_PRCTL:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the build died before the signal was armed
                    os._exit(1)
                return
            log.debug("prctl(PR_SET_PDEATHSIG) failed (errno %d): polling the parent", ctypes.get_errno())
        except (OSError, AttributeError) as e:
            log.debug("prctl unavailable (%s): polling the parent", e)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _reader_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of reader processes that die with this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))


def _run_alone(item: WorkItem, out: str, timeout: float | None) -> dict:
    with _reader_pool(1) as pool:
        try:
            return pool.submit(process_item, item, out, timeout).result()
        except BrokenProcessPool:
            return _crash_reject(item, "the reader process died on this file")


def _run_pool(
    todo: list[WorkItem], out: str, workers: int, sink: _Sink, tick, timeout: float | None = None
) -> None:
    queue = list(reversed(todo))
    window = max(2, workers * 4)
    pool = _reader_pool(workers)
    running: dict[Future, WorkItem] = {}
    try:
        while queue or running:
            while queue and len(running) < window:
                item = queue.pop()
                running[pool.submit(process_item, item, out, timeout)] = item
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken: list[WorkItem] = []
            for fut in done:
                item = running.pop(fut)
                try:
                    sink.add(fut.result())
                    tick(item)
                except BrokenProcessPool:
                    broken.append(item)
            if broken:
                broken.extend(running.values())
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                log.warning("a reader process died; retrying its %d items one at a time", len(broken))
                for item in broken:
                    sink.add(_run_alone(item, out, timeout))
                    tick(item)
                pool = _reader_pool(workers)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _run_ray(
    todo: list[WorkItem],
    out: str,
    workers: int,
    sink: _Sink,
    tick,
    timeout: float | None = None,
    address: str | None = None,
) -> None:
    """Read ``todo`` on Ray Data; what a failure of the engine leaves unread goes to the local pool."""
    read: set[int] = set()
    try:
        fn = functools.partial(process_item, out_dir=out, timeout=timeout)
        for i, result in map_items(fn, todo, "ray", max(1, workers), address=address):
            sink.add(result)
            tick(todo[i])
            read.add(i)
    except EngineError as e:
        rest = [item for i, item in enumerate(todo) if i not in read]
        log.warning("%s; reading the %d pieces left in local processes", e, len(rest))
        _run_pool(rest, out, max(1, workers), sink, tick, timeout)


def build_corpus(
    name: str,
    sources: list[str],
    out_dir: str | Path | None = None,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    flush_items: int = FLUSH_ITEMS,
    flush_seconds: float = FLUSH_SECONDS,
    select: Callable[[WorkItem], bool] | None = None,
    retry_rejects: bool = False,
    item_timeout: float | None = ITEM_TIMEOUT,
    engine: str = "process",
    address: str | None = None,
    require_pieces: bool = False,
) -> dict:
    """Build (or finish building) corpus ``name`` from ``sources``; return the summary also saved as
    corpus.json.

    ``sources`` are ``music21:NAME`` / ``music21:all`` / ``jsb`` / ``pop909`` / folder paths. Pieces finished
    by an earlier, interrupted run of the same folder are not redone. ``workers <= 1`` reads in this process.
    ``select`` keeps only the work items it returns True for (e.g. a sample, or one collection's files).
    ``retry_rejects`` reads the items rejected by earlier runs again (after a fix to a reader, say).
    ``item_timeout`` rejects a piece (reason ``timeout``) that takes longer than that many seconds to read.
    ``engine``: ``process`` (local reader processes) or ``ray`` (Ray Data, ``workers`` tasks at a time, on a
    local Ray or the cluster at ``address`` / ``$RAY_ADDRESS``); the corpus is the same either way.
    Sources with no music files at all raise :class:`EmptyCorpusError` before anything is written; with
    ``require_pieces`` so does a build whose every file was rejected, and a folder it made is removed.
    """
    check_engine(engine)
    t0 = time.monotonic()
    out = corpus_dir(name, out_dir)
    canonical = resolve_sources(list(sources))
    report(progress, 0, 0, "listing sources")
    ignored: dict[str, int] = {}
    items: list[WorkItem] = []
    for src in canonical:
        items.extend(it for it in iter_items(src, ignored) if select is None or select(it))
    if not items:  # before the folder is made: no empty corpus is left behind
        raise EmptyCorpusError(_no_music(canonical, ignored))
    keys = {it.key for it in items}
    if len(keys) != len(items):
        dup = [k for k, c in Counter(it.key for it in items).items() if c > 1]
        raise ValueError(f"duplicate items in the sources (e.g. {dup[0]}): give each source once")

    existed = out.exists()
    was_empty = not existed or (out.is_dir() and not any(out.iterdir()))
    out.mkdir(parents=True, exist_ok=True)
    with _BuildLock(out):
        summary = _build(
            name,
            out,
            canonical,
            items,
            keys,
            ignored,
            workers,
            progress,
            flush_items,
            flush_seconds,
            t0,
            retry_rejects,
            item_timeout,
            engine,
            address,
        )
    if require_pieces and not summary["pieces"]:
        if was_empty:  # the rejects alone are no corpus: remove what this build made
            _remove_made(out, existed)
        reasons = ", ".join(f"{r} {n}" for r, n in summary["rejects_by_reason"].items())
        why = f"{summary['rejects']} files rejected: {reasons}" if reasons else ""
        raise EmptyCorpusError(_no_music(canonical, ignored, why))
    return summary


class EmptyCorpusError(ValueError):
    """A build that found no music in its sources: nothing listed, or (``require_pieces``) every file
    rejected."""


def _no_music(sources: list[str], ignored: dict[str, int], why: str = "") -> str:
    names = ", ".join(s.removeprefix("folder:") for s in sources)
    notes = [why] if why else []
    if ignored:
        notes.append("ignored as not scores: " + ", ".join(f"{k} {v}" for k, v in ignored.items()))
    detail = f" ({'; '.join(notes)})" if notes else ""
    return f"no music found in {names}{detail}: nothing to build"


def _remove_made(out: Path, existed: bool) -> None:
    """Remove the folder ``out`` this build made, or only what it put in ``out`` when that ``existed``."""
    if not existed:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


class _BuildLock:
    """One build per corpus folder at a time; a lock left by a killed build (its process gone) is taken
    over."""

    def __init__(self, out: Path) -> None:
        self.path = out / ".build.lock"

    def __enter__(self) -> _BuildLock:
        if self.path.exists():
            try:
                pid = int(self.path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise ValueError(f"{self.path.parent}: another build (process {pid}) is writing this corpus")
        atomic_write_text(self.path, str(os.getpid()))
        return self

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(out: Path) -> int:
    """Temporary files of atomic writes that a killed build left behind (no build is running now)."""
    n = 0
    for folder in (out / "midi", out / "parts"):
        if folder.is_dir():
            for f in folder.rglob(".*"):
                if f.is_file():
                    f.unlink(missing_ok=True)
                    n += 1
    for f in out.glob(".*.parquet"):
        f.unlink(missing_ok=True)
        n += 1
    return n


def _build(
    name: str,
    out: Path,
    canonical: list[str],
    items: list[WorkItem],
    keys: set[str],
    ignored: dict[str, int],
    workers: int,
    progress: ProgressCallback | None,
    flush_items: int,
    flush_seconds: float,
    t0: float,
    retry_rejects: bool = False,
    item_timeout: float | None = ITEM_TIMEOUT,
    engine: str = "process",
    address: str | None = None,
) -> dict:
    if _remove_stale_temporaries(out):
        log.info("removed temporary files left by an interrupted build")
    store = PartStore(out)
    done_pieces, done_rejects = store.read()
    if retry_rejects:
        done_rejects = {}
    todo = [it for it in items if it.key not in done_pieces and it.key not in done_rejects]
    skipped = len(items) - len(todo)
    log.info("%s: %d items, %d already done, %d to read", name, len(items), skipped, len(todo))
    sink = _Sink(store, flush_items, flush_seconds)
    total = len(items)
    state = {"done": skipped}

    def tick(item: WorkItem) -> None:
        state["done"] += 1
        report(progress, state["done"], total, item.collection)

    report(progress, skipped, total, "reading")
    try:
        if engine == "ray" and todo:
            _run_ray(todo, str(out), workers, sink, tick, item_timeout, address)
        elif workers <= 1 or len(todo) < 2:
            for item in todo:
                sink.add(process_item(item, str(out), item_timeout))
                tick(item)
        else:
            _run_pool(todo, str(out), workers, sink, tick, item_timeout)
    finally:
        sink.flush()

    report(progress, total, total, "writing the manifest")
    summary = _consolidate(out, name, canonical, keys, store)
    summary.update(
        {
            "processed_now": len(todo),
            "skipped_done": skipped,
            "ignored_files": ignored,
            "seconds": round(time.monotonic() - t0, 2),
        }
    )
    atomic_write_text(out / "corpus.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def _jsb_reference() -> dict | None:
    root = shared_data_dir(required=False)
    if root is None or not (root / "jsb" / "Jsb16thSeparated.json").exists():
        return None
    try:
        return jsb_fingerprints(load_jsb())
    except ValueError as e:
        log.warning("JSB matching skipped: %s", e)
        return None


def _consolidate(out: Path, name: str, sources: list[str], keys: set[str], store: PartStore) -> dict:
    parts_pieces, parts_rejects = store.read()
    order = {s: i for i, s in enumerate(sources)}
    rows = sorted(
        (r for k, r in parts_pieces.items() if k in keys),
        key=lambda r: (order.get(r["source"], 0), r["source_key"]),
    )
    rejects = sorted(
        (r for k, r in parts_rejects.items() if k in keys),
        key=lambda r: (order.get(r["source"], 0), r["source_key"]),
    )
    stats = assign_splits(rows, _jsb_reference())
    for r in rows:
        if r.get("region"):  # derived again here, so that a better region parser applies without rereading
            r["country"], r["province"] = split_region(r["region"])[1:]
        # metadata fields of MusicXML files often carry line breaks ("Philippe de Vitry\n(1291 - 1361)")
        for column in ("title", "composer", "parent_title"):
            if isinstance(r.get(column), str):
                r[column] = " ".join(r[column].split()) or None
    meta = {
        "partita.corpus": name,
        "partita.version": partita.__version__,
        "partita.sources": json.dumps(sources),
    }
    write_table(table_of(rows, MANIFEST_SCHEMA), out / "manifest.parquet", meta)
    write_table(table_of(rejects, REJECT_SCHEMA), out / "rejects.parquet", meta)
    store.compact(list(parts_pieces.values()), list(parts_rejects.values()))

    by_source: dict[str, dict] = {}
    for s in sources:
        src_rows = [r for r in rows if r["source"] == s]
        by_source[s] = {
            "pieces": len(src_rows),
            "rejects": sum(1 for r in rejects if r["source"] == s),
            "notes": sum(r["n_notes"] or 0 for r in src_rows),
            "hours": round(sum(_finite(r["duration_s"]) for r in src_rows) / 3600, 3),
        }
    return {
        "name": name,
        "path": str(out.resolve()),
        "partita_version": partita.__version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sources": sources,
        "pieces": len(rows),
        "notes": sum(r["n_notes"] or 0 for r in rows),
        "hours": round(sum(_finite(r["duration_s"]) for r in rows) / 3600, 3),
        "rejects": len(rejects),
        "rejects_by_reason": dict(Counter(r["reason"] for r in rejects).most_common()),
        "splits": dict(Counter(r["split"] for r in rows).most_common()),
        "by_source": by_source,
        **stats,
    }


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return 0.0
    return x if x == x and x not in (float("inf"), float("-inf")) else 0.0
