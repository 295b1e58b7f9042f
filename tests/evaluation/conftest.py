"""Shared fixtures of the evaluation tests; the score builders live in evaluation_fixtures.py."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)
