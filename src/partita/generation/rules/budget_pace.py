"""The token budget spent evenly over the bars: once the open bar has drawn more than its share of the tokens
left when it opened, its chords thin (at most ``paced_onset`` notes start together) while time goes on.
Soft, with ``paced_onset``, ``token_budget`` and ``bars``; after the token budget's own rule.

Without it a dense style spends its budget early and the token budget rule
(:mod:`partita.generation.rules.token_budget`) then gives the last bars only their fewest notes:
partita-small's pop pieces played 24.8 notes a bar in their body and 9.5 in their last (real POP909 openings:
15.3 and 18.2), the melody falling silent for the last three or four bars (docs/GENERATION.md § Realism,
fourteenth session).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class BudgetPace(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        self.budget, self.bars, self.most = int(c.token_budget), int(c.bars), int(c.paced_onset)
        self.adds_to_onset = ctx.ids.adds_to_onset

    @classmethod
    def build(cls, ctx: Context) -> BudgetPace | None:
        c = ctx.constraints
        usable = c.paced_onset > 0 and c.token_budget is not None and c.bars is not None and c.grammar
        return cls(ctx) if usable else None

    def start(self, track: Track) -> list[int]:
        return [track.bars, 0, 0]  # the open bar, the music tokens read when it opened, those read so far

    def advance(self, state: list[int], token: int, track: Track) -> list[int]:
        # counted here, not from ``track.tokens``, which takes a given piece's tokens in all at once
        if track.bars != state[0]:
            state[0], state[1] = track.bars, state[2]
        state[2] += 1
        return state

    def mask(self, state: list[int], track: Track, width: int) -> torch.Tensor | None:
        if track.bars < 1 or track.bars > self.bars or track.onset_at_bar or track.onset < self.most:
            return None
        share = (self.budget - state[1]) / (self.bars - track.bars + 1)
        return self.adds_to_onset[:width] if state[2] - state[1] > share else None
