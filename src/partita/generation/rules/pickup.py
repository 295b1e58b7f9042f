"""A pickup (an anacrusis): the piece's first notes start ``pickup`` beats before the end of its first bar,
the beats before them rest; without one, they start in the bar's first half. Soft, with ``grammar`` and
``bars``, and first of the soft rules: yields where it would leave no token.

Most real jigs, chorales and German folk songs open with one (``python scripts/pickup-stats.py``), and
partita-small, sampled freely, nearly always opens on the downbeat. The bars asked for follow the pickup bar,
which the MusicXML writer notates as an implicit bar 0 and :func:`partita.score.bars.full_bars` does not
count; the per-bar lower bounds (notes, onsets) ask only the pickup's share of a bar of it
(:func:`in_open_bar`). The beats are those of the meter in force (eighths in 6/8), so a request without a
meter gets its pickup in the meter the model writes; a pickup of more than half that bar is not made (it would
be read as a bar that starts late).

Before the first bar line: no id that opens the first bar with a position other than the pickup's (without a
requested meter, with any position: the meter is not known yet), nor one that opens two bars. In the first bar
before its first note: no position other than the pickup's, no bar line and no end.

Without a pickup (``pickup`` 0, with ``grammar`` and ``bars``) the first notes start in the first half of the
first bar: a piece whose first note came later would open with a pickup the bar count does not count, and be a
bar short (a chorale asked for 8 bars came out as a last-beat upbeat and 7 bars, and the Selector chose it).
"""

from __future__ import annotations

import math

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track, parse_meter


def in_open_bar(fewest: int, track: Track, pickup: int) -> int:
    """A bar's lower bound ``fewest`` for the open bar: in a pickup bar of ``pickup`` beats only its share
    (rounded up)."""
    if not pickup or track.bars != 1:
        return fewest
    beats = parse_meter(track.meter)[0]
    return math.ceil(fewest * pickup / beats) if 2 * pickup <= beats else fewest


def _opening_position(tokens: list[str]) -> int:
    """The first position after an id's first bar line (-1: none), -2 for an id that opens two bars."""
    bars = 0
    for t in tokens:
        if t == "Bar_None":
            bars += 1
            if bars == 2:
                return -2
        elif bars and t.startswith("Position_"):
            return int(t.split("_")[1])
    return -1


class Pickup(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        ids, c = ctx.ids, ctx.constraints
        self.beats, self.res = int(c.pickup), ids.resolution
        self.opening = torch.tensor([_opening_position(toks) for toks in ids.expansions], dtype=torch.long)
        at = self._position(c.meter) if c.meter else None
        self.bad_opening = (self.opening == -2) | (
            (self.opening >= 0) & (self.opening != (-1 if at is None else at))
        )
        self.inner, self.bar_ids, self.eos = ids.inner_position, ids.bar_ids, ids.eos

    def _position(self, meter: str) -> int | None:
        """The pickup's position in a bar of ``meter`` (None: more than half the bar)."""
        beats = parse_meter(meter)[0]
        return (beats - self.beats) * self.res if 2 * self.beats <= beats else None

    @classmethod
    def build(cls, ctx: Context) -> Pickup | None:
        c = ctx.constraints
        return cls(ctx) if c.grammar and c.bars is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if track.bars > 1 or (track.bars == 1 and track.onsets):
            return None
        if not self.beats:  # on the downbeat: no first note in the second half of the bar
            half = parse_meter(track.meter)[0] * self.res / 2
            positions = self.opening if track.bars == 0 else self.inner
            return positions[:width] >= half
        if track.bars == 0:
            return self.bad_opening[:width]
        at = self._position(track.meter)
        if at is None:
            return None
        bad = ((self.inner[:width] >= 0) & (self.inner[:width] != at)) | self.bar_ids[:width]
        if 0 <= self.eos < width:
            bad[self.eos] = True
        return bad
