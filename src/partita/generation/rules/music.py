"""Music only, opening with a bar line. Hard, always on.

Special and condition ids (and ids that decode to no known token) are never drawn, and REMI music opens with a
bar line: nothing may come before it.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class MusicOnly(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        self.forbidden = torch.from_numpy(ctx.ids.special)
        self.not_bar = ~ctx.ids.starts_with_bar

    @classmethod
    def build(cls, ctx: Context) -> MusicOnly:
        return cls(ctx)

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        return self.not_bar[:width] if track.bars == 0 else None
