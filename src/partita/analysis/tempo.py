"""Tempo bins and their Italian terms, as Mustango's control evaluation uses them.

Mustango (Melechovsky et al., NAACL 2024) and its MusicBench captions turn a tempo in beats per minute into
one of nine classes with boundaries at 40, 60, 70, 90, 110, 140, 160 and 210 bpm, and name each class with an
Italian tempo term; its tempo-control metric counts a generated piece as correct when its bpm falls in the
same class as the caption's. partita uses the same table everywhere (descriptions, captions, condition
tokens), so that a tempo word means one range of bpm throughout:

=====  ===============  ==========  ===========================
bin    bpm range        term        gloss
=====  ===============  ==========  ===========================
0      below 40         Grave       very slow and solemn
1      40 to 60         Largo       broadly, very slow
2      60 to 70         Larghetto   rather broadly
3      70 to 90         Adagio      slow, at ease
4      90 to 110        Andante     at a walking pace
5      110 to 140       Moderato    at a moderate speed
6      140 to 160       Allegro     fast, lively
7      160 to 210       Vivace      very fast and brisk
8      210 and above    Presto      extremely fast
=====  ===============  ==========  ===========================

A range includes its lower boundary and excludes its upper one (``tempo_bin(60) == 2``).
"""

from __future__ import annotations

import bisect
import math

TEMPO_BOUNDARIES: tuple[float, ...] = (40.0, 60.0, 70.0, 90.0, 110.0, 140.0, 160.0, 210.0)
"""Mustango's bin boundaries in bpm (quarter notes per minute)."""

TEMPO_TERMS: tuple[str, ...] = (
    "Grave",
    "Largo",
    "Larghetto",
    "Adagio",
    "Andante",
    "Moderato",
    "Allegro",
    "Vivace",
    "Presto",
)
"""The Italian term of each bin, slowest first (``len(TEMPO_TERMS) == len(TEMPO_BOUNDARIES) + 1``)."""

TEMPO_GLOSSES: tuple[str, ...] = (
    "very slow and solemn",
    "broad and very slow",
    "rather broad and slow",
    "slow and at ease",
    "at a walking pace",
    "at a moderate speed",
    "fast and lively",
    "very fast and brisk",
    "extremely fast",
)
"""A plain-English gloss of each bin, for captions."""

TEMPO_TERMS_ZH: tuple[str, ...] = (
    "庄板",
    "广板",
    "小广板",
    "柔板",
    "行板",
    "中板",
    "快板",
    "活泼的快板",
    "急板",
)
"""The conventional Chinese name of each term, for Chinese captions."""

N_TEMPO_BINS = len(TEMPO_TERMS)


def _check_bpm(bpm: float) -> float:
    try:
        value = float(bpm)
    except (TypeError, ValueError):
        raise ValueError(f"tempo must be a number of beats per minute, got {bpm!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"tempo must be a positive finite number of beats per minute, got {bpm!r}")
    return value


def tempo_bin(bpm: float) -> int:
    """The Mustango bin (0 to 8) of a tempo in bpm; a non-positive or non-finite tempo raises ValueError."""
    return bisect.bisect_right(TEMPO_BOUNDARIES, _check_bpm(bpm))


def tempo_term(bpm: float) -> str:
    """The Italian term of a tempo in bpm, e.g. ``tempo_term(120) == "Moderato"``."""
    return TEMPO_TERMS[tempo_bin(bpm)]


def tempo_bin_range(index: int) -> tuple[float, float]:
    """The ``(low, high)`` bpm range of bin ``index`` (``0.0`` and ``inf`` at the open ends)."""
    if not 0 <= index < N_TEMPO_BINS:
        raise ValueError(f"tempo bin must be in 0..{N_TEMPO_BINS - 1}, got {index}")
    low = 0.0 if index == 0 else TEMPO_BOUNDARIES[index - 1]
    high = math.inf if index == N_TEMPO_BINS - 1 else TEMPO_BOUNDARIES[index]
    return low, high


def tempo_bin_center(index: int) -> float:
    """A representative bpm of bin ``index`` (the middle of its range; 30 and 240 for the open ends)."""
    low, high = tempo_bin_range(index)
    if index == 0:
        return 30.0
    if index == N_TEMPO_BINS - 1:
        return 240.0
    return (low + high) / 2.0
