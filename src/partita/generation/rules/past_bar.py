"""No position past the bar of the piece's time signature. Soft, with ``grammar``: yields where it would leave
no token (a bar's first note placed on its last position, and the bar needs another).

The meter is the requested one, else the one the model wrote (4/4 before it writes one): a position past it is
decoded in a later bar, which bar lines do not count.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track, parse_meter


class PastBar(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.beyond: dict[str, torch.Tensor] = {}
        meters = [c.meter] if c.meter else {m for m in ids.meter_of if m} | {"4/4"}
        for m in meters:
            beyond = ids.top_position >= parse_meter(m)[0] * ids.resolution
            if beyond.any():
                self.beyond[m] = torch.from_numpy(beyond)

    @classmethod
    def build(cls, ctx: Context) -> PastBar | None:
        return cls(ctx) if ctx.constraints.grammar else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        return self.beyond[track.meter][:width] if track.meter in self.beyond else None
