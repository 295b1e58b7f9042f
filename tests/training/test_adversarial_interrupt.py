"""Ctrl-C and SIGTERM in the adversarial masker's training (:func:`adversarial_pretrain`, and
:func:`adapt` with adversarial masking): the state is saved at the step reached (``save_to``: the weights,
``masker.safetensors`` and ``train_state.safetensors`` holding the optimizer, the random streams and the
masker) and ``resume_from=`` goes on to the unbroken run's weights, loss of every step, masker head and mask
book, to the bit; a stop inside a step (after the masker's book was updated) is saved at the step's start,
the masker's step taken back. Before, adversarial_pretrain took no resume_from and saved nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tests.training.stops import sigterm_guard, stop_at, term_self
from tests.training.test_encoder_interrupt import PIECES, Killed, _killed_on_write, _model, _same

from partita.training import adversarial_mask as am
from partita.training.adversarial_mask import (
    MASKER_WEIGHTS,
    AdversarialMaskConfig,
    MaskerState,
    adversarial_pretrain,
    load_masker,
)
from partita.training.culture import AdaptConfig, adapt
from partita.training.encoder import EncoderTrainConfig
from partita.training.interrupt import TrainingInterrupted
from partita.training.train_state import load_train_state

pytestmark = pytest.mark.usefixtures("one_thread")

CONFIG = EncoderTrainConfig(steps=6, batch_size=4, lr=3e-3, warmup=2, seed=1)
ADV = AdversarialMaskConfig(book_after=2, book_rate=0.8)


def _same_masker(a: MaskerState, b: MaskerState) -> None:
    assert (a.step, a.updates, a.digest) == (b.step, b.updates, b.digest)
    assert set(a.head) == set(b.head) and all(torch.equal(a.head[k], b.head[k]) for k in a.head)
    assert len(a.book) == len(b.book) and all(
        np.array_equal(x, y) for x, y in zip(a.book, b.book, strict=True)
    )


def _ctrl_c_after_loss(monkeypatch, nth: int) -> None:
    """A KeyboardInterrupt as the ``nth`` step's loss is done (the masker's book updated and step counted),
    before the weights change."""
    real, calls = am._Adversary.loss, []

    def loss(self, *args):
        out = real(self, *args)
        calls.append(1)
        if len(calls) == nth:
            raise KeyboardInterrupt
        return out

    monkeypatch.setattr(am._Adversary, "loss", loss)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The unbroken adversarial pretraining, saved: its model, losses, masker and record."""
    folder = tmp_path_factory.mktemp("straight")
    model, masker = _model(), MaskerState()
    threads = torch.get_num_threads()  # one thread, as the tests' runs (a module fixture precedes theirs)
    torch.set_num_threads(1)
    try:
        info = adversarial_pretrain(model, PIECES, CONFIG, ADV, masker=masker, save_to=folder)
    finally:
        torch.set_num_threads(threads)
    assert masker.updates > 0 and any((~b).any() for b in masker.book)  # the book moved: a real test
    return model, load_train_state(folder).losses, masker, info


def _resumed(folder):
    model, masker = _model(seed=7), MaskerState()  # other weights, an empty masker: the folder's go in
    info = adversarial_pretrain(model, PIECES, CONFIG, ADV, masker=masker, resume_from=folder)
    return model, masker, info


def _equal_to(straight, folder, model, masker, info) -> None:
    want, losses, want_masker, want_info = straight
    _same(model, want)
    _same_masker(masker, want_masker)
    _same_masker(load_masker(folder), want_masker)
    assert load_train_state(folder).losses == losses
    assert info["final_loss"] == want_info["final_loss"] and info["first_loss"] == want_info["first_loss"]
    assert info["adversarial"]["masker_final"] == want_info["adversarial"]["masker_final"]


def test_ctrl_c_saves_the_step_and_masker_and_resume_from_is_the_unbroken_run(straight, tmp_path):
    with pytest.raises(TrainingInterrupted) as stop:
        adversarial_pretrain(_model(), PIECES, CONFIG, ADV, progress=stop_at(4), save_to=tmp_path)
    assert (stop.value.step, stop.value.total, stop.value.saved) == (4, 6, str(tmp_path))
    state, saved = load_train_state(tmp_path), load_masker(tmp_path)
    assert (state.step, len(state.losses), saved.step) == (4, 4, 4)
    assert state.record["run"] == "adversarial pretrain" and state.record["masker_step"] == 4

    other = AdversarialMaskConfig(book_after=3, book_rate=0.8)
    with pytest.raises(ValueError, match=r"masker's book_after 2 \(not 3\)"):
        adversarial_pretrain(_model(), PIECES, CONFIG, other, resume_from=tmp_path)
    model, masker, info = _resumed(tmp_path)
    assert info["went_on_from"] == 4 and info["steps"] == 6
    _equal_to(straight, tmp_path, model, masker, info)


