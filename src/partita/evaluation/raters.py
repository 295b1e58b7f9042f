"""Simulated raters: stand-ins for people when testing preference learning (there are no users here).

A rater prefers a hidden property of a piece and chooses between two pieces the way a Bradley-Terry judge
does: it measures both, adds noise, and picks piece a with probability ``sigmoid((v_a - v_b) / noise)``.
Four properties (issue 27):

- ``stepwise``: the share of melodic steps of at most 2 semitones in the melody (the highest sounding note at
  each onset, drums left out);
- ``register``: the mean pitch of the melody (``direction=-1`` for a rater who likes it low);
- ``bass``: notes per bar in the lowest part (the non-drum track with the lowest mean pitch);
- ``bassline``: a bass line with a musician's virtues (:func:`bassline_score`): the root (or fifth) of the
  chord above it on the strong beats, steps between them (and steps or fourths/fifths into them), and below
  every other part.

A tuned model is judged by a **held-out** rater: another noise seed and, with ``heldout=True``, a different
but correlated measurement of the same taste (stepwise: minus the mean absolute melodic interval; register:
the median pitch of all notes; bass: onsets per bar in the lowest part; bassline: :func:`bassline_heldout`,
the bar's chord root on the downbeat, steps or fourths/fifths between bass notes and room under the
lowest other part), so that a model that learned the training rater's exact measurement, not the taste,
does not win by construction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from partita.score import Score

PROPERTIES = ("stepwise", "register", "bass", "bassline")


def _notes(score: Score) -> list[tuple[np.ndarray, np.ndarray]]:
    """(onset ticks, pitches) of each non-drum track with notes."""
    out = []
    for track in score.tracks:
        if track.is_drum or not len(track.notes):
            continue
        arr = track.notes.numpy()
        out.append((np.asarray(arr["time"]), np.asarray(arr["pitch"])))
    return out


def melody(score: Score) -> np.ndarray:
    """The highest pitch at each onset of the non-drum tracks, in time order (the skyline melody)."""
    parts = _notes(score)
    if not parts:
        return np.zeros(0)
    times = np.concatenate([t for t, _ in parts])
    pitches = np.concatenate([p for _, p in parts])
    order = np.lexsort((-pitches, times))
    times, pitches = times[order], pitches[order]
    first = np.ones(len(times), dtype=bool)
    first[1:] = times[1:] != times[:-1]
    return pitches[first].astype(float)


def _bar_ticks(score: Score) -> int:
    tpq = max(1, int(score.ticks_per_quarter))
    if len(score.time_signatures):
        ts = score.time_signatures[0]
        return max(1, int(tpq * 4 * ts.numerator / ts.denominator))
    return 4 * tpq


def _lowest(score: Score) -> tuple[np.ndarray, np.ndarray] | None:
    parts = _notes(score)
    return min(parts, key=lambda p: float(p[1].mean())) if parts else None


def stepwise_share(score: Score) -> float:
    """The share of melodic intervals of at most 2 semitones (repeated notes count as steps); 0 with none."""
    m = melody(score)
    if len(m) < 2:
        return 0.0
    return float((np.abs(np.diff(m)) <= 2).mean())


def mean_interval(score: Score) -> float:
    """Minus the mean absolute melodic interval in semitones (higher: more stepwise); -12 with none."""
    m = melody(score)
    return -float(np.abs(np.diff(m)).mean()) if len(m) >= 2 else -12.0


def mean_pitch(score: Score) -> float:
    """The melody's mean MIDI pitch (0 for an empty piece)."""
    m = melody(score)
    return float(m.mean()) if len(m) else 0.0


def median_pitch(score: Score) -> float:
    """The median MIDI pitch of all non-drum notes (0 for an empty piece)."""
    parts = _notes(score)
    return float(np.median(np.concatenate([p for _, p in parts]))) if parts else 0.0


