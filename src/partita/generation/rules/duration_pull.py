"""Longer notes in the parts that accompany: a pull on the durations a chosen set of programs draws. A bonus
(a pull, no mask), made per request with :meth:`DurationPull.configured` (not registered in
:data:`~partita.generation.rules.ruleset.RULES`: :mod:`partita.generation.candidates` adds it for a style
listed in ``GenerationConfig.style_held_parts``).

Every duration a note of one of ``programs`` draws gains ``weight * log2(beats)`` (``beats`` at most ``cap``):
a tilt of the model's own distribution of note values towards the longer ones, ``beats ** weight`` times as
likely as before (a quarter keeps its odds, a half doubles them at weight 1, a sixteenth falls to a quarter).
The program a duration belongs to is the last program token drawn before it (REMI+ writes Program, Pitch,
Velocity, Duration; with BPE one id may carry a note's duration and the next note's program).

partita-small's pop accompaniment strikes short where POP909's piano part holds its chords and its bass: the
lower parts' notes last 0.77 quarters against 1.03, and the pieces' notes 0.66-0.69 against 0.91
(docs/GENERATION.md § Realism, nineteenth session).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


def duration_beats(token: str) -> float:
    """The beats of a ``Duration_<beats>.<ticks>.<resolution>`` token."""
    whole, ticks, res = (int(x) for x in token.split("_", 1)[1].split("."))
    return whole + ticks / res


def _summaries(expansions: list[list[str]], programs: frozenset[int], cap: float):
    """Per id: the log2 beats of its durations that follow no program token of the id (the open note's),
    those of its durations after a program of ``programs`` in the id, and the last program it writes (-1:
    none)."""
    n = len(expansions)
    own, later, last = torch.zeros(n), torch.zeros(n), [-1] * n
    for i, toks in enumerate(expansions):
        program = None
        for t in toks:
            kind = t.split("_", 1)[0]
            if kind == "Program":
                program = int(t.split("_", 1)[1])
                last[i] = program
            elif kind == "Duration":
                tilt = math.log2(min(max(duration_beats(t), 1e-3), cap))
                if program is None:
                    own[i] += tilt
                elif program in programs:
                    later[i] += tilt
    return own, later, last


class DurationPull(Rule):
    tier = Tier.BONUS
    weight: float = 0.0
    programs: frozenset[int] = frozenset()
    cap: float = 4.0
    """The longest note value (beats) the pull still favours more than the one below it."""

    def __init__(self, ctx: Context) -> None:
        own, later, self.last = _summaries(ctx.ids.expansions, self.programs, self.cap)
        self.own, self.later = own * self.weight, later * self.weight

    @classmethod
    def configured(cls, weight: float, programs: Iterable[int], cap: float = 4.0) -> type[DurationPull]:
        """The rule class pulling the durations of ``programs`` with ``weight`` (up to ``cap`` beats)."""
        held = frozenset(int(p) for p in programs)
        return type("DurationPull", (cls,), {"weight": float(weight), "programs": held, "cap": float(cap)})

    @classmethod
    def build(cls, ctx: Context) -> DurationPull | None:
        return cls(ctx) if cls.weight and cls.programs and ctx.constraints.grammar else None

    def start(self, track: Track) -> int:
        return -1  # the program of the open note (-1: none yet)

    def advance(self, state: int, token: int, track: Track) -> int:
        program = self.last[token] if 0 <= token < len(self.last) else -1
        return program if program >= 0 else state

    def pull(self, state: int, track: Track, logits: torch.Tensor) -> None:
        width = min(len(logits), len(self.own))
        bonus = self.later[:width]
        if state in self.programs:
            bonus = bonus + self.own[:width]
        logits[:width] += bonus.to(logits.dtype).to(logits.device)
