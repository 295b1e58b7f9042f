"""Stray parts: an instrument the model brought in for a note or two and never again.

Where a request names no instrument and no number of voices, the model chooses the parts, and now and then it
opens a part, plays a few notes on it and leaves it (German folk songs, development prompts: 2 of 16
selected pieces had 2 and 6 such parts of 1-9 notes in 8-16 bars beside the tune, while every real tune of
the style is one line). A musician deletes such a part; :func:`drop_stray_tracks` does, after sampling.
"""

from __future__ import annotations

from partita.score import Score


def drop_stray_tracks(score: Score, least: int, share: float = 0.1) -> int:
    """Remove (in place) the tracks of ``score`` with fewer than ``least`` notes (a new piece: one a bar)
    that are also under ``share`` of the piece's notes; never every track with notes. Returns the tracks
    removed."""
    total = sum(len(t.notes) for t in score.tracks)
    stray = [i for i, t in enumerate(score.tracks) if len(t.notes) < least and len(t.notes) < share * total]
    if not stray or len(stray) == sum(1 for t in score.tracks if len(t.notes)):
        return 0
    kept = [t for i, t in enumerate(score.tracks) if i not in set(stray)]
    score.tracks.clear()
    for track in kept:
        score.tracks.append(track)
    return len(stray)
