"""External programs run with a time limit: past it, one ScoreError naming the file."""

from __future__ import annotations

import sys

import pytest

from partita.score import ScoreError
from partita.score.tools import run_tool


def test_a_tool_past_its_time_is_a_named_error_and_a_quick_one_answers():
    with pytest.raises(ScoreError, match="took over 1 s") as err:
        run_tool([sys.executable, "-c", "import time; time.sleep(30)"], 1, "it took over 1 s", "clip.mp4")
    assert err.value.reason == "timeout" and "clip.mp4" in str(err.value)
    done = run_tool([sys.executable, "-c", "print('ok')"], 30, "never", "x", text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok"
