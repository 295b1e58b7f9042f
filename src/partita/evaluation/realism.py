"""How easily are generated pieces told from real ones? A classifier two-sample test and a Fréchet distance.

Each piece is reduced to a vector of :func:`realism_features`, computed here from the notes alone by code of
its own (not :mod:`partita.analysis.features` nor :func:`partita.tokens.dataset.score_statistics`, which the
generator is conditioned on, so that the judge does not measure only what the model was told to match):
density, texture, pitch, melody (the skyline), rhythm, durations and repetition.

- :func:`two_sample_test`: a classifier two-sample test (Lopez-Paz & Oquab, 2017). Pieces of the two sets are
  labelled 0 and 1 and two judges, logistic regression and gradient boosting on standardized features, are
  scored by stratified cross-validation with balanced accuracy. 0.5 means the sets cannot be told apart, 1.0
  that every piece is recognized; ``accuracy`` is that of the stronger judge.
- :func:`frechet_distance`: a Fréchet distance between Gaussians fitted to the two sets' standardized feature
  vectors, in the manner of FID / FMD (Fréchet Music Distance), on these hand-made features rather than on a
  network's embedding. 0 for identical sets.
- :func:`real_floor`: both measures between two disjoint halves of the real pieces, the floor a generator can
  hope to reach with this many pieces.
- :class:`MarkovBaseline`: a second-order Markov chain over (pitch, duration) events of the melody, the
  classic peer that a music model should beat.
- :func:`realism_report`: all of it for named sets of generated pieces against one set of real pieces.

Compare pieces of the same length: cut real pieces with :func:`crop_bars` to the generated pieces' bar count.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import symusic
from scipy import linalg

from partita.score import Score
from partita.score.bars import pickup_ticks

log = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = (
    "notes_per_bar",
    "onsets_per_bar",
    "empty_beat_share",
    "notes_at_onset",
    "thick_beat_share",
    "all_tracks_beat_share",
    "tracks",
    "pitch_class_entropy",
    "pitch_range",
    "melody_mean_interval",
    "melody_step_share",
    "melody_repeat_share",
    "melody_leap_share",
    "ioi_entropy",
    "ioi_mean",
    "ioi_std",
    "duration_mean",
    "duration_std",
    "bar_repetition",
    "two_bar_repetition",
    "bars",
    "longest_repeat_run",
    "longest_figure_run",
)
"""The names of :func:`realism_features`, in the order of the feature vectors (new ones are added at the
end: the discovery features read the first 21, which its shipped encoders were trained on)."""

FEATURE_HELP = {
    "notes_per_bar": "notes per bar",
    "onsets_per_bar": "distinct note starts per bar",
    "empty_beat_share": "share of beats (of the meter) in which nothing sounds",
    "notes_at_onset": "mean number of notes sounding at each note start",
    "thick_beat_share": "share of beats at whose start 3 or more notes sound",
    "all_tracks_beat_share": "share of beats at whose start every track with notes sounds",
    "tracks": "tracks with (non-drum) notes",
    "pitch_class_entropy": "entropy (bits) of the pitch-class histogram",
    "pitch_range": "highest minus lowest pitch (semitones)",
    "melody_mean_interval": "mean |interval| of the skyline (highest note sounding at each onset), semitones",
    "melody_step_share": "share of skyline intervals of 1-2 semitones",
    "melody_repeat_share": "share of skyline intervals of 0 (repeated notes)",
    "melody_leap_share": "share of skyline intervals of 5 or more semitones",
    "ioi_entropy": "entropy (bits) of the inter-onset intervals (1/12-quarter grid)",
    "ioi_mean": "mean inter-onset interval, quarters",
    "ioi_std": "standard deviation of the inter-onset intervals, quarters",
    "duration_mean": "mean note duration, quarters",
    "duration_std": "standard deviation of note durations, quarters",
    "bar_repetition": "share of bars whose notes (onset in the bar, pitch) repeat an earlier bar exactly",
    "two_bar_repetition": "share of two-bar windows that repeat an earlier window exactly",
    "bars": "bars, up to the bar of the last note start",
    "longest_repeat_run": "the most bars in a row playing one and the same bar (1: no bar follows its twin)",
    "longest_figure_run": "the most times in a row one two-bar figure is played (A B A B A B: 3; 1: none)",
}

GRID = 12
"""Steps per quarter note of the rhythm grid (covers sixteenths and eighth-note triplets)."""
MIN_PER_CLASS = 2
"""A two-sample test needs at least this many pieces on each side."""


# ------------------------------------------------------------------------------------------------ the notes


def _tick_score(score: Score) -> Score:
    if str(getattr(score, "ttype", "Tick")).lower().endswith("tick"):
        return score
    return score.to("tick")


def meter_of(score: Score) -> tuple[int, int]:
    """The first time signature ``(numerator, denominator)``, 4/4 when there is none or it is malformed."""
    for ts in score.time_signatures:
        if ts.numerator > 0 and ts.denominator > 0:
            return int(ts.numerator), int(ts.denominator)
        break
    return 4, 4


def bar_ticks(score: Score) -> tuple[int, int]:
    """``(ticks per bar, ticks per beat)`` of the first time signature (a beat is the denominator's note
    value)."""
    num, den = meter_of(score)
    beat = max(1, round(score.ticks_per_quarter * 4 / den))
    return num * beat, beat


def _notes(score: Score) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start, duration, pitch and track index of every non-drum note, sorted by start then pitch."""
    starts, durs, pitches, tracks = [], [], [], []
    for i, track in enumerate(score.tracks):
        if track.is_drum or not len(track.notes):
            continue
        a = track.notes.numpy()
        starts.append(a["time"].astype(np.int64))
        durs.append(np.maximum(a["duration"].astype(np.int64), 1))
        pitches.append(a["pitch"].astype(np.int64))
        tracks.append(np.full(len(a["time"]), i, dtype=np.int64))
    if not starts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    s, d, p, t = (np.concatenate(x) for x in (starts, durs, pitches, tracks))
    order = np.lexsort((p, s))
    return s[order], d[order], p[order], t[order]


