"""Texture words read within a style: "flowing", "sparse", ``--density 0.8`` mean more or less *for the
style named*, not on one scale for all music.

The condition bins are absolute (notes per beat over all parts, onsets per beat, notes sounding at once:
:func:`partita.tokens.dataset.score_statistics`), and the styles lie far apart on them: a Renaissance motet
starts 0.61 notes per beat (median of the training split), a pop song 2.71. Read on the absolute scale,
"a bright madrigal in D minor for four voices, flowing" asked for 2.5 onsets per beat, three and a half
times the most any real motet of the corpus has (0.70 at its 95th percentile), and "a simple German folk
melody" 1.6 notes per beat, above nine real German folk songs in ten. With a style in :data:`STYLE_TEXTURE`,
a fader ``f`` in [0, 1] is read as the style's own quantile ``0.05 + 0.9 f`` of that measure (0: its 5th
percentile, 0.5: its median, 1: its 95th); another style, or none, keeps the absolute bins.
"""

from __future__ import annotations

import numpy as np

from partita.generation.request import Request
from partita.tokens.conditions import DENSITY_EDGES, POLYPHONY_EDGES, RHYTHM_EDGES

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles :data:`STYLE_TEXTURE` lists."""

STYLE_TEXTURE: dict[str, dict[str, tuple[float, ...]]] = {
    # python scripts/texture-stats.py --split train (at most 600 pieces a style)
    "chorale": {
        "density": (2.78, 3.52, 4.03, 4.58, 5.59),
        "rhythm": (0.99, 1.33, 1.52, 1.69, 1.94),
        "polyphony": (3.87, 4.0, 4.0, 4.0, 4.34),
    },
    "jig": {
        "density": (1.51, 1.75, 1.86, 1.93, 2.0),
        "rhythm": (1.51, 1.75, 1.86, 1.93, 2.0),
        "polyphony": (1.0, 1.0, 1.0, 1.0, 1.0),
    },
    "chinese_folk": {
        "density": (1.15, 1.5, 1.77, 2.06, 2.57),
        "rhythm": (1.15, 1.5, 1.77, 2.06, 2.57),
        "polyphony": (1.0, 1.0, 1.0, 1.0, 1.0),
    },
    "german_folk": {
        "density": (0.22, 0.35, 0.42, 0.82, 1.65),
        "rhythm": (0.22, 0.35, 0.42, 0.82, 1.65),
        "polyphony": (1.0, 1.0, 1.0, 1.0, 1.0),
    },
    "pop": {
        "density": (3.37, 4.44, 5.35, 6.17, 7.28),
        "rhythm": (1.7, 2.1, 2.71, 3.28, 4.14),
        "polyphony": (3.13, 3.62, 3.87, 4.14, 4.54),
    },
    "renaissance": {
        "density": (1.07, 1.24, 1.36, 1.52, 1.82),
        "rhythm": (0.49, 0.57, 0.61, 0.65, 0.7),
        "polyphony": (2.65, 3.32, 3.75, 4.2, 4.94),
    },
}
"""Per style, the quantiles (:data:`QUANTILES`) of each texture measure over its training pieces."""


MEASURES: dict[str, tuple[tuple[float, ...], str]] = {
    "density": (DENSITY_EDGES, "notes per beat"),
    "polyphony": (POLYPHONY_EDGES, "notes sounding at once"),
    "rhythm": (RHYTHM_EDGES, "onsets per beat"),
}
"""Each texture measure: its condition bins and its unit."""


def fader_value(f: float, edges: tuple[float, ...]) -> float:
    """A fader in [0, 1] -> a value inside the matching absolute condition bin (so the bin is what the
    fader says)."""
    n = len(edges) + 1
    b = min(n - 1, max(0, round(f * (n - 1))))
    lo = edges[b - 1] if b > 0 else edges[0] / 2
    hi = edges[b] if b < len(edges) else edges[-1] * 1.3
    return round((lo + hi) / 2, 3)


def style_texture_value(style: str | None, measure: str, fader: float) -> float | None:
    """The value of ``measure`` ("density", "rhythm" or "polyphony") a fader in [0, 1] asks of a piece of
    ``style``: the style's quantile ``0.05 + 0.9 fader`` of it; None where the style has no table."""
    table = STYLE_TEXTURE.get(style or "", {}).get(measure)
    if table is None:
        return None
    at = QUANTILES[0] + (QUANTILES[-1] - QUANTILES[0]) * min(max(float(fader), 0.0), 1.0)
    return round(float(np.interp(at, QUANTILES, table)), 3)


def ask_style_texture(request: Request, faders: dict[str, float]) -> None:
    """Ask a new piece of a style for its own texture where the request leaves a measure open: each of
    ``faders`` (measure -> fader, as :attr:`GenerationConfig.style_texture` lists them for the style) read
    within the style, with a note saying so. A piece given to continue or accompany keeps its own."""
    c = request.conditions
    if request.given is not None:
        return
    for measure, fader in faders.items():
        if getattr(c, measure) is not None:
            continue
        value = style_texture_value(c.style, measure, fader)
        if value is not None:
            setattr(c, measure, value)
            request.notes.append(f"{measure} {value:g}: the {str(c.style).replace('_', ' ')} style's own")


def texture_from_faders(request: Request, counted_rhythm: bool = False) -> None:
    """The texture conditions ``request.faders`` ask for: within the style named where it has a table, else
    on the absolute bins (:func:`fader_value`); ``counted_rhythm``: the rhythm fader is a note value's ("in
    eighth notes"), which counts its onsets whatever the style."""
    c = request.conditions
    for measure, (edges, unit) in MEASURES.items():
        if measure not in request.faders:
            continue
        fader = request.faders[measure]
        counted = measure == "rhythm" and counted_rhythm
        value = None if counted else style_texture_value(c.style, measure, fader)
        if value is None:
            value = fader_value(fader, edges)
        else:
            style = str(c.style).replace("_", " ")
            request.notes.append(f"{measure} {fader:.2f} read within the {style} style: {value:g} {unit}")
        setattr(c, measure, value)
