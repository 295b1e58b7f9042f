"""Stopping a training run by Ctrl-C or SIGTERM without losing its work.

:class:`StopSignals` (a context manager, in the main thread only) turns the first SIGINT or SIGTERM into a
request that the training loop reads between two steps: the loop saves its state at the step reached (the
checkpoint of the run: weights, optimizer, random streams) and raises :class:`TrainingInterrupted`, a
``KeyboardInterrupt`` that says where it stopped and what it saved. A second Ctrl-C stops at once (a
``KeyboardInterrupt`` in the middle of a step), except while the optimizer updates the weights
(:meth:`StopSignals.updating`), which is never cut in half. The previous handlers come back on exit.

The LM trainer (:func:`partita.training.trainer.train`), the encoder's loops
(:mod:`partita.training.encoder`, :mod:`partita.training.culture`,
:mod:`partita.training.adversarial_mask`) and DPO
(:func:`partita.training.dpo.tune_dpo`) use it; the CLI prints :class:`TrainingInterrupted` as one line
with the command that resumes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

STOP_SIGNALS = ("SIGINT", "SIGTERM")


def check_same_run(
    step: int,
    total: int,
    saved: Mapping[str, object],
    here: Mapping[str, object],
    of: str = "",
    name: str = "config",
) -> None:
    """A stopped run (``step`` of ``total``) goes on only with its own settings: one-line ValueError naming
    those of ``here`` that ``saved`` (its settings, as recorded) has otherwise (``of``: whose they are, e.g.
    ``"the masker's "``; ``name``: what to give)."""
    differ = [k for k in here if k in saved and saved[k] != here[k]]
    if differ:
        shown = ", ".join(f"{k} {saved[k]!r} (not {here[k]!r})" for k in differ)
        raise ValueError(
            f"the run stopped at step {step} of {total} was made with {of}{shown}: give its own {name} to "
            "go on"
        )


class TrainingInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM after ``step`` of its ``total`` steps. ``saved``: where its state
    at that step was saved (None: nothing saved there). A stop in the middle of a step that could not be
    saved there has ``during`` true, and ``last``: the step of the run's last checkpoint (None: none)."""

    def __init__(
        self,
        step: int,
        total: int,
        saved: str | Path | None = None,
        why: str = "SIGINT",
        during: bool = False,
        last: int | None = None,
    ):
        super().__init__(step, total, saved, why)
        self.step, self.total, self.why, self.during, self.last = int(step), int(total), why, during, last
        self.saved = None if saved is None else str(saved)

    def __str__(self) -> str:
        return self.message()

    def message(self, resume: str | None = None) -> str:
        """One line for the user: where it stopped, what was saved and ``resume``, the command that goes
        on."""
        if self.saved:
            line = f"stopped at step {self.step} of {self.total}; state saved"
            return f"{line}; resume with: {resume}" if resume else f"{line} in {self.saved}"
        if self.during and self.last is not None:
            line = (
                f"stopped during step {self.step + 1} of {self.total}, not saved there; the last checkpoint "
                f"(step {self.last}) stays"
            )
            return f"{line}; resume with: {resume}" if resume else line
        at = f"during step {self.step + 1}" if self.during else f"at step {self.step}"
        return f"stopped {at} of {self.total}; nothing saved"


class StopSignals:
    """The stop requests of a training loop (see the module doc). ``requested``: the name of the first
    signal received (None: none)."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._updating = False
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested is not None and name == "SIGINT" and not self._updating:
            raise KeyboardInterrupt  # a second Ctrl-C: at once
        self.requested = self.requested or name

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                sig = getattr(signal, name)
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @contextlib.contextmanager
    def updating(self) -> Iterator[None]:
        """While the weights change: a second Ctrl-C waits too (the step ends whole)."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False


def warn_renamed(function: str, renames: Sequence[tuple[str, str, Any, Any]]) -> None:
    """The older argument names of a training function still work: for each ``(old, new, old value, new
    value)`` where the old name was given, a DeprecationWarning pointing at the function's caller, and one
    ValueError where the new name was given too (None or 0 count as not given)."""
    for old, new, value, given in renames:
        if value is None:
            continue
        warnings.warn(f"{function}({old}=) is now {function}({new}=)", DeprecationWarning, stacklevel=4)
        if given is not None and not (isinstance(given, int) and given == 0):
            raise ValueError(f"{function}: give {new}= only (not with {old}=, its older name)")
