"""At least ``min_sounding`` pitched notes sound from each onset to the next: time moves on no later than the
moment fewer would still sound (no gap in the texture; a rest only where a bar could not be filled otherwise).
Soft, with ``min_sounding`` and ``grammar``, once the first bar is open: yields where it would leave no token,
after the sounding cap. A fractional floor bounds the mean (:meth:`Timeline.floor_now
<partita.generation.rules.timeline.Timeline.floor_now>`).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Context, Track


class SoundingFloor(Rule):
    tier = Tier.SOFT

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    @classmethod
    def build(cls, ctx: Context) -> SoundingFloor | None:
        return cls(ctx.timeline) if ctx.timeline is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        return self.timeline.gap(track.sounding, width) if track.bars else None
