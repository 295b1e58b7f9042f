"""Ctrl-C and SIGTERM in the LM trainer (:func:`partita.training.train`): a checkpoint is saved at the step
reached (not only at the last ``checkpoint_interval``) and the run goes on from it, in its folder or from
``resume_from=`` into another, to the unbroken run's weights; a stop inside a step saves its start; a kill
while a checkpoint is written leaves the previous one."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file
from tests.training.stops import sigterm_guard, stop_at, term_self

from partita.training import latest_checkpoint, load_token_data, preset, train
from partita.training import trainer as trainer_mod
from partita.training.interrupt import TrainingInterrupted

pytestmark = pytest.mark.usefixtures("one_thread")

STEPS = 12


def _config(**kw):
    model = {**preset("debug").model, "dropout": 0.1}  # dropout: re-seeded from (seed, step)
    return preset(
        "debug", **{"max_steps": STEPS, "checkpoint_interval": 100, "eval_interval": 100, **kw}, model=model
    )


@pytest.fixture(scope="module")
def data():
    return load_token_data("debug")


@pytest.fixture(scope="module")
def straight(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    train(_config(), out, data=data)
    return load_file(str(out / "model" / "model.safetensors"))


def _same(out, want) -> None:
    got = load_file(str(out / "model" / "model.safetensors"))
    assert got.keys() == want.keys()
    assert all(torch.equal(got[k], want[k]) for k in got), "not the unbroken run's weights"


def test_ctrl_c_saves_the_step_reached_and_the_run_goes_on_exactly(data, straight, tmp_path):
    run = tmp_path / "run"
    with pytest.raises(TrainingInterrupted) as stop:
        train(_config(), run, data=data, progress=stop_at(7))
    assert (stop.value.step, stop.value.total) == (7, STEPS)
    assert latest_checkpoint(run).name == "step-00000007"  # no checkpoint_interval reached: saved at 7
    assert stop.value.saved == str(latest_checkpoint(run))

    fork = train(_config(), tmp_path / "fork", data=data, resume_from=run)  # into another folder
    assert fork.resumed_from == 7 and fork.step == STEPS
    _same(tmp_path / "fork", straight)
    again = train(_config(), run, data=data)  # the same folder: rerunning goes on
    assert again.resumed_from == 7
    _same(run, straight)


def test_sigterm_and_a_stop_inside_a_step(data, straight, tmp_path, monkeypatch):
    term = tmp_path / "term"
    with sigterm_guard(), pytest.raises(TrainingInterrupted) as stop:
        train(_config(), term, data=data, progress=stop_at(5, term_self))
    assert (stop.value.step, stop.value.why) == (5, "SIGTERM")
    assert latest_checkpoint(term).name == "step-00000005"

    inside = tmp_path / "inside"
    real, calls = trainer_mod.random_windows, []

    def windows(*args, **kw):
        calls.append(1)
        if len(calls) == 4:  # the batch of step 4 (0-based 3): the step dropped, 3 saved
            raise KeyboardInterrupt
        return real(*args, **kw)

    with monkeypatch.context() as m:
        m.setattr(trainer_mod, "random_windows", windows)
        with pytest.raises(TrainingInterrupted) as stop:
            train(_config(), inside, data=data)
    assert stop.value.step == 3 and latest_checkpoint(inside).name == "step-00000003"
    for out in (term, inside):
        train(_config(), out, data=data)
        _same(out, straight)


class Killed(BaseException):
    """A kill: nothing after it runs."""


def test_a_kill_while_a_checkpoint_is_written_leaves_the_previous_one(data, straight, tmp_path, monkeypatch):
    real, calls = trainer_mod.save_file, []

    def save_file(tensors, path, metadata=None):
        calls.append(1)
        if len(calls) == 3:  # the weights of the checkpoint at step 8 (4's: weights, optimizer)
            raise Killed
        real(tensors, path, metadata=metadata)

    run = tmp_path / "run"
    with monkeypatch.context() as m:
        m.setattr(trainer_mod, "save_file", save_file)
        with pytest.raises(Killed):
            train(_config(checkpoint_interval=4), run, data=data)
    assert latest_checkpoint(run).name == "step-00000004"
    assert train(_config(checkpoint_interval=4), run, data=data).resumed_from == 4
    _same(run, straight)
