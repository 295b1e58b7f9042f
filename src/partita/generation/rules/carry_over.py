"""No note held over a bar line into a bar whose chord lacks its pitch class. Soft, with ``chords`` and
``grammar``: yields where it would leave no token.

REMI+ draws a note's duration after its pitch, and nothing else stops a note sampled in bar *k* from ringing
on into bar *k + 1* over the next chord: in lead sheets over POP909's chords a held note sounded against
the following chord (scripts/carry-over-chords.py). When the duration is drawn the rule knows the note's
pitch (the pitch drawn before it, or the one in the same BPE id), its onset (the open bar's position, or a
position inside the id) and the meter, so it forbids the durations (and the ids that carry them) that end
past a bar line where a later bar's chord does not hold the pitch; a duration that ends on the bar line, or
a note whose pitch the next chord holds, stays free. Bars past the piece's last (``bars``) have no chord to
clash with. A note the id opens after a bar line of its own, and drums, are not read.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from partita.generation.harmony import chord_pitch_classes
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track, parse_meter

PENDING = -1
"""A note's pitch class in the tables when the id only closes the note drawn before it."""
_KEEP = -2
"""``pending_after``: the id leaves the pending note as it was."""
_EPS = 1e-6


def closed_notes(tokens: list[str], resolution: int) -> tuple[list[tuple[int, float, float]], int]:
    """The pitched notes an id's ``tokens`` give a duration to before any bar line of its own, as (pitch
    class or :data:`PENDING`, onset in beats into the bar or -1 for the open onset, duration in beats); and
    the pitch class left waiting for its duration after the id (-1: none, :data:`_KEEP`: as before)."""
    notes: list[tuple[int, float, float]] = []
    at, barred = -1.0, False
    open_pc, open_barred = (
        _KEEP,
        False,
    )  # the note waiting for its duration, and whether a bar line precedes it
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind == "Bar":
            barred = True
        elif kind == "Position":
            at = int(value) / resolution
        elif kind in ("Pitch", "PitchDrum"):
            open_pc, open_barred = (int(value) % 12 if kind == "Pitch" else -1), barred
        elif kind == "Duration":
            whole, ticks, res = (int(x) for x in value.split("."))
            if open_pc == _KEEP and not barred:
                notes.append((PENDING, -1.0, whole + ticks / res))
            elif open_pc >= 0 and not open_barred:
                notes.append((open_pc, at, whole + ticks / res))
            open_pc = -1
    return notes, open_pc


def _lacks(label: str) -> list[bool]:
    """The 12 pitch classes: which ``label`` does not hold (none for N, no chord)."""
    tones = chord_pitch_classes(label)
    return [bool(tones) and pc not in tones for pc in range(12)]


class CarryOver(Rule):
    """Per step, the ids whose notes would sound past a bar line against a later bar's chord."""

    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.resolution, self.vocab = ids.resolution, ids.vocab
        self.last_bar = c.bars
        self.n = len(c.chords)
        self.off = np.array([_lacks(label) for label in c.chords], dtype=bool).reshape(-1, 12)
        rows: list[tuple[int, int, float, float]] = []
        pending_after = np.full(ids.vocab, _KEEP, dtype=np.int64)
        for i, toks in enumerate(ids.expansions):
            notes, pending_after[i] = closed_notes(toks, ids.resolution)
            rows.extend((i, pc, at, dur) for pc, at, dur in notes)
        table = np.array(rows, dtype=np.float64).reshape(-1, 4)
        self.note_id = table[:, 0].astype(np.int64)
        self.note_pc = table[:, 1].astype(np.int64)
        self.note_at, self.note_dur = table[:, 2], table[:, 3]
        self.pending_after = pending_after.tolist()
        self.longest = float(self.note_dur.max(initial=0.0))

    @classmethod
    def build(cls, ctx: Context) -> CarryOver | None:
        c = ctx.constraints
        return cls(ctx) if c.chords and c.grammar else None

    def start(self, track: Track) -> int:
        """The pitch class waiting for its duration (-1: none)."""
        return -1

    def advance(self, state: int, token: int, track: Track) -> int:
        after = self.pending_after[token] if token < self.vocab else _KEEP
        return state if after == _KEEP else after

    def mask(self, state: int, track: Track, width: int) -> torch.Tensor | None:
        if track.bars == 0 or not self.n:
            return None
        beats = parse_meter(track.meter)[0]
        pcs = np.where(self.note_pc >= 0, self.note_pc, state)
        read = pcs >= 0
        onset = np.where(self.note_at >= 0, self.note_at, max(track.pos, 0) / self.resolution)
        end = onset + self.note_dur
        clash = np.zeros(len(end), dtype=bool)
        for ahead in range(1, math.ceil((beats + self.longest) / beats) + 1):
            bar = track.bars + ahead
            if self.last_bar is not None and bar > self.last_bar:
                break
            off = self.off[(bar - 1) % self.n]
            clash |= read & (end > ahead * beats + _EPS) & off[np.where(read, pcs, 0)]
        if not clash.any():
            return None
        bad = torch.zeros(width, dtype=torch.bool)
        hit = self.note_id[clash]
        bad[torch.from_numpy(hit[hit < width])] = True
        return bad
