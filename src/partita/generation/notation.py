"""Meters a tokenizer lacks, sampled in one it has and barred as asked afterwards.

partita-small's REMI+ vocabulary knows nine time signatures (4/4, 3/4, 6/8, ...). miditok writes a piece in
a meter outside them as 4/4: the corpus's Palestrina, in 4/2 (71 of 80 held-out pieces), was read as twice as
many bars of 4/4. Asked for "8 bars" of a Renaissance motet, partita used to write 8 bars of 4/4, half the
music of 8 bars of 4/2, and the realism benchmark compared them with 8 real bars of 4/2. Now a meter the
vocabulary lacks is sampled the way the model read it, as bars of a known meter that fill one bar of it
(4/2: two bars of 4/4; 3/2: one of 6/4), and the piece is barred in the meter asked for once sampled.

A new piece in 3/2 is sampled as the model read 3/2 in training, in 4/4 (:func:`trained_frame`: a bar and a
half of 4/4 each bar, cut and barred in 3/2 once sampled). Its half-note
beats fall on the half notes of 4/4, but not on 6/4's dotted halves, and the model never saw a Palestrina
piece, or the 3/2 it was told of, in bars of 6/4: sampled in 6/4, 0.12 of a four-voice motet's onsets fell
on 3/2's beats (in 4/4 0.80, real 0.89), and the voices wrote 12.3 notes a bar (6.9, real 7.5)
(``python scripts/meter-beats.py``, docs/COCREATION.md). Chords given one a bar of the piece (a new piece's,
a continuation's, an accompaniment's) are held for three half bars of 4/4 each, so the chord rules change
chord in mid-bar every other bar (``Constraints.chord_slots``, :func:`partita.generation.planning.
plan_request`): with its own chords a four-voice motet put 0.13 of its onsets on 3/2's beats in 6/4 and 0.81
in 4/4 (real 0.89), every note on a beat a chord tone in both. A track refill reads 3/2 in 4/4 too, its
bars before the range as a continuation's (:func:`partita.generation.tracks.in_vocabulary`).
"""

from __future__ import annotations

from fractions import Fraction

import symusic

from partita.generation.lines import one_per_start
from partita.score import Score


def bar_quarters(meter: str) -> Fraction | None:
    """The quarter notes in a bar of ``meter`` ("4/2" -> 8), or None for a string that is not a meter."""
    num, _, den = meter.partition("/")
    if not (num.isdigit() and den.isdigit()) or int(num) < 1 or int(den) < 1:
        return None
    return Fraction(int(num) * 4, int(den))


def sampled_meter(meter: str, known: list[str] | tuple[str, ...]) -> tuple[str, int] | None:
    """The known meter a piece in ``meter`` is sampled in and how many of its bars make one bar of
    ``meter``: ``("4/4", 2)`` for 4/2. The fewest bars win; of equal counts, 4/4 before the others (miditok's
    stand-in for a meter outside its vocabulary), then the nearest beat unit (3/2: 6/4, not 12/8). None when
    ``meter`` is known or nothing fits."""
    want = bar_quarters(meter)
    if want is None or meter in known:
        return None
    fits = []
    for m in known:
        q = bar_quarters(m)
        if q and (want / q).denominator == 1:
            unit = abs(int(m.partition("/")[2]).bit_length() - int(meter.partition("/")[2]).bit_length())
            fits.append((int(want / q), m != "4/4", unit, m))
    if not fits:
        return None
    count, _, _, best = min(fits)
    return best, count


def trained_frame(meter: str, known: list[str] | tuple[str, ...]) -> tuple[str, Fraction] | None:
    """``("4/4", bars)`` for a meter in half-note beats the vocabulary lacks whose bar is no whole number of
    4/4 bars (3/2: ``Fraction(3, 2)``): miditok read such a piece as 4/4 in training, its bar lines
    straddling the piece's but its beats on 4/4's half notes. None for any other meter (those
    :func:`sampled_meter` fits in whole bars keep its frame)."""
    want = bar_quarters(meter)
    if want is None or meter in known or "4/4" not in known or meter.partition("/")[2] != "2":
        return None
    bars = want / 4
    return ("4/4", bars) if bars.denominator != 1 else None


def rebar(score: Score, meter: str) -> Score:
    """``score`` (in place) with one time signature, ``meter`` from the start, in place of those sampled."""
    num, _, den = meter.partition("/")
    score.time_signatures.clear()
    score.time_signatures.append(symusic.TimeSignature(0, int(num), int(den), ttype="tick"))
    return score


def single_meter(score: Score) -> str | None:
    """The one meter ``score`` is written in from its start ("4/2"), or None where it has no time signature
    at tick 0 or changes meter."""
    meters = {(int(t.numerator), int(t.denominator)) for t in score.time_signatures}
    if len(meters) != 1 or min(int(t.time) for t in score.time_signatures) > 0:
        return None
    num, den = meters.pop()
    return f"{num}/{den}"


def sampling_frame(score: Score, known: list[str] | tuple[str, ...]) -> tuple[str, int] | None:
    """How a piece written in one meter the vocabulary lacks is read to sample in it: the known meter and
    how many of its bars make one of the piece's (:func:`sampled_meter`); None for a piece in a known meter,
    in several meters, or in one nothing fits. Its bars then begin on bar lines of the known meter, so it
    can be rebarred in it (:func:`rebar`, same ticks) and back."""
    meter = single_meter(score)
    return sampled_meter(meter, known) if meter and known else None


def one_line(score: Score, programs: list[int] | set[int]) -> int:
    """Write the tracks of ``programs`` as one line (in place): of notes that start together the one nearest
    the line's previous note stays (:func:`~partita.generation.lines.one_per_start`), and each note ends where
    the track's next begins. An instrument that plays one note at a time (a flute, a voice, a folk tune's
    line) neither holds one note under the next, though REMI+ lets a sampled duration overlap the next onset,
    nor starts two at once where the soft one-note rule yielded (3 of 32 German folk melodies for piano kept a
    chord, and real ones sound exactly one note at each onset). Returns the notes dropped or shortened."""
    changed = 0
    for track in score.tracks:
        if track.is_drum or track.program not in programs or len(track.notes) < 2:
            continue
        notes = one_per_start(list(track.notes))
        for note, after in zip(notes, notes[1:], strict=False):
            if note.time + note.duration > after.time:
                note.duration = after.time - note.time
                changed += 1
        if len(notes) < len(track.notes):  # after the ends are set: the list is written back as it stands
            changed += len(track.notes) - len(notes)
            track.notes.clear()
            track.notes.extend(notes)
    return changed
