"""Fixtures of the analysis tests (the score builders live in analysis_scores.py)."""

from __future__ import annotations

import pytest
import symusic
from analysis_scores import progression_score


@pytest.fixture
def pop_score() -> symusic.Score:
    """Sixteen bars of C - Am - F - G with melody, bass and drums, at 100 bpm in 4/4."""
    return progression_score(["C", "Am", "F", "G"] * 4, drums=True)
