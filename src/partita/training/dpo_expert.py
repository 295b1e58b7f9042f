"""A style expert tuned by DPO: LoRA layers on a frozen base, trained on preference pairs of one style.

:func:`partita.training.dpo.tune_dpo` tunes whatever parameters of a model take gradients; here only the
low-rank updates of :data:`partita.models.experts.EXPERT_TARGETS` do, so that the result is a
:class:`~partita.models.experts.StyleExpert` (a few hundred KB) the Generator merges in for requests of its
style, the base and every other style untouched. The reference of the DPO loss is the base itself (LoRA's
second matrix starts at zero). Used for the self-play pairs of :mod:`partita.pipelines.spin_pairs`.

Self-play iterates (SPIN, Chen et al. 2024): round ``t + 1`` tunes against the round-``t`` model, on pairs
of that model's own pieces. ``init`` gives the round-``t`` expert: its LoRA tensors are where the new round
starts, and so (the reference being the model as tuning starts) the reference too; the result is still one
expert of the same rank over the same base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from partita.models.experts import EXPERT_TARGETS, ExpertConfig, StyleExpert, weights_hash
from partita.models.lora import add_lora, copy_model
from partita.models.music_lm import MusicLM
from partita.progress import ProgressCallback
from partita.training.dpo import DPOConfig, TokenPair, tune_dpo


def tune_expert(
    model: MusicLM,
    pairs: Sequence[TokenPair],
    style: str,
    config: DPOConfig | None = None,
    rank: int = 16,
    base_model: str = "",
    data: str = "",
    progress: ProgressCallback | None = None,
    init: StyleExpert | None = None,
) -> tuple[StyleExpert, dict[str, Any]]:
    """A LoRA expert for ``style`` (rank ``rank``, alpha twice the rank) tuned by DPO on ``pairs`` over a copy
    of ``model`` (not changed), and the run's result (:func:`tune_dpo`'s summary and history). ``init``: an
    expert of the same style, rank and base to start from (the previous self-play round)."""
    if rank < 1:
        raise ValueError(f"rank {rank}: an expert needs a rank of at least 1")
    config = config or DPOConfig()
    base_hash = weights_hash(model)
    tuned = copy_model(model)
    wrapped = add_lora(tuned, rank, 2.0 * rank, targets=EXPERT_TARGETS)
    if init is not None:
        _start_from(wrapped, init, style, rank, base_hash)
    for name, p in tuned.named_parameters():
        p.requires_grad_("lora_" in name)
    result = tune_dpo(tuned, pairs, config, progress=progress)
    summary = result.get("summary") or {}
    expert_config = ExpertConfig(
        style=style,
        rank=rank,
        alpha=2.0 * rank,
        base_model=base_model,
        base_hash=base_hash,
        data=data,
        steps=int(summary.get("steps", config.steps)),
        metrics={k: float(v) for k, v in summary.items() if _is_number(v)},
    )
    return StyleExpert.from_model(tuned, expert_config), result


def _start_from(wrapped: dict, init: StyleExpert, style: str, rank: int, base_hash: str) -> None:
    """Copy ``init``'s LoRA tensors into the fresh wrappers, or say why they do not fit."""
    c = init.config
    if c.style != style or c.rank != rank or set(init.lora) != set(wrapped):
        raise ValueError(
            f"the {c.style} expert of rank {c.rank} cannot start a {style} expert of rank {rank}: "
            "a self-play round continues an expert of the same style, rank and layers"
        )
    if c.base_hash and c.base_hash != base_hash:
        raise ValueError(f"the {style} expert to start from was trained on other base weights")
    with torch.no_grad():
        for name, ab in init.lora.items():
            wrapped[name].lora_a.copy_(ab["a"])
            wrapped[name].lora_b.copy_(ab["b"])


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)
