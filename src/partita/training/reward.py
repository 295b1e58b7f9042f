"""A small reward model over (prompt, piece) features, trained on preference pairs (Bradley-Terry).

The features are numbers the layers above compute (partita's realism features,
:func:`partita.evaluation.realism.realism_features`, plus the piece's adherence to its prompt): this layer
only sees vectors, so that training stays below evaluation. The model standardises the features (mean and
scale from its training pieces), passes them through a two-layer MLP, and gives one score; a pair's
probability that ``a`` beats ``b`` is ``sigmoid(r(a) - r(b))``. Saved as ``reward_config.json`` (its
:class:`RewardConfig`, the feature names and the standardisation) beside ``reward.safetensors``.

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
        model.load_state_dict(load_file(str(folder / WEIGHTS_NAME)))
        return model.eval()


def train_reward(
    winners: Sequence[dict[str, float]], losers: Sequence[dict[str, float]], config: RewardConfig
) -> tuple[RewardModel, dict[str, float]]:
    """A reward model fitted (full batch, AdamW) so that ``winners[i]`` outscores ``losers[i]``; returns it
    and its training pair accuracy."""
    if len(winners) != len(losers) or not winners:
        raise ValueError("a reward model needs equally many winners and losers, at least one pair")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = RewardModel(config)
        w = torch.stack([model.vector(f) for f in winners]).float()
        lo = torch.stack([model.vector(f) for f in losers]).float()
        both = torch.cat([w, lo])
        model.mean.copy_(both.mean(0))
        model.scale.copy_(both.std(0).clamp(min=1e-6))
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
