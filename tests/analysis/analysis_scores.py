"""Scores built in code for the analysis tests: chord progressions with a melody, bass and drums."""

from __future__ import annotations

import symusic

# triads as pitch lists in a middle register, by chord symbol
TRIADS = {
    "C": (60, 64, 67),
    "Am": (57, 60, 64),
    "F": (53, 57, 60),
    "G": (55, 59, 62),
    "Dm": (50, 53, 57),
    "Em": (52, 55, 59),
    "E": (52, 56, 59),
    "Cm": (60, 63, 67),
    "Fm": (53, 56, 60),
    "Ab": (56, 60, 63),
    "Bb": (58, 62, 65),
    "D": (50, 54, 57),
    "Eb": (51, 55, 58),
}


def progression_score(
    chords: list[str],
    beats_per_chord: int = 4,
    tpq: int = 480,
    qpm: float = 100.0,
    time_signature: tuple[int, int] | None = (4, 4),
    transpose: int = 0,
    melody: bool = True,
    drums: bool = False,
) -> symusic.Score:
    """Block chords (one per ``beats_per_chord`` beats), a root bass and a chord-tone melody line."""
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    if time_signature:
        s.time_signatures.append(symusic.TimeSignature(0, *time_signature))
    mel = symusic.Track("Melody", 73, False)
    acc = symusic.Track("Piano", 0, False)
    bass = symusic.Track("Bass", 33, False)
    drum = symusic.Track("Drums", 0, True)
    span = beats_per_chord * tpq
    for i, name in enumerate(chords):
        t0 = i * span
        triad = TRIADS[name]
        for p in triad:
            acc.notes.append(symusic.Note(t0, span, p + transpose, 70))
        bass.notes.append(symusic.Note(t0, span, triad[0] - 12 + transpose, 80))
        for b in range(beats_per_chord):
            mel.notes.append(symusic.Note(t0 + b * tpq, tpq, triad[b % 3] + 12 + transpose, 90))
            drum.notes.append(symusic.Note(t0 + b * tpq, tpq // 4, 36 if b % 2 == 0 else 38, 100))
    if melody:
        s.tracks.append(mel)
    s.tracks.append(acc)
    s.tracks.append(bass)
    if drums:
        s.tracks.append(drum)
    return s
