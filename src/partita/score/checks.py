"""Sanity limits for scores: what a corpus accepts and a generator may emit.

A file can parse and still not be music partita should learn from: no notes, a tempo of 2 bpm that stretches
four bars over an hour, a million notes. :func:`check_score` names such problems with the same reason codes as
:class:`~partita.score.errors.ScoreError`, so the corpus builder records them in its rejects table.
"""

from __future__ import annotations

from dataclasses import dataclass

from partita.score.errors import ScoreError
from partita.score.formats import Score


@dataclass(frozen=True)
class ScoreLimits:
    """Bounds a usable score stays within."""

    min_qpm: float = 10.0
    max_qpm: float = 1000.0
    max_notes: int = 500_000
    max_seconds: float = 3 * 3600.0
    max_tracks: int = 64


def check_score(score: Score, limits: ScoreLimits | None = None, name: str | None = None) -> None:
    """Raise :class:`ScoreError` (with a reason code) if ``score`` breaks a limit; return None if it is usable."""
    lim = limits or ScoreLimits()
    n_notes = score.note_num()
    if len(score.tracks) == 0 or n_notes == 0:
        raise ScoreError("the score has no notes", "no-notes", name)
    if len(score.tracks) > lim.max_tracks:
        raise ScoreError(f"{len(score.tracks)} tracks, over the limit of {lim.max_tracks}", "too-large", name)
    if n_notes > lim.max_notes:
        raise ScoreError(f"{n_notes} notes, over the limit of {lim.max_notes}", "too-large", name)
    for t in score.tempos:
        if not (lim.min_qpm <= t.qpm <= lim.max_qpm):
            raise ScoreError(
                f"absurd tempo {t.qpm:.3g} bpm at tick {t.time} (allowed {lim.min_qpm:g}-{lim.max_qpm:g})",
                "absurd-tempo",
                name,
            )
    seconds = score.to("second").end()
    if seconds > lim.max_seconds:
        raise ScoreError(f"{seconds / 3600:.1f} hours long, over the limit", "too-large", name)
