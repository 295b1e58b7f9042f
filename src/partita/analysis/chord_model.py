"""A learned chord scorer: per-quality weights over root-rotated beat features, fitted on POP909.

For each beat and each candidate root ``r`` the feature blocks (:data:`FEATURE_BLOCKS`: the beat's pitch-class
profile, its bass, the neighbouring beats, the lowest sounding note, ...) are rotated so that ``r`` is pitch
class 0, 12 numbers per block. A chord's score is either linear in them (``w_quality . features(root) +
b_quality``: the template method with templates learned from data) or, when the model has a hidden layer, a
small network shared by all roots (``w_quality . relu(H features(root) + c) + b_quality``), so it stays
equivariant under transposition. A softmax over the 12 x qualities chords gives log-probabilities that the
Viterbi pass of :mod:`partita.analysis.chords` smooths. The weights are fitted by multinomial logistic
regression (torch L-BFGS) on the POP909 development songs (even ids) with
``python bench/bench_analysis.py --fit-chords`` and ship as ``chord_model.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from partita.analysis.key import pitch_class
from partita.atomic import atomic_write_text

MODEL_FILE = Path(__file__).with_name("chord_model.json")

FEATURE_BLOCKS: dict[str, str] = {
    "profile": "the beat's pitch-class profile without the melody (unit norm)",
    "bass": "the profile of the lowest note of each onset (sums to 1)",
    "context": "the profile of the two neighbouring beats (unit norm)",
    "lowest": "the pitch class of the lowest note sounding in the beat (one-hot)",
    "bass_onset": "the profile of the bass notes that start in the beat's first quarter (sums to 1)",
}
"""The per-beat 12-vectors a model may use, in this order; each is rotated to every candidate root."""

OLD_FEATURES = ["profile", "bass", "context"]
"""The blocks of a model file that does not name its own (the first shipped model)."""

# how POP909's chord qualities map onto the vocabulary (inversions keep their quality)
POP909_QUALITIES = {"sus4(b7)": "7", "minmaj7": "min"}


@dataclass
class ChordModel:
    """Per-quality weights, biases, an optional hidden layer, and the Viterbi change cost.

    ``features`` names the blocks of :data:`FEATURE_BLOCKS` the model reads, in order (12 numbers each).
    Without a hidden layer ``weights`` is qualities x features; with one, ``hidden`` is features x units,
    ``hidden_bias`` has one number per unit and ``weights`` is qualities x units. The change cost is in
    log-probability units.
    """

    qualities: list[str]
    weights: list[list[float]]
    bias: list[float]
    change_cost: float = 1.5
    trained_on: str = ""
    features: list[str] = field(default_factory=lambda: list(OLD_FEATURES))
    hidden: list[list[float]] | None = None
    hidden_bias: list[float] | None = None

    def log_probs(self, blocks: dict[str, np.ndarray]) -> np.ndarray:
        """(beats x chords) log-probabilities, chords ordered quality-major (index = q * 12 + root)."""
        x = rotated_features(blocks, self.features)
        if self.hidden is not None:
            h = np.asarray(self.hidden, dtype=np.float32)
            c = np.asarray(self.hidden_bias, dtype=np.float32)
            x = np.maximum(x.astype(np.float32) @ h + c, 0.0)
        w = np.asarray(self.weights, dtype=x.dtype)
        logits = np.einsum("trf,qf->tqr", x, w) + np.asarray(self.bias)[None, :, None]
        logits = logits.reshape(x.shape[0], -1)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _unit(m: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)


def _sum_one(m: np.ndarray) -> np.ndarray:
    total = m.sum(axis=1, keepdims=True)
    return np.divide(m, total, out=np.zeros_like(m), where=total > 0)


def _block(blocks: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name == "context":
        c = _unit(np.asarray(blocks["profile"], dtype=float))
        if len(c) == 0:
            return c
        zero = np.zeros((1, 12))
        return _unit(np.vstack([zero, c[:-1]]) + np.vstack([c[1:], zero]))
    if name not in blocks:
        raise ValueError(f"the chord model needs the feature block {name!r}, which was not computed")
    m = np.asarray(blocks[name], dtype=float)
    return _unit(m) if name == "profile" else _sum_one(m)


def rotated_features(blocks: dict[str, np.ndarray], names: list[str] | None = None) -> np.ndarray:
    """(beats x 12 roots x 12 * len(names)) features: each named block normalised and rotated to each root."""
    names = list(names or OLD_FEATURES)
    unknown = [n for n in names if n not in FEATURE_BLOCKS]
    if unknown:
        raise ValueError(f"unknown chord feature blocks {unknown}; known: {', '.join(FEATURE_BLOCKS)}")
    f = np.hstack([_block(blocks, n) for n in names])
    idx = (np.arange(12)[:, None] + np.arange(12)[None, :]) % 12  # [root, interval] -> pitch class
    return np.concatenate([f[:, idx + 12 * k] for k in range(len(names))], axis=2)


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
    examples: list[tuple[dict[str, np.ndarray], np.ndarray]],
    qualities: list[str],
    features: list[str] | None = None,
    l2: float = 1e-4,
    change_cost: float = 1.5,
    trained_on: str = "",
    hidden: int = 0,
    max_iter: int = 300,
    seed: int = 0,
) -> ChordModel:
    """Fit the weights by multinomial logistic regression (torch L-BFGS) on ``(feature blocks, labels)``
    pieces.

    The blocks are those of :func:`partita.analysis.chords.beat_features`; ``labels`` holds, per beat, the
    chord index ``q * 12 + root`` or -1 for beats left out (no chord, or a quality outside the vocabulary).
    With ``hidden`` > 0 the scorer has a hidden layer of that many ReLU units (random start from ``seed``).
    """
    # torch takes ~1 s to import: only when a chord model is fitted (the analysis itself runs on numpy)
    import torch

    features = list(features or FEATURE_BLOCKS)
    xs, ys = [], []
    for blocks, y in examples:
        keep = y >= 0
        if keep.any():
            xs.append(rotated_features(blocks, features)[keep])
            ys.append(y[keep])
    if not xs:
        raise ValueError("no labelled beats to fit the chord model on")
    x = torch.tensor(np.concatenate(xs), dtype=torch.float32)
    y = torch.tensor(np.concatenate(ys), dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[2]
    if hidden:
        h = (torch.randn(n_in, hidden, generator=gen) * 0.3).requires_grad_()
        c = torch.zeros(hidden, requires_grad=True)
        w = (torch.randn(len(qualities), hidden, generator=gen) * 0.1).requires_grad_()
        params = [h, c]
    else:
        w = torch.zeros(len(qualities), n_in, requires_grad=True)
        params = []
    b = torch.zeros(len(qualities), requires_grad=True)
    params += [w, b]
    opt = torch.optim.LBFGS(params, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = torch.relu(x @ h + c) if hidden else x
        logits = (torch.einsum("trf,qf->tqr", z, w) + b[None, :, None]).reshape(x.shape[0], -1)
        penalty = (w**2).sum() + ((h**2).sum() if hidden else 0.0)
        loss = torch.nn.functional.cross_entropy(logits, y) + l2 * penalty
        loss.backward()
        return loss

    for _ in range(1 if hidden else 2):
        opt.step(closure)

    def numbers(t) -> list:
        return np.round(t.detach().numpy().astype(float), 5).tolist()

    return ChordModel(
        qualities=list(qualities),
        weights=numbers(w),
        bias=numbers(b),
        change_cost=change_cost,
        trained_on=trained_on,
        features=features,
        hidden=numbers(h) if hidden else None,
        hidden_bias=numbers(c) if hidden else None,
    )


def label_index(label: str, qualities: list[str]) -> int:
    """The chord index ``q * 12 + root`` of a reference label (inversions dropped), or -1 if out of
    vocabulary."""
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
