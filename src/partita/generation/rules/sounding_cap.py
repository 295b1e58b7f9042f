"""At most ``max_sounding`` pitched notes sound at once, held notes included: a note may start only where
fewer are still sounding, and (with ``hold_within_bar``) no note lasts longer than a bar, so that every bar
has room for its notes. Soft, with ``max_sounding`` and ``grammar``, once the first bar is open: yields where
it would leave no token (a bar that still needs notes). Reads the shared
:class:`~partita.generation.rules.timeline.Timeline`.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Context, Track


class SoundingCap(Rule):
    tier = Tier.SOFT

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    @classmethod
    def build(cls, ctx: Context) -> SoundingCap | None:
        return cls(ctx.timeline) if ctx.timeline is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        return self.timeline.bad(track.sounding, width) if track.bars else None
