"""The timing, loudness and accents of a video's music, and how well its accents meet the video's events.
Part of :mod:`partita.generation.picture`, which describes the whole and from which callers import.

:func:`tick_seconds` and :func:`second_ticks` convert between ticks and seconds under a piece's tempo map;
:func:`shape_dynamics` brings the next note onto an event that has none within half a beat after it
(:func:`onsets_on_events`), makes the loudness follow the sustained motion (a 2 s median,
:func:`sustained_motion`: a burst is marked by its accent, not by a run of loud notes) and accents the notes
that start on a cut or a motion peak; :func:`alignment` measures how well the music's accents
(:func:`musical_accents`) meet the video's events.
"""

from __future__ import annotations

import math

import numpy as np

from partita.generation.picture_mapping import motion_level
from partita.picture import VideoFeatures
from partita.score import Score
from partita.score.bars import bar_lines

ACCENT_WINDOW = 0.08
"""Notes starting this close (seconds) to a cut or a motion peak are accented."""
DYNAMICS_WINDOW = 2.0
"""Seconds of motion whose median the loudness follows (:func:`sustained_motion`)."""
ONSET_REACH = 0.5
"""How far after an event with no note on it (quarter notes) the next onset is brought onto it."""
ACCENT_BOOST = 24
"""Velocity added to an accented note."""
ACCENT_MARGIN = 12
"""How much louder (velocity) an accented note is at least than every other note within
:data:`ACCENT_NEIGHBOURHOOD` of it; the other notes stay under 127 by as much, so an accent has room above
them (0: the accents as before 2026-12-06's evening, the boost alone, ties at 127 kept)."""
ACCENT_NEIGHBOURHOOD = 1.0
"""Seconds either side of an accented note within which it is the loudest."""
ALIGN_WINDOW = 0.1
"""The tolerance (seconds) of the alignment F-measure (mir_eval.onset.f_measure)."""


def _tempo_steps(score: Score) -> list[tuple[int, float]]:
    """The tempo map as (tick, quarters a minute), from tick 0 (120 before the first tempo)."""
    tempos = sorted((int(t.time), float(t.qpm)) for t in score.tempos) or [(0, 120.0)]
    return tempos if tempos[0][0] == 0 else [(0, 120.0), *tempos]


def tick_seconds(score: Score):
    """A function from ticks to seconds under ``score``'s tempo map (120 bpm before the first tempo)."""
    tpq = float(score.ticks_per_quarter)
    tempos = _tempo_steps(score)
    starts, at = [], 0.0
    for k, (tick, _) in enumerate(tempos):
        if k:
            at += (tick - tempos[k - 1][0]) * 60.0 / (tempos[k - 1][1] * tpq)
        starts.append(at)
    ticks = np.array([t for t, _ in tempos])

    def convert(tick: float) -> float:
        k = int(np.searchsorted(ticks, tick, side="right")) - 1
        return starts[k] + (tick - tempos[k][0]) * 60.0 / (tempos[k][1] * tpq)

    return convert


def second_ticks(score: Score):
    """A function from seconds to ticks under ``score``'s tempo map: the inverse of :func:`tick_seconds`."""
    seconds = tick_seconds(score)
    tpq = float(score.ticks_per_quarter)
    tempos = _tempo_steps(score)
    starts = np.array([seconds(tick) for tick, _ in tempos])

    def convert(second: float) -> float:
        k = max(0, int(np.searchsorted(starts, second, side="right")) - 1)
        return tempos[k][0] + (second - starts[k]) * tempos[k][1] * tpq / 60.0

    return convert


