"""The score as numpy arrays: notes of all tracks, the tempo map, and the beat and bar grid.

Every analysis works on these arrays rather than on symusic objects note by note, so that describing a piece
costs milliseconds. symusic gives each track's notes as arrays (``track.notes.numpy()``); this module joins
them, converts ticks to seconds through the tempo map, and lays the beat grid out of the time signatures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_QPM = 120.0
"""The MIDI default tempo, used when a score has no tempo event."""

MAX_BEATS = 200_000
"""Beat grids longer than this are not laid out (a 10,000-bar 4/4 score has 40,000 beats)."""


@dataclass
class NoteArrays:
    """All notes of a score, sorted by onset: ``start``/``end`` in ticks, ``pitch``, ``velocity``,
    ``track``."""

    start: np.ndarray
    end: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    track: np.ndarray
    drum: np.ndarray

    def __len__(self) -> int:
        return int(self.start.shape[0])

    def select(self, mask: np.ndarray) -> NoteArrays:
        """The notes where ``mask`` is true."""
        return NoteArrays(
            self.start[mask],
            self.end[mask],
            self.pitch[mask],
            self.velocity[mask],
            self.track[mask],
            self.drum[mask],
        )


def note_arrays(score) -> NoteArrays:
    """Join the notes of every track of ``score`` into one :class:`NoteArrays` (zero-length notes get one
    tick)."""
    parts = []
    for i, track in enumerate(score.tracks):
        if track.note_num() == 0:
            continue
        a = track.notes.numpy()
        n = a["time"].shape[0]
        parts.append(
            (
                a["time"].astype(np.int64),
                a["duration"].astype(np.int64),
                a["pitch"].astype(np.int16),
                a["velocity"].astype(np.int16),
                np.full(n, i, dtype=np.int32),
                np.full(n, bool(track.is_drum)),
            )
        )
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return NoteArrays(
            z, z.copy(), z.astype(np.int16), z.astype(np.int16), z.astype(np.int32), z.astype(bool)
        )
    start, dur, pitch, vel, track, drum = (np.concatenate(x) for x in zip(*parts, strict=True))
    dur = np.maximum(dur, 1)
    order = np.argsort(start, kind="stable")
    return NoteArrays(start[order], (start + dur)[order], pitch[order], vel[order], track[order], drum[order])


class TempoMap:
    """Ticks to seconds and back through a score's tempo changes (piecewise constant quarter-note tempo)."""

    def __init__(self, score) -> None:
        self.tpq = max(int(score.ticks_per_quarter), 1)
        tempos = score.tempos.numpy() if len(score.tempos) else {"time": np.zeros(0), "mspq": np.zeros(0)}
        ticks = np.asarray(tempos["time"], dtype=np.float64)
        mspq = np.asarray(tempos["mspq"], dtype=np.float64)
        keep = mspq > 0
        ticks, mspq = ticks[keep], mspq[keep]
        if ticks.size == 0 or ticks[0] > 0:
            ticks = np.concatenate([[0.0], ticks])
            mspq = np.concatenate([[mspq[0] if mspq.size else 60e6 / DEFAULT_QPM], mspq])
        # the last tempo event at a given tick wins, as in a MIDI player
        last = np.r_[ticks[1:] != ticks[:-1], True]
        self.ticks, self.sec_per_tick = ticks[last], mspq[last] / 1e6 / self.tpq
        self.seconds_at = np.concatenate([[0.0], np.cumsum(np.diff(self.ticks) * self.sec_per_tick[:-1])])

    def seconds(self, ticks) -> np.ndarray:
        """Seconds at ``ticks`` (array or scalar)."""
        t = np.asarray(ticks, dtype=np.float64)
        i = np.clip(np.searchsorted(self.ticks, t, side="right") - 1, 0, None)
        return self.seconds_at[i] + (t - self.ticks[i]) * self.sec_per_tick[i]

    def ticks_at(self, seconds) -> np.ndarray:
        """Ticks at ``seconds`` (array or scalar), the inverse of :meth:`seconds`."""
        s = np.asarray(seconds, dtype=np.float64)
        i = np.clip(np.searchsorted(self.seconds_at, s, side="right") - 1, 0, None)
        return self.ticks[i] + (s - self.seconds_at[i]) / self.sec_per_tick[i]

    def qpm_profile(self, end_tick: float) -> tuple[np.ndarray, np.ndarray]:
        """Each tempo's quarter notes per minute and the seconds it lasts up to ``end_tick``."""
        qpm = 60.0 / (self.sec_per_tick * self.tpq)
        bounds = np.clip(np.r_[self.ticks, max(end_tick, self.ticks[-1])], 0, max(end_tick, 0))
        spans = np.diff(bounds) * self.sec_per_tick
        return qpm, np.maximum(spans, 0.0)


@dataclass
class Grid:
    """Beat and bar starts in ticks (each array ends with the end of the last beat/bar) and the meters
    used."""

    beats: np.ndarray
    bars: np.ndarray
    meters: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    phase: int


def beat_ticks(numerator: int, denominator: int, tpq: int) -> int:
    """Ticks per beat: the denominator's note, or a dotted one in compound meters (6/8, 9/8, 12/8, ...)."""
    unit = tpq * 4 / max(denominator, 1)
    if denominator >= 8 and numerator % 3 == 0 and numerator > 3:
        unit *= 3
    return max(int(round(unit)), 1)


