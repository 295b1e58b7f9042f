"""A pull towards repeating an earlier bar. Bonus, with ``repeat_weight``: no mask.

Real tunes repeat themselves: in the realism benchmark's real pieces 15-37% of bars repeat an earlier bar
exactly (the ``bar_repetition`` feature of :mod:`partita.evaluation.realism`), in partita-small's 3-5%, one
of the plainest tells. Writing the returns in at fixed places (:mod:`partita.generation.form`) made the
pieces easier, not harder, to tell from real ones; this is the soft version: where the open bar has so far
followed the bar ``lag`` bars back token for token (``lag`` in :data:`LAGS`: two bars, a phrase of four, a
period of eight), the id that bar had next gets a logit bonus of ``weight``, and at its end the bar line.
The model still chooses: a bar starts copying only where the model gives its first note some weight, and
leaves the copy wherever it likes a different note better.

A pickup bar (:mod:`partita.generation.rules.pickup`) is never a source: it is not a bar of the tune.

Bars are compared from the token after their opening bar line (a bar-opening BPE id may carry the first bar's
time signature, which later bars do not repeat).

Never twice in a row: the bar before is not a source, nor any earlier bar equal to it, and a bar that
already repeats the bar ``lag`` before it is not pulled to come a third time at that lag; nor is a bar that
would loop a two- or four-bar figure (:func:`loops_figure`). Real pieces repeat
at a distance: the realism benchmark's held-out jigs repeat 37% of their bars but almost never the bar just
played (the longest run of one bar averages 1.0), and German folk songs 1.06. Without any limit a weight of
2.5 turned jigs into one bar played twelve times over (seen in the piano rolls); with "no third time" only,
the pulled jigs played bars twice in a row (runs of 1.75-1.94), the clearest tell once the judge read the
longest run (2026-12-05).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

LAGS: tuple[int, ...] = (2, 4, 8)
"""How many bars back a bar may repeat: two bars back, a phrase of four, a period of eight (never the bar
before)."""
FIGURES: tuple[int, ...] = (1, 2, 4)
"""Lengths in bars of the figures :func:`loops_figure` watches."""


def loops_figure(bars: list[list[int]], body: list[int]) -> int | None:
    """The length of the figure a bar equal to ``body`` (ids after its bar line) would loop, here: 1, the
    bar just played again; 2, a two-bar figure played twice in a row (``A B A B``); 4, a four-bar phrase
    begun a third time in a row. None: no loop. ``bars`` as :meth:`RepeatPull.start` keeps them.

    Real pieces do not: of the held-out pieces' first 16 bars none of the jigs plays a two-bar figure twice
    in a row, 8-9% of the German and Chinese folk songs do and 0-2% three times; a 16-bar jig pulled to
    repeat at two bars played ``A B A B ...`` from its third bar to its sixteenth (2026-12-05)."""
    now = len(bars) - 1
    if now >= 2 and bars[now - 1][1:] == body:
        return 1
    if now >= 4 and bars[now - 2][1:] == body and bars[now - 1][1:] == bars[now - 3][1:]:
        return 2
    phrase = now >= 9 and all(bars[now - 4 + i][1:] == bars[now - 8 + i][1:] for i in range(4))
    return 4 if phrase and bars[now - 4][1:] == body else None


class RepeatPull(Rule):
    """A bonus for the next id of an earlier bar that the open bar has followed so far."""

    tier = Tier.BONUS

    def __init__(
        self, opens_bar: list[bool], weight: float, lags: tuple[int, ...] = LAGS, first: int = 1
    ) -> None:
        """``first``: the first bar (1-based) that may be repeated (2 after a pickup bar)."""
        self.opens_bar, self.weight, self.lags, self.first = opens_bar, float(weight), tuple(lags), first

    @classmethod
    def build(cls, ctx: Context) -> RepeatPull | None:
        c = ctx.constraints
        weight = getattr(c, "repeat_weight", 0.0)
        opens = [bool(n) for n in ctx.ids.n_bars.tolist()]
        return cls(opens, weight, first=2 if c.pickup else 1) if weight else None

    def start(self, track: Track | None = None) -> list[list[int]]:
        """The ids of each bar so far, each list opening with its bar line (list 0: before the first)."""
        return [[]]

    def advance(self, bars: list[list[int]], token: int, track: Track | None = None) -> list[list[int]]:
        if token < len(self.opens_bar) and self.opens_bar[token]:
            bars.append([token])
        else:
            bars[-1].append(token)
        return bars

    def favoured(self, bars: list[list[int]]) -> set[int]:
        """The ids that continue an earlier bar the open one has followed so far."""
        now = len(bars) - 1
        cur = bars[-1]
        out: set[int] = set()
        before = bars[now - 1][1:] if now >= 2 else None
        for lag in self.lags:
            k = now - lag
            if k < self.first:
                continue
            src = bars[k]
            if cur[1:] != src[1 : len(cur)]:
                continue
            if k - lag >= 1 and bars[k - lag][1:] == src[1:]:  # src already repeats: not a third time
                continue
            if src[1:] == before or loops_figure(bars, src[1:]) is not None:  # no loops
                continue
            if len(cur) < len(src):
                out.add(src[len(cur)])
            elif len(cur) == len(src):  # the earlier bar is over here: its next bar line
                out.add(bars[k + 1][0])
        return out

    def pull(self, bars: list[list[int]], track: Track, logits: torch.Tensor) -> None:
        if len(bars) < 3:  # nothing to repeat before the second bar
            return
        width = logits.shape[0]
        ids = [i for i in self.favoured(bars) if i < width]
        if ids:
            logits[ids] += self.weight
