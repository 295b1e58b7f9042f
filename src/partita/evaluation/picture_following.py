"""Does music made for a still image follow the image? (issue 26)

:func:`partita.generation.picture.image_request` maps a picture's valence (brightness, warmth, saturation) to
the mode and the register, and its arousal (saturation, contrast, edges) to the tempo and the note density.
This module measures the music for that, across a set of images:

- :func:`music_properties`: what a piece does, read from its notes: the mode partita's key analysis hears
  (:func:`partita.analysis.key.estimate_key`), the tempo written, the mean pitch, the mean velocity, notes
  and onsets a quarter note, notes a second;
- :func:`following`: Spearman's rho between what the images ask for and what their music does, with the
  baselines of the same music paired otherwise: with another image (each piece with the next image's
  value) and with random pairings (chance: the 95th percentile of |rho| over permutations, and the share of
  them with a rho at least as high);
- :func:`mode_agreement`: the share of the images that set a mode whose music is heard in it, against the
  agreement random pairings of the same asked and heard modes give;
- :func:`identification`: how well each piece picks out its own image among all of them (the nearest by
  its z-scored properties against the images' z-scored intended values), against chance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from partita.score import Score

PROPERTIES = ("major", "tempo", "mean_pitch", "velocity", "notes_per_quarter", "onsets_per_quarter")
"""What :func:`music_properties` reads, besides the key's name and notes a second."""


def music_properties(score: Score) -> dict[str, float | str | None]:
    """What ``score`` does, from its pitched notes: ``major`` (1.0 heard in a major key, 0.0 minor, None when
    too few notes to say), ``key``, ``tempo`` (quarter notes a minute over the whole piece, under its tempo
    map), ``mean_pitch``, ``velocity`` (mean), ``notes_per_quarter``, ``onsets_per_quarter`` (distinct
    starts) and ``notes_per_second``; all None for a piece without pitched notes."""
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays
    from partita.generation.picture import tick_seconds

    notes = [n for t in score.tracks if not t.is_drum for n in t.notes]
    names = (*PROPERTIES, "key", "notes_per_second")
    if not notes:
        return dict.fromkeys(names)
    end = max(n.time + n.duration for n in notes)
    quarters = max(end / score.ticks_per_quarter, 1e-9)
    seconds = max(tick_seconds(score)(end), 1e-9)
    arrays = note_arrays(score)
    key = estimate_key(arrays.select(~arrays.drum))
    return {
        "major": None if key is None else float(key.name.endswith("major")),
        "key": None if key is None else key.name,
        "tempo": 60.0 * quarters / seconds,
        "mean_pitch": float(np.mean([n.pitch for n in notes])),
        "velocity": float(np.mean([n.velocity for n in notes])),
        "notes_per_quarter": len(notes) / quarters,
        "onsets_per_quarter": len({int(n.time) for n in notes}) / quarters,
        "notes_per_second": len(notes) / seconds,
    }


def _paired(x: Sequence[float | None], y: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    keep = [
        i
        for i, (a, b) in enumerate(zip(x, y, strict=True))
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
    ]
    return np.array([x[i] for i in keep], dtype=float), np.array([y[i] for i in keep], dtype=float)


def _rho(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    rho = float(spearmanr(x, y).statistic)
    return 0.0 if math.isnan(rho) else rho


def following(
    intended: Sequence[float | None], measured: Sequence[float | None], seed: int = 0, draws: int = 2000
) -> dict[str, float]:
    """Spearman's rho of what each image asks for (``intended``) and what its music does (``measured``, in
    the same order; pairs with a None left out), against the same music paired otherwise: ``another`` (each
    piece against the next image's value, the last against the first's), ``chance95`` (the 95th percentile
    of |rho| over ``draws`` random pairings) and ``p`` (the share of random pairings whose rho is at least
    ``rho``: one-sided, the direction the mapping intends)."""
    x, y = _paired(intended, measured)
    rho = _rho(x, y)
    other = _rho(*_paired(list(np.roll(np.asarray(intended, dtype=object), -1)), measured))
    rng = np.random.default_rng(seed)
    null = np.array([_rho(rng.permutation(x), y) for _ in range(draws)]) if len(x) >= 3 else np.zeros(1)
    return {
        "rho": round(rho, 4),
        "another": round(other, 4),
        "chance95": round(float(np.percentile(np.abs(null), 95)), 4),
        "p": round(float(np.mean(null >= rho - 1e-12)), 4),
        "n": int(len(x)),
    }


def mode_agreement(asked: Sequence[str | None], heard: Sequence[str | None]) -> dict[str, float]:
    """The share of the pieces whose asked mode ("major", "minor"; None: the image set none) is the mode
    heard (None: too few notes), and ``chance``: the agreement expected from the same shares of major asked
    and heard, paired at random."""
    pairs = [(a, h) for a, h in zip(asked, heard, strict=True) if a is not None and h is not None]
    if not pairs:
        return {"agree": 0.0, "chance": 0.0, "n": 0}
    agree = float(np.mean([a == h for a, h in pairs]))
    p_asked = float(np.mean([a == "major" for a, _ in pairs]))
    p_heard = float(np.mean([h == "major" for _, h in pairs]))
    chance = p_asked * p_heard + (1 - p_asked) * (1 - p_heard)
    return {"agree": round(agree, 4), "chance": round(chance, 4), "n": len(pairs)}


def _z(matrix: np.ndarray) -> np.ndarray:
    spread = matrix.std(axis=0)
    return (matrix - matrix.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def identification(intended: np.ndarray, measured: np.ndarray) -> dict[str, float]:
    """Each piece (a row of ``measured``) matched to the images (rows of ``intended``, a column for each
    property the mapping sets, in the order of ``measured``'s columns) by the nearest in z-scores: the share
    of pieces whose own image is the nearest (``top1``; chance 1/n) and the mean rank of their own image
    (``rank``, 1 best; chance (n + 1) / 2)."""
    a, b = _z(np.asarray(intended, dtype=float)), _z(np.asarray(measured, dtype=float))
    n = len(a)
    if n < 2:
        return {"top1": 0.0, "rank": 1.0, "chance_top1": 1.0, "chance_rank": 1.0, "n": n}
    distance = ((b[:, None, :] - a[None, :, :]) ** 2).sum(axis=2)  # piece x image
    own = np.diag(distance)
    ranks = 1 + (distance < own[:, None]).sum(axis=1)
    return {
        "top1": round(float(np.mean(ranks == 1)), 4),
        "rank": round(float(np.mean(ranks)), 4),
        "chance_top1": round(1.0 / n, 4),
        "chance_rank": round((n + 1) / 2.0, 4),
        "n": n,
    }
