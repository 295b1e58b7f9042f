"""A pull towards melodic steps. Bonus, with ``step_weight``: no mask.

Real melodies move mostly by step; partita-small's leap more (the realism benchmark's development prompts:
chorale melodies 0.56 of intervals a step of 1-2 semitones against 0.76 real, a mean interval of 2.6 semitones
against 2.1; Renaissance 0.43 against 0.61; jigs 0.19 leaps of 5 or more against 0.12). This pull follows each
program's line: for the next note of a program, the ids whose first pitch lies a step (1 or 2 semitones,
:data:`STEP`) from that program's previous note get a logit bonus of ``weight``, and those more than an octave
away (:data:`OCTAVE`) the same amount less. With a key (``scale``, the constraints' ``step_scale``) a step is
a move to the next tone of the key's scale: a chromatic semitone outside it gets no bonus (a pull that
rewarded every semitone made motets more chromatic than real ones: 5.6-6.3% of their notes outside the best-
fitting diatonic collection at weights 0.5-1, against 4.7% without the pull and 3.3% real). A repeated note
gets nothing (the tonic pull showed what a pull to repeat does: melodies circling one note). The model still
chooses.

Programs and pitches are followed inside BPE ids as :mod:`partita.generation.rules.unisons` does: an id's
first pitch belongs to the program named before it inside the id, else to the open program; a position or a
bar line before it inside the id closes the open onset first.

A program's "previous note" is its note at its last onset. Where that onset held several notes of the
program (a piano's chord), there is no single line to follow: REMI+ writes an onset's notes lowest first, so
the first note of the next onset is its bass and the top note is not known until the onset closes, and a pull
from the chord's top would thin the chords out. Such a program gets no pull until it plays a single note
again; a program that is one voice (a chorale's soprano, a fiddle) is followed throughout. Only the first
note of a program at an onset is pulled: the others are chord notes. Drums are not followed.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

STEP: tuple[int, int] = (1, 2)
"""The intervals (semitones, up or down) that are a step: as the realism feature ``melody_step_share``."""
OCTAVE = 12
"""A leap of more than this many semitones is pulled against."""

_INHERIT = -2  # the pitch follows the open program (no program token before it inside the id)


def _events(tokens: list[str]) -> list[tuple[str, int]]:
    """An id's events: ("clear", 0) at a bar line or position, ("program", p), ("pitch", k) (pitched)."""
    out: list[tuple[str, int]] = []
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind in ("Bar", "Position"):
            out.append(("clear", 0))
        elif kind == "Program":
            out.append(("program", int(value)))
        elif kind == "Pitch":
            out.append(("pitch", int(value)))
        elif kind == "PitchDrum":
            out.append(("drum", 0))
    return out


class StepPull(Rule):
    """A bonus for the ids whose first pitch is a step from its program's previous note (``expansions``:
    every id's base tokens; ``programs``: the programs to follow, all when empty)."""

    tier = Tier.BONUS

    def __init__(
        self,
        expansions: list[list[str]],
        weight: float,
        programs: list[int] | tuple[int, ...] = (),
        leap_weight: float | None = None,
        scale: list[int] | tuple[int, ...] = (),
    ) -> None:
        self.weight = float(weight)
        self.scale = torch.tensor([not scale or pc in set(scale) for pc in range(12)])
        self.leap_weight = self.weight if leap_weight is None else float(leap_weight)
        wanted = {int(p) for p in programs if int(p) >= 0}
        self.events = [_events(toks) for toks in expansions]
        # (a position or bar line comes first, program or _INHERIT) -> (ids, their first pitch)
        groups: dict[tuple[bool, int], tuple[list[int], list[int]]] = {}
        for i, events in enumerate(self.events):
            cleared, program = False, _INHERIT
            for kind, value in events:
                if kind == "clear":
                    cleared = True
                elif kind == "program":
                    program = value
                elif kind == "drum":
                    break
                else:
                    if program == _INHERIT or not wanted or program in wanted:
                        ids, pitches = groups.setdefault((cleared, program), ([], []))
                        ids.append(i)
                        pitches.append(value)
                    break
        self.groups = {
            key: (torch.tensor(ids, dtype=torch.long), torch.tensor(pitches, dtype=torch.long))
            for key, (ids, pitches) in groups.items()
        }

    @classmethod
    def build(cls, ctx: Context) -> StepPull | None:
        c = ctx.constraints
        weight = getattr(c, "step_weight", 0.0)
        if not weight:
            return None
        return cls(ctx.ids.expansions, weight, c.programs, scale=getattr(c, "step_scale", ()))

    def start(self, track: Track | None = None) -> dict:
        """The open program; each program's notes at the open onset (``now``) and at its last onset before
        (``last``)."""
        return {"program": _INHERIT, "now": {}, "last": {}}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for kind, value in self.events[token]:
            if kind == "clear":
                if row["now"]:
                    row["last"].update(row["now"])
                    row["now"] = {}
            elif kind == "program":
                row["program"] = value
            elif kind == "pitch":
                row["now"].setdefault(row["program"], []).append(value)
        return row

    def previous(self, row: dict, program: int, cleared: bool) -> int | None:
        """The note a new note of ``program`` moves from (``cleared``: the id closes the open onset first);
        None where there is no line to follow (no note yet, a chord, or a chord note of the open onset)."""
        if cleared:
            notes = row["now"].get(program) or row["last"].get(program)
        elif program in row["now"]:
            return None
        else:
            notes = row["last"].get(program)
        return notes[0] if notes is not None and len(notes) == 1 else None

    def pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        width = logits.shape[0]
        for (cleared, key), (ids, pitches) in self.groups.items():
            program = row["program"] if key == _INHERIT else key
            ref = self.previous(row, program, cleared)
            if ref is None:
                continue
            d = (pitches - ref).abs()
            step = (d >= STEP[0]) & (d <= STEP[1]) & self.scale[pitches % 12]
            bonus = step.to(logits.dtype) * self.weight
            bonus -= (d > OCTAVE).to(logits.dtype) * self.leap_weight
            keep = ids < width
            logits[ids[keep]] += bonus[keep]
