"""MusPy's per-piece metrics, computed on numpy note arrays.

The definitions are MusPy's (Dong et al., ISMIR 2020, ``muspy.metrics``), which collect the metrics of
MuseGAN, C-RNN-GAN and Pypianoroll: pitch-class entropy, pitch entropy, scale consistency, groove consistency,
empty-beat rate, polyphony and polyphony rate, pitch range, and the number of pitches and pitch classes used.

Why not call muspy itself: muspy is not a dependency of partita's core (it pulls pypianoroll and miditoolkit,
and its ``from_music21`` is broken under music21 10), a symusic score would have to be copied into muspy
objects note by note, and muspy's metrics loop over notes in Python and build a tick-resolution piano roll
(tens of MB for a song at 480 ticks per quarter). The functions here agree with muspy's to 1e-9 on the cases
in ``tests/evaluation/test_muspy_metrics.py`` (which run muspy when it is installed), except where noted:

- **groove consistency** is measured on a fixed grid (``grid`` steps per quarter note, 12 by default:
  sixteenths and eighth-note triplets), not at the file's tick resolution. MusPy compares bar onset patterns
  at whatever resolution the file has, so at 480 ticks per quarter a bar has 1,920 positions and the score is
  always near 1; quantizing first makes the number comparable across files and papers. And a piece that ends
  exactly on a bar line has that many bars: muspy counts ``end // bar + 1`` bars, an extra empty one, which
  lowers the score of every piece that ends on a bar line. Otherwise, at the same grid, it equals muspy's.
- **empty-beat rate** counts a beat as sounding when a note sounds inside it: a note that ends exactly on a
  beat line does not fill the next beat (muspy's ``end // resolution`` is inclusive and does), and the piece
  has ``ceil(end / tpq)`` beats (muspy adds one beat after the end). The two agree whenever no note ends on a
  beat line.

Drum tracks are ignored except in groove consistency and empty-beat rate, as in muspy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import NoteArrays, note_arrays

MAJOR_SCALE = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=bool)
MINOR_SCALE = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=bool)
"""MusPy's scales: major and natural minor."""

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

METRIC_NAMES = (
    "pitch_class_entropy",
    "pitch_entropy",
    "scale_consistency",
    "groove_consistency",
    "empty_beat_rate",
    "polyphony",
    "polyphony_rate",
    "pitch_range",
    "n_pitches_used",
    "n_pitch_classes_used",
)


def _entropy(counts: np.ndarray) -> float:
    total = counts.sum()
    if total < 1:
        return math.nan
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


def _pitched(notes: NoteArrays) -> NoteArrays:
    return notes.select(~notes.drum)


def pitch_entropy(notes: NoteArrays) -> float:
    """Shannon entropy (bits) of the pitch histogram (one count per note); NaN without pitched notes."""
    return _entropy(np.bincount(_pitched(notes).pitch.astype(np.int64), minlength=128))


def pitch_class_entropy(notes: NoteArrays) -> float:
    """Shannon entropy (bits) of the pitch-class histogram; NaN without pitched notes."""
    return _entropy(np.bincount(_pitched(notes).pitch.astype(np.int64) % 12, minlength=12))


def scale_rates(notes: NoteArrays) -> np.ndarray:
    """The fraction of pitched notes in each scale: shape (2, 12), row 0 major, row 1 minor, column =
    tonic."""
    counts = np.bincount(_pitched(notes).pitch.astype(np.int64) % 12, minlength=12).astype(np.float64)
    total = counts.sum()
    if total < 1:
        return np.full((2, 12), np.nan)
    out = np.empty((2, 12))
    for row, scale in enumerate((MAJOR_SCALE, MINOR_SCALE)):
        for root in range(12):
            out[row, root] = counts[np.roll(scale, root)].sum() / total
    return out


