"""The pair losses of preference tuning against hand-computed values: DPO's logistic loss, IPO's squared loss
(``DPOConfig.loss="ipo"``) and the SFT term on the chosen pieces (``sft_weight``), on 2-token continuations of
the debug model; IPO holds the log-ratio gap near 1/(2 beta) where DPO pushes past it; the CLI saves both
options."""

from __future__ import annotations

import json
import math

import pytest
import torch
from click.testing import CliRunner
from tests.conftest import make_score

from partita.cli.main import cli
from partita.models.pretrained import debug_model
from partita.pipelines import Generator
from partita.training.dpo import (
    DPOConfig,
    TokenPair,
    batch_loss,
    dpo_loss,
    log_ratio_margin,
    reference_logprobs,
    tune_dpo,
)
from partita.training.preferences import Preference, add_preferences, model_version

pytestmark = pytest.mark.usefixtures("one_thread")

PAIRS = [TokenPair([1, 5], [10, 11], [40, 41]), TokenPair([1, 6, 7], [12, 2], [43, 2])]
"""Two prompts' prefixes, each with a chosen and a rejected continuation of two tokens."""


def by_hand(model, prefix: list[int], cont: list[int]) -> float:
    """log p(cont | prefix), one token at a time from the model's logits."""
    ids = torch.tensor([prefix + cont])
    with torch.no_grad():
        logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits.float(), -1)[0]
    return sum(float(logp[len(prefix) - 1 + i, t]) for i, t in enumerate(cont))


def test_losses_match_their_formulas_on_numbers():
    chosen, rejected = torch.tensor([-2.0, -1.0]), torch.tensor([-5.0, -1.0])
    ref_c, ref_r = torch.tensor([-3.0, -1.0]), torch.tensor([-4.0, -2.0])
    # gaps h: (-2 + 3) - (-5 + 4) = 2 and (-1 + 1) - (-1 + 2) = -1
    dpo, margin = dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.5)
    assert torch.allclose(margin, torch.tensor([1.0, -0.5]))
    assert torch.allclose(dpo, torch.tensor([math.log1p(math.exp(-1.0)), math.log1p(math.exp(0.5))]))
    ipo, margin = dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.5, loss="ipo")
    assert torch.allclose(ipo, torch.tensor([(2.0 - 1.0) ** 2, (-1.0 - 1.0) ** 2]))  # target 1/(2*0.5)
    assert torch.allclose(margin, torch.tensor([1.0, -0.5]))
    at_target, _ = dpo_loss(torch.tensor([2.5]), torch.zeros(1), torch.zeros(1), torch.zeros(1), 0.2, "ipo")
    assert float(at_target) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="loss 'kto'"):
        dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.5, loss="kto")


@pytest.mark.parametrize("loss", ["dpo", "ipo"])
@pytest.mark.parametrize("sft_weight", [0.0, 0.7])
def test_batch_loss_on_two_token_pieces_matches_a_hand_computation(loss, sft_weight):
    policy, reference = debug_model(1), debug_model(2)  # two different models: the log-ratios are not 0
    ref = torch.tensor([[by_hand(reference, p.prefix, c) for c in (p.chosen, p.rejected)] for p in PAIRS])
    beta = 0.3
    config = DPOConfig(beta=beta, loss=loss, sft_weight=sft_weight)
    got, margin = batch_loss(policy, PAIRS, ref, config)
    expect, gaps = 0.0, []
    for p, (ref_c, ref_r) in zip(PAIRS, ref.tolist(), strict=True):
        lp_c, lp_r = by_hand(policy, p.prefix, p.chosen), by_hand(policy, p.prefix, p.rejected)
        h = (lp_c - ref_c) - (lp_r - ref_r)
        gaps.append(h)
        pair = (h - 1 / (2 * beta)) ** 2 if loss == "ipo" else math.log1p(math.exp(-beta * h))
        expect += (pair + sft_weight * -lp_c / 2) / len(PAIRS)  # 2 tokens a chosen piece
    assert float(got.detach()) == pytest.approx(expect, rel=1e-4)
    assert margin.tolist() == pytest.approx([beta * h for h in gaps], rel=1e-4)
    assert got.requires_grad


def test_ipo_holds_the_gap_near_its_target_where_dpo_pushes_past():
    data = [  # chosen: rising runs of small ids; rejected: runs of large ids
        TokenPair(
            prefix,
            [10 + (k + i) % 8 for i in range(6)] + [2],
            [40 + (3 * k + i) % 16 for i in range(6)] + [2],
        )
        for k, prefix in enumerate(([1, 8, 9], [1, 5, 6]))
    ]
    gaps = {}
    for loss in ("dpo", "ipo"):  # beta 0.25: IPO's target gap is 1 / (2 * 0.25) = 2 nats
        model = debug_model(0)
        ref = reference_logprobs(model, data)
        torch.manual_seed(0)
        tune_dpo(model, data, DPOConfig(beta=0.25, steps=20, lr=3e-3, batch_size=2, warmup=1, loss=loss))
        gaps[loss] = log_ratio_margin(model, data, ref)
    assert 1.0 < gaps["ipo"] < 3.0, gaps
    assert gaps["dpo"] > gaps["ipo"] + 5.0, gaps


def test_config_keeps_the_loss_and_refuses_an_unknown_one():
    config = DPOConfig(loss="ipo", sft_weight=0.5)
    assert DPOConfig.from_dict(config.to_dict()) == config
    older = {k: v for k, v in DPOConfig().to_dict().items() if k != "loss"}  # a folder tuned before IPO
    assert DPOConfig.from_dict(older).loss == "dpo"
    with pytest.raises(ValueError, match="loss 'kto': choose one of dpo, ipo"):
        DPOConfig(loss="kto")


def test_cli_tune_saves_the_loss_and_the_sft_weight(tmp_path):
    db = tmp_path / "prefs.db"
    kw = {"model": "debug", "model_version": model_version(Generator.debug().model)}
    pieces = [make_score(p).dumps_midi() for p in ([60, 62, 64, 65], [60, 67, 55, 72])]
    add_preferences(db, [Preference("a piano piece in C major, 2 bars", *pieces, winner="a", **kw)])
    out = tmp_path / "tuned"
    args = ["tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--steps", "1"]
    result = CliRunner().invoke(cli, [*args, "--loss", "ipo", "--sft-weight", "0.5"])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "dpo_config.json").read_text())
    assert (saved["loss"], saved["sft_weight"]) == ("ipo", 0.5)
    bad = CliRunner().invoke(cli, [*args, "--loss", "kto"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
