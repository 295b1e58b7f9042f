"""DARE and weighted merges of adapted encoders (partita.training.culture.merge, ``partita encoder merge``):
tiny tensors and tiny models, seconds."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from partita.cli.main import cli
from partita.models.encoder import debug_encoder
from partita.training.culture import (
    MergeConfig,
    combine,
    dare_vectors,
    load_merge_config,
    merge,
    save_merged,
    task_vector,
)

KEY = "blocks.0.qkv.weight"


def test_dare_drops_about_the_asked_share_and_rescales_the_rest():
    delta = {"w": torch.linspace(0, 1, 20_000).reshape(200, 100), "b": torch.ones(50)}
    (out,) = dare_vectors([delta], density=0.3, seed=4)
    kept = out["w"] != 0
    assert 0.28 < kept.float().mean() < 0.32  # about 30% kept
    assert torch.allclose(out["w"][kept], delta["w"][kept] / 0.3)  # the kept entries rescaled by 1/p
    assert torch.allclose(out["b"][out["b"] != 0], torch.tensor(1 / 0.3))
    assert float(out["w"].sum()) == pytest.approx(
        float(delta["w"].sum()), rel=0.05
    )  # the expectation is kept (sd 1.3%)
    again = dare_vectors([delta], density=0.3, seed=4)[0]
    assert all(torch.equal(again[k], out[k]) for k in out)  # the same seed, the same drops
    other = dare_vectors([delta], density=0.3, seed=5)[0]
    assert not torch.equal(other["w"], out["w"])
    full = dare_vectors([delta], density=1.0)[0]
    assert all(torch.equal(full[k], delta[k]) for k in delta)  # nothing dropped at density 1


def test_combine_is_the_sum_ties_or_dare_and_refuses_an_unknown_method():
    a = {"w": torch.tensor([1.0, -2.0, 3.0])}
    b = {"w": torch.tensor([1.0, 2.0, -1.0])}
    assert torch.equal(combine([a, b])["w"], torch.tensor([2.0, 0.0, 2.0]))
    assert torch.equal(combine([a, b], "dare", density=1.0)["w"], torch.tensor([2.0, 0.0, 2.0]))
    assert not torch.equal(combine([a, b], "ties", density=1.0)["w"], torch.tensor([2.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="unknown merge method 'mean'"):
        combine([a, b], "mean")


def _models():
    return debug_encoder(0), debug_encoder(1), debug_encoder(2)


def test_dare_merge_keeps_the_linear_merge_in_expectation_and_is_recorded(tmp_path):
    base, a, b = _models()
    linear = merge(base, [a, b], 0.5)
    dare = merge(base, [a, b], 0.5, method="dare", density=0.5, seed=3)
    d_lin = linear.state_dict()[KEY] - base.state_dict()[KEY]
    d_dare = dare.state_dict()[KEY] - base.state_dict()[KEY]
    assert not torch.allclose(d_dare, d_lin)  # the drops change the weights
    assert (d_dare == 0).float().mean() > 0.15  # entries both models dropped stay at the base (1/4 expected)
    # in expectation DARE is the linear merge: the mean difference is small against the deltas' size
    assert abs(float((d_dare - d_lin).mean())) < 0.1 * float(d_lin.abs().mean())
    again = merge(base, [a, b], 0.5, method="dare", density=0.5, seed=3)
    assert torch.equal(again.state_dict()[KEY], dare.state_dict()[KEY])
    one = merge(base, [a], 1.0, method="dare", density=1.0)
    assert all(torch.allclose(one.state_dict()[k], v, atol=1e-6) for k, v in a.state_dict().items())
    mc = load_merge_config(save_merged(dare, tmp_path / "dare"))
    assert (mc.method, mc.density, mc.seed, mc.lam) == ("dare", 0.5, 3, 0.5)
    assert MergeConfig.from_dict({"lam": 0.5}).seed == 0  # configs saved before DARE still load


def test_weighted_merge_scales_each_task_vector_and_refuses_bad_weights():
    base, a, b = _models()
    da, db = task_vector(base, a), task_vector(base, b)
    weighted = merge(base, [a, b], 1.0, weights=[0.7, 0.3])
    want = base.state_dict()[KEY] + 0.7 * da[KEY] + 0.3 * db[KEY]
    assert torch.allclose(weighted.state_dict()[KEY], want, atol=1e-6)
    assert not torch.allclose(weighted.state_dict()[KEY], merge(base, [a, b], 0.5).state_dict()[KEY])
    even = merge(base, [a, b], 1.0, weights=[0.5, 0.5])  # equal weights at lambda 1: linear at 0.5
    assert torch.allclose(even.state_dict()[KEY], merge(base, [a, b], 0.5).state_dict()[KEY], atol=1e-6)
    assert "weights 0.7,0.3" in weighted.card["name"] and weighted.card["merge"]["weights"] == [0.7, 0.3]
    with pytest.raises(ValueError, match="1 weights for 2 models"):
        merge(base, [a, b], 1.0, weights=[0.7])
    with pytest.raises(ValueError, match="weights must be finite"):
        merge(base, [a, b], 1.0, weights=[float("nan"), 0.3])


def test_cli_dare_and_weighted_merges_and_their_errors_are_one_line(tmp_path):
    for i, name in enumerate(("base", "a", "b")):
        debug_encoder(i).save_pretrained(tmp_path / name)
    runner = CliRunner()
    args = ["encoder", "merge", str(tmp_path / "base"), str(tmp_path / "a"), str(tmp_path / "b")]
    ok = runner.invoke(
        cli, [*args, "--method", "dare", "--density", "0.4", "--seed", "2", "-o", str(tmp_path / "d")]
    )
    assert ok.exit_code == 0 and "dare, density 0.4" in ok.output, ok.output
    mc = load_merge_config(tmp_path / "d")
    assert (mc.method, mc.density, mc.seed) == ("dare", 0.4, 2)
    w = runner.invoke(cli, [*args, "--weights", "0.7,0.3", "--lam", "1", "-o", str(tmp_path / "w")])
    assert w.exit_code == 0 and "weights 0.7,0.3" in w.output, w.output
    assert load_merge_config(tmp_path / "w").weights == (0.7, 0.3)
    for bad, says in (
        (["--weights", "0.7"], "2 weights, one a model"),
        (["--weights", "0.7,x"], "2 weights, one a model"),
        (["--weights", "0.7,inf"], "2 weights, one a model"),
    ):
        out = runner.invoke(cli, [*args, *bad, "-o", str(tmp_path / "x")])
        assert out.exit_code != 0 and says in out.output, out.output
        assert "Traceback" not in out.output
