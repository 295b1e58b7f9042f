"""The shared REMI tracker: where each sequence stands, computed once per token for all the rules to read.

:class:`Track` is one sequence's state (bars opened, the notes and onsets of the open bar, its position, the
type of the last base token, the meter, tokens drawn, and with a sounding bound the notes still sounding);
:class:`Tracker` advances it by one id from the per-id tables of :mod:`partita.generation.rules.tables`.
:class:`Context` is what a rule is built from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from partita.generation.rules.constraints import Constraints
from partita.generation.rules.tables import IdTables
from partita.generation.rules.timeline import Timeline


def parse_meter(meter: str) -> tuple[int, int]:
    """``"6/8"`` -> (6, 8)."""
    m = re.fullmatch(r"(\d+)/(\d+)", meter)
    if not m:
        raise ValueError(f"not a meter: {meter!r}")
    return int(m.group(1)), int(m.group(2))


@dataclass
class Track:
    """Where one sequence stands after the tokens it has drawn (its music: the condition prefix is not
    read)."""

    meter: str
    """The time signature of the piece: the requested one, else the last one written (4/4 before any)."""
    bars: int = 0
    """Bar lines drawn (the open bar is bar ``bars``; 0: the music has not started)."""
    tokens: int = 0
    """Music tokens drawn."""
    meter_set: bool = False
    """A time signature has been written."""
    after_program: bool = False
    """The last base token is a program (a pitch may follow)."""
    notes: int = 0
    """Notes (pitched and drums) started in the open bar."""
    onsets: int = 0
    """Positions written in the open bar (each starts a note in REMI)."""
    kind: str = ""
    """The type of the last base token (``"Pitch"``, ``"Duration"``, ...; "" before any)."""
    pos: int = -1
    """The open bar's last position (-1: none yet)."""
    onset: int = 0
    """Notes started at the open onset (since the last position or bar line)."""
    onset_at_bar: bool = True
    """The open onset is a bar line (no position written since)."""
    sounding: dict | None = None
    """The :class:`~partita.generation.rules.timeline.Timeline` row (with a sounding bound only)."""


@dataclass
class Context:
    """What the rules are built from: the vocabulary's tables, the constraints, the shared timeline."""

    ids: IdTables
    constraints: Constraints
    timeline: Timeline | None = None
    bar_positions: int = 0
    """Positions in a bar of the requested meter (4 beats without one)."""
    shared: dict = field(default_factory=dict)
    """Tables several rules build alike (the chord masks), made once: see :meth:`share`."""

    def share(self, name: str, make):
        """The object ``make()`` builds, made once per context under ``name``."""
        if name not in self.shared:
            self.shared[name] = make()
        return self.shared[name]


def make_context(ids: IdTables, c: Constraints) -> Context:
    """The context of ``c`` over ``ids``: the timeline exists where a sounding bound is asked for (with the
    grammar)."""
    res = ids.resolution
    bar_positions = parse_meter(c.meter)[0] * res if c.meter else None
    timeline = None
    if (c.max_sounding is not None or c.min_sounding) and c.grammar:
        beats = bar_positions // res if bar_positions is not None else 4
        cap = int(c.max_sounding) if c.max_sounding is not None else 1 << 30
        timeline = Timeline(
            ids.expansions, res, cap, beats, floor=float(c.min_sounding), within_bar=c.hold_within_bar
        )
    return Context(ids, c, timeline, bar_positions or 4 * res)


class Tracker:
    """Advances :class:`Track` rows by one id at a time."""

    def __init__(self, ctx: Context) -> None:
        self.ids, self.timeline = ctx.ids, ctx.timeline
        self.meter = ctx.constraints.meter

    def start(self) -> Track:
        """A new sequence's track."""
        sounding = self.timeline.start() if self.timeline is not None else None
        return Track(meter=self.meter or "4/4", sounding=sounding)

    def advance(self, track: Track, t: int) -> None:
        """Take in id ``t`` (a valid id of the vocabulary; ``tokens`` is the caller's to count)."""
        ids = self.ids
        opened = ids.opened[t]
        track.notes = ids.notes_after_bar[t] + (0 if opened else track.notes)
        track.onsets = ids.onsets_after_bar[t] + (0 if opened else track.onsets)
        track.bars += opened
        track.meter_set |= ids.sets_meter[t]
        if ids.meter_of[t] and not self.meter:
            track.meter = ids.meter_of[t]
        track.after_program = ids.ends_with_program[t]
        track.kind = ids.last_kind[t]
        if ids.notes_after_onset[t] >= 0:
            track.onset, track.onset_at_bar = ids.notes_after_onset[t], ids.onset_is_bar[t]
        else:
            track.onset += ids.onset_extra[t]
        moved = ids.last_position[t]
        track.pos = -1 if moved == -2 else (moved if moved >= 0 else track.pos)
        if self.timeline is not None:
            self.timeline.advance(track.sounding, t)
