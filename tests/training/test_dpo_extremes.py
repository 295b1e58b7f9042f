"""DPO on pairs chosen far apart (``DPOConfig.pairs="extremes"``, ``partita tune --pairs extremes``): per
prompt the best pieces by net wins against the worst, a prompt with no ranking makes no pair, and the CLI
takes the option."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.conftest import make_score

from partita.cli.main import cli
from partita.models.pretrained import debug_model
from partita.pipelines import Generator
from partita.training.dpo import DPOConfig, TokenPair, extreme_pairs, select_pairs, tune_dpo
from partita.training.preferences import Preference, add_preferences, model_version

pytestmark = pytest.mark.usefixtures("one_thread")

PIECES = {name: [10 + i, 20 + i, 30 + i, 2] for i, name in enumerate("ABCD")}
"""Four continuations whose true order is A > B > C > D."""


def round_robin(prefix: list[int], upset: bool = False) -> list[TokenPair]:
    """Every pair of A-D judged by the true order (``upset``: D also beats A twice, noisy choices)."""
    names = "ABCD"
    out = [TokenPair(prefix, PIECES[names[i]], PIECES[names[j]]) for i in range(4) for j in range(i + 1, 4)]
    if upset:
        out += [TokenPair(prefix, PIECES["D"], PIECES["A"])] * 2
    return out


def test_extremes_pair_the_best_with_the_worst_of_each_prompt():
    one, two = [1, 5], [1, 6]
    data = round_robin(one) + round_robin(two)
    best_worst = extreme_pairs(data, k=1)
    assert [(p.prefix, p.chosen, p.rejected) for p in best_worst] == [
        (one, PIECES["A"], PIECES["D"]),
        (two, PIECES["A"], PIECES["D"]),
    ]
    quarters = extreme_pairs(data, k=2)
    assert len(quarters) == 8  # {A, B} x {C, D} for each prompt
    assert {tuple(p.chosen) for p in quarters} == {tuple(PIECES["A"]), tuple(PIECES["B"])}
    assert {tuple(p.rejected) for p in quarters} == {tuple(PIECES["C"]), tuple(PIECES["D"])}
    # k beyond half a prompt's pieces: the halves, never a piece against itself
    assert len(extreme_pairs(data, k=10)) == 8
    # upsets lower A's net wins (3-2) below B's (2-1) and lift D's (2-3) above C's (1-2)
    noisy = extreme_pairs(round_robin(one, upset=True), k=1)
    assert [(p.chosen, p.rejected) for p in noisy] == [(PIECES["B"], PIECES["C"])]
    assert select_pairs(data, DPOConfig(pairs="all")) == data


def test_a_prompt_without_a_ranking_makes_no_pair_and_tune_says_so():
    tied = [TokenPair([1, 5], PIECES["A"], PIECES["B"]), TokenPair([1, 5], PIECES["B"], PIECES["A"])]
    assert extreme_pairs(tied) == []
    with pytest.raises(ValueError, match="ranks one piece"):
        tune_dpo(debug_model(0), tied, DPOConfig(steps=1, pairs="extremes"))
    with pytest.raises(ValueError, match="pairs 'best'"):
        DPOConfig(pairs="best")
    with pytest.raises(ValueError, match="extremes"):
        DPOConfig(extremes=0)


def test_tune_trains_on_the_extreme_pairs_only():
    data = round_robin([1, 5]) + round_robin([1, 6])
    config = DPOConfig(beta=0.5, steps=2, lr=1e-3, batch_size=2, warmup=1, pairs="extremes", extremes=1)
    result = tune_dpo(debug_model(0), data, config)
    assert (result["summary"]["pairs"], result["summary"]["given_pairs"]) == (2, 12)
    assert DPOConfig.from_dict(config.to_dict()) == config


def test_cli_tune_takes_extreme_pairs(tmp_path):
    db = tmp_path / "prefs.db"
    kw = {"model": "debug", "model_version": model_version(Generator.debug().model)}
    pieces = [make_score(p).dumps_midi() for p in ([60, 62, 64, 65], [60, 64, 67, 72], [60, 67, 55, 72])]
    prompt = "a piano piece in C major, 2 bars"
    choices = [(0, 1), (0, 2), (1, 2)]  # a consistent order: 0 > 1 > 2
    add_preferences(db, [Preference(prompt, pieces[a], pieces[b], winner="a", **kw) for a, b in choices])
    out = tmp_path / "tuned"
    args = ["tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--steps", "1"]
    result = CliRunner().invoke(cli, [*args, "--pairs", "extremes", "--extremes", "1"])
    assert result.exit_code == 0, result.output
    assert "1 pairs (the best against the worst of 3 decided)" in result.output
    saved = json.loads((out / "dpo_config.json").read_text())
    assert (saved["pairs"], saved["extremes"]) == ("extremes", 1)
    bad = CliRunner().invoke(cli, [*args, "--pairs", "best"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
