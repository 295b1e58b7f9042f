"""English pop's eighths and sixteenths against POP909 (issue 25): ``RhythmStyle.durations`` and
``RhythmStyle.sixteenths`` as shipped in pop, beside pop before them, in one run.

The sets of ``song_rhythm_syncopation.py`` (POP909's development and held-out halves of songs 1-800, windows
of 4 notes a bar or fewer; partita's English pop lines, ``bench_song.py``'s 12 English texts, 8-bar windows)
for generation seeds ``--first`` .. ``--first + --seeds - 1`` (a second set of seeds repeats the comparison
on other draws), with pop's rhythm:

- ``partita``: as shipped (eighths scored as high as quarters would be, :data:`SHIPPED`; pairs of sixteenths
  on unstressed syllables, ``sixteenths``);
- ``before``: pop's durations and no sixteenths as before (:data:`BEFORE`), the baseline of every row;
- ``eighths_only``: the shipped durations, no sixteenths;
- ``syncopate``: the shipped rhythm with runs of syncopations (``syncopate`` 0.25, ``run_on`` 1: tried on the
  development half, not shipped).

Each set: the realism judge's two-sample accuracy (``realism.two_sample_test``, three judge seeds),
sixteenths, syncopations and the distance between the times between onsets and POP909's (total variation),
note-length and onset-gap spreads, and singability (stressed syllables on strong beats, orphans).

    python bench/song_rhythm_eighths.py --threads 1 [--first 8]
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song_realism import JUDGE_SEEDS, pop_style  # noqa: E402
from common import row, write_result  # noqa: E402
from song_rhythm_syncopation import judged, setup, sung  # noqa: E402

log = logging.getLogger("song_rhythm_eighths")
SLOW = True
COMMAND = "python bench/song_rhythm_eighths.py --threads 1"
BEFORE = {"durations": ((2, 0.8), (1, -0.6), (3, -0.3), (4, -0.4), (6, -1.5)), "sixteenths": 0.0}
"""Pop's rhythm before this benchmark's choice (``RhythmStyle.durations`` and ``sixteenths``)."""
ARMS = {
    "before": BEFORE,
    "eighths_only": {"sixteenths": 0.0},
    "syncopate": {"syncopate": 0.25, "run_on": 1.0},
}
"""Changes to the shipped pop rhythm of each set beside ``partita`` (the shipped one)."""


def run(seeds: int, first: int, reals: dict[str, list]) -> dict:
    from partita.generation.song_rhythm import STYLE_RHYTHM

    sets, singing = {}, {}
    sets["partita"], singing["partita"] = sung(seeds, first)
    for name, change in ARMS.items():
        with pop_style(STYLE_RHYTHM, **change):
            sets[name], singing[name] = sung(seeds, first)
    return judged(sets, singing, reals)


def rows(report: dict, first: int, seeds: int, command: str) -> list[dict]:
    sets, out = report["sets"], []
    base = sets["before"]
    seed_text = f"generation seeds {first}-{first + seeds - 1}"
    for h in report["real"]:
        label = "development half (choices looked here)" if h.startswith("dev") else "held-out half"
        real = report["real"][h]
        for k in ("partita", "eighths_only", "syncopate"):
            a, b = sets[k], base
            seeds_ = f"{[round(x, 3) for x in a[h]['seeds']]} against {[round(x, 3) for x in b[h]['seeds']]}"
            out.append(
                row(
                    f"song rhythm, POP909 {label}, windows of 4 notes a bar or fewer: two-sample accuracy, "
                    f"English pop lines, {k} ({seed_text})",
                    a[h]["accuracy"],
                    "accuracy",
                    command,
                    "pop before eighths and sixteenths, same run",
                    b[h]["accuracy"],
                    higher_is_better=False,
                    goal="near 0.5",
                    notes=f"judges' seeds {list(JUDGE_SEEDS)}: {seeds_}; between-onset distance "
                    f"{a[h]['ioi_distance']:.3f} (before {b[h]['ioi_distance']:.3f}); sixteenth gaps "
                    f"{a['sixteenth_ioi']:.3f} (before {b['sixteenth_ioi']:.3f}, POP909 "
                    f"{real['sixteenth_ioi']:.3f}); syncopated {a['syncopated']:.3f} (POP909 "
                    f"{real['syncopated']:.3f}); note-length spread {a['duration_std']:.3f} (before "
                    f"{b['duration_std']:.3f}, POP909 {real['duration_std']:.3f}); stressed on strong "
                    f"{a['stressed_on_strong']:.3f} (before {b['stressed_on_strong']:.3f})",
                )
            )
    return out


def main() -> None:
    t0 = time.perf_counter()
    args, reals = setup([("--first", {"type": int, "default": 0, "help": "the first generation seed"})])
    report = run(args.seeds, args.first, reals)
    command = COMMAND + (f" --first {args.first}" if args.first else "")
    name = "song_rhythm_eighths" + (f"_from_{args.first}" if args.first else "")
    title = "English pop's eighths and sixteenths against POP909 (RhythmStyle.durations, sixteenths)"
    path = write_result(
        name,
        title + (f", generation seeds from {args.first}" if args.first else ""),
        rows(report, args.first, args.seeds, command),
        quick=args.quick,
        extra={
            "report": report,
            "arms": {k: str(v) for k, v in ARMS.items()},
            "seconds": time.perf_counter() - t0,
        },
    )
    print(path)


if __name__ == "__main__":
    main()
