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

    python bench/bench_reward_labels.py --raters register,stepwise --cache DIR [--seeds 3] [--ratings 1,11,21]

The baseline of the accuracy rows is a coin (0.5).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_tune import (  # noqa: E402
    DIRECTIONS,
    folk_prompts,
    judged_pairs,
    label_pairs,
    piece_features,
    sample,
)
from bench.common import row, write_result  # noqa: E402

SLOW = True  # samples 128 pieces of partita-small a rater and seed: not for `make bench --quick`

SHAPES = {
    "mlp32": (32, 1e-3, 0.0, False, None),
    "linear": (0, 1e-3, 0.0, False, None),
    "sparse": (0, 1e-3, None, False, None),
    "sparse_clip": (0, 1e-3, None, True, None),
    "group_clip": (0, 1e-3, None, True, "families"),
}
"""Name: (hidden width, weight decay, L1 penalty: None, chosen by leave-one-out on the rated choices;
features clamped to the rated pieces' range; groups: None each feature alone (the lasso), "families" the
feature families penalised together, :data:`partita.training.reward.FEATURE_GROUPS`). ``sparse_clip`` is
``partita tune --reward-pairs``'s."""
MARGINS = (0.0, 1.0, 2.0, 4.0)


def measure(
    generator, version: str, sampled, base_sampled, prop: str, seeds: int, rating: int = 1, shapes=None
) -> dict:
    """One rating draw (``rating``: the training rater's noise seed; the matchings' seed is ``rating + 1``,
    so rating 1 is bench_tune's choices) and each reward-model shape trained on its 16 rated choices."""
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
        rater = SimulatedRater(prop, DIRECTIONS[prop], seed=rating)
        label_pairs(sampled, rater, version, db, seed=rating + 1)
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
    aw, al = every_pair(base_sampled, SimulatedRater(prop, DIRECTIONS[prop], noise=0.0, heldout=True))
    out = {}
    for shape, (hidden, wd, l1, clip, groups) in SHAPES.items():
        if shapes and shape not in shapes:
            continue
        runs = []
        for seed in range(seeds if l1 == 0.0 else 1):  # the L1 fit is deterministic: one seed
            config = RewardConfig(
                hidden=hidden, epochs=300, weight_decay=wd, seed=seed, l1=l1, clip=clip, groups=groups
            )
            reward, trained = train_reward_on_prefs(generator, rated, config=config)
            margins = {}
            for m in MARGINS:
                labels = label_by_reward(reward, fa, fb, m)
                agree = [lb.winner == winners[lb.index] for lb in labels]
                margins[str(m)] = {"kept": len(labels), "agreement": float(np.mean(agree)) if agree else None}
            run = {
                "seed": seed,
                "heldout_accuracy": pair_accuracy(reward, hw, hl),
                "heldout_every_pair": pair_accuracy(reward, aw, al),
                "margins": margins,
            }
            if l1 != 0.0:
                run["l1"], run["loo_loss"] = trained["l1"], trained.get("loo_loss")
            if not hidden:  # the linear model's largest weights (on standardised features)
                w = reward.net[0].weight.detach()[0].numpy()
                top = np.argsort(-np.abs(w))[:8]
                run["top_weights"] = [(reward.config.features[i], round(float(w[i]), 3)) for i in top]
                run["gap_shares"] = gap_shares(reward, fa, fb)
            runs.append(run)
        out[shape] = runs
    return {
        "rating": rating,
        "rated": len(rated),
        "candidates": len(winners),
        "heldout_pairs": len(hw),
        "heldout_every_pairs": len(aw),
        "shapes": out,
    }


def every_pair(sets, measure) -> tuple[list, list]:
    """Every pair of each held-out prompt's pieces (6 of 4) apart in ``measure`` (a rater without noise):
    the winners' and losers' features. Three times the pairs of the one noisy matching, without its noise."""
    w, lo = [], []
    for _, request, scores in sets:
        feats = [piece_features(request, s) for s in scores]
        values = [measure.value(s) * measure.direction for s in scores]
        for a in range(len(scores)):
            for b in range(a + 1, len(scores)):
                if values[a] != values[b]:
                    good, bad = (a, b) if values[a] > values[b] else (b, a)
                    w.append(feats[good])
                    lo.append(feats[bad])
    return w, lo


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


def note(d: dict, ratings: list, runs: list, accs: list, every: list, at0: list, at1: list) -> str:
    """A row's note: the accuracy of each run, on every held-out pair too, and what it did to the
    candidates."""

    def listed(xs) -> str:
        return ", ".join(f"{x:.3f}" for x in xs)

    return (
        f"mean over {len(ratings)} rating draw(s) (rater seeds {', '.join(map(str, ratings))}) x "
        f"{len(runs) // len(ratings)} training seed(s) ({listed(accs)}) on {d['heldout_pairs']} pairs judged "
        f"by the held-out rater; on every pair of the held-out prompts' pieces ({d['heldout_every_pairs']}, "
        f"the held-out measurement without noise) {np.mean(every):.3f} ({listed(every)}); its labels agree "
        f"with the training rater on {np.mean(at0):.3f} of the {d['candidates']} candidates; at margin 1 it "
        f"keeps {', '.join(str(x['kept']) for x in at1)}, agreeing on "
        f"{listed(x['agreement'] or 0 for x in at1)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raters", default="register,stepwise")
    ap.add_argument("--cache", type=Path, default=None, help="bench_tune's folder of sampled base pieces")
    ap.add_argument("--seeds", type=int, default=3, help="training seeds of the MLP and dense linear models")
    ap.add_argument(
        "--ratings",
        default="1",
        help="the training rater's noise seeds, one rating draw each (1: bench_tune's choices), e.g. 1,11,21",
    )
    ap.add_argument("--shapes", default=None, help=f"some of {', '.join(SHAPES)} (default: all)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--name", default="reward-labels-sparse")
    ap.add_argument(
        "--title",
        default="Reward model of 16 rated choices (MLP, linear, sparse, sparse clipped): held-out accuracy, "
        "agreement of its labels with the rater, and what decides its gaps",
    )
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
    ratings = [int(x) for x in args.ratings.split(",") if x.strip()]
    shapes = [x.strip() for x in args.shapes.split(",")] if args.shapes else None
    rows, details = [], {}
    for prop in [r.strip() for r in args.raters.split(",") if r.strip()]:
        draws = [
            measure(generator, version, sampled, base_sampled, prop, args.seeds, r, shapes) for r in ratings
        ]
        details[prop] = draws
        d = draws[0]
        for shape in d["shapes"]:
            runs = [run for draw in draws for run in draw["shapes"][shape]]
            accs = [r["heldout_accuracy"] for r in runs]
            every = [r["heldout_every_pair"] for r in runs]
            at1 = [r["margins"]["1.0"] for r in runs]
            at0 = [r["margins"]["0.0"]["agreement"] for r in runs]
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
                    note(d, ratings, runs, accs, every, at0, at1),
                )
            )
        print(prop, json.dumps(draws, default=float), flush=True)
    write_result(args.name, args.title, rows, extra={"details": details})


if __name__ == "__main__":
    main()
