"""A melody's range (its ambitus): once notes span ``lo`` to ``hi``, no pitch above ``lo + ambitus`` or below
``hi - ambitus``. Soft, with ``ambitus`` (semitones): yields where it would leave no token.

A sung or fiddled folk tune keeps to a range a voice or a first position can play: real held-out German folk
songs span 11.8 semitones in their first 8-16 bars, Chinese 13.0, jigs 14.6; partita-small's spanned
17.7-20.7, 16.6 and 15.4-17.2 (the realism benchmark's ``pitch_range``). The planner sets it only for a
request of one pitched instrument (the melody is the piece). Not a default: held to it, German folk songs and
jigs were easier to tell from real ones (``GenerationConfig.style_ambitus``).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


def _pitch_span(tokens: list[str]) -> tuple[int, int]:
    """The lowest and highest pitch an id plays ((-1, -1): none; drums are not pitches)."""
    pitches = [int(t.split("_")[1]) for t in tokens if t.startswith("Pitch_")]
    return (min(pitches), max(pitches)) if pitches else (-1, -1)


class Ambitus(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        self.width = int(ctx.constraints.ambitus)
        spans = torch.tensor([_pitch_span(toks) for toks in ctx.ids.expansions], dtype=torch.long)
        self.low, self.high = spans[:, 0], spans[:, 1]
        self.pitched = self.low >= 0

    @classmethod
    def build(cls, ctx: Context) -> Ambitus | None:
        return cls(ctx) if ctx.constraints.ambitus else None

    def start(self, track: Track) -> list[int]:
        """[lowest, highest] pitch so far ([-1, -1]: none yet)."""
        return [-1, -1]

    def advance(self, state: list[int], token: int, track: Track) -> list[int]:
        if token < len(self.pitched) and bool(self.pitched[token]):
            low, high = int(self.low[token]), int(self.high[token])
            state[0] = low if state[0] < 0 else min(state[0], low)
            state[1] = max(state[1], high)
        return state

    def mask(self, state: list[int], track: Track, width: int) -> torch.Tensor | None:
        if state[0] < 0:
            return None
        pitched = self.pitched[:width]
        beyond = (self.high[:width] > state[0] + self.width) | (self.low[:width] < state[1] - self.width)
        return pitched & beyond
