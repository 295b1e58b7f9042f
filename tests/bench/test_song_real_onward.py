"""The arpeggio measure of bench/bench_song_real.py (issue 25) on tiny settings built here: a leap over a
major third whose next interval moves on the same way by a third or more goes on; a step on, or a turn
back, does not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from song_measures import measures  # noqa: E402
from song_setting import Setting  # noqa: E402


@pytest.mark.parametrize(
    ("pitches", "onward"),
    [
        ([60, 67, 72], 1.0),  # a fifth, then a fourth up: an arpeggio
        ([60, 67, 70], 1.0),  # a fifth, then a minor third up
        ([60, 67, 69], 0.0),  # a fifth, then a step up: no arpeggio
        ([72, 65, 60], 1.0),  # down and down
        ([60, 67, 60], 0.0),  # a leap back: gap-fill, not on
        ([60, 67, 67], 0.0),  # a repeat
    ],
)
def test_a_leap_goes_on_only_by_a_third_or_more_the_same_way(pitches, onward):
    m = measures([Setting("x", "en", pitches=pitches)])
    assert m["leaps_followed"] == 1
    assert m["leap_onward"] == onward


def test_only_leaps_over_a_major_third_count():
    m = measures([Setting("x", "en", pitches=[60, 64, 67, 72, 74, 79])])  # thirds, a fourth, a step, a fourth
    assert m["leaps_followed"] == 1  # the last interval has no next one
    assert m["leap_onward"] == 0.0  # 67 -> 72 then a step
