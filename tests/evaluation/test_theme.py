"""Theme recurrence: bars that recall the theme in transposition and rhythm count, others do not."""

from __future__ import annotations

import pytest
import symusic

from partita.evaluation.theme import bar_figures, figure_similarity, theme_recurrence

THEME = [(0, 60), (480, 64), (960, 67), (1200, 65), (1440, 64)]  # one 4/4 bar: quarters, two eighths


def piece(*bars: list[tuple[int, int]]) -> symusic.Score:
    """A melody in 4/4, one list of (time in the bar, pitch) a bar; each note lasts to the next onset."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("", 0, False)
    for b, notes in enumerate(bars):
        for time, pitch in notes:
            t.notes.append(symusic.Note(b * 1920 + time, 240, pitch, 80))
    s.tracks.append(t)
    return s


def test_a_copy_and_a_transposition_recur_and_a_new_figure_does_not():
    up = [(t, p + 5) for t, p in THEME]
    other = [(0, 72), (960, 71), (1440, 69)]  # another rhythm and other intervals
    score = piece(THEME, THEME, up, other)
    r = theme_recurrence(score, theme_bars=1)
    assert r["bars"] == 3 and r["recurrence"] == pytest.approx(2 / 3)
    figures = bar_figures(score)
    assert (
        figure_similarity(figures[0], figures[2]) == 1.0 and figure_similarity(figures[0], figures[3]) < 0.5
    )


def test_empty_bars_recall_nothing_and_a_piece_without_a_rest_of_it_scores_zero():
    assert theme_recurrence(piece(THEME, [], [], THEME), theme_bars=1)["bars"] == 1
    assert theme_recurrence(piece(THEME), theme_bars=1) == {
        "recurrence": 0.0,
        "mean_similarity": 0.0,
        "bars": 0.0,
    }
