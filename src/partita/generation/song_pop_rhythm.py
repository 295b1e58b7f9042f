"""Pop's rhythm learned from POP909 (issue 25): where a lyric line's notes fall on a sixteenth grid in 4/4.

The tables are counts over the vocal melodies of POP909's development half (even ids of songs 1-800, each
put on its own beat annotations; ``bench/song_rhythm_fit.py`` prints them): where a phrase's first note
falls (:data:`START`: on the downbeat 0.38 of the time, a pickup on beat 4 or its off-beat 0.21), the gap to
the next note after a note at each sixteenth of the bar (:data:`STEP`: sixteenths, eighths, dotted figures
and syncopations as often as POP909 sings them), where a phrase's last note falls (:data:`LAST`), how
long a note sounds within its gap (:data:`SOUNDING`) and how long a phrase's last note lasts (:data:`HOLD`:
the rules' rhythm with ``song_rhythm.RhythmStyle.drawn_end``, not shipped).

:func:`pop_line` samples a line's notes from these tables (forward filtering, backward sampling over the
slots of the line's bars), a syllable's first note drawn toward the strong beats when it is stressed
(:data:`STRESSED_AT`, a rule: POP909 has no lyrics) and away from them when it is light, and a syllable
sung to more notes (a melisma) with a weight a note (``melisma``): where the text is short for the bars the
notes that fill them go to melismas. A repeated line with the same seed gets the same rhythm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SIXTEENTHS = 16
"""Slots of a 4/4 bar."""
FLOOR = 1e-4
"""The chance given a gap of a sixteenth to a bar that the table does not list."""
SHARPEN = 1.0
"""The power :data:`STEP`'s chances are raised to (over 1: the commonest gaps commoner; 1.5 did no better
on the development half, docs/SONGS.md)."""

# fmt: off
START = {0: 0.378, 1: 0.011, 2: 0.085, 3: 0.007, 4: 0.068, 5: 0.006, 6: 0.055, 7: 0.006, 8: 0.083, 10: 0.035,
         11: 0.009, 12: 0.117, 13: 0.013, 14: 0.097, 15: 0.029}
STEP = {
    0: {1: 0.094, 2: 0.494, 3: 0.068, 4: 0.16, 6: 0.082, 7: 0.005, 8: 0.025, 10: 0.009, 12: 0.028, 16: 0.025},
    1: {1: 0.625, 2: 0.228, 3: 0.042, 4: 0.031, 5: 0.029, 6: 0.006, 7: 0.012, 11: 0.009},
    2: {1: 0.283, 2: 0.55, 4: 0.085, 6: 0.021, 8: 0.012, 10: 0.015, 14: 0.011, 16: 0.009},
    3: {1: 0.584, 2: 0.145, 3: 0.181, 4: 0.029, 5: 0.026, 7: 0.005, 8: 0.005, 9: 0.009, 11: 0.005},
    4: {1: 0.122, 2: 0.654, 3: 0.031, 4: 0.144, 6: 0.017, 8: 0.012, 12: 0.008, 16: 0.005},
    5: {1: 0.457, 2: 0.33, 3: 0.193, 4: 0.01},
    6: {1: 0.24, 2: 0.644, 4: 0.065, 6: 0.018, 8: 0.011, 10: 0.009},
    7: {1: 0.632, 2: 0.118, 3: 0.088, 4: 0.027, 5: 0.05, 6: 0.012, 7: 0.04, 8: 0.01, 9: 0.017},
    8: {1: 0.083, 2: 0.482, 3: 0.056, 4: 0.239, 5: 0.008, 6: 0.052, 7: 0.008, 8: 0.061},
    9: {1: 0.543, 2: 0.206, 3: 0.061, 4: 0.036, 5: 0.061, 6: 0.036, 7: 0.033, 8: 0.006, 9: 0.01},
    10: {1: 0.264, 2: 0.555, 3: 0.006, 4: 0.102, 6: 0.049, 8: 0.008, 10: 0.006},
    11: {1: 0.529, 2: 0.17, 3: 0.194, 4: 0.054, 5: 0.039, 7: 0.006},
    12: {1: 0.125, 2: 0.642, 3: 0.025, 4: 0.184, 6: 0.012, 8: 0.007},
    13: {1: 0.511, 2: 0.259, 3: 0.208, 4: 0.009, 5: 0.01},
    14: {1: 0.257, 2: 0.611, 3: 0.006, 4: 0.077, 6: 0.014, 8: 0.01, 10: 0.008, 16: 0.009},
    15: {1: 0.793, 2: 0.072, 3: 0.054, 4: 0.014, 5: 0.017, 6: 0.007, 7: 0.011, 8: 0.007, 9: 0.009, 16: 0.007},
}
LAST = {0: 0.312, 1: 0.027, 2: 0.102, 3: 0.036, 4: 0.045, 5: 0.013, 6: 0.058, 7: 0.059, 8: 0.172, 9: 0.013,
        10: 0.042, 11: 0.015, 12: 0.019, 14: 0.055, 15: 0.028}
SOUNDING = {2: {1: 0.458, 2: 0.542}, 3: {1: 0.128, 2: 0.436, 3: 0.436},
            4: {1: 0.035, 2: 0.151, 3: 0.337, 4: 0.477}, 5: {2: 0.141, 3: 0.201, 4: 0.277, 5: 0.381},
            6: {3: 0.12, 4: 0.218, 5: 0.273, 6: 0.39}, 7: {4: 0.205, 5: 0.253, 6: 0.157, 7: 0.386},
            8: {5: 0.163, 6: 0.197, 7: 0.191, 8: 0.449}}
HOLD = {2: 0.225, 3: 0.098, 4: 0.115, 5: 0.065, 6: 0.071, 7: 0.059, 8: 0.085, 9: 0.042, 10: 0.052, 11: 0.032,
        12: 0.043, 13: 0.019, 14: 0.017, 15: 0.012, 16: 0.064}
# fmt: on
"""The tables of the module's docstring (``bench/song_rhythm_fit.py``, POP909's development half)."""

STRESSED_AT = {3: 1.0, 2: 0.8, 1: 0.3, 0: -0.3, -1: -0.8}
"""Log-weight of a stressed syllable's first note by the slot's metric weight (3 downbeat, 2 beat 3, 1 a
beat, 0 an eighth off-beat, -1 a sixteenth off-beat): a rule, POP909 has no lyrics."""
LIGHT_AT = {3: -2.0, 2: -1.5, 1: -0.3, 0: 0.0, -1: 0.0}
"""Log-weight of a light (neutral-tone) syllable's first note: kept off the strong beats."""


