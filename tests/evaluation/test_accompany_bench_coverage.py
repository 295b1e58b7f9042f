"""bench_accompany's rows say how many songs each mean covers: a song whose figure is None (a melody with no
note on a beat, parts with no onset) is left out of the mean, and the row now counts it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import _covered, _mean, coverage_note  # noqa: E402
from partita.evaluation.accompaniment import Agreement  # noqa: E402


def test_each_mean_counts_the_songs_it_covers():
    found = [Agreement(0.5, None, 0.2, 4), Agreement(None, None, 0.4, 0), Agreement(1.0, 0.5, 0.6, 3)]
    assert _covered(found) == (2, 1, 3)
    tones, consonance, onsets = _mean(found)
    assert math.isclose(tones, 0.75) and math.isclose(consonance, 0.5) and math.isclose(onsets, 0.4)
    assert _covered([]) == (0, 0, 0) and math.isnan(_mean([])[0])


def test_the_note_names_a_baseline_that_covers_other_songs():
    assert coverage_note(10, 10, 10) == "10 of 10 covered"
    assert coverage_note(7, 10) == "7 of 10 covered"
    assert coverage_note(7, 10, 9) == "7 of 10 covered (baseline 9)"
