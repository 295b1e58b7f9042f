"""The discovery index: build, search by words, filter, incremental rebuild, similar pieces, bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from partita.corpus import load_corpus
from partita.discovery.index import DiscoveryIndex, build_index, check_where


def _titles(hits):
    return [h.fields["title"] for h in hits]


def test_the_index_holds_every_piece_with_labels(tiny_index):
    index = DiscoveryIndex(tiny_index)
    assert len(index) == 4
    hits = index.search("a tune", k=10)
    assert sorted(_titles(hits)) == ["Little Jig", "Minor Waltz", "Quick Reel", "Slow March"]
    assert all(h.fields["caption"] and h.fields["description"] for h in hits)


def test_a_pieces_own_caption_finds_it_first(tiny_index):
    index = DiscoveryIndex(tiny_index)
    for hit in index.search("a tune", k=4):
        assert index.search(hit.fields["caption"], k=1)[0].piece_id == hit.piece_id


def test_an_obvious_query_finds_the_piece(tiny_index):
    index = DiscoveryIndex(tiny_index)
    assert _titles(index.search("a piece in A minor in 3/4 time", k=1)) == ["Minor Waltz"]
    assert _titles(index.search("a tune in 6/8 in G major", k=1)) == ["Little Jig"]


def test_a_chinese_query_works(tiny_index):
    hits = DiscoveryIndex(tiny_index).search("a小调，拍号为3/4", k=1)
    assert _titles(hits) == ["Minor Waltz"]


def test_where_filters_on_labels(tiny_index):
    index = DiscoveryIndex(tiny_index)
    hits = index.search("a fast reel in D major", k=10, where="meter = '3/4'")
    assert _titles(hits) == ["Minor Waltz"]
    assert {h.fields["meter"] for h in index.search("anything", k=10, where="meter IN ('2/4', '6/8')")} == {
        "2/4",
        "6/8",
    }


def test_a_rebuild_is_incremental_and_swapped(tiny_corpus, tiny_index, tmp_path):
    path = tmp_path / "idx"
    shutil.copytree(tiny_index, path)
    first = json.loads((path / "index.json").read_text())
    meta = build_index(load_corpus(tiny_corpus), path)
    assert meta["count"] == 4 and meta["added"] == 0
    assert meta["version"] != first["version"]
    assert [p.name for p in path.glob("v-*")] == [meta["version"]]
    assert len(DiscoveryIndex(path)) == 4


def test_similar_finds_the_piece_itself_first(tiny_corpus, tiny_index):
    corpus = load_corpus(tiny_corpus)
    record = next(r for r in corpus.records() if r["title"] == "Little Jig")
    hits = DiscoveryIndex(tiny_index).similar(corpus.read_piece(record["piece_id"]), k=2)
    assert hits[0].piece_id == record["piece_id"] and hits[0].score > 0.99


def test_bad_input_is_a_clear_error(tiny_index, tmp_path):
    index = DiscoveryIndex(tiny_index)
    with pytest.raises(ValueError, match="empty query"):
        index.search("   ")
    with pytest.raises(ValueError, match="unknown field 'mood'"):
        index.search("a waltz", where="mood = 'sad'")
    assert check_where("title = 'mood = x'") == "title = 'mood = x'"  # quoted values are not fields
    with pytest.raises(FileNotFoundError, match="no discovery index"):
        DiscoveryIndex(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(tiny_index, broken)
    (broken / "index.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt index metadata"):
        DiscoveryIndex(broken)
    (broken / "index.json").write_text(json.dumps({"version": "v-0", "dim": 128}))
    with pytest.raises(ValueError, match="corrupt index"):
        DiscoveryIndex(broken)


def test_hybrid_search_filters_and_ranks(tiny_index):
    index = DiscoveryIndex(tiny_index)
    assert _titles(index.search("a piece in A minor in 3/4 time", k=1, hybrid=True)) == ["Minor Waltz"]
    hits = index.search("a tune in G major", k=10, where="meter IN ('2/4', '6/8')", hybrid=True)
    assert {h.fields["meter"] for h in hits} == {"2/4", "6/8"}
    assert hits[0].score >= hits[-1].score
    with pytest.raises(ValueError, match="unknown field"):
        index.search("a tune", where="colour = 'red'", hybrid=True)
