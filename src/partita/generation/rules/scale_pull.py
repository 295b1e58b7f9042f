"""A pull into the style's scale (:mod:`partita.generation.scales`): ids with a pitch outside ``scale`` lose
``scale_weight`` from their logit. Bonus, with ``scale`` and ``scale_weight``: no mask, so a passing tone
outside the scale is still possible (3% of the notes of real Chinese folk songs are).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class ScalePull(Rule):
    tier = Tier.BONUS

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        outside = torch.tensor([pc not in set(c.scale) for pc in range(12)])
        pcs = ctx.share("pitch_classes", ctx.ids.pitch_classes)
        self.penalty = (pcs & outside).any(dim=1).float() * -float(c.scale_weight)

    @classmethod
    def build(cls, ctx: Context) -> ScalePull | None:
        c = ctx.constraints
        return cls(ctx) if c.scale and c.scale_weight else None

    def pull(self, state: None, track: Track, logits: torch.Tensor) -> None:
        logits += self.penalty[: logits.shape[0]].to(logits.dtype)
