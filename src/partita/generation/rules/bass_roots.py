"""The bass opens each bar on its chord's root. Soft, with ``chords`` and ``bass``: yields where it would
leave no token.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.harmony import chord_pitch_classes, root_pitch_class
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class BassRoots(Rule):
    """The bass opens each bar on its chord's root: the first note ``bass`` (a program) plays in a bar is the
    root.

    A chord recogniser, like a listener, hears the lowest line as the harmony's foundation: partita-small's
    bass, held to chord tones only, still played the C of an A minor bar, which then sounds (and is
    recognised) as C major. Each id is summarised, for either state of the open program (the bass or not), by
    the pitch class of its first bass note before its first bar line and after its last one (-1: none); BPE
    ids that open two bars are checked against the next bar's chord only.
    """

    tier = Tier.SOFT

    def __init__(self, expansions: list[list[str]], chords: list[str], bass: int, slots: int = 1) -> None:
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
        self.n, self.slots = len(chords), max(1, int(slots))  # slots: chords a bar, the first opens it
        roots = [root_pitch_class(c) if chord_pitch_classes(c) else -1 for c in chords]
        # [state][chord index]: ids whose first bass note of the open bar / of the next bar is not that
        # chord's root
        self.wrong_here = [[_wrong(first[s, 0], r) for r in roots] for s in (0, 1)]
        self.wrong_next = [
            [_wrong(first[s, 1], r) & torch.from_numpy(self.opens_bar) for r in roots] for s in (0, 1)
        ]

    @classmethod
    def build(cls, ctx: Context) -> BassRoots | None:
        c = ctx.constraints
        if not c.chords or c.bass is None:
            return None
        return cls(ctx.ids.expansions, c.chords, int(c.bass), c.chord_slots)

    def start(self, track: Track | None = None) -> dict:
        """Not on the bass, no bass note in the open bar."""
        return {"on_bass": False, "played": False}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        state = int(row["on_bass"])
        if self.opens_bar[token]:
            row["played"] = bool(self.plays_after[state, token])
        else:
            row["played"] |= bool(self.plays_after[state, token])
        row["on_bass"] = bool(self.is_bass_after[state, token])
        return row

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor:
        """Ids that would start the open bar's (or the next bar's) bass line on another tone than the root."""
        return self.bad(row, track.bars, width)

    def bad(self, row: dict, bars: int, width: int) -> torch.Tensor:
        """:meth:`mask` after ``bars`` bar lines."""
        state = int(row["on_bass"])
        bad = self.wrong_next[state][(bars * self.slots) % self.n][:width]
        if bars and not row["played"]:
            bad = bad | self.wrong_here[state][((bars - 1) * self.slots) % self.n][:width]
        return bad


def _wrong(first: np.ndarray, root: int) -> torch.Tensor:
    if root < 0:  # "N": no chord, any bass note
        return torch.zeros(len(first), dtype=torch.bool)
    return torch.from_numpy((first >= 0) & (first != root))
