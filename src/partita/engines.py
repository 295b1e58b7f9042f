"""Where a long map over many items runs: a pool of local processes (``process``, the default) or Ray Data
(``ray``: a local Ray on this machine, or a Ray cluster of many machines).

:func:`map_items` applies a function to every item and yields ``(position, result)`` pairs as results come
in (in no fixed order), so a caller can write them out as it goes (the corpus builder's part files, the
index's pending cache) and resume after an interruption. The result of an item is the same whichever engine
computed it: items and results travel between processes as pickled bytes (in memory only, never written to
disk), so a result comes back exactly as the function returned it.

The function and the items must be importable / picklable by the workers: a function defined at the top of
a module of an installed package (``partita.corpus.pieces.process_item``), or a :func:`functools.partial`
of one. On a cluster every node needs partita installed and the files the items name at the same path (a
shared filesystem); see docs/CORPUS.md.

Ray is an optional dependency (``pip install 'partita[ray]'``); without it ``engine="ray"`` is one clear
error. Ray is connected to ``address`` (or the ``RAY_ADDRESS`` environment variable) when given; otherwise a
local Ray with ``workers`` CPUs is started for the call and shut down after it. A Ray already initialised
by the caller (``ray.init(...)``) is used as it is and left running.

When Ray fails, what happens is the caller's choice (``fallback``): with it, the items Ray did not finish are
mapped on local processes and a warning says so (a local Ray that cannot start, a worker or node lost past
Ray's retries); without it, :class:`EngineError`. A cluster the caller *named* that cannot be reached is
always a ConnectionError, never a quiet local run: a mistyped address should not turn a cluster build into
hours on one machine. :func:`engine_session` applies the same rule to a block that holds one Ray for
several maps.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

ENGINES = ("process", "ray")
"""The engines :func:`map_items` knows: ``process`` (local processes) and ``ray`` (Ray Data)."""
RAY_INSTALL = "pip install 'partita[ray]'"
RAY_ADDRESS_ENV = "RAY_ADDRESS"
BATCH_SIZE = 16
"""Items per task: large enough that scheduling costs little, small enough that results stream back."""
MAX_BLOCKS = 4096
TASK_RETRIES = 2
"""Times Ray runs a task again after its worker died (Ray Data's own default is forever: a file that kills
its reader would be read again and again)."""
CONNECT_SECONDS = 10.0
"""How long a cluster's address may take to answer before the build says it cannot connect."""

T = TypeVar("T")
R = TypeVar("R")


class EngineError(RuntimeError):
    """The engine itself failed (a Ray worker or node died, the cluster went away); not a failure of the
    function on an item, which is the function's to handle."""


