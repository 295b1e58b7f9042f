"""Bars of a score in tick time: where each bar line falls under the score's time signatures, and trimming a
score to a number of bars (a generated piece asked for 8 bars ends at the end of bar 8, also where its last
note was written to ring on)."""

from __future__ import annotations

from partita.score.formats import Score


def _bar_ends(score: Score):
    """The tick at which each bar ends, bar after bar from tick 0: each as long as the time signature in force
    at its start says (4/4 before the first one)."""
    tpq = int(score.ticks_per_quarter) or 1
    signatures = sorted(
        (int(ts.time), int(ts.numerator), int(ts.denominator)) for ts in score.time_signatures
    )
    at, k, num, den = 0, -1, 4, 4
    while True:
        while k + 1 < len(signatures) and signatures[k + 1][0] <= at:
            k += 1
            num, den = signatures[k][1] or 4, signatures[k][2] or 4
        at += max(1, round(num * 4 * tpq / den))
        yield at


def bar_lines(score: Score, bars: int) -> list[int]:
    """The ticks of the first ``bars + 1`` bar lines (0 first)."""
    ends = _bar_ends(score)
    return [0, *(next(ends) for _ in range(max(0, int(bars))))]


def pickup_ticks(score: Score) -> int:
    """The silent start of a pickup bar (an anacrusis), in ticks; 0 when the score does not open with one.

    A score of more than one bar opens with a pickup when its first note starts in the second half of its
    first bar: readers pad a pickup to a full bar of rest, and this is the rule by which the MusicXML writer
    (:mod:`partita.score.musicxml`) notates such a bar as an implicit bar 0. Musicians do not count it: a tune
    of 8 bars with a pickup is the pickup and 8 full bars.
    """
    starts = [n.time for t in score.tracks for n in t.notes]
    if not starts:
        return 0
    lines = bar_lines(score, 2)
    first, length = min(starts), lines[1] - lines[0]
    if max(starts) < lines[1] or length < 2 or not length / 2 <= first < length:
        return 0
    return int(first)


def full_bars(score: Score) -> int:
    """The bars of ``score`` as a musician counts them: :func:`notated_bars` less a pickup bar."""
    return notated_bars(score) - (1 if pickup_ticks(score) else 0)


def trim_to_bars(score: Score, bars: int) -> int:
    """Cut ``score`` (in place) at the end of bar ``bars``: notes starting there or later go, notes ringing
    past it end there. Returns the number of notes shortened or removed."""
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


def hold_last_notes(score: Score, bars: int) -> int:
    """Hold each track's last notes (those starting at its last onset) to the end of bar ``bars`` where they
    start in that bar and end before it, in place, as a piece's final note or chord is written to fill its
    bar. Returns the number of notes lengthened."""
    lines = bar_lines(score, bars)
    begin, end = lines[-2], lines[-1]
    changed = 0
    for track in score.tracks:
        if track.is_drum or not len(track.notes):
            continue
        last = max(n.time for n in track.notes)
        for note in track.notes:
            if note.time == last and begin <= last and note.time + note.duration < end:
                note.duration = end - note.time
                changed += 1
    return changed


def notated_bars(score: Score) -> int:
    """The bars of ``score`` as written: from tick 0, each as long as its time signature, up to the end of the
    last note (0 for a score without notes). Unlike a beat tracker's grid, no phase is guessed."""
    end = max((n.time + n.duration for t in score.tracks for n in t.notes), default=0)
    count = 0
    if end > 0:
        for count, at in enumerate(_bar_ends(score), 1):  # noqa: B007 (the count is the answer)
            if at >= end:
                break
    return count
