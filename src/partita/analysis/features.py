"""Instruments and their roles, and the numeric features of a piece: density, polyphony, range, rhythm,
dynamics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import NoteArrays
from partita.score.general_midi import gm_program_name


def instrument_name(program: int, is_drum: bool) -> str:
    """The General MIDI name of a program (0-127), or ``"Drums"`` for a drum track."""
    return gm_program_name(int(program) % 128, is_drum)


MELODY_NAMES = ("melody", "vocal", "voice", "lead", "soprano", "singer", "主旋律", "人声")
"""Track-name fragments that mark the melody track (POP909's MELODY, many files' Vocal or Lead)."""


@dataclass
class TrackInfo:
    """One track as the description reports it."""

    index: int
    name: str
    program: int
    instrument: str
    role: str
    notes: int
    mean_pitch: float | None
    polyphony: float | None
    bar_share: float | None = None
    """The share of the piece's bars in which the track starts a note (:func:`bar_share`); a second part that
    plays a note in bar 2 and then rests has a low one."""


def _track_polyphony(start: np.ndarray) -> float:
    """The share of a track's onsets that are shared with another of its notes (0 = monophonic)."""
    if start.size == 0:
        return 0.0
    _, counts = np.unique(start, return_counts=True)
    return float((counts[counts > 1]).sum() / start.size)


def bar_share(notes: NoteArrays, bars: np.ndarray, track: int) -> float | None:
    """The share of the bars (``bars``: their start ticks and the end, as :func:`beat_grid` gives them) in
    which ``track`` starts at least one note; None when there are no bars. Held notes do not count: a part
    that holds one note over four bars plays in one of them."""
    n_bars = len(bars) - 1
    if n_bars < 1:
        return None
    start = notes.start[notes.track == track]
    if start.size == 0:
        return 0.0
    index = np.searchsorted(bars, start, side="right") - 1
    played = np.unique(index[(index >= 0) & (index < n_bars)])
    return float(played.size / n_bars)


def track_roles(score, notes: NoteArrays) -> list[TrackInfo]:
    """Instrument and role (``melody``, ``bass``, ``accompaniment``, ``drums``) of every track with notes.

    The melody is a track named so (melody, vocal, voice, lead, soprano, ...) if there is one; otherwise the
    highest-sounding track among those that are mostly monophonic and carry a fair share of the notes. The
    bass is the lowest such line whose mean pitch lies below E3; the rest accompany. A lone track is the
    melody when it is monophonic and accompaniment otherwise.
    """
    infos: list[TrackInfo] = []
    for i, track in enumerate(score.tracks):
        n = track.note_num()
        if n == 0:
            continue
        sel = notes.track == i
        pitches = notes.pitch[sel].astype(float)
        infos.append(
            TrackInfo(
                index=i,
                name=str(track.name or ""),
                program=int(track.program),
                instrument=instrument_name(track.program, track.is_drum),
                role="drums" if track.is_drum else "accompaniment",
                notes=int(n),
                mean_pitch=None if track.is_drum else round(float(pitches.mean()), 2),
                polyphony=None if track.is_drum else round(_track_polyphony(notes.start[sel]), 3),
            )
        )
    pitched = [t for t in infos if t.role != "drums"]
    if not pitched:
        return infos
    most = max(t.notes for t in pitched)
    lines = [t for t in pitched if (t.polyphony or 0) < 0.35 and t.notes >= 0.1 * most]
    if len(pitched) == 1:
        if lines:
            pitched[0].role = "melody"
        return infos
    named = [t for t in pitched if any(h in t.name.lower() for h in MELODY_NAMES)]
    if named or lines:
        melody = named[0] if named else max(lines, key=lambda t: t.mean_pitch or 0)
        melody.role = "melody"
        basses = [t for t in lines if t is not melody and (t.mean_pitch or 99) < 52]
        if basses:
            min(basses, key=lambda t: t.mean_pitch or 0).role = "bass"
    return infos


