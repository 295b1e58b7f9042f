"""The MIR benchmark (issue 22, item 5; after CMI-Bench): every understanding and analysis task partita has,
on held-out data, with mir_eval's metrics where they exist, each beside a baseline measured in the same run.

The tasks and their samples are :data:`partita.evaluation.mir_bench.MIR_TASKS` (``partita bench mir`` runs
the same table): key and chords on POP909's odd ids, sections on held-out O'Neill tunes, melody extraction and
velocity on POP909's test songs, composer / region / province / tune type / style on the test split of the
built corpus ``all``. Without ``--full``, small held-out samples (each row names its sample).

    python bench/bench_mir.py --threads 1 [--tasks key,chords,...] [--full] [--name mir]
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_mir")
SLOW = True  # several minutes even quick: run only when named


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", default=None, help="Comma-separated task names (default: every task).")
    ap.add_argument("--full", action="store_true", help="The full held-out sets (half an hour or more).")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="mir", help="Result name: bench/results/NAME.json.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch
    from threadpoolctl import threadpool_limits

    from partita.evaluation.mir_bench import MirBenchConfig, format_table, resolve_tasks, run_mir_bench

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    try:
        tasks = resolve_tasks(args.tasks)
    except ValueError as e:
        ap.error(str(e))
    given = list(argv if argv is not None else sys.argv[1:])
    cmd = " ".join(["python bench/bench_mir.py", *map(shlex.quote, given)])
    t0 = time.monotonic()
    table = run_mir_bench(
        [t.name for t in tasks],
        config=MirBenchConfig(quick=not args.full, seed=args.seed),
        progress=lambda done, total, msg: log.info("[%d/%d] %s", done, total, msg),
    )
    rows = [
        row(
            f"{r['task']}: {r['metric']}, {r['system']}",
            r["value"],
            "score",
            cmd,
            r["baseline"],
            r["baseline_value"],
            higher_is_better=r["higher_is_better"],
            notes=f"{r['sample']}; {r['data']}" + (f"; {r['notes']}" if r["notes"] else ""),
        )
        for r in table
    ]
    extra = {"table": table, "wall_seconds": round(time.monotonic() - t0, 1)}
    path = write_result(
        args.name, "MIR benchmark: every task, held out, baselines beside", rows, not args.full, extra
    )
    print(format_table(table))
    print(f"wrote {path} ({extra['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
