"""Limits for scores: what one input may cost, and what a corpus accepts and a generator may emit.

A file can parse and still be something partita must not work on. A 37-byte MIDI file can hold one note 78
hours long (its WAV would be tens of gigabytes, its MusicXML a hundred thousand bars); a header can say zero
ticks per quarter note (every tick conversion divides by it); a file can hold 2,000 tracks. The one place
that states these bounds is :class:`ScoreLimits`:

- :func:`check_limits` bounds the *cost* of one input: resolution, tracks, notes, notated length and duration.
  The CLI calls it on every file it reads; the writers (MusicXML, piano roll, WAV) call it before any work, so
  they are safe from Python too, and bound their output (bars x staves, WAV bytes) as well.
- :func:`check_score` adds what makes a score *usable music*: some notes, tempos a person could play. It is
  the one such check: the web upload uses :data:`DEFAULT_LIMITS`, the corpus builder its own wider
  :data:`partita.corpus.pieces.CORPUS_LIMITS` (a corpus keeps long and slow pieces that an upload may not
  be).

Both raise :class:`~partita.score.errors.ScoreError` with a machine-readable reason, so the corpus builder
records them in its rejects table and the CLI prints them in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from partita.score.errors import ScoreError
from partita.score.formats import Score


@dataclass(frozen=True)
class ScoreLimits:
    """Bounds one score stays within; each is refused with a message and the ``reason`` code its note names.

    The defaults are far beyond real music (an opera, a symphony of 40 staves, a dense piano-roll MIDI) and
    far below what would fill a disk or take hours; pass a changed copy (``dataclasses.replace``) to move
    them.
    """

    min_qpm: float = 10.0
    """Slowest tempo of usable music (``absurd-tempo``, :func:`check_score` only)."""
    max_qpm: float = 1000.0
    """Fastest tempo of usable music (``absurd-tempo``, :func:`check_score` only)."""
    max_notes: int = 500_000
    """Notes in one score (``too-many-notes``)."""
    max_seconds: float = 2 * 3600.0
    """Duration, to the last event of any kind (``too-long``)."""
    max_tracks: int = 256
    """Tracks (``too-many-tracks``): 16 MIDI channels on 16 ports; a real file has a few dozen at most."""
    max_quarters: float = 100_000.0
    """Notated length in quarter notes (``too-long``): bounds the bars whatever the tempo (2 hours at 833
    bpm)."""
    max_ticks_per_quarter: int = 32767
    """The resolution of a Standard MIDI File header (15 bits); 0 is refused as ``zero-resolution``."""
    max_measures: int = 100_000
    """Bars x staves written as MusicXML or engraved, bars of a piano roll (``too-large``): ~70 MB of
    MusicXML."""
    max_wav_bytes: int = 2**30
    """Size of one WAV file (``too-large``): 1 GiB is 1 h 41 min of 44.1 kHz 16-bit stereo."""


DEFAULT_LIMITS = ScoreLimits()


def _name(path: str | os.PathLike | None) -> str | None:
    return None if path is None else str(path)


def check_resolution(
    score: Score, path: str | os.PathLike | None = None, limits: ScoreLimits | None = None
) -> int:
    """The score's ticks per quarter note; :class:`ScoreError` (``zero-resolution``) when no tick time can be
    computed from it (0, negative, or beyond a MIDI header's 15 bits)."""
    lim = limits or DEFAULT_LIMITS
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise ScoreError(
            f"the MIDI header gives {tpq} ticks per quarter note: no note has a length",
            "zero-resolution",
            _name(path),
        )
    if tpq > lim.max_ticks_per_quarter:
        raise ScoreError(
            f"{tpq} ticks per quarter note, over the limit of {lim.max_ticks_per_quarter}",
            "zero-resolution",
            _name(path),
        )
    return tpq


def _duration(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 1:
        return f"{hours:.1f} hours"
    return f"{hours * 60:.0f} minutes"


def check_limits(
    score: Score, path: str | os.PathLike | None = None, limits: ScoreLimits | None = None
) -> None:
    """Raise :class:`ScoreError` if reading, converting or rendering ``score`` would cost more than
    ``limits``.

    Checked in order of cost, so a hostile file is refused in milliseconds: resolution (``zero-resolution``),
    tracks (``too-many-tracks``), notes (``too-many-notes``), duration and notated length (``too-long``).
    ``path`` names the file in the message. A score with no notes passes (the caller decides what that means).
    """
    lim = limits or DEFAULT_LIMITS
    name = _name(path)
    tpq = check_resolution(score, path, lim)
    if len(score.tracks) > lim.max_tracks:
        raise ScoreError(
            f"{len(score.tracks)} tracks, over the limit of {lim.max_tracks}", "too-many-tracks", name
        )
    n_notes = score.note_num()
    if n_notes > lim.max_notes:
        raise ScoreError(f"{n_notes} notes, over the limit of {lim.max_notes}", "too-many-notes", name)
    seconds = float(score.to("second").end())
    if not seconds <= lim.max_seconds:  # also refuses NaN
        raise ScoreError(
            f"{_duration(seconds / 3600)} long, over the limit of {_duration(lim.max_seconds / 3600)}",
            "too-long",
            name,
        )
    quarters = int(score.end()) / tpq
    if quarters > lim.max_quarters:
        raise ScoreError(
            f"{quarters:.0f} quarter notes long (about {quarters / 4:.0f} bars of 4/4), over the limit of "
            f"{lim.max_quarters:.0f}",
            "too-long",
            name,
        )


def check_score(score: Score, limits: ScoreLimits | None = None, name: str | None = None) -> None:
    """Raise :class:`ScoreError` (with a reason code) if ``score`` breaks a limit; return None if it is
    usable.

    The limits of :func:`check_limits`, and usable music: some notes (``no-notes``), every tempo within
    ``min_qpm``..``max_qpm`` (``absurd-tempo``; a NaN or infinite tempo too). Checked in this order:
    resolution, notes, tempos, then the cost limits. ``name`` (a file name) goes into the error.
    """
    lim = limits or DEFAULT_LIMITS
    check_resolution(score, name, lim)
    if len(score.tracks) == 0 or score.note_num() == 0:
        raise ScoreError("the score has no notes", "no-notes", name)
    for t in score.tempos:
        if not (lim.min_qpm <= t.qpm <= lim.max_qpm):
            raise ScoreError(
                f"absurd tempo {t.qpm:.3g} bpm at tick {t.time} (allowed {lim.min_qpm:g}-{lim.max_qpm:g})",
                "absurd-tempo",
                name,
            )
    check_limits(score, name, lim)
