"""bench/bench_tracks.py's realism rows: each refilled set against other real pieces, beside block chords, the
pieces as written and the real-vs-real floor, on tiny scores built here (no model, no corpus)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_tracks import realism_rows  # noqa: E402


def piece(seed: int, notes_per_bar: int) -> symusic.Score:
    """Two tracks, 8 bars of 4/4, random pitches at ``notes_per_bar`` even onsets a bar."""
    rng = np.random.default_rng(seed)
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    step = 1920 // notes_per_bar
    for low in (60, 40):
        t = symusic.Track("", 0, False)
        for k in range(8 * notes_per_bar):
            t.notes.append(symusic.Note(k * step, step, int(low + rng.integers(0, 12)), 80))
        s.tracks.append(t)
    return s


def test_the_rows_give_each_set_beside_block_chords_and_name_the_floor():
    from partita.evaluation.realism import realism_report

    real = [piece(i, 4) for i in range(8)]
    sets = {
        "partita": [piece(10 + i, 4) for i in range(4)],
        "block": [piece(20 + i, 1) for i in range(4)],  # one note a bar: easy to tell
        "real": [piece(30 + i, 4) for i in range(4)],
    }
    report = realism_report(sets, real)
    rows = realism_rows("POP909", report, 4, "3-6", "python bench/bench_tracks.py")
    assert [r["metric"].split(",")[0] for r in rows] == [
        "track infill: realism two-sample accuracy",
        "track infill: realism Fréchet distance",
    ]  # sets the run did not make (the range task's) are left out
    accuracy = rows[0]
    assert accuracy["value"] == report["sets"]["partita"]["accuracy"]
    assert accuracy["baseline_value"] == report["sets"]["block"]["accuracy"] >= 0.9
    assert not accuracy["higher_is_better"]
    assert "real-vs-real floor" in accuracy["notes"] and "as written" in accuracy["notes"]
