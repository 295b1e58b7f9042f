"""The Selector's realism critic: how likely a candidate is a real piece of its style rather than the model's.

Per style, a logistic regression fitted on the style's real *training* pieces against partita-small's own
candidates for prompts written apart from the realism benchmark's (``scripts/fit-realism-critic.py``): the
discriminator of discriminator rejection sampling (Azadi et al., ICLR 2019), used to rank the candidates of
one request (:class:`partita.evaluation.selector.Selector`'s ``realism`` score).

It reads Yang & Lerch's features as the field computes them (:mod:`partita.evaluation.distribution`: the
pitch-class histogram and transition matrix, the note-length histogram and transition matrix, pitch range,
interval, inter-onset interval, pitches and notes used), not the realism benchmark's own features
(:func:`partita.evaluation.realism.realism_features`), so that what the critic learns is checked by a judge
that reads the music another way. (Made independent of the key, folding the pitch classes to the intervals
between them or rotating them to the estimated key, it picked candidates as hard to tell or easier on the
realism benchmark's development runs: docs/GENERATION.md § Selector.)

Scoring needs numpy only; fitting uses scikit-learn (``fit_style``). Saved as ``realism_critic.safetensors``
(each style's scaler and weights) and ``realism_critic.json`` (styles, counts, features) beside the Selector's
classifier.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from partita.atomic import atomic_path
from partita.evaluation.distribution import FEATURES, piece_features
from partita.score import Score

ABOUT = (
    "P(real) of a candidate of the style: real training pieces against the model's own candidates for "
    "prompts written apart from the realism benchmark's (scripts/fit-realism-critic.py; docs/GENERATION.md "
    "§ Selector)"
)
WEIGHTS_FILE = "realism_critic.safetensors"
CONFIG_FILE = "realism_critic.json"


def critic_vector(score: Score) -> np.ndarray:
    """A score's features as the critic reads them (Yang & Lerch's :data:`FEATURES`, in that order), one flat
    float vector."""
    f = piece_features(score)
    return np.concatenate([np.ravel(f[name]) for name in FEATURES]).astype(np.float64)


@dataclass
class StyleCritic:
    """One style's fitted logistic regression on standardised :func:`critic_vector` features."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    n_real: int = 0
    n_generated: int = 0
    train_accuracy: float = 0.0

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The probability that each row of ``x`` (critic vectors) is a real piece."""
        z = (np.atleast_2d(x) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))


@dataclass
class RealismCritic:
    """The styles' critics; :meth:`score` is a candidate's probability of being real, None where its style has
    no critic."""

    styles: dict[str, StyleCritic] = field(default_factory=dict)
    source: str | None = None

    def knows(self, style: str | None) -> bool:
        return bool(style) and style in self.styles

    def score(self, score: Score, style: str | None) -> float | None:
        """The probability that ``score`` is a real piece of ``style`` (0.0 for a silent one); None where the
        style has no critic."""
        if not self.knows(style):
            return None
        if not score.note_num():
            return 0.0
        return float(self.styles[str(style)].probability(critic_vector(score))[0])

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write the critic into ``folder`` (atomically, file by file)."""
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors, meta = {}, {}
        for style, c in self.styles.items():
            for name in ("mean", "scale", "coef"):
                tensors[f"{style}.{name}"] = np.ascontiguousarray(getattr(c, name), dtype=np.float64)
            tensors[f"{style}.intercept"] = np.array([c.intercept], dtype=np.float64)
            meta[style] = {
                k: v for k, v in asdict(c).items() if k in ("n_real", "n_generated", "train_accuracy")
            }
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file(tensors, str(tmp))
        config = {
            "features": list(FEATURES),
            "styles": meta,
            "model": "logistic regression, standardised",
            "about": ABOUT,
        }
        with atomic_path(folder / CONFIG_FILE) as tmp:
            Path(tmp).write_text(json.dumps(config, indent=2) + "\n")
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> RealismCritic:
        """The critic saved in ``folder``; a ValueError naming the problem where its files disagree."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        config = json.loads((folder / CONFIG_FILE).read_text())
        if list(config.get("features", [])) != list(FEATURES):
            raise ValueError(f"{folder / CONFIG_FILE}: the critic's features are not this partita's")
        tensors = load_file(str(folder / WEIGHTS_FILE))
        styles = {}
        for style, meta in config.get("styles", {}).items():
            try:
                arrays = {n: tensors[f"{style}.{n}"] for n in ("mean", "scale", "coef", "intercept")}
            except KeyError as e:
                raise ValueError(f"{folder / WEIGHTS_FILE}: no {e.args[0]} for the style {style!r}") from None
            styles[style] = StyleCritic(
                arrays["mean"], arrays["scale"], arrays["coef"], float(arrays["intercept"][0]), **meta
            )
        return cls(styles, source=str(folder))


def load_critic(folder: str | Path) -> RealismCritic | None:
    """The critic in ``folder``, or None where there is none (a model without one ranks as before)."""
    if not (Path(folder) / CONFIG_FILE).is_file():
        return None
    return RealismCritic.from_pretrained(folder)


def fit_style(
    critic: RealismCritic | None,
    style: str,
    real: Sequence[Score],
    generated: Sequence[Score],
    c: float = 1.0,
) -> RealismCritic:
    """``critic`` (or a new one) with ``style``'s critic fitted on ``real`` against ``generated`` pieces
    (L2-regularised logistic regression, inverse strength ``c``, classes weighted to balance)."""
    from sklearn.linear_model import LogisticRegression

    if len(real) < 2 or len(generated) < 2:
        raise ValueError(
            f"fitting a critic needs 2 pieces a side, got {len(real)} real, {len(generated)} generated"
        )
    x = np.array([critic_vector(s) for s in [*real, *generated]])
    y = np.r_[np.ones(len(real)), np.zeros(len(generated))]
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    fitted = StyleCritic(
        mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]), len(real), len(generated),
        float(model.score((x - mean) / scale, y)),
    )  # fmt: skip
    out = critic if critic is not None else RealismCritic()
    out.styles[style] = fitted
    return out
