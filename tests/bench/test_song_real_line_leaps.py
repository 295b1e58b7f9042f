"""The line-start leap measure of bench/bench_song_real.py (issue 25) on tiny settings built here: the
intervals into a lyric line's first note are told apart from those inside the lines."""

from __future__ import annotations

import sys
from pathlib import Path

from partita.lyrics import Line, Lyrics, Section, Syllable

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_song_real import Setting, mark_lines, measures  # noqa: E402


def _lyrics(lengths: list[int]) -> Lyrics:
    lines = []
    for n in lengths:
        syllables = tuple(Syllable("la", "la", "single", False) for _ in range(n))
        lines.append(Line(" ".join("la" for _ in range(n)), syllables))
    return Lyrics([Section("verse", tuple(lines))], language="en")


def test_a_leap_into_a_lines_first_note_counts_as_a_line_start():
    # two lines of three syllables; the second syllable has a melisma note (index 2) of no syllable
    s = Setting("x", "en", pitches=[60, 62, 64, 64, 72, 71, 69])
    s.syllable_notes = [0, 1, 3, 4, 5, 6]
    mark_lines(s, _lyrics([3, 3]))
    assert s.line_starts == [4]
    m = measures([s])
    assert m["line_start_leaps"] == 1.0 and m["line_starts"] == 1  # 64 -> 72 starts line 2
    assert m["inside_leaps"] == 0.0  # steps and a repeat inside the lines


def test_a_step_into_a_line_is_no_line_start_leap():
    s = Setting("x", "en", pitches=[60, 67, 65, 64, 65, 67])
    s.syllable_notes = list(range(6))
    mark_lines(s, _lyrics([2, 2, 2]))
    assert s.line_starts == [2, 4]
    m = measures([s])
    assert m["line_start_leaps"] == 0.0
    assert m["inside_leaps"] == 1 / 3  # 60 -> 67 inside the first line


def test_an_abc_notes_diatonic_step():
    from essen_leaps import _abc_step

    assert _abc_step("C") == 0 and _abc_step("c") == 7 and _abc_step("c'") == 14 and _abc_step("C,") == -7
    assert _abc_step("^F") - _abc_step("C") == 3  # a fourth: a leap over a major third
