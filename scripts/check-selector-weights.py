"""Check the Selector's weights on development prompts, never on the benchmark's.

Each prompt (its own, none is in ``bench/prompts/controllability.jsonl``) is sampled once with ``--n``
candidates (constrained, seeds 8001+); every candidate gets the Selector's scores (adherence, style, quality).
Then each weight setting picks its best candidate from the same candidates, and the script prints, over the
prompts, the mean adherence, key match (CK), style and quality scores of the picked ones, so the settings are
compared on identical samples::

    python scripts/check-selector-weights.py --n 8 --threads 2

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import logging
import statistics

PROMPTS = (
    "a cheerful German folk song in F major, 3/4, 8 bars",
    "a Chinese folk melody in G major, pentatonic, 2/4, 8 bars",
    "a four-part chorale in A minor, 8 bars",
    "an Irish reel in E minor for fiddle, 16 bars",
    "a slow air in G major for flute, 3/4, 8 bars",
    "a jig in A major for tin whistle and guitar, 6/8, 8 bars",
    "a hornpipe in B flat major, 4/4, 8 bars",
    "a pop piano ballad in D major, 70 bpm, 8 bars",
    "a Renaissance motet in D minor for voices, 8 bars",
    "a march in C major for brass, 2/4, 8 bars",
    "a calm folk song in E flat major with chords Eb Ab Bb Eb, 8 bars",
    "an energetic pop song in B minor, dense, 8 bars",
)
WEIGHTS = {
    "adherence only": {"adherence": 1.0, "style": 0.0, "quality": 0.0},
    "0.7 / 0.2 / 0.1": {"adherence": 0.7, "style": 0.2, "quality": 0.1},
    "0.5 / 0.3 / 0.2 (default)": {"adherence": 0.5, "style": 0.3, "quality": 0.2},
    "0.3 / 0.4 / 0.3": {"adherence": 0.3, "style": 0.4, "quality": 0.3},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=8001)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from partita.evaluation.selector import Selector
    from partita.pipelines import generate, load_generator

    torch.set_num_threads(args.threads)
    lm = load_generator()
    picked: dict[str, dict[str, list[float]]] = {w: {} for w in WEIGHTS}
    for i, prompt in enumerate(PROMPTS):
        _, cands = generate(prompt, n=args.n, seed=args.seed + i, model=lm, wav=False)
        line = [prompt]
        for name, weights in WEIGHTS.items():
            sel = Selector(weights=weights)
            best = max(cands, key=lambda c: sel.combine(c.scores))
            rec = picked[name]
            for key in ("adherence", "style", "quality"):
                if key in best.scores:
                    rec.setdefault(key, []).append(float(best.scores[key]))
            if best.adherence.get("CK") is not None:
                rec.setdefault("CK", []).append(float(best.adherence["CK"]))
            line.append(f"{name}: #{cands.index(best) + 1}")
        print(" | ".join(line), flush=True)
    print("means over prompts (the picked candidate of each):")
    for name, rec in picked.items():
        parts = [f"{k} {statistics.mean(v):.3f} (n={len(v)})" for k, v in rec.items() if v]
        print(f"  {name}: " + ", ".join(parts))


if __name__ == "__main__":
    main()