def _bars(score: Score, times: np.ndarray) -> int:
    return int(times.max() // _bar_ticks(score)) + 1 if len(times) else 1


def bass_notes_per_bar(score: Score) -> float:
    """Notes per bar in the lowest part (0 for an empty piece)."""
    low = _lowest(score)
    return len(low[1]) / _bars(score, low[0]) if low is not None else 0.0


def bass_onsets_per_bar(score: Score) -> float:
    """Distinct onsets per bar in the lowest part (0 for an empty piece)."""
    low = _lowest(score)
    return len(np.unique(low[0])) / _bars(score, low[0]) if low is not None else 0.0


# -- bassline: a bass line with a musician's virtues ------------------------------------------------------

_TRIADS = [(root, (root, (root + third) % 12, (root + 7) % 12)) for root in range(12) for third in (4, 3)]
"""The 24 major and minor triads as (root, (root, third, fifth)) pitch classes."""
_ROOT_MOTION = (1, 2, 5, 7, 12)
"""Intervals a bass moves by with a musician's ease: steps, fourths and fifths, octaves (semitones)."""


@dataclass(frozen=True)
class _Texture:
    """A piece as a bass line (one note per onset) under the other notes, on its beat grid."""

    bass: np.ndarray  # (n, 3): start, end, pitch, by start
    upper: np.ndarray  # (m, 3): start, end, pitch
    bar: int
    strong: np.ndarray  # the strong beats' ticks: bar starts, and mid-bar in duple and quadruple meters
    slack: int  # how far from a strong beat an onset may be and still be on it (ticks)


def _bass_line(notes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest note at each onset of ``notes`` (rows start, end, pitch), and the others."""
    order = np.lexsort((notes[:, 2], notes[:, 0]))
    notes = notes[order]
    first = np.ones(len(notes), dtype=bool)
    first[1:] = notes[1:, 0] != notes[:-1, 0]
    return notes[first], notes[~first]


def _texture(score: Score) -> _Texture | None:
    """The bass (the lowest non-drum track, or the lowest note at each onset of a piece in one track) and the
    notes above it; None for a piece with nothing above a bass (a lone melody has no bass line)."""
    parts = []
    for track in score.tracks:
        if track.is_drum or not len(track.notes):
            continue
        arr = track.notes.numpy()
        start = np.asarray(arr["time"], dtype=np.int64)
        parts.append(np.stack([start, start + np.asarray(arr["duration"]), np.asarray(arr["pitch"])], 1))
    if not parts:
        return None
    if len(parts) == 1:
        bass, upper = _bass_line(parts[0])
    else:
        low = min(range(len(parts)), key=lambda i: float(parts[i][:, 2].mean()))
        bass, _ = _bass_line(parts[low])
        upper = np.concatenate([p for i, p in enumerate(parts) if i != low])
    if not len(upper):
        return None
    bar = _bar_ticks(score)
    numerator = score.time_signatures[0].numerator if len(score.time_signatures) else 4
    end = int(max(bass[:, 1].max(), upper[:, 1].max()))
    starts = np.arange(0, end, bar)
    strong = np.sort(np.concatenate([starts, starts + bar // 2])) if numerator in (4, 6, 12) else starts
    slack = max(1, int(score.ticks_per_quarter) // 8)
    return _Texture(bass, upper, bar, strong[strong < end], slack)


def _sounding(notes: np.ndarray, tick: int) -> np.ndarray:
    return notes[(notes[:, 0] <= tick) & (tick < notes[:, 1])]


def _roots(upper: np.ndarray, lo: int, hi: int) -> list[tuple[int, int]] | None:
    """The (root, fifth) pitch classes of the triads that best fit the notes sounding in ``[lo, hi)``
    (weighted by how long they sound there; ties all kept); None when nothing sounds."""
    overlap = np.minimum(upper[:, 1], hi) - np.maximum(upper[:, 0], lo)
    keep = overlap > 0
    if not keep.any():
        return None
    chroma = np.bincount(upper[keep, 2] % 12, weights=overlap[keep], minlength=12)
    fits = [chroma[list(tones)].sum() for _, tones in _TRIADS]
    best = max(fits)
    return [(_TRIADS[i][0], _TRIADS[i][1][2]) for i, f in enumerate(fits) if f >= best - 1e-9]


def _chord_credit(tex: _Texture, tick: int, hi: int, root: float, fifth: float, third: float) -> float | None:
    """Credit for the bass note sounding at ``tick`` against the chord above it in ``[tick, hi)``: ``root``,
    ``fifth`` or ``third`` when it is that tone of a best-fitting triad (the best of ties), 0 when it is
    another tone or the bass is silent; None when nothing sounds above."""
    chords = _roots(tex.upper, tick, hi)
    if chords is None:
        return None
    here = _sounding(tex.bass, tick)
    if not len(here):
        return 0.0
    pc = int(here[:, 2].min()) % 12
    credit = 0.0
    for r, f in chords:
        if pc == r:
            credit = max(credit, root)
        elif pc == f:
            credit = max(credit, fifth)
        elif pc in ((r + 3) % 12, (r + 4) % 12):
            credit = max(credit, third)
    return credit


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def bassline_parts(score: Score) -> dict[str, float]:
    """The three virtues :func:`bassline_score` averages, each 0 to 1 (all 0 for a piece with no bass line):

    - ``chord``: on each strong beat, the bass is the root (1), fifth (0.75) or third (0.25) of the triad
      that best fits the other parts there (up to the next strong beat); a silent bass scores 0;
    - ``motion``: into a note off the strong beats the bass moves by step (1; a repeat 0.5, a third 0.25);
      into a strong beat by step, fourth, fifth or octave (1; a repeat 0.5, a third 0.25); other leaps 0;
    - ``below``: its onsets under every other note sounding then.
    """
    tex = _texture(score)
    if tex is None or not len(tex.bass):
        return {"chord": 0.0, "motion": 0.0, "below": 0.0}
    chord = []
    bounds = [*tex.strong.tolist(), int(tex.strong[-1]) + tex.bar] if len(tex.strong) else []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=False):
        credit = _chord_credit(tex, lo, hi, 1.0, 0.75, 0.25)
        if credit is not None:
            chord.append(credit)
    motion = []
    for prev, note in zip(tex.bass[:-1], tex.bass[1:], strict=True):
        step = abs(int(note[2]) - int(prev[2]))
        strong = bool(len(tex.strong)) and np.abs(tex.strong - note[0]).min() <= tex.slack
        if step == 0:
            motion.append(0.5)
        elif step in (_ROOT_MOTION if strong else (1, 2)):
            motion.append(1.0)
        else:
            motion.append(0.25 if step in (3, 4) else 0.0)
    below = []
    for note in tex.bass:
        above = _sounding(tex.upper, int(note[0]))
        below.append(1.0 if not len(above) or note[2] < above[:, 2].min() else 0.0)
    return {"chord": _mean(chord), "motion": _mean(motion), "below": _mean(below)}


def bassline_score(score: Score) -> float:
    """How much the bass line is one a musician would write, 0 to 1: the mean of :func:`bassline_parts`
    (chord tones on the strong beats, stepwise motion between, below the other parts); 0 with no bass
    line (a lone melody)."""
    return float(np.mean(list(bassline_parts(score).values())))


def bassline_heldout(score: Score) -> float:
    """Another measurement of the same taste, 0 to 1: the mean of the bass sounding the root (1) or fifth
    (0.5) of each bar's chord (the triad that best fits the other parts over the whole bar) on its downbeat;
    the share of its moves (repeats left out) by step, fourth, fifth or octave; and its room under the
    lowest other note at each onset (a fifth or more: 1, less in proportion, crossing: 0)."""
    tex = _texture(score)
    if tex is None or not len(tex.bass):
        return 0.0
    end = int(max(tex.bass[:, 1].max(), tex.upper[:, 1].max()))
    roots = [_chord_credit(tex, lo, lo + tex.bar, 1.0, 0.5, 0.0) for lo in range(0, end, tex.bar)]
    moves = np.abs(np.diff(tex.bass[:, 2].astype(int)))
    moves = moves[moves > 0]
    room = []
    for note in tex.bass:
        above = _sounding(tex.upper, int(note[0]))
        room.append(1.0 if not len(above) else float(np.clip((above[:, 2].min() - note[2]) / 7, 0, 1)))
    ease = float(np.isin(moves, _ROOT_MOTION).mean()) if len(moves) else 0.0
    return float(np.mean([_mean([r for r in roots if r is not None]), ease, _mean(room)]))


MEASURES: dict[str, tuple[Callable[[Score], float], Callable[[Score], float], float]] = {
    # property: (training measurement, held-out measurement, default noise scale of the training one)
    "stepwise": (stepwise_share, mean_interval, 0.05),
    "register": (mean_pitch, median_pitch, 1.5),
    "bass": (bass_notes_per_bar, bass_onsets_per_bar, 0.5),
    "bassline": (bassline_score, bassline_heldout, 0.05),
}
HELDOUT_NOISE = {"stepwise": 0.25, "register": 1.5, "bass": 0.5, "bassline": 0.05}
"""The noise scale of the held-out measurements (their units differ from the training ones')."""


@dataclass
class SimulatedRater:
    """A judge who prefers more (``direction=1``) or less (-1) of ``prop``, with noise of scale ``noise``
    (None: the property's default) drawn from its own ``seed``."""

    prop: str = "stepwise"
    direction: float = 1.0
    noise: float | None = None
    seed: int = 0
    heldout: bool = False

    def __post_init__(self) -> None:
        if self.prop not in MEASURES:
            raise ValueError(f"rater property {self.prop!r}: choose one of {', '.join(PROPERTIES)}")
        if self.direction not in (1, -1, 1.0, -1.0):
            raise ValueError(f"direction {self.direction!r}: 1 (more is better) or -1 (less is better)")
        if self.noise is None:
            self.noise = HELDOUT_NOISE[self.prop] if self.heldout else MEASURES[self.prop][2]
        if self.noise < 0:
            raise ValueError(f"noise {self.noise!r}: it must not be negative")
        self._rng = np.random.default_rng(self.seed)

    @property
    def name(self) -> str:
        sign = "more" if self.direction > 0 else "less"
        return f"simulated:{self.prop}:{sign}:{'heldout' if self.heldout else 'train'}:seed{self.seed}"

    def value(self, score: Score) -> float:
        """The rater's measurement of ``score`` (before direction and noise)."""
        train, held, _ = MEASURES[self.prop]
        return float((held if self.heldout else train)(score))

    def prob_a(self, a: Score, b: Score) -> float:
        """The probability this rater picks ``a`` over ``b``."""
        diff = self.direction * (self.value(a) - self.value(b))
        if not self.noise:
            return 1.0 if diff > 0 else (0.0 if diff < 0 else 0.5)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, diff / self.noise))))

    def choose(self, a: Score, b: Score) -> str:
        """``"a"`` or ``"b"``: the piece this rater prefers (a draw from :meth:`prob_a`)."""
        return "a" if self._rng.random() < self.prob_a(a, b) else "b"


def wilson_interval(wins: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of a win rate ``wins / n``."""
    if n <= 0:
        return (0.0, 1.0)
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def win_rate(rater: SimulatedRater, ours: list[Score], theirs: list[Score]) -> dict[str, float]:
    """How often ``rater`` prefers ``ours[i]`` to ``theirs[i]``: the rate, its Wilson 95% interval, and n."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError("a win rate needs two equally long, non-empty lists of pieces")
    wins = sum(rater.choose(a, b) == "a" for a, b in zip(ours, theirs, strict=True))
    low, high = wilson_interval(wins, len(ours))
    return {"win_rate": wins / len(ours), "ci_low": low, "ci_high": high, "n": float(len(ours))}
