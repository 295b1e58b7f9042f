"""A pull towards the key: a logit bonus of ``tonic_weight`` for ids whose pitches are tones of the tonic
triad (the tonic counts fully, the third and the fifth half), so that the tonic sounds longest and most often.
Bonus, with ``key`` and ``tonic_weight``: no mask. With ``tonic_on_downbeats`` only notes starting a bar get
it (where a listener hears the harmony most), so the melody elsewhere keeps all the scale's tones.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC


class TonicPull(Rule):
    tier = Tier.BONUS

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        pcs = ctx.share("pitch_classes", ids.pitch_classes)
        bonus = tonic_bonus(pcs, c.key, c.mode)
        bonus *= float(c.tonic_weight)
        # [elsewhere, at the downbeat]: ids that open the bar's first onset, or add to it
        if c.tonic_on_downbeats:
            opens = ids.first_position == 0
            self.bonus = torch.stack(
                [torch.where(opens, bonus, 0.0), torch.where(opens | ids.adds_to_onset, bonus, 0.0)]
            )
        else:
            self.bonus = torch.stack([bonus, bonus])

    @classmethod
    def build(cls, ctx: Context) -> TonicPull | None:
        c = ctx.constraints
        return cls(ctx) if c.tonic_weight and c.key else None

    def pull(self, state: None, track: Track, logits: torch.Tensor) -> None:
        at_downbeat = track.pos == 0 or (track.pos == -1 and track.bars >= 1)
        logits += self.bonus[int(at_downbeat)][: logits.shape[0]].to(logits.dtype)


def tonic_bonus(pitch_classes: torch.Tensor, key: str, mode: str | None) -> torch.Tensor:
    """Per id: the mean over its pitch classes of 1 (tonic), 0.5 (third, fifth) or 0; ids without pitch get
    0."""
    tonic = PITCH_CLASS_OF_TONIC[key]
    weight = torch.zeros(12)
    weight[tonic] = 1.0
    weight[(tonic + (3 if mode == "minor" else 4)) % 12] = 0.5
    weight[(tonic + 7) % 12] = 0.5
    pcs = pitch_classes.float()
    count = pcs.sum(dim=1)
    return torch.where(count > 0, pcs @ weight / count.clamp(min=1), torch.zeros_like(count))
