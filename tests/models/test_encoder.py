"""The music encoder: compound tokens, shapes, padding, masking, save/load, and that a tiny one learns."""

from __future__ import annotations

import json

import numpy as np
import pytest
import symusic
import torch

from partita.models.encoder import (
    CONFIG,
    FIELDS,
    MASK,
    OFFSET,
    EncoderConfig,
    MusicEncoder,
    debug_encoder,
    note_tokens,
    pad_batch,
    score_notes,
    windows,
)
from partita.training.encoder import EncoderTrainConfig, corrupt, finetune, pretrain, random_mask

pytestmark = pytest.mark.usefixtures("one_thread")


def _score() -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 3, 4))
    t = symusic.Track("Piano", 0, False)
    t.notes.append(symusic.Note(0, 480, 60, 80))
    t.notes.append(symusic.Note(0, 480, 64, 40))
    t.notes.append(symusic.Note(1440 + 240, 120, 67, 100))  # bar 2, an eighth after the downbeat
    drums = symusic.Track("Drums", 0, True)
    drums.notes.append(symusic.Note(0, 120, 36, 100))
    s.tracks.extend([t, drums])
    return s


def _random_tokens(config: EncoderConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.stack([rng.integers(OFFSET, config.vocab(f), size=n) for f in FIELDS], axis=1).astype(np.int64)


def test_note_tokens_read_bars_positions_and_skip_drums():
    notes = score_notes(_score())
    assert len(notes) == 3  # the drum note is not a note of the piece
    assert notes.pitch.tolist() == [60, 64, 67]
    assert notes.bar.tolist() == [0, 0, 1]
    tok = note_tokens(notes, EncoderConfig())
    assert tok.shape == (3, len(FIELDS))
    assert tok[:, 0].tolist() == [OFFSET, OFFSET, OFFSET + 1]  # bars
    assert tok[:, 1].tolist() == [OFFSET, OFFSET, OFFSET + 6]  # an eighth is 6 twelfths of a quarter
    assert tok[:, 3].tolist()[0] == OFFSET + 14  # a quarter note: duration bucket 14
    assert tok[:, 4].tolist() == [OFFSET + 20, OFFSET + 10, OFFSET + 25]
    no_vel = note_tokens(notes, EncoderConfig(use_velocity=False))
    assert (no_vel[:, 4] == 0).all()


def test_forward_shapes_and_padding_do_not_change_real_notes():
    model = debug_encoder()
    rng = np.random.default_rng(0)
    a = _random_tokens(model.config, 10, rng)
    b = _random_tokens(model.config, 20, rng)
    batch, keep = pad_batch([a, b])
    assert batch.shape == (2, 20, len(FIELDS)) and keep.sum() == 30
    hidden = model(torch.from_numpy(batch), torch.from_numpy(keep))
    assert hidden.shape == (2, 20, model.config.d_model)
    alone = model(torch.from_numpy(a[None]))
    torch.testing.assert_close(hidden[0, :10], alone[0], atol=1e-5, rtol=1e-4)
    logits = model.mlm_logits(hidden)
    assert {k: v.shape[-1] for k, v in logits.items()} == {f: model.config.vocab(f) for f in FIELDS}


def test_encode_covers_long_pieces_with_windows():
    model = debug_encoder()  # max_len 64
    tokens = _random_tokens(model.config, 150, np.random.default_rng(1))
    assert windows(150, 64)[-1] == (86, 150)
    out = model.encode(tokens)
    assert out.shape == (150, 32) and np.isfinite(out).all()
    with pytest.raises(ValueError, match="max_len"):
        model(torch.from_numpy(tokens[None]))


def test_random_mask_and_corruption():
    gen = torch.Generator().manual_seed(0)
    keep = torch.ones(64, 100, dtype=torch.bool)
    keep[:, 80:] = False
    tokens = torch.full((64, 100, len(FIELDS)), 5)
    chosen = random_mask(tokens, keep, 0.15, gen)
    assert not chosen[~keep].any()
    assert chosen.any(dim=1).all()  # at least one a sequence
    assert 0.12 < chosen[keep].float().mean() < 0.18
    vocab = [EncoderConfig().vocab(f) for f in FIELDS]
    out = corrupt(tokens, chosen, vocab, gen)
    assert (out[~chosen] == 5).all()
    masked_share = (out[chosen] == MASK).all(dim=1).float().mean()
    assert 0.7 < masked_share < 0.9


def test_save_load_round_trip(tmp_path):
    model = debug_encoder(seed=3).with_classifier(("melody", "bridge", "piano"))
    model.save_pretrained(tmp_path / "enc", card={"name": "toy"})
    assert (tmp_path / "enc" / CONFIG).is_file() and not (tmp_path / "enc" / "config.json").exists()
    assert json.loads((tmp_path / "enc" / CONFIG).read_text())["labels"] == ["melody", "bridge", "piano"]
    loaded = MusicEncoder.from_pretrained(tmp_path / "enc")
    assert loaded.config == model.config and loaded.card["name"] == "toy"
    tokens = _random_tokens(model.config, 40, np.random.default_rng(2))
    np.testing.assert_allclose(loaded.classify(tokens), model.classify(tokens), atol=1e-6)
    with pytest.raises(FileNotFoundError, match="no encoder named"):
        MusicEncoder.from_pretrained(tmp_path / "missing")
    with pytest.raises(ValueError, match="no classifier"):
        debug_encoder().classify(tokens)


def _toy(config: EncoderConfig, rng: np.random.Generator, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """A piece of two-note chords: the upper note (label 0) and the lower (label 1), in random registers."""
    tokens, labels = [], []
    for i in range(n // 2):
        low = int(rng.integers(40, 70))
        high = low + int(rng.integers(3, 16))
        for p, lab in ((low, 1), (high, 0)):
            tokens.append([OFFSET + i // 4, OFFSET + 12 * (i % 4), OFFSET + p, OFFSET + 14, OFFSET + 20])
            labels.append(lab)
    return np.array(tokens, dtype=np.int64), np.array(labels)


def test_tiny_encoder_learns_a_toy_labelling():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = debug_encoder(seed=0, max_len=48).with_classifier(("upper", "lower"))
    pieces = [_toy(model.config, rng) for _ in range(20)]
    cfg = EncoderTrainConfig(steps=80, batch_size=8, lr=3e-3, warmup=10, seed=0)
    stats = finetune(model, [p for p, _ in pieces], [lab for _, lab in pieces], cfg)
    assert stats["final_loss"] < stats["first_loss"]
    test_tokens, test_labels = _toy(model.config, np.random.default_rng(9))
    accuracy = (model.classify(test_tokens).argmax(1) == test_labels).mean()
    assert accuracy > 0.9


def test_pretraining_lowers_the_masked_loss():
    rng = np.random.default_rng(0)
    model = debug_encoder(seed=1, max_len=48)
    pieces = [_toy(model.config, rng)[0] for _ in range(10)]
    stats = pretrain(model, pieces, EncoderTrainConfig(steps=30, batch_size=8, lr=3e-3, warmup=5))
    assert stats["steps"] == 30 and stats["final_loss"] < stats["first_loss"]
    with pytest.raises(ValueError, match="no notes"):
        pretrain(model, [np.zeros((0, len(FIELDS)), dtype=np.int64)], EncoderTrainConfig(steps=1))


def test_the_shipped_encoder_loads_and_tags_melody():
    from partita.models.encoder import available_encoders

    if "encoder-small" not in available_encoders():
        pytest.skip("no encoder is shipped")
    model = MusicEncoder.from_pretrained("encoder-small")
    assert model.config.labels == ("melody", "bridge", "piano")
    probs = model.classify(note_tokens(score_notes(_score()), model.config))
    assert probs.shape == (3, 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
