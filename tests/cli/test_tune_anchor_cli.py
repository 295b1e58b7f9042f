"""`partita tune --anchor FOLDER`: real pieces whose NLL per token (at --anchor-weight) joins the pair loss;
the anchored model stays likelier on them than the plain run's; the weight is recorded; an anchor option
without a folder, or a folder without pieces, is one line."""

from __future__ import annotations

import json

import pytest
import torch
from tests.cli.test_tune_concept_cli import PROMPT, midi, run
from tests.cli.test_tune_epochs_cli import _store

from partita.cli.tune import ANCHOR_WEIGHT
from partita.models.pretrained import load_pretrained
from partita.pipelines import Generator
from partita.pipelines.preferences import anchor_pieces
from partita.training.dpo import sequence_logprobs

pytestmark = pytest.mark.usefixtures("one_thread")

TUNE = ("--base", "debug", "--steps", "4", "--batch-size", "2", "--lr", "1e-2")


def _real(folder):
    folder.mkdir()
    for i, pitches in enumerate(([67, 65, 64, 62, 60, 62], [72, 71, 69, 67, 65, 64, 62, 60])):
        (folder / f"real{i}.mid").write_bytes(midi(pitches))
    (folder / "notes.txt").write_text("not a piece")  # not a score file: left alone
    return folder


def _nll(folder, anchor) -> float:
    model = load_pretrained(folder)
    with torch.no_grad():
        lp, n = sequence_logprobs(model, [x for x, _ in anchor], [y for _, y in anchor])
    return float(-lp.sum() / n.sum())


def test_anchored_tuning_keeps_the_real_pieces_likelier(tmp_path):
    db, real = _store(tmp_path), _real(tmp_path / "real")
    code, said = run("tune", "--prefs", str(db), "-o", str(tmp_path / "plain"), *TUNE)
    assert code == 0, said
    code, said = run(
        "tune", "--prefs", str(db), "-o", str(tmp_path / "anchored"), *TUNE, "--anchor", str(real)
    )
    assert code == 0, said
    assert "anchored on 2 real pieces" in said
    assert (
        json.loads((tmp_path / "anchored" / "dpo_config.json").read_text())["anchor_weight"] == ANCHOR_WEIGHT
    )
    assert json.loads((tmp_path / "plain" / "dpo_config.json").read_text())["anchor_weight"] == 0.0
    anchor = anchor_pieces(Generator.debug(), real)
    assert _nll(tmp_path / "anchored", anchor) < _nll(tmp_path / "plain", anchor)


def test_the_pieces_are_scored_under_the_prompt_given(tmp_path):
    real, generator = _real(tmp_path / "real"), Generator.debug()
    bare, prompted = anchor_pieces(generator, real), anchor_pieces(generator, real, PROMPT)
    assert [y for _, y in bare] == [y for _, y in prompted] and len(bare) == 2
    assert len(prompted[0][0]) > len(bare[0][0])  # the prompt's conditions are in the prefix


def test_an_anchor_option_without_a_folder_or_a_folder_without_pieces_is_one_line(tmp_path):
    db, empty = _store(tmp_path), tmp_path / "empty"
    empty.mkdir()
    (empty / "x.mid").write_bytes(b"not midi")
    code, said = run("tune", "--prefs", str(db), "-o", str(tmp_path / "a"), *TUNE, "--anchor-weight", "1")
    assert code != 0 and "go with --anchor" in said and "Traceback" not in said
    code, said = run("tune", "--prefs", str(db), "-o", str(tmp_path / "b"), *TUNE, "--anchor", str(empty))
    assert code != 0 and "no real piece to anchor on" in said and "Traceback" not in said
    assert not (tmp_path / "b").exists()
