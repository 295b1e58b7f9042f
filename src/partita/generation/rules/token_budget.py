"""The bars close before the token budget runs out. Soft, with ``bars`` and ``token_budget``: yields where it
would leave no token, and first of the soft rules after the pickup's.

Once no more tokens are left than the bars to come need with their fewest notes, each bar gets only its
fewest: no new note in a bar that has them, so its bar line comes (a hymn for organ stacked 221 notes in one
voice and ran out of tokens after 11 of 16 bars).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.notes_per_bar import short
from partita.generation.rules.tracker import Context, Track

TOKENS_TO_CLOSE_A_BAR = 2
"""Tokens a bar line and a position take (REMI+ without BPE; BPE ids hold as much in fewer)."""
TOKENS_PER_NOTE = 4
"""Tokens one note takes at most in REMI+ without BPE (program, pitch, velocity, duration)."""


class TokenBudget(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        self.budget, self.bars, self.fewest = int(c.token_budget), int(c.bars), c.min_notes_per_bar
        # a bar of several voices costs a note of each (the other rules call resting voices back in): a
        # four-voice motet's closing bars took 11 tokens each where one note's 6 were reserved, and 3 of 4
        # candidates of "an adagio polyphonic Renaissance motet ..., 16 bars" ran out 1-4 bars short
        voices = len({int(p) for p in (c.programs or []) if int(p) >= 0})
        self.per_bar = TOKENS_TO_CLOSE_A_BAR + TOKENS_PER_NOTE * max(1, c.min_notes_per_bar, voices)
        self.starts_note = ctx.ids.starts_note

    @classmethod
    def build(cls, ctx: Context) -> TokenBudget | None:
        c = ctx.constraints
        return cls(ctx) if c.token_budget is not None and c.bars is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if track.bars >= self.bars or short(track, self.fewest):
            return None
        low = self.budget - track.tokens <= (self.bars - track.bars) * self.per_bar + TOKENS_PER_NOTE
        return self.starts_note[:width] if low else None
