"""The notes still sounding in each sequence, over time: what the sounding cap and floor, and the notes an
onset needs, read (:mod:`~partita.generation.rules.sounding_cap`,
:mod:`~partita.generation.rules.sounding_floor`, :mod:`~partita.generation.rules.notes_per_onset`).

A shared tracker like :class:`~partita.generation.rules.tracker.Tracker`, built only when a sounding bound is
asked for (with the grammar): the tracker advances its row state with every token.
"""

from __future__ import annotations

import math

import numpy as np
import torch


class Timeline:
    """The notes still sounding in each row, and where each id would start its next note: behind
    ``max_sounding``.

    Time is counted in the beats of the time signature's denominator, as REMI's positions (``resolution`` per
    beat) and durations (``beats.ticks.resolution``) are; a pitch sounds until its duration is read (``inf``
    before).
    """

    def __init__(
        self,
        expansions: list[list[str]],
        resolution: int,
        cap: int,
        meter_beats: int,
        floor: float = 0.0,
        within_bar: bool = True,
    ) -> None:
        self.cap, self.meter_beats, self.floor, self.within_bar = cap, meter_beats, floor, within_bar
        self.events = [_events(toks, resolution) for toks in expansions]
        longest = [max((x for k, x in ev if k == "dur"), default=0.0) for ev in self.events]
        # per id: the duration that closes the pending note, when the id starts with it; bar lines before the
        # id's first pitched note (or loose end); the beat inside the bar of that note (-1: where the row
        # already
        # is); pitched notes the id starts there; whether it starts a pitched note, or ends where a note must
        # come next
        lead, land_bars, land_pos, land_notes, lands = zip(*(_landing(ev) for ev in self.events), strict=True)
        self.longest = torch.tensor(longest, dtype=torch.float64)
        self.lead = torch.tensor(lead, dtype=torch.float64)
        self.land_bars = torch.tensor(land_bars, dtype=torch.int64).double()
        self.land_pos = torch.tensor(land_pos, dtype=torch.float64)
        self.need = torch.from_numpy(np.maximum(np.array(land_notes, dtype=np.int64), 1))
        self.lands = torch.tensor(lands, dtype=torch.bool)
        # it moves time on before any note of its own
        self.moves = (self.land_bars > 0) | (self.land_pos >= 0)

    def start(self) -> dict:
        """A new sequence's row: nothing sounds, the first bar not yet open."""
        return {
            "started": False,
            "beat0": 0.0,
            "beats": float(self.meter_beats),
            "now": 0.0,
            "ends": [],
            "pending": False,
            "area": 0.0,
            "span": 0.0,
        }

    def advance(self, row: dict, token: int) -> None:
        for kind, x in self.events[token] if token < len(self.events) else ():
            if kind == "bar":
                row["beat0"] = row["beat0"] + row["beats"] if row["started"] else 0.0
                self._pass(row, row["beat0"])
                row["started"], row["now"] = True, row["beat0"]
                row["ends"] = [e for e in row["ends"] if e > row["now"]]
            elif kind == "meter":
                row["beats"] = x
            elif kind == "pos":
                self._pass(row, row["beat0"] + x)
                row["now"] = row["beat0"] + x
                row["ends"] = [e for e in row["ends"] if e > row["now"]]
            elif kind == "note":
                row["ends"].append(math.inf)
                row["pending"] = True
            elif kind == "drum":
                row["pending"] = False  # the duration read next is the drum's
            elif kind == "dur" and row["pending"]:
                row["ends"][-1] = row["now"] + x
                row["pending"] = False

    def at_cap(self, row: dict) -> bool:
        """As many notes sound at the row's onset as the cap allows."""
        return self.sounding_now(row) >= self.cap

    def sounding_now(self, row: dict) -> int:
        """The pitched notes sounding at the row's onset (the one being written included)."""
        return sum(e > row["now"] for e in row["ends"])

    def _landing(self, row: dict, width: int) -> tuple[torch.Tensor, list[float]]:
        """Per id, the time its first note (or its loose end) lands at; the ends of the settled notes."""
        beats = row["beats"]
        next_bar = row["beat0"] + beats if row["started"] else 0.0
        bars, pos = self.land_bars[:width], self.land_pos[:width]
        when = torch.where(
            bars > 0,
            next_bar + (bars - 1) * beats + pos.clamp(min=0),  # a bar line alone lands on its downbeat
            torch.where(pos >= 0, row["beat0"] + pos, torch.full_like(pos, row["now"])),
        )
        return when, row["ends"][:-1] if row["pending"] else row["ends"]

    def landing(self, row: dict, width: int) -> tuple[torch.Tensor, list[float]]:
        """Per id, the time (in beats from the start) its first note or loose end lands at; the ends of the
        notes whose durations have been read."""
        return self._landing(row, width)

    def bad(self, row: dict, width: int) -> torch.Tensor:
        """Ids that would start a note where the cap is reached, or hold a note longer than a bar."""
        beats = row["beats"]
        when, ends = self._landing(row, width)
        sounding = (torch.tensor(ends, dtype=torch.float64)[None, :] > when[:, None]).sum(dim=1)
        if row["pending"]:
            sounding += (row["now"] + self.lead[:width]) > when
        crowded = self.lands[:width] & (sounding + self.need[:width] > self.cap)
        return crowded | (self.longest[:width] > beats) if self.within_bar else crowded

    def gap(self, row: dict, width: int) -> torch.Tensor | None:
        """Ids that would move time on past the moment fewer than ``floor`` notes still sound (None: no floor,
        or fewer sound already, which the onset's lower bound mends)."""
        floor = self.floor_now(row)
        if floor < 2 or self.sounding_now(row) < floor:
            return None
        when, ends = self._landing(row, width)
        held = (torch.tensor(ends, dtype=torch.float64)[None, :] >= when[:, None]).sum(dim=1)
        if row["pending"]:
            held += (row["now"] + self.lead[:width]) >= when
        return self.moves[:width] & (held < floor)

    def floor_now(self, row: dict) -> int:
        """The fewest notes that must sound now: the floor, or for a fractional one its ceiling while the mean
        so far is under it (its integer part once the mean has reached it)."""
        x = self.floor
        if x <= 0 or x == int(x):
            return int(x)
        under = row["span"] <= 0 or row["area"] / row["span"] < x
        return math.ceil(x) if under else math.floor(x)

    @staticmethod
    def _pass(row: dict, until: float) -> None:
        """Add the time from the row's onset to ``until`` to its running polyphony (area, and time anything
        sounds)."""
        now = row["now"]
        if until <= now:
            return
        held = [min(e, until) - now for e in row["ends"] if e > now]
        row["area"] += sum(held)
        row["span"] += max(held, default=0.0)


