"""`partita tune --reward-pairs N`: a reward model trained on the stored choices labels N pairs sampled from
the base model, the output says how many it kept, and the tuned folder records it; too few stored choices
are one sentence."""

from __future__ import annotations

import json

import pytest
import symusic
from click.testing import CliRunner

from partita.cli.main import cli
from partita.pipelines import Generator
from partita.training.preferences import Preference, add_preferences, model_version

PROMPT = "a piano piece in C major, 2 bars"

pytestmark = pytest.mark.usefixtures("one_thread")


def midi(base: int) -> bytes:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 120.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i, d in enumerate((0, 2, 4, 5, 4, 2, 0, 7)):
        t.notes.append(symusic.Note(i * 480, 480, base + d, 80))
    s.tracks.append(t)
    return s.dumps_midi()


def store(path, count: int) -> None:
    version = model_version(Generator.debug().model)
    prefs = [
        Preference(
            PROMPT, midi(64 + i % 5), midi(50 + i % 4), winner="a", model="debug", model_version=version
        )
        for i in range(count)
    ]
    add_preferences(path, prefs)


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_tune_labels_sampled_pairs_by_the_reward_model(tmp_path):
    db = tmp_path / "prefs.db"
    store(db, 8)
    out = tmp_path / "tuned"
    args = ["tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--steps", "1"]
    code, text = run(*args, "--reward-pairs", "2", "--reward-margin", "0", "--reward-weight", "0.3")
    assert code == 0, text
    assert "reward model: trained on 8 stored choices" in text
    line = next(x for x in text.splitlines() if x.startswith("reward model:"))
    kept = int(line.split("it labelled ")[1].split(" of 2 sampled pairs")[0])
    assert 0 <= kept <= 2 and "weight 0.3" in line
    assert f"{8 + kept} pairs, {kept} of them labelled by the reward model, 1 steps" in text
    config = json.loads((out / "dpo_config.json").read_text())
    assert config["reward_pairs"] == 2 and config["reward_weight"] == 0.3
    card = json.loads((out / "card.json").read_text())
    assert card["reward_pairs"]["kept"] == kept and card["reward_pairs"]["candidates"] == 2


def test_too_few_stored_choices_for_a_reward_model_is_one_sentence(tmp_path):
    db = tmp_path / "prefs.db"
    store(db, 3)
    out = tmp_path / "tuned"
    code, text = run(
        "tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--steps", "1", "--reward-pairs", "4"
    )
    assert code != 0 and "Traceback" not in text
    assert "3 decided choices to train the reward model on, and it needs at least 8" in text
    assert len(text.strip().splitlines()) == 1 and not out.exists()
