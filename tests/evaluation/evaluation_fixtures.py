"""Scores built in code for the evaluation tests (no binary fixtures needed)."""

from __future__ import annotations

import numpy as np
import symusic


def make_score(
    notes,
    tpq: int = 480,
    time_signature: tuple[int, int] | None = (4, 4),
    qpm: float = 120.0,
    program: int = 0,
    extra_tracks=(),
):
    """A score with one track of ``notes`` = [(start_tick, duration_ticks, pitch), ...] (velocity 80).

    ``extra_tracks`` = [(program, is_drum, notes), ...] adds tracks.
    """
    score = symusic.Score(tpq)
    for prog, drum, ns in [(program, False, notes), *extra_tracks]:
        track = symusic.Track(f"p{prog}", int(prog), bool(drum))
        for start, dur, pitch in ns:
            track.notes.append(symusic.Note(int(start), int(dur), int(pitch), 80))
        score.tracks.append(track)
    if time_signature:
        score.time_signatures.append(symusic.TimeSignature(0, *time_signature))
    score.tempos.append(symusic.Tempo(0, qpm))
    return score


def random_notes(rng: np.random.Generator, n: int, tpq: int = 480, grid: int = 4, span_beats: int = 32):
    """``n`` random notes on a 1/grid-beat grid, random lengths, pitches 48-84."""
    starts = rng.integers(0, span_beats * grid, n) * (tpq // grid)
    durs = rng.integers(1, 2 * grid, n) * (tpq // grid) - rng.integers(0, 2, n) * 7  # some end off the grid
    pitches = rng.integers(48, 85, n)
    return [(int(s), int(d), int(p)) for s, d, p in zip(starts, durs, pitches, strict=True)]


C_MAJOR_SCALE = [(i * 480, 480, p) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72])]
