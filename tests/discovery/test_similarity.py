"""The similarity encoder of `partita similar`: trained contrastively on collections, saved without pickle,
used by the index (``method="learned"``, the old ``discovery`` vectors kept as an option)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from partita.cli.main import main
from partita.corpus import load_corpus
from partita.discovery.features import N_FEATURES
from partita.discovery.index import DiscoveryIndex
from partita.discovery.similarity import (
    DEFAULT_SIMILARITY,
    SimilarityConfig,
    SimilarityEncoder,
    contrastive_loss,
    neighbour_scores,
    similar_order,
    train_similarity,
    training_rows,
)


def _clusters(n_groups: int = 12, per: int = 12, seed: int = 0):
    """Pieces whose collection shows in 4 quiet dimensions, hidden under 16 loud noise dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, 4)) * 0.6
    rows, owners = [], []
    for g in range(n_groups):
        signal = centres[g] + rng.normal(size=(per, 4)) * 0.1
        noise = rng.normal(size=(per, 16)) * 3.0
        rows.append(np.concatenate([signal, noise], axis=1))
        owners += [f"c{g}"] * per
    return np.concatenate(rows).astype(np.float32), owners


def test_contrastive_loss_prefers_collection_mates_close():
    owner = torch.tensor([0, 0, 1, 1])
    together = torch.nn.functional.normalize(torch.tensor([[1.0, 0], [1, 0.01], [0, 1], [0.01, 1]]), dim=1)
    apart = together[[0, 2, 1, 3]]  # each piece's mate is now the other collection's
    assert contrastive_loss(together, owner, 0.1) < contrastive_loss(apart, owner, 0.1) - 1.0


def test_training_finds_collection_mates_the_raw_features_miss():
    x, owners = _clusters()
    train = [i for i in range(len(x)) if i % 12 < 8]  # 8 pieces a collection train, 4 held out as queries
    queries = [i for i in range(len(x)) if i % 12 >= 8]
    groups: dict[str, list[int]] = {}
    for pos, i in enumerate(train):
        groups.setdefault(owners[i], []).append(pos)
    z = (x - x[train].mean(0)) / x[train].std(0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    raw = neighbour_scores(z, owners, queries, range(len(x)), k=3)
    config = SimilarityConfig(
        n_features=20, hidden=32, dim=8, steps=60, batch_collections=8, eval_every=20, lr=1e-2
    )
    model = train_similarity(x[train], groups, config, valid=(x, owners, queries, range(len(x))))
    got = neighbour_scores(model.encode_features(x), owners, queries, range(len(x)), k=3)
    assert got["n"] == raw["n"] == len(queries)
    assert got["mrr"] > raw["mrr"] + 0.2 and got["hit10"] > raw["hit10"]
    at10 = neighbour_scores(model.encode_features(x), owners, queries, range(len(x)))
    assert config.step in (20, 40, 60) and config.metrics["valid_hit10"] == pytest.approx(
        at10["hit10"], abs=1e-3
    )


def test_neighbour_scores_counts_the_first_mate():
    vectors = np.eye(4, dtype=np.float32)
    vectors[1] = [0.9, 0.1, 0, 0]  # piece 1 is nearest to piece 0
    got = neighbour_scores(vectors, ["a", "a", "b", None], [0, 3], range(4), k=1)
    assert got == {"hit10": 1.0, "mrr": 1.0, "n": 1}  # piece 3 has no collection: skipped


def test_only_train_pieces_are_paired_and_test_pieces_never_read():
    splits = ["train", "test", "train", "valid", "test", "train", "valid"]
    owners = ["a", "a", "a", "a", "b", "b", None]
    train_rows, groups, queries = training_rows(splits, owners)
    assert train_rows == [0, 2, 5]
    assert groups == {"a": [0, 1], "b": [2]}  # positions among the train rows
    assert queries == [3]  # valid pieces of a collection; test rows 1 and 4 are nowhere


def test_save_and_load_round_trip(tmp_path):
    model = SimilarityEncoder(SimilarityConfig(n_features=6, hidden=8, dim=4))
    model.mean.fill_(0.5)
    x = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    folder = model.save_pretrained(tmp_path / "sim")
    assert json.loads((folder / "similarity_config.json").read_text())["dim"] == 4
    assert b"pickle" not in (folder / "model.safetensors").read_bytes()[:200]
    again = SimilarityEncoder.from_pretrained(folder)
    assert np.allclose(again.encode_features(x), model.encode_features(x), atol=1e-6)
    (folder / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ValueError, match="unreadable similarity encoder"):
        SimilarityEncoder.from_pretrained(folder)
    with pytest.raises(FileNotFoundError, match="not a similarity encoder"):
        SimilarityEncoder.from_pretrained(tmp_path / "nowhere")


def test_the_shipped_encoder_reads_partitas_features():
    model = SimilarityEncoder.from_pretrained()
    assert DEFAULT_SIMILARITY.name == "similar-small" and model.config.n_features == N_FEATURES
    assert "train-split" in model.config.trained_on and model.config.metrics["valid_hit10"] > 0
    v = model.encode_features(np.zeros((2, N_FEATURES), dtype=np.float32))
    width = model.config.dim + (N_FEATURES if model.config.feature_weight else 0)  # the features mixed in
    assert v.shape == (2, width) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)


def test_similar_order_keeps_the_allowed_best():
    assert similar_order(np.array([0.1, 0.9, 0.5, 0.9]), ["a", "b", "c", "d"], {"a", "c", "d"}, 2) == [3, 2]


def test_index_similar_learned_and_the_old_discovery_vectors(tiny_corpus, tiny_index):
    corpus = load_corpus(tiny_corpus)
    record = next(r for r in corpus.records() if r["title"] == "Little Jig")
    score = corpus.read_piece(record["piece_id"])
    index = DiscoveryIndex(tiny_index)
    learned = index.similar(score, k=4, method="learned")
    assert learned[0].piece_id == record["piece_id"] and learned[0].score > 0.99
    assert [h.piece_id for h in index.similar(score, k=4)] == [h.piece_id for h in learned]  # the default
    old = index.similar(score, k=4, method="discovery")
    assert [h.piece_id for h in old] == [
        h.piece_id for h in index.search_vector(index.model.encode_score(score), 4)
    ]
    space, encoder = index._similarity_space()
    ids = index.piece_ids()
    cosine = float(space[ids.index(learned[1].piece_id)] @ encoder.encode_score(score))
    assert learned[1].score == pytest.approx(cosine, abs=1e-5)  # the encoder's cosine, not the old vectors'
    kept = index.similar(score, k=4, where="meter = '2/4'")
    assert [h.fields["meter"] for h in kept] == ["2/4"]
    with pytest.raises(ValueError, match="unknown similarity method 'nearest'"):
        index.similar(score, method="nearest")


def test_cli_similar_method(tiny_corpus, tiny_index, capsys):
    piece = next(tiny_corpus.joinpath("midi").rglob("*.mid"))
    for method in ("learned", "discovery"):
        assert (
            main(["similar", str(piece), "-k", "2", "--index", str(tiny_index), "--json", "--method", method])
            == 0
        )
        assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["similar", str(piece), "--index", str(tiny_index), "--method", "nearest"]) != 0
