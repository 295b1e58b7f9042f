#!/usr/bin/env python3
"""The realism benchmark's constrained and selected sets of one style, arm by arm, without its free set
(issue #19, nineteenth session: on a busy machine each arm its own process).

    python scripts/realism-arms.py generate DIR [--options JSON] [--model M] [--style pop] [--n 32] [--skip 0]
        [--seed 0]
    python scripts/realism-arms.py judge NAME=DIR [NAME=DIR ...] [--style pop] [--n 32] [--skip 0] [--seed 0]
        [--name RESULT --title TEXT] [--rerank WEIGHTS [--pool DIR ...]]

``generate`` samples the 4 candidates of each prompt as ``bench/bench_realism.py`` does (its prompts, seeds,
model and Selector; ``--options``: generate() options, as its ``--ablate``) and writes them to DIR
(``<id>-<k>.mid``, ``<id>.json`` with the Selector's pick); a prompt already there is skipped, so a run
resumes. ``judge`` reads such folders as the sets ``constrained-NAME`` (first candidates) and
``selected-NAME`` and judges them as the benchmark does, against the same held-out real pieces; with
``--name`` it writes ``bench/results/RESULT.json``; with ``--rerank '{"realism": 1.0}'`` each folder's
candidates are also chosen again by the shipped Selector with those weights for the style (``reranked-NAME``).
The sets are the benchmark's own: the defaults' arm
reproduces its ``constrained`` and ``selected`` accuracies.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_realism import GOAL, MIN_REAL, asked_meter, load_prompts, real_pieces, style_records  # noqa: E402
from common import row, write_result  # noqa: E402


def generate(args) -> None:
    import torch

    from partita.evaluation.selector import choose_selector
    from partita.pipelines import generate as generate_piece
    from partita.pipelines import load_generator
    from partita.pipelines.generator import candidates_sampled

    torch.set_num_threads(1)
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    options = json.loads(args.options)
    lm = load_generator(args.model)
    c = lm.config
    selector = choose_selector(
        "auto", lm.selector_dir, c.selector_weights, c.selector_windows, c.style_selector_weights
    )
    for i, p in enumerate(load_prompts([args.style], args.n, args.skip)[args.style]):
        meta = out / f"{p['id']}.json"
        if meta.exists():
            continue
        t0 = time.perf_counter()
        seed = args.seed * 1000 + 1000 + i  # as bench_realism.model_pieces
        k = candidates_sampled(c, selector, args.style, 4)  # as bench_realism.model_pieces samples
        request, cands = generate_piece(
            p["prompt"], seed=seed, model=lm, wav=False, selector=None, n=k, **options
        )
        best = selector.rank(cands, request)[0][0]
        for k, cand in enumerate(cands):
            cand.score.dump_midi(str(out / f"{p['id']}-{k}.mid"))
        chosen = next(k for k, cand in enumerate(cands) if cand is best)
        seconds = time.perf_counter() - t0
        meta.write_text(json.dumps({"id": p["id"], "selected": chosen, "seconds": seconds}))
        print(f"{p['id']} {seconds:.1f} s", flush=True)


def judge(args) -> None:
    import symusic

    from partita.evaluation.realism import count_bars, realism_report

    prompts = load_prompts([args.style], args.n, args.skip)[args.style]
    bars = [p["expect"]["bars"] for p in prompts]
    records, corpus = style_records("all")
    count = max(MIN_REAL, 2 * len(prompts))
    real, info = real_pieces(
        corpus, records[args.style]["test"], bars, count, args.seed, asked_meter(prompts)
    )
    sets, seconds = {}, {}
    rerank = _reranker(args) if args.rerank else None
    for arm in args.arms:
        name, _, folder = arm.partition("=")
        first, best, took = [], [], []
        for p in prompts:
            meta = json.loads((Path(folder) / f"{p['id']}.json").read_text())
            first.append(symusic.Score(str(Path(folder) / f"{p['id']}-0.mid")))
            best.append(symusic.Score(str(Path(folder) / f"{p['id']}-{meta['selected']}.mid")))
            took.append(meta.get("seconds", meta.get("s", np.nan)))  # "s": the first lab runs
        sets[f"constrained-{name}"], sets[f"selected-{name}"] = first, best
        seconds[name] = float(np.mean(took))
        if rerank is not None:
            sets[f"reranked-{name}"] = [rerank(p, Path(folder)) for p in prompts]
    report = realism_report(sets, real, seed=args.seed)
    cmd = f"python scripts/realism-arms.py judge {' '.join(args.arms)} --style {args.style} --n {args.n}"
    cmd += f" --skip {args.skip} --seed {args.seed}" + (f" --rerank '{args.rerank}'" if args.rerank else "")
    cmd += "".join(f" --pool {d}" for d in args.pool or [])
    floor = report["floor"]
    rows = [
        row(
            f"realism: real vs real floor, {args.style}",
            floor["two_sample"]["accuracy"],
            "accuracy",
            cmd,
            higher_is_better=False,
            notes=f"two disjoint halves of {report['real']['n']} held-out real pieces; "
            f"Fréchet {floor['frechet']:.3f}",
        )
    ]
    for v, e in report["sets"].items():
        exact = float(np.mean([count_bars(x, pickup=True) == b for x, b in zip(sets[v], bars, strict=True)]))
        ts = e["two_sample"]
        top = ", ".join(f"{d['feature']} {d['a']:.2f} vs {d['b']:.2f}" for d in e["differences"][:5])
        notes = (
            f"{e['n']} pieces vs {report['real']['n']} real; logistic {ts['logistic']['accuracy']:.3f}, "
            f"boosting {ts['boosting']['accuracy']:.3f}; Fréchet {e['frechet']:.3f}; exact bars {exact:.2f}; "
            f"{seconds[v.split('-', 1)[1]]:.1f} s a prompt (4 candidates); apart (generated, real): {top}"
        )
        rows.append(
            row(
                f"realism: two-sample accuracy, {args.style}, partita-small, {v}",
                e["accuracy"],
                "accuracy",
                cmd,
                higher_is_better=False,
                goal=GOAL,
                notes=notes,
            )
        )
        print(f"{v:24s} {e['accuracy']:.3f} (Fréchet {e['frechet']:.2f}; bars {exact:.2f}): {top}")
    print(f"real vs real {floor['two_sample']['accuracy']:.3f} (Fréchet {floor['frechet']:.2f})")
    if args.name:
        extra = {"styles": {args.style: report}, "real_pieces": info, "arms": args.arms}
        write_result(
            args.name, args.title or args.name, rows, extra=json.loads(json.dumps(extra, default=float))
        )


def _reranker(args):
    """A function choosing a prompt's candidate in a folder by the shipped Selector with ``--rerank``'s
    weights for the style (the candidates as sampled, no new sampling)."""
    import symusic

    from partita.evaluation.selector import choose_selector
    from partita.pipelines import load_generator

    lm = load_generator(args.model)
    c = lm.config
    style_weights = {**c.style_selector_weights, args.style: json.loads(args.rerank)}
    selector = choose_selector("auto", lm.selector_dir, c.selector_weights, c.selector_windows, style_weights)

    def choose(prompt: dict, folder: Path):
        folders = [folder, *(Path(d) for d in args.pool or [])]
        scores = sorted(p for f in folders for p in f.glob(f"{prompt['id']}-*.mid"))
        cands = [symusic.Score(str(p)) for p in scores]
        return selector.rank(cands, lm.request(prompt["prompt"]))[0][0]

    return choose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="sample one arm's candidates into a folder")
    gen.add_argument("dir")
    gen.add_argument("--options", default="{}", help="generate() options as JSON")
    gen.add_argument("--model", default="partita-small", help="a model name or folder (its experts too)")
    jud = sub.add_parser("judge", help="judge saved arms as the realism benchmark does")
    jud.add_argument("arms", nargs="+", metavar="NAME=DIR")
    jud.add_argument("--name", help="write bench/results/NAME.json")
    jud.add_argument("--title")
    jud.add_argument(
        "--rerank", help="also the sets reranked-NAME: the candidates chosen by the shipped Selector with "
        "these weights for the style (JSON, e.g. '{\"realism\": 1.0}')",
    )  # fmt: skip
    jud.add_argument(
        "--pool", action="append", metavar="DIR",
        help="with --rerank: choose among these folders' candidates of the prompt as well (more than four)",
    )  # fmt: skip
    for p in (gen, jud):
        p.add_argument("--style", default="pop")
        p.add_argument("--n", type=int, default=32)
        p.add_argument("--skip", type=int, default=0)
        p.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        generate(args) if args.command == "generate" else judge(args)
    except (OSError, ValueError, json.JSONDecodeError) as e:
        sys.exit(f"realism-arms: {e}")


if __name__ == "__main__":
    main()
