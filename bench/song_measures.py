"""The measures of ``bench_song_real.py`` (issue 25) on a group of sung verses (``song_setting.Setting``):
syllables on strong beats, melismas, range, rhythm and intervals (steps, leaps, gap-fill, leaps into a
line, leaps that go on the same way)."""

from __future__ import annotations

import math

import numpy as np

from song_setting import Setting


def _share(xs) -> float:
    return float(np.mean(xs)) if len(xs) else math.nan


def _dotted(quarters: float) -> bool:
    """A dotted length (3/4, 3/2, 3 quarter notes ...): three times a power of two."""
    return quarters > 0 and math.log2(quarters / 3) == round(math.log2(quarters / 3))


def measures(settings: list[Setting]) -> dict[str, float]:
    """Pooled over the settings' syllables (and intervals); range averaged over songs."""
    strong = [h for s in settings for h in s.strong]
    stressed = [h for s in settings for h, st in zip(s.strong, s.stressed, strict=True) if st]
    unstressed = [h for s in settings for h, st in zip(s.strong, s.stressed, strict=True) if not st]
    nps = [k for s in settings for k in s.notes_per_syllable]
    steps = np.array([abs(b - a) for s in settings for a, b in zip(s.pitches, s.pitches[1:], strict=False)])
    ranges = [max(s.pitches) - min(s.pitches) for s in settings if s.pitches]
    kinds = [len(set(s.durations)) for s in settings if s.durations]
    back = [_turns_back(s.pitches) for s in settings]
    onward = [t for s in settings for t in _goes_on(s.pitches)]
    across, inside = _line_leaps(settings)
    return {
        "syllables": len(strong),
        "stressed_strong": _share(stressed),
        "unstressed_strong": _share(unstressed),
        "all_strong": _share(strong),
        "notes_per_syllable": _share(nps),
        "melisma_share": _share([k > 1 for k in nps]),
        "range": _share(ranges),
        "distinct_durations": _share(kinds),
        "off_beat": _share([not b for s in settings for b in s.on_beat]),
        "dotted": _share([_dotted(d) for s in settings for d in s.durations]),
        "steps": float(((steps >= 1) & (steps <= 2)).mean()) if steps.size else math.nan,
        "repeats": float((steps == 0).mean()) if steps.size else math.nan,
        "leaps_over_third": float((steps > 4).mean()) if steps.size else math.nan,
        "gap_fill": _share([t for b in back for t in b]),
        "leap_onward": _share(onward),
        "leaps_followed": len(onward),
        "line_start_leaps": _share(across),
        "line_starts": len(across),
        "inside_leaps": _share(inside),
    }


def _line_leaps(settings: list[Setting]) -> tuple[list[bool], list[bool]]:
    """Whether each interval is a leap over a major third: (those into a line's first note, the others)."""
    across, inside = [], []
    for s in settings:
        starts = set(s.line_starts)
        for k in range(1, len(s.pitches)):
            (across if k in starts else inside).append(abs(s.pitches[k] - s.pitches[k - 1]) > 4)
    return across, inside


def _turns_back(pitches: list[int]) -> list[bool]:
    """For each leap over a major third (but the last interval), whether the next interval moves the
    other way (gap-fill)."""
    moves = np.diff(np.asarray(pitches, dtype=int))
    return [bool(moves[k + 1] * m < 0) for k, m in enumerate(moves[:-1]) if abs(m) > 4]


def _goes_on(pitches: list[int]) -> list[bool]:
    """For each leap over a major third (but the last interval), whether the next interval moves on the same
    way by a third or more (3 semitones or more: an arpeggio)."""
    moves = np.diff(np.asarray(pitches, dtype=int))
    return [
        bool(moves[k + 1] * m > 0 and abs(moves[k + 1]) >= 3) for k, m in enumerate(moves[:-1]) if abs(m) > 4
    ]