def _events(tokens: list[str], resolution: int) -> list[tuple[str, float]]:
    """An id's base tokens as timeline events: bar lines, meters (beats), positions (beats into the bar),
    pitched notes, drum hits, durations (beats) and tokens that hold the onset (tempo, program)."""
    ev: list[tuple[str, float]] = []
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind == "Bar":
            ev.append(("bar", 0.0))
        elif kind == "TimeSig":
            ev.append(("meter", float(value.split("/")[0])))
        elif kind == "Position":
            ev.append(("pos", int(value) / resolution))
        elif kind == "Pitch":
            ev.append(("note", 0.0))
        elif kind == "PitchDrum":
            ev.append(("drum", 0.0))
        elif kind == "Duration":
            whole, ticks, res = (int(x) for x in value.split("."))
            ev.append(("dur", whole + ticks / res))
        elif kind in ("Tempo", "Program"):
            ev.append(("hold", 0.0))
    return ev


def _landing(ev: list[tuple[str, float]]) -> tuple[float, int, float, int, bool]:
    """Where an id's first pitched note lands (see :class:`Timeline`): (lead duration, bar lines before it,
    its beat in the bar, the notes starting there, whether it lands)."""
    lead, bars, pos = math.inf, 0, -1.0
    for j, (kind, x) in enumerate(ev):
        if kind == "dur" and lead == math.inf and not bars and pos < 0:
            lead = x
        if kind == "bar":
            bars, pos = bars + 1, -1.0
        elif kind == "pos":
            pos = x
        elif kind == "drum":
            return lead, bars, pos, 0, False
        elif kind == "note":
            rest = [k for k, _ in ev[j:]]
            cut = [n for n, k in enumerate(rest) if k in ("pos", "bar")]
            notes = rest[: cut[0] if cut else len(rest)].count("note")
            return lead, bars, pos, notes, not bars or pos >= 0
    lands = bool(ev) and ev[-1][0] in ("pos", "hold") and (not bars or pos >= 0)
    return lead, bars, pos, 0, lands
