"""A bar closes only once its chord is heard: its root and third (and seventh, or the tone a sus, dim or aug
chord is named for). Soft, with ``chords``: yields where it would leave no token. Its pull: a logit bonus of
:data:`~partita.generation.rules.chords.MISSING_TONE_BONUS` for the ids that play a missing tone, so that a
model held back from closing the bar adds the tone rather than more of what it has.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.chords import ChordMasks, chord_masks
from partita.generation.rules.tracker import Context, Track


class ChordComplete(Rule):
    """State: the pitch classes the open bar has played (a bitmask)."""

    tier = Tier.SOFT

    def __init__(self, masks: ChordMasks, eos: int) -> None:
        self.masks, self.eos = masks, eos

    @classmethod
    def build(cls, ctx: Context) -> ChordComplete | None:
        return cls(chord_masks(ctx), ctx.ids.eos) if ctx.constraints.chords else None

    def start(self, track: Track) -> int:
        return 0

    def advance(self, state: int, token: int, track: Track) -> int:
        return self.masks.played(state, token)

    def mask(self, state: int, track: Track, width: int) -> torch.Tensor | None:
        unfinished = self.masks.unfinished(track.bars, state, width)
        if unfinished is None:
            return None
        closing = unfinished[0]
        if 0 <= self.eos < width:
            closing[self.eos] = True
        return closing

    def pull(self, state: int, track: Track, logits: torch.Tensor) -> None:
        unfinished = self.masks.unfinished(track.bars, state, logits.shape[0])
        if unfinished is not None:
            logits += unfinished[1].to(logits.dtype)
