"""`partita similar`'s learned encoder, stress-tested: unseen collections, Essen, training seeds, mixing.

bench_similar.py measures the shipped similarity encoder (``partita.discovery.similarity``) on test-split
pieces of the collections it was trained on. This bench retrains it with the shipped recipe
(``partita index train-similar``: 600 steps, dropout 0.3, weight decay 0.05, the valid split choosing the
step every 50; the temperature fixed at the shipped 0.1, the recipe's other two temperatures cut) and asks:

- **seeds**: the recipe retrained with ``--seeds`` (seed 0 is the shipped run); each seed on bench_similar's
  queries (test-split pieces, at most 20 a collection), against the plain standardised features;
- **unseen collections** (``--holdouts``): whole collections left out of training (their train pieces are
  never paired, their valid pieces never choose, none of their rows standardises): ``oneills`` (O'Neill's 39
  books), ``essen`` (Essen's 31 files), ``chinese`` (Essen's han1/han2, the Chinese songs), ``palestrina``
  (the 101 masses). Queries: every test-split piece of the held-out collections, ranking every indexed piece;
  rankers: the held-out encoder (what a user's own collection gets), the plain features, the shipped encoder
  (which saw those collections' train pieces: the upper reference), and mixes of the held-out encoder's
  cosine with the features' cosine (``w`` learned + ``1 - w`` features), the weight chosen on the held-out
  collections' valid-split pieces (never trained on) and the test sweep shown beside it. The held-out encoder
  is measured on the other (seen) collections' queries too;
- **Essen**: bench_similar's Essen queries (and every Essen test piece in the ``essen`` arm) by file, and by
  file family (``han1`` and ``han2`` are one family, the Chinese songs; ``erk5`` .. ``erk30`` Erk's): a file
  is a crude collection when one source was cut into numbered files.

The shipped mix (``feature_weight`` 0.25 in the shipped config: 0.75 learned) was chosen on valid-split
pieces: the held-out arms' (collections never trained on) and every collection's with the shipped encoder
(``seeds.valid_mix``); ``--seeds --holdouts --name similar_arms_valid`` measures the latter alone.

Per query: Hit@10, P@10 and MRR of the first right candidate (ties in a seeded random order, as
bench_similar); the learned-minus-features difference with a 95 % paired bootstrap interval over queries.

    python bench/bench_similar_arms.py [--seeds 0 1 2] [--holdouts oneills essen chinese palestrina]
        [--steps 600] [--cache PATH] [--threads 1] [--name similar_arms]

Writes bench/results/similar_arms.json (``--name``: another name). Needs the built corpus ``all`` and its
discovery features cache (bench_similar's, ``--cache``).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_similar import LABELS, kind_of, pick_queries  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_similar_arms")
COMMAND = "python bench/bench_similar_arms.py"
SLOW = True
"""About 3 minutes a trained encoder on one shared core, plus the ranking."""
K = 10
MIXES = (0.0, 0.25, 0.5, 0.75, 1.0)
"""The learned encoder's share of a mixed cosine (0: the features alone, 1: the encoder alone)."""


def essen_family(collection: str) -> str:
    """An Essen file's family (its name less the trailing number: ``han1``, ``han2`` -> ``han``); any other
    collection is its own family."""
    if kind_of(collection) != "essenFolksong":
        return collection
    return "essen:" + re.sub(r"\d+$", "", collection.rsplit("/", 1)[-1].removesuffix(".abc"))


HOLDOUTS: dict[str, Callable[[str], bool]] = {
    "oneills": lambda c: kind_of(c) == "oneills1850",
    "essen": lambda c: kind_of(c) == "essenFolksong",
    "chinese": lambda c: essen_family(c) == "essen:han",
    "palestrina": lambda c: kind_of(c) == "palestrina",
}
"""Held-out arms: which collections each leaves out of training entirely."""