def shape_dynamics(
    score: Score,
    video: VideoFeatures,
    events: list[float],
    move_onsets: bool = True,
    margin: int = ACCENT_MARGIN,
    window: float = DYNAMICS_WINDOW,
) -> Score:
    """``score`` (in place, returned) with its notes on the events (:func:`onsets_on_events`), loudness
    following the video's sustained motion (velocity times 0.75 at no motion to 1.25 at full:
    :func:`sustained_motion`) and the notes starting within :data:`ACCENT_WINDOW` of an event accented (plus
    :data:`ACCENT_BOOST`, and at least ``margin`` over every other pitched note within
    :data:`ACCENT_NEIGHBOURHOOD`, which stay ``margin`` under 127): a burst of motion is marked by the accent
    on its peak, not by a run of loud notes through it, and the accent is the loudest note around it, not one
    tied with them at 127 or with a second onset on the same event (only the onset nearest to an event is
    accented). ``move_onsets`` off: the rhythm is as sampled (no note moved onto an event); ``margin`` 0: the
    accents as before 2026-12-06's evening (the boost alone, on every note within the window, clipped to 127,
    ties kept); ``window``: the seconds of motion whose median the loudness follows."""
    if move_onsets:
        onsets_on_events(score, events)
    notes = [(track.is_drum, note) for track in score.tracks for note in track.notes]
    if not notes:
        return score
    seconds = tick_seconds(score)
    times, levels = sustained_motion(video, window)
    when = np.array([seconds(n.time) for _, n in notes])
    velocity = np.array([n.velocity for _, n in notes], float) * (0.75 + 0.5 * np.interp(when, times, levels))
    pitched = ~np.array([drum for drum, _ in notes])
    accented = _accented(when, [n.time for _, n in notes], pitched, events, nearest=bool(margin))
    velocity = np.where(accented, velocity + ACCENT_BOOST, np.minimum(velocity, 127 - margin))
    if margin:
        for i in np.flatnonzero(accented & pitched):
            around = pitched & ~accented & (np.abs(when - when[i]) <= ACCENT_NEIGHBOURHOOD)
            if around.any():
                velocity[i] = max(velocity[i], velocity[around].max() + margin)
    for (_, note), v in zip(notes, velocity, strict=True):
        note.velocity = int(min(127, max(1, round(float(v)))))
    return score


def _accented(
    when: np.ndarray, ticks: list[int], pitched: np.ndarray, events: list[float], nearest: bool
) -> np.ndarray:
    """Which notes an accent falls on: those starting within :data:`ACCENT_WINDOW` of an event; with
    ``nearest``, only the onset nearest to each event (its notes on that tick, the pitched ones searched
    first), so that two onsets a 32nd apart on one event do not share, and tie, its accent."""
    marks = np.asarray(sorted(events), dtype=float)
    out = np.zeros(len(when), dtype=bool)
    if not len(marks):
        return out
    if not nearest:
        return np.min(np.abs(when[:, None] - marks[None, :]), axis=1) <= ACCENT_WINDOW
    ticks_array, search = np.asarray(ticks), pitched if pitched.any() else np.ones(len(when), dtype=bool)
    for mark in marks:
        gap = np.where(search, np.abs(when - mark), np.inf)
        i = int(np.argmin(gap))
        if gap[i] <= ACCENT_WINDOW:
            out |= ticks_array == ticks_array[i]
    return out


def onsets_on_events(score: Score, events: list[float], reach: float = ONSET_REACH) -> Score:
    """``score`` (in place, returned) with a note starting on each event that had none within
    :data:`ACCENT_WINDOW` of it: the pitched notes of the first onset after the event, within ``reach``
    quarter notes, start on it instead (anticipated: they keep their ends; a note of the same pitch and
    track still sounding there ends there). A rest, or an onset played a little late, no longer leaves a cut
    or a motion peak unmarked; the rest of the rhythm is as generated."""
    seconds, ticks = tick_seconds(score), second_ticks(score)
    notes = [(track, note) for track in score.tracks if not track.is_drum for note in track.notes]
    if not notes:
        return score
    onset = np.array([n.time for _, n in notes], dtype=np.int64)
    end = onset + np.array([n.duration for _, n in notes], dtype=np.int64)
    when = np.array([seconds(int(t)) for t in onset])
    for event in sorted(events):
        if float(np.min(np.abs(when - event))) <= ACCENT_WINDOW:
            continue
        at = int(round(ticks(event)))
        later = onset[(onset > at) & (onset <= at + reach * score.ticks_per_quarter)]
        if not len(later):
            continue
        first = np.flatnonzero(onset == later.min())
        moved = {(id(notes[i][0]), notes[i][1].pitch) for i in first}
        for i in np.flatnonzero((onset < at) & (end > at)):  # sounding there: the same pitch ends there
            track, note = notes[i]
            if (id(track), note.pitch) in moved:
                note.duration, end[i] = at - note.time, at
        for i in first:
            note = notes[i][1]
            note.duration, note.time = int(end[i]) - at, at
            onset[i], when[i] = at, event
    return score


