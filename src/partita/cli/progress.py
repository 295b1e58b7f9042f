"""tqdm bars for the library's progress callbacks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tqdm import tqdm

from partita.progress import ProgressCallback


@contextlib.contextmanager
def tqdm_progress(desc: str, unit: str = "it") -> Iterator[ProgressCallback]:
    """A progress callback that drives one tqdm bar on stderr."""
    bar = tqdm(desc=desc, unit=unit, dynamic_ncols=True, leave=True)

    def update(done: int, total: int, message: str = "") -> None:
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