def test_a_stop_inside_a_step_after_the_book_moved_is_saved_at_its_start(straight, tmp_path, monkeypatch):
    """A KeyboardInterrupt after step 4's masker loss (its book updated, its step counted), before the
    weights change: saved at step 3, the masker's book and counts taken back."""
    with monkeypatch.context() as m:
        _ctrl_c_after_loss(m, 4)
        with pytest.raises(TrainingInterrupted) as stop:
            adversarial_pretrain(_model(), PIECES, CONFIG, ADV, save_to=tmp_path)
    assert stop.value.step == 3 and load_train_state(tmp_path).step == 3 and load_masker(tmp_path).step == 3
    _equal_to(straight, tmp_path, *_resumed(tmp_path))


def test_sigterm_stops_adversarial_pretraining_at_the_end_of_the_step(straight, tmp_path):
    with sigterm_guard(), pytest.raises(TrainingInterrupted) as stop:
        adversarial_pretrain(_model(), PIECES, CONFIG, ADV, save_to=tmp_path, progress=stop_at(3, term_self))
    assert (stop.value.step, stop.value.why) == (3, "SIGTERM")
    assert (tmp_path / MASKER_WEIGHTS).is_file()
    _equal_to(straight, tmp_path, *_resumed(tmp_path))


def test_resume_from_a_train_state_in_memory_takes_the_masker_given(straight):
    from partita.training.train_state import TrainState

    model, masker, state = _model(), MaskerState(), TrainState()
    with pytest.raises(TrainingInterrupted) as stop:
        adversarial_pretrain(model, PIECES, CONFIG, ADV, stop_at(2), masker, resume_from=state)
    assert stop.value.step == 2 and state.step == 2 and masker.step == 2
    info = adversarial_pretrain(model, PIECES, CONFIG, ADV, masker=masker, resume_from=state)
    want, losses, want_masker, want_info = straight
    _same(model, want)
    _same_masker(masker, want_masker)
    assert state.losses == losses and info["final_loss"] == want_info["final_loss"]


@pytest.mark.parametrize("masking", ["random", "adversarial"])
def test_adapt_save_to_and_resume_from_a_folder_is_the_unbroken_run(masking, tmp_path):
    adv = {"book_after": 2, "book_rate": 0.8} if masking == "adversarial" else None
    config = AdaptConfig(steps=6, lr=3e-3, warmup=2, batch_size=4, masking=masking, adversarial=adv)
    data = {"china": PIECES}
    want = _model()
    adapt(want, data, config, save_to=tmp_path / "straight")

    out = tmp_path / "stopped"
    with pytest.raises(TrainingInterrupted) as stop:
        adapt(_model(), data, config, stop_at(4), save_to=out, checkpoint_every=2)
    assert (stop.value.step, stop.value.saved) == (4, str(out)) and load_train_state(out).step == 4
    with pytest.raises(ValueError, match=r"made with lr 0\.003 \(not 0\.01\)"):
        adapt(_model(), data, AdaptConfig(**{**config.to_dict(), "lr": 0.01}), resume_from=out)
    model = _model(seed=7)
    info = adapt(model, data, config, resume_from=out)
    assert info["went_on_from"] == 4 if "went_on_from" in info else info["steps"] == 6
    _same(model, want)
    assert load_train_state(out).losses == load_train_state(tmp_path / "straight").losses
    if masking == "adversarial":
        _same_masker(load_masker(out), load_masker(tmp_path / "straight"))


def test_adapt_adversarial_stop_inside_a_step_is_saved_at_its_start(tmp_path, monkeypatch):
    """Before, adversarial adapt did not set its step back: a stop inside a step saved nothing there."""
    config = AdaptConfig(steps=6, lr=3e-3, warmup=2, batch_size=4, masking="adversarial")
    config.adversarial = {"book_after": 1, "book_rate": 0.9}
    data = {"china": PIECES}
    want = _model()
    adapt(want, data, config, save_to=tmp_path / "straight")
    with monkeypatch.context() as m:
        _ctrl_c_after_loss(m, 5)
        with pytest.raises(TrainingInterrupted) as stop:
            adapt(_model(), data, config, save_to=tmp_path / "stopped")
    assert stop.value.step == 4 and stop.value.saved == str(tmp_path / "stopped")
    model = _model(seed=7)
    adapt(model, data, config, resume_from=tmp_path / "stopped")
    _same(model, want)
    _same_masker(load_masker(tmp_path / "stopped"), load_masker(tmp_path / "straight"))


def test_a_kill_while_a_checkpoint_is_written_leaves_the_previous_one_masker_included(
    straight, tmp_path, monkeypatch
):
    """The checkpoint of step 4 killed after its weights and masker.safetensors, before its state: the
    resumed run takes the weights and the masker of step 2 from the state file."""
    with monkeypatch.context() as m:
        _killed_on_write(m, 2)
        with pytest.raises(Killed):
            adversarial_pretrain(_model(), PIECES, CONFIG, ADV, save_to=tmp_path, checkpoint_every=2)
    assert load_train_state(tmp_path).step == 2 and load_masker(tmp_path).step == 4  # the file: cut short
    _equal_to(straight, tmp_path, *_resumed(tmp_path))
