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
# in it
_LEAD, _ON, _OFF, _NEXT_ON, _NEXT_OFF = range(5)

MISSING_TONE_BONUS = 3.0
"""Logit bonus for a tone the open bar's chord still needs (e^3 = 20 times likelier): a pull, not a
guarantee."""


class ChordMasks:
    """Per bar, the vocabulary ids that would play a note against the bar's chord (see the module docstring).

    ``expansions`` are the base tokens of every id (empty for special ids), ``resolution`` positions per beat,
    ``scale`` the key's pitch classes allowed between beats (``None``: chord tones only).
    """

    def __init__(
        self, expansions: list[list[str]], chords: list[str], resolution: int, scale: set[int] | None
    ) -> None:
        where = _where(expansions, resolution)
        self.resolution = resolution
        self.n = len(chords)
        # pitch classes (bit k: pitch class k) each id plays before its first bar line, after its last one
        powers = 1 << np.arange(12, dtype=np.int64)
        self.opens_bar = np.array([any(t == "Bar_None" for t in toks) for toks in expansions], dtype=bool)
        self.bits_before = ((where[_LEAD] | where[_ON] | where[_OFF]) * powers).sum(axis=1)
        self.bits_after = ((where[_NEXT_ON] | where[_NEXT_OFF]) * powers).sum(axis=1)
        self._opens = torch.from_numpy(self.opens_bar)
        self._before = torch.from_numpy(self.bits_before)
        self.needed = [sum(1 << pc for pc in needed_tones(label)) for label in chords]
        self.lead_on: list[torch.Tensor] = []
        self.lead_off: list[torch.Tensor] = []
        self.inside: list[torch.Tensor] = []
        self.next_bar: list[torch.Tensor] = []
        for label in chords:
            tones = chord_pitch_classes(label)
            if not tones:  # "N": no chord, nothing enforced
                tones = set(range(12))
            loose = tones | (scale or set())
            off_tones = np.array([pc not in tones for pc in range(12)])
            off_loose = np.array([pc not in loose for pc in range(12)])
            strict = {g: (where[g] & off_tones).any(axis=1) for g in (_LEAD, _ON, _NEXT_ON)}
            free = {g: (where[g] & off_loose).any(axis=1) for g in (_LEAD, _OFF, _NEXT_OFF)}
            self.lead_on.append(torch.from_numpy(strict[_LEAD]))
            self.lead_off.append(torch.from_numpy(free[_LEAD]))
            self.inside.append(torch.from_numpy(strict[_ON] | free[_OFF]))
            self.next_bar.append(torch.from_numpy(strict[_NEXT_ON] | free[_NEXT_OFF]))

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
        is missing."""
        if bars == 0:
            return None
        missing = self.needed[self.chord_index(bars)] & ~bits
        if not missing:
            return None
        before = self._before[:width]
        closing = self._opens[:width] & ((before & missing) != missing)
        return closing, ((before & missing) != 0).float() * MISSING_TONE_BONUS

    def chord_index(self, bar: int) -> int:
        """The chord of bar ``bar`` (1-based; the progression loops)."""
        return (max(bar, 1) - 1) % self.n

    def bad(self, bars: int, position: int) -> torch.Tensor:
        """Ids that would break the harmony after ``bars`` bar lines with the open bar at ``position`` (-1:
        none)."""
        following = self.next_bar[bars % self.n]
        if bars == 0:
            return following
        i = self.chord_index(bars)
        on_beat = position < 0 or position % self.resolution == 0
        return (self.lead_on[i] if on_beat else self.lead_off[i]) | self.inside[i] | following


def _where(expansions: list[list[str]], resolution: int) -> np.ndarray:
    """(5, vocab, 12): the pitch classes each id plays at each of the five places (``_LEAD`` ...
    ``_NEXT_OFF``)."""
    where = np.zeros((5, len(expansions), 12), dtype=bool)
    for i, toks in enumerate(expansions):
        at, later = _LEAD, False
        for t in toks:
            if t == "Bar_None":
                at, later = _NEXT_ON, True  # a new bar opens on its downbeat
            elif t.startswith("Position_"):
                on = int(t.split("_")[1]) % resolution == 0
                at = (_NEXT_ON if on else _NEXT_OFF) if later else (_ON if on else _OFF)
            elif t.startswith("Pitch_"):
                where[at, i, int(t.split("_")[1]) % 12] = True
    return where


def chord_masks(ctx: Context) -> ChordMasks:
    """The context's chord masks (one per context: :mod:`~partita.generation.rules.chord_complete` reads them
    too)."""

    def make() -> ChordMasks:
        c = ctx.constraints
        scale = scale_pitch_classes(c.key, c.mode) if not c.chord_tones_only and c.key else None
        return ChordMasks(ctx.ids.expansions, c.chords, ctx.ids.resolution, scale)

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
