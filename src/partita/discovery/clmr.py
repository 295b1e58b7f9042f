"""Learning from sound: a small contrastive audio encoder in the manner of CLMR (issue 24, item 3).

CLMR (Spijkervet & Burgoyne 2021) learns representations of music from unlabelled audio with SimCLR: two
augmented views of the same clip are pulled together and every other view of the batch pushed away
(NT-Xent), and the representation is judged by a linear probe on labels it never saw. Here, on the CPU:

- **Front end**: mono audio at :data:`SAMPLE_RATE` (16 kHz) -> power STFT (512 points, hop 256: 62.5
  frames a second) -> 64 mel bands (30 Hz-8 kHz) -> decibels under the crop's loudest bin, the 80 dB below
  it mapped to 0..1 (:class:`LogMel`, no weights: it is computed in torch, so augmented waveforms are turned
  into features batch by batch).
- **Augmentations** (:func:`augment`, on a batch of waveforms, each view drawn independently): a random
  crop of ``crop_s`` seconds, a pitch shift by resampling (up to ``max_shift`` semitones either way; the
  tempo moves with it), a random gain, added white noise at a random signal-to-noise ratio, and after the
  front end time masking (a few stretches of frames set to silence). In training, the second view is, with
  ``program_prob``, cut from another rendering of the same piece on another program (a program change).
- **Encoder** (:class:`ClmrEncoder`): four 1-D convolutions over time (mel bands as channels), each with
  batch norm, ReLU and max-pooling by 2; the mean and the maximum over time, concatenated, are the
  representation (``2 * hidden`` numbers) that is probed; a two-layer projection head maps it to the
  ``proj_dim`` vector on which NT-Xent is computed (and is dropped after training, as in SimCLR).
- :func:`embed_audio`: a recording's vector, the mean representation of ``crop_s`` windows (half
  overlapping) over its first :data:`MAX_SECONDS`.

Training, the corpus renders it learns from and the linear probes are in :mod:`partita.discovery.clmr_train`.
A model folder holds ``clmr_config.json``, ``model.safetensors`` and a model card (README.md).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from partita.audio.files import checked_clip
from partita.models.weights import CARD_FILE, WEIGHTS_FILE, JsonConfig, load_weights, save_weights  # noqa: F401 (named in the folder)

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
FPS = SAMPLE_RATE / HOP
"""Frames a second of the front end (62.5)."""
N_MELS = 64
TOP_DB = 80.0
MIN_SECONDS = 1.0
MAX_SECONDS = 600.0
"""A recording's first ten minutes are embedded; the rest is left out (time and memory stay bounded)."""
CONFIG_FILE = "clmr_config.json"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "pretrained" / "clmr-small"
"""The small encoder that ships with partita: bench/bench_clmr.py --save."""


# --------------------------------------------------------------------------------------------- config


@dataclass
class ClmrConfig(JsonConfig):
    """The encoder's shape, its augmentations and its training."""

    sample_rate: int = SAMPLE_RATE
    n_mels: int = N_MELS
    hidden: int = 128
    layers: int = 4
    proj_dim: int = 64
    crop_s: float = 2.5
    max_shift: float = 3.0
    """Pitch shift by resampling, in semitones either way (drawn uniformly), with ``shift_prob``."""
    shift_prob: float = 0.6
    gain_db: tuple[float, float] = (-12.0, 0.0)
    noise_prob: float = 0.5
    snr_db: tuple[float, float] = (10.0, 30.0)
    mask_prob: float = 0.5
    mask_frames: int = 20
    """Up to this many frames in each of two masked stretches (0.3 s at 62.5 frames a second)."""
    program_prob: float = 0.5
    """The chance that a pair's second view is another rendering of the piece (another program): what
    keeps the encoder from telling clips apart by their instrument alone."""
    temperature: float = 0.2
    steps: int = 600
    batch: int = 48
    lr: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0
    trained_on: str = ""
    training_seconds: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        """The length of the representation :func:`embed_audio` returns."""
        return 2 * self.hidden

    @property
    def crop_samples(self) -> int:
        return int(round(self.crop_s * self.sample_rate))

    def _restored(self) -> None:
        self.gain_db = tuple(self.gain_db)
        self.snr_db = tuple(self.snr_db)


