"""Bars of a score in tick time: where each bar line falls under the score's time signatures, and trimming a
score to a number of bars (a generated piece asked for 8 bars ends at the end of bar 8, also where its last note
was written to ring on)."""

from __future__ import annotations

from partita.score.formats import Score


def bar_lines(score: Score, bars: int) -> list[int]:
    """The ticks of the first ``bars + 1`` bar lines (0 first): each bar as long as the time signature in force
    at its start says (4/4 before the first one)."""
    tpq = int(score.ticks_per_quarter) or 1
    signatures = sorted((int(ts.time), int(ts.numerator), int(ts.denominator)) for ts in score.time_signatures)
    lines, at, k = [0], 0, -1
    num, den = 4, 4
    for _ in range(max(0, int(bars))):
        while k + 1 < len(signatures) and signatures[k + 1][0] <= at:
            k += 1
            num, den = signatures[k][1] or 4, signatures[k][2] or 4
        at += max(1, round(num * 4 * tpq / den))
        lines.append(at)
    return lines


def trim_to_bars(score: Score, bars: int) -> int:
    """Cut ``score`` (in place) at the end of bar ``bars``: notes starting there or later go, notes ringing past
    it end there. Returns the number of notes shortened or removed."""
    end = bar_lines(score, bars)[-1]
    changed = 0
    for track in score.tracks:
        kept = []
        for note in track.notes:
            if note.time >= end:
                changed += 1
                continue
            if note.time + note.duration > end:
                note.duration = end - note.time
                changed += 1
            kept.append(note)
        if len(kept) != len(track.notes):
            track.notes.clear()
            track.notes.extend(kept)
    return changed
