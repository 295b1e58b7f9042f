"""Recommendation: hide one piece of a real collection of the corpus and find it from the others (issue 23
item 3).

Collections (``partita.discovery.recommend.collection_of``): the source files of the ABC tune books and of
Essen's regional files, Palestrina's masses (their movements), Bach's chorales, Monteverdi's madrigals and the
other multi-piece sets of music21's corpus. Each case hides a piece of the corpus's **test** split (held out
from the discovery model's training) and gives the recommender ``--set-size`` other pieces of its collection;
every other piece of the corpus (about 16,000) is a candidate. Measured: MRR, Hit@1 and Hit@10 of the hidden
piece (ties count half).

Rankers, on the same cases:

- ``mean`` / ``max`` / ``mean+max``: the discovery model's music vectors (default: the shipped
  ``discovery-small``), :func:`partita.discovery.recommend.set_scores`;
- ``mean + labels``: the centroid's cosine plus the same-label count (each z-scored over the candidates);
- ``same-label`` (baseline): how many manifest labels (collection, genre, tune type, region, country,
  composer, meter, key) a candidate shares with the set's most common values;
- ``popularity`` (baseline): how many versions of the candidate's tune or work the corpus holds;
- ``random``: the expected MRR of a random order.

    python bench/bench_recommend.py [--set-size 5] [--per-collection 10] [--seed 0]

Writes bench/results/recommend.json. Needs the built corpus ``all`` and its discovery features cache
(``data/discovery/all-entries.parquet``, written by ``partita index build`` or bench_discovery).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_recommend")
COMMAND = "python bench/bench_recommend.py"
PEERS = {"mean": "discovery vectors, mean", "mean + labels": "discovery vectors, mean + labels"}


def rankers(vectors: np.ndarray, labels: list[dict], popularity: np.ndarray):
    """name -> function(query positions) -> scores over every candidate."""
    from partita.discovery.metrics import zscore
    from partita.discovery.recommend import label_scores, set_scores

    def same_label(q):
        return label_scores([labels[i] for i in q], labels)

    return {
        "mean": lambda q: set_scores(vectors[q], vectors, "mean"),
        "max": lambda q: set_scores(vectors[q], vectors, "max"),
        "mean+max": lambda q: set_scores(vectors[q], vectors, "mean+max"),
        "mean + labels": lambda q: zscore(set_scores(vectors[q], vectors, "mean")) + zscore(same_label(q)),
        "same-label": same_label,
        "popularity": lambda q: popularity,
    }


def evaluate(cases, position: dict[str, int], functions) -> dict[str, dict]:
    """Ranks of each case's hidden piece under each ranker, in both protocols (``full``: among every piece
    but the set; ``sampled``: among 99 pieces of other collections); metrics overall and per kind."""
    from partita.discovery.recommend import episode_rank, rank_metrics, sampled_rank

    ranks: dict[tuple[str, str], list[float]] = {}
    kinds: dict[tuple[str, str, str], list[float]] = {}
    for case in cases:
        q = [position[p] for p in case.query]
        negatives = [position[p] for p in case.negatives]
        kind = case.collection.split(":")[1] if case.collection.startswith("music21:") else case.collection
        kind = kind.split("/")[0].split(":")[0]
        for name, f in functions.items():
            scores, target = f(q), position[case.target]
            for protocol, r in (
                ("full", episode_rank(scores, target, q)),
                ("sampled", sampled_rank(scores, target, negatives)),
            ):
                ranks.setdefault((protocol, name), []).append(r)
                kinds.setdefault((protocol, kind, name), []).append(r)
    out: dict[str, dict] = {"full": {}, "sampled": {}, "by_kind": {}}
    for (protocol, name), r in ranks.items():
        out[protocol][name] = rank_metrics(r)
    for (protocol, kind, name), r in kinds.items():
        out["by_kind"].setdefault(protocol, {}).setdefault(kind, {})[name] = rank_metrics(r)
    return out


def held_out_collections(cases, records, position, features, vectors, labels, popularity, seed: int):
    """Train the set encoder on two thirds of the collections (their train-split pieces only) and measure it
    beside the other rankers on the cases of the other third."""
    import zlib

    from partita.discovery.metrics import zscore
    from partita.discovery.recommend import collection_of, label_scores, set_scores
    from partita.discovery.set_encoder import SetEncoderConfig, train_set_encoder

    def evaluated(name: str) -> bool:
        return zlib.crc32(f"{seed}:{name}".encode()) % 3 == 0

    groups: dict[str, list[int]] = {}
    for r in records:
        c = collection_of(r)
        if c and not evaluated(c) and r.get("split") == "train":
            groups.setdefault(c, []).append(position[r["piece_id"]])
    t0 = time.perf_counter()
    config = SetEncoderConfig(
        n_features=features.shape[1], seed=seed, trained_on=f"{len(groups)} collections"
    )
    model = train_set_encoder(features, groups, config)
    train_s = time.perf_counter() - t0
    learned = model.encode_features(features)
    functions = rankers(vectors, labels, popularity)
    functions["learned set encoder (mean)"] = lambda q: set_scores(learned[q], learned, "mean")
    functions["learned + labels"] = lambda q: (
        zscore(set_scores(learned[q], learned, "mean")) + zscore(label_scores([labels[i] for i in q], labels))
    )
    names = ("learned set encoder (mean)", "learned + labels", "mean", "mean + labels", "same-label")
    functions = {k: functions[k] for k in names}
    held = [c for c in cases if evaluated(c.collection)]
    return evaluate(held, position, functions), len(groups), len(held), train_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set-size", type=int, default=5)
    parser.add_argument("--per-collection", type=int, default=10)
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--model", default=None, help="a discovery model folder (default: discovery-small)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from catalogue import load_catalogue
    from partita.corpus import load_corpus
    from partita.discovery.metrics import random_mrr
    from partita.discovery.recommend import episodes
    from partita.paths import data_dir

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    cache = data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    cat = load_catalogue(load_corpus(args.corpus), args.model, cache)
    records, ids, position = cat.records, cat.ids, cat.position
    features, vectors, labels, popularity = cat.features, cat.vectors, cat.labels, cat.popularity
    cases = episodes(records, args.set_size, args.per_collection, seed=args.seed)
    result = evaluate(cases, position, rankers(vectors, labels, popularity))
    learned, n_train_collections, n_held, train_s = held_out_collections(
        cases, records, position, features, vectors, labels, popularity, args.seed
    )
    seconds = time.perf_counter() - t0

    command = COMMAND + (f" --set-size {args.set_size}" if args.set_size != 5 else "")
    n_cand = len(ids) - args.set_size
    chance = random_mrr(n_cand)
    collections = Counter(c.collection for c in cases)
    note = (
        f"{len(cases)} cases from {len(collections)} collections (a test-split piece hidden, "
        f"{args.set_size} others of its collection given), {n_cand} candidates; random MRR {chance:.5f}"
    )
    rows = []
    protocols = {
        "full": ("among every piece", note),
        "sampled": ("among 1 + 99 of other collections", note.split(", ", 1)[0] + ", random MRR 0.0519"),
    }
    for protocol, (where, text) in protocols.items():
        overall = result[protocol]
        for name in ("mean", "max", "mean+max", "mean + labels"):
            for metric, unit in (("mrr", "MRR"), ("hit10", "Hit@10")):
                for base in ("same-label", "popularity"):
                    rows.append(
                        row(
                            f"recommendation {unit} ({where}), discovery vectors, {name}",
                            overall[name][metric],
                            unit,
                            command,
                            baseline=f"{base}, same cases",
                            baseline_value=overall[base][metric],
                            notes=text,
                        )
                    )
    held_note = (
        f"{n_held} cases of the collections held out from the set encoder's training ({n_train_collections} "
        f"collections' train-split pieces trained it, {train_s:.0f} s on 1 thread)"
    )
    for protocol, (where, _) in protocols.items():
        m = learned[protocol]
        for name, label, bases in (
            ("learned set encoder (mean)", "learned set encoder", ("mean", "same-label")),
            (
                "learned + labels",
                "learned set encoder + labels (the default)",
                ("mean + labels", "same-label"),
            ),
        ):
            for metric, unit in (("mrr", "MRR"), ("hit10", "Hit@10")):
                for base in bases:
                    rows.append(
                        row(
                            f"recommendation {unit} ({where}), {label}, unseen collections",
                            m[name][metric],
                            unit,
                            command,
                            baseline=f"{PEERS.get(base, base)}, same cases",
                            baseline_value=m[base][metric],
                            notes=held_note,
                        )
                    )
    extra = {
        "learned": learned,
        "cases": len(cases),
        "collections": len(collections),
        "candidates": n_cand,
        "random_mrr": chance,
        **result,
        "seconds": round(seconds, 1),
        "model": args.model or "discovery-small",
    }
    path = write_result(
        "recommend",
        "Recommendation: a hidden piece of a real collection, found from the others",
        rows,
        extra=extra,
    )
    for protocol in ("full", "sampled"):
        for name, m in learned[protocol].items():
            log.info(
                "held-out collections %-7s %-26s MRR %.4f Hit@10 %.3f", protocol, name, m["mrr"], m["hit10"]
            )
        for name, m in result[protocol].items():
            log.info(
                "%-7s %-14s MRR %.4f Hit@1 %.3f Hit@10 %.3f (n %d)",
                protocol,
                name,
                m["mrr"],
                m["hit1"],
                m["hit10"],
                m["n"],
            )
        for kind, v in sorted(result["by_kind"][protocol].items()):
            log.info(
                "%-7s %-14s n %4d  mean %.3f  max %.3f  mean+labels %.3f  same-label %.3f  popularity %.3f",
                protocol,
                kind,
                v["mean"]["n"],
                v["mean"]["mrr"],
                v["max"]["mrr"],
                v["mean + labels"]["mrr"],
                v["same-label"]["mrr"],
                v["popularity"]["mrr"],
            )
    log.info("wrote %s (%.0f s)", path, seconds)


if __name__ == "__main__":
    main()
