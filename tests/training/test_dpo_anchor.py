"""An NLL anchor on real music during DPO (``DPOConfig.anchor_weight`` with ``tune_dpo(anchor=)``): the
anchored run keeps the anchor pieces likelier than the plain run does; a weight without pieces is refused;
the plain call is unchanged by the option's existence."""

from __future__ import annotations

import pytest
import torch
from tests.training.test_dpo import pairs

from partita.models.pretrained import debug_model
from partita.training.dpo import DPOConfig, sequence_logprobs, tune_dpo

pytestmark = pytest.mark.usefixtures("one_thread")

ANCHOR = [([1, 8, 9], [30 + (k + i) % 6 for i in range(10)] + [2]) for k in range(4)]


def anchor_nll(model) -> float:
    with torch.no_grad():
        lp, n = sequence_logprobs(model, [x for x, _ in ANCHOR], [y for _, y in ANCHOR])
    return float((-lp).sum() / n.sum())


def test_the_anchor_keeps_real_music_likely():
    config = {"beta": 0.5, "steps": 12, "lr": 3e-3, "batch_size": 4, "warmup": 1}
    plain, anchored = debug_model(0), debug_model(0)
    tune_dpo(plain, pairs(), DPOConfig(**config))
    result = tune_dpo(anchored, pairs(), DPOConfig(**config, anchor_weight=1.0), anchor=ANCHOR)
    assert result["summary"]["anchor_pieces"] == 4
    assert anchor_nll(anchored) < anchor_nll(plain) - 0.1
    unused = debug_model(0)  # anchor pieces without a weight: not used, the plain run's weights
    tune_dpo(unused, pairs(), DPOConfig(**config), anchor=ANCHOR)
    done, want = unused.state_dict(), plain.state_dict()
    assert all(torch.equal(done[k], want[k]) for k in want)
    with pytest.raises(ValueError, match="no anchor pieces"):
        tune_dpo(debug_model(0), pairs(), DPOConfig(**config, anchor_weight=1.0))
