"""Choose generation's key settings on development prompts, never on the benchmark's.

The controllability benchmark's prompts (``bench/prompts/controllability.jsonl``) are a held-out test:
settings chosen on them would be fitted to the test. This script writes its own development prompts (every one
of the 24 keys, in several styles and instruments, with seeds the benchmark does not use) and measures CK /
CKD of the best-ranked candidate for each setting given on the command line::

    python scripts/tune-key-gravity.py --tonic-weight 0 1 2 --in-key both --n 4 --threads 2

It prints one JSON line per setting; nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time

TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
FRAMES = (
    "a short piece for {instrument} in {key}, {bars} bars",
    "{key} tune for {instrument}, {bars} bars, moderate tempo",
    "a calm {instrument} melody in {key}, {bars} bars",
)
INSTRUMENTS = ("piano", "violin", "flute", "guitar", "strings", "clarinet")


def dev_prompts(limit: int | None) -> list[tuple[str, str]]:
    """(prompt, expected key) for every tonic in both modes, cycling through frames and instruments."""
    out = []
    frames = itertools.cycle(FRAMES)
    instruments = itertools.cycle(INSTRUMENTS)
    for mode, tonic in itertools.product(("major", "minor"), TONICS):
        key = f"{tonic} {mode}"
        out.append((next(frames).format(instrument=next(instruments), key=key, bars=8), key))
    return out[:limit] if limit else out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--tonic-weight", type=float, nargs="+", default=[0.0])
    ap.add_argument("--in-key", choices=("on", "off", "both"), default="on")
    ap.add_argument("--downbeats", action="store_true", help="the bonus only on notes that start a bar")
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import torch

    from partita.analysis import describe
    from partita.analysis.key import parse_key
    from partita.analysis.timeline import note_arrays
    from partita.evaluation.metrics import pitch_class_entropy
    from partita.pipelines import generate, load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    lm = load_generator(args.model)
    prompts = dev_prompts(args.limit)
    in_keys = {"on": [True], "off": [False], "both": [False, True]}[args.in_key]
    for weight, in_key in itertools.product(args.tonic_weight, in_keys):
        ck = ckd = any_ck = 0
        misses, entropy = [], []
        t0 = time.perf_counter()
        for i, (prompt, key) in enumerate(prompts):
            _, cands = generate(
                prompt,
                n=args.n,
                seed=50_000 + i,
                model=lm,
                wav=False,
                in_key=in_key,
                tonic_weight=weight,
                tonic_on_downbeats=args.downbeats,
            )
            got = describe(cands[0].score).key
            entropy.append(pitch_class_entropy(note_arrays(cands[0].score)))
            want = parse_key(key)
            got_i = parse_key(got) if got else -1
            rel = (want + 9) % 12 + 12 if want < 12 else (want - 12 + 3) % 12
            ck += got_i == want
            keys = [describe(c.score, analyse_chords=False, analyse_structure=False).key for c in cands]
            any_ck += any(k is not None and parse_key(k) == want for k in keys)
            ckd += got_i in (want, rel)
            if got_i != want:
                misses.append(f"{key}->{got}")
        n = len(prompts)
        print(
            json.dumps(
                {
                    "tonic_weight": weight,
                    "in_key": in_key,
                    "downbeats": args.downbeats,
                    "n": args.n,
                    "prompts": n,
                    "CK": round(ck / n, 3),
                    "CKD": round(ckd / n, 3),
                    "CK_any_candidate": round(any_ck / n, 3),
                    "pitch_class_entropy": round(sum(entropy) / n, 3),
                    "seconds": round(time.perf_counter() - t0, 1),
                    "misses": misses,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
