"""Sections of O'Neill's 1850 tunes against their notated strains: partita's sections against a boundary
every 8 bars, on the first 200 usable tunes (the development half: the anacrusis and phrase-length choices
were made on it) and the next 200 (held out).

The measurement itself is ``bench_analysis.bench_structure`` (mir_eval.segment.detection at 0.5 s and 3 s,
mir_eval.segment.pairwise on the strain labels A A B B); this script runs it on both halves.

    python bench/bench_sections.py [--n 200]

Writes bench/results/sections.json.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import bench_structure  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_sections")
COMMAND = "python bench/bench_sections.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="tunes in each half")
    ap.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rows, halves = [], {}
    for half, skip in (("development", 0), ("held out", args.n)):
        t0 = time.perf_counter()
        r = bench_structure(args.n, skip=skip)
        halves[half] = {**r, "seconds": round(time.perf_counter() - t0, 1)}
        note = f"O'Neill's 1850 tunes {skip + 1}-{skip + r['n']} (usable ones, in file order)"
        for key, base, name in (
            ("f05", "b05", "section boundary F at 0.5 s"),
            ("f3", "b3", "section boundary F at 3 s"),
            ("pair", "bpair", "section label pairwise F"),
        ):
            rows.append(
                row(
                    f"O'Neill's tunes ({half}): {name}",
                    r[key],
                    "F",
                    COMMAND,
                    baseline="a boundary every 8 bars (labels all distinct), same tunes",
                    baseline_value=r[base],
                    goal="beat the 8-bar grid",
                    notes=note,
                )
            )
    path = write_result("sections", "Sections of O'Neill's tunes against their strains", rows, extra=halves)
    for r in rows:
        print(f"{r['metric']}: {r['value']:.3f} (grid {r['baseline_value']:.3f})")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
