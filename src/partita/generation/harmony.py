"""Pitch classes of keys and chords, and the chord of each bar as masks over a REMI+ vocabulary.

A requested progression ("with chords G D Em C") loops over the piece: bar *i* plays chord *i mod n*, as a
musician reads a chord loop written over a longer piece. In each bar a note that starts on a beat is a tone of the
bar's chord; a note between beats may also be a tone of the key's scale (a passing or neighbour tone), unless only
chord tones are asked for. Both are what a listener (and a chord recogniser weighting notes by beat and duration)
hears as the bar's harmony; allowing the whole scale everywhere, as partita first did, constrains nothing when the
chords are diatonic.

BPE ids can carry several notes, positions and even a bar line, so each id's pitches are sorted once by where
they fall: before the id's first position (they inherit the open onset), on or between beats of the open bar, or
after a bar line inside the id (the next bar, hence the next chord).
"""

from __future__ import annotations

import numpy as np
import torch

from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10, 11)  # harmonic and natural minor together: the raised 7th is part of the key
_QUALITY_INTERVALS = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "hdim7": (0, 3, 6, 10), "dim7": (0, 3, 6, 9),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 2),
}  # fmt: skip


def chord_pitch_classes(label: str) -> set[int]:
    """Pitch classes of a mir_eval-style chord label (``"A:min7"`` -> {9, 0, 4, 7}); ``N`` -> empty."""
    if label in ("N", "X", ""):
        return set()
    pc = _root_pitch_class(label)
    return {(pc + i) % 12 for i in _QUALITY_INTERVALS.get(_quality(label) or "maj", (0, 4, 7))}


def _root_pitch_class(label: str) -> int:
    root = label.partition(":")[0]
    return PITCH_CLASS_OF_TONIC[root[0].upper() + root[1:]]


def _quality(label: str) -> str:
    return label.partition(":")[2].split("/")[0]


def scale_pitch_classes(tonic: str, mode: str | None) -> set[int]:
    """The key's scale (in minor, natural and harmonic together)."""
    pc = PITCH_CLASS_OF_TONIC[tonic]
    return {(pc + i) % 12 for i in (_MINOR if mode == "minor" else _MAJOR)}


MISSING_TONE_BONUS = 3.0
"""Logit bonus for a tone the open bar's chord still needs (e^3 = 20 times likelier): a pull, not a guarantee."""

# where an id's pitch falls: before its first position, on / between beats of the open bar, after a bar line in it
_LEAD, _ON, _OFF, _NEXT_ON, _NEXT_OFF = range(5)


class ChordMasks:
    """Per bar, the vocabulary ids that would play a note against the bar's chord (see the module docstring).

    ``expansions`` are the base tokens of every id (empty for special ids), ``resolution`` positions per beat,
    ``scale`` the key's pitch classes allowed between beats (``None``: chord tones only).
    """

    def __init__(
        self, expansions: list[list[str]], chords: list[str], resolution: int, scale: set[int] | None
    ) -> None:
        v = len(expansions)
        where = np.zeros((5, v, 12), dtype=bool)
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
        self.resolution = resolution
        self.n = len(chords)
        # pitch classes (bit k: pitch class k) each id plays before its first bar line, after its last one
        powers = 1 << np.arange(12, dtype=np.int64)
        self.opens_bar = np.array([any(t == "Bar_None" for t in toks) for toks in expansions], dtype=bool)
        self.bits_before = ((where[_LEAD] | where[_ON] | where[_OFF]) * powers).sum(axis=1)
        self.bits_after = ((where[_NEXT_ON] | where[_NEXT_OFF]) * powers).sum(axis=1)
        self._opens = torch.from_numpy(self.opens_bar)
        self._before = torch.from_numpy(self.bits_before)
        self.needed = [sum(1 << pc for pc in _needed_tones(label)) for label in chords]
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
        """While the open bar has not played its chord's root and third (and seventh, or the tone a sus, dim or
        aug chord is named for): the ids that would close it without them (the end too, for the caller), and a
        logit bonus of :data:`MISSING_TONE_BONUS` for the ids that play a missing tone (so that a model held back
        from closing the bar adds the tone rather than more of what it has). ``None`` when nothing is missing."""
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
        """Ids that would break the harmony after ``bars`` bar lines with the open bar at ``position`` (-1: none)."""
        following = self.next_bar[bars % self.n]
        if bars == 0:
            return following
        i = self.chord_index(bars)
        on_beat = position < 0 or position % self.resolution == 0
        return (self.lead_on[i] if on_beat else self.lead_off[i]) | self.inside[i] | following


