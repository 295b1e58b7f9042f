"""bench/bench_realism.py with the two-bar loop guard switched off, to measure what it changed.

`partita.generation.rules.repeat.loops_figure` is patched back to what the rules knew before 2026-12-05 (only
the bar just played counts as a loop), so the repeat pull may begin ``A B A B`` and the loop guard lets it
go on. Every argument is bench_realism's, e.g.:

    python scripts/realism-without-figure-guard.py --styles jig --n 16 --threads 1 --name NAME
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import partita.generation.rules.loops as loops  # noqa: E402
import partita.generation.rules.repeat as repeat  # noqa: E402


def only_the_bar_before(bars: list[list[int]], body: list[int]) -> int | None:
    now = len(bars) - 1
    return 1 if now >= 2 and bars[now - 1][1:] == body else None


repeat.loops_figure = only_the_bar_before
loops.loops_figure = only_the_bar_before

import bench_realism  # noqa: E402

if __name__ == "__main__":
    sys.argv = ["bench_realism.py", *sys.argv[1:]]
    bench_realism.main()
