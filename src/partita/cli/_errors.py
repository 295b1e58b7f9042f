"""How the CLI reports a known error: one line (click's ``Error: ...``), never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click


@contextlib.contextmanager
def one_line(*errors: type[BaseException]) -> Iterator[None]:
    """Known errors as one line: ``ValueError`` (a ``ScoreError`` is one) and ``FileNotFoundError``, plus
    ``errors`` (e.g. ``OSError`` where a store or folder may be unreadable)."""
    try:
        yield
    except (ValueError, FileNotFoundError, *errors) as e:
        raise click.ClickException(str(e)) from None