def _needed_tones(label: str) -> set[int]:
    """The tones that make a bar sound as ``label``: all but the perfect fifth (and a ninth chord's ninth)."""
    tones = chord_pitch_classes(label)
    if not tones:
        return set()
    root = _root_pitch_class(label)
    skip = {(root + 7) % 12} | ({(root + 2) % 12} if _quality(label) == "9" else set())
    return tones - skip


class BassRoots:
    """The bass opens each bar on its chord's root: the first note ``bass`` (a program) plays in a bar is the root.

    A chord recogniser, like a listener, hears the lowest line as the harmony's foundation: partita-small's bass,
    held to chord tones only, still played the C of an A minor bar, which then sounds (and is recognised) as C major.
    Each id is summarised, for either state of the open program (the bass or not), by the pitch class of its first
    bass note before its first bar line and after its last one (-1: none); BPE ids that open two bars are checked
    against the next bar's chord only.
    """

    def __init__(self, expansions: list[list[str]], chords: list[str], bass: int) -> None:
        v = len(expansions)
        first = np.full((2, 2, v), -1, dtype=np.int64)  # [bass is open, after a bar line], id -> pitch class
        self.plays_after = np.zeros((2, v), dtype=bool)  # a bass note after the id's last bar line
        self.is_bass_after = np.zeros((2, v), dtype=bool)  # the open program is the bass after the id
        self.opens_bar = np.array([any(t == "Bar_None" for t in toks) for toks in expansions], dtype=bool)
        for i, toks in enumerate(expansions):
            for state in (0, 1):
                on_bass, after = bool(state), 0
                for t in toks:
                    kind, _, value = t.partition("_")
                    if t == "Bar_None":
                        after, first[state, 1, i] = 1, -1
                    elif kind == "Program":
                        on_bass = int(value) == bass
                    elif kind == "Pitch" and on_bass and first[state, after, i] < 0:
                        first[state, after, i] = int(value) % 12
                self.plays_after[state, i] = first[state, 1 if self.opens_bar[i] else 0, i] >= 0
                self.is_bass_after[state, i] = on_bass
        self.bass = bass
        self.n = len(chords)
        roots = [_root_pitch_class(c) if chord_pitch_classes(c) else -1 for c in chords]
        # [state][chord index]: ids whose first bass note of the open bar / of the next bar is not that chord's root
        self.wrong_here = [[_wrong(first[s, 0], r) for r in roots] for s in (0, 1)]
        self.wrong_next = [
            [_wrong(first[s, 1], r) & torch.from_numpy(self.opens_bar) for r in roots] for s in (0, 1)
        ]

    @staticmethod
    def new_row() -> dict:
        return {"on_bass": False, "played": False}

    def advance(self, row: dict, token: int) -> None:
        state = int(row["on_bass"])
        if self.opens_bar[token]:
            row["played"] = bool(self.plays_after[state, token])
        else:
            row["played"] |= bool(self.plays_after[state, token])
        row["on_bass"] = bool(self.is_bass_after[state, token])

    def bad(self, row: dict, bars: int, width: int) -> torch.Tensor:
        """Ids that would start the open bar's (or the next bar's) bass line on another tone than the root."""
        state = int(row["on_bass"])
        bad = self.wrong_next[state][bars % self.n][:width]
        if bars and not row["played"]:
            bad = bad | self.wrong_here[state][(bars - 1) % self.n][:width]
        return bad


def _wrong(first: np.ndarray, root: int) -> torch.Tensor:
    if root < 0:  # "N": no chord, any bass note
        return torch.zeros(len(first), dtype=torch.bool)
    return torch.from_numpy((first >= 0) & (first != root))
