"""DPO on the debug model: the preferred continuation's log-ratio against the frozen reference goes up, the
sequence log-probabilities ignore padding, and a tuned folder loads (and is never half written)."""

from __future__ import annotations

import json

import pytest
import torch

from partita.models.pretrained import debug_model, load_pretrained
from partita.training.dpo import (
    CONFIG_NAME,
    DPOConfig,
    TokenPair,
    dpo_loss,
    log_ratio_margin,
    reference_logprobs,
    save_tuned,
    sequence_logprobs,
    tune_dpo,
)

PREFIX = [1, 5, 6, 7]


pytestmark = pytest.mark.usefixtures("one_thread")


def pairs() -> list[TokenPair]:
    """Chosen: rising runs of small ids; rejected: runs of large ids; for two prefixes."""
    out = []
    for k in range(6):
        chosen = [10 + (k + i) % 8 for i in range(12)] + [2]
        rejected = [40 + (3 * k + i) % 16 for i in range(12)] + [2]
        out.append(TokenPair(PREFIX if k % 2 else [1, 8, 9], chosen, rejected))
    return out


def test_padding_does_not_change_a_sequence_log_probability():
    model = debug_model(0)
    short, long = [11, 12, 13, 2], [20, 21, 22, 23, 24, 25, 26, 2]
    with torch.no_grad():
        alone, n_alone = sequence_logprobs(model, [PREFIX], [short])
        both, counts = sequence_logprobs(model, [PREFIX, PREFIX], [short, long])
    assert torch.allclose(alone[0], both[0], atol=1e-5)
    assert counts.tolist() == [4, 8] and n_alone.tolist() == [4]
    # the sum of per-token log-probs by hand, one token at a time
    ids = torch.tensor([PREFIX + short])
    with torch.no_grad():
        logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits, -1)[0]
    manual = sum(float(logp[len(PREFIX) - 1 + i, t]) for i, t in enumerate(short))
    assert abs(float(alone[0]) - manual) < 1e-4


def test_loss_is_log2_at_the_reference_and_falls_with_the_margin():
    z = torch.zeros(3)
    loss, margin = dpo_loss(z, z, z, z, beta=0.1)
    assert torch.allclose(loss, torch.full((3,), 0.6931), atol=1e-4) and float(margin.abs().sum()) == 0
    better, _ = dpo_loss(z + 1, z, z, z, beta=0.1)
    assert float(better.mean()) < 0.6931


def test_dpo_moves_the_preferred_log_ratio_up():
    torch.manual_seed(0)
    model = debug_model(0)
    data = pairs()
    ref = reference_logprobs(model, data)
    assert abs(log_ratio_margin(model, data, ref)) < 1e-4  # policy == reference at the start
    result = tune_dpo(model, data, DPOConfig(beta=0.5, steps=25, lr=3e-3, batch_size=4, warmup=1))
    margin = log_ratio_margin(model, data, ref)
    assert margin > 2.0, margin
    now = reference_logprobs(model, data)
    assert float((now[:, 0] - ref[:, 0]).mean()) > float((now[:, 1] - ref[:, 1]).mean())
    assert result["summary"]["steps"] == 25
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]


def test_sft_term_raises_the_chosen_likelihood():
    torch.manual_seed(0)
    data = pairs()
    model = debug_model(0)
    ref = reference_logprobs(model, data)
    tune_dpo(model, data, DPOConfig(beta=0.5, steps=15, lr=3e-3, batch_size=4, sft_weight=1.0, warmup=1))
    assert float((reference_logprobs(model, data)[:, 0] - ref[:, 0]).mean()) > 0


def test_bad_pairs_and_configs_are_refused():
    with pytest.raises(ValueError, match="no preference pairs"):
        tune_dpo(debug_model(0), [], DPOConfig(steps=1))
    with pytest.raises(ValueError, match="outside"):
        tune_dpo(debug_model(0), [TokenPair([1], [999], [3])], DPOConfig(steps=1))
    with pytest.raises(ValueError, match="beta"):
        DPOConfig(beta=0)


def test_tuned_folder_loads_and_is_written_whole(tmp_path):
    model = debug_model(3)
    config = DPOConfig(steps=2)
    out = save_tuned(tmp_path / "tuned", lambda f: model.save_pretrained(f), config, {"summary": {}})
    loaded = load_pretrained(out)
    assert torch.equal(loaded.tok_emb.weight, model.tok_emb.weight)
    assert json.loads((out / CONFIG_NAME).read_text())["steps"] == 2
    assert DPOConfig.from_pretrained(out) == config

    def broken(folder):
        debug_model(4).save_pretrained(folder)
        raise RuntimeError("killed while saving")

    with pytest.raises(RuntimeError):
        save_tuned(out, broken, config)
    assert torch.equal(load_pretrained(out).tok_emb.weight, model.tok_emb.weight)  # the old folder stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tuned"]  # no temporary folder left behind
