"""Task arithmetic over culturally adapted encoders (issue 22, item 4): single-culture models merged in weight
space, ``base + lambda * combine(adapted_i - base)``, the combiners of :mod:`partita.training.merge_methods`.
Split out of :mod:`partita.training.culture`, which re-exports these names."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from partita.atomic import atomic_write_text
from partita.models.encoder import MusicEncoder
from partita.training.merge_methods import MERGE_METHODS, combine

MERGE_CONFIG = "merge_config.json"
"""The file beside a merged encoder's weights that says how it was made."""


@dataclass
class MergeConfig:
    """How a merged encoder was made (saved as merge_config.json): ``base + lam * combine(models - base)``,
    ``combine`` the combiner of ``method`` (:data:`partita.training.merge_methods.MERGE_METHODS`)."""

    base: str = ""
    models: tuple[str, ...] = ()
    lam: float = 1.0
    weights: tuple[float, ...] = ()
    """Per-model factors (each task vector scaled by ``weights[i]`` before combining); empty: all 1."""
    method: str = "linear"
    density: float = 0.2
    """``ties``: the share of each task vector's entries kept (largest magnitudes); ``dare`` and
    ``dare_ties``: the probability that an entry is kept (the kept ones rescaled by ``1 / density``); unused
    by ``linear``."""
    seed: int = 0
    """``dare`` and ``dare_ties``: the seed of the random drops (the same seed, the same merged weights)."""
    notes: str = ""

    def __post_init__(self) -> None:
        self.models = tuple(self.models)
        self.weights = tuple(float(w) for w in self.weights)
        if not all(math.isfinite(w) for w in self.weights):
            raise ValueError(f"MergeConfig: weights must be finite numbers, not {list(self.weights)}")
        if self.weights and self.models and len(self.weights) != len(self.models):
            raise ValueError(f"MergeConfig: {len(self.weights)} weights for {len(self.models)} models")
        if self.method not in MERGE_METHODS:
            raise ValueError(f"unknown merge method {self.method!r}: choose from {', '.join(MERGE_METHODS)}")
        if not 0 < self.density <= 1:
            raise ValueError(f"MergeConfig.density must be in (0, 1], not {self.density}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["models"], d["weights"] = list(self.models), list(self.weights)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MergeConfig:
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"MergeConfig: unknown fields {unknown}")
        return cls(**d)


def _shape_config(model: MusicEncoder) -> dict[str, Any]:
    d = model.config.to_dict()
    d.pop("dropout", None)
    return d


def check_compatible(base: MusicEncoder, others: Sequence[MusicEncoder], names: Sequence[str] = ()) -> None:
    """Raise one clear ValueError when a model cannot be merged with ``base`` (another shape or head)."""
    ref, ref_state = _shape_config(base), base.state_dict()
    for i, m in enumerate(others):
        name = names[i] if i < len(names) else f"model {i + 1}"
        cfg = _shape_config(m)
        diff = [f"{k} {ref[k]!r} against {cfg.get(k)!r}" for k in ref if ref[k] != cfg.get(k)]
        if diff:
            raise ValueError(f"{name} does not match the base encoder: {'; '.join(diff)}")
        state = m.state_dict()
        if set(state) != set(ref_state):
            extra = sorted(set(state) ^ set(ref_state))[:3]
            raise ValueError(f"{name} does not match the base encoder: parameters differ ({extra})")
        bad = [k for k in ref_state if state[k].shape != ref_state[k].shape]
        if bad:
            raise ValueError(f"{name} does not match the base encoder: shapes of {bad[:3]} differ")


def task_vector(base: MusicEncoder, model: MusicEncoder) -> dict[str, torch.Tensor]:
    """``model - base``, parameter by parameter (floating-point tensors only)."""
    check_compatible(base, [model])
    b = base.state_dict()
    return {k: v.detach() - b[k] for k, v in model.state_dict().items() if v.is_floating_point()}


def merge(
    base: MusicEncoder,
    models: Sequence[MusicEncoder],
    lam: float = 1.0,
    weights: Sequence[float] | None = None,
    config: MergeConfig | None = None,
    method: str = "linear",
    density: float = 0.2,
    seed: int = 0,
) -> MusicEncoder:
    """Task arithmetic: a new encoder ``base + lam * combine_i(weights[i] * (models[i] - base))``, combine
    the combiner of ``method`` (:mod:`partita.training.merge_methods`): the sum (``"linear"``: ``lam`` 0
    gives the base, 1 with one model that model), TIES (``"ties"``, keeping ``density`` of each task
    vector), DARE then the sum (``"dare"``, each entry kept with probability ``density``, drops from
    ``seed``) or DARE then TIES's sign election and disjoint mean (``"dare_ties"``).
    ``weights`` (one a model, default all 1) make a weighted merge. The base and the models are not
    changed; ``config`` (names, notes) is recorded with ``lam``, ``weights``, ``method``, ``density`` and
    ``seed`` set from the arguments."""
    if not models:
        raise ValueError("merge needs at least one adapted model")
    weights = list(weights) if weights is not None else [1.0] * len(models)
    if len(weights) != len(models):
        raise ValueError(f"{len(weights)} weights for {len(models)} models")
    cfg = copy.copy(config) if config is not None else MergeConfig()
    cfg.lam, cfg.weights, cfg.method, cfg.density, cfg.seed = (
        float(lam),
        tuple(float(x) for x in weights),
        method,
        density,
        int(seed),
    )
    cfg.__post_init__()  # validates the method, density and weights
    check_compatible(base, models, list(cfg.models))
    b = base.state_dict()
    deltas = [
        {k: w * v for k, v in task_vector(base, m).items()} for w, m in zip(weights, models, strict=True)
    ]
    combined = combine(deltas, method, density, seed)
    state = {k: v.detach().clone() for k, v in b.items()}
    for k, v in combined.items():
        state[k] += lam * v
    merged = MusicEncoder(copy.deepcopy(base.config))
    merged.load_state_dict(state)
    how = (
        method
        if len(set(cfg.weights)) < 2
        else f"{method}, weights {','.join(f'{w:g}' for w in cfg.weights)}"
    )
    merged.card = {
        "name": f"merged ({how}, lambda {lam:g})",
        "merge": cfg.to_dict(),
        "parents": [m.card.get("name", "") for m in models],
    }
    return merged.eval()


def save_merged(model: MusicEncoder, directory: str | Path, card: dict | None = None) -> Path:
    """Save a merged encoder folder with ``merge_config.json`` beside its weights."""
    out = model.save_pretrained(directory, card)
    cfg = MergeConfig.from_dict(model.card.get("merge") or {})
    atomic_write_text(out / MERGE_CONFIG, json.dumps(cfg.to_dict(), indent=2) + "\n")
    return out


def load_merge_config(directory: str | Path) -> MergeConfig:
    """The :class:`MergeConfig` saved beside a merged encoder's weights."""
    path = Path(directory) / MERGE_CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (not a merged encoder folder)")
    try:
        return MergeConfig.from_dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as e:
        raise ValueError(f"{path}: not a valid merge config: {e}") from None


def fresh_copy(model: MusicEncoder) -> MusicEncoder:
    """An independent copy of an encoder (weights, config and card), for adapting without touching it."""
    out = MusicEncoder(copy.deepcopy(model.config))
    out.load_state_dict(model.state_dict())
    out.card = copy.deepcopy(model.card)
    return out.eval()
