"""Check a fader (polyphony, rhythm or density) on development prompts, never on the benchmark's.

The controllability benchmark's prompts (``bench/prompts/controllability.jsonl``) are a held-out test; this
script writes its own (other keys, meters, tempi and instruments, seeds the benchmark does not use), generates
each at the fader levels given, and prints per level the mean measured value of the best-ranked candidate in
the units of the fader's condition bins (notes sounding together; onsets or notes per quarter), its bin's
edges beside it, the largest number of notes sounding at once, and the Spearman correlation over all pieces::

    python scripts/check-fader.py polyphony --levels 0 0.25 0.5 0.75 1 --n 4 --threads 2

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import json
import logging
import time

PROMPTS = (
    "a piece for piano in E minor, 4/4, 8 bars, 120 bpm",
    "a piano piece in Bb major, 6/8, 8 bars, 80 bpm",
    "a piece for acoustic guitar in A major, 4/4, 8 bars, 96 bpm",
    "a piece for strings in C minor, 3/4, 8 bars, 70 bpm",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fader", choices=["polyphony", "rhythm", "density"])
    ap.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    ap.add_argument(
        "--n", type=int, default=4, help="candidates per prompt (the best-ranked one is measured)"
    )
    ap.add_argument("--seed", type=int, default=1001)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch
    from scipy.stats import spearmanr

    from partita.analysis.features import polyphony_stats
    from partita.analysis.timeline import note_arrays
    from partita.pipelines import generate as run
    from partita.pipelines import load_generator
    from partita.tokens import conditions
    from partita.tokens.dataset import score_statistics

    torch.set_num_threads(args.threads)
    lm = load_generator("partita-small")
    levels, measured = [], []
    t0 = time.perf_counter()
    for level in args.levels:
        per_level, peaks = [], []
        for i, prompt in enumerate(PROMPTS):
            fader = {args.fader: level}
            request, cands = run(prompt, n=args.n, seed=args.seed + i, model=lm, wav=False, **fader)
            score = cands[0].score
            poly = score_statistics(score)[args.fader] if score.note_num() else None
            notes = note_arrays(score)
            peaks.append(polyphony_stats(notes.select(~notes.drum))[1])
            per_level.append(poly)
            levels.append(level)
            measured.append(float("nan") if poly is None else poly)
        edges = getattr(conditions, f"{args.fader.upper()}_EDGES")
        b = conditions.bin_index(getattr(request.conditions, args.fader), edges)
        lo = edges[b - 1] if b else 0.0
        hi = edges[b] if b < len(edges) else None
        got = [p for p in per_level if p is not None]
        print(
            json.dumps(
                {
                    "fader": level,
                    "bin": [lo, hi],
                    "mean": round(sum(got) / max(len(got), 1), 3),
                    "each": [None if p is None else round(p, 2) for p in per_level],
                    "max_sounding": peaks,
                }
            )
        )
    rho = spearmanr(levels, measured, nan_policy="omit").statistic
    print(
        json.dumps(
            {
                "spearman": round(float(rho), 3),
                "pieces": len(measured),
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
