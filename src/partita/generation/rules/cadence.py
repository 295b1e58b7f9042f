"""The first and the last bar play only tones of the tonic triad: the piece opens and closes on its tonic,
which is what a listener, and a key finder, hears as the key. Firm, with ``key`` and ``cadence``: one of the
per-bar rules that yield as a group where they would leave no token.
"""

from __future__ import annotations

import torch

from partita.generation.harmony import chord_pitch_classes
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class Cadence(Rule):
    tier = Tier.FIRM

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        triad = chord_pitch_classes(f"{c.key}:{'min' if c.mode == 'minor' else 'maj'}")
        off_triad = torch.tensor([pc not in triad for pc in range(12)])
        self.off_triad = (ctx.share("pitch_classes", ctx.ids.pitch_classes) & off_triad).any(dim=1)
        self.bars = c.bars

    @classmethod
    def build(cls, ctx: Context) -> Cadence | None:
        c = ctx.constraints
        return cls(ctx) if c.cadence and c.key else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        last = self.bars is not None and track.bars >= int(self.bars)
        return self.off_triad[:width] if track.bars == 1 or last else None
