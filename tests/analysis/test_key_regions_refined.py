"""Key regions refined: no change between relative keys, and a change placed on the bar where it happens.

POP909's annotators never mark a change between relative major and minor, and 9 of the 11 wrong changes
``describe`` reported on the even songs were such (issue 20, bench/bench_key_changes.py).
"""

from __future__ import annotations

import pytest
from analysis_scores import progression_score

from partita.analysis.description import describe
from partita.analysis.key import estimate_key, key_name, key_segments, parse_key, relative_keys
from partita.analysis.timeline import beat_grid, note_arrays


def _joined(first, second, meter, transpose=0):
    """``first`` then ``second`` (chord names, one a bar of four quarter notes; ``second`` transposed) in one
    score of ``meter``."""
    score = progression_score(first, time_signature=meter)
    later = progression_score(second, time_signature=meter, transpose=transpose)
    later = later.shift_time(len(first) * 4 * score.ticks_per_quarter)
    for track, more in zip(score.tracks, later.tracks, strict=True):
        track.notes.extend(more.notes)
    return score


def _regions(score, refine=True):
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    est = estimate_key(notes)
    tpq = score.ticks_per_quarter
    return grid, est, key_segments(notes, grid.bars, est.index, ticks_per_quarter=tpq, refine=refine)


def test_relative_keys():
    assert relative_keys(parse_key("C major"), parse_key("A minor"))
    assert relative_keys(parse_key("F# minor"), parse_key("A major"))
    assert not relative_keys(parse_key("C major"), parse_key("C minor"))
    assert not relative_keys(parse_key("C major"), parse_key("E minor"))
    assert not relative_keys(parse_key("C major"), parse_key("G major"))


@pytest.mark.parametrize("meter", [(1, 4), (4, 4)])
def test_the_relative_minor_for_sixteen_bars_is_no_change(meter):
    """20 bars of C major, then 16 of A minor with its E major dominant: one region, in the piece's key
    (unrefined: a change to A minor)."""
    score = _joined(["C", "F", "G", "C"] * 5, ["Am", "Dm", "E", "Am"] * 4, meter)
    _, est, regions = _regions(score)
    assert [k for _, _, k in regions] == [est.index], [(a, b, key_name(k)) for a, b, k in regions]
    _, _, unrefined = _regions(score, refine=False)
    assert [key_name(k) for _, _, k in unrefined] == ["C major", "A minor"]
    assert len(describe(score).key_changes) == 1


@pytest.mark.parametrize(("meter", "beats_a_bar"), [((1, 4), 1), ((4, 4), 4)])
def test_a_change_up_a_semitone_is_placed_on_its_bar(meter, beats_a_bar):
    """24 bars of C major, then 12 of Db major (pop's last-chorus lift): the change on bar 24 exactly
    (unrefined: a bar late in four-four bars, a beat late in one-beat bars)."""
    score = _joined(["C", "Am", "F", "G"] * 6, ["C", "Am", "F", "G"] * 3, meter, transpose=1)
    grid, _, regions = _regions(score)
    assert [key_name(k) for _, _, k in regions] == ["C major", "Db major"]
    change = 24 * 4 * score.ticks_per_quarter
    assert grid.bars[regions[1][0]] == change
    _, _, unrefined = _regions(score, refine=False)
    assert grid.bars[unrefined[1][0]] > change


def test_a_piece_in_one_key_is_one_region_either_way():
    score = progression_score(["C", "Am", "F", "G", "C", "F", "G", "C"] * 4)
    _, est, regions = _regions(score)
    assert regions == _regions(score, refine=False)[2] == [(0, 32, est.index)]


def test_a_long_stretch_in_the_relative_key_is_a_change():
    """36 bars of C major, then 36 of A minor (a minor piece's second theme in the relative major, turned
    round): over :data:`KEY_RELATIVE_BARS` each, so still two regions."""
    score = _joined(["C", "F", "G", "C"] * 9, ["Am", "Dm", "E", "Am"] * 9, (4, 4))
    _, _, regions = _regions(score)
    assert [key_name(k) for _, _, k in regions] == ["C major", "A minor"]
    assert regions[1][0] == 36