def slot_weight(p: int) -> int:
    """Metric weight of sixteenth ``p`` of a 4/4 bar (3 downbeat, 2 beat 3, 1 a beat, 0 an eighth off-beat,
    -1 a sixteenth off-beat)."""
    p %= SIXTEENTHS
    return 3 if p == 0 else 2 if p == 8 else 1 if p % 4 == 0 else 0 if p % 2 == 0 else -1


@dataclass(frozen=True)
class PopLine:
    """A line's notes on the sixteenth grid from its first bar: ``notes[i]`` the (start, end) sixteenths of
    syllable ``i``'s notes, the first carrying the syllable, the others a melisma."""

    notes: tuple[tuple[tuple[int, int], ...], ...]
    total: int
    """Sixteenths in the line's bars."""

    @property
    def firsts(self) -> list[int]:
        """The sixteenth of each syllable's first note."""
        return [n[0][0] for n in self.notes]


def _table(d: dict[int, float], size: int, floor: float = 0.0) -> np.ndarray:
    out = np.full(size, floor)
    for k, v in d.items():
        if k < size:
            out[k] = v
    return out


def _steps(total: int) -> np.ndarray:
    """``S[q, g]``: the chance of a gap of ``g`` sixteenths (1-16) after a note at slot ``q``."""
    out = np.zeros((total, SIXTEENTHS + 1))
    for q in range(total):
        row = _table(STEP[q % SIXTEENTHS], SIXTEENTHS + 1, FLOOR) ** SHARPEN
        row[0] = 0.0
        row[max(0, total - q) :] = 0.0  # no note past the line's end
        out[q] = row
    return out


def _syllable_weights(stressed: bool, light: bool, size: int, stress: float, lead: int) -> np.ndarray:
    table = LIGHT_AT if light else STRESSED_AT if stressed else None
    if table is None:
        return np.ones(size)
    return np.exp(np.array([stress * table[slot_weight(k - lead)] for k in range(size)]))


PICKUP = 4
"""Sixteenths before a line's first bar where its first note may fall (a pickup: :data:`START`'s beat 4)."""
BREATH = 2
"""Sixteenths of silence at least after a line's last note, which lasts to its bars' end otherwise."""
ROOM = 6
"""Sixteenths at least from a line's last note to its bars' end (a held note, with room for a pickup)."""


