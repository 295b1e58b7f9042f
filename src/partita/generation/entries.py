"""Voices that come in one after another: the entry bar of each requested voice.

Real pieces of some styles do not start with every voice at once (``python scripts/entry-stats.py``):

- In the corpus's Palestrina (training split, 300 pieces) the voices enter in turn: the median gap between
  one entry and the next is one bar of 4/2 (quartiles half a bar and two bars), the upper voices usually
  lead and the bass comes last; only 10% of held-out excerpts have every voice in the first bar.
- In POP909 (training split, 300 songs) the accompaniment (the PIANO track) and the instrumental lead (BRIDGE)
  start the song and the sung MELODY comes in after an intro: median bar 10, quartiles 8 and 21.
- Bach's chorales start together (98% of gaps are zero).

partita used to make every voice play from the first bar
(:class:`partita.generation.rules.enter_programs.EnterAllPrograms`), and that was the realism benchmark's top
tell for both styles: Renaissance voices all sounding on 0.55-0.63 of beats where real excerpts have 0.27,
pop pieces sounding 3.0 tracks where real openings sound 2.1.

:func:`entry_plan` turns a style's entries (``GenerationConfig.entries_for``: the bar each voice enters at,
in the order the voices are listed) into the entry bars the rule keeps: each voice silent before its bar and
made to enter there.
"""

from __future__ import annotations


def entry_plan(
    programs: list[int], bars: int | None, entries: list[float] | tuple[float, ...]
) -> dict[int, int]:
    """The bar (0-based) each of ``programs`` enters at, from ``entries`` (in bars, one per program in the
    order given: a choir's voices are listed top down, pop's as melody, bridge, piano). Programs beyond
    ``entries`` go on with its last step; all are scaled down together so that the last enters no later than
    the middle of a piece of ``bars`` bars, and rounded down to whole bars. Empty (everyone from the first
    bar) for no entries or fewer than two programs."""
    programs = [int(p) for p in programs]
    if not entries or len(programs) < 2:
        return {}
    at = carried([max(0.0, float(e)) for e in entries], len(programs))
    latest = max(at)
    if bars and latest > int(bars) // 2:
        at = [a * (int(bars) // 2) / latest for a in at]
    return {p: int(a + 1e-9) for p, a in zip(programs, at, strict=True)}


def carried(entries: list[float] | tuple[float, ...], count: int) -> list[float]:
    """``entries`` for ``count`` voices: cut to them, or carried on with the last step (one entry: the same
    bar for the voices beyond it)."""
    at = [float(e) for e in entries[:count]]
    while at and len(at) < count:
        at.append(at[-1] + (at[-1] - at[-2] if len(at) > 1 else 0.0))
    return at
