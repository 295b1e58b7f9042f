"""No note shorter than ``shortest`` beats, and no note starting off that grid. Hard, with ``shortest``: a
static mask (every onset on the grid, so a note of the shortest value always fits).

Real Renaissance polyphony has no note shorter than an eighth in the corpus's modern transcriptions (none in
72,397 notes of 150 training pieces), and partita-small wrote bursts of 32nd notes into motets, 200-400 tokens
a bar. The beats are the sampled meter's (a Renaissance piece is sampled in 4/4, so 0.5 is an eighth).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context


def _too_fine(tokens: list[str], shortest: float, resolution: int) -> bool:
    """An id with a duration under ``shortest`` beats or a position off its grid."""
    step = shortest * resolution  # positions per grid step
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind == "Duration":
            whole, ticks, res = (int(x) for x in value.split("."))
            if whole + ticks / res < shortest - 1e-9:
                return True
        elif kind == "Position" and int(value) % step > 1e-9:
            return True
    return False


class Shortest(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        shortest, res = float(ctx.constraints.shortest), ctx.ids.resolution
        self.forbidden = torch.tensor([_too_fine(toks, shortest, res) for toks in ctx.ids.expansions])

    @classmethod
    def build(cls, ctx: Context) -> Shortest | None:
        return cls(ctx) if ctx.constraints.shortest else None
