"""A learned chord scorer: per-quality linear weights over root-rotated beat features, fitted on POP909.

For each beat and each candidate root ``r`` the features are rotated so that ``r`` is pitch class 0: the
beat's pitch-class profile (unit norm), its bass profile (sums to 1) and the profile of the two neighbouring
beats (unit norm), 36 numbers. Each chord quality has 36 weights and a bias, so a chord's score is
``w_quality . features(root) + b_quality``; a softmax over the 156 chords gives log-probabilities that the
Viterbi pass of :mod:`partita.analysis.chords` smooths. This is the template method with templates learned
from data (468 weights + 13 biases), fitted by multinomial logistic regression on the POP909 development songs
(even ids) with ``python bench/bench_analysis.py --fit-chords``; the weights ship as ``chord_model.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from partita.atomic import atomic_write_text

MODEL_FILE = Path(__file__).with_name("chord_model.json")
N_FEATURES = 36

# how POP909's chord qualities map onto the vocabulary (inversions keep their quality)
POP909_QUALITIES = {"sus4(b7)": "7", "minmaj7": "min"}


@dataclass
class ChordModel:
    """Per-quality weights (qualities x 36), biases, and the Viterbi change cost in log-probability units."""

    qualities: list[str]
    weights: list[list[float]]
    bias: list[float]
    change_cost: float = 1.5
    trained_on: str = ""

    def log_probs(self, chroma: np.ndarray, bass: np.ndarray) -> np.ndarray:
        """(beats x chords) log-probabilities, chords ordered quality-major (index = q * 12 + root)."""
        x = rotated_features(chroma, bass)
        w = np.asarray(self.weights)
        logits = np.einsum("trf,qf->tqr", x, w) + np.asarray(self.bias)[None, :, None]
        logits = logits.reshape(x.shape[0], -1)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _unit(m: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)


def rotated_features(chroma: np.ndarray, bass: np.ndarray) -> np.ndarray:
    """(beats x 12 roots x 36) features: profile, bass profile and neighbours' profile, rotated to each root."""
    c = _unit(np.asarray(chroma, dtype=float))
    b = np.asarray(bass, dtype=float)
    b = b / np.maximum(b.sum(axis=1, keepdims=True), 1e-9)
    zero = np.zeros((1, 12))
    ctx = _unit(np.vstack([zero, c[:-1]]) + np.vstack([c[1:], zero])) if len(c) else c
    f = np.hstack([c, b, ctx])
    idx = (np.arange(12)[:, None] + np.arange(12)[None, :]) % 12  # [root, interval] -> pitch class
    return np.concatenate([f[:, idx + 12 * k] for k in range(3)], axis=2)


def load_chord_model(path: str | os.PathLike | None = None) -> ChordModel | None:
    """The shipped (or given) chord model, or None when the file is absent."""
    p = Path(path) if path else MODEL_FILE
    if not p.is_file():
        return None
    data = json.loads(p.read_text())
    return ChordModel(**data)


def save_chord_model(model: ChordModel, path: str | os.PathLike | None = None) -> Path:
    """Write a chord model as JSON, atomically."""
    p = Path(path) if path else MODEL_FILE
    atomic_write_text(p, json.dumps(asdict(model), indent=1) + "\n")
    os.chmod(p, 0o644)  # a package file, readable by all (the atomic write's temporary file is private)
    return p


def fit_chord_model(
    examples: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    qualities: list[str],
    l2: float = 1e-4,
    change_cost: float = 1.5,
    trained_on: str = "",
) -> ChordModel:
    """Fit the weights by multinomial logistic regression (torch L-BFGS) on ``(chroma, bass, labels)`` pieces.

    ``labels`` holds, per beat, the chord index ``q * 12 + root`` or -1 for beats left out (no chord, or a
    quality outside the vocabulary).
    """
    import torch

    xs, ys = [], []
    for chroma, bass, y in examples:
        keep = y >= 0
        if keep.any():
            xs.append(rotated_features(chroma, bass)[keep])
            ys.append(y[keep])
    if not xs:
        raise ValueError("no labelled beats to fit the chord model on")
    x = torch.tensor(np.concatenate(xs), dtype=torch.float32)
    y = torch.tensor(np.concatenate(ys), dtype=torch.long)
    w = torch.zeros(len(qualities), N_FEATURES, requires_grad=True)
    b = torch.zeros(len(qualities), requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=300, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logits = (torch.einsum("trf,qf->tqr", x, w) + b[None, :, None]).reshape(x.shape[0], -1)
        loss = torch.nn.functional.cross_entropy(logits, y) + l2 * (w**2).sum()
        loss.backward()
        return loss

    for _ in range(2):
        opt.step(closure)
    return ChordModel(
        qualities=list(qualities),
        weights=np.round(w.detach().numpy().astype(float), 5).tolist(),
        bias=np.round(b.detach().numpy().astype(float), 5).tolist(),
        change_cost=change_cost,
        trained_on=trained_on,
    )


def label_index(label: str, qualities: list[str]) -> int:
    """The chord index ``q * 12 + root`` of a reference label (inversions dropped), or -1 if out of vocabulary."""
    from partita.analysis.key import pitch_class

    if ":" not in label:
        return -1
    root, quality = label.split(":", 1)
    quality = quality.split("/")[0]
    quality = POP909_QUALITIES.get(quality, quality)
    if quality not in qualities:
        return -1
    try:
        return qualities.index(quality) * 12 + pitch_class(root)
    except ValueError:
        return -1