def train_arm(features, splits, owners, held, seed: int, steps: int, temperature: float):
    """The shipped recipe (valid split choosing the step) on the train/valid rows of every collection that
    ``held`` does not name; the held-out collections' rows are dropped whole. Returns (encoder, facts)."""
    from partita.discovery.similarity import SimilarityConfig, train_similarity, training_rows

    keep = [
        i
        for i, s in enumerate(splits)
        if s in ("train", "valid") and not (owners[i] and held is not None and held(owners[i]))
    ]
    sub = features[keep]
    sub_owners = [owners[i] for i in keep]
    train_rows, groups, queries = training_rows([splits[i] for i in keep], sub_owners)
    config = SimilarityConfig(
        n_features=features.shape[1],
        steps=steps,
        seed=seed,
        dropout=0.3,
        weight_decay=0.05,
        eval_every=50,
        temperature=temperature,
    )
    t0 = time.perf_counter()
    model = train_similarity(
        sub[train_rows], groups, config, (sub, sub_owners, queries, list(range(len(keep))))
    )
    facts = {
        "train_pieces": len(train_rows),
        "collections": sum(len(g) >= 2 for g in groups.values()),
        "valid_queries": len(queries),
        "step": model.config.step,
        **model.config.metrics,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    log.info("trained %s", facts)
    return model, facts


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def per_query(queries, home, scorers: dict, seed: int, chunk: int = 128) -> dict[str, dict[str, np.ndarray]]:
    """name -> {hit10, p10, mrr}: one value a query, each query ranking every other indexed piece by the
    scorer (name -> function(query rows, ) -> (len(q), n) scores); right = the same ``home``."""
    rng = np.random.default_rng(seed)
    n = len(home)
    out: dict[str, dict[str, list]] = {name: {"hit10": [], "p10": [], "mrr": []} for name in scorers}
    for s in range(0, len(queries), chunk):
        q = np.asarray(queries[s : s + chunk], dtype=np.int64)
        right = (home[None, :] == home[q][:, None]) & (np.arange(n)[None, :] != q[:, None])
        noise = rng.random((len(q), n)) * 1e-6  # ties in a seeded random order, the same for every ranker
        for name, scorer in scorers.items():
            scores = scorer(q) + noise
            scores[np.arange(len(q)), q] = -np.inf  # a query is not its own neighbour
            best = np.where(right, scores, -np.inf).max(1)
            first = 1 + ((scores > best[:, None]) & ~right).sum(1)
            top = np.argpartition(-scores, K, axis=1)[:, :K]
            got = out[name]
            got["hit10"] += (first <= K).astype(float).tolist()
            got["mrr"] += (1.0 / first).tolist()
            got["p10"] += np.take_along_axis(right, top, 1).mean(1).tolist()
    return {name: {k: np.asarray(v) for k, v in m.items()} for name, m in out.items()}


def summary(m: dict[str, np.ndarray]) -> dict[str, float]:
    return {**{k: round(float(v.mean()), 4) for k, v in m.items()}, "n": len(m["hit10"])}


def paired_ci(a: np.ndarray, b: np.ndarray, seed: int, draws: int = 2000) -> list[float]:
    """The mean of ``a - b`` and its 95 % bootstrap interval over queries."""
    d = a - b
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(draws, len(d)))].mean(1)
    return [
        round(float(d.mean()), 4),
        round(float(np.percentile(means, 2.5)), 4),
        round(float(np.percentile(means, 97.5)), 4),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--holdouts", nargs="*", default=list(HOLDOUTS), choices=list(HOLDOUTS))
    parser.add_argument(
        "--holdout-seeds", type=int, nargs="*", default=[0], help="the training seeds of the held-out arms"
    )
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--per-collection", type=int, default=20)
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--cache", default=None, help="the features cache (default: the corpus's)")
    parser.add_argument("--seed", type=int, default=0, help="query draw and tie order (bench_similar's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="similar_arms", help="the result's name (bench/results/NAME.json)")
    parser.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: runs as it is")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from catalogue import load_catalogue
    from partita.corpus import load_corpus
    from partita.discovery.recommend import collection_of
    from partita.discovery.similarity import SimilarityEncoder
    from partita.paths import data_dir

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    corpus = load_corpus(args.corpus)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{corpus.name}-entries.parquet"
    cat = load_catalogue(corpus, None, cache)
    records, ids, features, labels = cat.records, cat.ids, cat.features, cat.labels
    owners = [collection_of(r) for r in records]
    splits = [r.get("split") or "train" for r in records]
    home = np.asarray([o or "" for o in owners], dtype=object)
    family = np.asarray([essen_family(o) if o else "" for o in owners], dtype=object)
    size = Counter(o for o in owners if o)
    z = unit((features - features.mean(0)) / np.maximum(features.std(0), 1e-9))
    shipped_model = SimilarityEncoder.from_pretrained()
    default_mix = round(1.0 - shipped_model.config.feature_weight, 4)  # the learned share partita uses

    def mixed(model, w: float) -> np.ndarray:
        """The library's mixed vectors (``feature_weight`` 1 - w): their cosine is w learned + 1 - w
        the features' (standardised by the encoder's training rows)."""
        keep = model.config.feature_weight
        model.config.feature_weight = 1.0 - w
        try:
            return model.encode_features(features)
        finally:
            model.config.feature_weight = keep

    shipped = mixed(shipped_model, 1.0)
    columns = {f: np.asarray([lab.get(f) or "" for lab in labels], dtype=object) for f in LABELS}

    def cosine(v):
        return lambda q: v[q] @ v.T

    def same_label(q):
        return sum(
            ((columns[f][None, :] == columns[f][q][:, None]) & (columns[f][q][:, None] != "")).astype(float)
            for f in LABELS
        )

    base = {
        "features": cosine(z),
        "shipped": cosine(shipped),
        f"shipped default (mix {default_mix})": cosine(mixed(shipped_model, default_mix)),
        "same-label": same_label,
    }
    standard = [
        cat.position[p]
        for p in pick_queries(
            records, dict(zip(ids, owners, strict=True)), args.queries, args.per_collection, args.seed
        )
    ]
    result: dict = {"training": {}, "seeds": {}, "holdouts": {}, "essen": {}, "default_mix": default_mix}
    encoders: dict[str, np.ndarray] = {}

    # seeds: the shipped recipe retrained, on bench_similar's queries
    for s in args.seeds:
        model, facts = train_arm(features, splits, owners, None, s, args.steps, args.temperature)
        encoders[f"seed {s}"] = model.encode_features(features)
        result["training"][f"seed {s}"] = facts
    if "seed 0" in encoders:
        result["seed0_reproduces_shipped"] = bool(np.allclose(encoders["seed 0"], shipped, atol=1e-5))
    shipped_mixes = {f"shipped mix {w}": cosine(mixed(shipped_model, w)) for w in MIXES[1:-1]}
    scorers = {**base, **{name: cosine(v) for name, v in encoders.items()}, **shipped_mixes}
    got = per_query(standard, home, scorers, args.seed)
    result["seeds"] = {
        "queries": len(standard),
        "rankers": {name: summary(m) for name, m in got.items()},
        "learned_minus_features": {
            name: {k: paired_ci(got[name][k], got["features"][k], args.seed) for k in ("hit10", "mrr")}
            for name in ("shipped", *encoders)
        },
        "default_minus_shipped_alone": {
            k: paired_ci(got[f"shipped default (mix {default_mix})"][k], got["shipped"][k], args.seed)
            for k in ("hit10", "mrr")
        },
    }
    spread = {k: [result["seeds"]["rankers"][name][k] for name in encoders] for k in ("hit10", "p10", "mrr")}
    result["seeds"]["spread"] = {
        k: {
            "mean": round(float(np.mean(v)), 4),
            "sd": round(float(np.std(v, ddof=1)), 4) if len(v) > 1 else 0.0,
            "min": min(v),
            "max": max(v),
        }
        for k, v in spread.items()
        if v
    }
    # Essen queries of bench_similar, by file and by family
    # the shipped encoder's mixes on the valid-split pieces of every collection (what chose the shipped mix)
    valid_seen = [i for i, o in enumerate(owners) if o and size[o] >= 2 and splits[i] == "valid"]
    every_mix = {f"shipped mix {w}": cosine(mixed(shipped_model, w)) for w in MIXES}
    chosen_on = per_query(valid_seen, home, every_mix, args.seed + 1)
    result["seeds"]["valid_mix"] = {name: summary(m) for name, m in chosen_on.items()}
    essen_q = [q for q in standard if kind_of(home[q]) == "essenFolksong"]
    by_file = per_query(essen_q, home, scorers, args.seed)
    by_family = per_query(essen_q, family, scorers, args.seed)
    result["essen"] = {
        "queries": len(essen_q),
        "by_file": {name: summary(m) for name, m in by_file.items()},
        "by_family": {name: summary(m) for name, m in by_family.items()},
    }

    # unseen collections
    save(result, args, t0)
    for arm, hs in [(a, s) for a in args.holdouts for s in args.holdout_seeds]:
        held = HOLDOUTS[arm]
        model, facts = train_arm(features, splits, owners, held, hs, args.steps, args.temperature)
        v = model.encode_features(features)
        result["training"][f"without {arm}, seed {hs}"] = facts
        out_q = [i for i, o in enumerate(owners) if o and held(o) and size[o] >= 2 and splits[i] == "test"]
        valid_q = [i for i, o in enumerate(owners) if o and held(o) and size[o] >= 2 and splits[i] == "valid"]
        seen_q = [q for q in standard if not held(home[q])]
        mixes = {f"mix {w}": cosine(mixed(model, w)) for w in MIXES}
        arm_scorers = {**base, "held-out encoder": cosine(v), **mixes}
        test = per_query(out_q, home, arm_scorers, args.seed)
        valid = per_query(valid_q, home, mixes, args.seed + 1)
        chosen = max(
            MIXES, key=lambda w: (valid[f"mix {w}"]["hit10"].mean(), valid[f"mix {w}"]["mrr"].mean())
        )
        seen = per_query(
            seen_q,
            home,
            {
                "features": cosine(z),
                "shipped": cosine(shipped),
                "held-out encoder": cosine(v),
                f"mix {chosen}": mixes[f"mix {chosen}"],
                f"mix {default_mix}": cosine(mixed(model, default_mix)),
            },
            args.seed,
        )
        entry = {
            "collections": len({home[q] for q in out_q}),
            "queries": len(out_q),
            "rankers": {name: summary(m) for name, m in test.items()},
            "heldout_minus_features": {
                k: paired_ci(test["held-out encoder"][k], test["features"][k], args.seed)
                for k in ("hit10", "mrr")
            },
            "shipped_minus_features": {
                k: paired_ci(test["shipped"][k], test["features"][k], args.seed) for k in ("hit10", "mrr")
            },
            "valid_mix": {name: summary(m) for name, m in valid.items()},
            "chosen_mix": chosen,
            "chosen_minus_features": {
                k: paired_ci(test[f"mix {chosen}"][k], test["features"][k], args.seed)
                for k in ("hit10", "mrr")
            },
            "seen_queries": {name: summary(m) for name, m in seen.items()},
            "default_minus_features": {
                k: paired_ci(test[f"mix {default_mix}"][k], test["features"][k], args.seed)
                for k in ("hit10", "mrr")
            },
            "default_minus_encoder": {
                k: paired_ci(test[f"mix {default_mix}"][k], test["held-out encoder"][k], args.seed)
                for k in ("hit10", "mrr")
            },
        }
        if kind_of(home[out_q[0]]) == "essenFolksong":
            fam = per_query(out_q, family, {**base, "held-out encoder": cosine(v)}, args.seed)
            entry["by_family"] = {name: summary(m) for name, m in fam.items()}
        entry["arm"], entry["seed"] = arm, hs
        result["holdouts"][f"{arm}, seed {hs}"] = entry
        log.info(
            "without %s: %s",
            arm,
            {k: entry["rankers"][k] for k in ("features", "shipped", "held-out encoder")},
        )
        save(result, args, t0)


def save(result: dict, args, t0: float) -> Path:
    """Write what is measured so far (after each arm, so a cut run keeps its finished arms)."""
    rows = []
    encoders = [name for name in result["seeds"].get("rankers", {}) if name.startswith("seed ")]
    unit_of = {"hit10": "Hit@10", "mrr": "MRR", "p10": "P@10"}
    seeds = result["seeds"]
    for name in encoders:
        for k in ("hit10", "mrr"):
            rows.append(
                row(
                    f"similar (learned, retrained {name}): a collection-mate among the nearest, {unit_of[k]} "
                    "(bench_similar's queries, index pool)",
                    seeds["rankers"][name][k],
                    unit_of[k],
                    COMMAND + f" --seeds {name.split()[1]} --holdouts",
                    baseline="standardised raw features, same queries",
                    baseline_value=seeds["rankers"]["features"][k],
                    notes=f"{seeds['queries']} test-split queries; shipped recipe, temperature "
                    f"{args.temperature}, "
                    f"{args.steps} steps; difference and 95% interval "
                    f"{seeds['learned_minus_features'][name][k]}; shipped encoder "
                    f"{seeds['rankers']['shipped'][k]}",
                )
            )
    for entry in result["holdouts"].values():
        arm = f"{entry['arm']}, training seed {entry['seed']}"
        for k in ("hit10", "mrr"):
            note = (
                f"{entry['queries']} test-split queries of {entry['collections']} collections left out of "
                f"training, index pool; held-out minus features {entry['heldout_minus_features'][k]} (95%); "
                f"same-label {entry['rankers']['same-label'][k]}"
            )
            cmd = COMMAND + f" --seeds --holdouts {entry['arm']} --holdout-seeds {entry['seed']}"
            dm, w = result["default_mix"], entry["chosen_mix"]
            features = ("standardised raw features, same queries", "features")
            for what, ranker, (baseline, peer), more in (
                ("held-out encoder", "held-out encoder", features, ""),
                (
                    "held-out encoder vs shipped (trained with them)",
                    "held-out encoder",
                    ("the shipped encoder, which saw these collections' train pieces", "shipped"),
                    "",
                ),
                (
                    f"held-out encoder mixed as partita ships it (mix {dm})",
                    f"mix {dm}",
                    ("the held-out encoder alone (mix 1.0), same queries", "held-out encoder"),
                    f"; mix minus encoder alone {entry['default_minus_encoder'][k]}, mix minus "
                    f"features {entry['default_minus_features'][k]} (95%)",
                ),
                (
                    f"mix {w} (chosen on their valid pieces)",
                    f"mix {w}",
                    features,
                    f"; mix minus features {entry['chosen_minus_features'][k]} (95%)",
                ),
            ):
                rows.append(
                    row(
                        f"similar on unseen collections (without {arm}): {what}, {unit_of[k]}",
                        entry["rankers"][ranker][k],
                        unit_of[k],
                        cmd,
                        baseline=baseline,
                        baseline_value=entry["rankers"][peer][k],
                        notes=note + more,
                    )
                )
    dm = result["default_mix"]
    for k in ("hit10", "mrr"):
        rows.append(
            row(
                f"similar (as shipped: mix {dm} of the encoder and the features): a collection-mate among "
                f"the nearest, {unit_of[k]} (bench_similar's queries, index pool)",
                seeds["rankers"][f"shipped default (mix {dm})"][k],
                unit_of[k],
                COMMAND + " --seeds --holdouts",
                baseline="the shipped encoder alone (partita similar before), same queries",
                baseline_value=seeds["rankers"]["shipped"][k],
                notes=f"difference {seeds['default_minus_shipped_alone'][k]} (95%); features "
                f"{seeds['rankers']['features'][k]}",
            )
        )
    for k in ("hit10", "mrr"):
        rows.append(
            row(
                f"similar on Essen queries, by file family (han1+han2 one), shipped encoder, {unit_of[k]}",
                result["essen"]["by_family"]["shipped"][k],
                unit_of[k],
                COMMAND,
                baseline="standardised raw features, same queries",
                baseline_value=result["essen"]["by_family"]["features"][k],
                notes=f"bench_similar's {result['essen']['queries']} Essen queries; by file: shipped "
                f"{result['essen']['by_file']['shipped'][k]}, features "
                f"{result['essen']['by_file']['features'][k]}, "
                f"same-label {result['essen']['by_file']['same-label'][k]}",
            )
        )
    path = write_result(
        args.name,
        "Similar pieces, stress-tested: unseen collections, Essen, training seeds, mixed with the features"
        + ("" if args.name == "similar_arms" else f" ({args.name})"),
        rows,
        extra={
            **result,
            "seconds": round(time.perf_counter() - t0, 1),
            "steps": args.steps,
            "temperature": args.temperature,
        },
    )
    log.info("wrote %s (%.0f s)", path, time.perf_counter() - t0)
    return path


if __name__ == "__main__":
    main()
