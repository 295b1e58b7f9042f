"""How well added parts go with a melody: harmony where the melody lands on a beat, and shared rhythm.

- :func:`chord_tone_agreement` (the issue's "chord-tone agreement on strong beats"): the chord the other
  parts play on each beat is recognised (:func:`partita.analysis.chords.estimate_chords`, on the parts
  alone), and of the melody's notes that start on a beat, the share that are tones of that chord.
- :func:`beat_consonance`: of the melody's notes that start on a beat with the other parts sounding, the
  share that clash with none of them (no second, seventh or tritone, in any octave). Stricter than what
  pop harmony does: sevenths and added ninths under the melody count as clashes, so real POP909 parts score
  well under 1 here.
- :func:`onset_agreement`: the onset F-measure (``mir_eval.onset.f_measure``) between the melody's onsets and
  the other parts', within a tolerance of a sixteenth note: how far the parts move with the melody. Real
  accompaniments do not double every note, so the real pieces' figure is the reference, not 1.

Both take the melody and the other parts as separate scores on the same ticks (as
:func:`partita.generation.accompany.with_melody` joins them).

A melody note is "on a beat" when it starts less than a sixteenth note (``tolerance`` ticks, a quarter of
a beat by default) before or after one, as :func:`onset_agreement` allows: POP909's songs are played, not
quantised to their bar lines, and a crop leaves the whole melody a constant 13-179 ticks (at 480 a beat)
off the beats; counting only exact multiples of the beat kept 9 of 10 such songs out of the two
harmony figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import NoteArrays, note_arrays
from partita.score import Score

CLASHES = frozenset({1, 2, 6, 10, 11})
"""Pitch-class distances heard as a clash against a melody note on the beat: seconds, sevenths, tritone."""


@dataclass(frozen=True)
class Agreement:
    """:func:`accompaniment_agreement` of one piece."""

    chord_tones: float | None
    beat_consonance: float | None
    onset_f: float | None
    melody_notes_on_beats: int


def _pitched(score: Score) -> NoteArrays:
    notes = note_arrays(score)
    return notes.select(~notes.drum)


def on_beats(starts: np.ndarray, beat: int, tolerance: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``starts`` (ticks) lie on a beat of ``beat`` ticks, and the index of each one's nearest beat.

    A tolerance either way rather than an estimated offset per piece: the offsets found in POP909 crops are
    constant within a song, but its melody often starts on two eighth-note phases about equally often, so
    an estimate could not tell the beat from the off-beat any better than the nearest beat does; and a
    tolerance has no estimate to go wrong on short or generated melodies. Strictly under a sixteenth
    (``beat // 4``), as :func:`onset_agreement`'s window: a note a sixteenth or more off is not on the
    beat. ``tolerance=0``: exact multiples of the beat only (the rule before)."""
    tol = beat // 4 if tolerance is None else int(tolerance)
    starts = np.asarray(starts, dtype=np.int64)
    nearest = np.floor_divide(starts + beat // 2, beat)
    off = np.abs(starts - nearest * beat)
    return (off < tol if tol > 0 else off == 0), nearest


def beat_consonance(melody: Score, parts: Score, *, tolerance: int | None = None) -> tuple[float | None, int]:
    """The share of the melody's on-beat notes (:func:`on_beats`; with other parts sounding at the note's
    start) that clash with none of the parts' sounding notes, and how many such notes there were (None, 0
    when there were none)."""
    mel, acc = _pitched(melody), _pitched(parts)
    beat = int(melody.ticks_per_quarter) or 480
    if not len(mel) or not len(acc):
        return None, 0
    on, _ = on_beats(mel.start, beat, tolerance)
    good = total = 0
    for start, pitch in zip(mel.start[on], mel.pitch[on], strict=True):
        sounding = acc.pitch[(acc.start <= start) & (acc.end > start)]
        if not len(sounding):
            continue
        total += 1
        distance = (sounding.astype(int) - int(pitch)) % 12
        good += not any(int(d) in CLASHES for d in distance)
    return (good / total if total else None), total


def chord_tone_agreement(melody: Score, parts: Score, *, tolerance: int | None = None) -> float | None:
    """The share of the melody's notes starting on a beat (:func:`on_beats`) that are tones of the chord
    the parts play on that beat (as partita's chord recogniser hears the parts alone); None when no such
    note has a chord under it."""
    import mir_eval

    from partita.analysis.chords import estimate_chords

    mel, acc = _pitched(melody), _pitched(parts)
    if not len(mel) or not len(acc):
        return None
    beat = int(melody.ticks_per_quarter) or 480
    end = int(max(mel.end.max(), acc.end.max()))
    beats = np.arange(0, end + beat, beat)
    labels = estimate_chords(acc, beats)
    on, nearest = on_beats(mel.start, beat, tolerance)
    good = total = 0
    for k, pitch in zip(nearest[on].tolist(), mel.pitch[on], strict=True):
        if k >= len(labels) or labels[k] == "N":
            continue
        root, bitmap, _ = mir_eval.chord.encode(labels[k])
        total += 1
        good += bool(bitmap[(int(pitch) - root) % 12])
    return good / total if total else None


def onset_agreement(melody: Score, parts: Score) -> float | None:
    """The onset F-measure between the melody's onsets and the parts' (within a sixteenth note); None when
    either has no pitched notes."""
    import mir_eval

    mel, acc = _pitched(melody), _pitched(parts)
    if not len(mel) or not len(acc):
        return None
    beat = float(int(melody.ticks_per_quarter) or 480)
    ref = np.unique(mel.start) / beat  # in beats: the tolerance is musical, not in seconds
    est = np.unique(acc.start) / beat
    f, _, _ = mir_eval.onset.f_measure(ref, est, window=0.25 - 1e-6)
    return float(f)


def accompaniment_agreement(melody: Score, parts: Score) -> Agreement:
    """:func:`chord_tone_agreement`, :func:`beat_consonance` and :func:`onset_agreement` of ``parts`` with
    ``melody``."""
    consonance, count = beat_consonance(melody, parts)
    return Agreement(chord_tone_agreement(melody, parts), consonance, onset_agreement(melody, parts), count)


def split_melody(piece: Score, melody_tracks: int) -> tuple[Score, Score]:
    """``piece`` as (its first ``melody_tracks`` tracks, the rest): a melody and the parts joined under it."""
    head, rest = piece.copy(), piece.copy()
    head.tracks = [t.copy() for t in piece.tracks[:melody_tracks]]
    rest.tracks = [t.copy() for t in piece.tracks[melody_tracks:]]
    return head, rest