def pop_line(
    stresses: list[bool],
    bars: int,
    rng: np.random.Generator,
    light: list[bool] | None = None,
    melisma: float = 0.1,
    stress: float = 1.0,
    detached: bool = False,
    pickup: bool = True,
) -> PopLine:
    """A line's notes drawn from POP909's tables (the module's docstring) over ``bars`` bars of 4/4.

    The first note falls where :data:`START` draws it: in the first bar, or with ``pickup`` on the beat
    before it (negative sixteenths); the last in the last bar where :data:`LAST` draws it, :data:`ROOM`
    sixteenths or more before the end, held to the end less a :data:`BREATH`. ``melisma``: the weight of a
    note that continues a syllable (0: one note a syllable); ``stress`` scales :data:`STRESSED_AT` and
    :data:`LIGHT_AT`; ``detached``: each other note sounds as long as :data:`SOUNDING` draws for its gap
    (else to the next note)."""
    n, total = len(stresses), bars * SIXTEENTHS
    light = list(light) if light is not None else [False] * n
    if n == 0:
        return PopLine((), total)
    lead = PICKUP if pickup else 0
    size = lead + total  # slot k is sixteenth k - lead of the line
    steps = _steps(size)
    syl = [_syllable_weights(stresses[i], light[i], size, stress, lead) for i in range(n)]
    new = np.zeros((n, size))  # weight of paths whose syllable i starts at slot p
    cont = np.zeros((n, size))  # ... whose note at p continues syllable i
    first = lead + 12  # the first note: on the pickup beat or in the first three beats
    new[0, :first] = [START.get((k - lead) % SIXTEENTHS, 0.0) for k in range(first)]
    new[0] *= syl[0]
    for i in range(n):
        if i > 0:
            prev = new[i - 1] + cont[i - 1]
            for g in range(1, SIXTEENTHS + 1):
                new[i, g:] += prev[:-g] * steps[:-g, g]
            new[i] *= syl[i]
        if melisma > 0.0:
            for p in range(1, size):
                q = np.arange(max(0, p - SIXTEENTHS), p)
                cont[i, p] = melisma * float(np.dot(new[i, q] + cont[i, q], steps[q, p - q]))
        scale = (new[i] + cont[i]).max()  # keep the numbers in range (the draws need only ratios)
        if scale > 0:
            new[i] /= scale
            cont[i] /= scale
    end = (new[-1] + cont[-1]) * np.array([LAST.get((k - lead) % SIXTEENTHS, 0.0) for k in range(size)])
    end[: lead + (bars - 1) * SIXTEENTHS] = 0.0
    end[size - ROOM + 1 :] = 0.0
    if end.sum() <= 0:
        raise ValueError(f"{n} syllables do not fit {bars} bars of 4/4")
    p = int(rng.choice(size, p=end / end.sum()))
    i, kind = n - 1, "new" if rng.random() * (new[-1, p] + cont[-1, p]) < new[-1, p] else "cont"
    path: list[tuple[int, int]] = [(i, p)]  # (syllable, slot) from the end
    while not (i == 0 and kind == "new"):
        q = np.arange(max(0, p - SIXTEENTHS), p)
        into = steps[q, p - q]
        if kind == "new":
            i -= 1
        w = np.concatenate([new[i, q] * into, cont[i, q] * into])
        k = int(rng.choice(len(w), p=w / w.sum()))
        p, kind = int(q[k % len(q)]), "new" if k < len(q) else "cont"
        path.append((i, p))
    path.reverse()
    slots = [s - lead for _, s in path]
    ends = _sounding(slots, total, rng, detached)
    notes: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for (i, _), s, e in zip(path, slots, ends, strict=True):
        notes[i].append((s, e))
    return PopLine(tuple(tuple(x) for x in notes), total)


def _draw(table: dict[int, float], rng: np.random.Generator, most: int) -> int:
    keys = [k for k in table if k <= most]
    if not keys:
        return most
    w = np.array([table[k] for k in keys])
    return int(keys[int(rng.choice(len(keys), p=w / w.sum()))])


def _sounding(slots: list[int], total: int, rng: np.random.Generator, detached: bool) -> list[int]:
    """The end (sixteenths) of each note at ``slots``: :data:`SOUNDING` within its gap where ``detached``,
    the last to the line's end less a :data:`BREATH`."""
    out = []
    for a, b in zip(slots, slots[1:], strict=False):
        gap = b - a
        out.append(a + (_draw(SOUNDING[gap], rng, gap) if detached and gap in SOUNDING else gap))
    out.append(total - BREATH)
    return out


LINE_SYLLABLES = 16
"""The most syllables of a two-bar pop line (POP909's phrases: 13 notes in 1.6 bars the median)."""


SHORT_LINE = 6
"""The most syllables of a one-bar pop line (a longer one fills its bars with melismas)."""


def pop_bars(syllables: int) -> int:
    """Bars of a pop line of ``syllables``: 1 up to :data:`SHORT_LINE`, 2 up to :data:`LINE_SYLLABLES`,
    else 4, 6 ..."""
    if syllables <= SHORT_LINE:
        return 1
    return max(2, 2 * math.ceil(syllables / LINE_SYLLABLES))
