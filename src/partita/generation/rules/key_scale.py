"""Pitches inside the key's scale (in minor, natural and harmonic together). Hard, with ``key`` and
``in_key``."""

from __future__ import annotations

import torch

from partita.generation.harmony import scale_pitch_classes
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context


class InKey(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        scale = scale_pitch_classes(c.key, c.mode)
        out_of_key = torch.tensor([pc not in scale for pc in range(12)])
        self.forbidden = (ctx.share("pitch_classes", ctx.ids.pitch_classes) & out_of_key).any(dim=1)

    @classmethod
    def build(cls, ctx: Context) -> InKey | None:
        c = ctx.constraints
        return cls(ctx) if c.in_key and c.key else None
