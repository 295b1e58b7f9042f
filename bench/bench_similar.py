"""`partita similar`, measured: are a held-out piece's nearest neighbours from its own collection?

``partita similar piece.mid`` ranks the indexed pieces by the cosine of their vectors with the piece's: by
default the similarity encoder's (``partita.discovery.similarity``, trained on train-split collections), with
``--method discovery`` the discovery model's music vectors (the behaviour before it); no labels are read.
Here each query is a **test-split** piece of the
built corpus ``all`` (held out from the discovery model's training) that belongs to a real collection
(``partita.discovery.recommend.collection_of``: a tune book's source file, an Essen regional file, a mass, a
composer's set) with at least one other indexed piece; its collection is hidden (it is never an input), and
a neighbour is right when it comes from the same collection. Two candidate pools: ``index`` (every other
indexed piece, as ``partita similar`` searches) and ``held-out`` (the other test-split pieces only: neither
the query nor any candidate was seen in training). Measured per query: Hit@10 (a collection-mate among the
10 nearest), P@10 (the share of the 10 that are) and MRR of the first collection-mate.

Rankers, on the same queries and pools (ties broken by a seeded random order):

- ``learned``: the similarity encoder's vectors (what the command does by default; ``--similarity FOLDER``
  measures another), the standardised features mixed in with the encoder's ``feature_weight``;
- ``encoder-alone``: the same encoder with no features mixed in (the command before the mix);
- ``similar``: the discovery vectors (``partita similar --method discovery``, the command before);
- ``features``: the cosine of the standardised feature vectors the encoder reads (no learning);
- ``same-label`` (baseline): how many labels (genre, tune type, region, country, composer, meter, key; the
  collection label hidden) a candidate shares with the query;
- ``popularity`` (baseline): how many versions of the candidate's tune or work the corpus holds;
- ``random``.

    python bench/bench_similar.py [--queries 1000] [--per-collection 20] [--seed 0] [--similarity FOLDER]

Writes bench/results/similar.json. Needs the built corpus ``all``; its discovery features are read from
``data/discovery/all-entries.parquet`` (bench_discovery's cache), computed and cached there when it is missing
(about 25 minutes on one core for 16,000 pieces).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_similar")
COMMAND = "python bench/bench_similar.py"
SLOW = True
"""About 2 minutes with the features cached, 25 more without (``python -m bench similar`` runs it)."""
K = 10
LABELS = ("genre", "tune_type", "region", "country", "composer", "meter", "key")
"""The labels the same-label baseline compares (the collection label is hidden)."""
BASE_NAMES = {
    "encoder-alone": "the similarity encoder alone (partita similar before the features were mixed in)",
    "similar": "the discovery vectors (partita similar before: --method discovery)",
    "features": "standardised raw features",
    "same-label": "same labels, collection hidden",
    "random": "random",
    "popularity": "popularity",
}
RANKERS = ("learned", "encoder-alone", "similar", "features", "same-label", "popularity", "random")


def pick_queries(records: list[dict], home: dict[str, str | None], n: int, per_collection: int, seed: int):
    """Up to ``n`` test-split pieces of collections with another indexed piece, at most ``per_collection``
    a collection, drawn with the seed."""
    rng = np.random.default_rng(seed)
    size = Counter(c for c in home.values() if c)
    by: dict[str, list[str]] = defaultdict(list)
    for r in records:
        c = home[r["piece_id"]]
        if c and size[c] >= 2 and r.get("split") == "test":
            by[c].append(r["piece_id"])
    out = []
    for c in sorted(by):
        out += [by[c][int(i)] for i in rng.permutation(len(by[c]))[:per_collection]]
    return [out[int(i)] for i in rng.permutation(len(out))[:n]]


def first_right(order: np.ndarray, right: np.ndarray) -> dict[str, float]:
    """Hit@10, P@10 and reciprocal rank of the first right candidate of one ranked list."""
    hits = right[order]
    first = int(np.argmax(hits)) + 1 if hits.any() else None
    return {
        "hit10": float(hits[:K].any()),
        "p10": float(hits[:K].mean()),
        "mrr": 1.0 / first if first else 0.0,
    }


def evaluate(queries, position, home_of, pools, scorers, seed: int) -> dict:
    """Per pool and ranker: the mean of each measure over the queries (and per collection kind)."""
    rng = np.random.default_rng(seed)
    home = np.asarray([home_of[i] or "" for i in range(len(home_of))], dtype=object)
    out: dict = {}
    for pool_name, pool in pools.items():
        per: dict[str, list[dict]] = defaultdict(list)
        kinds: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for p in queries:
            q = position[p]
            candidates = pool[pool != q]
            right = home[candidates] == home[q]
            if not right.any():
                continue
            noise = rng.random(len(candidates)) * 1e-6  # ties in a seeded random order
            kind = kind_of(home[q])
            for name, scorer in scorers.items():
                scores = scorer(q, candidates) + noise
                m = first_right(np.argsort(-scores, kind="stable"), right)
                per[name].append(m)
                kinds[(kind, name)].append(m)
        out[pool_name] = {name: mean_of(ms) for name, ms in per.items()}
        out[pool_name]["by_kind"] = {}
        for (kind, name), ms in kinds.items():
            out[pool_name]["by_kind"].setdefault(kind, {})[name] = mean_of(ms)
    return out


def kind_of(collection: str) -> str:
    """A collection's kind for the per-kind table: its corpus (``essenFolksong``, ``oneills1850``, ...)."""
    if collection.startswith("music21:"):
        collection = collection.split(":")[1]
    return collection.split("/")[0].split(":")[0]


