"""Long pieces as sections, and the music encoder that pools them (mean or attention) with the whole piece."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel
from partita.discovery.features import N_FEATURES, music_features
from partita.discovery.sections import (
    LONG_BARS,
    MAX_SECTIONS,
    pad_sections,
    read_sections,
    section_features,
    section_spans,
    write_sections,
)
from partita.discovery.train import TrainConfig, evaluate, train_discovery

TINY = dict(dim=16, buckets=512, text_width=8, hidden=32)


def _piece(bars: int, first_pitch: int = 60) -> symusic.Score:
    """A 4/4 piece of ``bars`` bars of quarter notes climbing the C major scale and back."""
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("melody", 0)
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2]
    for i in range(bars * 4):
        track.notes.append(symusic.Note(i * 480, 440, first_pitch + scale[i % len(scale)], 80))
    score.tracks.append(track)
    return score


def test_only_long_pieces_have_sections_and_they_tile_the_piece():
    assert section_spans(_piece(LONG_BARS)) == []
    assert section_features(_piece(8)).shape == (0, N_FEATURES)
    spans = section_spans(_piece(40))
    assert len(spans) == 5 and spans[0] == (0, 8 * 1920) and spans[-1][1] == 40 * 1920
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    very_long = section_spans(_piece(200))
    assert len(very_long) == MAX_SECTIONS and very_long[0][0] == 0 and very_long[-1][1] == 200 * 1920
    assert all(b - a == 8 * 1920 for a, b in very_long)  # evenly spaced windows of 8 bars
    rows = section_features(_piece(40))
    assert rows.shape == (5, N_FEATURES) and np.isfinite(rows).all()
    assert not np.allclose(rows[0], rows[1]) or not np.allclose(rows[1], rows[2])  # different stretches


def test_sections_round_trip_through_parquet(tmp_path):
    sections = {"a": section_features(_piece(48)), "b": np.zeros((0, N_FEATURES), dtype=np.float32)}
    write_sections(sections, tmp_path / "s.parquet")
    back = read_sections(tmp_path / "s.parquet")
    assert back.keys() == sections.keys() and back["b"].shape == (0, N_FEATURES)
    np.testing.assert_array_equal(back["a"], sections["a"])


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_pooling_leaves_short_pieces_alone_and_ignores_padding(pooling):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = DiscoveryModel(DiscoveryConfig(pooling=pooling, **TINY))
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(2, N_FEATURES)).astype(np.float32)
    short, long = np.zeros((0, N_FEATURES), np.float32), rng.normal(size=(3, N_FEATURES)).astype(np.float32)
    whole = model.encode_features(feats)  # no sections given: the whole-piece vector alone
    pooled = model.encode_features(feats, [short, long])
    np.testing.assert_allclose(pooled[0], whole[0], atol=1e-6)  # a short piece: as without pooling
    assert not np.allclose(pooled[1], whole[1], atol=1e-3)  # a long piece: its sections count
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    alone = model.encode_features(feats[1:2], [long[:1]])
    beside = model.encode_features(np.stack([feats[1], feats[0]]), [long[:1], long])  # padded to 3 sections
    np.testing.assert_allclose(alone[0], beside[0], atol=1e-6)


def test_an_attention_model_saves_loads_and_trains(tmp_path):
    rng = np.random.default_rng(1)
    words = ["a jig in D major", "a slow air in E minor", "a reel in G major", "a waltz in A minor"]
    entries = [
        {
            "piece_id": f"p{i}",
            "features": rng.normal(size=N_FEATURES).astype(np.float32).tolist(),
            "captions_en": [words[i % 4]] * 4,
            "captions_zh": ["一首曲子"] * 4,
            "sections": rng.normal(size=(i % 3, N_FEATURES)).astype(np.float32),
        }
        for i in range(12)
    ]
    tc = TrainConfig(epochs=2, batch_size=4, threads=1)
    model = train_discovery(entries, entries[:4], DiscoveryConfig(pooling="attention", **TINY), tc)
    assert 0.0 < evaluate(model, entries)["mrr"] <= 1.0
    model.save_pretrained(tmp_path / "m")
    loaded = DiscoveryModel.from_pretrained(tmp_path / "m")
    assert loaded.config.pooling == "attention"
    feats = np.asarray([e["features"] for e in entries], dtype=np.float32)
    sections = [e["sections"] for e in entries]
    np.testing.assert_allclose(
        loaded.encode_features(feats, sections), model.encode_features(feats, sections), atol=2e-2
    )
    piece = _piece(40)
    vector = loaded.encode_score(piece)
    whole = loaded.encode_features(music_features(piece)[None])[0]
    assert vector.shape == (16,) and abs(np.linalg.norm(vector) - 1) < 1e-5
    assert not np.allclose(vector, whole, atol=1e-3)  # its 5 sections joined the whole-piece vector


def test_an_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="unknown pooling 'max'; choose one of: none, mean, attention"):
        DiscoveryModel(DiscoveryConfig(pooling="max", **TINY))
    padded, mask = pad_sections([np.ones((2, N_FEATURES), np.float32)], limit=3)
    assert padded.shape == (1, 3, N_FEATURES) and mask.tolist() == [[True, True, False]]
