"""tqdm bars for the library's progress callbacks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tqdm import tqdm

from partita.progress import ProgressCallback


@contextlib.contextmanager
def tqdm_progress(desc: str, unit: str = "it", lazy: bool = False) -> Iterator[ProgressCallback]:
    """A progress callback that drives one tqdm bar on stderr; with ``lazy`` the bar appears at the first
    report (work refused before it starts shows one line, no bar)."""
    import sys

    # Off a terminal (CI logs, pipes) a bar redrawn per item floods the log: redraw every 30 s there.
    interval = 0.1 if sys.stderr.isatty() else 30.0

    def new_bar() -> tqdm:
        return tqdm(desc=desc, unit=unit, dynamic_ncols=True, leave=True, mininterval=interval)

    bar = None if lazy else new_bar()
    started = False

    def update(done: int, total: int, message: str = "") -> None:
        nonlocal started, bar
        if bar is None:
            bar = new_bar()
        if not started:
            # A resumed job starts at done > 0: count that as the bar's start, so the rate and ETA are right.
            started = True
            bar.initial = bar.n = bar.last_print_n = done
        if total and bar.total != total:
            bar.total = total
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()
