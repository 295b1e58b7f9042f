"""Hybrid search reads BM25 stored at build time (issue 23): no fitting at query time; an index built before
it was stored, or with a damaged or stale one, still searches (fitting it, with a log line)."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from partita.corpus import load_corpus
from partita.discovery.index import LEXICAL, DiscoveryIndex, build_index, load_lexical, save_lexical
from partita.discovery.metrics import BM25

QUERIES = ["a waltz in A minor", "reel D major 4/4", "a小调 圆舞曲", "jig"]


def _copy(tiny_index, tmp_path):
    path = tmp_path / "idx"
    shutil.copytree(tiny_index, path)
    return path, path / json.loads((path / "index.json").read_text())["version"] / LEXICAL


def _ranked(index):
    return [[(h.piece_id, round(h.score, 9)) for h in index.search(q, k=4, hybrid=True)] for q in QUERIES]


def test_the_bm25_arrays_give_back_the_same_scores():
    docs = ["a slow waltz in D minor", "a fast reel in D major", "一首D小调的圆舞曲", ""]
    bm25 = BM25(docs)
    again = BM25.from_arrays(*bm25.arrays())
    assert np.allclose(again.scores(QUERIES), bm25.scores(QUERIES))
    assert bm25.scores(["waltz minor"])[0].argmax() == 0
    arrays, terms = bm25.arrays()
    with pytest.raises(ValueError):
        BM25.from_arrays(arrays, terms[:-1])


def test_hybrid_search_reads_the_stored_bm25_and_does_not_fit_it(tiny_index, monkeypatch):
    version = json.loads((tiny_index / "index.json").read_text())["version"]
    assert (tiny_index / version / LEXICAL).is_file()
    expected = _ranked(DiscoveryIndex(tiny_index))

    def no_fit(self, *a, **k):
        raise AssertionError("BM25 fitted at query time")

    monkeypatch.setattr(BM25, "__init__", no_fit)
    index = DiscoveryIndex(tiny_index)
    assert _ranked(index) == expected
    assert index.search("a waltz in A minor", k=1, hybrid=True)[0].fields["meter"] == "3/4"


def test_an_index_built_before_bm25_was_stored_still_searches(tiny_index, tmp_path, caplog):
    expected = _ranked(DiscoveryIndex(tiny_index))
    path, lexical = _copy(tiny_index, tmp_path)
    lexical.unlink()
    with caplog.at_level(logging.INFO, logger="partita.discovery.index"):
        assert _ranked(DiscoveryIndex(path)) == expected
    assert "no stored BM25" in caplog.text and "build the index again" in caplog.text


@pytest.mark.parametrize("damage", ["garbage", "other pieces"])
def test_a_damaged_or_stale_bm25_is_fitted_again(tiny_index, tmp_path, caplog, damage):
    expected = _ranked(DiscoveryIndex(tiny_index))
    path, lexical = _copy(tiny_index, tmp_path)
    if damage == "garbage":
        lexical.write_bytes(b"\x00not safetensors")
    else:
        save_lexical(lexical, ["x", "y"], BM25(["x", "y"]))
    with caplog.at_level(logging.WARNING, logger="partita.discovery.index"):
        assert _ranked(DiscoveryIndex(path)) == expected
    assert "fitting it now" in caplog.text
    assert load_lexical(tmp_path / "nowhere" / LEXICAL, []) is None


def test_a_rebuild_stores_bm25_for_the_new_version(tiny_corpus, tiny_index, tmp_path):
    path, old = _copy(tiny_index, tmp_path)
    old.unlink()  # an index from before: the rebuild stores it
    meta = build_index(load_corpus(tiny_corpus), path)
    index = DiscoveryIndex(path)
    stored = load_lexical(path / meta["version"] / LEXICAL, index.piece_ids())
    assert stored is not None and len(stored) == meta["count"] == 4
    assert [p.name for p in path.glob("v-*")] == [meta["version"]]
