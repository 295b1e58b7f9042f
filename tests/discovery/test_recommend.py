"""Recommendation from a set of pieces: the set scorers, the baselines, the evaluation cases and the index's
``recommend`` (the CLI in tests/discovery/test_discovery_cli.py)."""

from __future__ import annotations

import numpy as np
import pytest

from partita.discovery.index import DiscoveryIndex
from partita.discovery.recommend import (
    collection_of,
    episode_rank,
    episodes,
    label_scores,
    popularity_scores,
    rank_metrics,
    sampled_rank,
    set_scores,
)


def _unit(rows):
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_mean_and_max_differ_on_a_set_of_two_kinds():
    candidates = _unit([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    query = _unit([[1, 0, 0], [0, 1, 0]])
    mean = set_scores(query, candidates, "mean")
    best = set_scores(query, candidates, "max")
    assert np.argmax(mean) == 2  # between the two kinds
    assert best[0] == pytest.approx(1.0) and best[1] == pytest.approx(1.0) and best[3] == pytest.approx(0.0)
    both = set_scores(query, candidates, "mean+max")
    assert np.argmin(both) == 3
    with pytest.raises(ValueError, match="unknown recommendation method"):
        set_scores(query, candidates, "median")
    with pytest.raises(ValueError, match="empty set"):
        set_scores(np.zeros((0, 3)), candidates)


def test_baselines():
    assert popularity_scores(["a", "a", "b", None]).tolist() == [2, 2, 1, 1]
    labels = [{"meter": "6/8", "key": "G major"}, {"meter": "6/8", "key": "D major"}, {"meter": "3/4"}]
    query = [{"meter": "6/8", "key": "G major"}, {"meter": "6/8", "key": "G major"}]
    assert label_scores(query, labels).tolist() == [2, 1, 0]


def test_ranks_exclude_the_set_and_count_ties_half():
    scores = np.array([0.9, 0.8, 0.5, 0.5, 0.1])
    assert episode_rank(scores, target=2, excluded=[0]) == 2.5  # 0.8 above, one tie
    assert episode_rank(scores, target=1, excluded=[0]) == 1.0
    assert sampled_rank(scores, target=2, negatives=[4, 3]) == 1.5
    m = rank_metrics([1, 2, 20])
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0.05) / 3) and m["hit1"] == pytest.approx(1 / 3)


def _record(i, collection, source, split):
    return {"piece_id": f"p{i}", "collection": collection, "source_key": source, "split": split}


def test_collections_and_episodes():
    assert collection_of(_record(0, "oneills1850", "music21:oneills1850:a.abc#12", "test")) == (
        "music21:oneills1850:a.abc"
    )
    assert collection_of(_record(0, "ryansMammoth", "music21:ryansMammoth:x.abc", "test")) is None
    assert (
        collection_of({"collection": "palestrina", "parent_title": "Missa Brevis"})
        == "palestrina:Missa Brevis"
    )
    assert (
        collection_of({"collection": "monteverdi", "source_key": "music21:monteverdi:m.mxl"}) == "monteverdi"
    )
    records = [_record(i, "book", "music21:book:a.abc#1", "test" if i < 2 else "train") for i in range(8)]
    records += [_record(i, "other", "music21:other:b.abc#1", "train") for i in range(8, 20)]
    cases = episodes(records, set_size=3, per_collection=5, negatives=5, seed=1)
    assert len(cases) == 2  # the book's two test pieces; the other collection has none
    for case in cases:
        assert case.target in {"p0", "p1"} and case.target not in case.query and len(case.query) == 3
        assert all(int(p[1:]) >= 8 for p in case.negatives) and len(set(case.negatives)) == 5


def test_the_index_recommends_what_continues_a_set(tiny_corpus, tiny_index):
    from partita.corpus import load_corpus

    corpus = load_corpus(tiny_corpus)
    by_title = {r["title"]: r["piece_id"] for r in corpus.records()}
    index = DiscoveryIndex(tiny_index)
    for method in ("learned+labels", "learned", "mean", "max", "mean+max"):
        hits = index.recommend([by_title["Little Jig"]], k=3, method=method)
        assert by_title["Little Jig"] not in [h.piece_id for h in hits] and len(hits) == 3
        assert hits[0].score >= hits[-1].score
    score = corpus.read_piece(by_title["Little Jig"])
    for method in ("learned", "mean"):
        from_file = index.recommend([score], k=3, method=method)
        by_id = index.recommend([by_title["Little Jig"]], k=3, method=method)
        assert [h.piece_id for h in from_file] == [h.piece_id for h in by_id]  # the file is the indexed piece
    filtered = index.recommend([by_title["Little Jig"]], k=3, where="meter = '3/4'")
    assert [h.fields["title"] for h in filtered] == ["Minor Waltz"]
    with pytest.raises(ValueError, match="not in the index"):
        index.recommend(["no-such-piece"])
    with pytest.raises(ValueError, match="unknown recommendation method"):
        index.recommend([by_title["Little Jig"]], method="best")


def test_the_set_encoder_learns_collections_it_never_saw(tmp_path):
    from partita.discovery.set_encoder import SetEncoder, SetEncoderConfig, train_set_encoder

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(12, 2))
    # each collection: pieces near its own centre in two informative features, plus 6 noise features
    x = np.concatenate(
        [np.hstack([c + 0.05 * rng.normal(size=(10, 2)), rng.normal(size=(10, 6))]) for c in centres]
    ).astype(np.float32)
    groups = {f"c{i}": list(range(10 * i, 10 * i + 10)) for i in range(12)}
    train = {k: v for k, v in groups.items() if int(k[1:]) < 8}
    config = SetEncoderConfig(n_features=8, hidden=32, dim=8, batch_collections=8, steps=300, set_size=3)
    model = train_set_encoder(x, train, config)
    emb = model.encode_features(x)
    unseen = [groups[f"c{i}"] for i in range(8, 12)]
    inside = np.mean([emb[g] @ emb[g].T for g in unseen])
    across = np.mean([emb[a] @ emb[b].T for a in unseen for b in unseen if a != b])
    assert inside > across + 0.2
    model.save_pretrained(tmp_path / "enc")
    again = SetEncoder.from_pretrained(tmp_path / "enc")
    assert np.allclose(again.encode_features(x[:5]), emb[:5], atol=1e-5)
    assert (tmp_path / "enc" / "README.md").is_file()
    with pytest.raises(ValueError, match="at least two collections"):
        train_set_encoder(x, {"only": [0, 1, 2]}, config)
    with pytest.raises(FileNotFoundError, match="not a set encoder"):
        SetEncoder.from_pretrained(tmp_path)
