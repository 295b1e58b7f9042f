"""Check that every requested instrument keeps playing, on development prompts, never on the benchmark's.

For each prompt (two or more instruments; its own styles, keys and seeds; none is in
``bench/prompts/controllability.jsonl``) and each ``--weights`` value of the presence pull
(:attr:`partita.generation.config.GenerationConfig.presence_weight`), this generates ``--n`` candidates and
prints, over all of them, the share of bars each requested instrument starts a note in (mean, and the mean of
each candidate's quietest instrument), the notes per bar of each instrument, and the best-ranked candidate's
``instrument_presence`` and Selector score::

    python scripts/check-presence.py --weights 0 1 2 3 --n 4 --threads 2

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import logging
import statistics

PROMPTS = (
    "a brisk reel in G major for fiddle and guitar, 16 bars",
    "a slow air in D minor for flute and harp, 3/4, 8 bars",
    "a march in B flat major for trumpet and tuba, 2/4, 16 bars",
    "a lullaby in F major for clarinet and piano, 6/8, 8 bars",
    "a pop ballad in E major for voice and piano, 8 bars",
    "a folk dance in A minor for violin, cello and accordion, 8 bars",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=float, nargs="+", default=[0.0, 1.0, 2.0, 3.0])
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seed", type=int, default=6001)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from partita.analysis import describe
    from partita.pipelines import generate, load_generator

    torch.set_num_threads(args.threads)
    lm = load_generator()
    summary = {w: {"mean": [], "quietest": [], "best": [], "notes": []} for w in args.weights}
    for i, prompt in enumerate(PROMPTS):
        print(prompt)
        for w in args.weights:
            request, cands = generate(
                prompt, n=args.n, seed=args.seed + i, model=lm, presence_weight=w, wav=False
            )
            wanted = [int(p) for p in request.conditions.programs if int(p) >= 0]
            shares, quietest, per_bar = [], [], {p: [] for p in wanted}
            bars = request.conditions.bars or 8
            for cand in cands:
                tracks = describe(cand.score, analyse_chords=False, analyse_structure=False).instruments
                got = {
                    p: max((t["bar_share"] or 0.0 for t in tracks if t["program"] == p), default=0.0)
                    for p in wanted
                }
                shares.extend(got.values())
                quietest.append(min(got.values()))
                for p in wanted:
                    per_bar[p].append(sum(len(t.notes) for t in cand.score.tracks if t.program == p) / bars)
            best = cands[0]
            s = summary[w]
            s["mean"].append(statistics.mean(shares))
            s["quietest"].append(statistics.mean(quietest))
            s["best"].append(best.adherence.get("instrument_presence", float("nan")))
            s["notes"].append(statistics.mean(sum(v) for v in zip(*per_bar.values(), strict=True)))
            notes = ", ".join(f"{p}: {statistics.mean(v):.2f}" for p, v in per_bar.items())
            print(
                f"  weight {w:g}: bar share mean {statistics.mean(shares):.2f}, quietest "
                f"{statistics.mean(quietest):.2f}; notes/bar {notes}; best: presence {s['best'][-1]:.2f}, "
                f"combined {best.scores.get('combined', float('nan')):.3f}"
            )
    print("all prompts (means over prompts):")
    for w, s in summary.items():
        print(
            f"  weight {w:g}: bar share {statistics.mean(s['mean']):.3f}, quietest "
            f"{statistics.mean(s['quietest']):.3f}, best-ranked presence {statistics.mean(s['best']):.3f}, "
            f"notes/bar {statistics.mean(s['notes']):.2f}"
        )


if __name__ == "__main__":
    main()
