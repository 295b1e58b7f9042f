"""Theme recurrence: how many bars of a piece are close to its theme, in transposition and rhythm.

Theme Transformer (Shih et al. 2022) asks whether a theme-conditioned piece states its theme, brings it back
and varies it. :func:`theme_recurrence` measures it on the notes: each bar after the theme is compared with
each bar of the theme by its **figure**, the melody's onsets in the bar (on a grid of 12 steps a quarter) and
the intervals between its successive pitches (so a transposed bar is the same figure), and counts as a
recurrence when the best match is at least ``threshold``. The similarity is the mean of the onsets' Jaccard
index and the share of interval positions that agree. No such measure ships in mir_eval, muspy or music21; it
is a few lines on partita's own skyline, written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from partita.evaluation.realism import bar_ticks, skyline
from partita.score import Score

GRID = 12
"""Onset positions per quarter note (triplets and sixteenths both land on it)."""


@dataclass(frozen=True)
class Figure:
    """One bar's melody: its onset positions and the intervals between successive pitches."""

    onsets: frozenset[int]
    intervals: tuple[int, ...]


def bar_figures(score: Score) -> list[Figure]:
    """The figure of every bar of ``score`` (bar length from its first time signature), in order."""
    if "Tick" not in str(getattr(score, "ttype", "Tick")):
        score = score.to("tick")
    length = bar_ticks(score)[0]
    tpq = int(score.ticks_per_quarter) or 480
    melody = skyline(score)
    if not melody:
        return []
    bars = max(t for t, _, _ in melody) // length + 1
    out = []
    for b in range(bars):
        notes = [(t - b * length, p) for t, _, p in melody if b * length <= t < (b + 1) * length]
        onsets = frozenset(round(t * GRID / tpq) for t, _ in notes)
        pitches = [p for _, p in notes]
        out.append(Figure(onsets, tuple(q - p for p, q in zip(pitches, pitches[1:], strict=False))))
    return out


def figure_similarity(a: Figure, b: Figure) -> float:
    """From 0 to 1: the mean of the onsets' Jaccard index and the share of interval positions that agree
    (two empty bars are alike; an empty bar and a sounding one are not)."""
    if not a.onsets and not b.onsets:
        return 1.0
    if not a.onsets or not b.onsets:
        return 0.0
    rhythm = len(a.onsets & b.onsets) / len(a.onsets | b.onsets)
    longest = max(len(a.intervals), len(b.intervals))
    same = sum(x == y for x, y in zip(a.intervals, b.intervals, strict=False))
    return (rhythm + (same / longest if longest else 1.0)) / 2


def theme_recurrence(score: Score, theme_bars: int, threshold: float = 0.75) -> dict[str, float]:
    """The bars of ``score`` after its first ``theme_bars`` (the theme) that recall the theme.

    Returns ``recurrence`` (the share of those bars whose best similarity to a theme bar is at least
    ``threshold``), ``mean_similarity`` (the mean of those best similarities) and ``bars`` (how many were
    judged); empty bars are left out (a rest recalls nothing).
    """
    figures = bar_figures(score)
    theme = [f for f in figures[:theme_bars] if f.onsets]
    rest = [f for f in figures[theme_bars:] if f.onsets]
    if not theme or not rest:
        return {"recurrence": 0.0, "mean_similarity": 0.0, "bars": float(len(rest))}
    best = [max(figure_similarity(f, t) for t in theme) for f in rest]
    return {
        "recurrence": sum(b >= threshold for b in best) / len(best),
        "mean_similarity": sum(best) / len(best),
        "bars": float(len(best)),
    }
