"""The discovery encoders: tokens in both languages, save/load round trip, retrieval measures, BM25."""

from __future__ import annotations

import json

import numpy as np
import pytest

from partita.discovery.encoders import CONFIG_FILE, DiscoveryConfig, DiscoveryModel, text_tokens
from partita.discovery.metrics import bm25_scores, random_mrr, retrieval_metrics


def test_tokens_cover_english_chinese_and_meters():
    tokens = text_tokens("A jig in 6/8, F# minor")
    assert {"w:jig", "w:6/8", "w:f#", "b:f# minor", "c:<ji"} <= set(tokens)
    zh = text_tokens("巴赫的众赞歌")
    assert "z:巴" in zh and "y:巴赫" in zh


def test_save_and_load_round_trip(tmp_path):
    model = DiscoveryModel(DiscoveryConfig(dim=16, buckets=512, text_width=8, hidden=32, trained_on="test"))
    texts = ["a waltz in D minor", "一首D大调的舞曲"]
    feats = np.random.default_rng(0).normal(size=(3, model.config.n_features)).astype(np.float32)
    model.save_pretrained(tmp_path / "m")
    loaded = DiscoveryModel.from_pretrained(tmp_path / "m")
    assert loaded.config == model.config
    assert json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["trained_on"] == "test"
    assert (tmp_path / "m" / "README.md").read_text().startswith("# partita discovery model")
    np.testing.assert_allclose(loaded.encode_text(texts), model.encode_text(texts), atol=2e-2)
    np.testing.assert_allclose(loaded.encode_features(feats), model.encode_features(feats), atol=2e-2)


def test_a_missing_or_damaged_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a discovery model"):
        DiscoveryModel.from_pretrained(tmp_path)
    DiscoveryModel(DiscoveryConfig(dim=8, buckets=64, text_width=4, hidden=8)).save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="unreadable discovery weights"):
        DiscoveryModel.from_pretrained(tmp_path)


def test_retrieval_metrics_count_ties_half():
    perfect = retrieval_metrics(np.eye(4))
    assert perfect["mrr"] == 1.0 and perfect["hit1"] == 1.0
    tied = retrieval_metrics(np.ones((2, 2)))  # each right one tied with one other: rank 1.5
    assert tied["mrr"] == pytest.approx(1 / 1.5) and tied["hit1"] == 0.0
    assert random_mrr(1000) == pytest.approx(0.0075, abs=2e-4)


def test_bm25_prefers_the_matching_document():
    docs = ["a jig in D major", "a waltz in A minor", "a reel in G major"]
    scores = bm25_scores(["waltz A minor", "reel G"], docs)
    assert scores.argmax(1).tolist() == [1, 2]