def mean_of(ms: list[dict]) -> dict[str, float]:
    return {**{k: float(np.mean([m[k] for m in ms])) for k in ("hit10", "p10", "mrr")}, "n": len(ms)}


def scorers(
    vectors: np.ndarray,
    features: np.ndarray,
    labels: list[dict],
    popularity: np.ndarray,
    seed: int,
    learned: np.ndarray,
    alone: np.ndarray,
):
    """name -> function(query position, candidate positions) -> scores."""
    z = (features - features.mean(0)) / np.maximum(features.std(0), 1e-9)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)
    rng = np.random.default_rng(seed + 1)
    columns = {f: np.asarray([lab.get(f) or "" for lab in labels], dtype=object) for f in LABELS}

    def same_label(q, c):
        return sum(
            (columns[f][c] == columns[f][q]).astype(float) for f in LABELS if columns[f][q]
        ) + np.zeros(len(c))

    return {
        "learned": lambda q, c: learned[c] @ learned[q],
        "encoder-alone": lambda q, c: alone[c] @ alone[q],
        "similar": lambda q, c: vectors[c] @ vectors[q],
        "features": lambda q, c: z[c] @ z[q],
        "same-label": same_label,
        "popularity": lambda q, c: popularity[c],
        "random": lambda q, c: rng.random(len(c)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--per-collection", type=int, default=20)
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--model", default=None, help="a discovery model folder (default: discovery-small)")
    parser.add_argument(
        "--similarity", default=None, help="a similarity encoder folder (default: the shipped similar-small)"
    )
    parser.add_argument("--cache", default=None, help="the features cache (default: the corpus's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="processes featurising an uncached corpus")
    parser.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from catalogue import load_catalogue
    from partita.corpus import load_corpus
    from partita.discovery.recommend import collection_of
    from partita.discovery.similarity import SimilarityEncoder
    from partita.paths import data_dir

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    corpus = load_corpus(args.corpus)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{corpus.name}-entries.parquet"
    cat = load_catalogue(corpus, args.model, cache, workers=args.workers)
    records, ids, position = cat.records, cat.ids, cat.position
    features, vectors, labels, popularity = cat.features, cat.vectors, cat.labels, cat.popularity
    home = {r["piece_id"]: collection_of(r) for r in records}
    home_of = [home[p] for p in ids]
    encoder = SimilarityEncoder.from_pretrained(args.similarity)
    learned = encoder.encode_features(features)
    weight, encoder.config.feature_weight = encoder.config.feature_weight, 0.0
    alone = encoder.encode_features(features)
    queries = pick_queries(records, home, args.queries, args.per_collection, args.seed)
    test = np.asarray([position[r["piece_id"]] for r in records if r.get("split") == "test"])
    pools = {"index": np.arange(len(ids)), "held-out": test}
    result = evaluate(
        queries,
        position,
        home_of,
        pools,
        scorers(vectors, features, labels, popularity, args.seed, learned, alone),
        args.seed,
    )
    seconds = time.perf_counter() - t0

    collections = Counter(home[p] for p in queries)
    rows = []
    for pool, where in (
        ("index", f"among the {len(ids)} indexed pieces"),
        ("held-out", f"among the {len(test)} test-split pieces"),
    ):
        got = result[pool]
        note = (
            f"{got['learned']['n']} test-split queries from {len(collections)} collections (at most "
            f"{args.per_collection} a collection), {where}; a collection-mate is right; the collection label "
            "is never an input"
        )
        for metric, unit in (("hit10", "Hit@10"), ("p10", "P@10"), ("mrr", "MRR")):
            for base in ("encoder-alone", "similar", "features", "same-label", "random", "popularity"):
                rows.append(
                    row(
                        f"similar (learned): a collection-mate among the nearest, {unit} ({where[6:]})",
                        got["learned"][metric],
                        unit,
                        COMMAND,
                        baseline=f"{BASE_NAMES[base]}, same queries",
                        baseline_value=got[base][metric],
                        notes=note,
                    )
                )
    extra = {
        **result,
        "queries": len(queries),
        "collections": len(collections),
        "indexed": len(ids),
        "test_split": len(test),
        "model": args.model or "discovery-small",
        "similarity": args.similarity or "similar-small",
        "feature_weight": weight,
        "seconds": round(seconds, 1),
    }
    path = write_result(
        "similar",
        "Similar pieces: a held-out piece's nearest neighbours from its own collection",
        rows,
        extra=extra,
    )
    for pool in pools:
        for name in RANKERS:
            m = result[pool][name]
            log.info(
                "%-8s %-11s Hit@10 %.3f P@10 %.3f MRR %.3f (n %d)",
                pool,
                name,
                m["hit10"],
                m["p10"],
                m["mrr"],
                m["n"],
            )
    log.info("wrote %s (%.0f s)", path, seconds)


if __name__ == "__main__":
    main()
