"""A pull towards ending on the tonic: in the last bar, ids whose pitches include the asked tonic gain
``final_weight``. Bonus, with ``key``, ``bars`` and ``final_weight``: no mask, so the notes
on the way still choose freely.

Why: a Chinese folk tune's mode is named by its final (a tune "in G major" is the gong mode on G and ends on
G); partita-small's Chinese tunes ended on the asked tonic, in its pentatonic collection, in 1 of 64
development candidates (:mod:`partita.evaluation.modal_key`). The :class:`~partita.generation.rules.cadence`
rule asks far more (first and last bar on the tonic triad, firm) and made pieces easier to tell from real
ones; this asks only for the last notes.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC


class FinalPull(Rule):
    tier = Tier.BONUS

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        pcs = ctx.share("pitch_classes", ctx.ids.pitch_classes)
        self.bonus = pcs[:, PITCH_CLASS_OF_TONIC[c.key]].float() * float(c.final_weight)
        self.bars = int(c.bars)

    @classmethod
    def build(cls, ctx: Context) -> FinalPull | None:
        c = ctx.constraints
        return cls(ctx) if c.final_weight and c.key and c.bars else None

    def pull(self, state: None, track: Track, logits: torch.Tensor) -> None:
        if track.bars >= self.bars:  # the whole bar: a tune's final note often starts it
            logits += self.bonus[: logits.shape[0]].to(logits.dtype)
