"""Adversarial-MidiBERT's learned masking: choosing, the masker's targets, the mask book, a tiny run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from partita.models.encoder import FIELDS, OFFSET, debug_encoder
from partita.training.adversarial_mask import (
    AdversarialMaskConfig,
    MaskBook,
    adversarial_pretrain,
    choose,
    masker_loss,
)
from partita.training.culture import heldout_loss
from partita.training.encoder import EncoderTrainConfig

pytestmark = pytest.mark.usefixtures("one_thread")


def _pieces(n: int, length: int, seed: int) -> list[np.ndarray]:
    """Pieces whose pitch repeats a 4-note figure (the context gives it) and whose velocity is noise."""
    cfg = debug_encoder().config
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.stack([rng.integers(OFFSET, cfg.vocab(f), size=length) for f in FIELDS], axis=1)
        t[:, 0] = OFFSET + np.arange(length) // 8
        t[:, 1] = OFFSET + (np.arange(length) % 8) * 6
        t[:, 2] = OFFSET + 60 + np.array([0, 4, 7, 12])[np.arange(length) % 4] + int(rng.integers(0, 5))
        t[:, 3] = OFFSET + 10
        out.append(t.astype(np.int64))
    return out


def test_choose_takes_top_scored_open_real_notes():
    cfg = AdversarialMaskConfig(share_low=0.5, share_high=0.5)
    scores = torch.tensor([[0.9, 0.8, 0.7, 0.1, 0.2, 0.95, 0.5, 0.4]])
    keep = torch.tensor([[True] * 6 + [False] * 2])
    open_ = torch.tensor([[False, True, True, True, True, True, True, True]])
    chosen = choose(scores, keep, open_, prob=1.0, config=cfg, rng=np.random.default_rng(0))
    # open real notes: 1..5 (5 of them), half = 2: the two best open ones, 5 (0.95) and 1 (0.8)
    assert chosen[0].nonzero().flatten().tolist() == [1, 5]
    capped = choose(scores, keep, open_, prob=0.2, config=cfg, rng=np.random.default_rng(0))
    assert int(capped.sum()) == 1  # at most 20% of the 6 real notes, but at least one
    closed = choose(scores, keep, torch.zeros_like(keep), prob=1.0, config=cfg, rng=np.random.default_rng(0))
    assert int(closed.sum()) > 0 and not (closed & ~keep).any()  # nothing open: every real note may be masked


def test_masker_learns_high_loss_up_and_low_loss_down():
    scores = torch.full((1, 6), 0.5, requires_grad=True)
    note_loss = torch.tensor([[5.0, 0.1, 3.0, 0.2, 9.0, 1.0]])
    corrupted = torch.tensor([[True, True, True, True, True, False]])
    loss = masker_loss(scores, note_loss, corrupted, share=0.4)  # 2 of 5 corrupted notes each way
    loss.backward()
    g = scores.grad[0]
    assert g[4] < 0 and g[0] < 0  # the two highest losses: pushed towards 1
    assert g[1] > 0 and g[3] > 0  # the two lowest: towards 0
    assert g[2] == 0 and g[5] == 0  # the middle and the uncorrupted note: untouched
    none = masker_loss(scores, note_loss, torch.zeros_like(corrupted), share=0.4)
    assert float(none) == 0.0


def test_mask_book_closes_the_top_scored_notes():
    book = MaskBook([10])
    cfg = AdversarialMaskConfig(freeze_low=0.5, freeze_high=0.5, unfreeze_max=0.0)
    scores = np.arange(6, dtype=float)  # a window of notes 2..7, the last scored highest
    book.update(0, 2, scores, cfg, np.random.default_rng(0))
    assert np.flatnonzero(~book.open[0]).tolist() == [5, 6, 7]
    assert book.closed_share() == pytest.approx(0.3)
    reopen = AdversarialMaskConfig(freeze_low=0.01, freeze_high=0.01, unfreeze_max=1.0)
    for seed in range(20):
        book.update(0, 2, scores, reopen, np.random.default_rng(seed))
    assert book.closed_share() < 0.3  # random re-opening puts notes back


@pytest.mark.parametrize(
    "bad",
    [dict(share_low=0.4, share_high=0.2), dict(freeze_low=0), dict(target_share=0.7), dict(book_rate=2)],
)
def test_config_refuses_bad_values(bad):
    with pytest.raises(ValueError, match="AdversarialMaskConfig"):
        AdversarialMaskConfig(**bad)


def test_adversarial_pretraining_learns_is_deterministic_and_fills_the_book():
    train, test = _pieces(12, 80, 0), _pieces(4, 80, 1)
    cfg = EncoderTrainConfig(steps=40, batch_size=8, lr=3e-3, warmup=5)
    adv = AdversarialMaskConfig(book_after=10, book_rate=1.0)
    before = heldout_loss(debug_encoder(seed=0), test)
    models, outs = [], []
    for _ in range(2):
        m = debug_encoder(seed=0)
        outs.append(adversarial_pretrain(m, train, cfg, adv))
        models.append(m)
    assert outs[0]["steps"] == 40 and np.isfinite(outs[0]["final_loss"])
    assert heldout_loss(models[0], test) < before - 0.5  # it learns (random-mask loss on unseen pieces)
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert torch.equal(a, b)  # the same seed, the same weights
    info = outs[0]["adversarial"]
    assert info["book_updates"] > 0 and 0 < info["book_closed_share"] < 1
    assert models[0].card["pretraining"]["masking"] == "adversarial"


def test_adversarial_pretraining_refuses_no_notes():
    with pytest.raises(ValueError, match="no notes"):
        adversarial_pretrain(
            debug_encoder(), [np.zeros((0, len(FIELDS)), dtype=np.int64)], EncoderTrainConfig()
        )
