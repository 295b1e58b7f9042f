"""Passing eighths in a chorale's bass: a quarter note on the beat that leaps a third to the next beat's note
is sung as two eighths, the second the scale tone between them.

Bach's bass under his chorale sopranos moves by step and in eighths: under 20 held-out sopranos (first 8
bars) it starts 35.8 notes, 43% of them an eighth after the one before, and 67% of its moves are steps.
partita's bass, sampled over a chord a beat with the chord's bass pulled (``Voicing.chord_pull``), sings 29.4
notes, 19% an eighth after the last, 45% steps: a chord tone on each beat, each reached by a leap. A third
between two beats is what Bach fills with a passing eighth (his bass leaps a third from one quarter on a beat
to the next at 0.9 a piece, partita's at 3.1): :func:`passing_eighths` fills it so, after sampling, as
:func:`partita.generation.lines.sung_lines` writes each voice's line. The beats keep their notes, so the
harmony, the chord tones and the parallels counted from beat to beat stay as sampled; what moves is the line
between them (docs/COCREATION.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from symusic import Note

from partita.score import Score

CLASH = (1, 11)
"""Pitch-class distances a passing tone may not take from a note of another voice sounding with it (a minor
second or a major seventh)."""


@dataclass
class Passing:
    """What :func:`passing_eighths` needs of the piece, times in quarters from its first tick."""

    tones: list[tuple[float, float, frozenset[int]]]
    """(start, end, pitch classes) a passing tone may take while each span lasts: the beat's chord tones and
    the key's scale."""
    holds: list[tuple[float, float]]
    """Spans where the voices hold their notes (the soprano's phrase ends): no passing tone there."""
    intervals: tuple[int, ...] = (3, 4)
    """The leaps (semitones) filled: thirds."""
    held_clash: bool = False
    """Whether a passing tone may not clash (:data:`CLASH`) with a note held over it either (False: only
    with one struck with it; Bach's passing tones pass under held notes)."""


def _allowed(spans: list[tuple[float, float, frozenset[int]]], at: float) -> frozenset[int]:
    for a, b, pcs in spans:
        if a - 1e-6 <= at < b - 1e-6:
            return pcs
    return frozenset()


def _sounding(tracks: list, tick: int, held: bool = True) -> list[int]:
    """The pitches of ``tracks``' notes sounding at ``tick`` (``held`` False: those starting there)."""
    return [
        int(n.pitch)
        for t in tracks
        for n in t.notes
        if (n.time <= tick < n.time + n.duration) and (held or n.time == tick)
    ]


def passing_tone(low: int, high: int, allowed: frozenset[int]) -> int | None:
    """The pitch strictly between ``low`` and ``high`` in ``allowed`` nearest their middle (of two as near,
    the lower); None where there is none."""
    lo, hi = sorted((low, high))
    inside = [p for p in range(lo + 1, hi) if p % 12 in allowed]
    if not inside:
        return None
    return min(inside, key=lambda p: (abs(2 * p - lo - hi), p))


def passing_eighths(score: Score, parts: list[int], passing: Passing) -> int:
    """Fill the lowest of ``score``'s tracks ``parts`` (indices; the lowest by mean pitch) in place: where a
    note starts on a beat, lasts a quarter and the next starts as it ends a third away
    (``passing.intervals``), its second eighth becomes the scale tone between (:func:`passing_tone`), unless
    it starts under a phrase end (``passing.holds``), would sound at or above another sounding note of the
    parts, or a minor second or major seventh (:data:`CLASH`) from any note sounding there, the melody
    included. Returns the passing eighths written."""
    tracks = [score.tracks[i] for i in parts if len(score.tracks[i].notes) and not score.tracks[i].is_drum]
    if not tracks:
        return 0
    bass = min(tracks, key=lambda t: sum(int(n.pitch) for n in t.notes) / len(t.notes))
    others = [t for t in score.tracks if t is not bass and not t.is_drum]
    uppers = [t for t in tracks if t is not bass]
    q = int(score.ticks_per_quarter) or 480
    notes = sorted(bass.notes, key=lambda n: (int(n.time), int(n.pitch)))
    added: list[Note] = []
    for a, b in zip(notes, notes[1:], strict=False):
        start, length = int(a.time), int(a.duration)
        if start % q or length != q or int(b.time) != start + q or q % 2:
            continue
        if abs(int(b.pitch) - int(a.pitch)) not in passing.intervals:
            continue
        beat = start / q
        if any(s - 1e-6 <= beat < e - 1e-6 or s - 1e-6 <= beat + 0.5 < e - 1e-6 for s, e in passing.holds):
            continue
        pitch = passing_tone(int(a.pitch), int(b.pitch), _allowed(passing.tones, beat + 0.5))
        if pitch is None:
            continue
        mid = start + q // 2
        if any(p <= pitch for p in _sounding(uppers, mid)):
            continue
        if any((p - pitch) % 12 in CLASH for p in _sounding(others, mid, passing.held_clash)):
            continue
        a.duration = q // 2
        added.append(Note(mid, q // 2, pitch, int(a.velocity)))
    for note in added:
        bass.notes.append(note)
    if added:
        bass.notes.sort(key=lambda n: (n.time, n.pitch))
    return len(added)
