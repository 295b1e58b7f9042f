"""Tonal tension from Chew's spiral array, as Herremans and Chew's tension ribbons measure it.

Herremans and Chew, "Tension ribbons: quantifying and visualising tonal tension", TENOR 2016 (and their
``midi-miner`` code): the notes of a time window ("cloud") are placed on Chew's spiral array (Chew 2000), a
helix on which each step along the line of fifths turns a quarter turn and rises ``h``:
``P(k) = (r sin(k pi / 2), r cos(k pi / 2), k h)`` with ``r = 1`` and ``h = sqrt(2 / 15)``. Three measures:

- **cloud diameter**: the largest distance between two notes of the cloud (dissonance inside the window);
- **cloud momentum**: the distance between the centres of effect (duration-weighted mean position) of
  consecutive clouds (how far the harmony moves);
- **tensile strain**: the distance between the cloud's centre of effect and the key's point on the spiral
  (how far the harmony is from home).

Key points follow Chew: a major triad's centre is ``w1 P(k) + w2 P(k+1) + w3 P(k+4)``, a minor triad's
``w1 P(k) + w2 P(k+1) + w3 P(k-3)``, a major key's ``w1 C_M(k) + w2 C_M(k+1) + w3 C_M(k-1)`` and a minor key's
``w1 C_m(k) + w2 (a C_M(k+1) + (1-a) C_m(k+1)) + w3 (b C_m(k-1) + (1-b) C_M(k-1))`` with
``w = (0.536, 0.274, 0.19)`` and ``a = b = 0.75`` (the values of midi-miner). MIDI pitches carry no spelling,
so each pitch class is spelled at the line-of-fifths position nearest the key (within ``[-5, +6]`` fifths of
the major tonic, or of the relative major of a minor key), the usual choice when no spelling is given.

The key is the analysis layer's estimate (:func:`partita.analysis.key.estimate_key`) unless one is given.
Windows are bars of the first time signature by default (midi-miner's default), or ``window_beats`` beats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from partita.analysis.key import estimate_key, parse_key
from partita.analysis.timeline import note_arrays
from partita.evaluation.metrics import bar_ticks

R = 1.0
H = math.sqrt(2.0 / 15.0)
WEIGHTS = np.array([0.536, 0.274, 0.19])
ALPHA = BETA = 0.75
_FIFTHS_OF_PC = np.array(
    [(pc * 7) % 12 for pc in range(12)]
)  # pitch class -> position on the circle of fifths


def spiral_point(k: np.ndarray | float) -> np.ndarray:
    """The spiral array position(s) of line-of-fifths index ``k`` (C = 0, G = 1, F = -1); shape (..., 3)."""
    k = np.asarray(k, dtype=np.float64)
    return np.stack([R * np.sin(k * np.pi / 2), R * np.cos(k * np.pi / 2), k * H], axis=-1)


def major_chord(k: float) -> np.ndarray:
    """The centre of the major triad on line-of-fifths index ``k``."""
    return WEIGHTS @ spiral_point(np.array([k, k + 1, k + 4]))


def minor_chord(k: float) -> np.ndarray:
    """The centre of the minor triad on line-of-fifths index ``k``."""
    return WEIGHTS @ spiral_point(np.array([k, k + 1, k - 3]))


def key_point(tonic_pc: int, minor: bool) -> np.ndarray:
    """The spiral array centre of a key (tonic pitch class 0-11)."""
    k = _lof_index(np.array([tonic_pc]), _center(tonic_pc, minor))[0]
    if not minor:
        return WEIGHTS @ np.stack([major_chord(k), major_chord(k + 1), major_chord(k - 1)])
    dominant = ALPHA * major_chord(k + 1) + (1 - ALPHA) * minor_chord(k + 1)
    subdominant = BETA * minor_chord(k - 1) + (1 - BETA) * major_chord(k - 1)
    return WEIGHTS @ np.stack([minor_chord(k), dominant, subdominant])


def _center(tonic_pc: int, minor: bool) -> int:
    """The line-of-fifths index of the (relative) major tonic, nearest C (``-5 .. 6``)."""
    major_pc = (tonic_pc + 3) % 12 if minor else tonic_pc
    k = int(_FIFTHS_OF_PC[major_pc])
    return k - 12 if k > 6 else k


def _lof_index(pcs: np.ndarray, center: int) -> np.ndarray:
    """Spell pitch classes on the line of fifths within ``[center - 5, center + 6]``."""
    k = _FIFTHS_OF_PC[np.asarray(pcs, dtype=np.int64) % 12]
    return (k - (center - 5)) % 12 + (center - 5)


@dataclass
class Tension:
    """Per-window tension curves (NaN for windows without notes) and the key they are measured against."""

    key: str
    window_ticks: int
    diameter: np.ndarray
    momentum: np.ndarray
    strain: np.ndarray

    def summary(self) -> dict[str, float]:
        """The mean of each curve over the windows where it is defined."""

        def mean(x: np.ndarray) -> float:
            x = x[np.isfinite(x)]
            return float(x.mean()) if x.size else math.nan

        return {
            "cloud_diameter": mean(self.diameter),
            "cloud_momentum": mean(self.momentum),
            "tensile_strain": mean(self.strain),
        }


def tonal_tension(score, key: str | None = None, window_beats: float | None = None) -> Tension | None:
    """Herremans and Chew's tension curves of a score; None when it has no pitched notes or no key can be
    found.

    ``key`` is a name such as ``"D minor"`` or ``"Eb:maj"``; by default it is estimated from the notes.
    """
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    if len(notes) == 0:
        return None
    if key is None:
        estimate = estimate_key(notes)
        if estimate is None:
            return None
        index, key_label = estimate.index, estimate.name
    else:
        index, key_label = parse_key(key), key
    tonic, minor = index % 12, index >= 12
    center = _center(tonic, minor)
    home = key_point(tonic, minor)
    tpq = max(int(score.ticks_per_quarter), 1)
    window = max(1, round(window_beats * tpq)) if window_beats else bar_ticks(score, tpq)
    n_windows = int(math.ceil(int(notes.end.max()) / window))
    pos = spiral_point(_lof_index(notes.pitch.astype(np.int64) % 12, center))
    diameter = np.full(n_windows, np.nan)
    strain = np.full(n_windows, np.nan)
    centers = np.full((n_windows, 3), np.nan)
    first = notes.start // window
    last = (notes.end - 1) // window
    for w in range(n_windows):
        in_w = (first <= w) & (last >= w)
        if not in_w.any():
            continue
        lo, hi = w * window, (w + 1) * window
        # each note weighs by the time it sounds inside the window
        dur = (np.minimum(notes.end[in_w], hi) - np.maximum(notes.start[in_w], lo)).astype(np.float64)
        p = pos[in_w]
        centers[w] = (dur[:, None] * p).sum(axis=0) / dur.sum()
        uniq = np.unique(p, axis=0)
        diameter[w] = float(np.linalg.norm(uniq[:, None, :] - uniq[None, :, :], axis=-1).max())
        strain[w] = float(np.linalg.norm(centers[w] - home))
    momentum = np.full(n_windows, np.nan)
    if n_windows > 1:
        momentum[1:] = np.linalg.norm(centers[1:] - centers[:-1], axis=1)
    return Tension(key_label, window, diameter, momentum, strain)
