""":func:`partita.training.dpo.tune_dpo` stops and resumes under the names every trainer takes
(``resume_from``, ``save_to``, ``checkpoint_every``): a run stopped (by Ctrl-C, or by a crash after a
checkpoint) and resumed from its folder ends with the unbroken run's weights and history, to the bit;
the older ``state=`` / ``checkpoint=`` still work, with a DeprecationWarning; ``epochs`` sets the steps
from the pairs."""

from __future__ import annotations

import warnings

import pytest
import torch
from tests.training.stops import stop_at
from tests.training.test_dpo import pairs

from partita.models.pretrained import debug_model
from partita.training import dpo as dpo_mod
from partita.training.dpo import DPOConfig, tune_dpo
from partita.training.interrupt import TrainingInterrupted
from partita.training.train_state import TRAIN_STATE, TrainState, load_train_state, save_train_state

pytestmark = pytest.mark.usefixtures("one_thread_module")

CONFIG = DPOConfig(steps=6, batch_size=4, lr=1e-3, warmup=2, sft_weight=0.1)


@pytest.fixture(scope="module")
def straight(one_thread_module):
    """The unbroken run (on one thread, as the resumed runs of the tests: compared to the bit)."""
    model = debug_model(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plain call (the lead's scripts) warns of nothing
        result = tune_dpo(model, pairs(), CONFIG)
    return model.state_dict(), result["history"]


def _same(model, result, straight) -> None:
    weights, history = straight
    got = model.state_dict()
    assert all(torch.equal(got[k], weights[k]) for k in weights)
    assert result["history"] == history


def test_a_run_stopped_into_save_to_goes_on_from_the_folder(straight, tmp_path):
    with pytest.raises(TrainingInterrupted) as stop:
        tune_dpo(debug_model(0), pairs(), CONFIG, stop_at(3), save_to=tmp_path)
    assert stop.value.step == 3 and stop.value.saved == str(tmp_path)
    assert load_train_state(tmp_path).step == 3 and (tmp_path / "dpo_config.json").is_file()
    model = debug_model(0)  # the base: the reference is its, the stopped weights come from the folder
    result = tune_dpo(model, pairs(), CONFIG, resume_from=tmp_path)
    _same(model, result, straight)
    state = load_train_state(tmp_path)  # saved at the end too, where it was resumed from
    assert state.finished and state.step == 6
    with pytest.raises(ValueError, match="went all its 6 steps"):
        tune_dpo(debug_model(0), pairs(), CONFIG, resume_from=tmp_path)


def test_checkpoint_every_lets_a_crashed_run_go_on(straight, tmp_path, monkeypatch):
    real, calls = dpo_mod.batch_loss, []

    def batch_loss(*args):
        calls.append(1)
        if len(calls) == 6:  # step 6 fails outright (no Ctrl-C: nothing saved then)
            raise RuntimeError("power cut")
        return real(*args)

    with monkeypatch.context() as m:
        m.setattr(dpo_mod, "batch_loss", batch_loss)
        with pytest.raises(RuntimeError):
            tune_dpo(debug_model(0), pairs(), CONFIG, save_to=tmp_path, checkpoint_every=2)
    assert load_train_state(tmp_path).step == 4  # the last checkpoint before the crash
    model = debug_model(0)
    _same(model, tune_dpo(model, pairs(), CONFIG, resume_from=tmp_path), straight)


def test_a_train_state_as_resume_from(straight, tmp_path):
    state, model = TrainState(), debug_model(0)
    with pytest.raises(TrainingInterrupted):
        tune_dpo(model, pairs(), CONFIG, stop_at(2), resume_from=state)
    assert state.step == 2 and state.record["history"]["loss"] and not state.finished
    save_train_state(state, tmp_path, model.state_dict())  # a TrainState goes on with the weights in it
    model = debug_model(0)
    result = tune_dpo(model, pairs(), CONFIG, resume_from=load_train_state(tmp_path))
    _same(model, result, straight)


def test_the_older_names_warn_and_still_work(straight, tmp_path):
    state, model = TrainState(), debug_model(0)
    with pytest.warns(DeprecationWarning) as said, pytest.raises(TrainingInterrupted) as stop:
        tune_dpo(
            model,
            pairs(),
            CONFIG,
            stop_at(3),
            state=state,
            checkpoint=lambda: save_train_state(state, tmp_path, model.state_dict()),
        )
    assert stop.value.saved and (tmp_path / TRAIN_STATE).is_file()
    assert sorted(str(w.message) for w in said) == [
        "tune_dpo(checkpoint=) is now tune_dpo(save_to=)",
        "tune_dpo(state=) is now tune_dpo(resume_from=)",
    ]
    model = debug_model(0)
    with pytest.warns(DeprecationWarning):
        result = tune_dpo(model, pairs(), CONFIG, state=load_train_state(tmp_path))
    _same(model, result, straight)
    with pytest.raises(ValueError, match="give resume_from= only"), pytest.warns(DeprecationWarning):
        tune_dpo(debug_model(0), pairs(), CONFIG, state=TrainState(), resume_from=tmp_path)
    with pytest.raises(ValueError, match="no DPO run to resume"):
        tune_dpo(debug_model(0), pairs(), CONFIG, resume_from=tmp_path / "nothing")


def test_epochs_set_the_steps_from_the_pairs():
    config = DPOConfig(steps=100, batch_size=4, lr=1e-3, warmup=1, epochs=2.0)
    assert config.steps_for(6) == 3 and config.steps_for(7) == 4 and config.steps_for(1) == 1
    assert DPOConfig(steps=7).steps_for(1000) == 7
    result = tune_dpo(debug_model(0), pairs(), config)
    assert result["summary"]["steps"] == 3 and result["summary"]["epochs"] == 2.0
    with pytest.raises(ValueError, match="epochs 0"):
        DPOConfig(epochs=0)
