"""The measures of the co-creation benchmarks (bench/bench_continue.py, bench_infill.py, bench_plan.py) on
tiny scores built here: each can fail, and none needs a model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_continue import bar_span, compare, pitch_classes  # noqa: E402
from bench_infill import with_after  # noqa: E402
from bench_plan import found_sections, scores  # noqa: E402


def line(pitches: list[int], start_bar: int = 0, program: int = 0) -> symusic.Score:
    """One track of quarter notes in 4/4 from ``start_bar``."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("", program, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(start_bar * 1920 + i * 480, 480, p, 80))
    s.tracks.append(t)
    return s


def test_bar_span_cuts_and_moves_bars_to_zero():
    score = line([60, 62, 64, 65, 67, 69, 71, 72, 74])  # 2 bars and a note
    span = bar_span(score, 1, 1)
    assert [(n.time, n.pitch) for n in span.tracks[0].notes] == [(0, 67), (480, 69), (960, 71), (1440, 72)]


def test_compare_rewards_the_real_continuations_pitches_and_names_the_seam():
    given, truth = line([60, 62, 64, 65]), line([67, 65, 64, 62])
    same = compare(truth, truth, given)
    other = compare(line([61, 63, 66, 68]), truth, given)
    assert same["pc_overlap"] == pytest.approx(1.0) and other["pc_overlap"] == pytest.approx(0.0)
    assert same["mean_pitch_gap"] == 0 and same["note_count_error"] == 0
    assert same["seam_leap"] == same["seam_leap_real"] == 2  # F4 -> G4
    assert pitch_classes(symusic.Score(480)).sum() == 0  # no notes: an empty histogram, not a division error


def test_with_after_puts_the_real_bars_after_the_written_ones():
    written = line([60] * 32)  # 8 bars of C4
    real = line([72] * 48)  # 12 bars of C5
    out = with_after(written, real)
    times = sorted((n.time, n.pitch) for n in out.tracks[0].notes)
    assert times[31] == (31 * 480, 60) and times[32] == (8 * 1920, 72) and len(times) == 48


def test_the_plan_scores_are_perfect_for_the_plan_itself_and_worse_for_a_wrong_cut():
    plan = [(0, 8, "A"), (8, 16, "A"), (16, 24, "B"), (24, 32, "B")]
    assert scores(plan, plan)["boundary_f_2bars"] == 1.0 and scores(plan, plan)["pairwise_f"] == 1.0
    wrong = [(0, 12, "A"), (12, 32, "B")]
    assert scores(plan, wrong)["boundary_f_2bars"] < 1.0 and scores(plan, wrong)["pairwise_f"] < 1.0


def test_found_sections_span_the_whole_piece():
    score = line([60, 62, 64, 65] * 8 + [67, 69, 71, 72] * 8)  # 8 bars of one figure, 8 of another
    found = found_sections(score, 16)
    assert found[0][0] == 0 and found[-1][1] == 16
    assert all(a < b for a, b, _ in found)
