"""`partita tune --epochs E`: the steps follow the training pairs (ceil(E x pairs / batch size)), recorded in
dpo_config.json; --epochs beside an explicit --steps is one line."""

from __future__ import annotations

import json
import re

from tests.cli.test_tune_concept_cli import PROMPT, midi, run

from partita.pipelines import Generator
from partita.training.preferences import Preference, add_preferences, model_version


def _store(tmp_path):
    kw = {"model": "debug", "model_version": model_version(Generator.debug().model)}
    a, b, c = midi([60, 62, 64, 65]), midi([60, 67, 55, 72]), midi([72, 71, 69, 67])
    db = tmp_path / "prefs.db"
    add_preferences(db, [Preference(PROMPT, x, y, winner="a", **kw) for x, y in ((a, b), (a, c), (c, b))])
    return db


def test_epochs_set_the_steps_from_the_pairs(tmp_path):
    db, out = _store(tmp_path), tmp_path / "tuned"
    code, said = run(
        "tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--epochs", "2", "--batch-size", "2"
    )
    assert code == 0, said
    assert "3 pairs, 3 steps" in said  # ceil(2 x 3 / 2)
    assert json.loads((out / "dpo_config.json").read_text())["epochs"] == 2.0


def test_epochs_with_steps_is_one_line(tmp_path):
    db = _store(tmp_path)
    code, said = run(
        "tune",
        "--prefs",
        str(db),
        "-o",
        str(tmp_path / "t"),
        "--base",
        "debug",
        "--epochs",
        "2",
        "--steps",
        "5",
    )
    assert code != 0 and "give --steps or --epochs, not both" in said and "Traceback" not in said


def test_reward_pairs_without_steps_pass_over_the_pairs_kept(tmp_path):
    from tests.cli.test_tune_reward_pairs_cli import store

    from partita.cli.tune import REWARD_EPOCHS

    db, out = tmp_path / "prefs.db", tmp_path / "tuned"
    store(db, 8)
    code, said = run(
        "tune",
        "--prefs",
        str(db),
        "-o",
        str(out),
        "--base",
        "debug",
        "--reward-pairs",
        "2",
        "--reward-margin",
        "0",
    )
    assert code == 0, said
    found = re.search(r"(\d+) pairs, \d+ of them labelled by the reward model, (\d+) steps", said)
    pairs, steps = int(found[1]), int(found[2])
    assert steps == -(-int(REWARD_EPOCHS * 10 * pairs) // 80)  # ceil(1.7 x pairs / 8)
    assert json.loads((out / "dpo_config.json").read_text())["epochs"] == REWARD_EPOCHS
