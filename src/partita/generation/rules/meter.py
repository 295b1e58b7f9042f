"""The time signature: the requested one, and one meter for the whole piece. Hard, always on.

With a meter asked for, no other time signature is written and the first bar opens with it. With none, a
pickup bar of one beat (``1/x``) is refused when bars are counted (the bars asked for are full bars), and the
first meter the piece writes (4/4 until it writes one) is kept: a German folk song going 4/4, 3/4 after two
bars was one in seven pieces, and its bars were no longer the bars asked for.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class Meter(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.requested = c.meter
        want = f"TimeSig_{c.meter}" if c.meter else None
        bad = np.zeros(ids.vocab, dtype=bool)
        opens = np.zeros(ids.vocab, dtype=bool)
        for i, toks in enumerate(ids.expansions):
            for j, t in enumerate(toks):
                if not t.startswith("TimeSig_"):
                    continue
                if want and t != want:
                    bad[i] = True
                elif not want and c.bars is not None and t.startswith("TimeSig_1/"):
                    bad[i] = True  # a bar of one beat is a pickup: the bars asked for are full bars
                if j == 0 and t == want:
                    opens[i] = True
        self.forbidden = torch.from_numpy(bad)
        self.not_opening = ~torch.from_numpy(opens)
        self.other: dict[str, torch.Tensor] = {}  # with none asked for: the ids writing another than m
        if not c.meter:
            for m in {m for m in ids.meter_of if m} | {"4/4"}:
                self.other[m] = torch.tensor([x is not None and x != m for x in ids.meter_of])

    @classmethod
    def build(cls, ctx: Context) -> Meter:
        return cls(ctx)

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        bad = None
        if self.requested and track.bars >= 1 and not track.meter_set:
            bad = self.not_opening[:width]  # the first bar must open with the requested meter
        if self.other and (track.meter_set or track.bars > 1 or track.pos >= 0):
            other = self.other[track.meter][:width]  # one meter for the whole piece
            bad = other if bad is None else bad | other
        return bad
