"""How well does a reward model trained on a few rated choices label pairs nobody rated (issue 27,
``partita tune --reward-pairs``)? No tuning: only the reward model and the labels it gives.

The pieces and choices are bench/bench_tune.py's (``--cache`` shares its sampled pieces): 16 German folk
prompts x 8 candidates of partita-small, two random matchings of each prompt's candidates (128 pairs)
labelled by the training rater (noise seed 1). The first choice of each prompt (16) is rated; the other 112
pairs are the unlabelled candidates. Per reward-model shape (:data:`SHAPES`: the 32-wide MLP, linear, and
the linear one with its L1 penalty chosen by leave-one-out, plain and with each feature clamped to the rated
pieces' range, as ``partita tune --reward-pairs`` trains it) and training seed, a reward model is trained on
the 16 rated choices (:func:`partita.pipelines.reward_pairs.train_reward_on_prefs`)
and measured by

- its accuracy on 32 pairs of held-out base pieces (16 held-out prompts x 4) judged by the held-out rater;
- at each reward margin, how many of the 112 candidates it keeps and how often its label agrees with the
  training rater's (the labels the ``ceiling`` arm of bench_tune tunes on);
- for the linear models, its eight largest weights (on standardised features): what it learned to prefer;
  and of its gap on the candidates it keeps at margin 1, each feature's mean share, and how many kept pairs
  one feature decides alone (:func:`gap_shares`).

    python bench/bench_reward_labels.py --raters register,stepwise --cache DIR [--seeds 3]

The baseline of the accuracy rows is a coin (0.5).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_tune import DIRECTIONS, folk_prompts, judged_pairs, label_pairs, sample  # noqa: E402
from bench.common import row, write_result  # noqa: E402

SLOW = True  # samples 128 pieces of partita-small a rater and seed: not for `make bench --quick`

SHAPES = {
    "mlp32": (32, 1e-3, 0.0, False),
    "linear": (0, 1e-3, 0.0, False),
    "sparse": (0, 1e-3, None, False),
    "sparse_clip": (0, 1e-3, None, True),
}
"""Name: (hidden width, weight decay, L1 penalty: None, chosen by leave-one-out on the rated choices;
features clamped to the rated pieces' range). ``sparse_clip`` is ``partita tune --reward-pairs``'s."""
MARGINS = (0.0, 1.0, 2.0, 4.0)


def measure(generator, version: str, sampled, base_sampled, prop: str, seeds: int) -> dict:
    from symusic import Score

    from partita.evaluation.raters import SimulatedRater
    from partita.pipelines.reward_pairs import (
        CandidatePair,
        piece_features,
        request_for,
        train_reward_on_prefs,
    )
    from partita.training.preferences import load_preferences
    from partita.training.reward import RewardConfig, label_by_reward, pair_accuracy

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "prefs.db"
        label_pairs(sampled, SimulatedRater(prop, DIRECTIONS[prop], seed=1), version, db, seed=2)
        prefs = load_preferences(db, model_version=version)
    rated, winners, fa, fb, seen = [], [], [], [], set()
    for p in prefs:
        if p.prompt not in seen:
            seen.add(p.prompt)
            rated.append(p)
            continue
        c = CandidatePair(
            p.prompt, p.meta.get("conditions"), Score.from_midi(p.piece_a), Score.from_midi(p.piece_b)
        )
        request = request_for(generator, c.prompt, c.conditions)
        fa.append(piece_features(request, c.a))
        fb.append(piece_features(request, c.b))
        winners.append(p.winner)
    judge = SimulatedRater(prop, DIRECTIONS[prop], seed=98, heldout=True)
    hw, hl, _ = judged_pairs(base_sampled, judge, np.random.default_rng(4))
    out = {}
    for shape, (hidden, wd, l1, clip) in SHAPES.items():
        runs = []
        for seed in range(seeds if l1 == 0.0 else 1):  # the L1 fit is deterministic: one seed
            config = RewardConfig(hidden=hidden, epochs=300, weight_decay=wd, seed=seed, l1=l1, clip=clip)
            reward, trained = train_reward_on_prefs(generator, rated, config=config)
            margins = {}
            for m in MARGINS:
                labels = label_by_reward(reward, fa, fb, m)
                agree = [lb.winner == winners[lb.index] for lb in labels]
                margins[str(m)] = {"kept": len(labels), "agreement": float(np.mean(agree)) if agree else None}
            run = {"seed": seed, "heldout_accuracy": pair_accuracy(reward, hw, hl), "margins": margins}
            if l1 != 0.0:
                run["l1"], run["loo_loss"] = trained["l1"], trained.get("loo_loss")
            if not hidden:  # the linear model's largest weights (on standardised features)
                w = reward.net[0].weight.detach()[0].numpy()
                top = np.argsort(-np.abs(w))[:8]
                run["top_weights"] = [(reward.config.features[i], round(float(w[i]), 3)) for i in top]
                run["gap_shares"] = gap_shares(reward, fa, fb)
            runs.append(run)
        out[shape] = runs
    return {"rated": len(rated), "candidates": len(winners), "heldout_pairs": len(hw), "shapes": out}


def gap_shares(reward, fa: list, fb: list, margin: float = 1.0) -> dict:
    """Of a linear reward model's gap on the candidates it keeps at ``margin``: each feature's mean share
    of the absolute contributions (its five largest), and how many kept pairs one feature decides alone
    (over 90% of the gap: e.g. a feature constant in the rated choices, standardised by a scale of 1e-6)."""
    import torch

    def standard(fs: list) -> np.ndarray:
        x = torch.stack([reward.vector(f) for f in fs]).float()
        if reward.config.clip:
            x = torch.maximum(torch.minimum(x, reward.high), reward.low)
        return ((x - reward.mean) / reward.scale).numpy()

    contrib = (standard(fa) - standard(fb)) * reward.net[0].weight.detach()[0].numpy()
    kept = np.abs(contrib.sum(1)) >= margin
    if not kept.any():
        return {"kept": 0}
    a = np.abs(contrib[kept])
    share = a / np.maximum(a.sum(1, keepdims=True), 1e-12)
    mean = share.mean(0)
    top = np.argsort(-mean)[:5]
    names = reward.config.features
    return {
        "kept": int(kept.sum()),
        "mean_share": [(names[i], round(float(mean[i]), 3)) for i in top],
        "decided_by_one_feature": {
            names[i]: int((share.argmax(1) == i)[share.max(1) > 0.9].sum())
            for i in np.unique(share.argmax(1)[share.max(1) > 0.9])
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raters", default="register,stepwise")
    ap.add_argument("--cache", type=Path, default=None, help="bench_tune's folder of sampled base pieces")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--name", default="reward-labels-sparse")
    args = ap.parse_args()
    import torch

    from partita.pipelines import Generator
    from partita.training.preferences import model_version

    torch.set_num_threads(args.threads)
    cmd = "python bench/bench_reward_labels.py " + " ".join(sys.argv[1:])
    generator = Generator.from_pretrained("partita-small")
    version = model_version(generator.model)
    prompts = folk_prompts()
    sampled = sample(generator, prompts[:16], 8, seed=1, cache=args.cache)
    base_sampled = sample(generator, prompts[16:32], 4, seed=5000, cache=args.cache)
    rows, details = [], {}
    for prop in [r.strip() for r in args.raters.split(",") if r.strip()]:
        d = measure(generator, version, sampled, base_sampled, prop, args.seeds)
        details[prop] = d
        for shape, runs in d["shapes"].items():
            accs = [r["heldout_accuracy"] for r in runs]
            at1 = [r["margins"]["1.0"] for r in runs]
            rows.append(
                row(
                    f"{prop}: {shape} reward model of {d['rated']} rated choices, accuracy on held-out pairs",
                    float(np.mean(accs)),
                    "share",
                    cmd,
                    "coin",
                    0.5,
                    True,
                    None,
                    f"mean of {len(runs)} training seeds ({', '.join(f'{a:.3f}' for a in accs)}) on "
                    f"{d['heldout_pairs']} pairs judged by the held-out rater; at margin 1 it keeps "
                    f"{', '.join(str(x['kept']) for x in at1)} of {d['candidates']} candidates, agreeing "
                    f"with the training rater on {', '.join(format(x['agreement'], '.3f') for x in at1)}",
                )
            )
        print(prop, d, flush=True)
    write_result(
        args.name,
        "Reward model of 16 rated choices (MLP, linear, sparse, sparse clipped): held-out accuracy, "
        "agreement of its labels with the rater, and what decides its gaps",
        rows,
        extra={"details": details},
    )


if __name__ == "__main__":
    main()
