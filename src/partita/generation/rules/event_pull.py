"""A pull towards onsets, and loud ones, at asked positions: the events of a video (cuts, motion peaks) that
the music should mark (VMAS's beats on motion, asked of the sampler rather than edited in afterwards). Bonus,
with ``event_positions``: no mask.

``event_positions`` are (bar, position) pairs: the bar counted from 0 as the tracker counts bars (the music's
first bar line opens bar 0, a given piece's bars included), the position in the vocabulary's positions of
that bar (:attr:`~partita.generation.rules.tables.IdTables.resolution` a beat of the meter). While an asked
position of the open bar is still ahead (no onset within :data:`TOLERANCE` positions before it):

* the ids that write an onset at it (within the tolerance) gain ``weight``;
* the ids that would skip it, an onset later in the bar or a bar line, lose ``weight``
  (onsets before it stay free: the music on the way is the model's);
* a bar line whose id also writes the next bar's first onset gains or loses the same for that bar's first
  asked position.

At an asked onset (the open onset within the tolerance of one) the ids whose note velocity is high gain up to
``velocity_weight`` (by the velocity over the middle, 64), those of quiet notes lose as much. Measured with
partita-small (``bench/bench_picture.py``, docs/PICTURES.md § Does the loudness follow the video?) this half
moves nothing: the model keeps nearly one velocity a piece, and a video's accents come from
:func:`partita.generation.picture.shape_dynamics`.

The positions come from the request (``Request.onsets``; the picture pipeline passes a video's to
:meth:`partita.Generator.generate_plan`, which gives them to every section's request), the weight from
``GenerationConfig.event_weight``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

WEIGHT = 3.0
"""The logit bonus of an onset on an asked position (and the penalty of skipping it)."""
VELOCITY_WEIGHT = 2.0
"""The largest logit bonus (and penalty) of a velocity at an asked onset."""
TOLERANCE = 0
"""Positions either side of an asked one that count as on it: none, since one position (a 32nd note at 8 a
beat) is 90 ms at 84 bpm, past the 80 ms in which a note marks an event (partita-small, pulled with 1, kept
to its own grid a position late on a bar-line cut)."""


def _first_after_bar(tokens: list[str]) -> int:
    """The first position written after an id's first bar line (-1: none before another bar line)."""
    if "Bar_None" not in tokens:
        return -1
    for t in tokens[tokens.index("Bar_None") + 1 :]:
        if t == "Bar_None":
            return -1
        if t.startswith("Position_"):
            return int(t.split("_")[1])
    return -1


def _note_velocity(tokens: list[str]) -> int:
    """The velocity an id gives the open onset's note (before any position or bar line; -1: none)."""
    for t in tokens:
        if t == "Bar_None" or t.startswith("Position_"):
            return -1
        if t.startswith("Velocity_"):
            return int(t.split("_")[1])
    return -1


class EventPull(Rule):
    """``positions``: the asked (bar, position) pairs; ``expansions``: each id's base tokens;
    ``inner_position``: each id's first position in the open bar (-1: none), ``bar_ids``: the ids with a
    bar line (:class:`~partita.generation.rules.tables.IdTables`)."""

    tier = Tier.BONUS

    def __init__(
        self,
        positions: Sequence[tuple[int, int]],
        expansions: list[list[str]],
        inner_position: torch.Tensor,
        bar_ids: torch.Tensor,
        weight: float = WEIGHT,
        velocity_weight: float = VELOCITY_WEIGHT,
        tolerance: int = TOLERANCE,
    ) -> None:
        self.asked: dict[int, list[int]] = {}
        for b, p in sorted({(int(b), int(p)) for b, p in positions}):
            self.asked.setdefault(b, []).append(p)
        self.weight, self.velocity_weight = float(weight), float(velocity_weight)
        self.tolerance = int(tolerance)
        self.inner = inner_position.to(torch.int64)
        self.bar_ids = bar_ids.to(torch.bool)
        self.after_bar = torch.tensor([_first_after_bar(t) for t in expansions], dtype=torch.int64)
        velocity = torch.tensor([_note_velocity(t) for t in expansions], dtype=torch.float32)
        self.loudness = torch.where(velocity >= 0, (velocity - 64.0) / 63.0, torch.zeros_like(velocity))

    @classmethod
    def build(cls, ctx: Context) -> EventPull | None:
        c = ctx.constraints
        positions, weight = tuple(c.event_positions), float(getattr(c, "event_weight", WEIGHT))
        if not positions or not weight:
            return None
        ids = ctx.ids
        return cls(positions, ids.expansions, ids.inner_position, ids.bar_ids, weight, VELOCITY_WEIGHT)

    def pending(self, track: Track) -> int | None:
        """The next asked position of the open bar with no onset on it yet (None: none left)."""
        if track.bars < 1:
            return None
        for p in self.asked.get(track.bars - 1, ()):
            if track.pos < 0 or p - self.tolerance > track.pos:  # no onset in the bar yet, or none near p
                return p
        return None

    def on_event(self, track: Track) -> bool:
        """The open onset is on an asked position."""
        if track.bars < 1 or track.pos < 0:
            return False
        return any(abs(p - track.pos) <= self.tolerance for p in self.asked.get(track.bars - 1, ()))

    def bonus(self, track: Track, width: int) -> torch.Tensor | None:
        """The logit bonus of the next id (None: nothing asked now)."""
        out = None
        if self.weight:
            out = self._onsets(track, width)
        if self.velocity_weight and self.on_event(track):
            loud = self.loudness[:width] * self.velocity_weight
            out = loud if out is None else out + loud
        return out

    def _onsets(self, track: Track, width: int) -> torch.Tensor | None:
        w, tol = self.weight, self.tolerance
        out = torch.zeros(width)
        target = self.pending(track)
        inner, bars = self.inner[:width], self.bar_ids[:width]
        if target is not None:
            hit = (inner >= 0) & ((inner - target).abs() <= tol)
            out[hit] += w
            out[(inner > target + tol) | (bars & ~hit)] -= w
        following = self.asked.get(track.bars)  # the bar the next bar line opens
        if following and target is None:
            first, after = following[0], self.after_bar[:width]
            written = bars & (after >= 0) & (inner < 0)
            out[written & ((after - first).abs() <= tol)] += w
            out[written & (after > first + tol)] -= w
        return out if bool(out.any()) else None

    def pull(self, state: None, track: Track, logits: torch.Tensor) -> None:
        bonus = self.bonus(track, logits.shape[0])
        if bonus is not None:
            logits += bonus.to(logits.dtype)
