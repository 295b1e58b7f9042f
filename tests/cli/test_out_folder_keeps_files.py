"""An output folder of the user's own files is never written into, cleaned or replaced: every command that
writes an artifact folder (a corpus, tokens, an index, a model, a concept, a report, a score-video) refuses
one that exists, is not empty and is not of its kind, in one line naming it, before any work; the user's
``keep.txt`` survives unchanged and nothing is added beside it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from tests.robustness.test_hostile_files import mtrk, run_cli, scale, smf

from partita.cli._errors import check_out_folder


@pytest.fixture()
def mine(tmp_path: Path) -> Path:
    """A folder of the user's: one text file."""
    folder = tmp_path / "my-files"
    folder.mkdir()
    (folder / "keep.txt").write_text("my notes\n")
    return folder


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    """Inputs a command could work on: a score folder, a text file named .mp4, an empty folder."""
    d = tmp_path / "inputs"
    (d / "scores").mkdir(parents=True)
    (d / "scores" / "a.mid").write_bytes(smf([mtrk(scale())]))
    (d / "video.mp4").write_bytes(b"not a video\n" * 20)
    (d / "empty").mkdir()
    return d


COMMANDS = {
    "corpus build": ["corpus", "build", "mine", "--source", "{src}/scores", "--out", "{out}"],
    "tokens build": ["tokens", "build", "{src}/empty", "{out}"],
    "index build": ["index", "build", "{src}/empty", "-o", "{out}"],
    "index train": ["index", "train", "{src}/empty", "-o", "{out}"],
    "index train-recommender": ["index", "train-recommender", "{src}/empty", "-o", "{out}"],
    "train": ["train", "--preset", "debug", "--out", "{out}"],
    "tune": ["tune", "--base", "debug", "--prefs", "{src}/none.db", "-o", "{out}"],
    "concept learn": ["concept", "learn", "{src}/scores", "--name", "x", "-o", "{out}", "--model", "debug"],
    "selector train": ["selector", "train", "{src}/empty", "--out", "{out}"],
    "slices train": ["slices", "train", "{src}/scores", "-o", "{out}"],
    "clmr train": ["clmr", "train", "--out", "{out}"],
    "encoder adapt": ["encoder", "adapt", "debug", "--culture", "western", "-o", "{out}"],
    "encoder pretrain": ["encoder", "pretrain", "--culture", "western", "-o", "{out}"],
    "encoder merge": ["encoder", "merge", "debug", "debug", "-o", "{out}"],
    "evaluate": ["evaluate", "{src}/scores", "-o", "{out}"],
    "score-video": ["score-video", "{src}/video.mp4", "--model", "debug", "-o", "{out}"],
    "demo": ["demo", "--out", "{out}", "--model", "debug"],
    "model import": ["model", "import", "{src}/empty", "{out}", "--tokenizer", "debug"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_folder_of_ones_own_files_is_refused_and_kept(name: str, mine: Path, src: Path) -> None:
    args = [a.format(src=src, out=mine) for a in COMMANDS[name]]
    code, text, escaped, tb = run_cli(args)
    assert escaped is None, tb
    assert code not in (0, None), text
    assert "Traceback" not in text
    assert f"{mine}: the folder holds other files (keep.txt)" in text, text
    assert (mine / "keep.txt").read_text() == "my notes\n"
    assert sorted(p.name for p in mine.iterdir()) == ["keep.txt"]


def test_new_empty_and_same_kind_folders_pass(tmp_path: Path) -> None:
    check_out_folder(tmp_path / "new" / "deeper", "a corpus", "corpus.json")
    (tmp_path / "empty").mkdir()
    check_out_folder(tmp_path / "empty", "a corpus", "corpus.json")
    (tmp_path / "resumed" / "parts").mkdir(parents=True)
    (tmp_path / "resumed" / "parts" / "ok-000001.parquet").write_bytes(b"")
    check_out_folder(tmp_path / "resumed", "a corpus", "corpus.json", "parts/*.parquet")
    assert not (tmp_path / "new").exists()  # nothing is made by the check


def test_a_folder_named_like_a_marker_part_is_not_enough(tmp_path: Path) -> None:
    (tmp_path / "sheets" / "parts").mkdir(parents=True)  # a user's "parts" folder holds no Parquet store
    (tmp_path / "sheets" / "parts" / "violin.pdf").write_bytes(b"%PDF")
    with pytest.raises(click.ClickException, match="is not a corpus"):
        check_out_folder(tmp_path / "sheets", "a corpus", "corpus.json", "parts/*.parquet")
