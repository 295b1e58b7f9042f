"""The time a person waits: `partita generate` end to end, constrained beside free sampling.

Issue 19 item 7. Each run is the CLI in a fresh process, as a person types it: loading the model,
projecting the prompt, sampling 4 candidates, measuring and ranking them, and writing every file (MIDI,
MusicXML, piano roll, WAV when FluidSynth is present, generation.json). The peer is the same command with
``--no-constraints`` (free sampling up to the bars asked for), same prompt and seed, in the same run.
Goals: the constrained path costs at most 2x free sampling, and 32 bars with 4 candidates stay under 30 s
on 2 cores.

    python bench/bench_wait.py [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

PROMPTS = {
    16: "a four-part chorale in G major for choir, 16 bars",
    32: "a lively Irish reel in D major for fiddle, 32 bars",
}
COMMAND = "python bench/bench_wait.py --threads 2"


def run_cli(prompt: str, seed: int, free: bool, threads: int) -> float:
    """Seconds for one `partita generate` in a fresh process (the exit status must be 0)."""
    with tempfile.TemporaryDirectory() as out:
        args = [
            sys.executable,
            "-m",
            "partita.cli.main",
            "generate",
            prompt,
            "--n",
            "4",
            "--seed",
            str(seed),
            "-o",
            out,
            *(["--no-constraints"] if free else []),
        ]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}  # torch takes its thread count from it
        t0 = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(f"partita generate failed ({done.returncode}): {done.stderr[-2000:]}")
        if not (Path(out) / "generation.json").is_file():
            raise RuntimeError("partita generate wrote no generation.json")
        return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="one repeat")
    args = ap.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    rows = []
    for bars, prompt in PROMPTS.items():
        constrained = [run_cli(prompt, 7 + r, False, args.threads) for r in range(repeats)]
        free = [run_cli(prompt, 7 + r, True, args.threads) for r in range(repeats)]
        c, f = statistics.median(constrained), statistics.median(free)
        rows.append(
            row(
                f"partita generate, {bars} bars x 4 candidates, all files",
                c,
                "s",
                COMMAND,
                baseline="--no-constraints, same prompt and seed",
                baseline_value=f,
                higher_is_better=False,
                goal="<= 2x free" + ("; < 30 s" if bars == 32 else ""),
                notes=(
                    f"median of {repeats} fresh processes ({prompt!r}); constrained {constrained}, "
                    f"free {free}; model load included"
                ),
            )
        )
    write_result("wait", "The time a person waits | partita generate end to end", rows, quick=args.quick)
    for r in rows:
        print(f"{r['metric']}: {r['value']:.1f} s vs {r['baseline_value']:.1f} s ({r['ratio']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
