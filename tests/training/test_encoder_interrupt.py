"""Ctrl-C and SIGTERM in the encoder's library training (:func:`pretrain`, :func:`finetune`): the state is
saved at the step reached (``save_to``) and ``resume_from=`` goes on to the unbroken run's weights and loss
of every step, to the bit, whether the stop came after a step (the progress callback), inside one (a masker
that raises: the random streams set back) or as SIGTERM. A kill while a checkpoint is written leaves the
previous one to resume from, for pretrain and for the CLI's adapt checkpoints (:func:`save_adapted`)."""

from __future__ import annotations

import signal

import numpy as np
import pytest
import torch
from tests.training.stops import sigterm_guard, stop_at, term_self
from tests.training.test_masker_state import _tunes

from partita.models.encoder import MusicEncoder, debug_encoder
from partita.training import train_state as train_state_mod
from partita.training.adversarial_mask import MaskerState, load_masker
from partita.training.culture import AdaptConfig, adapt, load_resume_state
from partita.training.encoder import EncoderTrainConfig, finetune, pretrain, random_mask
from partita.training.interrupt import TrainingInterrupted
from partita.training.train_state import TRAIN_STATE, TrainState, load_train_state

pytestmark = pytest.mark.usefixtures("one_thread")

PIECES = _tunes(8, 0)
LABELS = [np.arange(len(p)) % 2 for p in PIECES]
CONFIG = EncoderTrainConfig(steps=6, batch_size=4, lr=3e-3, warmup=2, transpose=2, seed=1)


def _model(seed: int = 0, kind: str = "pretrain") -> MusicEncoder:
    model = debug_encoder(seed, dropout=0.1, n_layer=1, max_len=16)  # dropout: the global random state
    return model.with_classifier(("a", "b")) if kind == "finetune" else model


def _train(kind: str, model: MusicEncoder, config: EncoderTrainConfig = CONFIG, **kw):
    if kind == "pretrain":
        return pretrain(model, PIECES, config, **kw)
    return finetune(model, PIECES, LABELS, config, **kw)