# --------------------------------------------------------------------------------------------- front end


class LogMel(nn.Module):
    """``B x samples`` -> ``B x n_mels x frames`` log-mel in 0..1 (decibels under each item's loudest bin,
    ``TOP_DB`` below it mapped to 0). The filterbank is librosa's, held as a buffer that is not saved."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, n_mels: int = N_MELS) -> None:
        super().__init__()
        import librosa

        fb = librosa.filters.mel(sr=sample_rate, n_fft=N_FFT, n_mels=n_mels, fmin=30.0, fmax=sample_rate / 2)
        self.register_buffer("filters", torch.from_numpy(fb.astype(np.float32)), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave, N_FFT, HOP, window=self.window, center=True, return_complex=True)
        mel = self.filters @ (spec.real.square() + spec.imag.square())
        db = 10.0 * torch.log10(mel.clamp_min(1e-10))
        top = db.amax((1, 2), keepdim=True)
        return ((db - top).clamp_min(-TOP_DB) + TOP_DB) / TOP_DB


# --------------------------------------------------------------------------------------------- augmentations


def random_crops(clips: torch.Tensor, length: int, config: ClmrConfig, gen: torch.Generator) -> torch.Tensor:
    """One crop of ``length`` samples from each clip (``B x n``), each pitch-shifted by resampling with
    ``config.shift_prob``: a stretch ``length * r`` long (``r = 2 ** (s / 12)``, ``s`` uniform in
    +-``max_shift`` semitones) squeezed or stretched into ``length`` samples, so that every frequency is
    multiplied by ``r`` (and the tempo with it). A clip shorter than the stretch is padded with silence."""
    b, n = clips.shape
    semis = (torch.rand(b, generator=gen) * 2 - 1) * config.max_shift
    semis = torch.where(torch.rand(b, generator=gen) < config.shift_prob, semis, torch.zeros(b))
    ratio = 2.0 ** (semis / 12.0)
    out = torch.empty(b, length)
    for i in range(b):
        src = int(round(length * float(ratio[i])))
        start = int(torch.randint(0, max(1, n - src + 1), (1,), generator=gen))
        piece = clips[i, start : start + src]
        if piece.numel() < src:
            piece = F.pad(piece, (0, src - piece.numel()))
        if src == length:
            out[i] = piece
        else:
            out[i] = F.interpolate(piece.view(1, 1, -1), size=length, mode="linear", align_corners=False)[
                0, 0
            ]
    return out


def gain_and_noise(wave: torch.Tensor, config: ClmrConfig, gen: torch.Generator) -> torch.Tensor:
    """A random gain (``gain_db``) on each crop, and with ``noise_prob`` white noise at a signal-to-noise
    ratio drawn from ``snr_db`` (against the crop's own power)."""
    b = wave.shape[0]
    lo, hi = config.gain_db
    gain = 10.0 ** ((lo + (hi - lo) * torch.rand(b, 1, generator=gen)) / 20.0)
    wave = wave * gain
    power = wave.pow(2).mean(1, keepdim=True).clamp_min(1e-10)
    lo, hi = config.snr_db
    snr = 10.0 ** ((lo + (hi - lo) * torch.rand(b, 1, generator=gen)) / 10.0)
    noise = torch.randn(wave.shape, generator=gen) * (power / snr).sqrt()
    on = (torch.rand(b, 1, generator=gen) < config.noise_prob).float()
    return wave + on * noise


def time_mask(mel: torch.Tensor, config: ClmrConfig, gen: torch.Generator) -> torch.Tensor:
    """With ``mask_prob``, two stretches of up to ``mask_frames`` frames of each log-mel set to silence."""
    out = mel.clone()
    b, _, t = mel.shape
    for i in range(b):
        if float(torch.rand(1, generator=gen)) >= config.mask_prob:
            continue
        for _ in range(2):
            width = int(torch.randint(1, config.mask_frames + 1, (1,), generator=gen))
            start = int(torch.randint(0, max(1, t - width), (1,), generator=gen))
            out[i, :, start : start + width] = 0.0
    return out


def augment(
    clips: torch.Tensor, config: ClmrConfig, gen: torch.Generator, frontend: LogMel | None = None
) -> torch.Tensor:
    """One augmented view of each clip (``B x samples`` at the config's rate) as log-mel frames
    (``B x n_mels x frames``): crop + pitch shift, gain + noise, the front end, time masking."""
    frontend = frontend or LogMel(config.sample_rate, config.n_mels)
    wave = gain_and_noise(random_crops(clips, config.crop_samples, config, gen), config, gen)
    return time_mask(frontend(wave), config, gen)


# --------------------------------------------------------------------------------------------- model


class ClmrEncoder(nn.Module):
    """``B x n_mels x frames`` log-mel -> ``layers`` x (1-D conv, batch norm, ReLU, max-pool 2) -> mean and
    max over time (the representation, ``2 * hidden``); :meth:`project` maps it to the NT-Xent space."""

    def __init__(self, config: ClmrConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or ClmrConfig()
        blocks: list[nn.Module] = []
        width = c.n_mels
        for _ in range(c.layers):
            blocks += [
                nn.Conv1d(width, c.hidden, 3, padding=1, bias=False),
                nn.BatchNorm1d(c.hidden),
                nn.ReLU(),
                nn.MaxPool1d(2, ceil_mode=True),
            ]
            width = c.hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Linear(c.dim, c.dim), nn.ReLU(), nn.Linear(c.dim, c.proj_dim))
        self.frontend = LogMel(c.sample_rate, c.n_mels)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """The representation of log-mel frames: ``B x 2 * hidden``."""
        h = self.body(mel - mel.mean((1, 2), keepdim=True))
        return torch.cat([h.mean(2), h.amax(2)], 1)

    def project(self, rep: torch.Tensor) -> torch.Tensor:
        """The projection head: representations -> unit ``proj_dim`` vectors for NT-Xent."""
        return F.normalize(self.head(rep), dim=-1)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def represent(self, samples: np.ndarray, batch: int = 32) -> np.ndarray:
        """The mean representation of the ``crop_s`` windows (half overlapping) of mono audio at the
        config's rate; a clip shorter than one window is padded with silence."""
        c = self.config
        n = c.crop_samples
        y = np.asarray(samples, dtype=np.float32).reshape(-1)
        if y.size < n:
            y = np.pad(y, (0, n - y.size))
        starts = range(0, max(1, y.size - n + 1), max(1, n // 2))
        windows = np.stack([y[s : s + n] for s in starts])
        was = self.training
        self.eval()
        reps = [
            self(self.frontend(torch.from_numpy(windows[i : i + batch])))
            for i in range(0, len(windows), batch)
        ]
        self.train(was)
        return torch.cat(reps).mean(0).numpy()

    def save_pretrained(self, folder: str | os.PathLike) -> Path:
        """Write the config JSON, the weights (safetensors, float32) and a model card into ``folder``."""
        return save_weights(folder, self, CONFIG_FILE, self.config.to_json(), model_card(self))

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike | None = None) -> ClmrEncoder:
        """Read an encoder saved by :meth:`save_pretrained` (the shipped clmr-small by default)."""
        folder = Path(folder) if folder is not None else DEFAULT_MODEL
        hint = "; train one with `partita clmr train --out DIR` or `python bench/bench_clmr.py --save DIR`"
        config, state = load_weights(folder, CONFIG_FILE, "a CLMR audio encoder", hint)
        model = cls(ClmrConfig.from_dict(config))
        try:
            model.load_state_dict(state)
        except RuntimeError as e:
            first = str(e).strip().splitlines()[0]
            raise ValueError(f"{folder}: the weights do not fit {CONFIG_FILE} ({first})") from None
        return model.eval()


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's normalised temperature-scaled cross-entropy for unit vectors ``z1[i]``/``z2[i]`` (the two
    views of clip ``i``): each view's positive is its twin, the other ``2B - 2`` views are negatives."""
    z = torch.cat([z1, z2])
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(len(z), dtype=torch.bool), float("-inf"))
    b = len(z1)
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
    return F.cross_entropy(sim, target)


