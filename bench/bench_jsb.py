"""JSB Chorales in Music Transformer's setting: relative attention against learned absolute positions.

Both models have the same size, steps, batch, block size, data order and seed (presets ``jsb-relative`` and
``jsb-absolute``); only the position scheme differs. They are trained one after the other, then their
validation and test NLL per token (nats; one token = one voice at one 16th step) are reported side by side,
relative as the value and absolute as the baseline (lower is better). The paper's claim to check: relative
attention gives lower NLL (Huang et al. 2018, Table 1).

    nice -n 10 python bench/bench_jsb.py            # ~20-25 min per model on one thread
    python bench/bench_jsb.py --quick               # a few steps, to check the pipeline

Training is resumable: rerunning the same command continues the runs in ``--out``; finished runs are read back
from their ``result.json`` (so the two may also be trained separately, e.g. with
``partita train --preset jsb-relative --out OUT/relative``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.paths import data_dir  # noqa: E402
from partita.training import preset, train  # noqa: E402

logger = logging.getLogger("bench_jsb")


SLOW = True  # minutes of training or a full corpus build: run only when named or with --all


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="a few steps only (checks the pipeline, not the claim)"
    )
    ap.add_argument(
        "--out", default=None, help="folder for the two runs (default: $PARTITA_DATA/runs/bench-jsb)"
    )
    ap.add_argument("--max-steps", type=int, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    out = (
        Path(args.out)
        if args.out
        else data_dir() / "runs" / ("bench-jsb-quick" if args.quick else "bench-jsb")
    )
    overrides = {}
    if args.quick:
        overrides = dict(
            max_steps=20, eval_interval=20, eval_tokens=8192, checkpoint_interval=10, warmup_steps=5
        )
    if args.max_steps:
        overrides["max_steps"] = args.max_steps
    results, seconds = {}, {}
    for pos in ("relative", "absolute"):
        cfg = preset(f"jsb-{pos}", **overrides)
        done = out / pos / "result.json"
        if done.is_file() and json.loads(done.read_text())["step"] >= cfg.max_steps:
            # a finished run (e.g. trained by `partita train --preset jsb-...`): read its final evaluation
            saved = json.loads(done.read_text())
            results[pos] = {
                **saved["metrics"],
                "steps": saved["step"],
                "tokens_seen": saved["tokens_seen"],
                "tokens_per_second": saved["tokens_per_second"],
            }
            continue
        t0 = time.perf_counter()
        res = train(cfg, out / pos)
        seconds[pos] = time.perf_counter() - t0
        results[pos] = {
            **res.metrics,
            "steps": res.step,
            "tokens_seen": res.tokens_seen,
            "tokens_per_second": res.tokens_per_second,
        }
        logger.info("%s: %s", pos, json.dumps(results[pos]))
    command = "nice -n 10 python bench/bench_jsb.py" + (" --quick" if args.quick else "")
    if args.max_steps:
        command += f" --max-steps {args.max_steps}"
    rel, ab = results["relative"], results["absolute"]
    note = (
        f"same size/steps/batch/block/seed; {rel['steps']} steps, {rel['tokens_seen']:,} training tokens "
        "each; NLL in nats per token (one voice at one 16th step)"
    )
    rows = []
    for split in ("valid", "test"):
        key = f"{split}_nll_per_token"
        if key in rel and key in ab:
            rows.append(
                row(
                    f"JSB {split} NLL per token, relative attention",
                    rel[key],
                    "nats/token",
                    command,
                    baseline="absolute positions (same budget)",
                    baseline_value=ab[key],
                    higher_is_better=False,
                    goal="relative < absolute (Music Transformer's claim)",
                    notes=note,
                )
            )
    rows.append(
        row(
            "JSB training throughput, relative attention",
            rel["tokens_per_second"],
            "tokens/s",
            command,
            baseline="absolute positions",
            baseline_value=ab["tokens_per_second"],
            notes=(
                "1 thread, nice 10, wall clock on a shared machine (not a controlled speed test: see "
                "bench_model.py)"
            ),
        )
    )
    path = write_result(
        "jsb",
        "JSB Chorales: relative vs absolute positions (Music Transformer's setting)",
        rows,
        quick=args.quick,
        extra={"runs": results, "seconds": seconds, "out": str(out)},
    )
    logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
