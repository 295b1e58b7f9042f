"""A penalty on playing the bar just played again. Bonus tier (a negative one), with ``loop_penalty``.

Real pieces repeat at a distance, not in place: the realism benchmark's held-out jigs repeat 37% of their bars
but the longest run of one bar averages 1.0 (German folk songs 1.06), while partita-small's jigs looped a bar
four or more times in a row in 19% of pieces even with no repeat pull (2026-12-05, the ``loops`` column), the
tell the judge reads as ``longest_repeat_run``. Where the open bar has followed the bar before it token for
token, the id that would go on copying it loses ``loop_penalty`` from its logit: the model can still repeat a
bar, but each step of the copy has to outweigh the penalty. The bar line itself is never penalised (the bar
count needs it).
"""

from __future__ import annotations

import torch

from partita.generation.rules.repeat import RepeatPull
from partita.generation.rules.tracker import Context, Track


class LoopGuard(RepeatPull):
    """A penalty for the next id of the bar before, while the open bar has copied it so far."""

    @classmethod
    def build(cls, ctx: Context) -> LoopGuard | None:
        penalty = getattr(ctx.constraints, "loop_penalty", 0.0)
        return cls([bool(n) for n in ctx.ids.n_bars.tolist()], penalty, lags=(1,)) if penalty else None

    def copying(self, bars: list[list[int]]) -> int | None:
        """The id that goes on copying the bar before (None: the open bar is not a copy of it so far, or
        the copy is complete and only its bar line is left)."""
        if len(bars) < 3:
            return None
        before, cur = bars[-2], bars[-1]
        if len(cur) >= len(before) or cur[1:] != before[1 : len(cur)]:
            return None
        return before[len(cur)]

    def pull(self, bars: list[list[int]], track: Track, logits: torch.Tensor) -> None:
        nxt = self.copying(bars)
        if nxt is not None and nxt < logits.shape[0]:
            logits[nxt] -= self.weight
