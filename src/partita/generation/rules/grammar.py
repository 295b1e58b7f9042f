"""REMI+'s token order, and time running forward inside a bar. Hard, with ``grammar``.

After each token type only the types of :data:`REMI_NEXT` follow (BPE ids are legal inside by construction,
so an id is judged by its first base token), positions rise within a bar (also inside BPE ids), and the piece
does not end halfway through a note. Without it a model that wants a program the request forbids wanders off
into positions and durations.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

REMI_NEXT: dict[str, set[str]] = {
    "Bar": {"TimeSig", "Position", "Bar", "EOS"},
    "TimeSig": {"Position", "Bar", "EOS"},
    "Position": {"Tempo", "Program", "Pitch", "PitchDrum"},
    "Tempo": {"Program", "Pitch", "PitchDrum"},
    "Program": {"Pitch", "PitchDrum"},
    "Pitch": {"Velocity"},
    "PitchDrum": {"Velocity"},
    "Velocity": {"Duration"},
    "Duration": {"Program", "Position", "Bar", "Pitch", "PitchDrum", "EOS"},
}
"""The token types that may follow each REMI+ token type in miditok 3's REMI with programs (one stream); types
not listed (and anything after them) are not restricted. A tempo change is kept where notes start (after a
position, as miditok writes it: a tempo straight after a bar line let notes pile up at an onset no bound
counted); positions rise within a bar."""


class Grammar(Rule):
    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        ids = ctx.ids
        first = np.array(ids.first_kind)
        self.next_bad = {
            kind: torch.from_numpy(~np.isin(first, sorted(nxt)) & (first != ""))
            for kind, nxt in REMI_NEXT.items()
        }
        self.forbidden = ids.backwards  # time runs forward inside a bar
        self.inner_position = ids.inner_position
        self.eos = ids.eos

    @classmethod
    def build(cls, ctx: Context) -> Grammar | None:
        return cls(ctx) if ctx.constraints.grammar else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        bad = self.next_bad[track.kind][:width] if track.kind in self.next_bad else None
        if track.pos >= 0:  # time runs forward inside a bar
            fp = self.inner_position[:width]
            forward = (fp >= 0) & (fp <= track.pos)
            bad = forward if bad is None else bad | forward
        return bad

    def end(self, state: None, track: Track) -> bool | None:
        """Not halfway through a note."""
        if track.kind in self.next_bad and bool(self.next_bad[track.kind][self.eos]):
            return False
        return None