def _same(a: MusicEncoder, b: MusicEncoder) -> None:
    wa, wb = a.state_dict(), b.state_dict()
    assert set(wa) == set(wb)
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The unbroken runs, saved (their losses are in their states)."""
    out = {}
    for kind in ("pretrain", "finetune"):
        folder = tmp_path_factory.mktemp(kind)
        model = _model(kind=kind)
        _train(kind, model, save_to=folder)
        out[kind] = (model, load_train_state(folder).losses)
    return out


@pytest.mark.parametrize("kind", ["pretrain", "finetune"])
def test_ctrl_c_saves_the_step_reached_and_resume_from_is_the_unbroken_run(kind, straight, tmp_path):
    with pytest.raises(TrainingInterrupted) as stop:
        _train(kind, _model(kind=kind), progress=stop_at(4), save_to=tmp_path)
    assert (stop.value.step, stop.value.total, stop.value.saved) == (4, 6, str(tmp_path))
    assert str(stop.value) == f"stopped at step 4 of 6; state saved in {tmp_path}"
    state = load_train_state(tmp_path)
    assert (state.step, state.total, len(state.losses)) == (4, 6, 4)

    other = EncoderTrainConfig(**{**CONFIG.to_dict(), "lr": 1e-2})
    with pytest.raises(ValueError, match=r"stopped at step 4 of 6 was made with lr 0\.003 \(not 0\.01\)"):
        _train(kind, _model(kind=kind), config=other, resume_from=tmp_path)
    model = _model(seed=7, kind=kind)  # other weights: the folder's are loaded
    info = _train(kind, model, resume_from=tmp_path)
    assert info["went_on_from"] == 4 and info["steps"] == 6
    want, losses = straight[kind]
    _same(model, want)
    assert load_train_state(tmp_path).losses == losses  # saved there again, finished


def test_a_stop_inside_a_step_is_saved_at_its_start(straight, tmp_path):
    """A KeyboardInterrupt in the masker of step 3 (the random streams half drawn): saved at step 2."""
    calls = []

    def masker(tokens, keep, prob, generator):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return random_mask(tokens, keep, prob, generator)

    with pytest.raises(TrainingInterrupted) as stop:
        pretrain(_model(), PIECES, CONFIG, masker=masker, save_to=tmp_path)
    assert stop.value.step == 2 and load_train_state(tmp_path).step == 2
    model = _model(seed=7)
    pretrain(model, PIECES, CONFIG, resume_from=tmp_path)
    _same(model, straight["pretrain"][0])


def test_sigterm_stops_at_the_end_of_the_step_and_saves_it(straight, tmp_path):
    with sigterm_guard():
        guard = signal.getsignal(signal.SIGTERM)
        with pytest.raises(TrainingInterrupted) as stop:
            pretrain(_model(), PIECES, CONFIG, progress=stop_at(3, term_self))
        assert signal.getsignal(signal.SIGTERM) is guard  # the handler given back
    assert (stop.value.step, stop.value.why, stop.value.saved) == (3, "SIGTERM", None)  # no save_to

    with sigterm_guard(), pytest.raises(TrainingInterrupted):
        pretrain(_model(), PIECES, CONFIG, save_to=tmp_path, progress=stop_at(3, term_self))
    model = _model(seed=7)
    pretrain(model, PIECES, CONFIG, resume_from=tmp_path)
    _same(model, straight["pretrain"][0])


class Killed(BaseException):
    """A kill: nothing after it runs (not a KeyboardInterrupt, which saves)."""


def _killed_on_write(monkeypatch, nth: int) -> None:
    """The ``nth`` training state write dies half way: a temporary file cut short, the old file kept."""
    real, count = train_state_mod.save_file, []

    def save_file(tensors, path, metadata=None):
        count.append(1)
        if len(count) == nth:
            with open(path, "wb") as f:
                f.write(b"\0" * 100)
            raise Killed
        real(tensors, path, metadata=metadata)

    monkeypatch.setattr(train_state_mod, "save_file", save_file)


def test_a_kill_while_a_checkpoint_is_written_leaves_the_previous_one(straight, tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        _killed_on_write(m, 2)  # the checkpoint of step 4: its weights written, its state not
        with pytest.raises(Killed):
            pretrain(_model(), PIECES, CONFIG, save_to=tmp_path, checkpoint_every=2)
    assert load_train_state(tmp_path).step == 2
    model = _model(seed=7)
    pretrain(model, PIECES, CONFIG, resume_from=tmp_path)
    _same(model, straight["pretrain"][0])


@pytest.mark.parametrize("masking", ["random", "adversarial"])
def test_a_kill_while_an_adapt_checkpoint_is_written_leaves_the_previous_one(masking, tmp_path, monkeypatch):
    """The CLI's checkpoints (save_adapted: the folder's files, then the state): before, the state left
    from step 2 was refused beside the weights of step 4 ("not of these weights")."""
    adv = {"book_after": 2, "book_rate": 0.8} if masking == "adversarial" else None
    config = AdaptConfig(steps=6, lr=3e-3, warmup=2, batch_size=4, masking=masking, adversarial=adv)
    data = {"china": PIECES}
    fresh = (lambda: MaskerState()) if masking == "adversarial" else (lambda: None)
    want = _model()
    adapt(want, data, config, masker=fresh())

    model, state, masker = _model(), TrainState(), fresh()
    with monkeypatch.context() as m:
        _killed_on_write(m, 2)
        with pytest.raises(Killed):
            adapt(model, data, config, masker=masker, resume_from=state, save_to=tmp_path, checkpoint_every=2)
    again = MusicEncoder.from_pretrained(tmp_path)  # the weights of step 4: the checkpoint cut short
    cut = load_train_state(tmp_path).saved_weights()
    assert any(not torch.equal(v, cut[k]) for k, v in again.state_dict().items())
    masker = load_masker(tmp_path) if masking == "adversarial" else None
    assert masker is None or masker.step == 4
    saved = load_resume_state(tmp_path, again, masker)
    assert saved is not None and saved.step == 2 and (masker is None or masker.step == 2)
    adapt(again, data, config, masker=masker, resume_from=saved)
    _same(again, want)
    assert (tmp_path / TRAIN_STATE).is_file()
