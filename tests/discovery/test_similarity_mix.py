"""The similarity mixes the encoder's cosine with the standardised features' (``feature_weight``): on
collections left out of training the encoder alone was no better than the features (bench_similar_arms)."""

from __future__ import annotations

import numpy as np
import pytest

from partita.discovery.similarity import FEATURE_WEIGHT, SimilarityConfig, SimilarityEncoder


def _encoder(weight: float) -> SimilarityEncoder:
    model = SimilarityEncoder(SimilarityConfig(n_features=6, hidden=8, dim=4, feature_weight=weight))
    model.mean.copy_(model.mean + 0.5)
    model.scale.copy_(model.scale * 2.0)
    return model


def test_mixed_cosine_is_the_weighted_sum_of_the_encoders_and_the_features():
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    model = _encoder(0.25)
    mixed = model.encode_features(x)
    model.config.feature_weight = 0.0
    alone = model.encode_features(x)
    plain = (x - 0.5) / 2.0
    plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    assert mixed.shape == (5, 4 + 6) and alone.shape == (5, 4)
    assert np.allclose(np.linalg.norm(mixed, axis=1), 1.0, atol=1e-5)
    assert np.allclose(mixed @ mixed.T, 0.75 * alone @ alone.T + 0.25 * plain @ plain.T, atol=1e-5)


def test_the_weight_is_saved_and_a_bad_one_is_refused(tmp_path):
    x = np.ones((1, 6), dtype=np.float32)
    again = SimilarityEncoder.from_pretrained(_encoder(0.4).save_pretrained(tmp_path / "sim"))
    assert again.config.feature_weight == 0.4 and again.encode_features(x).shape == (1, 10)
    with pytest.raises(ValueError, match="feature_weight 1.5 is not between 0 and 1"):
        _encoder(1.5).encode_features(x)


def test_the_shipped_encoder_mixes_in_the_features():
    model = SimilarityEncoder.from_pretrained()
    assert model.config.feature_weight == FEATURE_WEIGHT == 0.25
    assert "0.75 x the encoder's cosine + 0.25 x" in model.model_card()
