"""A pull back towards a requested instrument that has gone quiet. Bonus, with two or more pitched
``programs`` and ``presence_weight``: no mask.

Two instruments asked for should be two instruments heard through the piece, not in its first bar only
(``Constraints.enter_all_programs`` sees to that much). partita-small, asked for "a jig for fiddle and
guitar", gives the guitar one note in bar 2 and the fiddle the rest: its corpus is mostly one-instrument folk
tunes and piano. Forcing each instrument into every window of bars was tried (2026-12-03) and made things
worse: the model did the minimum (one guitar note every other bar) and the lead thinned. So this is a pull,
not a rule: while a requested program has started no note in the open bar or in the ``quiet_bars`` bars before
it, the ids that name it get a logit bonus of ``weight``. REMI+ names the program before every note, so the
bonus lands where the model chooses which instrument plays the next note.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class PresencePull(Rule):
    """``expansions``: the base tokens of every id (empty for special ids); ``programs``: the requested
    pitched programs (two or more, or the pull does nothing)."""

    tier = Tier.BONUS

    def __init__(
        self, expansions: list[list[str]], programs: list[int], weight: float, quiet_bars: int = 1
    ) -> None:
        self.programs = sorted({int(p) for p in programs if int(p) >= 0})
        self.weight = float(weight)
        self.quiet_bars = max(0, int(quiet_bars))
        index = {p: k for k, p in enumerate(self.programs)}
        v = len(expansions)
        self.names = torch.zeros((len(self.programs), v), dtype=torch.bool)  # id i names program k
        # per id: the events that move a row's state: -1 a bar line, k >= 0 a note of requested program k
        self.events: list[tuple[int, ...]] = []
        for i, toks in enumerate(expansions):
            events = []
            for t in toks:
                kind, _, value = t.partition("_")
                if t == "Bar_None":
                    events.append(-1)
                elif kind == "Program" and int(value) in index:
                    k = index[int(value)]
                    events.append(k)
                    self.names[k, i] = True
            self.events.append(tuple(events))

    @classmethod
    def build(cls, ctx: Context) -> PresencePull | None:
        c = ctx.constraints
        pull = cls(ctx.ids.expansions, c.programs, c.presence_weight)
        return pull if pull.active else None

    @property
    def active(self) -> bool:
        return len(self.programs) > 1 and self.weight != 0

    def start(self, track: Track | None = None) -> dict:
        """The open bar, and the bar each program last played in (0: never)."""
        return {"bar": 0, "last": [0] * len(self.programs)}

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for e in self.events[token]:
            if e < 0:
                row["bar"] += 1
            else:
                row["last"][e] = row["bar"]
        return row

    def pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        bonus = self.bonus(row, logits.shape[0])
        if bonus is not None:
            logits += bonus.to(logits.dtype)

    def bonus(self, row: dict, width: int) -> torch.Tensor | None:
        """The logit bonus of the next id (None when every program has played in the open bar or the
        ``quiet_bars`` before it)."""
        bar = row["bar"]
        quiet = [k for k, last in enumerate(row["last"]) if bar - last > self.quiet_bars]
        if not quiet or not self.active:
            return None
        return self.names[quiet].any(dim=0)[:width].to(torch.float32) * self.weight
