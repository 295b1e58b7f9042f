#!/usr/bin/env python3
"""Fit the Selector's realism critic (issue #19): per style, a logistic regression that tells the style's real
training pieces from partita-small's own candidates, on Yang & Lerch's features (not the realism judge's).

    python scripts/fit-realism-critic.py generate DIR [--style pop] [--n 48] [--model M]  # candidates
    python scripts/fit-realism-critic.py fit DIR [--style pop] [--real 200] [-o FOLDER]

``generate`` samples 4 candidates for each of ``--n`` prompts of the style written here from templates (not
the realism benchmark's prompts; seeds 70000 and up, which the benchmark never uses), as the benchmark samples
them (constrained decoding, no Selector), into DIR/STYLE (``<i>-<k>.mid``); a prompt already there is skipped,
so a run resumes. ``fit`` reads them against ``--real`` pieces of the style's *training* split of the built
corpus ``all``, cut to the same bar counts, and writes the critic into the model's Selector folder
(``src/partita/pretrained/partita-small/selector`` unless ``-o``), adding the style to what is there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_realism import real_pieces, style_records  # noqa: E402

SEED0 = 70000
TEMPLATES = {
    "pop": (
        ["a {m} pop song for piano in {k}, {b} bars", "{b} bars of a {m} pop tune in {k} for piano",
         "a pop ballad in {k}, piano, {b} bars, {m}", "a {m} piano pop piece in {k}, {b} bars"],
        ["gentle", "bright", "tender", "lively", "nostalgic", "cheerful", "moody", "hopeful"],
    ),
}  # fmt: skip
KEYS = [
    "C major", "G major", "D major", "A major", "F major", "B-flat major", "E-flat major", "E major",
    "A minor", "E minor", "D minor", "B minor", "G minor", "C minor", "F-sharp minor", "F minor",
]  # fmt: skip


def prompts(style: str, n: int) -> list[tuple[str, int]]:
    """``n`` prompts of ``style`` with their bar counts (8 and 16 in turn), keys and moods cycled."""
    forms, moods = TEMPLATES[style]
    combos = list(itertools.product(range(len(forms)), range(len(moods)), range(len(KEYS))))
    rng = np.random.default_rng(0)
    picked = [combos[i] for i in rng.permutation(len(combos))[:n]]
    out = []
    for i, (f, m, k) in enumerate(picked):
        bars = 8 if i % 2 == 0 else 16
        out.append((forms[f].format(m=moods[m], k=KEYS[k], b=bars), bars))
    return out


def generate(args) -> None:
    import torch

    from partita.pipelines import generate as generate_piece
    from partita.pipelines import load_generator

    torch.set_num_threads(1)
    out = Path(args.dir) / args.style
    out.mkdir(parents=True, exist_ok=True)
    lm = load_generator(args.model)
    for i, (prompt, bars) in enumerate(prompts(args.style, args.n)):
        meta = out / f"{i:03d}.json"
        if meta.exists():
            continue
        t0 = time.perf_counter()
        _, cands = generate_piece(prompt, seed=SEED0 + i, model=lm, wav=False, selector=None, n=4)
        for k, cand in enumerate(cands):
            cand.score.dump_midi(str(out / f"{i:03d}-{k}.mid"))
        meta.write_text(json.dumps({"prompt": prompt, "bars": bars, "seed": SEED0 + i}))
        print(f"{i:03d} {time.perf_counter() - t0:.1f} s {prompt}", flush=True)


def fit(args) -> None:
    import symusic

    from partita.evaluation.realism import barred_as_asked, crop_bars
    from partita.evaluation.realism_critic import RealismCritic, fit_style

    folder = Path(args.dir) / args.style
    metas = sorted(folder.glob("*.json"))
    generated, bars = [], []
    for meta in metas:
        info = json.loads(meta.read_text())
        bars.append(int(info["bars"]))
        for path in sorted(folder.glob(f"{meta.stem}-*.mid")):
            score, _ = barred_as_asked(symusic.Score(str(path)), "4/4" if args.style == "pop" else None)
            generated.append(crop_bars(score, int(info["bars"])))
    records, corpus = style_records("all")
    meter = "4/4" if args.style == "pop" else None
    real, _ = real_pieces(corpus, records[args.style]["train"], bars, args.real, 0, meter)
    target = Path(args.out)
    critic = RealismCritic.from_pretrained(target) if (target / "realism_critic.json").exists() else None
    critic = fit_style(critic, args.style, real, generated, c=args.c)
    critic.save_pretrained(target)
    fitted = critic.styles[args.style]
    print(
        f"{args.style}: {len(real)} real training pieces against {len(generated)} candidates of "
        f"{len(metas)} prompts; training accuracy {fitted.train_accuracy:.3f} -> {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="sample the model's candidates for the style's prompts")
    gen.add_argument("dir")
    gen.add_argument("--n", type=int, default=48)
    gen.add_argument("--model", default="partita-small", help="a model name or folder (its experts too)")
    fitting = sub.add_parser("fit", help="fit the critic and write it beside the Selector")
    fitting.add_argument("dir")
    fitting.add_argument("--real", type=int, default=200)
    fitting.add_argument("--c", type=float, default=1.0, help="the logistic regression's inverse L2 strength")
    fitting.add_argument("-o", "--out", default=str(ROOT / "src/partita/pretrained/partita-small/selector"))
    for p in (gen, fitting):
        p.add_argument("--style", default="pop", choices=sorted(TEMPLATES))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    generate(args) if args.command == "generate" else fit(args)


if __name__ == "__main__":
    main()
