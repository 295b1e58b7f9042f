"""The progress-callback convention of long jobs.

A long function takes ``progress: ProgressCallback | None`` and calls ``progress(done, total, message)``
as it goes (``total`` may be 0 when unknown). The library never prints: the CLI turns these calls into a tqdm
bar (:func:`partita.cli.progress.tqdm_progress`) and the web UI into its own bar.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]


def report(progress: ProgressCallback | None, done: int, total: int, message: str = "") -> None:
    """Call ``progress`` if there is one; a failing callback never breaks the job."""
    if progress is None:
        return
    try:
        progress(done, total, message)
    except Exception:  # a broken progress display must not stop a long job
        pass
