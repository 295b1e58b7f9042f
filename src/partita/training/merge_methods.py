"""How task vectors are combined into one (issue 22, item 4: task arithmetic of adapted encoders).

A task vector maps parameter names to ``adapted - base`` (:func:`partita.training.culture.task_vector`).
Each merge method is one *combiner* in :data:`MERGE_METHODS`, called as ``combiner(deltas, density, seed)``
and returning one task vector; :func:`partita.training.culture.merge` adds ``lambda`` times it to the base.
A new method is one function here and one entry in the registry (and the CLI's ``--method`` choices).

- ``linear``: the sum (:func:`linear_sum`);
- ``ties``: TIES-merging, Yadav et al. 2023 (:func:`ties_vector`): trim each vector to its largest entries,
  elect a sign per parameter, average the agreeing entries (the disjoint mean);
- ``dare``: DARE, Yu et al. 2024 (:func:`dare_sum`): each entry kept with probability ``density`` and
  rescaled by ``1 / density`` (:func:`dare_vectors`), then summed;
- ``dare_ties``: DARE-TIES (:func:`dare_ties_vector`, as mergekit's ``dare_ties``): each vector dropped and
  rescaled as DARE, then TIES's sign election and disjoint mean without trimming.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

TaskVector = Mapping[str, torch.Tensor]
Combiner = Callable[[Sequence[TaskVector], float, int], dict[str, torch.Tensor]]


def _flat(deltas: Sequence[TaskVector]) -> tuple[torch.Tensor, list[str], list[int]]:
    """The task vectors as one (models, params) matrix, each vector's parameters flattened into a row."""
    keys = list(deltas[0])
    sizes = [deltas[0][k].numel() for k in keys]
    return torch.stack([torch.cat([d[k].reshape(-1) for k in keys]) for d in deltas]), keys, sizes


def _unflat(
    merged: torch.Tensor, like: TaskVector, keys: list[str], sizes: list[int]
) -> dict[str, torch.Tensor]:
    return {k: part.view_as(like[k]) for k, part in zip(keys, merged.split(sizes), strict=True)}


def _elect_disjoint_mean(tau: torch.Tensor) -> torch.Tensor:
    """TIES's steps 2-3 on a (models, params) matrix: a sign elected per parameter (the sign of the entries'
    sum: the side with more mass wins), then the mean of the non-zero entries that agree with it."""
    sign = torch.sign(tau.sum(0))
    agree = (torch.sign(tau) == sign) & (tau != 0)
    return (tau * agree).sum(0) / agree.sum(0).clamp(min=1)


@torch.no_grad()
def linear_sum(deltas: Sequence[TaskVector], density: float = 1.0, seed: int = 0) -> dict[str, torch.Tensor]:
    """The sum of the task vectors (``density`` and ``seed`` unused)."""
    return {k: sum(d[k] for d in deltas) for k in deltas[0]}


@torch.no_grad()
def ties_vector(deltas: Sequence[TaskVector], density: float = 0.2, seed: int = 0) -> dict[str, torch.Tensor]:
    """TIES-merging (Yadav et al. 2023) of task vectors, one merged task vector: trim, elect a sign, disjoint
    mean (``seed`` unused: nothing is random)."""
    tau, keys, sizes = _flat(deltas)
    # 1. Trim: keep each task vector's `density` share of entries largest in magnitude, zero the rest.
    keep = max(1, round(density * tau.shape[1]))
    cutoff = tau.abs().kthvalue(tau.shape[1] - keep + 1, dim=1, keepdim=True).values
    tau = torch.where(tau.abs() >= cutoff, tau, torch.zeros(()))
    # 2-3. Elect a sign per parameter; average only the kept entries whose sign agrees with it.
    return _unflat(_elect_disjoint_mean(tau), deltas[0], keys, sizes)


@torch.no_grad()
def dare_vectors(
    deltas: Sequence[TaskVector], density: float = 0.5, seed: int = 0
) -> list[dict[str, torch.Tensor]]:
    """DARE (drop and rescale, Yu et al. 2024) of task vectors: each entry kept with probability ``density``
    and divided by it, the others set to zero, so each vector keeps its expectation; the drops are drawn
    from ``seed`` (the vectors and their parameters in order)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for d in deltas:
        kept = {}
        for k, v in d.items():
            keep = torch.rand(v.shape, generator=gen) < density
            kept[k] = torch.where(keep, v / density, torch.zeros((), dtype=v.dtype))
        out.append(kept)
    return out


def dare_sum(deltas: Sequence[TaskVector], density: float = 0.5, seed: int = 0) -> dict[str, torch.Tensor]:
    """DARE then the sum: :func:`dare_vectors` summed as :func:`linear_sum`."""
    return linear_sum(dare_vectors(deltas, density, seed))


@torch.no_grad()
def dare_ties_vector(
    deltas: Sequence[TaskVector], density: float = 0.5, seed: int = 0
) -> dict[str, torch.Tensor]:
    """DARE-TIES: each task vector dropped and rescaled as :func:`dare_vectors` (keep probability ``density``,
    drops from ``seed``), then TIES's sign election and disjoint mean, without TIES's trim (the random drops
    take its place)."""
    tau, keys, sizes = _flat(dare_vectors(deltas, density, seed))
    return _unflat(_elect_disjoint_mean(tau), deltas[0], keys, sizes)


MERGE_METHODS: dict[str, Combiner] = {
    "linear": linear_sum,
    "ties": ties_vector,
    "dare": dare_sum,
    "dare_ties": dare_ties_vector,
}
"""Each merge method's name and its combiner, ``combiner(deltas, density, seed) -> task vector``."""


def combine(
    deltas: Sequence[TaskVector], method: str = "linear", density: float = 0.2, seed: int = 0
) -> dict[str, torch.Tensor]:
    """One task vector of several, by the combiner of ``method`` in :data:`MERGE_METHODS`."""
    if method not in MERGE_METHODS:
        raise ValueError(f"unknown merge method {method!r}: choose from {', '.join(MERGE_METHODS)}")
    if not deltas:
        raise ValueError("combine needs at least one task vector")
    return MERGE_METHODS[method](deltas, density, seed)
