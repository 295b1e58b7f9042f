"""Stopping a training run from a test: a progress callback (or a wrapped ``report``) that does something
(raises KeyboardInterrupt: a Ctrl-C; or sends a signal) as a given step is reported, that step done."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator


def _ctrl_c() -> None:
    raise KeyboardInterrupt


def stop_at(done: int, how=_ctrl_c):
    """A progress callback that calls ``how()`` (a Ctrl-C by default) as step ``done`` is reported."""

    def progress(step, total, message=""):
        if step == done:
            how()

    return progress


def report_then(report, done: int, how=_ctrl_c):
    """A module's ``report`` that reports, then calls ``how()`` at step ``done`` (to patch it in)."""

    def patched(progress, step, total, message=""):
        report(progress, step, total, message)
        if step == done:
            how()

    return patched


@contextlib.contextmanager
def sigterm_guard() -> Iterator[None]:
    """While inside, a SIGTERM that the code under test does not handle fails the test instead of ending
    the whole test session (its default action)."""

    def unhandled(signum, frame):
        raise AssertionError("SIGTERM reached the test: the training run did not handle it")

    previous = signal.signal(signal.SIGTERM, unhandled)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def term_self() -> None:
    """SIGTERM to this process (use inside :func:`sigterm_guard`)."""
    os.kill(os.getpid(), signal.SIGTERM)
