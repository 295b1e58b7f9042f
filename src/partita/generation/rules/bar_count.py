"""The exact bar count: never more bars than asked, no early end, and at the last bar the end takes the bar
line's place. Hard, with ``bars``; its end verdict decides the end of the piece.

* No id may open more bars than are left (an id that opens several counts them all).
* Before the last bar the piece may not end; once the bars asked for are open it may, whatever the other hard
  masks say (only the grammar, not halfway through a note, may still refuse it).
* Its pull: at the last bar, where the model would open bar ``bars + 1`` it ends the piece instead (the logit
  mass of the bar-line ids moves to EOS, after the bonuses registered before it).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class BarCount(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        self.target = int(ctx.constraints.bars)
        self.n_bars, self.bar_ids, self.eos = ctx.ids.n_bars, ctx.ids.bar_ids, ctx.ids.eos

    @classmethod
    def build(cls, ctx: Context) -> BarCount | None:
        return cls(ctx) if ctx.constraints.bars is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor:
        return (self.n_bars[:width] + track.bars) > self.target

    def end(self, state: None, track: Track) -> bool:
        return track.bars >= self.target

    def pull(self, state: None, track: Track, logits: torch.Tensor) -> None:
        if track.bars >= self.target:
            bar_mass = torch.logsumexp(logits[self.bar_ids[: logits.shape[0]]], dim=0)
            logits[self.eos] = torch.logaddexp(logits[self.eos], bar_mass)
