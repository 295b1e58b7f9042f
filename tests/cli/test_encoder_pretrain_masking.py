"""`partita encoder pretrain --masking random|adversarial` on a tiny corpus built here: the choice saved in
adapt_config.json, the card and its README; --resume keeps it and refuses another masking or shape in one
line."""

from __future__ import annotations

import json
import random

import pytest
import symusic
from click.testing import CliRunner

from partita.cli import encoder as encoder_cli
from partita.cli.main import cli
from partita.corpus import build_corpus
from partita.training import culture as culture_mod

TINY = ["--steps", "3", "--batch-size", "4", "--layers", "1", "--width", "16", "--heads", "2"]
TINY += ["--max-len", "16", "--warmup", "1", "--threads", "1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """12 short random tunes, built as a corpus."""
    tmp = tmp_path_factory.mktemp("encoder-masking")
    rng = random.Random(3)
    (tmp / "midi").mkdir()
    for i in range(12):
        score = symusic.Score(480)
        track = symusic.Track(program=0)
        for k in range(24):
            track.notes.append(symusic.Note(k * 240, 240, rng.randrange(55, 80), rng.randrange(40, 100)))
        score.tracks.append(track)
        score.dump_midi(str(tmp / "midi" / f"tune{i:02d}.mid"))
    build_corpus("tiny", [str(tmp / "midi")], out_dir=tmp / "corpus", workers=1)
    return tmp / "corpus"


@pytest.fixture
def toy(monkeypatch):
    """A culture of every piece (the tiny corpus has no Western sources)."""
    monkeypatch.setitem(culture_mod.CULTURES, "toy", culture_mod.Culture("toy", lambda row: True))


def _pretrain(corpus, out, *extra):
    args = ["encoder", "pretrain", "--corpus", str(corpus), "--culture", "toy", "-o", str(out), *TINY]
    return CliRunner().invoke(cli, [*args, *map(str, extra)])


def test_the_masking_is_saved_in_the_config_card_and_readme_and_kept_on_resume(corpus, toy, tmp_path):
    out = tmp_path / "adv"
    result = _pretrain(corpus, out, "--masking", "adversarial")
    assert result.exit_code == 0, result.output
    assert "adversarial masking, 3 steps" in result.output
    config = json.loads((out / "adapt_config.json").read_text())
    assert config["masking"] == "adversarial" and config["adversarial"]["target_share"] == 0.3
    card = json.loads((out / "card.json").read_text())
    assert card["masking"] == "adversarial" and "adversarial" in card["adaptation"][0]
    assert "- masking: adversarial" in (out / "README.md").read_text()
    assert culture_mod.masking_of(out) == "adversarial"

    resumed = _pretrain(corpus, out, "--resume")  # no --masking: the folder's
    assert resumed.exit_code == 0, resumed.output
    assert "adversarial masking" in resumed.output
    card = json.loads((out / "card.json").read_text())
    assert [a["config"]["masking"] for a in card["adaptation"]] == ["adversarial", "adversarial"]
    assert card["adaptation"][1]["config"]["base"] == f"resumed from {out}"


def test_random_is_the_default_and_resume_refuses_another_masking_in_one_line(corpus, toy, tmp_path):
    out = tmp_path / "rnd"
    result = _pretrain(corpus, out)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "adapt_config.json").read_text())["masking"] == "random"
    assert json.loads((out / "card.json").read_text())["masking"] == "random"
    before = (out / "model.safetensors").read_bytes()

    wrong = _pretrain(corpus, out, "--resume", "--masking", "adversarial")
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output
    line = wrong.output.strip()
    assert "\n" not in line and "pretrained with random masking, not adversarial" in line
    assert "--masking random" in line
    assert (out / "model.safetensors").read_bytes() == before  # refused before any work

    shape = _pretrain(corpus, out, "--resume", "--width", "32")
    assert shape.exit_code == 2 and "has --width 16, not 32" in shape.output
    nothing = _pretrain(corpus, tmp_path / "new", "--resume")
    assert nothing.exit_code == 1 and "no encoder to resume" in nothing.output


def test_the_cli_names_the_library_maskings():
    assert encoder_cli.MASKINGS == culture_mod.MASKINGS