def scale_consistency(notes: NoteArrays) -> float:
    """The largest fraction of notes that fall in one major or natural-minor scale (C-RNN-GAN, MusPy)."""
    rates = scale_rates(notes)
    return math.nan if np.isnan(rates).all() else float(rates.max())


def pitch_in_scale_rate(notes: NoteArrays, tonic: int, mode: str) -> float:
    """The fraction of pitched notes in the scale of ``tonic`` (0 = C) and ``mode`` ("major" or "minor")."""
    if mode not in ("major", "minor"):
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    return float(scale_rates(notes)[0 if mode == "major" else 1, tonic % 12])


def pitch_range(notes: NoteArrays) -> int:
    """Highest minus lowest pitch of the pitched notes (0 without notes, as in muspy)."""
    p = _pitched(notes).pitch
    return int(p.max() - p.min()) if p.size else 0


def n_pitches_used(notes: NoteArrays) -> int:
    """The number of distinct pitches of the pitched notes."""
    return int(np.unique(_pitched(notes).pitch).size)


def n_pitch_classes_used(notes: NoteArrays) -> int:
    """The number of distinct pitch classes of the pitched notes."""
    return int(np.unique(_pitched(notes).pitch % 12).size)


def _sounding_profile(notes: NoteArrays) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant number of distinct sounding pitches: (counts, durations in ticks) from tick 0 to the
    end.

    Overlapping notes of one pitch count once (muspy's boolean piano roll), so their intervals are merged
    first. This sweeps note boundaries instead of building muspy's tick-by-pitch piano roll.
    """
    if len(notes) == 0:
        return np.zeros(0), np.zeros(0)
    order = np.lexsort((notes.start, notes.pitch))
    pitch, start, end = notes.pitch[order], notes.start[order], notes.end[order]
    starts, ends = [], []
    for p in np.unique(pitch):
        s, e = start[pitch == p], end[pitch == p]
        run_end = np.maximum.accumulate(e)
        new = np.r_[True, s[1:] > run_end[:-1]]  # an interval starts where it does not touch the previous run
        idx = np.flatnonzero(new)
        starts.append(s[idx])
        ends.append(run_end[np.r_[idx[1:] - 1, len(s) - 1]])
    starts, ends = np.concatenate(starts), np.concatenate(ends)
    times = np.concatenate([starts, ends, [0]])
    deltas = np.concatenate([np.ones_like(starts), -np.ones_like(ends), [0]])
    order = np.lexsort((deltas, times))
    times, deltas = times[order], deltas[order]
    level = np.cumsum(deltas)
    durations = np.diff(times)
    return level[:-1].astype(np.float64), durations.astype(np.float64)


def polyphony(notes: NoteArrays) -> float:
    """Mean number of distinct pitches sounding over the time where at least one sounds; NaN without notes."""
    level, dur = _sounding_profile(_pitched(notes))
    on = dur[level > 0].sum()
    return math.nan if on <= 0 else float((level * dur).sum() / on)


def polyphony_rate(notes: NoteArrays, threshold: int = 2) -> float:
    """The fraction of time (tick 0 to the last note-off) with more than ``threshold`` distinct pitches
    sounding.

    MusPy's default threshold 2 (MuseGAN's "polyphonicity") counts time with three or more pitches.
    """
    if len(notes) == 0:
        return math.nan
    level, dur = _sounding_profile(_pitched(notes))
    total = float(
        notes.end.max()
    )  # muspy's piano roll runs to the last note-off of any track, drums included
    return math.nan if total <= 0 else float(dur[level > threshold].sum() / total)


def empty_beat_rate(notes: NoteArrays, tpq: int) -> float:
    """The fraction of quarter-note beats (tick 0 to the last note-off) in which no note sounds (drums
    count)."""
    if len(notes) == 0:
        return math.nan
    n_beats = int(math.ceil(int(notes.end.max()) / tpq))
    if n_beats < 1:
        return math.nan
    first = notes.start // tpq
    last = (notes.end - 1) // tpq  # the beat of the note's last sounding tick
    cover = np.zeros(n_beats + 1, dtype=np.int64)
    np.add.at(cover, first, 1)
    np.add.at(cover, last + 1, -1)
    sounding = np.cumsum(cover)[:n_beats] > 0
    return float(1.0 - sounding.sum() / n_beats)


def bar_ticks(score, tpq: int) -> int:
    """The bar length in ticks of the score's first time signature (4/4 when it has none)."""
    if len(score.time_signatures):
        ts = score.time_signatures[0]
        num, den = int(ts.numerator), int(ts.denominator)
        if num > 0 and den > 0:
            return max(1, round(tpq * 4 * num / den))
    return 4 * tpq


