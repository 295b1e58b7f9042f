"""The CLMR-style audio encoder: augmentations, NT-Xent training, save/load, probes and bad input.

Tiny models built in code on synthetic clips (tones of different pitch and timbre), no rendering."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from partita.cli.main import main
from partita.discovery.clmr import (
    SAMPLE_RATE,
    ClmrConfig,
    ClmrEncoder,
    LogMel,
    augment,
    embed_audio,
    gain_and_noise,
    nt_xent,
    random_crops,
    time_mask,
)
from partita.discovery.clmr_train import linear_probe, paired_bootstrap, random_encoder, train_clmr
from partita.score import ScoreError

SECONDS = 3.0


def tone(
    f0: float, harmonics: int, seconds: float = SECONDS, sr: int = SAMPLE_RATE, seed: int = 0
) -> np.ndarray:
    """A harmonic tone with ``harmonics`` partials, a little vibrato and a decaying envelope per beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f = f0 * (1 + 0.004 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    env = np.exp(-3 * (t % 0.5))
    return (0.3 * y * env / np.abs(y).max() + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


def tiny_config(**kw) -> ClmrConfig:
    return ClmrConfig(**{"hidden": 16, "layers": 2, "proj_dim": 8, "crop_s": 1.0, "batch": 8, **kw})


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    return [tone(110 * 2 ** (k / 5), 1 + 3 * (k % 3), seed=k) for k in range(8)]


def test_augmentations_keep_shapes(clips):
    c = tiny_config(mask_prob=1.0, noise_prob=1.0, shift_prob=1.0)
    gen = torch.Generator().manual_seed(0)
    batch = torch.from_numpy(np.stack(clips[:4]))
    crops = random_crops(batch, c.crop_samples, c, gen)
    assert crops.shape == (4, c.crop_samples)
    noisy = gain_and_noise(crops, c, gen)
    assert noisy.shape == crops.shape and not torch.allclose(noisy, crops)
    mel = LogMel()(noisy)
    assert mel.shape[:2] == (4, c.n_mels) and float(mel.min()) >= 0.0 and float(mel.max()) <= 1.0
    masked = time_mask(mel, c, gen)
    assert masked.shape == mel.shape and bool((masked.amax(1) == 0).any())
    views = augment(batch, c, gen)
    assert views.shape == mel.shape
    # a clip shorter than a crop is padded, not refused
    assert random_crops(batch[:, :1000], c.crop_samples, c, gen).shape == (4, c.crop_samples)


def test_nt_xent_rewards_matching_views():
    z = torch.nn.functional.normalize(torch.randn(6, 8), dim=-1)
    other = torch.nn.functional.normalize(torch.randn(6, 8), dim=-1)
    assert float(nt_xent(z, z, 0.2)) < float(nt_xent(z, other, 0.2))


def test_training_lowers_the_loss(clips):
    torch.set_num_threads(1)
    c = tiny_config(steps=40, lr=5e-3, noise_prob=0.2, mask_prob=0.2)
    seen = []
    model, losses = train_clmr(
        clips, c, groups=[k // 2 for k in range(8)], progress=lambda d, t, m: seen.append(d)
    )
    assert len(losses) == 40 and seen[-1] == 40
    assert np.mean(losses[-8:]) < np.mean(losses[:8]) - 0.1
    assert c.training_seconds > 0
    with pytest.raises(ValueError, match="at least two pieces"):
        train_clmr(clips[:2], c, groups=[0, 0])


def test_save_and_load_give_the_same_embedding(clips, tmp_path):
    model = random_encoder(tiny_config(), seed=3)
    before = embed_audio(clips[0], SAMPLE_RATE, model)
    assert before.shape == (model.config.dim,)
    model.save_pretrained(tmp_path / "m")
    assert {"clmr_config.json", "model.safetensors", "README.md"} <= {
        p.name for p in (tmp_path / "m").iterdir()
    }
    loaded = ClmrEncoder.from_pretrained(tmp_path / "m")
    np.testing.assert_allclose(embed_audio(clips[0], SAMPLE_RATE, loaded), before, rtol=1e-5, atol=1e-6)
    # another rate is resampled to 16 kHz: a 22,050 Hz copy embeds close to the original
    import soxr

    other = embed_audio(soxr.resample(clips[0], SAMPLE_RATE, 22050), 22050, loaded)
    assert np.corrcoef(other, before)[0, 1] > 0.95


def test_bad_audio_is_one_clear_error(tmp_path):
    model = random_encoder(tiny_config())
    with pytest.raises(ScoreError, match="silent"):
        embed_audio(np.zeros(SAMPLE_RATE * 2, np.float32), SAMPLE_RATE, model)
    with pytest.raises(ScoreError, match="at least 1 s"):
        embed_audio(tone(220, 3, seconds=0.3), SAMPLE_RATE, model)
    bad = tone(220, 3)
    bad[100] = np.nan
    with pytest.raises(ScoreError, match="invalid samples"):
        embed_audio(bad, SAMPLE_RATE, model)
    with pytest.raises(FileNotFoundError, match="not a CLMR audio encoder"):
        ClmrEncoder.from_pretrained(tmp_path)


def test_linear_probe_scores_separable_features():
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"] * 20
    centres = {"a": 0.0, "b": 3.0, "c": -3.0}
    x = np.stack([rng.normal(centres[y], 1.0, 4) for y in labels])
    res = linear_probe(x[:30], labels[:30], np.arange(30) // 2, x[30:], labels[30:], min_train=5, min_test=3)
    assert res["roc_auc"] > 0.9 and res["pr_auc"] > 0.8 and res["classes"] == ["a", "b", "c"]
    noise = rng.normal(0, 1, x.shape)
    chance = linear_probe(noise[:30], labels[:30], np.arange(30) // 2, noise[30:], labels[30:], 5, 3)
    assert chance["roc_auc"] < res["roc_auc"]
    ci = paired_bootstrap(res, chance, np.arange(30, 60) // 2, n=100)
    assert 0 < ci["roc_auc"][0] <= ci["roc_auc"][1]


def test_cli_embed(clips, tmp_path, capsys):
    folder = random_encoder(tiny_config()).save_pretrained(tmp_path / "m")
    take = tmp_path / "take.wav"
    sf.write(take, clips[1], SAMPLE_RATE)
    assert main(["clmr", "embed", str(take), "--model", str(folder)]) == 0
    import json

    vector = json.loads(capsys.readouterr().out)
    assert len(vector) == 32
    out = tmp_path / "take.npy"
    assert main(["clmr", "embed", str(take), "--model", str(folder), "-o", str(out)]) == 0
    np.testing.assert_allclose(np.load(out), vector, atol=1e-5)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(SAMPLE_RATE * 2, np.float32), SAMPLE_RATE)
    corrupt = tmp_path / "broken.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8))
    capsys.readouterr()
    for path, words in (
        (silent, "silent"),
        (corrupt, "corrupt or truncated WAV"),
        (tmp_path / "missing.wav", "no such file"),
    ):
        assert main(["clmr", "embed", str(path), "--model", str(folder)]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0] and "Traceback" not in err[0]
    assert main(["clmr", "embed", str(take), "--model", str(tmp_path)]) != 0
    assert "not a CLMR audio encoder" in capsys.readouterr().err


def test_cli_train_refuses_bad_options_in_one_line(tmp_path, capsys):
    assert main(["clmr", "train", "--out", str(tmp_path / "m"), "--steps", "0"]) != 0
    assert "--steps must be at least 1" in capsys.readouterr().err
    assert main(["clmr", "train", "--out", str(tmp_path / "m"), "--corpus", "no-such-corpus"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-corpus" in err[0] and "Traceback" not in err[0]
