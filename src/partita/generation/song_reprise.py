"""Reprised lines of a pop song (``song_rhythm.RhythmStyle.reprise``, ``line_form``): a line sung to the
tune of an earlier line of its section, exactly where their cadences agree, with the line's own ending where
they do not (a near repeat), fitted to its syllables by splitting or joining notes (docs/SONGS.md, Reprised
lines, Line forms). The phrases are :class:`partita.generation.song._Phrase` (learned pitches: ``sung``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from partita.generation.song_rhythm import SLOT, is_strong, slot_weights
from partita.lyrics import Line

if TYPE_CHECKING:
    from partita.generation.song import _Phrase


def strong_stresses(times: list[tuple[int, int]], stresses: list[bool], meter: str) -> int:
    """How many of the stressed syllables start on a strong beat."""
    return sum(is_strong(t[0], meter) for t, s in zip(times, stresses, strict=True) if s)


def reprise_line(
    earlier: list[tuple[str, _Phrase, int]],
    end: str,
    fresh: _Phrase,
    seed: int,
    line: Line,
    meter: str,
    took: list[int | None] | None = None,
) -> tuple[_Phrase, int]:
    """The phrase (and its seed) for ``line``: the tune of the nearest earlier line with the same cadence
    ``end`` that :func:`reprise` fits to it with its stressed syllables on strong beats as often as on the
    line sung anew (``fresh``), else ``fresh``. ``took``: whose tune each line sings
    (``RhythmStyle.line_form``): not the tune the line before sings (AABA's B is sung anew)."""
    stresses = [s.stressed for s in line.syllables]
    need = strong_stresses(list(fresh.times), stresses, meter)
    before = took[len(earlier) - 1] if took and earlier else None
    for at in range(len(earlier) - 1, -1, -1):
        kind, src, src_seed = earlier[at]
        if kind != end or (before is not None and at in (before, len(earlier) - 1)):
            continue
        got = reprise(src, stresses, meter)
        if got is not None and strong_stresses(list(got.times), stresses, meter) >= need:
            return got, src_seed
    return fresh, seed


def form_line(
    earlier: list[tuple[str, _Phrase, int]],
    at: int | None,
    end: str,
    fresh: _Phrase,
    seed: int,
    line: Line,
    meter: str,
    tail_of: Callable[[int, int, int], _Phrase | None] | None = None,
    retext_first: bool = False,
) -> tuple[_Phrase, int]:
    """The phrase (and its seed) for ``line``: the tune of the earlier line ``at`` of its section
    (``song_rhythm.section_form``) fitted by :func:`reprise`, with its own ending
    (:func:`ending_reprise`) where that line has another cadence than ``end``, taken where its stressed
    syllables fall on strong beats as often as on the line sung anew (``fresh``), else ``fresh``.
    ``tail_of`` (``RhythmStyle.retext``): where the whole tune is not taken, its first half note for note
    and the rest in the line's own rhythm (:func:`retexted`), under the same check; ``retext_first``: that
    tried before the whole tune."""
    if at is None:
        return fresh, seed
    kind, src, src_seed = earlier[at]
    stresses = [s.stressed for s in line.syllables]
    need = strong_stresses(list(fresh.times), stresses, meter)

    def whole() -> _Phrase | None:
        got = reprise(src, stresses, meter)
        return ending_reprise(got, fresh, meter) if got is not None and kind != end else got

    def retext() -> _Phrase | None:
        return retexted(src, fresh, tail_of, kind == end, meter) if tail_of is not None else None

    for make in (retext, whole) if retext_first else (whole, retext):
        got = make()
        if got is not None and strong_stresses(list(got.times), stresses, meter) >= need:
            return got, src_seed
    return fresh, seed


def _tune_notes(ph: _Phrase) -> list[tuple[int, int]]:
    """(start tick, degree) of every note of a phrase with learned pitches, in order."""
    out = []
    for (a, _), run, sung in zip(ph.times, ph.runs or [()] * len(ph.times), ph.sung, strict=True):
        out += [(a, sung[0])] + [(r[0], d) for r, d in zip(run, sung[1:], strict=True)]
    return sorted(out)


def retexted(
    src: _Phrase,
    fresh: _Phrase,
    tail_of: Callable[[int, int, int], _Phrase | None],
    same_end: bool,
    meter: str,
) -> _Phrase | None:
    """A line sung to ``src``'s tune in its first half (the tune's syllables there, note for note) and in the
    rest to a rhythm of its own (``tail_of(k, bars, degree)``: the line's syllables from ``k`` sung anew over
    the last ``bars`` bars from ``degree``), each note of that rest on the tune's note sounding at its onset
    (notes added or taken away where the words differ: a near repeat with a changed rhythm, as most of
    POP909's are); the last bar's notes and chord the line's own where its cadence is not the tune's
    (``same_end`` False), else the tune's last note last. None for a one-bar line, where the line has no
    syllable for the rest, or where the rest does not fit or starts before the tune's half ends."""
    slots = len(slot_weights(meter))
    bar, bars = slots * SLOT, src.total // slots
    half, m = bars // 2, len(fresh.times)
    k = sum(t[0] < half * bar for t in src.times)  # the tune's syllables in its first half
    if half < 1 or not src.sung or not 1 <= k < min(m, len(src.times)):
        return None
    tail = tail_of(k, bars - half, src.sung[k - 1][-1])
    if tail is None or not tail.sung:
        return None
    cut = half * bar
    first = cut + tail.times[0][0]
    runs = list(src.runs[:k]) if src.runs else [()] * k
    sung, times = list(src.sung[:k]), list(src.times[:k])
    keep = [r for r in runs[-1] if r[0] < first]  # the tune's last notes there end by the rest
    if times[-1][0] >= first:
        return None
    sung[-1] = sung[-1][: 1 + len(keep)]
    if keep:
        runs[-1] = tuple(keep[:-1]) + ((keep[-1][0], min(keep[-1][1], first)),)
    else:
        runs[-1] = ()
        times[-1] = (times[-1][0], min(times[-1][1], first))
    tune = _tune_notes(src)
    last_bar = (cut + tail.times[-1][0]) // bar * bar

    def degree(t: int, own: int, final: bool) -> int:
        if not same_end and t >= last_bar:
            return own  # the line's own cadence
        if same_end and final:
            return src.last_degree
        return next(d for a, d in reversed(tune) if a <= t) if tune[0][0] <= t else tune[0][1]

    tail_runs = tail.runs or ((),) * len(tail.times)
    for i, ((a, b), run, own) in enumerate(zip(tail.times, tail_runs, tail.sung, strict=True)):
        notes = [(cut + a, cut + b)] + [(cut + x, cut + y) for x, y in run]
        final = [i == len(tail.times) - 1 and j == len(notes) - 1 for j in range(len(notes))]
        times.append(notes[0])
        runs.append(tuple(notes[1:]))
        sung.append(tuple(degree(t, d, f) for (t, _), d, f in zip(notes, own, final, strict=True)))
    roots = list(src.roots)
    if not same_end:
        b = last_bar // bar
        roots = roots[:b] + list(tail.roots[b - half :])
    return replace(src, onsets=[max(0, a // SLOT) for a, _ in times], degrees=[x[0] for x in sung],
                   roots=roots, times=times, runs=tuple(runs), sung=tuple(sung))  # fmt: skip


JOIN = 2
"""The widest move (scale steps) from a reprised line's opening to its ending (:func:`ending_reprise`)."""


def ending_reprise(got: _Phrase, fresh: _Phrase, meter: str) -> _Phrase | None:
    """A line sung to an earlier line's tune (``got``, fitted to its syllables) up to a syllable in the bar
    of its last, from there as sung anew (``fresh``, the same syllables, its own cadence and chord): the
    latest such syllable that starts after the tune's notes before it and no later than the tune's own
    (no note of the tune is left out or held longer) and a move of :data:`JOIN` steps or less from the
    tune's last note; else the tune's rhythm, the syllables from the latest one of that bar
    that moves :data:`JOIN` steps or less moved as one to the nearest note of ``fresh``'s cadence; None
    where neither is (a near repeat: the same tune with a varied ending)."""
    bar = len(slot_weights(meter)) * SLOT
    last_bar = fresh.times[-1][0] // bar * bar  # the bar of the last syllable
    for j in range(len(fresh.times) - 1, 0, -1):
        cut = fresh.times[j][0]
        if cut < last_bar:
            break
        head = got.runs[j - 1][-1] if got.runs[j - 1] else got.times[j - 1]  # the tune's note before
        if got.times[j][0] < cut or head[0] >= cut or abs(got.sung[j - 1][-1] - fresh.sung[j][0]) > JOIN:
            continue
        times, runs = list(got.times[:j]) + list(fresh.times[j:]), list(got.runs[:j]) + list(fresh.runs[j:])
        if runs[j - 1]:  # the tune's last note ends by the ending
            runs[j - 1] = runs[j - 1][:-1] + ((head[0], min(head[1], cut)),)
        else:
            times[j - 1] = (head[0], min(head[1], cut))
        sung = got.sung[:j] + fresh.sung[j:]
        b = cut // bar  # the ending's bar sings its own chord (the cadence's)
        roots = list(got.roots[:b]) + list(fresh.roots[b:])
        return replace(got, onsets=[max(0, a // SLOT) for a, _ in times], degrees=[x[0] for x in sung],
                       roots=roots, times=times, runs=tuple(runs), sung=sung)  # fmt: skip
    shift = min((fresh.last_degree + o - got.last_degree for o in (-7, 0, 7)), key=abs)
    for j in range(len(got.times) - 1, 0, -1):  # else the tune's rhythm, its ending moved to the cadence
        if got.times[j][0] < got.times[-1][0] // bar * bar:
            break
        if abs(got.sung[j][0] + shift - got.sung[j - 1][-1]) <= JOIN:
            sung = got.sung[:j] + tuple(tuple(d + shift for d in x) for x in got.sung[j:])
            b = got.times[j][0] // bar
            roots = list(got.roots[:b]) + list(fresh.roots[b:])
            return replace(got, degrees=[x[0] for x in sung], roots=roots, sung=sung)
    return None


def varied(ph: _Phrase, chance: float, meter: str, rng: np.random.Generator) -> _Phrase:
    """``ph`` with each syllable of one note that is not on a strong beat, not the first or last, moved a
    step up or down with ``chance`` (``RhythmStyle.vary``: a reprise nearly the same tune)."""
    sung = list(ph.sung)
    for j in range(1, len(sung) - 1):
        if len(sung[j]) == 1 and not is_strong(ph.times[j][0], meter) and rng.random() < chance:
            sung[j] = (sung[j][0] + (1 if rng.random() < 0.5 else -1),)
    return replace(ph, degrees=[d[0] for d in sung], sung=tuple(sung))


def reprise(src: _Phrase, stresses: list[bool], meter: str) -> _Phrase | None:
    """``src``'s tune (learned pitches: ``_Phrase.sung``) for a line of syllables ``stresses``: the same
    notes where the counts agree; one syllable more: a note (not the last syllable's, a quarter or longer,
    no melisma) split in two halves at its pitch; one fewer: two syllables' notes joined as one syllable's
    melisma. Of the ways, the one with the most stressed syllables on strong beats; None where the counts
    differ by more than one or no way fits."""
    n, m = len(src.times), len(stresses)
    if not src.sung or abs(n - m) > 1:
        return None
    times, runs, sung = list(src.times), list(src.runs), list(src.sung)
    ways = []
    if m == n:
        ways.append((times, runs, sung))
    elif m == n + 1:
        for j in range(n - 1):
            a, b = times[j]
            if runs[j] or b - a < 2 * SLOT:
                continue
            half = math.ceil((b - a) / 2 / SLOT) * SLOT
            ways.append((times[:j] + [(a, a + half), (a + half, b)] + times[j + 1 :],
                         runs[:j] + [(), ()] + runs[j + 1 :],
                         sung[:j] + [sung[j][:1], sung[j][:1]] + sung[j + 1 :]))  # fmt: skip
    else:
        for j in range(n - 1):
            joined = tuple(runs[j]) + (times[j + 1],) + tuple(runs[j + 1])
            ways.append((times[: j + 1] + times[j + 2 :], runs[:j] + [joined] + runs[j + 2 :],
                         sung[:j] + [sung[j] + sung[j + 1]] + sung[j + 2 :]))  # fmt: skip
    if not ways:
        return None
    t, r, d = max(ways, key=lambda w: strong_stresses(w[0], stresses, meter))
    onsets = [max(0, a // SLOT) for a, _ in t]
    return replace(src, onsets=onsets, degrees=[x[0] for x in d], times=t, runs=tuple(r), sung=tuple(d))
