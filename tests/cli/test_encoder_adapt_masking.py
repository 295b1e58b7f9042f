"""`partita encoder adapt --masking random|adversarial` on the tiny corpus of the pretrain test: the choice
saved in adapt_config.json, the card (its history) and the README, the masker in masker.safetensors;
--resume continues the folder's adaptation, its masking and its saved masker, and refuses another masking
or base in one line."""

from __future__ import annotations

import json

import torch
from click.testing import CliRunner
from tests.cli.test_encoder_pretrain_masking import corpus, toy  # noqa: F401 (fixtures)

from partita.cli.main import cli
from partita.training.adversarial_mask import MASKER_WEIGHTS, MaskerHead, load_masker, save_masker

TINY = ["--steps", "3", "--batch-size", "4", "--warmup", "1", "--threads", "1", "--max-notes", "24"]


def _adapt(folder, out, *extra, base="debug"):
    args = ["encoder", "adapt", base, "--corpus", str(folder), "--culture", "toy", "-o", str(out), *TINY]
    return CliRunner().invoke(cli, [*args, *map(str, extra)])


def test_adapt_saves_the_masking_in_the_config_card_readme_and_the_masker(corpus, toy, tmp_path):  # noqa: F811
    out = tmp_path / "adv"
    result = _adapt(corpus, out, "--masking", "adversarial")
    assert result.exit_code == 0 and "adversarial masking, 3 steps" in result.output, result.output
    config, card = (json.loads((out / name).read_text()) for name in ("adapt_config.json", "card.json"))
    assert (config["masking"], config["base"], config["schedule"]) == ("adversarial", "debug", "rewarm")
    assert config["adversarial"]["target_share"] == 0.3  # the masker's settings, filled in
    assert (card["masking"], card["name"]) == (
        "adversarial",
        "debug adapted to toy (rewarm, adversarial masking)",
    )
    assert "adversarial" in card["adaptation"][-1]
    assert "- masking: adversarial" in (out / "README.md").read_text()
    saved = load_masker(out)
    assert saved is not None and saved.step == 3
    # windows of 24 notes mask too few for the masker's loss, so its head is still the initial one here:
    # mark the saved one, so that a fresh masker could not pass for it
    saved.head = {k: v + 0.25 for k, v in saved.head.items()}
    save_masker(saved, out)

    # resumed at a negligible rate: the saved masker goes on
    resumed = _adapt(corpus, out, "--resume", "--steps", "1", "--lr", "1e-12")
    assert resumed.exit_code == 0, resumed.output
    assert "adversarial masking, its masker and book resumed, 1 steps" in resumed.output
    after = load_masker(out)
    assert after.step == 4
    for k, v in after.head.items():
        assert torch.allclose(v, saved.head[k], atol=1e-8)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        init = MaskerHead(32, 64).state_dict()
    assert not any(torch.allclose(init[k], after.head[k], atol=0.1) for k in init)  # not a fresh masker
    card = json.loads((out / "card.json").read_text())
    runs = [a for a in card["adaptation"] if a["config"]["base"] == "debug"]
    assert [a["config"]["masking"] for a in runs] == ["adversarial", "adversarial"]
    assert runs[-1]["resumed"] == str(out) and runs[-1]["adversarial"]["masker_steps"] == 4
    assert card["name"] == "debug adapted to toy (rewarm, adversarial masking)"  # not named twice


def test_adapt_resume_refuses_another_masking_or_base_and_random_leaves_no_masker(corpus, toy, tmp_path):  # noqa: F811
    out = tmp_path / "adv"
    assert _adapt(corpus, out, "--masking", "adversarial").exit_code == 0
    before = (out / "model.safetensors").read_bytes()
    wrong = _adapt(corpus, out, "--resume", "--masking", "random")
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output
    line = wrong.output.strip()
    assert "\n" not in line and "with adversarial masking, not random" in line
    other = _adapt(corpus, out, "--resume", base=str(tmp_path / "elsewhere"))
    assert other.exit_code == 1 and "is debug adapted, not" in other.output
    assert "\n" not in other.output.strip()
    assert (out / "model.safetensors").read_bytes() == before  # refused before any work

    again = _adapt(corpus, out)  # a new adaptation into the folder, random by default: the masker goes
    assert again.exit_code == 0, again.output
    assert "random masking, 3 steps" in again.output
    assert json.loads((out / "adapt_config.json").read_text())["masking"] == "random"
    assert not (out / MASKER_WEIGHTS).exists()
    pretrained = tmp_path / "pre"
    pre = ["encoder", "pretrain", "--corpus", str(corpus), "--culture", "toy", "-o", str(pretrained)]
    tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--max-len", "16", *TINY]
    assert CliRunner().invoke(cli, [*pre, *tiny]).exit_code == 0
    refused = _adapt(corpus, pretrained, "--resume")
    assert refused.exit_code == 1 and "holds a pretrained encoder, not an adaptation" in refused.output
