"""A note sounds as each beat begins: time moves on no later than the first beat line at or after the end of
the last note, so a rest stays inside a beat (with ``filled_beats`` and ``grammar``; beats of the meter's
denominator).

Real Chinese folk tunes (Essen) sound a note at the start of 0.99 of their beats (the realism benchmark's
``all_tracks_beat_share`` over the held-out tunes, one track) where partita's sounded one at 0.89-0.93: rests
across beat lines, phrase ends written as a beat of rest; the judge's plainest tell of those tunes
(docs/GENERATION.md § Realism). Soft, once the first note has sounded: yields where it would leave no token.
Reads the shared :class:`~partita.generation.rules.timeline.Timeline` for the times each id would move to.
"""

from __future__ import annotations

import math

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Context, Track


class FilledBeats(Rule):
    tier = Tier.SOFT

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    @classmethod
    def build(cls, ctx: Context) -> FilledBeats | None:
        wanted = getattr(ctx.constraints, "filled_beats", False)
        return cls(ctx.timeline) if wanted and ctx.timeline is not None else None

    def start(self, track: Track) -> list[float]:
        """The latest end of a note whose duration has been read (empty: none yet)."""
        return []

    def advance(self, last: list[float], token: int, track: Track) -> list[float]:
        row = track.sounding
        ends = [e for e in row["ends"] if math.isfinite(e)] if row is not None else []
        if ends and (not last or max(ends) > last[0]):
            return [max(ends)]
        return last

    def mask(self, last: list[float], track: Track, width: int) -> torch.Tensor | None:
        row = track.sounding
        if row is None or not track.bars or not (last or row["pending"]):
            return None
        when, _ = self.timeline.landing(row, width)
        end = torch.full((width,), last[0] if last else -math.inf, dtype=torch.float64)
        if row["pending"]:  # an id that opens with the pending note's duration ends that note first
            end = torch.maximum(end, row["now"] + self.timeline.lead[:width])
        return self.timeline.moves[:width] & (when > torch.ceil(end - 1e-9) + 1e-9)
