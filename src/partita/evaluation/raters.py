"""Simulated raters: stand-ins for people when testing preference learning (there are no users here).

A rater prefers a hidden property of a piece and chooses between two pieces the way a Bradley-Terry judge
does: it measures both, adds noise, and picks piece a with probability ``sigmoid((v_a - v_b) / noise)``.
Three properties (issue 27):

- ``stepwise``: the share of melodic steps of at most 2 semitones in the melody (the highest sounding note at
  each onset, drums left out);
- ``register``: the mean pitch of the melody (``direction=-1`` for a rater who likes it low);
- ``bass``: notes per bar in the lowest part (the non-drum track with the lowest mean pitch).

A tuned model is judged by a **held-out** rater: another noise seed and, with ``heldout=True``, a different
but correlated measurement of the same taste (stepwise: minus the mean absolute melodic interval; register:
the median pitch of all notes; bass: onsets per bar in the lowest part), so that a model that learned the
training rater's exact measurement, not the taste, does not win by construction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from partita.score import Score

PROPERTIES = ("stepwise", "register", "bass")


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


MEASURES: dict[str, tuple[Callable[[Score], float], Callable[[Score], float], float]] = {
    # property: (training measurement, held-out measurement, default noise scale of the training one)
    "stepwise": (stepwise_share, mean_interval, 0.05),
    "register": (mean_pitch, median_pitch, 1.5),
    "bass": (bass_notes_per_bar, bass_onsets_per_bar, 0.5),
}
HELDOUT_NOISE = {"stepwise": 0.25, "register": 1.5, "bass": 0.5}
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