def register_name(pitch: float) -> str:
    """``low`` (below C3), ``middle`` (C3 to C5) or ``high`` (above C5) for a mean MIDI pitch."""
    if pitch < 48:
        return "low"
    if pitch <= 72:
        return "middle"
    return "high"


def dynamic_marking(velocity: float) -> str:
    """The dynamic marking (ppp..fff) nearest to a MIDI velocity, on music21's/Finale's velocity scale."""
    marks = (("ppp", 16), ("pp", 33), ("p", 49), ("mp", 64), ("mf", 80), ("f", 96), ("ff", 112), ("fff", 127))
    return min(marks, key=lambda m: abs(m[1] - velocity))[0]


def mean_polyphony(start: np.ndarray, end: np.ndarray) -> float | None:
    """Mean number of notes sounding together: the notes' summed durations over the span from the first onset
    to the last release, at least 1; None without notes. ``start`` and ``end`` are tick arrays of the notes to
    count (pitched notes, as callers pass them).

    The one definition of a piece's polyphony: the ``Polyphony`` condition token the shipped model was trained
    on (:func:`partita.tokens.dataset.score_statistics`, binned by
    :data:`partita.tokens.conditions.POLYPHONY_EDGES`) and what the analysis reports
    (:func:`polyphony_stats`, ``Description.polyphony``, the adherence of the polyphony fader) are this
    number, so a piece is measured in the units it is asked for in. The training conditioning fixes the
    formula: rests inside the span count as time with nothing sounding (a piece with a silent bar has a lower
    polyphony than one without), and the floor of 1 keeps a sparse melody at 1.
    """
    if len(start) == 0:
        return None
    sounding = float(np.sum(end - start)) / max(float(end.max() - start.min()), 1.0)
    return max(1.0, sounding)


def polyphony_stats(notes: NoteArrays) -> tuple[float | None, int]:
    """Mean number of notes sounding together (:func:`mean_polyphony`) and the most sounding at once.

    The mean is the model's condition value on the same notes, except that :func:`note_arrays` gives a
    zero-length note one tick.
    """
    if len(notes) == 0:
        return None, 0
    times = np.concatenate([notes.start, notes.end])
    delta = np.concatenate([np.ones(len(notes)), -np.ones(len(notes))])
    order = np.lexsort((delta, times))  # ends before starts at the same tick
    peak = int(np.cumsum(delta[order]).max())
    return mean_polyphony(notes.start, notes.end), peak


def rhythm_stats(notes: NoteArrays, beats: np.ndarray) -> tuple[float | None, float | None]:
    """Syncopation and swing ratio of the onsets against the beat grid.

    Syncopation: the share of notes that start off the beat (beyond a 1/12-beat tolerance) and sound on over
    the next beat, i.e. tie across it. Swing ratio: the median long/short ratio of the beat-halves that the
    off-beat onsets between 0.4 and 0.8 of a beat imply (1.0 straight, 2.0 triplet swing); None with fewer
    than 8 such onsets.
    """
    if len(notes) == 0 or len(beats) < 2:
        return None, None
    onset_ticks = np.unique(notes.start)
    i = np.clip(np.searchsorted(beats, onset_ticks, side="right") - 1, 0, len(beats) - 2)
    length = (beats[i + 1] - beats[i]).astype(float)
    pos = (onset_ticks - beats[i]) / np.maximum(length, 1)
    j = np.clip(np.searchsorted(beats, notes.start, side="right") - 1, 0, len(beats) - 2)
    note_pos = (notes.start - beats[j]) / np.maximum(beats[j + 1] - beats[j], 1)
    off = (note_pos > 1 / 12) & (note_pos < 11 / 12)
    syncopated = off & (notes.end > beats[j + 1])
    syncopation = float(syncopated.sum() / len(notes))
    mid = pos[(pos > 0.4) & (pos < 0.8)]
    swing = float(np.median(mid / (1 - mid))) if mid.size >= 8 else None
    return round(syncopation, 4), None if swing is None else round(swing, 3)
