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

Suspensions stay free: a note held over the bar line into a chord that lacks it, which that chord lets
resolve down by a step (1 or 2 semitones below the held pitch class is one of its tones), held from
:attr:`CarryOver.suspension_min_quarters` to :attr:`CarryOver.suspension_quarters` quarter notes into the
bar, and into that bar only. Counterpoint does this on purpose, and the corpus says how far: in 60 training
pieces each (scripts/carry-over-chords.py ``--tasks chorale,renaissance --split train``, each piece's own
chords one a bar), 1.2% of the chorales' notes and 1.5% of Palestrina's are held into the next bar's chord
that lacks them; 79% and 84% of those could resolve down by a step, held an eighth (29 of 125), a quarter
(83) or a half note (4) into the bar in the chorales, a quarter (158 of 385), a half (201) or a whole note
(26) in Palestrina. The window of an eighth to a half note keeps 94% and 93% of them, and a note a step
below starts where the held one ends for 65% and 77% of those kept. Held less than an eighth, a note is an
overhang, not a suspension: so are POP909's real melodies' (94% held less than a quarter, median 0.21; a
performance's legato), and the model's in lead sheets. The rest (16-21%) have no step down to the chord and
stay forbidden. The window is counted in quarter notes, so a piece in 4/2 sampled in bars of 4/4
(:func:`partita.generation.given.in_model_bars`) keeps its half-note suspensions. With chords for parts of a
bar (``Constraints.chord_slots``: 3/2 sampled in 4/4) a bar line meets the chord of the next bar's first part;
a note held over a chord change inside a bar is not read.

The rule cannot forbid a missing resolution (the voice's next note comes tokens later, and REMI+ does not
say which voice a note is), so it pulls towards one: once a suspension is drawn, the ids that start a note a
step below it on a tone of the chord, from where the held note ends to the end of that bar, gain
:attr:`CarryOver.resolution_pull`, until one is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from partita.generation.harmony import chord_pitch_classes
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track, parse_meter

PENDING = -1
"""A note's pitch in the tables when the id only closes the note drawn before it."""
_KEEP = -2
"""``pending_after``: the id leaves the pending note as it was."""
_EPS = 1e-6
_STEPS = (1, 2)
"""The semitones a suspension resolves down by."""


def closed_notes(tokens: list[str], resolution: int) -> tuple[list[tuple[int, float, float]], int]:
    """The pitched notes an id's ``tokens`` give a duration to before any bar line of its own, as (pitch
    or :data:`PENDING`, onset in beats into the bar or -1 for the open onset, duration in beats); and the
    pitch left waiting for its duration after the id (-1: none, :data:`_KEEP`: as before)."""
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
            open_pc, open_barred = (int(value) if kind == "Pitch" else -1), barred
        elif kind == "Duration":
            whole, ticks, res = (int(x) for x in value.split("."))
            if open_pc == _KEEP and not barred:
                notes.append((PENDING, -1.0, whole + ticks / res))
            elif open_pc >= 0 and not open_barred:
                notes.append((open_pc, at, whole + ticks / res))
            open_pc = -1
    return notes, open_pc


def first_pitch(tokens: list[str], resolution: int) -> tuple[int, float]:
    """The first pitched note an id's ``tokens`` start before any bar line of its own: (pitch, onset in
    beats into the bar or -1 for the open onset); (-1, -1) for none."""
    at = -1.0
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind == "Bar":
            break
        if kind == "Position":
            at = int(value) / resolution
        elif kind == "Pitch":
            return int(value), at
    return -1, -1.0


@dataclass
class Held:
    """One sequence's :class:`CarryOver` state."""

    pending: int = -1
    """The pitch waiting for its duration (-1: none)."""
    pos: int = -1
    """The open bar's position before the last id (:attr:`Track.pos`)."""
    bars: int = 0
    """Bars opened before the last id."""
    suspended: list[tuple[int, float, frozenset[int]]] = field(default_factory=list)
    """The suspensions awaiting their resolution: (their bar, beats into it where the held note ends, the
    pitches a step below it that are tones of the chord)."""


def _lacks(label: str) -> list[bool]:
    """The 12 pitch classes: which ``label`` does not hold (none for N, no chord)."""
    tones = chord_pitch_classes(label)
    return [bool(tones) and pc not in tones for pc in range(12)]


def suspendable(label: str) -> list[bool]:
    """The 12 pitch classes: which ``label`` lacks but lets resolve down by a step (1 or 2 semitones) to one
    of its tones (a suspension held over the bar line into it)."""
    tones = chord_pitch_classes(label)
    return [pc not in tones and any((pc - s) % 12 in tones for s in _STEPS) for pc in range(12)]


class CarryOver(Rule):
    """Per step, the ids whose notes would sound past a bar line against a later bar's chord, but as a
    suspension; after a suspension, a pull towards its resolution."""

    tier = Tier.SOFT
    suspension_quarters: float = 2.0
    """How far a suspension may be held into the next bar, in quarter notes (0: no suspension allowed)."""
    suspension_min_quarters: float = 0.5
    """How far a suspension must be held into the next bar, in quarter notes (shorter: an overhang)."""
    resolution_pull: float = 3.0
    """The logit bonus, after a suspension, of the ids that start its resolution (0: none)."""

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.resolution, self.vocab = ids.resolution, ids.vocab
        self.last_bar = c.bars
        self.n = len(c.chords)
        self.slots = max(1, int(c.chord_slots))  # chords a bar: a bar line meets its first
        self.off = np.array([_lacks(label) for label in c.chords], dtype=bool).reshape(-1, 12)
        self.sus = np.array([suspendable(label) for label in c.chords], dtype=bool).reshape(-1, 12)
        self.tones = [chord_pitch_classes(label) for label in c.chords]
        rows: list[tuple[int, int, float, float]] = []
        pending_after = np.full(ids.vocab, _KEEP, dtype=np.int64)
        starts = np.array([first_pitch(toks, ids.resolution) for toks in ids.expansions]).reshape(-1, 2)
        self.start_pitch, self.start_at = starts[:, 0].astype(np.int64), starts[:, 1]
        self.start_pitch[~np.isin(ids.first_kind, ["Position", "Program", "Pitch"])] = -1  # a new note first
        for i, toks in enumerate(ids.expansions):
            notes, pending_after[i] = closed_notes(toks, ids.resolution)
            rows.extend((i, pitch, at, dur) for pitch, at, dur in notes)
        table = np.array(rows, dtype=np.float64).reshape(-1, 4)
        self.note_id = table[:, 0].astype(np.int64)
        self.note_pitch = table[:, 1].astype(np.int64)
        self.note_at, self.note_dur = table[:, 2], table[:, 3]
        self.first_row = np.searchsorted(self.note_id, np.arange(ids.vocab + 1)).tolist()
        self.pending_after = pending_after.tolist()
        self.longest = float(self.note_dur.max(initial=0.0))

    @classmethod
    def build(cls, ctx: Context) -> CarryOver | None:
        c = ctx.constraints
        return cls(ctx) if c.chords and c.grammar else None

    def start(self, track: Track) -> Held:
        return Held()

    def advance(self, state: Held, token: int, track: Track) -> Held:
        if token < self.vocab:
            if state.bars and self.n:
                self._resolve(state, token, track)
                self._suspend(state, token, track)
            after = self.pending_after[token]
            state.pending = state.pending if after == _KEEP else after
        state.suspended = [s for s in state.suspended if s[0] >= track.bars]
        state.pos, state.bars = track.pos, track.bars
        return state

    def _suspend(self, state: Held, token: int, track: Track) -> None:
        """Note the suspensions ``token`` holds into the next bar (drawn where the mask allowed them)."""
        bar = state.bars + 1
        if self.last_bar is not None and bar > self.last_bar:
            return
        beats, (lo, hi) = parse_meter(track.meter)[0], self._window(track)
        row = (state.bars * self.slots) % self.n
        for k in range(self.first_row[token], self.first_row[token + 1]):
            pitch = int(self.note_pitch[k]) if self.note_pitch[k] >= 0 else state.pending
            onset = self.note_at[k] if self.note_at[k] >= 0 else max(state.pos, 0) / self.resolution
            end = onset + self.note_dur[k]
            if pitch >= 0 and beats + lo <= end <= beats + hi and self.sus[row][pitch % 12]:
                below = frozenset(pitch - s for s in _STEPS if (pitch - s) % 12 in self.tones[row])
                state.suspended.append((bar, end - beats, below))

    def _window(self, track: Track) -> tuple[float, float]:
        """How far a suspension may be held into the next bar: (at least, at most), in the meter's beats
        (as the durations count them), with a little slack; (1, 0) for no suspension."""
        if self.suspension_quarters <= 0:
            return 1.0, 0.0
        unit = parse_meter(track.meter)[1] / 4
        return max(self.suspension_min_quarters * unit - _EPS, _EPS), self.suspension_quarters * unit + _EPS

    def _resolve(self, state: Held, token: int, track: Track) -> None:
        """Drop the suspensions of the open bar whose resolution ``token`` starts."""
        pitch, at = int(self.start_pitch[token]), float(self.start_at[token])
        at = at if at >= 0 else max(state.pos, 0) / self.resolution
        state.suspended = [
            s for s in state.suspended if not (s[0] == state.bars and pitch in s[2] and at >= s[1] - _EPS)
        ]

    def pull(self, state: Held, track: Track, logits: torch.Tensor) -> None:
        now = [s for s in state.suspended if s[0] == track.bars]
        if not now or not self.resolution_pull:
            return
        at = np.where(self.start_at >= 0, self.start_at, max(track.pos, 0) / self.resolution)
        ok = np.zeros(len(at), dtype=bool)
        for _, ends, below in now:
            ok |= np.isin(self.start_pitch, list(below)) & (at >= ends - _EPS)
        hit = torch.from_numpy(np.flatnonzero(ok[: logits.shape[0]]))
        logits[hit] += self.resolution_pull

    def mask(self, state: Held, track: Track, width: int) -> torch.Tensor | None:
        if track.bars == 0 or not self.n:
            return None
        beats, (lo, hi) = parse_meter(track.meter)[0], self._window(track)
        pitches = np.where(self.note_pitch >= 0, self.note_pitch, state.pending)
        read = pitches >= 0
        pcs = np.where(read, pitches % 12, -1)
        onset = np.where(self.note_at >= 0, self.note_at, max(track.pos, 0) / self.resolution)
        end = onset + self.note_dur
        clash = np.zeros(len(end), dtype=bool)
        for ahead in range(1, math.ceil((beats + self.longest) / beats) + 1):
            bar = track.bars + ahead
            if self.last_bar is not None and bar > self.last_bar:
                break
            row, at = ((bar - 1) * self.slots) % self.n, np.where(read, pcs, 0)
            held = read & (end > ahead * beats + _EPS) & self.off[row][at]
            if ahead == 1:  # a suspension: resolvable, held a little into the next bar only
                held &= ~(self.sus[row][at] & (end >= beats + lo) & (end <= beats + hi))
            clash |= held
        if not clash.any():
            return None
        bad = torch.zeros(width, dtype=torch.bool)
        hit = self.note_id[clash]
        bad[torch.from_numpy(hit[hit < width])] = True
        return bad
