"""The music feature vector and a short training run."""

from __future__ import annotations

import numpy as np

from partita.corpus import load_corpus
from partita.discovery.encoders import DiscoveryConfig
from partita.discovery.features import FEATURE_NAMES, N_FEATURES, music_features, piece_entry
from partita.discovery.train import TrainConfig, clauses, evaluate, train_discovery


def test_features_are_finite_and_name_the_meter_and_key(tiny_corpus):
    corpus = load_corpus(tiny_corpus)
    record = next(r for r in corpus.records() if r["title"] == "Minor Waltz")
    score = corpus.read_piece(record["piece_id"])
    x = music_features(score)
    assert x.shape == (N_FEATURES,) and len(FEATURE_NAMES) == N_FEATURES and np.isfinite(x).all()
    assert x[FEATURE_NAMES.index("meter:3/4")] == 1.0
    assert x[FEATURE_NAMES.index("key:A minor")] == 1.0
    entry = piece_entry(score, record["piece_id"], record, n=2)
    assert len(entry.captions_en) == 2 and len(entry.captions_zh) == 2
    assert entry.labels["title"] == "Minor Waltz"


def test_clauses_split_both_languages():
    assert clauses("It is in D major. The meter is 3/4.") == ["It is in D major.", "The meter is 3/4."]
    assert clauses("采用D大调，拍号为3/4。") == ["采用D大调", "拍号为3/4"]


def test_training_learns_to_match_captions_to_features():
    rng = np.random.default_rng(0)
    words = ["reel", "waltz", "jig", "march", "hymn", "polka", "air", "song"]
    entries = []
    for i in range(64):
        kind = i % len(words)
        feats = rng.normal(size=N_FEATURES).astype(np.float32) * 0.1
        feats[kind] += 3.0
        text = [f"A {words[kind]} tune. It is a {words[kind]}."] * 4
        entries.append(
            {"piece_id": str(i), "features": feats.tolist(), "captions_en": text, "captions_zh": text}
        )
    config = DiscoveryConfig(dim=16, buckets=1024, text_width=16, hidden=32)
    model = train_discovery(entries, entries[:16], config, TrainConfig(epochs=20, batch_size=32, lr=1e-2))
    assert (
        evaluate(model, entries[:16])["hit10"] == 1.0
    )  # 8 kinds, 2 pieces each: the right kind is in the top 2
    assert model.config.metrics["valid_mrr"] > 0.3  # random: ~0.21 for 16 candidates
