"""Key changes are modulations, not flicker: lengths count four quarter notes whatever bars a file declares.

584 of POP909's 800 songs declare 1/4, so their "bars" are beats; the key regions were once windowed and
merged in those bars, and an hour of songs listed 130 key changes, most a relative key for a few seconds and
back (issue 20, bench/bench_key_changes.py).
"""

from __future__ import annotations

import pytest
from analysis_scores import progression_score

from partita.analysis.description import describe
from partita.analysis.key import estimate_key, key_name, key_segments
from partita.analysis.timeline import beat_grid, note_arrays

QPM = 100.0
BAR_S = 4 * 60.0 / QPM  # a bar of four quarter notes, in seconds


def _joined(first, second, meter):
    """``first`` then ``second`` (chord names, one a bar of four quarter notes) in one score of ``meter``."""
    score = progression_score(first, qpm=QPM, time_signature=meter)
    later = progression_score(second, qpm=QPM, time_signature=meter, transpose=4)
    shift = len(first) * 4 * score.ticks_per_quarter
    for ti, track in enumerate(later.tracks):
        for n in track.notes:
            n.time += shift
            score.tracks[ti].notes.append(n)
    return score


def _regions(score):
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    est = estimate_key(notes)
    return grid, est, key_segments(notes, grid.bars, est.index, ticks_per_quarter=score.ticks_per_quarter)


@pytest.mark.parametrize("meter", [(1, 4), (2, 4), (4, 4)])
def test_a_relative_key_for_a_few_bars_is_no_change(meter):
    """Four bars of A minor after every four of C major, 32 bars: one key region, the piece's, in a file of
    any declared meter."""
    score = progression_score(["C", "F", "G", "C", "Am", "Dm", "E", "Am"] * 4, qpm=QPM, time_signature=meter)
    _, est, regions = _regions(score)
    assert [k for _, _, k in regions] == [est.index], [(a, b, key_name(k)) for a, b, k in regions]
    d = describe(score)
    assert len(d.key_changes) <= 1, d.key_changes


@pytest.mark.parametrize("meter", [(1, 4), (4, 4)])
def test_a_modulation_is_found_where_it_happens(meter):
    """C major for 16 bars, then E major for 16: two regions, the change within two bars of bar 16."""
    score = _joined(["C", "F", "G", "C"] * 4, ["C", "F", "G", "C"] * 4, meter)
    d = describe(score)
    keys = [k["key"] for k in d.key_changes]
    assert keys == ["C major", "E major"], d.key_changes
    assert abs(d.key_changes[1]["start"] - 16 * BAR_S) <= 2 * BAR_S


def test_declared_bars_do_not_move_the_regions():
    """The same music declared in 1/4 and in 4/4 gives the same key regions, changing within a bar of four
    quarter notes of each other (the 1/4 file's bars are finer)."""
    chords = (["C", "F", "G", "C"] * 4, ["C", "F", "G", "C", "Am", "Dm", "E", "Am"] * 2)

    def at_ticks(meter):
        grid, _, regions = _regions(_joined(*chords, meter))
        return [(int(grid.bars[a]), k) for a, _, k in regions]

    beats, bars = at_ticks((1, 4)), at_ticks((4, 4))
    assert [k for _, k in beats] == [k for _, k in bars] and len(bars) == 2
    assert all(abs(a - b) < 4 * 480 for (a, _), (b, _) in zip(beats, bars, strict=True))


def test_a_short_region_is_merged_by_its_length_not_its_bar_count():
    """An 8-beat excursion in a 1/4 file is 8 of its bars but 2 bars of four quarter notes: merged, where
    the same call counting the file's own bars (no ``ticks_per_quarter``) keeps a 16-beat region."""
    score = _joined(["C", "F", "G", "C"] * 8, ["C", "G"] * 2, (1, 4))
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    est = estimate_key(notes)
    # the 8-bar regions' merge only: the search for short excursions (3 bars or more) reports this ending
    tpq = score.ticks_per_quarter
    by_length = key_segments(notes, grid.bars, est.index, ticks_per_quarter=tpq, excursions=False)
    assert [key_name(k) for _, _, k in by_length] == ["C major"]
    by_bars = key_segments(notes, grid.bars, est.index, window=4, min_bars=2, switch_cost=1.0)
    assert len(by_bars) >= 2  # in one-beat bars the same settings see the excursion
