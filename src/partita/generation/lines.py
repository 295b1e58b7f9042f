"""Voices that are sung lines: one note at a time, each held until the next.

A chorale's voices are four singers. In a real four-part chorale every voice sounds at every note start
(the realism benchmark's ``notes_at_onset`` is 4.00 in 85 of 86 four-part training chorales, cut as the
bench cuts them): no voice sings two notes at once, holds one under the next, or breaks off for a beat
between two notes. REMI+ samples each note's duration on its own, so partita-small's voices did all three
(3.79-4.11 notes at each onset; a voice's note often ends an eighth before its next one begins, which reads
as staccato singing in the piano roll). :func:`sung_lines` writes such a voice the way it is sung, after
sampling: the notes, their starts and pitches stay what the model chose; only where a note ends changes (and
of two notes a voice starts together, the one nearer its line is kept).

Written here rather than with a library: neither music21's voice-leading tools nor symusic join a
track's notes into a legato line; it is three passes over a track's sorted notes.
"""

from __future__ import annotations

from itertools import groupby

from partita.score import Score

CHORD_SHARE = 0.1
"""A track with more of its note starts holding two or more notes than this is a chordal part (an organ,
a piano), not a voice, and is left as it is."""


def is_line(notes: list, chord_share: float = CHORD_SHARE) -> bool:
    """Whether a track's ``notes`` are one voice: at most ``chord_share`` of its note starts hold two or
    more notes."""
    starts = [n.time for n in notes]
    if not starts:
        return False
    chords = sum(1 for _, group in groupby(sorted(starts)) if len(list(group)) > 1)
    return chords <= chord_share * len(set(starts))


def one_per_start(notes: list) -> list:
    """One note per start: of notes that start together, the one nearest the line's previous note (at the
    first start, the highest)."""
    kept: list = []
    for _, group in groupby(sorted(notes, key=lambda n: (n.time, n.pitch)), key=lambda n: n.time):
        chord = list(group)
        prev = kept[-1].pitch if kept else None
        kept.append(chord[-1] if prev is None else min(chord, key=lambda n: (abs(n.pitch - prev), -n.pitch)))
    return kept


def sung_lines(score: Score, max_gap: int, chord_share: float = CHORD_SHARE) -> int:
    """Write each voice of ``score`` (in place) as a sung line: one note at each of its starts, each note
    ending where the voice's next begins, and a rest of at most ``max_gap`` ticks between two notes closed by
    holding the first. Tracks that are chordal (:func:`is_line`) and drums are left alone. Returns the notes
    changed (dropped, shortened or held longer)."""
    changed = 0
    for track in score.tracks:
        notes = list(track.notes)
        if track.is_drum or len(notes) < 2 or not is_line(notes, chord_share):
            continue
        line = one_per_start(notes)
        changed += len(notes) - len(line)
        for note, after in zip(line, line[1:], strict=False):
            end = note.time + note.duration
            if end > after.time or 0 < after.time - end <= max_gap:
                note.duration = after.time - note.time
                changed += 1
        if len(line) < len(notes):
            track.notes.clear()
            for note in line:
                track.notes.append(note)
    return changed


def closed_rests(score: Score, max_gap: int, top_only: bool = False) -> int:
    """Close each rest of at most ``max_gap`` ticks inside a track of ``score`` (in place): every note that
    ends that little before the track's next start is held to it; notes, starts and chords stay as they
    are (``top_only``: in the highest part by mean pitch alone). Returns the notes held longer."""
    changed = 0
    tracks = [t for t in score.tracks if not t.is_drum and len(t.notes)]
    if top_only and tracks:
        tracks = [max(tracks, key=lambda t: sum(n.pitch for n in t.notes) / len(t.notes))]
    for track in tracks:
        starts = sorted({n.time for n in track.notes})
        following = dict(zip(starts, starts[1:], strict=False))
        for note in track.notes:
            after = following.get(note.time)
            if after is not None and 0 < after - (note.time + note.duration) <= max_gap:
                note.duration = after - note.time
                changed += 1
    return changed
