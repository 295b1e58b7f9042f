"""``partita clmr train`` refuses what it cannot do before it opens the corpus: a bad option, an output or
render cache that cannot be written, FluidSynth's soundfont missing; and a corpus without two classes of
labelled train-split pieces before it reads a piece. (An unwritable cache used to fail only once the corpus
had been read and its clips chosen, minutes in.) The corpus loader is replaced by one that fails the test if
called."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import run_cli

import partita.corpus

SECONDS = 20.0
"""A refusal is quick: the clock includes importing torch on a shared machine."""


def never_loaded(*args, **kwargs):
    raise AssertionError(f"the corpus was opened: load_corpus{args}")


@pytest.fixture
def blocked(tmp_path: Path, monkeypatch) -> Path:
    """A file to put outputs under (it cannot be a folder), and no corpus loader."""
    monkeypatch.setattr(partita.corpus, "load_corpus", never_loaded)
    (tmp_path / "a-file").write_text("in the way\n")
    return tmp_path / "a-file"


CASES = {
    "--per-class 0": (["--per-class", "0"], "--per-class must be at least 1"),
    "--programs 500": (["--programs", "500"], "--programs must be"),
    "--steps 0": (["--steps", "0"], "--steps must be"),
    "--batch 1": (["--batch", "1"], "--batch must be at least 2"),
    "--seconds 1e12": (["--seconds", "1e12"], "--seconds must be"),
    "--minutes nan": (["--minutes", "nan"], "--minutes must be"),
    "--threads 100000": (["--threads", "100000"], "--threads must be"),
    "--seed -1": (["--seed", "-1"], "--seed must be"),
    "--steps ten": (["--steps", "ten"], "is not a valid integer"),
    "--out under a file": (["--out", "{blocked}/model"], "cannot write {blocked}/model"),
    "--cache under a file": (["--cache", "{blocked}/cache"], "cannot write {blocked}/cache"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_before_the_corpus_is_opened(blocked: Path, tmp_path: Path, name: str) -> None:
    extra, phrase = CASES[name]
    args = ["clmr", "train", "--out", str(tmp_path / "model"), "--cache", str(tmp_path / "cache")]
    args += [a.format(blocked=blocked) for a in extra]
    t0 = time.monotonic()
    code, text, escaped, tb = run_cli(args)
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert code in (1, 2) and "Traceback" not in text, text
    said = [line for line in text.splitlines() if "Error" in line or "error" in line]
    assert len(said) == 1 and phrase.format(blocked=blocked) in said[0], text
    assert time.monotonic() - t0 < SECONDS
    assert not (tmp_path / "model").exists() and not (tmp_path / "cache").exists()


def test_a_missing_soundfont_is_refused_before_the_corpus_is_opened(blocked: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("PARTITA_SOUNDFONT", str(tmp_path / "no.sf2"))
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")  # FluidSynth itself is there
    code, text, escaped, tb = run_cli(["clmr", "train", "--out", str(tmp_path / "model")])
    assert escaped is None, tb
    assert code == 1 and "no.sf2" in text and "is not a file" in text, text


class OnePieceCorpus:
    """A corpus whose manifest lists one labelled train piece (and one test piece): no piece may be read."""

    def records(self) -> list[dict]:
        return [
            {"piece_id": f"p{i}", "split": split, "style": "folk", "work_group": f"w{i}"}
            for i, split in enumerate(["train", "test"])
        ]

    def read_piece(self, piece_id: str):
        raise AssertionError(f"{piece_id} was read")


def test_a_corpus_without_two_classes_is_refused_before_a_piece_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(partita.corpus, "load_corpus", lambda name: OnePieceCorpus())
    code, text, escaped, tb = run_cli(
        ["clmr", "train", "--out", str(tmp_path / "model"), "--cache", str(tmp_path / "cache")]
    )
    assert escaped is None, f"{escaped!r}\n{tb}"
    assert code == 1 and "Traceback" not in text, text
    assert "class(es)" in text and "needs two" in text, text  # partita.evaluation.understanding.gather
    assert not (tmp_path / "model").exists()
