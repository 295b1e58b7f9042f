"""No instrument starts the same pitch twice at one onset, and a monophonic one starts one note at a time.
Soft, with ``grammar``: yields where it would leave no token.

Two notes of one program, one pitch and one start are one note played twice at once: MIDI cannot sound them
apart and the analysis counts them as polyphony. A model held back from closing a bar (a bar still short of
notes, or of its chord's tones) adds notes where it stands, and partita-small then stacked one pitch ten times
over. The guard follows the open onset of each row (the programs and pitches started since the last position
or bar line) and names the vocabulary ids that would start one of them again; BPE ids that carry a program
change or a new position inside are followed token by token. The programs the caller names monophonic (a bass,
a flute) start no second note at an onset: partita-small, playing a bass as a second piano voice, stacked
12-note chords on it.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

_INHERIT = -2  # the pitch follows the open program (no program token before it inside the id)


class UnisonGuard(Rule):
    """``expansions``: the base tokens of every id (empty for special ids); ``monophonic`` programs."""

    tier = Tier.SOFT

    def __init__(self, expansions: list[list[str]], monophonic: list[int] | tuple[int, ...] = ()) -> None:
        self.monophonic = frozenset(int(p) for p in monophonic)
        self.events: list[list[tuple[str, int]]] = []  # per id: ("clear", 0), ("program", p), ("pitch", k)
        lead: dict[tuple[int, int], list[int]] = {}  # (program or _INHERIT, pitch) -> ids starting it first
        # program -> ids that name it at the open onset (before any position)
        naming: dict[int, list[int]] = {}
        for i, toks in enumerate(expansions):
            events: list[tuple[str, int]] = []
            program, cleared = _INHERIT, False
            for t in toks:
                kind, _, value = t.partition("_")
                if kind in ("Bar", "Position"):
                    events.append(("clear", 0))
                    cleared = True
                elif kind == "Program":
                    program = int(value)
                    events.append(("program", program))
                    if not cleared:
                        naming.setdefault(program, []).append(i)
                elif kind in ("Pitch", "PitchDrum"):
                    pitch = int(value) + (1000 if kind == "PitchDrum" else 0)
                    events.append(("pitch", pitch))
                    if not cleared:
                        lead.setdefault((program, pitch), []).append(i)
            self.events.append(events)
        self.lead = {k: torch.tensor(sorted(set(v)), dtype=torch.long) for k, v in lead.items()}
        # a monophonic program (or the open program, _INHERIT) -> the ids that start any note of it first
        by_program: dict[int, list[int]] = {}
        for (program, _), ids in lead.items():
            by_program.setdefault(program, []).extend(ids)
        # REMI+ names the program before the pitch, often in an id of its own
        for program, ids in naming.items():
            by_program.setdefault(program, []).extend(ids)
        self.any_note = {p: torch.tensor(sorted(set(v)), dtype=torch.long) for p, v in by_program.items()}

    @classmethod
    def build(cls, ctx: Context) -> UnisonGuard | None:
        c = ctx.constraints
        return cls(ctx.ids.expansions, c.monophonic) if c.grammar else None

    def start(self, track: Track | None = None) -> dict:
        """The open program and the (program, pitch) pairs started at the open onset."""
        return {"program": _INHERIT, "started": set()}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for kind, value in self.events[token]:
            if kind == "clear":
                row["started"] = set()
            elif kind == "program":
                row["program"] = value
            else:
                row["started"].add((row["program"], value))
        return row

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        return self.bad(row, width)

    def bad(self, row: dict, width: int) -> torch.Tensor | None:
        """The ids that would start a program's pitch again at the open onset (``None``: none would)."""
        if not row["started"]:
            return None
        bad = torch.zeros(width, dtype=torch.bool)
        for program in {p for p, _ in row["started"]} & self.monophonic:  # it has started its note here
            for key in (program, _INHERIT) if program == row["program"] else (program,):
                ids = self.any_note.get(key)
                if ids is not None:
                    bad[ids[ids < width]] = True
        for program, pitch in row["started"]:
            for key in (
                ((program, pitch), (_INHERIT, pitch)) if program == row["program"] else ((program, pitch),)
            ):
                ids = self.lead.get(key)
                if ids is not None:
                    bad[ids[ids < width]] = True
        return bad
