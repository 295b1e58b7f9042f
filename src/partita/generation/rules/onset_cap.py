"""The rhythmic-density fader's upper bound: once ``max_onsets_per_bar`` positions of a bar start notes, notes
start only where one already does (the chord grows, time does not move inside the bar). Soft, with ``grammar``
and ``max_onsets_per_bar``, once the first bar is open: yields where it would leave no token, last of all.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class OnsetCap(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        self.most = ctx.constraints.max_onsets_per_bar
        self.onsets_before_bar = ctx.ids.onsets_before_bar

    @classmethod
    def build(cls, ctx: Context) -> OnsetCap | None:
        c = ctx.constraints
        return cls(ctx) if c.grammar and c.max_onsets_per_bar is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if not track.bars:
            return None
        return (self.onsets_before_bar[:width] + track.onsets) > self.most
