"""An index records the encoder weights it was built with and refuses to be searched with others (#23)."""

from __future__ import annotations

import json
import logging

import pytest
import torch
from click.testing import CliRunner

from partita.cli.main import cli
from partita.corpus import load_corpus
from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel
from partita.discovery.index import META_FILE, DiscoveryIndex, build_index, model_fingerprint

TINY = dict(dim=16, buckets=512, text_width=8, hidden=32)


def _tiny_model(seed: int) -> DiscoveryModel:
    torch.manual_seed(seed)
    return DiscoveryModel(DiscoveryConfig(**TINY))


@pytest.fixture()
def built(tiny_corpus, tmp_path):
    """An index built by the CLI with a tiny model saved in a folder, and that folder."""
    folder = _tiny_model(0).save_pretrained(tmp_path / "model")
    out = tmp_path / "idx"
    result = CliRunner().invoke(
        cli, ["index", "build", str(tiny_corpus), "-o", str(out), "--model", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return out, folder


def test_the_fingerprint_follows_the_weights_not_the_object():
    a, b = _tiny_model(0), _tiny_model(0)
    assert model_fingerprint(a) == model_fingerprint(b)
    assert model_fingerprint(a) != model_fingerprint(_tiny_model(1))
    b.config.metrics["valid_mrr"] = 0.5  # a note on the model, not what makes its vectors
    assert model_fingerprint(a) == model_fingerprint(b)
    b.config.pooling = "mean"  # the same weights pooled otherwise make other vectors
    assert model_fingerprint(a) != model_fingerprint(b)


def test_the_weights_it_was_built_with_search_it(built):
    out, folder = built
    meta = json.loads((out / META_FILE).read_text())
    assert meta["weights"] == model_fingerprint(DiscoveryModel.from_pretrained(folder))
    result = CliRunner().invoke(cli, ["search", "a waltz in A minor", "-k", "2", "--index", str(out)])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 2
    assert len(DiscoveryIndex(out).search("a jig", k=3)) == 3


def test_changed_weights_are_refused_in_one_line(built, tiny_corpus):
    out, folder = built
    _tiny_model(1).save_pretrained(folder)  # the weights at the index's model path change
    piece = str(next(tiny_corpus.joinpath("midi").rglob("*.mid")))
    for args in (
        ["search", "a waltz in A minor"],
        ["similar", piece],
        ["recommend", piece, "--method", "mean"],
        ["chat", "--say", "a jig"],
    ):
        result = CliRunner().invoke(cli, [*args, "--index", str(out)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), args
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
        assert "built with other encoder weights" in result.output and str(folder) in result.output
        assert f"partita index build {tiny_corpus} -o {out}" in result.output
    with pytest.raises(ValueError, match="built with other encoder weights"):
        DiscoveryIndex(out)
    with pytest.raises(ValueError, match="than the model given"):
        DiscoveryIndex(out, model=_tiny_model(2))
    from partita.web.discover import IndexShelf  # the studio's Discover view opens it the same way

    with pytest.raises(ValueError, match="built with other encoder weights"):
        IndexShelf(out).get()


def test_a_rebuild_with_the_new_weights_is_searched_again(built, tiny_corpus):
    out, folder = built
    _tiny_model(1).save_pretrained(folder)
    build_index(load_corpus(tiny_corpus), out, model_path=folder)
    assert len(DiscoveryIndex(out).search("a reel", k=2)) == 2


def test_an_index_from_before_the_fingerprint_still_opens(built, caplog):
    out, _ = built
    meta = json.loads((out / META_FILE).read_text())
    del meta["weights"]
    (out / META_FILE).write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="partita.discovery.index"):
        index = DiscoveryIndex(out)
    assert len(index.search("a march", k=4)) == 4
    assert "does not record its encoder's weights" in caplog.text


def test_a_model_given_in_memory_is_named_and_checked(tiny_corpus, tmp_path):
    model = _tiny_model(3)
    meta = build_index(load_corpus(tiny_corpus), tmp_path / "idx", model=model)
    assert meta["model"] == "a model given in memory"
    assert len(DiscoveryIndex(tmp_path / "idx", model=model).search("a jig", k=1)) == 1
    with pytest.raises(ValueError, match="a model given in memory"):
        DiscoveryIndex(tmp_path / "idx")  # the shipped model is not the one that built it
