"""Pop's syncopations that run on and its pairs of sixteenths (issue 25, ``RhythmStyle.syncopate``,
``run_on``, ``run_strong``, ``sixteenths``): onsets off the beat from one to the next, two unstressed
syllables in one eighth; the syllables' count, the line's first and last syllables stay."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from partita.generation.song import TPQ, alignment, sing
from partita.generation.song_rhythm import (
    SLOT,
    STYLE_RHYTHM,
    RhythmStyle,
    sixteenths,
    styled_times,
    syncopate,
)
from partita.lyrics import read_lyrics

VERSE = """[verse]
Down by the river where the willows grow
I saw a light that I used to know
Over the water and across the sand
Came a song from a far off land
"""
Q = 2 * SLOT  # a quarter


def _quarters(n: int) -> list[tuple[int, int]]:
    return [(i * Q, (i + 1) * Q) for i in range(n - 1)] + [((n - 1) * Q, (n + 3) * Q)]


def test_a_syncopation_runs_on_off_beat_to_off_beat():
    times = _quarters(6)  # beats 1 2 3 4 | 1, then the last syllable on beat 2
    stresses = [True, False, False, False, False, True]
    style = RhythmStyle(syncopate=1.0, run_on=1.0)
    got = syncopate(times, stresses, "4/4", style, np.random.default_rng(0))
    assert got[0] == (0, Q - SLOT)  # the syllable before an eighth shorter
    for i in (1, 2, 3):  # beats 2, 3 (unstressed) and 4 come an eighth early, each a quarter still
        assert got[i] == (times[i][0] - SLOT, times[i][1] - SLOT)
    assert got[4] == (4 * Q - SLOT, 5 * Q)  # the run's last note an eighth longer: the last syllable stays
    assert got[5] == times[5]
    assert sum(s % TPQ != 0 for s, _ in got) == 4


def test_a_run_stops_at_a_stressed_strong_beat_unless_asked():
    times = _quarters(6)
    stresses = [True, False, True, False, True, True]  # beats 1 and 3 stressed
    style = RhythmStyle(syncopate=1.0, run_on=1.0)
    got = syncopate(times, stresses, "4/4", style, np.random.default_rng(0))
    assert got[2] == (2 * Q, 3 * Q - SLOT)  # beat 3 stays (stressed, strong)
    assert got[1] == (Q - SLOT, 2 * Q)  # beat 2 moved, ending on beat 3
    pushed = syncopate(times, stresses, "4/4", replace(style, run_strong=True), np.random.default_rng(0))
    assert pushed[2] == (2 * Q - SLOT, 3 * Q - SLOT)  # pop's push: beat 3's syllable an eighth before it
    assert (
        syncopate(times, stresses, "4/4", replace(style, run_on=0.0), np.random.default_rng(0))[2][0] == 2 * Q
    )


def test_no_syncopation_at_zero_or_in_six_eight():
    times, stresses = _quarters(6), [True, False, False, False, False, True]
    assert syncopate(times, stresses, "4/4", RhythmStyle(run_on=1.0), np.random.default_rng(0)) == times
    assert syncopate(times, stresses, "6/8", RhythmStyle(syncopate=1.0), np.random.default_rng(0)) == times


def test_two_unstressed_eighths_become_a_pair_of_sixteenths():
    times = [(0, Q), (Q, Q + SLOT), (Q + SLOT, 2 * Q), (2 * Q, 4 * Q)]  # quarter, eighth, eighth, held
    got = sixteenths(times, [True, False, False, True], 1.0, np.random.default_rng(0))
    assert got == [(0, Q + SLOT), (Q + SLOT, Q + SLOT + SLOT // 2), (Q + SLOT + SLOT // 2, 2 * Q), times[3]]
    assert sixteenths(times, [True, False, True, True], 1.0, np.random.default_rng(0)) == times  # a stress
    assert sixteenths(times, [True, False, False, True], 0.0, np.random.default_rng(0)) == times


def test_styled_times_draw_nothing_new_at_zero():
    onsets, stresses = [0, 2, 3, 4, 6, 8], [True, False, False, True, False, True]
    plain = styled_times(onsets, stresses, 16, "4/4", RhythmStyle(), np.random.default_rng(1))
    both = RhythmStyle(syncopate=1.0, run_on=1.0, sixteenths=1.0)
    got = styled_times(onsets, stresses, 16, "4/4", both, np.random.default_rng(1))
    assert got != plain and got[0][0] == plain[0][0] and got[-1] == plain[-1]
    assert len(got) == len(plain)


def _syncopated(song) -> float:
    got = [n.onset % TPQ != 0 and n.onset + n.duration > (n.onset // TPQ + 1) * TPQ for n in song.notes]
    return sum(got) / len(got)


def _sixteenth_onsets(song) -> int:
    return sum(n.onset % SLOT != 0 for n in song.notes)


def test_shipped_pop_sings_eighths_and_sixteenths():
    """Pop's rhythm as shipped (``POP_DURATIONS``, ``sixteenths`` 0.25; before: an eighth scored 1.4 below a
    quarter, no sixteenths): as many eighths between onsets as quarters, and pairs of sixteenths."""
    from collections import Counter

    gaps: Counter = Counter()
    sixteenth_onsets = 0
    for seed in range(4):
        notes = sing(read_lyrics(VERSE), style="pop", seed=seed).notes
        gaps.update(b.onset - a.onset for a, b in zip(notes, notes[1:], strict=False))
        sixteenth_onsets += sum(n.onset % SLOT != 0 for n in notes)
    total = sum(gaps.values())
    assert gaps[SLOT] / total > 0.3 and gaps[SLOT] >= 0.8 * gaps[Q]  # before: 0.15 eighths, 0.59 quarters
    assert gaps[SLOT // 2] > 0 and sixteenth_onsets > 0


def test_four_four_draws_fewer_dotted_pairs_and_pop_none():
    from partita.generation.song_rhythm import METER_PAIRS

    style = RhythmStyle(dotted_pair=1.0)
    onsets, stresses = [0, 1, 2, 3, 4, 5, 6, 8], [True, False, True, False, True, False, True, True]

    def dotted(meter: str) -> float:
        out = []
        for seed in range(300):
            times = styled_times(onsets, stresses, 12, meter, style, np.random.default_rng(seed))
            out.append(np.mean([s != p * SLOT for (s, _), p in zip(times, onsets, strict=True)]))
        return float(np.mean(out))

    assert METER_PAIRS["4/4"] < 0.5
    assert dotted("4/4") < 0.6 * dotted("3/4")
    assert STYLE_RHYTHM["pop"].dotted_pair == 0.0


def test_pop_songs_run_on_and_sing_sixteenths_with_every_syllable_sung():
    lyrics = read_lyrics(VERSE)
    style = STYLE_RHYTHM["pop"]
    try:
        STYLE_RHYTHM["pop"] = replace(style, syncopate=0.0, run_on=0.0, sixteenths=0.0)
        before = [sing(lyrics, style="pop", seed=s) for s in range(3)]
        STYLE_RHYTHM["pop"] = replace(style, syncopate=1.0, run_on=1.0, sixteenths=1.0)
        after = [sing(lyrics, style="pop", seed=s) for s in range(3)]
    finally:
        STYLE_RHYTHM["pop"] = style
    assert sum(map(_syncopated, after)) > sum(map(_syncopated, before)) + 0.05 * len(after)
    assert sum(map(_sixteenth_onsets, after)) > sum(map(_sixteenth_onsets, before))
    for a in after:
        got = alignment(a)
        assert got["orphan"] == 0 and got["with_note"] == got["syllables"]