def model_card(model: ClmrEncoder) -> str:
    """A short model card for a saved encoder."""
    c = model.config
    lines = [
        "# partita CLMR-style audio encoder",
        "",
        "A small convolutional encoder of log-mel frames trained without labels, SimCLR-style: two augmented",
        "crops of the same clip are pulled together (NT-Xent), the other crops of the batch pushed apart.",
        "Its representation is judged by linear probes (style, instrument family, Irish tune type) on",
        "held-out pieces. Used by `partita clmr embed` (docs/AUDIO.md).",
        "",
        f"- trained on: {c.trained_on or 'unknown'}",
        f"- front end: {c.sample_rate} Hz, STFT {N_FFT}/{HOP}, {c.n_mels} mel bands 30 Hz-"
        f"{c.sample_rate // 2} Hz, log (80 dB range)",
        f"- shape: {c.layers} x (conv {c.hidden}, batch norm, ReLU, max-pool 2) -> mean + max over time ="
        f" {c.dim}-d representation; projection head {c.dim} -> {c.dim} -> {c.proj_dim}"
        f" ({model.num_parameters():,} parameters)",
        f"- augmentations: random {c.crop_s:g} s crop; pitch shift by resampling up to +-{c.max_shift:g}"
        f" semitones (p={c.shift_prob:g}); gain {c.gain_db[0]:g}..{c.gain_db[1]:g} dB; white noise at"
        f" {c.snr_db[0]:g}-{c.snr_db[1]:g} dB SNR (p={c.noise_prob:g}); time masking (p={c.mask_prob:g});"
        f" the second view from another program of the piece (p={c.program_prob:g})",
        f"- NT-Xent, temperature {c.temperature:g}, batch {c.batch} clips (2 views each), {c.steps} steps, "
        f"AdamW lr {c.lr:g}, seed {c.seed}",
    ]
    if c.training_seconds:
        lines.append(
            f"- training time: {c.training_seconds:.0f} s on one CPU thread (the shared 2-core machine)"
        )
    lines.append("- no pickle: config JSON + safetensors")
    if c.metrics:
        lines += ["", "## Linear probes on held-out pieces (bench/bench_clmr.py)", ""]
        lines += [f"- {k}: {json.dumps(v)}" for k, v in c.metrics.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- use


def check_audio(samples: np.ndarray, sample_rate: int, name: str = "the audio") -> np.ndarray:
    """Mono float32 at :data:`SAMPLE_RATE` (the first :data:`MAX_SECONDS`), or a :class:`ScoreError` that
    says why not: too short (under 1 s), silent (peak under -60 dBFS), invalid samples."""
    return checked_clip(
        samples,
        sample_rate,
        rate=SAMPLE_RATE,
        min_seconds=MIN_SECONDS,
        max_seconds=MAX_SECONDS,
        purpose="embed it",
        silent="there is nothing to embed",
        name=name,
    )


def embed_audio(
    samples: np.ndarray,
    sample_rate: int,
    model: ClmrEncoder | None = None,
    name: str = "the audio",
) -> np.ndarray:
    """A recording's vector (``model.config.dim`` numbers): the mean representation of its ``crop_s``
    windows, half overlapping, over its first ten minutes (the shipped clmr-small by default)."""
    model = model or ClmrEncoder.from_pretrained()
    y = check_audio(samples, sample_rate, name)
    if model.config.sample_rate != SAMPLE_RATE:
        import soxr

        y = soxr.resample(y, SAMPLE_RATE, model.config.sample_rate).astype(np.float32)
    return model.represent(y)
