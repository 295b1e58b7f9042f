"""Ctrl-C in DPO (:func:`partita.training.dpo.tune_dpo`): the state at the step reached (weights, optimizer,
pair order, history) goes to the saving function (:func:`partita.training.dpo.dpo_run`, as ``partita tune``
saves), and the run resumed from it, on the base model, ends with the
unbroken run's weights and history, to the bit; a stop inside a step saves its start; other pairs or
another config are refused in one line."""

from __future__ import annotations

import pytest
import torch
from tests.training.stops import stop_at
from tests.training.test_dpo import pairs

from partita.models.pretrained import debug_model
from partita.training import dpo as dpo_mod
from partita.training.dpo import DPOConfig, dpo_run, tune_dpo
from partita.training.interrupt import TrainingInterrupted
from partita.training.train_state import TrainState, load_train_state, save_train_state

pytestmark = pytest.mark.usefixtures("one_thread_module")

CONFIG = DPOConfig(steps=6, batch_size=4, lr=1e-3, warmup=2, sft_weight=0.1)


@pytest.fixture(scope="module")
def straight(one_thread_module):
    """The unbroken run (on one thread, as the resumed runs of the tests: compared to the bit)."""
    model = debug_model(0)
    result = tune_dpo(model, pairs(), CONFIG)
    return model.state_dict(), result["history"]


def _stopped(tmp_path, **kw):
    """A run stopped by ``kw``'s doing, its state saved in ``tmp_path``; the step it stopped at."""
    model, state = debug_model(0), TrainState()
    with pytest.raises(TrainingInterrupted) as stop:
        dpo_run(
            model,
            pairs(),
            CONFIG,
            kw.get("progress"),
            None,
            state,
            lambda: save_train_state(state, tmp_path, model.state_dict()),
        )
    assert load_train_state(tmp_path).step == stop.value.step
    return stop.value.step


def _resumed(tmp_path, config=CONFIG, given=None):
    model = debug_model(0)  # the base: the reference is its; the stopped weights come from the state
    result = tune_dpo(model, given or pairs(), config, resume_from=load_train_state(tmp_path))
    return model.state_dict(), result["history"]


def _same(a, b) -> None:
    (wa, ha), (wb, hb) = a, b
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert ha == hb


def test_ctrl_c_after_a_step_saves_it_and_the_resumed_run_is_the_unbroken_one(straight, tmp_path):
    assert _stopped(tmp_path, progress=stop_at(3)) == 3
    _same(_resumed(tmp_path), straight)


def test_a_stop_inside_a_step_saves_its_start(straight, tmp_path, monkeypatch):
    real, calls = dpo_mod.batch_loss, []

    def batch_loss(*args):
        calls.append(1)
        if len(calls) == 5:  # step 5 (0-based 4), its pairs drawn: dropped, 4 saved
            raise KeyboardInterrupt
        return real(*args)

    with monkeypatch.context() as m:
        m.setattr(dpo_mod, "batch_loss", batch_loss)
        assert _stopped(tmp_path) == 4
    _same(_resumed(tmp_path), straight)


def test_other_pairs_or_config_are_refused(tmp_path):
    _stopped(tmp_path, progress=stop_at(2))
    with pytest.raises(ValueError, match="other preference pairs"):
        _resumed(tmp_path, given=pairs()[:-1])
    with pytest.raises(ValueError, match=r"made with lr 0\.001 \(not 0\.01\)"):
        _resumed(tmp_path, DPOConfig(**{**CONFIG.to_dict(), "lr": 1e-2}))
