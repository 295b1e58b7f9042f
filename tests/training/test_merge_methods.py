"""The merge methods' registry and DARE-TIES (partita.training.merge_methods, ``partita encoder merge
--method dare_ties``, bench_culture's merge families): tiny tensors and tiny models, seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from partita.cli import encoder as encoder_cli
from partita.cli.main import cli
from partita.models.encoder import debug_encoder
from partita.training.culture import MergeConfig, load_merge_config, merge, save_merged
from partita.training.merge_methods import MERGE_METHODS, combine, dare_ties_vector, dare_vectors

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_culture import _args, _family, _merges_title  # noqa: E402

KEY = "blocks.0.qkv.weight"


def test_dare_ties_without_drops_elects_a_sign_and_averages_the_agreeing_entries():
    a = {"w": torch.tensor([1.0, -2.0, 3.0, 0.5]), "b": torch.tensor([[2.0]])}
    b = {"w": torch.tensor([1.0, 2.0, -1.0, -1.5]), "b": torch.tensor([[-4.0]])}
    out = dare_ties_vector([a, b], density=1.0, seed=0)
    # sums 2, 0, 2, -1: signs +, none, +, -; the agreeing entries' mean, the disagreeing ones left out
    assert torch.equal(out["w"], torch.tensor([1.0, 0.0, 3.0, -1.5]))
    assert torch.equal(out["b"], torch.tensor([[-4.0]])) and out["b"].shape == (1, 1)
    assert not torch.equal(out["w"], combine([a, b], "linear")["w"])  # not the sum


def test_dare_ties_rescales_the_kept_entries_and_drops_the_outvoted_ones():
    n = 40_000
    a, b = {"w": torch.full((n,), 2.0)}, {"w": torch.full((n,), -6.0)}
    out = dare_ties_vector([a, b], density=0.5, seed=7)["w"]
    # kept entries are rescaled by 1/0.5: a alone 4, b alone -12; both kept: the sum -8 elects minus and a's
    # +4 is left out of the mean, so -12 (DARE's sum would give -8); neither kept: 0
    values, counts = out.unique(return_counts=True)
    assert values.tolist() == [-12.0, 0.0, 4.0]
    share = dict(zip(values.tolist(), (counts.float() / n).tolist(), strict=True))
    assert share[-12.0] == pytest.approx(0.5, abs=0.02)  # b kept (alone or with a)
    assert share[4.0] == pytest.approx(0.25, abs=0.02) and share[0.0] == pytest.approx(0.25, abs=0.02)
    dropped = dare_vectors([a, b], density=0.5, seed=7)  # the same drops as DARE's with the same seed
    only_a = (dropped[0]["w"] != 0) & (dropped[1]["w"] == 0)
    assert torch.equal(out == 4.0, only_a)
    agree = dare_ties_vector([{"w": torch.full((n,), 2.0)}, {"w": torch.full((n,), 6.0)}], 0.5, 7)["w"]
    assert set(agree.unique().tolist()) == {0.0, 4.0, 8.0, 12.0}  # both kept: the mean of 4 and 12


def test_dare_ties_is_deterministic_given_the_seed():
    delta = {"w": torch.randn(30, 20, generator=torch.Generator().manual_seed(0))}
    other = {"w": torch.randn(30, 20, generator=torch.Generator().manual_seed(1))}
    one = dare_ties_vector([delta, other], density=0.4, seed=3)
    assert torch.equal(one["w"], dare_ties_vector([delta, other], density=0.4, seed=3)["w"])
    assert not torch.equal(one["w"], dare_ties_vector([delta, other], density=0.4, seed=4)["w"])
    assert torch.equal(combine([delta, other], "dare_ties", 0.4, 3)["w"], one["w"])


def test_the_registry_is_the_one_list_of_methods():
    assert list(MERGE_METHODS) == ["linear", "ties", "dare", "dare_ties"]
    assert tuple(MERGE_METHODS) == encoder_cli.MERGE_METHODS  # the CLI's choices (kept torch-free)
    a = {"w": torch.tensor([1.0, -2.0])}
    with pytest.raises(ValueError, match="choose from linear, ties, dare, dare_ties"):
        combine([a], "mean")
    with pytest.raises(ValueError, match="at least one task vector"):
        combine([], "dare_ties")
    with pytest.raises(ValueError, match="unknown merge method 'mean'"):
        MergeConfig(method="mean")
    assert MergeConfig(method="dare_ties", density=0.3).method == "dare_ties"


def test_dare_ties_merge_of_encoders_is_recorded_and_one_model_at_density_1_is_that_model(tmp_path):
    base, a, b = debug_encoder(0), debug_encoder(1), debug_encoder(2)
    one = merge(base, [a], 1.0, method="dare_ties", density=1.0)
    assert all(torch.allclose(one.state_dict()[k], v, atol=1e-6) for k, v in a.state_dict().items())
    merged = merge(base, [a, b], 0.5, method="dare_ties", density=0.5, seed=2)
    dare = merge(base, [a, b], 0.5, method="dare", density=0.5, seed=2)
    assert not torch.allclose(merged.state_dict()[KEY], dare.state_dict()[KEY])
    mc = load_merge_config(save_merged(merged, tmp_path / "dt"))
    assert (mc.method, mc.density, mc.seed, mc.lam) == ("dare_ties", 0.5, 2, 0.5)
    assert merged.card["name"].startswith("merged (dare_ties")


def test_cli_dare_ties_merge(tmp_path):
    for i, name in enumerate(("base", "a", "b")):
        debug_encoder(i).save_pretrained(tmp_path / name)
    args = ["encoder", "merge", *(str(tmp_path / n) for n in ("base", "a", "b")), "-o", str(tmp_path / "m")]
    out = CliRunner().invoke(cli, [*args, "--method", "dare_ties", "--density", "0.6", "--seed", "1"])
    assert out.exit_code == 0 and "dare_ties, density 0.6" in out.output, out.output
    assert (load_merge_config(tmp_path / "m").method, load_merge_config(tmp_path / "m").seed) == (
        "dare_ties",
        1,
    )
    bad = CliRunner().invoke(cli, [*args, "--method", "dare-ties"])
    assert bad.exit_code != 0 and "dare_ties" in bad.output and "Traceback" not in bad.output


def test_bench_families_keep_dare_and_dare_ties_apart_and_titles_name_them():
    assert _family("dare 0.7, lambda 0.5") == "dare"
    assert _family("dare_ties 0.3, lambda 1") == "dare_ties"
    assert _family("merged, lambda 0.5") == "linear" and _family("weighted 0.7,0.3") == "weighted"
    assert _family("multi, rewarm") is None and _family("base") is None
    full = _merges_title(_args(["--merges-only"]))
    assert full.endswith("DARE-TIES, DARE, TIES and weighted merges against linear merging")
    some = _merges_title(_args(["--merges-only", "--merge-weights", "--dare-density"]))
    assert "DARE-TIES and TIES merges" in some and "weighted" not in some