def groove_consistency(notes: NoteArrays, tpq: int, bar: int, grid: int = 12) -> float:
    """1 minus the mean Hamming distance between the onset patterns of consecutive bars (all tracks).

    Onsets are first quantized to ``grid`` steps per quarter note (see the module docstring); ``bar`` is the
    bar length in ticks. NaN for pieces shorter than two bars.
    """
    if len(notes) == 0:
        return math.nan
    steps_per_bar = max(1, round(bar * grid / tpq))
    onset = np.rint(notes.start * grid / tpq).astype(np.int64)
    length = int(np.rint(notes.end.max() * grid / tpq))
    n_bars = -(-length // steps_per_bar)  # bars up to the last note-off (muspy adds one more; see above)
    if n_bars < 2:
        return math.nan
    patterns = np.zeros((n_bars, steps_per_bar), dtype=bool)
    measure, position = np.divmod(onset, steps_per_bar)
    keep = measure < n_bars
    patterns[measure[keep], position[keep]] = True
    hamming = np.count_nonzero(patterns[:-1] != patterns[1:])
    return float(1.0 - hamming / (steps_per_bar * (n_bars - 1)))


@dataclass
class PieceMetrics:
    """MusPy's metrics of one piece (NaN where undefined: no notes, or shorter than two bars)."""

    pitch_class_entropy: float
    pitch_entropy: float
    scale_consistency: float
    groove_consistency: float
    empty_beat_rate: float
    polyphony: float
    polyphony_rate: float
    pitch_range: float
    n_pitches_used: float
    n_pitch_classes_used: float

    def to_dict(self) -> dict[str, float]:
        """The metrics as a plain dict (metric name -> value)."""
        return {name: float(getattr(self, name)) for name in METRIC_NAMES}


def piece_metrics(score, grid: int = 12) -> PieceMetrics:
    """MusPy's metrics of one :class:`symusic.Score` (tick time)."""
    notes = note_arrays(score)
    tpq = max(int(score.ticks_per_quarter), 1)
    return PieceMetrics(
        pitch_class_entropy=pitch_class_entropy(notes),
        pitch_entropy=pitch_entropy(notes),
        scale_consistency=scale_consistency(notes),
        groove_consistency=groove_consistency(notes, tpq, bar_ticks(score, tpq), grid=grid),
        empty_beat_rate=empty_beat_rate(notes, tpq),
        polyphony=polyphony(notes),
        polyphony_rate=polyphony_rate(notes),
        pitch_range=float(pitch_range(notes)),
        n_pitches_used=float(n_pitches_used(notes)),
        n_pitch_classes_used=float(n_pitch_classes_used(notes)),
    )


def summarize(values: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation and count (of defined values) per metric over a set of pieces."""
    out: dict[str, dict[str, float]] = {}
    keys = list(values[0]) if values else []
    for key in keys:
        v = np.array([d.get(key, math.nan) for d in values], dtype=np.float64)
        v = v[np.isfinite(v)]
        out[key] = {
            "mean": float(v.mean()) if v.size else math.nan,
            "std": float(v.std()) if v.size else math.nan,
            "n": int(v.size),
        }
    return out
