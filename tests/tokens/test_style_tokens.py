"""Tokenizing only one style's pieces (the data of a style expert)."""

from pathlib import Path

import pytest

from partita.cli.main import main
from partita.corpus import build_corpus, load_corpus
from partita.tokens import MiditokTokenizer
from partita.tokens.dataset import TokenizeConfig, style_of, tokenize_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("style-corpus")
    scores = Path(__file__).resolve().parents[1] / "fixtures" / "score"
    build_corpus("mini", [str(scores)], out_dir=folder / "corpus", workers=1)
    return load_corpus(folder / "corpus")


def _train_pieces(corpus, style=None):
    ids = corpus.split("train").ids()
    return [i for i in ids if style is None or style_of(corpus.labels(i)) == style]


def test_only_the_styles_pieces_are_tokenized(corpus, tmp_path):
    cfg = TokenizeConfig(copies=1)
    every = tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "all", cfg)
    waltz = tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "waltz", cfg, styles=["waltz"])
    assert waltz["splits"]["train"]["sequences"] == len(_train_pieces(corpus, "waltz")) == 2
    assert every["splits"]["train"]["sequences"] == len(_train_pieces(corpus)) > 2
    assert waltz["splits"]["train"]["tokens"] < every["splits"]["train"]["tokens"]


def test_a_folder_keeps_its_styles(corpus, tmp_path):
    tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "t", TokenizeConfig(copies=1), styles=["waltz"])
    with pytest.raises(ValueError, match="other settings"):
        tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "t", TokenizeConfig(copies=1), styles=["jig"])


def test_an_unknown_style_is_named(corpus, tmp_path):
    with pytest.raises(ValueError, match="unknown style bebop"):
        tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "t", styles=["bebop"])


def test_the_cli_names_an_unknown_style(corpus, tmp_path, capsys):
    code = main(
        ["tokens", "build", str(corpus.path), str(tmp_path / "c"), "--style", "bebop", "--workers", "1"]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "unknown style bebop" in err
    assert "Traceback" not in err
