"""The instruments asked for, each note named by its program. Hard, with ``programs`` or ``drums``.

No id names a program the request leaves out (drums are program -1: a drum hit is refused unless drums are
asked for), and REMI+ names the program before each pitch: a pitch without one would decode as piano.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class Programs(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        allowed = set(c.programs)
        bad = np.zeros(ids.vocab, dtype=bool)
        for i, toks in enumerate(ids.expansions):
            for t in toks:
                if t.startswith("Program_"):
                    p = int(t.split("_")[1])
                    bad[i] |= (p == -1 and not c.drums) or (p >= 0 and p not in allowed)
                elif t.startswith("PitchDrum_") and allowed and not c.drums:
                    bad[i] = True  # a drum hit is program -1, which the request leaves out
        self.forbidden = torch.from_numpy(bad)
        self.starts_with_pitch = ctx.ids.starts_with_pitch

    @classmethod
    def build(cls, ctx: Context) -> Programs | None:
        c = ctx.constraints
        return cls(ctx) if c.programs or c.drums else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        return None if track.after_program else self.starts_with_pitch[:width]
