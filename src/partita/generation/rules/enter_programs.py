"""Every requested pitched program plays from its entry bar on: the first bar, or the bar ``entry_bars``
gives it. Soft, with ``enter_all_programs`` and two or more pitched ``programs``, once the first bar is open:
yields where the sounding cap or the grammar leaves nothing else.

Before its entry bar a program is not named at all (a Renaissance motet's voices come in one after another:
:mod:`partita.generation.entries`). From its entry bar on, while it has not played, the next program named is
one that is due and not heard yet, and the bar line (and the end) waits for it: two instruments asked for are
two instruments heard, not one.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class EnterAllPrograms(Rule):
    """State: a bit per requested program, set once it has been named. ``entry``: per program of
    ``entering``, the bar (0-based) it enters at (0 where not given)."""

    tier = Tier.SOFT

    def __init__(self, ctx: Context, entering: list[int], entry: dict[int, int] | None = None) -> None:
        entry = entry or {}
        self.entry = [max(0, int(entry.get(p, 0))) for p in entering]
        ids = ctx.ids
        names = torch.zeros((len(entering), ids.vocab), dtype=torch.bool)  # id i names requested program k
        for i, toks in enumerate(ids.expansions):
            for t in toks:
                if t.startswith("Program_") and int(t.split("_")[1]) in entering:
                    names[entering.index(int(t.split("_")[1])), i] = True
        self.names = names
        cols = names.numpy()
        self.entering_of = [tuple(int(k) for k in np.flatnonzero(cols[:, i])) for i in range(ids.vocab)]
        self.bar_ids, self.eos = ids.bar_ids, ids.eos

    @classmethod
    def build(cls, ctx: Context) -> EnterAllPrograms | None:
        c = ctx.constraints
        entering = sorted({int(p) for p in c.programs if int(p) >= 0}) if c.enter_all_programs else []
        return cls(ctx, entering, c.entry_bars) if len(entering) > 1 else None

    def start(self, track: Track) -> int:
        return 0

    def advance(self, state: int, token: int, track: Track) -> int:
        for k in self.entering_of[token]:
            state |= 1 << k
        return state

    def mask(self, state: int, track: Track, width: int) -> torch.Tensor | None:
        """Ids naming a program before its entry bar; and while a program that is due has not played: ids
        naming only programs already heard, the bar line and the end."""
        if not track.bars:
            return None
        n, bar = self.names.shape[0], track.bars - 1
        waiting = [k for k in range(n) if self.entry[k] > bar]
        missing = [k for k in range(n) if not state >> k & 1 and self.entry[k] <= bar]
        if not missing and not waiting:
            return None
        bad = torch.zeros(width, dtype=torch.bool)
        if waiting:
            bad |= self.names[waiting].any(dim=0)[:width]
        if missing:
            bad |= self.bar_ids[:width]
            heard = [k for k in range(n) if state >> k & 1]
            if heard:
                bad |= self.names[heard].any(dim=0)[:width] & ~self.names[missing].any(dim=0)[:width]
            if 0 <= self.eos < width:
                bad[self.eos] = True
        return bad
