"""Whether a video's music is loud where the video moves, and marks its events with its loudest notes
(issue 26: the loudness half of "the music follows the video").

Two measures, each with a baseline from the same music:

- **following** (:func:`loudness_following`): the music cut into steps of :data:`STEP` seconds, each step's
  **loudness** (velocity-weighted notes a second: the velocities / 127 of the pitched notes starting in it,
  over the step's length) or **mean velocity** (of its onsets; steps without one left out), against the
  video's motion level in the step (:func:`partita.generation.picture.motion_level` of the mean optical-flow
  motion; steps with no motion sample, a cut, left out): Spearman's rho. The baselines are the same curve
  against another video's motion (:func:`motion_curve` of that video, cut to the shorter length) and against
  the video's own motion shifted circularly by half its length (its shape kept, its timing lost).
- **accent agreement** (:func:`accent_agreement`): the share of the video's events (cuts, motion peaks) whose
  note (the onset within :data:`~partita.generation.picture.ACCENT_WINDOW` of it, the nearest) is the loudest
  onset within :data:`NEIGHBOURHOOD` seconds either side: **strictly** louder than every other (``strict``)
  or at least as loud (ties count: what 8 velocity steps leave many of). An event with no note is not
  accented. The baselines are the same music at another video's events, and at random times.

Velocity is how MIDI says loud; the measures read the score, not the rendered audio (a synthesizer's
instruments and the release of long notes are not heard).
"""

from __future__ import annotations

import math

import numpy as np

from partita.generation.picture import ACCENT_WINDOW, motion_level, onset_ticks, tick_seconds
from partita.picture import VideoFeatures
from partita.score import Score

STEP = 0.5
"""The length (seconds) of the steps the loudness and the motion are compared in."""
NEIGHBOURHOOD = 1.0
"""Seconds either side of an event within which its note must be the loudest."""
MIN_STEPS = 4
"""The fewest steps (with a value on both sides) a rho is taken over."""


def onset_velocities(score: Score) -> tuple[np.ndarray, np.ndarray]:
    """The seconds of the pitched onsets (notes starting on the same tick are one onset) and the velocity of
    each (its loudest note), in time order."""
    ticks, velocities = onset_ticks(score)
    seconds = tick_seconds(score)
    return np.array([seconds(int(t)) for t in ticks], dtype=float), velocities


def _steps(duration: float, step: float) -> int:
    return max(1, int(math.ceil(duration / step - 1e-9)))


def loudness_curve(score: Score, duration: float, step: float = STEP, mean: bool = False) -> np.ndarray:
    """Each step's velocity-weighted notes a second (the velocities / 127 of the pitched notes starting in
    it, over ``step``), or with ``mean`` its onsets' mean velocity (NaN: no onset), over ``duration``."""
    n = _steps(duration, step)
    seconds = tick_seconds(score)
    total, count = np.zeros(n), np.zeros(n)
    if mean:
        times, velocities = onset_velocities(score)
        pairs = zip(times, velocities, strict=True)
    else:
        pairs = ((seconds(x.time), x.velocity) for t in score.tracks if not t.is_drum for x in t.notes)
    for t, v in pairs:
        k = int(t // step)
        if 0 <= k < n:
            total[k] += v
            count[k] += 1
    if mean:
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return total / 127.0 / step


def motion_curve(video: VideoFeatures, duration: float | None = None, step: float = STEP) -> np.ndarray:
    """The video's motion level (:func:`~partita.generation.picture.motion_level`, -1 to 1) of each step:
    the level of the mean motion of its samples; NaN where it has none (a cut's pair is not motion)."""
    n = _steps(video.duration if duration is None else duration, step)
    total, count = np.zeros(n), np.zeros(n)
    for t, m in zip(video.motion_times, video.motion, strict=True):
        k = int(t // step)
        if 0 <= k < n and not math.isnan(m):
            total[k] += m
            count[k] += 1
    levels = [motion_level(s / c) if c else math.nan for s, c in zip(total, count, strict=True)]
    return np.array(levels, dtype=float)


def loudness_following(loudness: np.ndarray, motion: np.ndarray) -> float | None:
    """Spearman's rho of two curves over their common steps where both have a value; None when fewer than
    :data:`MIN_STEPS` or either is constant there."""
    from scipy.stats import spearmanr

    n = min(len(loudness), len(motion))
    a, b = np.asarray(loudness[:n], float), np.asarray(motion[:n], float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < MIN_STEPS or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(spearmanr(a[keep], b[keep]).statistic)


def shifted(curve: np.ndarray) -> np.ndarray:
    """``curve`` shifted circularly by half its length: the same values and shape, out of time."""
    return np.roll(np.asarray(curve), len(curve) // 2)


def accent_agreement(
    times: np.ndarray,
    velocities: np.ndarray,
    events: list[float] | np.ndarray,
    strict: bool = True,
    window: float = ACCENT_WINDOW,
    neighbourhood: float = NEIGHBOURHOOD,
) -> dict[str, int]:
    """How many of ``events`` (seconds) there are (``events``), how many have a note (an onset within
    ``window``: ``with_note``) and of those how many have it the loudest onset within ``neighbourhood``
    seconds either side (``accented``; ``strict``: louder than every other onset there, else at least as
    loud). The note of an event is the onset nearest to it. ``times`` and ``velocities``:
    :func:`onset_velocities`."""
    events = np.asarray(events, dtype=float)
    times, velocities = np.asarray(times, float), np.asarray(velocities, float)
    out = {"events": int(len(events)), "with_note": 0, "accented": 0}
    if not len(times):
        return out
    for event in events:
        k = int(np.argmin(np.abs(times - event)))
        if abs(times[k] - event) > window:
            continue
        out["with_note"] += 1
        around = (np.abs(times - times[k]) <= neighbourhood) & (np.arange(len(times)) != k)
        loudest = velocities[around].max() if around.any() else -1.0
        out["accented"] += int(velocities[k] > loudest if strict else velocities[k] >= loudest)
    return out


def random_events(duration: float, count: int, seed: int = 0) -> np.ndarray:
    """``count`` times drawn uniformly over ``duration`` (the random-times baseline of the accent
    agreement)."""
    return np.sort(np.random.default_rng(seed).uniform(0.0, duration, size=max(0, count)))