def sustained_motion(video: VideoFeatures, window: float = DYNAMICS_WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """The video's motion level (:func:`motion_level`, scaled to 0-1) at its motion samples, each the median
    of the samples within ``window`` seconds around it (the frames across a cut left out): the motion a shot
    keeps up, through which a burst shorter than half the window does not show."""
    times = np.asarray(video.motion_times, dtype=float)
    levels = np.array([(motion_level(m) + 1) / 2 if not math.isnan(m) else np.nan for m in video.motion])
    keep = ~np.isnan(levels)
    if not keep.any():
        return np.array([0.0]), np.array([0.5])
    times, levels = times[keep], levels[keep]
    lo = np.searchsorted(times, times - window / 2, side="left")
    hi = np.searchsorted(times, times + window / 2, side="right")
    return times, np.array([float(np.median(levels[a:b])) for a, b in zip(lo, hi, strict=True)])


def onset_ticks(score: Score) -> tuple[np.ndarray, np.ndarray]:
    """The ticks of the pitched onsets (the notes starting on one tick are one onset), in order, and the
    velocity of each (its loudest note)."""
    loudest: dict[int, float] = {}
    for track in score.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            loudest[int(note.time)] = max(loudest.get(int(note.time), 0.0), float(note.velocity))
    ticks = sorted(loudest)
    return np.array(ticks, dtype=np.int64), np.array([loudest[t] for t in ticks], dtype=float)


def musical_accents(
    score: Score, duration: float | None = None, top: float = 0.1, ties: bool = False
) -> list[float]:
    """The music's accents (seconds): onsets on a downbeat, and the loudest onsets (the top ``top`` share by
    the velocity of the loudest note starting there: velocity is how MIDI accents a note;
    :func:`loudest_onsets`, ``ties`` as there); drums are left out, onsets within 30 ms are one."""
    seconds = tick_seconds(score)
    ticks, strength = onset_ticks(score)
    if not len(ticks):
        return []
    times = np.array([seconds(t) for t in ticks])
    n_bars = int(max(ticks) // max(1, score.ticks_per_quarter)) + 2
    downbeats = np.array([seconds(t) for t in bar_lines(score, n_bars)])
    on_bar = np.array([float(np.min(np.abs(downbeats - t))) <= 0.03 for t in times])
    picked = times[on_bar | loudest_onsets(strength, top, ties, times)]
    if duration is not None:
        picked = picked[picked < duration]
    return _merge_close(picked.tolist(), 0.03)


def loudest_onsets(
    strength: np.ndarray, top: float = 0.1, ties: bool = False, times: np.ndarray | None = None
) -> np.ndarray:
    """Which onsets are among the loudest ``top`` share by ``strength`` (their velocity), and louder than
    the median: the loudest levels taken whole, from the top, while they fit in the share (rounded up); of
    the level whose tied onsets would overflow it only those louder than every other onset within
    :data:`ACCENT_NEIGHBOURHOOD` (with ``times``, seconds; none without), however many: with 8 velocity steps
    a level often holds a third of the onsets, and a run of equally loud notes has no accent in it.
    ``ties``: every onset at least as loud as the share's quantile (the rule before 2026-12-06's evening)."""
    strength = np.asarray(strength, dtype=float)
    out = np.zeros(len(strength), dtype=bool)
    if not len(strength):
        return out
    median = np.median(strength)
    if ties:
        return (strength >= np.quantile(strength, 1.0 - top)) & (strength > median)
    room = math.ceil(top * len(strength) - 1e-9)
    for level in np.unique(strength)[::-1]:
        tied = strength == level
        if level <= median:
            break
        if out.sum() + tied.sum() <= room:
            out |= tied
            continue
        if times is not None:
            out |= tied & _local_peaks(strength, np.asarray(times, dtype=float))
        break
    return out


def _local_peaks(strength: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The onsets louder than every other within :data:`ACCENT_NEIGHBOURHOOD` seconds."""
    near = np.abs(times[:, None] - times[None, :]) <= ACCENT_NEIGHBOURHOOD
    np.fill_diagonal(near, False)
    others = np.where(near, strength[None, :], -np.inf).max(axis=1)
    return strength > others


def _merge_close(times: list[float], gap: float) -> list[float]:
    out: list[float] = []
    for t in sorted(times):
        if not out or t - out[-1] > gap:
            out.append(round(float(t), 4))
    return out


def alignment(events: list[float], accents: list[float], window: float = ALIGN_WINDOW) -> dict[str, float]:
    """mir_eval's onset F-measure (and precision, recall) of the music's ``accents`` against the video's
    ``events``, within ``window`` seconds; 0 when either is empty."""
    import mir_eval

    if not events or not accents:
        return {"f_measure": 0.0, "precision": 0.0, "recall": 0.0, "window": window}
    f, p, r = mir_eval.onset.f_measure(np.asarray(events), np.asarray(accents), window=window)
    return {
        "f_measure": round(float(f), 4),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "window": window,
    }
