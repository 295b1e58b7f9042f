"""Tempo tokens only from the requested tempo's bin (Mustango's bins, :mod:`partita.analysis.tempo`). Hard,
with ``tempo``."""

from __future__ import annotations

import torch

from partita.analysis.tempo import tempo_bin
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context


class TempoBin(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        want = tempo_bin(ctx.constraints.tempo)
        self.forbidden = torch.tensor(
            [
                any(t.startswith("Tempo_") and tempo_bin(float(t.split("_")[1])) != want for t in toks)
                for toks in ctx.ids.expansions
            ],
            dtype=torch.bool,
        )

    @classmethod
    def build(cls, ctx: Context) -> TempoBin | None:
        return cls(ctx) if ctx.constraints.tempo else None
