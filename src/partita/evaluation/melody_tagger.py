"""A bidirectional sequence tagger for note-level melody extraction (POP909: melody / bridge / piano).

The per-note classifiers of :mod:`partita.evaluation.melody_extraction` see each note alone (its hand
features); which voice carries the tune is a matter of context, so this tagger reads a song's merged note
list in onset order with a two-layer bidirectional GRU and tags every note. Per-note inputs: the hand
features of :func:`~partita.evaluation.melody_extraction.note_features` (standardised with the training
notes' mean and spread, kept in the config), a learned embedding of the pitch, and the note's relation to its
neighbours in the list (onset gaps, pitch intervals, same-onset flags). Velocity is optional
(``use_velocity=False`` zeroes it, for MIDI without a performance).

It is trained on random windows of the training songs (:func:`train_tagger`, with transposition as
augmentation) and tags a whole song at once (:meth:`MelodyTagger.tag`). A folder holds
``melody_tagger.json`` (:class:`TaggerConfig`), ``model.safetensors`` and a card.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from partita.evaluation.melody_extraction import CLASSES, FEATURES, note_features
from partita.models.encoder import NoteArrays
from partita.models.weights import JsonConfig, load_weights, save_weights

log = logging.getLogger(__name__)

CONFIG_FILE = "melody_tagger.json"
N_HAND = len(FEATURES)
N_CONTEXT = 8  # the neighbour columns of :func:`tagger_inputs`
VELOCITY_COLUMNS = [FEATURES.index("velocity"), FEATURES.index("velocity_vs_onset_mean")]


@dataclass
class TaggerConfig(JsonConfig):
    """The tagger's shape and input normalisation."""

    use_velocity: bool = True
    hidden: int = 64
    layers: int = 2
    pitch_dim: int = 16
    dropout: float = 0.1
    classes: tuple[str, ...] = CLASSES
    mean: list[float] = field(default_factory=lambda: [0.0] * (N_HAND + N_CONTEXT))
    """Per-column mean of the inputs over the training notes (set by :func:`fit_normalisation`)."""
    std: list[float] = field(default_factory=lambda: [1.0] * (N_HAND + N_CONTEXT))

    def _restored(self) -> None:
        self.classes = tuple(self.classes)


@dataclass
class TaggerTrainConfig:
    """How :func:`train_tagger` trains: windows of ``window`` notes, ``batch`` a step, AdamW."""

    steps: int = 2000
    batch: int = 16
    window: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-4
    transpose: int = 3
    """Shift every window's pitches by up to this many semitones either way."""
    cpu_limit_s: float | None = None
    time_limit_s: float | None = None
    """Wall-clock seconds allowed this call (on a shared machine the CPU limit alone may run late)."""
    seed: int = 0


