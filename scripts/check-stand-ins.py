"""Check stand-in instruments on development prompts, never on the benchmark's.

For each prompt (its own instruments, styles, keys and seeds; none is in
``bench/prompts/controllability.jsonl``) this prints the model's prior share of each requested program
(:func:`partita.generation.instruments.program_prior`) and, for constrained generation with and without
stand-ins, the mean notes per bar of the candidates, the best-ranked candidate's instrument F1 and the share
of its notes inside the instruments' music21 ranges::

    python scripts/check-stand-ins.py --n 4 --threads 2

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import logging
import statistics

PROMPTS = (
    "a hornpipe in G major for flute, 8 bars",
    "a slow air in E minor for cello, 3/4, 8 bars",
    "a Chinese folk tune in A minor for erhu, 2/4, 8 bars",
    "a minuet in F major for oboe and bassoon, 3/4, 8 bars",
    "a reel in A major for banjo and guitar, 8 bars",
    "a pop song in C major for guitar and bass, 8 bars",
    "a chorale in G major for choir, 8 bars",
    "a waltz in D major for piano, 8 bars",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2001)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from partita.generation.instruments import instrument_range, program_prior
    from partita.generation.prompt import project_prompt
    from partita.pipelines import generate, load_generator

    torch.set_num_threads(args.threads)
    lm = load_generator()
    for i, prompt in enumerate(PROMPTS):
        c = project_prompt(prompt).conditions
        prior = program_prior(lm, c)
        shares = ", ".join(f"{p}: {prior.get(p, 0.0):.3f}" for p in c.programs)
        print(f"{prompt}\n  prior of the requested programs: {shares}")
        for stand_ins in (False, True):
            request, cands = generate(prompt, n=args.n, seed=args.seed + i, model=lm, stand_ins=stand_ins)
            bars = request.conditions.bars or 8
            per_bar = statistics.mean(sum(len(t.notes) for t in cand.score.tracks) / bars for cand in cands)
            best = cands[0]
            inside = total = 0
            for track in best.score.tracks:
                low, high = instrument_range(int(track.program))
                total += len(track.notes)
                inside += sum(1 for n in track.notes if low <= n.pitch <= high)
            f1 = best.adherence.get("instrument_f1")
            print(
                f"  stand-ins {'on ' if stand_ins else 'off'}: {per_bar:5.2f} notes/bar "
                f"(mean of {len(cands)}), best: F1 {f1 if f1 is None else round(f1, 3)}, "
                f"{inside}/{total} notes in range, "
                f"programs {sorted({int(t.program) for t in best.score.tracks})}"
            )


if __name__ == "__main__":
    main()