def count_bars(score: Score, pickup: bool = False) -> int:
    """Bars of a score, up to and including the bar of its last (non-drum) note start; 0 when it has no
    note. ``pickup``: a pickup bar is not counted (:func:`partita.score.bars.pickup_ticks`)."""
    score = _tick_score(score)
    starts, _, _, _ = _notes(score)
    if not len(starts):
        return 0
    bars = int(starts.max() // bar_ticks(score)[0]) + 1
    return bars - 1 if pickup and bars > 1 and pickup_ticks(score) else bars


def skyline(score: Score) -> list[tuple[int, int, int]]:
    """The top line, ``(start, duration, pitch)``: at each onset the highest note sounding (non-drum tracks).

    A note held above a moving inner voice stays one melody note; a note that comes to the top when a higher
    one ends enters the line at that onset. Of equal pitches, the note starting latest is taken.
    """
    return _skyline(*_notes(_tick_score(score))[:3])


def _skyline(starts: np.ndarray, durs: np.ndarray, pitches: np.ndarray) -> list[tuple[int, int, int]]:
    ends = starts + durs
    out: list[tuple[int, int, int]] = []
    last = -1
    for t in np.unique(starts).tolist():
        active = np.flatnonzero((starts <= t) & (ends > t))
        top = active[pitches[active] == pitches[active].max()]
        i = int(top[np.argmax(starts[top])])
        if i != last:
            out.append((int(t), int(ends[i] - t), int(pitches[i])))
            last = i
    return out


def _entropy(counts: Sequence[int] | np.ndarray) -> float:
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    if not len(c):
        return 0.0
    q = c / c.sum()
    return float(max(0.0, -(q * np.log2(q)).sum()))


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else 0.0


def _std(x: np.ndarray) -> float:
    return float(x.std()) if len(x) else 0.0


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else 0.0


def _sounding(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many notes sound at each time (start <= t < end)."""
    return np.searchsorted(np.sort(starts), times, "right") - np.searchsorted(np.sort(ends), times, "right")


def realism_features(score: Score) -> dict[str, float]:
    """The realism features of one score (:data:`FEATURES`; see :data:`FEATURE_HELP`), all finite.

    Drum tracks are left out; the bar and beat come from the first time signature (4/4 when there is none);
    an empty score gives zeros.
    """
    score = _tick_score(score)
    out = dict.fromkeys(FEATURES, 0.0)
    starts, durs, pitches, tracks = _notes(score)
    if not len(starts):
        return out
    tpq = max(1, int(score.ticks_per_quarter))
    bar, beat = bar_ticks(score)
    ends = starts + durs
    n_bars = int(starts.max() // bar) + 1
    onsets = np.unique(starts)
    out["bars"] = float(n_bars)
    out["notes_per_bar"] = len(starts) / n_bars
    out["onsets_per_bar"] = len(onsets) / n_bars

    # texture: beats sounding, notes together, tracks together
    n_beats = n_bars * (bar // beat)
    covered = np.zeros(max(n_beats, 1), dtype=bool)
    first = starts // beat
    last = np.minimum((ends - 1) // beat, n_beats - 1)
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        covered[a : b + 1] = True
    out["empty_beat_share"] = 1.0 - _share(covered[:n_beats])
    out["notes_at_onset"] = _mean(_sounding(starts, ends, onsets).astype(float))
    beat_times = np.arange(n_beats, dtype=np.int64) * beat
    out["thick_beat_share"] = _share(_sounding(starts, ends, beat_times) >= 3)
    used = np.unique(tracks)
    out["tracks"] = float(len(used))
    every = np.ones(n_beats, dtype=bool)
    for t in used.tolist():
        sel = tracks == t
        every &= _sounding(starts[sel], ends[sel], beat_times) > 0
    out["all_tracks_beat_share"] = _share(every)

    # pitch
    out["pitch_class_entropy"] = _entropy(np.bincount(pitches % 12, minlength=12))
    out["pitch_range"] = float(pitches.max() - pitches.min())

    # the melody (skyline)
    line = np.array([p for _, _, p in _skyline(starts, durs, pitches)], dtype=np.int64)
    steps = np.abs(np.diff(line))
    out["melody_mean_interval"] = _mean(steps.astype(float))
    out["melody_step_share"] = _share((steps >= 1) & (steps <= 2))
    out["melody_repeat_share"] = _share(steps == 0)
    out["melody_leap_share"] = _share(steps >= 5)

    # rhythm and durations (in quarters)
    ioi = np.diff(onsets) / tpq
    out["ioi_entropy"] = _entropy(list(Counter(np.round(ioi * GRID).astype(np.int64).tolist()).values()))
    out["ioi_mean"] = _mean(ioi)
    out["ioi_std"] = _std(ioi)
    d = durs / tpq
    out["duration_mean"] = _mean(d)
    out["duration_std"] = _std(d)

    patterns = _bar_patterns(starts, pitches, bar, n_bars)
    out["bar_repetition"] = _repeats(patterns, n_bars)
    pairs = [(patterns[i], patterns[i + 1]) for i in range(n_bars - 1)]
    out["two_bar_repetition"] = _repeats(pairs, max(n_bars - 1, 1)) if pairs else 0.0
    out["longest_repeat_run"] = float(_longest_run(patterns))
    out["longest_figure_run"] = float(_figure_run(patterns, 2))
    return {k: float(v) if math.isfinite(v) else 0.0 for k, v in out.items()}


def voice_crossing(score: Score) -> float:
    """The share of sixteenths, over pairs of tracks next to each other by mean pitch, where both sound and
    the lower track's top note is above the upper one's lowest (0 with one track): a diagnostic beside the
    judge, not one of :data:`FEATURES`. The corpus's held-out chorales: 0.019 (Bach's four-part ones 0.007,
    his settings with instruments more); Palestrina's voices 0.093."""
    score = _tick_score(score)
    starts, durs, pitches, tracks = _notes(score)
    used = np.unique(tracks)
    if len(used) < 2:
        return 0.0
    step = max(1, int(score.ticks_per_quarter) // 4)
    ends = starts + durs
    used = sorted(used.tolist(), key=lambda t: -float(pitches[tracks == t].mean()))
    n = int(ends.max() // step) + 1
    top = np.full((len(used), n), -1, dtype=np.int64)
    low = np.full((len(used), n), 1 << 10, dtype=np.int64)
    for row, t in enumerate(used):
        for a, b, p in zip(starts[tracks == t], ends[tracks == t], pitches[tracks == t], strict=True):
            i, j = int(a // step), max(int(a // step) + 1, int(b // step))
            top[row, i:j] = np.maximum(top[row, i:j], p)
            low[row, i:j] = np.minimum(low[row, i:j], p)
    both = (top[:-1] >= 0) & (top[1:] >= 0)
    crossed = both & (top[1:] > low[:-1])
    return float(crossed.sum() / both.sum()) if both.any() else 0.0


def _bar_patterns(starts: np.ndarray, pitches: np.ndarray, bar: int, n_bars: int) -> list[tuple]:
    """Each bar's pattern: the sorted (onset in the bar, pitch) of the notes starting in it."""
    patterns: list[tuple] = [() for _ in range(n_bars)]
    by_bar: dict[int, list[tuple[int, int]]] = {}
    for s, p in zip(starts.tolist(), pitches.tolist(), strict=True):
        by_bar.setdefault(s // bar, []).append((s % bar, p))
    for b, notes in by_bar.items():
        patterns[b] = tuple(sorted(notes))
    return patterns


def longest_repeat_run(score: Score) -> int:
    """The most bars in a row that play one and the same (non-empty) bar: 1 when no bar follows its twin.

    A feature of the judge since a piece that looped one bar matched real tunes' *share* of repeated bars
    (``bar_repetition``) and fooled the two-sample test without it (docs/GENERATION.md § Realism); the
    benchmark also reports it as the ``loops`` column."""
    score = _tick_score(score)
    starts, _, pitches, _ = _notes(score)
    if not len(starts):
        return 0
    bar, _ = bar_ticks(score)
    return _longest_run(_bar_patterns(starts, pitches, bar, int(starts.max() // bar) + 1))


def longest_figure_run(score: Score, length: int = 2) -> int:
    """The most times in a row one (non-empty) figure of ``length`` bars is played: ``A B A B A B`` is 3 for
    two-bar figures, a piece with no figure twice in a row 1.

    A feature of the judge since 2026-12-05 (fifth session): jigs pulled to repeat played ``A B A B ...``
    for twelve bars, which neither the share of repeated bars nor the one-bar run sees, in 44-62% of the
    pieces, against none of the real ones. The benchmark also reports it as ``figure_loops``."""
    score = _tick_score(score)
    starts, _, pitches, _ = _notes(score)
    if not len(starts):
        return 0
    bar, _ = bar_ticks(score)
    return _figure_run(_bar_patterns(starts, pitches, bar, int(starts.max() // bar) + 1), length)


def _figure_run(patterns: Sequence[tuple], length: int) -> int:
    """The most times in a row one figure of ``length`` non-empty patterns repeats (1 for none; 0 without
    patterns)."""
    if not patterns:
        return 0
    best = 1
    for first in range(len(patterns)):
        figure, times = tuple(patterns[first : first + length]), 1
        if len(figure) < length or not all(figure):
            continue
        while tuple(patterns[first + times * length : first + (times + 1) * length]) == figure:
            times += 1
        best = max(best, times)
    return best


def _longest_run(patterns: Sequence[tuple]) -> int:
    """The longest run of equal, non-empty patterns in a row (1 for none; 0 without patterns)."""
    if not patterns:
        return 0
    best = run = 1
    for prev, cur in zip(patterns, patterns[1:], strict=False):
        run = run + 1 if cur and cur == prev else 1
        best = max(best, run)
    return best


def _repeats(patterns: Sequence[tuple], total: int) -> float:
    """Share of the (non-empty) patterns that occurred earlier in the sequence."""
    seen: set = set()
    hits = 0
    for pat in patterns:
        if not any(pat):
            continue
        if pat in seen:
            hits += 1
        seen.add(pat)
    return hits / total if total else 0.0


def barred_as_asked(score: Score, meter: str | None) -> tuple[Score, bool]:
    """``score`` barred in ``meter`` (what the generated pieces or the style's prompts are in), or else in the
    meter its notes imply (:mod:`partita.analysis.meter_inference`), where its declared meter says nothing of
    bars (a numerator of 1, or none): 44 of 80 held-out POP909 songs declare 1/4, and cut as declared an
    "8-bar" excerpt was 8 quarter notes against the generated pieces' 8 bars of 4/4. Other pieces as they
    are; returns the score and whether it was barred anew (the original is left as it is)."""
    from partita.analysis import describe
    from partita.analysis.meter_inference import implausible
    from partita.generation.notation import rebar

    if not implausible([(ts.time, ts.numerator, ts.denominator) for ts in score.time_signatures]):
        return score, False
    meter = meter or describe(score).meter_inferred
    return (rebar(score.copy(), meter), True) if meter else (score, False)


def crop_bars(score: Score, bars: int, pickup: bool = False) -> Score:
    """The first ``bars`` bars of a score (bar length from its first time signature); notes are cut at the
    end. ``pickup``: a pickup bar is not counted (the pickup and ``bars`` bars after it: the first 8 bars of
    a tune with an upbeat are the upbeat and 8 full bars)."""
    if bars < 1:
        raise ValueError(f"bars={bars}: crop to at least one bar")
    score = _tick_score(score)
    bars += 1 if pickup and pickup_ticks(score) else 0
    end = bars * bar_ticks(score)[0]
    out = score.clip(0, end, clip_end=False)
    for track in out.tracks:
        for note in track.notes:
            if note.time + note.duration > end:
                note.duration = end - note.time
    return out


# ----------------------------------------------------------------------------------------------- the measures


def feature_matrix(features: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Feature dicts -> an ``(n, len(FEATURES))`` array (missing or non-finite values are 0)."""
    x = np.array([[float(f.get(k, 0.0)) for k in FEATURES] for f in features], dtype=float).reshape(
        len(features), len(FEATURES)
    )
    return np.where(np.isfinite(x), x, 0.0)


def _as_matrix(features) -> np.ndarray:
    if isinstance(features, np.ndarray):
        return np.atleast_2d(np.asarray(features, dtype=float))
    return feature_matrix(list(features))


def two_sample_test(features_a, features_b, folds: int = 5, seed: int = 0) -> dict:
    """A classifier two-sample test: how well can held-out pieces be told to come from set a or set b?

    ``features_a`` / ``features_b``: lists of :func:`realism_features` dicts (or arrays, one row a piece).
    Labels 0 / 1; logistic regression and gradient boosting, each on standardized features (the scaler fitted
    inside each fold), scored by stratified k-fold cross-validation with balanced accuracy (so that 0.5 is
    chance whatever the set sizes). ``folds`` is cut to the smaller set's size (at least 2). Returns
    ``accuracy`` (the stronger judge), ``logistic`` and ``boosting`` (mean and per-fold accuracies), ``n_a``,
    ``n_b`` and ``folds``. Raises ValueError when a set has fewer than two pieces.
    """
    # scikit-learn takes ~1.5 s to import: only when a realism test runs
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    a, b = _as_matrix(features_a), _as_matrix(features_b)
    if min(len(a), len(b)) < MIN_PER_CLASS:
        raise ValueError(
            f"a two-sample test needs at least {MIN_PER_CLASS} pieces on each side, got {len(a)} and {len(b)}"
        )
    x = np.vstack([a, b])
    y = np.concatenate([np.zeros(len(a), dtype=int), np.ones(len(b), dtype=int)])
    k = max(2, min(int(folds), len(a), len(b)))
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    judges = {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0)),
        "boosting": make_pipeline(
            StandardScaler(),
            GradientBoostingClassifier(n_estimators=100, max_depth=2, learning_rate=0.1, random_state=seed),
        ),
    }
    out: dict = {"n_a": len(a), "n_b": len(b), "folds": k}
    for name, judge in judges.items():
        scores = cross_val_score(judge, x, y, cv=cv, scoring="balanced_accuracy")
        out[name] = {"accuracy": float(np.mean(scores)), "folds": [float(s) for s in scores]}
    out["accuracy"] = max(out["logistic"]["accuracy"], out["boosting"]["accuracy"])
    out["judge"] = "logistic" if out["logistic"]["accuracy"] >= out["boosting"]["accuracy"] else "boosting"
    return out


def frechet_distance(features_a, features_b, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two sets of standardized feature vectors (FID / FMD
    style).

    Both sets are standardized with the pooled mean and standard deviation (a constant feature is left at 0);
    ``eps`` is added to the covariances' diagonals before the matrix square root, whose real part is used.
    """
    a, b = _as_matrix(features_a), _as_matrix(features_b)
    if not len(a) or not len(b):
        raise ValueError("a Fréchet distance needs at least one piece on each side")
    pooled = np.vstack([a, b])
    mu, sd = pooled.mean(axis=0), pooled.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    a, b = (a - mu) / sd, (b - mu) / sd

    def cov(x: np.ndarray) -> np.ndarray:
        c = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((x.shape[1], x.shape[1]))
        return np.atleast_2d(c) + eps * np.eye(x.shape[1])

    ca, cb = cov(a), cov(b)
    root = linalg.sqrtm(ca @ cb)
    root = np.real(root)
    diff = a.mean(axis=0) - b.mean(axis=0)
    value = float(diff @ diff + np.trace(ca) + np.trace(cb) - 2.0 * np.trace(root))
    return max(0.0, value) if math.isfinite(value) else math.nan


def real_floor(features_real, seed: int = 0, folds: int = 5) -> dict:
    """Both measures between two disjoint random halves of the real pieces: what "indistinguishable" reads as.

    Returns ``{"n": ..., "two_sample": two_sample_test(...), "frechet": ...}``; the two-sample entry is None
    when there are fewer than four pieces.
    """
    x = _as_matrix(features_real)
    order = np.random.default_rng(seed).permutation(len(x))
    half = len(x) // 2
    a, b = x[order[:half]], x[order[half : 2 * half]]
    out: dict = {"n": len(x), "n_half": half, "two_sample": None, "frechet": None}
    if half >= MIN_PER_CLASS:
        out["two_sample"] = two_sample_test(a, b, folds=folds, seed=seed)
    if half >= 1:
        out["frechet"] = frechet_distance(a, b)
    return out


# ----------------------------------------------------------------------------------------------- the baseline

REST = -1
"""The pitch of a rest event in :class:`MarkovBaseline`."""


class MarkovBaseline:
    """A second-order Markov chain over ``(pitch, duration)`` events of the melody: the classic peer.

    The melody of a training piece is its :func:`skyline` (the highest note sounding at each onset, non-drum);
    an event is a note ``(pitch, duration)``, duration in steps of 1/12 quarter, cut at the next onset, and a
    gap of a sixteenth or more before the next onset becomes a rest event ``(REST, gap)``. Sampling backs off
    from the second-order context to the first order and to the unigram when a context was never seen.

    It is monophonic: the pieces it writes have one voice on one track, so for polyphonic styles (chorales,
    POP909 piano, Renaissance motets) a classifier tells them from real ones by texture alone, and it is a
    weak peer.
    """

    def __init__(self) -> None:
        self.second: dict[tuple, Counter] = {}
        self.first: dict[tuple, Counter] = {}
        self.unigram: Counter = Counter()
        self.program = 0
        self.qpm = 120.0
        self.pieces = 0

    @staticmethod
    def events(score: Score) -> list[tuple[int, int]]:
        """The ``(pitch or REST, duration in 1/12 quarters)`` events of a score's melody."""
        score = _tick_score(score)
        tpq = max(1, int(score.ticks_per_quarter))
        line = skyline(score)
        out: list[tuple[int, int]] = []
        first = round(line[0][0] * GRID / tpq) if line else 0
        if first >= GRID // 4:
            out.append((REST, int(first)))
        for i, (s, d, p) in enumerate(line):
            gap = round((line[i + 1][0] - s) * GRID / tpq) if i + 1 < len(line) else None
            dur = max(1, round(d * GRID / tpq))
            if gap is not None:
                dur = max(1, min(dur, gap))
            out.append((int(p), int(dur)))
            if gap is not None and gap - dur >= GRID // 4:
                out.append((REST, int(gap - dur)))
            elif gap is not None and gap > dur:
                out[-1] = (int(p), int(gap))  # a short gap is part of the note
        return out

    def fit(self, scores: Sequence[Score]) -> MarkovBaseline:
        """Count the events of the training pieces; returns self. Raises ValueError when none has a note."""
        programs: Counter = Counter()
        tempos = []
        for score in scores:
            ev = self.events(score)
            if not any(p != REST for p, _ in ev):
                continue
            self.pieces += 1
            ctx = [None, None]
            for e in ev:
                self.second.setdefault((ctx[0], ctx[1]), Counter())[e] += 1
                self.first.setdefault((ctx[1],), Counter())[e] += 1
                self.unigram[e] += 1
                ctx = [ctx[1], e]
            for t in score.tracks:
                if not t.is_drum and len(t.notes):
                    programs[int(t.program)] += len(t.notes)
            if len(score.tempos):
                tempos.append(float(score.tempos[0].qpm))
        if not self.pieces:
            raise ValueError("MarkovBaseline: no training piece has a (non-drum) note")
        self.program = programs.most_common(1)[0][0] if programs else 0
        self.qpm = float(np.median(tempos)) if tempos else 120.0
        log.info(
            "Markov baseline: %d pieces, %d events, %d contexts",
            self.pieces,
            sum(self.unigram.values()),
            len(self.second),
        )
        return self

    @property
    def pitches(self) -> set[int]:
        """The pitches seen in training (the only ones it can write)."""
        return {p for p, _ in self.unigram if p != REST}

    def _next(self, ctx: tuple, rng: np.random.Generator) -> tuple[int, int]:
        for table, key in ((self.second, ctx), (self.first, ctx[1:])):
            counts = table.get(key)
            if counts:
                break
        else:
            counts = self.unigram
        events = list(counts)
        weights = np.array([counts[e] for e in events], dtype=float)
        return events[int(rng.choice(len(events), p=weights / weights.sum()))]

    def sample(
        self,
        bars: int,
        meter: str | tuple[int, int] = (4, 4),
        tpq: int = 480,
        seed: int = 0,
        pickup: bool = False,
    ) -> Score:
        """A one-track piece of exactly ``bars`` bars (a note starts in the last bar) in ``meter``;
        ``pickup``: where it opens with a rest of half a bar or more that leaves room for a note in the
        first bar (a pickup, as :func:`partita.score.bars.pickup_ticks` has it), ``bars`` bars follow it."""
        if not self.unigram:
            raise ValueError("MarkovBaseline: fit() it on some pieces first")
        if bars < 1:
            raise ValueError(f"bars={bars}: sample at least one bar")
        num, den = (int(v) for v in meter.split("/")) if isinstance(meter, str) else meter
        bar = num * max(1, round(tpq * 4 / den))
        total = bars * bar
        step = tpq / GRID
        rng = np.random.default_rng(seed)
        notes: list[list[int]] = []  # [start, duration, pitch]
        t, ctx = 0, (None, None)
        while t < total:
            e = self._next(ctx, rng)
            ctx = (ctx[1], e)
            length = max(1, round(e[1] * step))
            if pickup and t == 0 and e[0] == REST and bar / 2 <= length < bar:
                bars, total = bars + 1, total + bar  # the bars asked for follow the pickup
            if e[0] != REST:
                notes.append([t, min(length, total - t), e[0]])
            t += length
        if not notes:  # only rests were drawn: one note of the commonest pitch
            pitch = Counter({p: c for (p, _), c in self.unigram.items() if p != REST}).most_common(1)[0][0]
            notes.append([0, bar, pitch])
        last_bar = (bars - 1) * bar
        # the last bar must have a note start: split the last note at its bar line
        if notes[-1][0] < last_bar:
            start, _, pitch = notes[-1]
            if start + notes[-1][1] > last_bar:
                notes[-1][1] = last_bar - start
            notes.append([last_bar, total - last_bar, pitch])
        score = symusic.Score(tpq)
        track = symusic.Track("markov", int(self.program), False)
        for start, dur, pitch in notes:
            track.notes.append(symusic.Note(int(start), max(1, int(dur)), int(pitch), 80))
        score.tracks.append(track)
        score.time_signatures.append(symusic.TimeSignature(0, num, den))
        score.tempos.append(symusic.Tempo(0, self.qpm))
        return score


# ------------------------------------------------------------------------------------------------ the report


def _summary(x: np.ndarray) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in zip(FEATURES, x.mean(axis=0) if len(x) else np.zeros(len(FEATURES)), strict=True)
    }


def differences(features_a, features_b, top: int = 5) -> list[dict]:
    """The features that separate two sets most: standardized mean difference (Cohen's d, pooled sd), largest
    first."""
    a, b = _as_matrix(features_a), _as_matrix(features_b)
    out = []
    for i, name in enumerate(FEATURES):
        va, vb = a[:, i], b[:, i]
        sd = math.sqrt((va.var() + vb.var()) / 2)
        d = (va.mean() - vb.mean()) / sd if sd > 1e-12 else 0.0
        out.append({"feature": name, "d": float(d), "a": float(va.mean()), "b": float(vb.mean())})
    out.sort(key=lambda r: -abs(r["d"]))
    return out[:top]


def realism_report(
    generated: Mapping[str, Sequence[Score]], real: Sequence[Score], seed: int = 0, folds: int = 5
) -> dict:
    """Each named set of generated pieces against the real pieces, with the real-vs-real floor; JSON-ready.

    Returns ``{"features": FEATURES, "real": {"n", "means"}, "floor": real_floor(...), "sets": {name: {"n",
    "two_sample", "frechet", "means", "differences"}}}``; a set with fewer than two pieces gets ``"error"``
    instead of the two-sample test.
    """
    real_x = feature_matrix([realism_features(s) for s in real])
    if len(real_x) < MIN_PER_CLASS:
        raise ValueError(f"realism: {len(real_x)} real piece(s); at least {MIN_PER_CLASS} are needed")
    out: dict = {
        "features": list(FEATURES),
        "feature_help": FEATURE_HELP,
        "real": {"n": len(real_x), "means": _summary(real_x)},
        "floor": real_floor(real_x, seed=seed, folds=folds),
        "sets": {},
    }
    for name, pieces in generated.items():
        x = feature_matrix([realism_features(s) for s in pieces])
        entry: dict = {"n": len(x), "means": _summary(x)}
        if len(x) >= MIN_PER_CLASS:
            entry["two_sample"] = two_sample_test(x, real_x, folds=folds, seed=seed)
            entry["accuracy"] = entry["two_sample"]["accuracy"]
            entry["frechet"] = frechet_distance(x, real_x)
            entry["differences"] = differences(x, real_x)
        else:
            entry["error"] = f"{len(x)} piece(s): at least {MIN_PER_CLASS} are needed"
        out["sets"][name] = entry
        log.info("realism %s: %s", name, entry.get("accuracy", entry.get("error")))
    return out
