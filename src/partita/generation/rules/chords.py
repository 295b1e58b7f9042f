"""The chord of each bar: notes on a beat are its tones, notes between beats also the key's scale. Firm, with
``chords``: one of the per-bar rules that yield as a group where they would leave no token.

A requested progression ("with chords G D Em C") loops over the piece: bar *i* plays chord *i mod n*, as a
musician reads a chord loop written over a longer piece. In each bar a note that starts on a beat is a tone of
the bar's chord; a note between beats may also be a tone of the key's scale (a passing or neighbour tone),
unless only chord tones are asked for. Both are what a listener (and a chord recogniser weighting notes by
beat and duration) hears as the bar's harmony; allowing the whole scale everywhere, as partita first did,
constrains nothing when the chords are diatonic.

BPE ids can carry several notes, positions and even a bar line, so each id's pitches are sorted once by where
they fall: before the id's first position (they inherit the open onset), on or between beats of the open bar,
or after a bar line inside the id (the next bar, hence the next chord).
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.harmony import chord_pitch_classes, needed_tones, scale_pitch_classes
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

# where an id's pitch falls: before its first position, on / between beats of the open bar, after a bar line
# in it (with chords for parts of a bar, ``slots``, the places of the open and the next bar are per part:
# :func:`_place`)
_LEAD, _ON, _OFF, _NEXT_ON, _NEXT_OFF = range(5)

MISSING_TONE_BONUS = 3.0
"""Logit bonus for a tone the open bar's chord still needs (e^3 = 20 times likelier): a pull, not a
guarantee."""


class ChordMasks:
    """Per bar, the vocabulary ids that would play a note against the bar's chord (see the module docstring).

    ``expansions`` are the base tokens of every id (empty for special ids), ``resolution`` positions per beat,
    ``scale`` the key's pitch classes allowed between beats (``None``: chord tones only). With ``slots``
    chords a bar (:attr:`~partita.generation.rules.constraints.Constraints.chord_slots`) each holds for an
    equal part of the bar's ``bar_positions`` (default four beats): a note's chord is that of the part its
    position falls in.
    """

    def __init__(
        self,
        expansions: list[list[str]],
        chords: list[str],
        resolution: int,
        scale: set[int] | None,
        slots: int = 1,
        bar_positions: int | None = None,
    ) -> None:
        self.resolution, self.slots = resolution, max(1, int(slots))
        self.bar_positions = bar_positions or 4 * resolution
        where = _where(expansions, resolution, self.slots, self.bar_positions)
        self.n = len(chords)
        # pitch classes (bit k: pitch class k) each id plays before its first bar line, after its last one
        powers = 1 << np.arange(12, dtype=np.int64)
        split = 1 + 2 * self.slots  # the places before the id's first bar line, then those after it
        self.opens_bar = np.array([any(t == "Bar_None" for t in toks) for toks in expansions], dtype=bool)
        self.bits_before = (where[:split].any(axis=0) * powers).sum(axis=1)
        self.bits_after = (where[split:].any(axis=0) * powers).sum(axis=1)
        self._opens = torch.from_numpy(self.opens_bar)
        self._before = torch.from_numpy(self.bits_before)
        self.needed = [sum(1 << pc for pc in needed_tones(label)) for label in chords]
        self.labels = list(chords)
        made = {label: _label_masks(where, label, scale, self.slots) for label in dict.fromkeys(chords)}
        self.lead_on = [made[label][0] for label in chords]
        self.lead_off = [made[label][1] for label in chords]
        self.inside = [made[label][2] for label in chords]  # per chord, per part of the open bar
        self.next_bar = [made[label][3] for label in chords]  # per chord, per part of the next bar

    def played(self, bits: int, token: int) -> int:
        """The pitch classes of the open bar (a bitmask) after ``token``."""
        if self.opens_bar[token]:
            return int(self.bits_after[token])
        return bits | int(self.bits_before[token])

    def unfinished(self, bars: int, bits: int, width: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        """While the open bar has not played its chord's root and third (and seventh, or the tone a sus, dim
        or aug chord is named for): the ids that would close it without them (the end too, for the caller),
        and a logit bonus of :data:`MISSING_TONE_BONUS` for the ids that play a missing tone (so that a model
        held back from closing the bar adds the tone rather than more of what it has). ``None`` when nothing
        is missing, and for a bar whose chord changes inside it (with ``slots``: every chord also fills a
        whole bar, 3/2's in 4/4, where it is asked for)."""
        if bars == 0:
            return None
        first = self.chord_index(bars)
        if any(self.labels[self.chord_index(bars, s)] != self.labels[first] for s in range(1, self.slots)):
            return None
        missing = self.needed[first] & ~bits
        if not missing:
            return None
        before = self._before[:width]
        closing = self._opens[:width] & ((before & missing) != missing)
        return closing, ((before & missing) != 0).float() * MISSING_TONE_BONUS

    def chord_index(self, bar: int, slot: int = 0) -> int:
        """The chord of part ``slot`` of bar ``bar`` (1-based; the progression loops)."""
        return ((max(bar, 1) - 1) * self.slots + slot) % self.n

    def slot_of(self, position: int) -> int:
        """The part of the bar ``position`` falls in (-1, no position yet: the first)."""
        return min(max(position, 0) * self.slots // self.bar_positions, self.slots - 1)

    def bad(self, bars: int, position: int) -> torch.Tensor:
        """Ids that would break the harmony after ``bars`` bar lines with the open bar at ``position`` (-1:
        none)."""
        following = self.next_bar[(bars * self.slots) % self.n][0]
        for s in range(1, self.slots):
            following = following | self.next_bar[(bars * self.slots + s) % self.n][s]
        if bars == 0:
            return following
        i = self.chord_index(bars, self.slot_of(position))
        on_beat = position < 0 or position % self.resolution == 0
        bad = (self.lead_on[i] if on_beat else self.lead_off[i]) | self.inside[self.chord_index(bars)][0]
        for s in range(1, self.slots):
            bad = bad | self.inside[self.chord_index(bars, s)][s]
        return bad | following


def _label_masks(where: np.ndarray, label: str, scale: set[int] | None, slots: int) -> tuple:
    """For chord ``label``: the ids whose notes break it at the open onset, on a beat and between beats,
    then per part of the open bar and per part of the next one."""
    tones = chord_pitch_classes(label)
    if not tones:  # "N": no chord, nothing enforced
        tones = set(range(12))
    loose = tones | (scale or set())
    off_tones = np.array([pc not in tones for pc in range(12)])
    off_loose = np.array([pc not in loose for pc in range(12)])

    def breaks(place: int, off: np.ndarray) -> np.ndarray:
        return (where[place] & off).any(axis=1)

    def part(later: bool, s: int) -> torch.Tensor:
        on, between = _place(later, s, True, slots), _place(later, s, False, slots)
        return torch.from_numpy(breaks(on, off_tones) | breaks(between, off_loose))

    lead_on, lead_off = torch.from_numpy(breaks(_LEAD, off_tones)), torch.from_numpy(breaks(_LEAD, off_loose))
    return lead_on, lead_off, [part(False, s) for s in range(slots)], [part(True, s) for s in range(slots)]


def _place(later: bool, slot: int, on: bool, slots: int) -> int:
    """The row of :func:`_where` for a pitch in part ``slot`` of the open bar (``later``: of the next), on a
    beat or between beats (with one part: ``_ON``, ``_OFF``, ``_NEXT_ON``, ``_NEXT_OFF``)."""
    return 1 + (2 * slots if later else 0) + 2 * slot + (0 if on else 1)


def _where(
    expansions: list[list[str]], resolution: int, slots: int = 1, bar_positions: int = 0
) -> np.ndarray:
    """(1 + 4 * ``slots``, vocab, 12): the pitch classes each id plays at each place (``_LEAD``, then
    :func:`_place`'s), a bar of ``bar_positions`` (default four beats) cut into ``slots`` equal parts."""
    bar_positions = bar_positions or 4 * resolution
    where = np.zeros((1 + 4 * slots, len(expansions), 12), dtype=bool)
    for i, toks in enumerate(expansions):
        at, later = _LEAD, False
        for t in toks:
            if t == "Bar_None":
                at, later = _place(True, 0, True, slots), True  # a new bar opens on its downbeat
            elif t.startswith("Position_"):
                p = int(t.split("_")[1])
                slot = min(p * slots // bar_positions, slots - 1)
                at = _place(later, slot, p % resolution == 0, slots)
            elif t.startswith("Pitch_"):
                where[at, i, int(t.split("_")[1]) % 12] = True
    return where


def chord_masks(ctx: Context) -> ChordMasks:
    """The context's chord masks (one per context: :mod:`~partita.generation.rules.chord_complete` reads them
    too)."""

    def make() -> ChordMasks:
        c = ctx.constraints
        scale = scale_pitch_classes(c.key, c.mode) if not c.chord_tones_only and c.key else None
        slots, positions = c.chord_slots, ctx.bar_positions
        return ChordMasks(ctx.ids.expansions, c.chords, ctx.ids.resolution, scale, slots, positions)

    return ctx.share("chord_masks", make)


class ChordTones(Rule):
    """Each bar's pitches against its chord (:meth:`ChordMasks.bad`)."""

    tier = Tier.FIRM

    def __init__(self, masks: ChordMasks) -> None:
        self.masks = masks

    @classmethod
    def build(cls, ctx: Context) -> ChordTones | None:
        return cls(chord_masks(ctx)) if ctx.constraints.chords else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor:
        return self.masks.bad(track.bars, track.pos)[:width]