def check_engine(engine: str) -> str:
    """``engine`` unchanged, or a ValueError naming the engines there are."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    return engine


def require_ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the data library is a separate extra of ray)
    except ImportError:
        raise ImportError(f"the ray engine needs Ray Data, which is not installed: {RAY_INSTALL}") from None
    return ray


def _check_reachable(address: str) -> None:
    """A ConnectionError at once when nothing answers at ``address`` (Ray itself would keep trying for
    minutes); ``auto`` and addresses without a port are left to Ray."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as e:
        raise ConnectionError(
            f"cannot connect to the Ray cluster at {address!r}: nothing answers there ({e.strerror or e}); "
            "start it with `ray start --head` or check --ray-address / RAY_ADDRESS"
        ) from None


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """A connected Ray for the block: the caller's if already initialised, else the cluster at ``address``
    (or ``$RAY_ADDRESS``; ConnectionError when it cannot be reached), else a new local Ray with ``num_cpus``
    CPUs; one this function started is shut down on leaving the block."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    address = address or os.environ.get(RAY_ADDRESS_ENV) or None
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.ERROR,  # its warnings (token authentication, say) would break a progress bar
    }
    if address:
        log.info("connecting to the Ray cluster at %s", address)
        _check_reachable(address)
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise ConnectionError(
                f"cannot connect to the Ray cluster at {address!r}: {_first_line(e)}"
            ) from None
    else:
        log.info("starting a local Ray with %s CPUs", num_cpus or "all")
        try:
            ray.init(address="local", num_cpus=num_cpus, **options)
        except Exception as e:  # no room for its object store, no /tmp, a port taken, ...
            ray.shutdown()
            raise EngineError(f"a local Ray could not start: {_first_line(e)}") from e
    try:
        yield ray
    finally:
        ray.shutdown()


@contextlib.contextmanager
def engine_session(engine: str, address: str | None = None, workers: int = 1) -> Iterator[str]:
    """The engine the block's maps should use: ``process`` as it is; ``ray`` inside one :func:`ray_session`
    held for the whole block, or ``process`` (with a warning) when a local Ray cannot start. A missing Ray
    is an ImportError and a named cluster that cannot be reached a ConnectionError, as in
    :func:`ray_session`."""
    check_engine(engine)
    with contextlib.ExitStack() as stack:
        if engine == "ray":
            try:
                stack.enter_context(ray_session(address, workers))
            except EngineError as e:
                log.warning("%s; running on local processes instead", e)
                engine = "process"
        yield engine


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


def map_items(
    fn: Callable[[T], R],
    items: Sequence[T],
    engine: str = "process",
    workers: int = 1,
    progress: ProgressCallback | None = None,
    address: str | None = None,
    batch_size: int = BATCH_SIZE,
    fallback: bool = False,
) -> Iterator[tuple[int, R]]:
    """Yield ``(i, fn(items[i]))`` for every item, in the order results come in.

    ``engine``: ``process`` (``workers`` local processes; ``workers <= 1`` runs in this process) or ``ray``
    (Ray Data, ``workers`` tasks at a time; see :func:`ray_session` for which Ray). ``progress`` is called
    with (results so far, items, "") after each result. A failure of the Ray engine raises
    :class:`EngineError` (the results yielded before it are good), or, with ``fallback``, maps the items
    not yet yielded on ``workers`` local processes after a warning. An unknown engine is a ValueError at the
    call, before anything runs.
    """
    check_engine(engine)
    return _map(fn, list(items), engine, workers, progress, address, max(1, int(batch_size)), fallback)


def _map(
    fn: Callable[[T], R],
    items: list[T],
    engine: str,
    workers: int,
    progress: ProgressCallback | None,
    address: str | None,
    batch_size: int,
    fallback: bool = False,
) -> Iterator[tuple[int, R]]:
    if not items:
        return
    if engine == "ray":
        results = _ray_map(fn, items, max(1, workers), address, batch_size)
        if fallback:
            results = _or_local(results, fn, items, workers, batch_size)
    else:
        results = _local_map(fn, items, workers, batch_size)
    for done, pair in enumerate(results, 1):
        report(progress, done, len(items), "")
        yield pair


def _local_map(
    fn: Callable[[T], R], items: list[T], workers: int, batch_size: int
) -> Iterator[tuple[int, R]]:
    if workers <= 1 or len(items) < 2:
        return ((i, fn(item)) for i, item in enumerate(items))
    return _process_map(fn, items, workers, batch_size)


def _or_local(
    results: Iterator[tuple[int, R]], fn: Callable[[T], R], items: list[T], workers: int, batch_size: int
) -> Iterator[tuple[int, R]]:
    """``results`` as they come; when the engine fails, the items they left out, mapped locally."""
    done: set[int] = set()
    try:
        for i, value in results:
            done.add(i)
            yield i, value
    except EngineError as e:
        rest = [i for i in range(len(items)) if i not in done]
        log.warning("%s; mapping the %d items left on local processes", e, len(rest))
        for j, value in _local_map(fn, [items[i] for i in rest], workers, batch_size):
            yield rest[j], value


def _apply_all(fn: Callable[[T], R], chunk: list[tuple[int, T]]) -> list[tuple[int, R]]:
    return [(i, fn(item)) for i, item in chunk]


def _process_map(
    fn: Callable[[T], R], items: list[T], workers: int, batch_size: int
) -> Iterator[tuple[int, R]]:
    """Chunks of items over a process pool, a few chunks per worker in flight at a time."""
    size = max(1, min(batch_size, math.ceil(len(items) / (workers * 4))))
    pairs = list(enumerate(items))
    chunks = [pairs[s : s + size] for s in range(0, len(pairs), size)]
    chunks.reverse()
    running: set[Future] = set()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        try:
            while chunks or running:
                while chunks and len(running) < workers * 2:
                    running.add(pool.submit(_apply_all, fn, chunks.pop()))
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield from future.result()
        finally:
            for future in running:
                future.cancel()


def _outcome(fn: Callable[[T], R], payload: bytes) -> bytes:
    """``fn`` of one pickled item, pickled: ``(True, result)``, or ``(False, exception)`` when it raised (the
    exception is raised again where the results are read, as the process engine does)."""
    try:
        outcome: tuple[bool, Any] = (True, fn(pickle.loads(payload)))
    except Exception as e:
        outcome = (False, e)
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # an exception (or a result) that does not pickle
        return pickle.dumps((False, RuntimeError(f"{type(e).__name__}: {e}")))


def _apply_batch(fn: Callable[[T], R], batch: dict[str, Any]) -> dict[str, Any]:
    """One Ray Data batch: the items' pickled bytes in, the outcomes' pickled bytes out."""
    import numpy as np

    results = [_outcome(fn, b) for b in batch["item"]]
    out = np.empty(len(results), dtype=object)
    out[:] = results
    return {"i": np.asarray(batch["i"], dtype=np.int64), "result": out}


def _tasks(ray, workers: int) -> dict[str, Any]:
    """At most ``workers`` tasks at a time, in the words of the installed Ray (``compute`` since 2.51)."""
    if hasattr(ray.data, "TaskPoolStrategy"):
        return {"compute": ray.data.TaskPoolStrategy(size=workers)}
    return {"concurrency": workers}


def _map_batches(ray, dataset, fn: Callable, batch_size: int, workers: int):
    """``dataset.map_batches`` of :func:`_apply_batch` with at most ``workers`` tasks at a time, each retried
    at most :data:`TASK_RETRIES` times after its worker died (where the installed Ray still takes it)."""
    import functools

    options: dict[str, Any] = {
        "batch_size": batch_size,
        "batch_format": "numpy",
        **_tasks(ray, workers),
    }
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # Ray 2.6x: ray_remote_args (max_retries) deprecated
        try:
            return dataset.map_batches(
                functools.partial(_apply_batch, fn), max_retries=TASK_RETRIES, **options
            )
        except TypeError:  # a Ray that no longer takes remote args: its own retries apply
            log.debug("this Ray takes no max_retries; a task is retried as Ray Data decides")
            return dataset.map_batches(functools.partial(_apply_batch, fn), **options)


def _ray_map(
    fn: Callable[[T], R], items: list[T], workers: int, address: str | None, batch_size: int
) -> Iterator[tuple[int, R]]:
    with ray_session(address, workers) as ray:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.enable_operator_progress_bars = False
        context.enable_auto_log_stats = False
        ray_data_log = logging.getLogger("ray.data")
        level = ray_data_log.level
        ray_data_log.setLevel(logging.ERROR)  # its INFO lines and warnings would break a progress bar
        rows = [
            {"i": i, "item": pickle.dumps(it, protocol=pickle.HIGHEST_PROTOCOL)} for i, it in enumerate(items)
        ]
        # a block a batch, and at least one block a worker (a few items still spread over every worker)
        blocks = min(MAX_BLOCKS, max(math.ceil(len(rows) / batch_size), min(len(rows), workers)))
        dataset = _map_batches(
            ray, ray.data.from_items(rows, override_num_blocks=blocks), fn, batch_size, min(workers, blocks)
        )
        try:
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                for i, payload in zip(batch["i"], batch["result"], strict=True):
                    ok, value = pickle.loads(payload)
                    if not ok:
                        raise value
                    yield int(i), value
        except ray.exceptions.RayError as e:
            raise EngineError(f"the Ray engine failed: {_first_line(e)}") from e
        finally:
            ray_data_log.setLevel(level)
