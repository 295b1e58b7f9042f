"""A motion peak is timed at the middle of its burst (the middle of its width at half its prominence), not at
whichever sample of the burst's plateau happens to be highest."""

from __future__ import annotations

import pytest
from tests.picture.pictures import SPEC

from partita.picture import read_video_features
from partita.picture.video import _peaks


def test_the_peaks_are_timed_at_the_middle_of_their_bursts(video_path):
    found = read_video_features(video_path).motion_peaks
    centres = [a + d / 2 for a, d in SPEC.bursts]
    assert len(found) == len(centres)
    assert max(abs(p - c) for p, c in zip(found, centres, strict=True)) <= 0.1


def test_a_plateau_is_timed_at_its_middle_whichever_sample_is_highest():
    times = [k / 8 for k in range(40)]
    motion = [0.01] * 40
    motion[20:24] = [0.09, 0.08, 0.08, 0.085]  # a burst from 2.5 s to 3.0 s, its first sample the highest
    assert _peaks(times, motion) == [pytest.approx(2.6875, abs=0.02)]
