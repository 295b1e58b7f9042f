"""Pieces beyond partita's limits (0 ticks per quarter note, a note of days) handed to `concept learn` or
`slices train` as sources, or to `prefs import` as a pair: refused in one line naming the file, before any
training, and nothing is written. They used to pass: a concept crashed tokenization in a traceback, a pair
crashed `tune` later, and slices trained on 200,000 beats of one held note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import mtrk, note, run_cli, scale, smf

HOSTILE = {
    "zero-tpq.mid": (smf([mtrk(scale())], division=0), "0 ticks per quarter note"),
    "days.mid": (smf([mtrk(note(ticks=0x0FFFFFFF))], division=96), "over the limit"),
}


@pytest.fixture()
def refs(tmp_path: Path) -> Path:
    folder = tmp_path / "refs"
    folder.mkdir()
    for name, (data, _) in HOSTILE.items():
        (folder / name).write_bytes(data)
    return folder


def test_concept_learn_skips_and_names_pieces_beyond_the_limits(refs: Path, tmp_path: Path) -> None:
    out = tmp_path / "concept"
    code, text, escaped, tb = run_cli(["concept", "learn", str(refs), "--name", "x", "-o", str(out)])
    assert escaped is None, tb
    assert code == 1 and "no reference piece to learn from" in text, text
    for name, (_, why) in HOSTILE.items():
        assert f"{name}: " in text and why in text
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_prefs_import_refuses_a_piece_beyond_the_limits(name: str, refs: Path, tmp_path: Path) -> None:
    (refs / "good.mid").write_bytes(smf([mtrk(scale())]))
    pairs = refs / "pairs.json"
    pairs.write_text(json.dumps([{"prompt": "a jig in D", "a": name, "b": "good.mid", "winner": "a"}]))
    db = tmp_path / "prefs.db"
    code, text, escaped, tb = run_cli(["prefs", "import", str(pairs), "--model", "debug", "--db", str(db)])
    assert escaped is None, tb
    assert code == 1 and f"piece a: {name} does not read as a score" in text, text
    assert HOSTILE[name][1] in text
    assert not db.exists()


def test_slices_train_skips_pieces_beyond_the_limits(refs: Path, tmp_path: Path) -> None:
    out = tmp_path / "slices"
    code, text, escaped, tb = run_cli(["slices", "train", str(refs), "-o", str(out)])
    assert escaped is None, tb
    assert code == 1 and "no piece with pitched notes to slice" in text, text
    assert not out.exists()
