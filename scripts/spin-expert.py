#!/usr/bin/env python3
"""A style expert tuned by self-play (SPIN, issue #19): real training pieces preferred to the model's own.

    python scripts/fit-realism-critic.py generate DIR --style pop        # the model's candidates (templates)
    python scripts/spin-expert.py pairs DIR/pop -o PAIRS.json [--style pop]
    python scripts/spin-expert.py tune PAIRS.json -o MODEL [--steps 60 --lr 1e-4 --loss ipo --rank 16]
    python scripts/fit-realism-critic.py generate DIR2 --style pop --model MODEL   # round 2: its own pieces
    python scripts/spin-expert.py pairs DIR2/pop -o PAIRS2.json --seed 23
    python scripts/spin-expert.py tune PAIRS2.json -o MODEL2 --init MODEL

``pairs`` reads the candidates ``generate`` wrote (``<i>.json`` with the prompt and bars, ``<i>-<k>.mid``)
and pairs each with a real piece of the style's *training* split of the built corpus ``all`` in the prompt's
mode (moved to its key, both cut to the same bars: :mod:`partita.pipelines.spin_pairs`). ``tune`` tunes a
LoRA expert by DPO on the pairs of the first prompts and reports, on the pairs of the last ``--held-out``
prompts, how far the tuned model moved towards the real piece (its log-ratio margin against the base's, and
the share of pairs it moved the right way); it writes a copy of the base model folder with the expert in
``experts/STYLE`` (for ``bench/bench_realism.py --peer`` or ``scripts/realism-arms.py generate --model``).
``--init MODEL``: a later self-play round, starting from (and measured against) the expert in MODEL.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_realism import style_records  # noqa: E402

METERS = {"pop": "4/4"}  # as the realism benchmark bars real pieces of the style


def real_by_mode(style: str, seed: int) -> dict[str, list]:
    """The style's training pieces with an annotated key, by mode, in a seeded order, barred as the
    benchmark bars them."""
    from partita.analysis.key import tonic_and_mode
    from partita.evaluation.realism import barred_as_asked
    from partita.pipelines.spin_pairs import RealPiece

    records, corpus = style_records("all")
    train = records[style]["train"]
    out: dict[str, list] = {"major": [], "minor": []}
    for i in np.random.default_rng(seed).permutation(len(train)).tolist():
        tonic, mode = tonic_and_mode(train[i].get("key"))
        if tonic is None or mode not in out:
            continue
        score = corpus.read_piece(train[i]["piece_id"])
        if score.note_num():
            score, _ = barred_as_asked(score, METERS.get(style))
            out[mode].append(RealPiece(score, tonic, train[i]["piece_id"]))
    return out


def pairs(args) -> None:
    import symusic
    import torch

    from partita.evaluation.realism import barred_as_asked
    from partita.pipelines import load_generator
    from partita.pipelines.spin_pairs import spin_pairs

    torch.set_num_threads(1)
    g = load_generator(args.model)
    real = real_by_mode(args.style, args.seed)
    used = dict.fromkeys(real, 0)
    rows = []
    for meta in sorted(Path(args.dir).glob("*.json")):
        info = json.loads(meta.read_text())
        mode = g.request(info["prompt"]).conditions.mode or "major"
        own = [
            barred_as_asked(symusic.Score(str(p)), METERS.get(args.style))[0]
            for p in sorted(Path(args.dir).glob(f"{meta.stem}-*.mid"))
        ]
        theirs = [real[mode][(used[mode] + k) % len(real[mode])] for k in range(len(own))]
        used[mode] += len(own)
        for pair in spin_pairs(g, info["prompt"], own, theirs, int(info["bars"])):
            tokens = {"prefix": pair.prefix, "chosen": pair.chosen, "rejected": pair.rejected}
            rows.append({"group": meta.stem, "prompt": info["prompt"], **tokens})
    Path(args.out).write_text(json.dumps(rows))
    print(f"{len(rows)} pairs of {len({r['group'] for r in rows})} prompts -> {args.out}")


def tune(args) -> None:
    import torch

    from partita.models.experts import StyleExpert
    from partita.models.pretrained import resolve
    from partita.pipelines import load_generator
    from partita.training.dpo import DPOConfig, TokenPair, reference_logprobs
    from partita.training.dpo_expert import tune_expert

    torch.set_num_threads(args.threads)
    g = load_generator(args.model)
    rows = json.loads(Path(args.pairs).read_text())
    groups = sorted({r["group"] for r in rows})
    held = set(groups[len(groups) - args.held_out :]) if args.held_out else set()
    as_pair = lambda r: TokenPair(r["prefix"], r["chosen"], r["rejected"], source="spin")  # noqa: E731
    train = [as_pair(r) for r in rows if r["group"] not in held]
    test = [as_pair(r) for r in rows if r["group"] in held]
    config = DPOConfig(beta=args.beta, steps=args.steps, lr=args.lr, batch_size=args.batch,
                       sft_weight=args.sft, loss=args.loss, warmup=10)  # fmt: skip
    t0 = time.perf_counter()
    init = StyleExpert.from_pretrained(Path(args.init) / "experts" / args.style) if args.init else None
    start = init.apply(g.model) if init else g.model
    before = reference_logprobs(start, test) if test else None
    expert, result = tune_expert(
        g.model, train, args.style, config, args.rank, args.model, args.pairs, init=init
    )
    if test:
        now = reference_logprobs(expert.apply(g.model), test)
        gap = (now[:, 0] - before[:, 0]) - (now[:, 1] - before[:, 1])
        expert.config.metrics.update(
            heldout_margin=float(gap.mean()), heldout_right=float((gap > 0).float().mean())
        )
        print(f"held out ({len(test)} pairs of {len(held)} prompts): log-ratio margin {gap.mean():.2f}, "
              f"moved towards the real piece {(gap > 0).float().mean():.3f}")  # fmt: skip
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(resolve(args.model), out, ignore=shutil.ignore_patterns("experts"))
    expert.save_pretrained(out / "experts" / args.style)
    (out / "spin_history.json").write_text(json.dumps({"args": vars(args), **result}) + "\n")
    print(f"{len(train)} training pairs, {time.perf_counter() - t0:.0f} s -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pairs", help="pair the model's candidates with real training pieces")
    p.add_argument("dir")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--seed", type=int, default=22, help="the order the real pieces are taken in")
    t = sub.add_parser("tune", help="tune a LoRA expert by DPO on the pairs")
    t.add_argument("pairs")
    t.add_argument("-o", "--out", required=True)
    t.add_argument("--held-out", type=int, default=16, help="the last prompts' pairs, kept out of tuning")
    t.add_argument("--steps", type=int, default=60)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--beta", type=float, default=0.1)
    t.add_argument("--loss", default="ipo")
    t.add_argument("--sft", type=float, default=0.0)
    t.add_argument("--batch", type=int, default=4)
    t.add_argument("--rank", type=int, default=16)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--init", help="a model folder whose expert this round starts from (self-play round 2 on)")
    for q in (p, t):
        q.add_argument("--style", default="pop")
        q.add_argument("--model", default="partita-small")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    pairs(args) if args.command == "pairs" else tune(args)


if __name__ == "__main__":
    main()
