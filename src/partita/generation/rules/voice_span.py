"""No voice of one choir wanders further than its bound from where it has been: the pitches a voice starts
over the piece span at most its bound. Soft, with ``voice_order`` (the voices' programs, top down) and
``voicing.spans`` (one bound a voice, in semitones; 0: none): yields where it would leave no token.

Bach's bass under his chorale sopranos (249 four-voice training chorales, first 8 bars) spans 15.5
semitones a piece (median 15; an octave at 23% of the pieces, an octave and a fifth at 22%, more than 19
semitones at 12%). partita-small's bass under held-out sopranos spanned 18.3 against their real bass's 14.8:
its register bounds (``Voicing.ranges``, E2-D4, where 99% of Bach's bass notes lie) hold each note, not
the line, so the bass opened high (a pickup on C#4 or D4), then sank to the bottom of its range, or
climbed to the tenor's register in the last bars (:mod:`partita.generation.accompany`, ``PARTS_VOICING``'s
``spans``).

Each bounded voice's lowest and highest started pitch are followed token by token; before each draw the ids
whose first note starts a bounded voice's pitch more than the bound above its lowest or below its highest
are masked (an id that names no program starts its note in the open one).
"""

from __future__ import annotations

import torch

from partita.generation.rules.leaps import Leaps
from partita.generation.rules.tracker import Context, Track


class VoiceSpan(Leaps):
    """``voices``: the programs of the voices, top down; ``bounds``: the widest span of each (0: none). The
    ids' first notes read as :class:`~partita.generation.rules.leaps.Leaps` reads them."""

    @classmethod
    def build(cls, ctx: Context) -> VoiceSpan | None:
        c = ctx.constraints
        bounds = list(c.voicing.spans)
        if len(c.voice_order) < 2 or not c.grammar or not any(int(b) > 0 for b in bounds):
            return None
        return cls(ctx.ids.expansions, ctx.ids.resolution, list(c.voice_order), bounds)

    def start(self, track: Track | None = None) -> dict:
        """The open program and each bounded voice's (lowest, highest) started pitch."""
        return {"program": None, "seen": {}}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for kind, x in self.events[token] if token < len(self.events) else ():
            if kind == "program":
                row["program"] = int(x)
            elif kind == "pitch" and row["program"] in self.bound:
                lo, hi = row["seen"].get(row["program"], (int(x), int(x)))
                row["seen"][row["program"]] = (min(lo, int(x)), max(hi, int(x)))
        return row

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        if not row["seen"]:
            return None
        program = self.lead_program[:width].clone()
        program[self.inherits[:width]] = -1 if row["program"] is None else int(row["program"])
        pitch = self.lead_pitch[:width]
        bad = torch.zeros(width, dtype=torch.bool)
        for voice, (lo, hi) in row["seen"].items():
            bound = self.bound[voice]
            bad |= (program == voice) & (pitch >= 0) & ((pitch > lo + bound) | (pitch < hi - bound))
        return bad if bool(bad.any()) else None
