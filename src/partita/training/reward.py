"""A small reward model over (prompt, piece) features, trained on preference pairs (Bradley-Terry).

The features are numbers the layers above compute (partita's realism features,
:func:`partita.evaluation.realism.realism_features`, plus the piece's adherence to its prompt): this layer
only sees vectors, so that training stays below evaluation. The model standardises the features (mean and
scale from its training pieces), passes them through a two-layer MLP, and gives one score; a pair's
probability that ``a`` beats ``b`` is ``sigmoid(r(a) - r(b))``. With a few choices (``partita tune
--reward-pairs``) it is linear and sparse: an L1 penalty chosen by leave-one-out on the choices
(:func:`choose_l1`) leaves the features they do not separate at weight 0 (``groups="families"`` penalises
the features of one family together, :data:`FEATURE_GROUPS`: a group lasso, so that a taste spread over
correlated features keeps the family rather than one of it); and ``clip`` holds each feature to the range of
the rated pieces, so that it does not extrapolate to pieces unlike any rated one. Saved as
``reward_config.json`` (its :class:`RewardConfig` with the feature names) beside ``reward.safetensors`` (the
weights, the standardisation and the range).

:func:`label_by_reward` labels pairs nobody rated (MusicRL's use of a reward model): the higher-scored piece
wins, and only pairs the model separates by at least a margin (a reward difference, in log-odds: 1.0 is a
predicted win probability of 0.73) are kept. ``partita tune --reward-pairs`` trains it on the stored choices
(:func:`check_enough_choices`: at least :data:`MIN_CHOICES`) and tunes on those pairs beside them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from partita.atomic import atomic_path, atomic_write_text

logger = logging.getLogger(__name__)

CONFIG_NAME = "reward_config.json"
WEIGHTS_NAME = "reward.safetensors"
MIN_CHOICES = 8
"""The fewest decided choices a reward model is trained on to label other pairs (fewer: it is refused)."""


@dataclass
class RewardConfig:
    """Shape and training of a :class:`RewardModel`."""

    features: list[str] = field(default_factory=list)
    hidden: int = 32
    """Width of the hidden layer; 0: a linear model (fewer parameters, for a few choices)."""
    epochs: int = 200
    lr: float = 1e-2
    weight_decay: float = 1e-3
    seed: int = 0
    l1: float | None = 0.0
    """L1 penalty on a linear model's weights (standardised features; hidden 0 only), fitted by proximal
    gradient so that a feature the choices do not separate gets weight exactly 0; None: chosen by
    leave-one-out on the training choices themselves (:func:`choose_l1`), and the chosen value kept here."""
    groups: list[list[str]] | str | None = None
    """Features penalised together (group lasso, with ``l1``: a group's weights enter or leave as one, so a
    taste spread over correlated features keeps them all rather than one of them): ``"families"``:
    :data:`FEATURE_GROUPS` (partita's feature families; a feature in none is a group of its own), or lists
    of names; None: each feature alone (the plain lasso, ``partita tune``'s: the grouped model labels
    better but keeps fewer pairs, docs/PREFERENCES.md)."""
    clip: bool = False
    """Clamp each feature to the range of the training pieces before scoring, so that a pair differing only
    where the choices never went (more tracks, thicker chords than any rated piece) gets no reward gap from
    it: the model does not extrapolate. ``partita tune --reward-pairs`` sets it, with ``l1`` None."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class RewardModel(nn.Module):
    """Standardised features -> MLP -> one score per piece."""

    def __init__(self, config: RewardConfig) -> None:
        super().__init__()
        if not config.features:
            raise ValueError("a reward model needs the names of its features")
        n = len(config.features)
        self.config = config
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("scale", torch.ones(n))
        self.register_buffer("low", torch.full((n,), -torch.inf))
        self.register_buffer("high", torch.full((n,), torch.inf))
        if config.hidden:
            self.net = nn.Sequential(nn.Linear(n, config.hidden), nn.Tanh(), nn.Linear(config.hidden, 1))
        else:  # hidden 0: a linear Bradley-Terry model of the standardised features
            self.net = nn.Sequential(nn.Linear(n, 1))

    def vector(self, features: dict[str, float] | Sequence[float]) -> torch.Tensor:
        """A feature dict (by the config's names; missing ones are 0) or a vector, as a float tensor."""
        if isinstance(features, dict):
            return torch.tensor([float(features.get(k, 0.0)) for k in self.config.features])
        return torch.as_tensor(np.asarray(features, dtype=np.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.clip:
            x = torch.maximum(torch.minimum(x, self.high), self.low)
        return self.net((x - self.mean) / self.scale)[..., 0]

    @torch.no_grad()
    def score(self, features: Sequence[dict[str, float]]) -> list[float]:
        """The reward of each piece's features."""
        x = torch.stack([self.vector(f) for f in features]).float()
        return self(x).tolist()

    def save_pretrained(self, folder: str | Path) -> Path:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in self.state_dict().items()}
        with atomic_path(out / WEIGHTS_NAME) as tmp:
            save_file(state, str(tmp), metadata={"partita": "RewardModel"})
        atomic_write_text(out / CONFIG_NAME, json.dumps(self.config.to_dict(), indent=2) + "\n")
        return out

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> RewardModel:
        folder = Path(folder)
        if not (folder / CONFIG_NAME).is_file():
            raise FileNotFoundError(f"{folder}: no {CONFIG_NAME} (not a reward model folder)")
        model = cls(RewardConfig(**json.loads((folder / CONFIG_NAME).read_text())))
        state = load_file(str(folder / WEIGHTS_NAME))
        for key in ("low", "high"):  # saved before clipping existed: no range
            state.setdefault(key, getattr(model, key))
        model.load_state_dict(state)
        return model.eval()


FEATURE_GROUPS = (
    ("pitch_low", "pitch_mean", "pitch_high", "pitch_range"),
    ("melody_leap_share", "melody_mean_interval", "melody_repeat_share", "melody_step_share"),
    (
        "duration_mean",
        "duration_std",
        "empty_beat_share",
        "ioi_entropy",
        "ioi_mean",
        "ioi_std",
        "notes_per_bar",
        "onsets_per_bar",
    ),
    ("all_tracks_beat_share", "notes_at_onset", "thick_beat_share", "tracks"),
    ("bar_repetition", "longest_figure_run", "longest_repeat_run", "two_bar_repetition"),
)
"""The families of :func:`partita.pipelines.reward_pairs.piece_features` a sparse reward model penalises
together (:attr:`RewardConfig.groups`): where the piece sits in pitch, its melody's motion, its rhythm, its
texture, its repetition. The others (pitch-class entropy, bars, adherence) stand alone."""


def feature_groups(
    features: Sequence[str], groups: Sequence[Sequence[str]] | str | None = None
) -> list[np.ndarray]:
    """The indices into ``features`` of each group (:attr:`RewardConfig.groups`: ``"families"``,
    :data:`FEATURE_GROUPS`; None: none), each feature in no group alone, in the order of ``features``' first
    members."""
    if isinstance(groups, str):
        if groups != "families":
            raise ValueError(f"groups {groups!r}: 'families', lists of feature names, or None")
        groups = FEATURE_GROUPS
    groups = groups or ()
    of = {name: g for g, members in enumerate(groups) for name in members}
    out: dict[Any, list[int]] = {}
    for i, name in enumerate(features):
        out.setdefault(of.get(name, ("alone", name)), []).append(i)
    return [np.array(v) for v in out.values()]


L1_STEPS = (1.0, 0.8, 0.6, 0.4, 0.25, 0.15, 0.1, 0.05, 0.02)
"""The L1 penalties :func:`choose_l1` tries, as shares of the smallest that zeroes every weight."""
SPARSE_L2 = 1e-3
"""The small L2 penalty beside an L1 one (keeps the fit finite when the choices are separable)."""


def _sparse_fit(
    d: np.ndarray,
    l1: float,
    l2: float = SPARSE_L2,
    start: np.ndarray | None = None,
    iters: int = 2000,
    tol: float = 1e-6,
    groups: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Weights ``w`` minimising mean(softplus(-d @ w)) + l1 |w|_1 + l2/2 |w|^2 (FISTA from ``start``, until
    no weight moves by ``tol``), ``d`` one row a pair (winner minus loser, standardised). With ``groups``
    (index arrays) the L1 term is the group lasso's, l1 times the sum over groups of sqrt(size) |w_g|_2."""
    if groups is not None and all(len(g) == 1 for g in groups):
        groups = None  # each feature alone: the lasso
    n = len(d)
    step = 1.0 / (np.linalg.norm(d, 2) ** 2 / (4 * n) + l2 + 1e-12)
    if groups is not None:
        member = np.zeros((len(groups), d.shape[1]))  # one row a group: which features are in it
        for i, idx in enumerate(groups):
            member[i, idx] = 1.0
        cut = step * l1 * np.sqrt(member.sum(1))
    w = np.zeros(d.shape[1]) if start is None else start.copy()
    y, t = w.copy(), 1.0
    for _ in range(iters):
        g = -(d.T @ (1.0 / (1.0 + np.exp(np.clip(d @ y, -50, 50))))) / n + l2 * y
        z = y - step * g
        if groups is None:
            new = np.sign(z) * np.maximum(np.abs(z) - step * l1, 0.0)
        else:  # each group shrunk as one: by (1 - cut / |z_g|), or to 0 where |z_g| <= cut
            norms = np.sqrt(member @ (z * z))
            keep = np.where(norms > cut, 1.0 - cut / np.maximum(norms, 1e-300), 0.0)
            new = z * (member.T @ keep)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = new + (t - 1) / t_new * (new - w)
        moved = float(np.abs(new - w).max())
        w, t = new, t_new
        if moved < tol:
            break
    return w


def _log_loss(margins: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, -margins)))


def choose_l1(
    d: np.ndarray, steps: Sequence[float] = L1_STEPS, groups: Sequence[np.ndarray] | None = None
) -> tuple[float, dict[str, float]]:
    """The L1 penalty of least leave-one-out log loss on the pairs ``d`` (winner minus loser, standardised):
    each pair predicted by a model fitted on the others, for each penalty ``steps[i]`` times the smallest
    that zeroes every weight (ties: the larger penalty, the sparser model). Returns it and each penalty's
    leave-one-out loss (``log 2``: no better than a coin). ``groups``: the group lasso's
    (:func:`_sparse_fit`)."""
    grad = np.abs(d.mean(0)) / 2  # the gradient at w = 0: no feature (group) enters above it
    if groups is None:
        top = float(grad.max()) or 1.0
    else:
        top = max(float(np.linalg.norm(grad[g])) / np.sqrt(len(g)) for g in groups) or 1.0
    penalties = [top * s for s in sorted(steps, reverse=True)]
    if len(d) < 2:
        return penalties[0], {f"{k:.4g}": round(float(np.log(2)), 4) for k in penalties}
    held = np.zeros((len(penalties), len(d)))
    for i in range(len(d)):  # each pair left out, the penalties from the largest down (warm starts)
        rest, w = np.delete(d, i, 0), None
        for j, lam in enumerate(penalties):
            w = _sparse_fit(rest, lam, start=w, groups=groups)
            held[j, i] = d[i] @ w
    losses = {lam: _log_loss(held[j]) for j, lam in enumerate(penalties)}
    best = min(losses, key=lambda k: (round(losses[k], 9), -k))
    return best, {f"{k:.4g}": round(v, 4) for k, v in losses.items()}


def train_reward(
    winners: Sequence[dict[str, float]], losers: Sequence[dict[str, float]], config: RewardConfig
) -> tuple[RewardModel, dict[str, Any]]:
    """A reward model fitted (full batch, AdamW) so that ``winners[i]`` outscores ``losers[i]``; returns it
    and its training pair accuracy. A linear model with ``config.l1`` non-zero (or None: chosen by
    :func:`choose_l1`) is fitted by proximal gradient instead: sparse, no bias (it cancels in a pair)."""
    if len(winners) != len(losers) or not winners:
        raise ValueError("a reward model needs equally many winners and losers, at least one pair")
    if config.l1 != 0.0:
        if config.hidden:
            raise ValueError("an L1 penalty needs a linear reward model (hidden 0)")
        return _train_sparse(winners, losers, config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = RewardModel(config)
        w = torch.stack([model.vector(f) for f in winners]).float()
        lo = torch.stack([model.vector(f) for f in losers]).float()
        both = torch.cat([w, lo])
        model.mean.copy_(both.mean(0))
        model.scale.copy_(both.std(0).clamp(min=1e-6))
        model.low.copy_(both.min(0).values)
        model.high.copy_(both.max(0).values)
        opt = torch.optim.AdamW(model.net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        for _ in range(config.epochs):
            loss = -F.logsigmoid(model(w) - model(lo)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(w) > model(lo)).float().mean())
    return model, {"train_accuracy": acc, "train_loss": float(loss.detach()), "pairs": float(len(winners))}


def _train_sparse(
    winners: Sequence[dict[str, float]], losers: Sequence[dict[str, float]], config: RewardConfig
) -> tuple[RewardModel, dict]:
    model = RewardModel(config)
    w = torch.stack([model.vector(f) for f in winners]).double()
    lo = torch.stack([model.vector(f) for f in losers]).double()
    both = torch.cat([w, lo])
    mean, scale = both.mean(0), both.std(0).clamp(min=1e-6)
    d = ((w - lo) / scale).numpy()
    groups = feature_groups(config.features, config.groups)
    loo: dict[str, float] = {}
    if config.l1 is None:
        config.l1, loo = choose_l1(d, groups=groups)
    weights = _sparse_fit(d, float(config.l1), groups=groups)
    with torch.no_grad():
        model.mean.copy_(mean.float())
        model.scale.copy_(scale.float())
        model.low.copy_(both.min(0).values.float())
        model.high.copy_(both.max(0).values.float())
        model.net[0].weight.copy_(torch.from_numpy(weights).float()[None])
        model.net[0].bias.zero_()
    model.eval()
    margins = d @ weights
    used = [(name, round(float(x), 4)) for name, x in zip(config.features, weights, strict=True) if x != 0]
    info = {
        "train_accuracy": float(np.mean(margins > 0)),
        "train_loss": _log_loss(margins),
        "pairs": float(len(winners)),
        "l1": float(config.l1),
        "grouped": any(len(g) > 1 for g in groups),
        "weights": sorted(used, key=lambda kv: -abs(kv[1])),
    }
    if loo:
        info["loo_loss"] = loo
    return model, info


@torch.no_grad()
def pair_accuracy(
    model: RewardModel, winners: Sequence[dict[str, float]], losers: Sequence[dict[str, float]]
) -> float:
    """The share of pairs whose winner the reward model scores higher."""
    a, b = model.score(winners), model.score(losers)
    return float(np.mean([x > y for x, y in zip(a, b, strict=True)]))


def check_enough_choices(count: int, where: str = "the store", minimum: int = MIN_CHOICES) -> None:
    """Refuse, in one sentence, to train a reward model on fewer than ``minimum`` decided choices."""
    if count < minimum:
        raise ValueError(
            f"{where}: {count} decided choice{'s' if count != 1 else ''} to train the reward model on, "
            f"and it needs at least {minimum} to label other pairs: rate more pairs, or tune without "
            "--reward-pairs"
        )


@dataclass
class RewardLabel:
    """One candidate pair as the reward model judged it: its index in the candidates given, the winner
    (``"a"`` or ``"b"``), and the reward difference winner minus loser (log-odds, >= 0)."""

    index: int
    winner: str
    margin: float


@torch.no_grad()
def label_by_reward(
    model: RewardModel,
    features_a: Sequence[dict[str, float]],
    features_b: Sequence[dict[str, float]],
    margin: float = 1.0,
) -> list[RewardLabel]:
    """The candidate pairs (``features_a[i]`` against ``features_b[i]``) the reward model separates by at
    least ``margin`` (reward difference, log-odds), each with its winner: the piece scored higher. Pairs
    closer than ``margin`` (and exact ties) are left out; the order of the candidates is kept."""
    if len(features_a) != len(features_b):
        raise ValueError("label_by_reward needs as many first pieces as second pieces")
    if not features_a:
        return []
    ra, rb = model.score(features_a), model.score(features_b)
    out = []
    for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
        gap = abs(x - y)
        if x != y and gap >= margin:
            out.append(RewardLabel(i, "a" if x > y else "b", float(gap)))
    return out