def estimate_phase(onsets: np.ndarray, beat: int, weights: np.ndarray | None = None) -> int:
    """The offset of the beat grid from tick 0 that the onsets fall on.

    Performed MIDI (such as POP909's) is often aligned to a click that does not start at tick 0; quantised
    scores have their onsets on the grid already and keep offset 0. Onsets are weighted (by note length in
    practice: long notes start on beats more often than short ones), and the offset moves only when another
    phase clearly wins (over 1.25 times the weight within a 1/24 beat of it than of phase 0).
    """
    if onsets.size < 16 or beat < 24:
        return 0
    bins = 48
    hist = np.bincount(((onsets % beat) * bins // beat).astype(np.int64), weights=weights, minlength=bins)[
        :bins
    ]
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
    best = int(smooth.argmax())
    if best == 0 or smooth[best] <= 1.25 * smooth[0]:
        return 0
    # refine inside the winning bin with the median of the onsets there
    lo = best * beat / bins
    sel = onsets % beat
    sel = sel[(sel >= lo - beat / bins) & (sel < lo + 2 * beat / bins)]
    return int(np.median(sel)) if sel.size else int(lo)


def meters_of(score) -> list[tuple[int, int, int]]:
    """The time signatures as ``(tick, numerator, denominator)``; empty when the score has none."""
    out: list[tuple[int, int, int]] = []
    for ts in score.time_signatures:
        num, den = int(ts.numerator), int(ts.denominator)
        if num <= 0 or den <= 0:
            continue
        if out and out[-1][0] == int(ts.time):
            out[-1] = (int(ts.time), num, den)
        elif not out or (out[-1][1], out[-1][2]) != (num, den):
            out.append((int(ts.time), num, den))
    return out


def beat_grid(score, notes: NoteArrays, end_tick: int, align: bool = True) -> Grid:
    """The beats and bars of ``score`` up to ``end_tick``, in 4/4 when it has no time signature."""
    tpq = max(int(score.ticks_per_quarter), 1)
    meters = meters_of(score)
    declared = list(meters)
    if not meters or meters[0][0] > 0:
        meters.insert(0, (0, *(meters[0][1:] if meters else (4, 4))))
    pitched = ~notes.drum
    beat = beat_ticks(meters[0][1], meters[0][2], tpq)
    length = np.minimum(notes.end - notes.start, 4 * beat)[pitched].astype(float)
    phase = estimate_phase(notes.start[pitched], beat, length) if align else 0
    beats: list[np.ndarray] = []
    bars: list[np.ndarray] = []
    end = max(int(end_tick), 1)
    total = 0
    for i, (tick, num, den) in enumerate(meters):
        seg_start = tick + (phase if i == 0 else 0)
        seg_end = meters[i + 1][0] if i + 1 < len(meters) else end
        if seg_end <= seg_start and i + 1 < len(meters):
            continue
        b = beat_ticks(num, den, tpq)
        bar = max(int(round(num * tpq * 4 / den)), 1)
        stop = max(seg_end, seg_start + 1)
        n_beats = int(np.ceil((stop - seg_start) / b))
        if total + n_beats > MAX_BEATS:
            n_beats = max(MAX_BEATS - total, 0)
            log.info("beat grid cut at %d beats", MAX_BEATS)
        beats.append(seg_start + b * np.arange(n_beats, dtype=np.int64))
        bars.append(seg_start + bar * np.arange(int(np.ceil((stop - seg_start) / bar)), dtype=np.int64))
        total += n_beats
        if total >= MAX_BEATS:
            break
    beat_arr = np.concatenate(beats) if beats else np.zeros(0, dtype=np.int64)
    bar_arr = np.concatenate(bars) if bars else np.zeros(0, dtype=np.int64)
    if phase:
        # the notes before the shifted first beat belong to a pickup beat/bar
        beat_arr = np.r_[0, beat_arr] if beat_arr.size and beat_arr[0] > 0 else beat_arr
        bar_arr = np.r_[0, bar_arr] if bar_arr.size and bar_arr[0] > 0 else bar_arr
    beat_arr = np.r_[beat_arr, max(end, int(beat_arr[-1]) + 1 if beat_arr.size else end)]
    bar_arr = np.r_[bar_arr, max(end, int(bar_arr[-1]) + 1 if bar_arr.size else end)]
    return Grid(beats=beat_arr, bars=bar_arr, meters=declared, phase=phase)


def segment_chroma(notes: NoteArrays, bounds: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """A (segments x 12) pitch-class profile: each note's overlap (ticks) with each segment, times
    ``weights``.

    ``bounds`` are the segment starts followed by the last end.
    """
    n_seg = max(len(bounds) - 1, 0)
    out = np.zeros((n_seg, 12))
    if n_seg == 0 or len(notes) == 0:
        return out
    w = np.ones(len(notes)) if weights is None else np.asarray(weights, dtype=float)
    first = np.clip(np.searchsorted(bounds, notes.start, side="right") - 1, 0, n_seg - 1)
    last = np.clip(np.searchsorted(bounds, notes.end - 1, side="right") - 1, 0, n_seg - 1)
    pcs = notes.pitch.astype(np.int64) % 12
    # expand each note into one entry per segment it touches (vectorised; most notes touch one or two)
    counts = (last - first + 1).clip(1)
    idx = np.repeat(np.arange(len(notes)), counts)
    offsets = np.cumsum(counts) - counts
    seg = first[idx] + (np.arange(idx.size) - offsets[idx])
    ov = np.minimum(notes.end[idx], bounds[seg + 1]) - np.maximum(notes.start[idx], bounds[seg])
    np.add.at(out, (seg, pcs[idx]), np.clip(ov, 0, None) * w[idx])
    return out
