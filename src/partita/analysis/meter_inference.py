"""Meter inferred from the notes, for files whose declared meter says nothing (issue 20).

POP909's MIDI files declare 1/4 in 584 of 800 songs, which makes every beat a bar line. Where the declared
meter is implausible (none, or a numerator of 1: :func:`implausible`), :func:`infer_meter` chooses the beats
per bar and the beat the first bar starts on from the notes, laid on the beat grid (whose beats and phase
:func:`partita.analysis.timeline.beat_grid` already finds, beat F-measure 0.990 on POP909). Per beat it
measures three accents, each normalised over the piece:

- onset weight: the note-length-weighted onsets within an eighth of a beat of the beat;
- bass onset: the same for the notes in the lowest octave played (bass notes start on strong beats);
- harmonic change: how far the beat's pitch-class profile is from the previous beat's (chords change on
  downbeats).

Two or three beats per bar are chosen by how much more the accents fall on their bar lines than on the other
beats (four never: POP909's annotation, the reference, puts a downbeat every 2 beats in 774 of 800 songs and
every 3 in 26); then the bar lines are tracked through the piece (:func:`track_downbeats`), so that an
inserted beat or a pickup moves them instead of leaving every later bar off. The settings were chosen on the
even-numbered POP909 songs and are reported on the odd-numbered ones (``python bench/bench_meter.py``;
docs/ANALYSIS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import NoteArrays, segment_chroma

WEIGHTS = (1.0, 1.0, 1.0)
"""Onset weight, bass onset, harmonic change: their weights in a beat's accent (each alone chose the same
bar phase as all three on 277 of the 289 development songs declaring 1/4: they mostly agree)."""
THREE_MARGIN = 0.4
"""Three beats per bar are chosen over two only when their bar lines' accent is this much higher (in
standard deviations; development songs: 0.2 to 0.6 gave the same choices)."""
SWITCH_COST = 8.0
"""What a bar of another length (an odd beat inserted, a pickup) costs the bar-line tracking, against the
accents it gains (development songs, downbeat F: cost 1, 2, 4, 8, 12, 16, no other bar length 0.831, 0.865,
0.871, 0.874, 0.874, 0.872, 0.863)."""


@dataclass(frozen=True)
class MeterGuess:
    """Beats per bar and the bar lines (indices into the beat grid), inferred from the notes."""

    beats_per_bar: int
    downbeats: np.ndarray
    """The beats (indices into the beat grid) bars start on; mostly every ``beats_per_bar``, but a bar may
    be longer or shorter where the accents move (an inserted beat)."""
    score: float
    """How much more the accents fall on the chosen bar lines than on other beats (standard deviations),
    with bars of one length from the best first beat."""


def implausible(meters: list[tuple[int, int, int]]) -> bool:
    """A declared meter that says nothing about bars: none at all, or a numerator of 1 (1/4, 1/8)."""
    return not meters or all(num == 1 for _, num, _ in meters)


def beat_accents(notes: NoteArrays, beats: np.ndarray) -> np.ndarray:
    """A (beats x 3) array: onset weight, bass onset and harmonic change per beat, each z-normalised.

    ``beats`` are the beat starts in ticks followed by the end (as :func:`beat_grid` gives them).
    """
    starts = np.asarray(beats[:-1], dtype=np.int64)
    n = len(starts)
    out = np.zeros((n, 3))
    pitched = notes.select(~notes.drum)
    if n < 4 or len(pitched) == 0:
        return out
    span = np.diff(np.asarray(beats, dtype=float))
    width = np.median(span) / 8
    idx = np.searchsorted(starts, pitched.start + width, side="right") - 1
    near = (idx >= 0) & (np.abs(pitched.start - starts[np.clip(idx, 0, n - 1)]) <= width)
    length = np.minimum(pitched.end - pitched.start, 4 * np.median(span)).astype(float)
    out[:, 0] = np.bincount(idx[near], weights=length[near], minlength=n)[:n]
    low = pitched.pitch <= np.percentile(pitched.pitch, 15) + 6
    sel = near & low
    out[:, 1] = np.bincount(idx[sel], weights=length[sel], minlength=n)[:n]
    chroma = segment_chroma(pitched, np.asarray(beats))
    norm = np.linalg.norm(chroma, axis=1, keepdims=True)
    unit = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
    sounding = norm[:, 0] > 0
    both = sounding[1:] & sounding[:-1]  # a change only between two beats that sound
    out[1:, 2] = np.where(both, 1.0 - (unit[1:] * unit[:-1]).sum(axis=1), 0.0)
    sd = out.std(axis=0)
    return np.divide(out - out.mean(axis=0), sd, out=np.zeros_like(out), where=sd > 0)


def score_meters(accents: np.ndarray, candidates=(2, 3), weights=WEIGHTS) -> dict[tuple[int, int], float]:
    """The score of every (beats per bar, first downbeat): the weighted accents' mean on its bar lines."""
    combined = accents @ np.asarray(weights, dtype=float)
    out = {}
    for m in candidates:
        for p in range(m):
            on = combined[p::m]
            out[(m, p)] = float(on.mean()) if on.size else float("-inf")
    return out


