""":class:`partita.training.interrupt.StopSignals`: the first Ctrl-C or SIGTERM is a request read between
steps, a second Ctrl-C stops at once except while the weights are updated, and the previous handlers come
back; :class:`TrainingInterrupted`'s line says what was saved."""

from __future__ import annotations

import os
import signal

import pytest

from partita.training.interrupt import StopSignals, TrainingInterrupted


def _send(sig: signal.Signals) -> None:
    os.kill(os.getpid(), sig)


def test_the_first_signal_asks_and_a_second_ctrl_c_stops_at_once_but_not_mid_update():
    before = signal.getsignal(signal.SIGINT)
    with StopSignals() as stop:
        _send(signal.SIGTERM)
        assert stop.requested == "SIGTERM"  # no exception: the loop reads it between steps
        with stop.updating():
            _send(signal.SIGINT)  # a second one while the weights change: the update finishes
        with pytest.raises(KeyboardInterrupt):
            _send(signal.SIGINT)
        assert stop.requested == "SIGTERM"
    assert signal.getsignal(signal.SIGINT) is before


def test_the_line_says_what_was_saved_and_how_to_resume():
    saved = TrainingInterrupted(57, 200, "out/enc")
    assert saved.message("partita x --resume") == (
        "stopped at step 57 of 200; state saved; resume with: partita x --resume"
    )
    assert str(saved) == "stopped at step 57 of 200; state saved in out/enc"
    lost = TrainingInterrupted(57, 200, None, during=True, last=50)
    assert lost.message("partita x --resume") == (
        "stopped during step 58 of 200, not saved there; the last checkpoint (step 50) stays; resume with: "
        "partita x --resume"
    )
    assert str(TrainingInterrupted(3, 6)) == "stopped at step 3 of 6; nothing saved"
    assert isinstance(saved, KeyboardInterrupt)  # code that catches Ctrl-C catches it
