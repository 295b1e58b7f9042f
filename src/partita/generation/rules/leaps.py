"""No voice of one choir leaps further than its bound from the pitch it last started. Soft, with
``voice_order`` (the voices' programs, top down) and ``voicing.max_leaps`` (one bound a voice, in semitones;
0: none): yields where it would leave no token.

Bach's voices move by step and small leaps (251 four-voice training chorales, first 8 bars): the bass leaps
an octave at 4.7% of its moves (at cadences) and more than an octave at 0.16%; the alto and the tenor leap
more than a major sixth at 0.2% and 0.3% of theirs, never more than an octave. partita-small's bass under a
held-out soprano leapt by two octaves and more (a bass at D2 moving to C4 and back), its inner voices by
tenths (:mod:`partita.generation.accompany`, ``PARTS_VOICING``'s ``leaps``).

Each voice's last started pitch is followed token by token; before each draw the ids whose first note starts a
bounded voice's pitch further than the bound from that voice's last pitch are masked (an id that names no
program starts its note in the open one).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track
from partita.generation.rules.voice_order import INHERIT, first_note, id_events


class Leaps(Rule):
    """``voices``: the programs of the voices, top down; ``bounds``: the largest leap of each (0: none)."""

    tier = Tier.SOFT

    def __init__(self, expansions: list[list[str]], resolution: int, voices: list[int], bounds: list[int]):
        self.bound = {int(p): int(b) for p, b in zip(voices, bounds, strict=False) if int(b) > 0}
        self.events = [id_events(toks, resolution) for toks in expansions]
        leads = [first_note(ev) for ev in self.events]
        self.lead_program = torch.tensor([p for p, _ in leads], dtype=torch.long)
        self.lead_pitch = torch.tensor([k for _, k in leads], dtype=torch.long)
        self.inherits = self.lead_program == INHERIT

    @classmethod
    def build(cls, ctx: Context) -> Leaps | None:
        c = ctx.constraints
        bounds = list(c.voicing.max_leaps)
        if len(c.voice_order) < 2 or not c.grammar or not any(int(b) > 0 for b in bounds):
            return None
        return cls(ctx.ids.expansions, ctx.ids.resolution, list(c.voice_order), bounds)

    def start(self, track: Track | None = None) -> dict:
        """The open program and each bounded voice's last started pitch."""
        return {"program": None, "last": {}}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for kind, x in self.events[token] if token < len(self.events) else ():
            if kind == "program":
                row["program"] = int(x)
            elif kind == "pitch" and row["program"] in self.bound:
                row["last"][row["program"]] = int(x)
        return row

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        if not row["last"]:
            return None
        program = self.lead_program[:width].clone()
        program[self.inherits[:width]] = -1 if row["program"] is None else int(row["program"])
        pitch = self.lead_pitch[:width]
        bad = torch.zeros(width, dtype=torch.bool)
        for voice, last in row["last"].items():
            bad |= (program == voice) & (pitch >= 0) & ((pitch - last).abs() > self.bound[voice])
        return bad if bool(bad.any()) else None