def track_downbeats(accent: np.ndarray, beats_per_bar: int, switch_cost: float = SWITCH_COST) -> np.ndarray:
    """The beats bars start on (indices) that gather the most ``accent``, a bar of another length costing
    ``switch_cost`` (Viterbi over the position of each beat in its bar)."""
    m, n = int(beats_per_bar), len(accent)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    gain = np.zeros((n, m))
    gain[:, 0] = accent
    score = gain[0].copy()
    back = np.zeros((n, m), dtype=np.int64)
    steps = (np.arange(m) - 1) % m  # the position before each one in a bar of the usual length
    for t in range(1, n):
        new = np.empty(m)
        for j in range(m):
            cand = score - switch_cost
            cand[steps[j]] = score[steps[j]]
            back[t, j] = int(cand.argmax())
            new[j] = cand[back[t, j]]
        score = new + gain[t]
    j = int(score.argmax())
    path = np.empty(n, dtype=np.int64)
    for t in range(n - 1, -1, -1):
        path[t] = j
        j = back[t, j]
    return np.flatnonzero(path == 0)


def infer_meter(
    notes: NoteArrays,
    beats: np.ndarray,
    *,
    weights=WEIGHTS,
    three_margin: float = THREE_MARGIN,
    switch_cost: float = SWITCH_COST,
) -> MeterGuess | None:
    """Two or three beats per bar and the bar lines the notes imply; None when there is too little to tell
    (fewer than 8 beats or no pitched note)."""
    if len(beats) < 9 or len(notes) == 0 or not (~notes.drum).any():
        return None
    accents = beat_accents(notes, beats)
    scores = score_meters(accents, candidates=(2, 3), weights=weights)
    best = {m: max(v for (k, _), v in scores.items() if k == m) for m in (2, 3)}
    m = 3 if best[3] - best[2] > three_margin else 2
    accent = accents @ np.asarray(weights, dtype=float)
    downbeats = track_downbeats(accent, m, switch_cost)
    return MeterGuess(beats_per_bar=m, downbeats=downbeats, score=best[m])


def bar_starts(beats: np.ndarray, guess: MeterGuess) -> np.ndarray:
    """The bar lines (ticks) of ``guess`` on the beat grid ``beats`` (starts followed by the end), with a
    pickup bar from the first beat when the first downbeat is not the first beat; the end last."""
    starts = np.asarray(beats[:-1], dtype=np.int64)
    bars = starts[guess.downbeats]
    if starts.size and (not bars.size or bars[0] != starts[0]):
        bars = np.r_[starts[0], bars]
    return np.r_[bars, int(beats[-1])]
