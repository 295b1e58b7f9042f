"""Exact resume of the encoder's training (:func:`partita.training.culture.adapt` with a
:class:`partita.training.train_state.TrainState`): N steps straight and N/2 steps, saved to a folder, loaded
back and N/2 more give the same weights to the bit and the same loss of every step, with random and with
adversarial masking; a finished run continued on a constant rate is the longer run. The optimizer's moments
and the random states round-trip through train_state.safetensors; a state of other weights, another model
or a corrupt file is refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tests.training.test_masker_state import _tunes

from partita.models.encoder import MusicEncoder, debug_encoder
from partita.training.adversarial_mask import MaskerState, load_masker
from partita.training.culture import AdaptConfig, adapt, load_adapt_config, load_resume_state, save_adapted
from partita.training.train_state import (
    TRAIN_STATE,
    TrainState,
    load_optimizer_state,
    load_train_state,
    optimizer_tensors,
    restore_rng,
    rng_tensors,
    save_train_state,
)

pytestmark = pytest.mark.usefixtures("one_thread")

DATA = {"china": _tunes(8, 0), "western": _tunes(6, 1)}
ADV = {"book_after": 2, "book_rate": 0.8}


def _config(masking: str, steps: int = 8, schedule: str = "rewarm") -> AdaptConfig:
    return AdaptConfig(
        steps=steps,
        lr=3e-3,
        warmup=2,
        batch_size=6,
        schedule=schedule,
        masking=masking,
        adversarial=dict(ADV) if masking == "adversarial" else None,
    )


def _weights(model: MusicEncoder) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _straight(masking: str, steps: int = 8, schedule: str = "rewarm"):
    model, state = debug_encoder(0), TrainState()
    masker = MaskerState() if masking == "adversarial" else None
    info = adapt(model, DATA, _config(masking, steps, schedule), masker=masker, resume_from=state)
    return model, state, masker, info


def _same(a: MusicEncoder, b: MusicEncoder) -> None:
    wa, wb = a.state_dict(), b.state_dict()
    assert set(wa) == set(wb)
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


@pytest.mark.parametrize("masking", ["random", "adversarial"])
def test_stopped_at_half_saved_and_resumed_is_the_unbroken_run(masking, tmp_path):
    model, state, masker, info = _straight(masking)
    assert state.step == state.total == 8 and len(state.losses) == 8

    first = debug_encoder(0)
    half, half_masker = TrainState(), MaskerState() if masking == "adversarial" else None
    config = _config(masking)
    run = {"resume_from": half, "save_to": tmp_path / "run", "stop_after": 4}
    stopped = adapt(first, DATA, config, masker=half_masker, **run)
    assert stopped["steps"] == 4 and not half.finished
    assert half.losses == state.losses[:4]  # the same first half

    # a new process: everything from the folder
    resumed = MusicEncoder.from_pretrained(tmp_path / "run")
    saved_masker = load_masker(tmp_path / "run") if masking == "adversarial" else None
    saved_state = load_resume_state(tmp_path / "run", resumed, saved_masker)
    assert saved_state is not None and (saved_state.step, saved_state.total) == (4, 8)
    torch.manual_seed(123)  # whatever the process did before: the saved streams are restored
    np.random.seed(7)
    rest = adapt(
        resumed, DATA, load_adapt_config(tmp_path / "run"), masker=saved_masker, resume_from=saved_state
    )
    _same(resumed, model)
    assert saved_state.losses == state.losses  # the loss curve, step by step
    assert (rest["steps"], rest["first_loss"], rest["final_loss"]) == (
        8,
        info["first_loss"],
        info["final_loss"],
    )
    for k in state.optimizer:
        assert torch.equal(saved_state.optimizer[k], state.optimizer[k]), k
    if masking == "adversarial":
        assert saved_masker.step == masker.step == 8
        assert all(np.array_equal(a, b) for a, b in zip(saved_masker.book, masker.book, strict=True))
        assert rest["adversarial"]["masker_final"] == info["adversarial"]["masker_final"]


def test_a_finished_run_goes_on_with_its_moments_and_random_streams(tmp_path):
    """On a constant rate, 4 steps then 4 more from the saved folder are the 8-step run (before, the second
    part started a fresh AdamW and drew the first part's batches again)."""
    model, _, _, _ = _straight("random", 8, "constant")
    first, state = debug_encoder(0), TrainState()
    adapt(first, DATA, _config("random", 4, "constant"), resume_from=state)
    assert state.finished
    save_adapted(first, tmp_path / "run", _config("random", 4, "constant"), state=state)

    second = MusicEncoder.from_pretrained(tmp_path / "run")
    saved = load_resume_state(tmp_path / "run", second)
    adapt(second, DATA, _config("random", 4, "constant"), resume_from=saved)
    _same(second, model)
    assert saved.step == 4 and len(saved.losses) == 4  # the new run's own record


def test_the_optimizer_and_random_states_round_trip(tmp_path):
    p = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(p.parameters(), lr=0.1)
    p(torch.ones(1, 3)).sum().backward()
    opt.step()
    gen, rng = torch.Generator().manual_seed(5), np.random.default_rng(5)
    gen.manual_seed(9), rng.random(3)
    state = TrainState()
    state.capture(opt, 1, 2, [0.5], gen, rng)
    save_train_state(state, tmp_path, p.state_dict())
    back = load_train_state(tmp_path)
    assert (back.step, back.total, back.losses) == (1, 2, [0.5])
    want = (torch.rand(4, generator=gen), rng.random(4), torch.rand(2))

    q = torch.nn.Linear(3, 2)
    q.load_state_dict(p.state_dict())
    opt2 = torch.optim.AdamW(q.parameters(), lr=0.1)
    gen2, rng2 = torch.Generator(), np.random.default_rng(0)
    back.restore(opt2, gen2, rng2)
    back.check_weights(q.state_dict())
    assert torch.equal(torch.rand(4, generator=gen2), want[0]) and np.array_equal(rng2.random(4), want[1])
    assert torch.equal(torch.rand(2), want[2])
    for k, v in opt.state_dict()["state"][0].items():
        assert torch.equal(opt2.state_dict()["state"][0][k], v)
    tensors, meta = rng_tensors()
    assert tensors["torch"].dtype == torch.uint8 and "numpy" not in meta
    restore_rng(tensors, meta)


def test_mismatched_or_corrupt_states_are_one_line_errors(tmp_path):
    p, wide = torch.nn.Linear(3, 2), torch.nn.Linear(4, 2)
    opt = torch.optim.AdamW(p.parameters())
    p(torch.ones(1, 3)).sum().backward()
    opt.step()
    tensors, meta = optimizer_tensors(opt)
    with pytest.raises(ValueError, match=r"does not fit this model: its exp_avg of parameter 0 is \(2, 3\)"):
        load_optimizer_state(torch.optim.AdamW(wide.parameters()), tensors, meta)
    two = torch.optim.AdamW([{"params": [wide.weight]}, {"params": [wide.bias]}])
    with pytest.raises(ValueError, match=r"parameters a group \[2\], here \[1, 1\]"):
        load_optimizer_state(two, tensors, meta)

    state = TrainState()
    state.capture(opt, 1, 2, [1.0])
    save_train_state(state, tmp_path, p.state_dict())
    with pytest.raises(ValueError, match="not of these weights") as e:
        load_train_state(tmp_path).check_weights(wide.state_dict(), "run")
    assert "\n" not in str(e.value)
    (tmp_path / TRAIN_STATE).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    with pytest.raises(ValueError, match="not a saved training state") as e:
        load_train_state(tmp_path)
    assert "\n" not in str(e.value)
    assert load_train_state(tmp_path / "nothing") is None


def test_saving_without_a_state_removes_an_older_one_and_masker_mismatch_is_refused(tmp_path):
    model, state, masker, _ = _straight("adversarial", 3)
    save_adapted(model, tmp_path / "m", _config("adversarial", 3), masker=masker, state=state)
    assert (tmp_path / "m" / TRAIN_STATE).is_file()
    loaded = MusicEncoder.from_pretrained(tmp_path / "m")
    with pytest.raises(ValueError, match="a masker at step 3, masker.safetensors holds none"):
        load_resume_state(tmp_path / "m", loaded, None)
    save_adapted(model, tmp_path / "m", _config("adversarial", 3), masker=masker)
    assert not (tmp_path / "m" / TRAIN_STATE).exists()