def tagger_inputs(
    notes: NoteArrays, use_velocity: bool = True, hand: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The raw per-note inputs ``(notes, N_HAND + N_CONTEXT)`` (float32, not yet normalised) and the pitches
    (int64). ``hand``: :func:`note_features` already computed (with velocity; zeroed here when not
    ``use_velocity``). Context columns: log onset gap to the previous and next note, pitch interval to them,
    whether each shares the note's onset, and the log gap to the previous and next different onset."""
    n = len(notes)
    X = np.zeros((n, N_HAND + N_CONTEXT), dtype=np.float32)
    pitch = notes.pitch.astype(np.int64).clip(0, 127)
    if not n:
        return X, pitch
    X[:, :N_HAND] = note_features(notes, use_velocity) if hand is None else hand
    if not use_velocity:
        X[:, VELOCITY_COLUMNS] = 0.0
    tpq = max(1, notes.ticks_per_quarter)
    s = notes.start.astype(np.float64) / tpq
    p = pitch.astype(np.float32)
    gap_prev = np.r_[8.0, np.diff(s)]
    gap_next = np.r_[np.diff(s), 8.0]
    X[:, N_HAND + 0] = np.log2(gap_prev + 1 / 16)
    X[:, N_HAND + 1] = np.log2(gap_next + 1 / 16)
    X[:, N_HAND + 2] = p - np.r_[p[0], p[:-1]]
    X[:, N_HAND + 3] = np.r_[p[1:], p[-1]] - p
    X[:, N_HAND + 4] = gap_prev == 0
    X[:, N_HAND + 5] = gap_next == 0
    onsets = np.unique(s)
    k = np.searchsorted(onsets, s)
    prev_onset = np.where(k > 0, s - onsets[np.maximum(k - 1, 0)], 8.0)
    next_onset = np.where(k + 1 < len(onsets), onsets[np.minimum(k + 1, len(onsets) - 1)] - s, 8.0)
    X[:, N_HAND + 6] = np.log2(prev_onset + 1 / 16)
    X[:, N_HAND + 7] = np.log2(next_onset + 1 / 16)
    return X, pitch


def fit_normalisation(config: TaggerConfig, inputs: Sequence[np.ndarray]) -> TaggerConfig:
    """Set ``config``'s mean and spread from the training songs' raw inputs (returns ``config``)."""
    X = np.concatenate(list(inputs))
    config.mean = [float(x) for x in X.mean(0)]
    config.std = [float(x) if x > 1e-6 else 1.0 for x in X.std(0)]
    return config


class MelodyTagger(nn.Module):
    """Per-note inputs -> a bidirectional GRU -> each note's class logits."""

    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.config = config
        width = N_HAND + N_CONTEXT
        self.register_buffer("mean", torch.tensor(config.mean, dtype=torch.float32), persistent=False)
        self.register_buffer("std", torch.tensor(config.std, dtype=torch.float32), persistent=False)
        self.pitch = nn.Embedding(128, config.pitch_dim)
        self.inp = nn.Sequential(nn.Linear(width + config.pitch_dim, config.hidden), nn.GELU())
        self.rnn = nn.GRU(
            config.hidden,
            config.hidden,
            num_layers=config.layers,
            batch_first=True,
            bidirectional=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(2 * config.hidden, len(config.classes))

    def forward(self, x: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, notes, width) raw inputs, ``pitch`` (batch, notes) -> logits (batch, notes,
        classes)."""
        h = torch.cat([(x - self.mean) / self.std, self.pitch(pitch)], -1)
        h, _ = self.rnn(self.inp(h))
        return self.out(self.drop(h))

    @torch.no_grad()
    def tag(self, notes: NoteArrays) -> np.ndarray:
        """Each note's class (an index into ``config.classes``), the whole song read at once."""
        if not len(notes):
            return np.zeros(0, dtype=np.int64)
        x, p = tagger_inputs(notes, self.config.use_velocity)
        return self.tag_inputs(x, p)

    @torch.no_grad()
    def tag_inputs(self, x: np.ndarray, pitch: np.ndarray) -> np.ndarray:
        """As :meth:`tag` from precomputed :func:`tagger_inputs`."""
        was = self.training
        self.eval()
        logits = self(torch.from_numpy(x)[None], torch.from_numpy(pitch)[None])[0]
        self.train(was)
        return logits.argmax(-1).numpy().astype(np.int64)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def save(self, folder: str | Path, card: str = "") -> Path:
        """Write the config JSON, the safetensors weights and a card into ``folder``."""
        text = card or f"# Melody tagger\n\nBiGRU note tagger ({self.num_parameters()} parameters).\n"
        return save_weights(folder, self, CONFIG_FILE, self.config.to_json(), text)


def load_tagger(folder: str | Path) -> MelodyTagger:
    """A tagger saved by :meth:`MelodyTagger.save`, in eval mode."""
    data, state = load_weights(Path(folder), CONFIG_FILE, "a melody tagger")
    model = MelodyTagger(TaggerConfig.from_dict(data))
    model.load_state_dict(state)
    return model.eval()


def train_tagger(
    model: MelodyTagger,
    inputs: Sequence[tuple[np.ndarray, np.ndarray]],
    labels: Sequence[np.ndarray],
    config: TaggerTrainConfig,
    optimizer: torch.optim.Optimizer | None = None,
    schedule: tuple[int, int] | None = None,
) -> dict[str, float]:
    """Train ``model`` on random windows of the songs (``inputs`` from :func:`tagger_inputs`, ``labels``
    per note); cosine learning rate. To train in rounds, pass the same ``optimizer`` each time and
    ``schedule`` = (steps done before, steps in all) so the cosine runs over all of them (a CPU limit
    or a time limit stretches this call's part of it to the time allowed). Returns steps,
    seconds, CPU seconds, first and final loss (a running mean)."""
    songs = [i for i, y in enumerate(labels) if len(y)]
    if not songs:
        raise ValueError("no labelled notes to train on")
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    opt = optimizer or torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    done, total = schedule or (0, config.steps)
    lengths = np.array([len(labels[i]) for i in songs], dtype=np.float64)
    weights = lengths / lengths.sum()
    width = N_HAND + N_CONTEXT
    model.train()
    t0, c0 = time.monotonic(), time.process_time()
    first = running = float("nan")
    step = 0
    for step in range(1, config.steps + 1):
        W = min(config.window, int(lengths.max()))
        xb = np.zeros((config.batch, W, width), dtype=np.float32)
        pb = np.zeros((config.batch, W), dtype=np.int64)
        yb = np.full((config.batch, W), -100, dtype=np.int64)
        for b, i in enumerate(rng.choice(songs, size=config.batch, p=weights)):
            x, p = inputs[i]
            n = len(p)
            a = int(rng.integers(0, max(1, n - W + 1)))
            m = min(W, n - a)
            shift = int(rng.integers(-config.transpose, config.transpose + 1)) if config.transpose else 0
            xb[b, :m] = x[a : a + m]
            xb[b, :m, 0] += shift  # the pitch column; intervals are unchanged by a transposition
            pb[b, :m] = np.clip(p[a : a + m] + shift, 0, 127)
            yb[b, :m] = labels[i][a : a + m]
        local = (step - 1) / config.steps  # this call's share done, by steps or by CPU time if that is less
        if config.cpu_limit_s:
            local = max(local, (time.process_time() - c0) / config.cpu_limit_s)
        if config.time_limit_s:
            local = max(local, (time.monotonic() - t0) / config.time_limit_s)
        frac = min(1.0, (done + local * config.steps) / max(1, total))
        lr = config.lr * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(torch.from_numpy(xb), torch.from_numpy(pb))
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.from_numpy(yb).reshape(-1)
        )
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        first = value if step == 1 else first
        running = value if step == 1 else 0.98 * running + 0.02 * value
        if step % 200 == 0:
            log.info("step %d loss %.4f (%.0f s)", step, running, time.monotonic() - t0)
        if config.cpu_limit_s is not None and time.process_time() - c0 > config.cpu_limit_s:
            log.info("stopped at step %d: CPU limit %.0f s", step, config.cpu_limit_s)
            break
        if config.time_limit_s is not None and time.monotonic() - t0 > config.time_limit_s:
            log.info("stopped at step %d: time limit %.0f s", step, config.time_limit_s)
            break
    model.eval()
    return {
        "steps": step,
        "seconds": time.monotonic() - t0,
        "cpu_seconds": time.process_time() - c0,
        "first_loss": first,
        "final_loss": running,
    }
