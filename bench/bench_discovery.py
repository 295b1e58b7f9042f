"""Discovery: text-to-music retrieval on the held-out test split, and search latency of the LanceDB index.

Issue 23 item 1-2. Up to 1,000 pieces of the test split of the built corpus ``all`` (drawn with the seed) are
the candidates; each is the target of one query of each kind:

- ``caption (en)`` / ``caption (zh)``: the piece's 4th English / Chinese caption. The model trains on the
  first three of each train piece only, so this phrasing of a test piece was never seen (the facts it states
  are the same kind of facts the training captions state).
- ``labels``: a hand-style query built from the piece's manifest labels in a form no caption uses
  ("reel, D major, 2/2 time, by O'Carolan"): type or genre, key, meter, composer.

Rankers, all on the same queries and candidates:

- ``model``: the discovery model (default: the shipped ``discovery-small``; ``--train`` retrains one here)
  ranks candidates by the cosine of the query's text vector and the candidate's music vector (from the score).
- ``BM25 on captions`` (the baseline of the issue): Okapi BM25 of the query against each candidate's own first
  caption (English for English queries, Chinese for Chinese), the text the index stores.
- ``model + BM25``: the sum of both scores, each z-scored per query.
- ``random``: the expected MRR of a random order, 1/n * sum(1/r).

Latency: ``DiscoveryIndex.search`` (text encoding + LanceDB flat cosine search, top 10) over an index of the
whole corpus, against a numpy brute-force matrix product over the same vectors. Hybrid search (embedding +
BM25 on the captions) reads the BM25 the build stored (``lexical.safetensors``); its baseline, in the same run
on the same index, is the code before it was stored (:func:`legacy_hybrid`: the whole table read, the vectors
through Python lists, BM25 fitted at the first query, a documents x terms matrix transposed at every query,
the hits' rows found by a scan), first query and steady state; the hybrid ranking of every test query over the
whole index is compared between the two (MRR, and the largest score difference).

    python bench/bench_discovery.py [--n 1000] [--train] [--epochs 30] [--seed 0]

``--pooling`` measures instead how a long piece's sections (:mod:`partita.discovery.sections`) should join
its whole-piece vector: three models trained in this run on the same train split, seed and epochs
(``none``: the whole-piece vector alone, as the shipped model; ``mean``; ``attention``), then the same
queries as above on the same test candidates, over all queries and over the queries whose target is a long
piece; the shipped model is measured beside them (``bench/results/discovery-pooling.json``).

    python bench/bench_discovery.py --pooling [--epochs 30] [--threads 1] [--exclude pop909]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_discovery")
COMMAND = "python bench/bench_discovery.py"
GOAL_MRR = "MRR >= 0.30 and >= 2x BM25 on captions"


def label_query(entry: dict) -> str:
    """A hand-style query from the manifest labels, in a form the captions never use."""
    labels = entry["labels"]
    kind = labels.get("tune_type") or labels.get("genre") or "tune"
    parts = [kind, labels.get("key") or "", f"{labels['meter']} time" if labels.get("meter") else ""]
    if labels.get("composer"):
        parts.append(f"by {labels['composer']}")
    return ", ".join(p for p in parts if p)


def query_kinds(test: list[dict]) -> dict[str, tuple[list[str], list[str]]]:
    """Each kind of query: the queries (one a test piece) and the caption BM25 matches them against."""
    return {
        "caption (en)": ([e["captions_en"][3] for e in test], [e["captions_en"][0] for e in test]),
        "caption (zh)": ([e["captions_zh"][3] for e in test], [e["captions_zh"][0] for e in test]),
        "labels": ([label_query(e) for e in test], [e["captions_en"][0] for e in test]),
    }


def retrieval_rows(model, test: list[dict], command: str) -> tuple[list[dict], dict]:
    from partita.discovery.metrics import bm25_scores, random_mrr, retrieval_metrics, zscore
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(test))
    kinds = query_kinds(test)
    rows, table, chance = [], {}, random_mrr(len(test))
    for kind, (queries, docs) in kinds.items():
        learned = model.encode_text(queries) @ music.T
        lexical = bm25_scores(queries, docs)
        m = {
            "model": retrieval_metrics(learned),
            "bm25": retrieval_metrics(lexical),
            "fused": retrieval_metrics(zscore(learned) + zscore(lexical)),
        }
        table[kind] = {**m, "example_query": queries[0]}
        n = len(test)
        for metric in ("mrr", "hit1", "hit10"):
            rows.append(
                row(
                    f"text-to-music {metric}, {kind} queries, {n} test candidates (model)",
                    m["model"][metric],
                    "",
                    command,
                    baseline="BM25 on the candidates' captions",
                    baseline_value=m["bm25"][metric],
                    goal=GOAL_MRR if metric == "mrr" else None,
                    notes=f"random MRR {chance:.4f}" if metric == "mrr" else "",
                )
            )
        rows.append(
            row(
                f"text-to-music mrr, {kind} queries, {n} test candidates (model + BM25, z-scored sum)",
                m["fused"]["mrr"],
                "",
                command,
                baseline="BM25 on the candidates' captions",
                baseline_value=m["bm25"]["mrr"],
            )
        )
        rows.append(row(f"text-to-music mrr, {kind} queries, random order", chance, "", command))
    return rows, table


class LegacyHybrid:
    """Hybrid search as it was before BM25 was stored with the index (partita before this bench's change),
    over the same open index: the whole table read, BM25 fitted at the first query (a documents x terms
    matrix, transposed by scipy at every query), every candidate sorted, the hits' rows found by a scan."""

    def __init__(self, index):
        self.index, self.cache = index, None

    def load(self):
        from partita.discovery.metrics import BM25

        if self.cache is None:
            table = self.index.table.to_arrow().select(["piece_id", "caption", "caption_zh", "vector"])
            texts = [
                f"{a} {b}"
                for a, b in zip(table["caption"].to_pylist(), table["caption_zh"].to_pylist(), strict=True)
            ]
            vectors = np.asarray(table["vector"].to_pylist(), dtype=np.float32)
            bm25 = BM25(texts)
            self.cache = (table["piece_id"].to_pylist(), bm25, bm25.weight_t.T.tocsr(), vectors)
        return self.cache

    def scores(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Each text's hybrid score of every indexed piece (texts x pieces), as the old code scored it."""
        from scipy import sparse

        from partita.discovery.encoders import text_tokens
        from partita.discovery.metrics import zscore

        ids, bm25, weight, vectors = self.load()
        rows, cols, counts = [], [], []
        for i, text in enumerate(texts):
            for t in text_tokens(text):
                if t in bm25.vocab:
                    rows.append(i)
                    cols.append(bm25.vocab[t])
                    counts.append(1)
        q = sparse.csr_matrix((counts, (rows, cols)), shape=(len(texts), weight.shape[1]), dtype=float)
        lexical = np.asarray((q @ weight.T).todense())
        return ids, zscore(self.index.model.encode_text(texts) @ vectors.T) + zscore(lexical)

    def search(self, text: str, k: int = 10) -> list[tuple[str, float]]:
        ids, score = self.scores([text])
        score = score[0]
        order = [i for i in np.argsort(-score)][:k]
        quoted = ", ".join("'" + ids[i].replace("'", "''") + "'" for i in order)
        self.index._query(f"piece_id IN ({quoted})", ["piece_id", "caption", "description"], k)
        return [(ids[i], float(score[i])) for i in order]


def hybrid_quality(index, legacy: LegacyHybrid, test: list[dict]) -> dict:
    """MRR of each test piece's queries over the whole index, hybrid-ranked with the stored BM25 and with the
    old code's; the largest difference of a score between the two."""
    from partita.discovery.metrics import zscore

    ids, vectors = index._space()
    position = {p: i for i, p in enumerate(ids)}
    target = np.asarray([position[e["piece_id"]] for e in test])
    out = {}
    for kind, (queries, _) in query_kinds(test).items():
        old_ids, old = legacy.scores(queries)
        assert old_ids == ids
        new = zscore(index.model.encode_text(queries) @ vectors.T) + zscore(index.lexical().scores(queries))
        m = {}
        for name, s in (("stored", new), ("before", old)):
            right = s[np.arange(len(s)), target][:, None]
            rank = 1.0 + (s > right + 1e-9).sum(1) + 0.5 * ((np.abs(s - right) <= 1e-9).sum(1) - 1)
            m[name] = float(np.mean(1.0 / rank))
        out[kind] = {**m, "max_score_difference": float(np.abs(new - old).max()), "candidates": len(ids)}
    return out


def latency_rows(
    model, entries: list[dict], command: str, queries: list[str], test: list[dict] | None = None
) -> tuple[list[dict], dict]:
    """Search latency over an index of every entry (built from the cached features, so no score is read)."""
    from partita.discovery.features import write_entries
    from partita.discovery.index import PENDING_FILE, DiscoveryIndex, build_index

    class _Corpus:  # the entries stand in for the corpus: build_index finds them all in its pending cache
        name = "bench"
        path = Path(".")

        def records(self):
            return [{"piece_id": e["piece_id"], "split": "", "midi_path": ""} for e in entries]

    folder = Path(tempfile.mkdtemp(prefix="partita-discovery-"))
    try:
        write_entries(entries, folder / PENDING_FILE)
        t0 = time.perf_counter()
        build_index(_Corpus(), folder, model=model)
        build_s = time.perf_counter() - t0
        index = DiscoveryIndex(folder, model=model)
        index.search(queries[0], labels=False)  # warm up
        t0 = time.perf_counter()
        for q in queries:
            index.search(q, k=10, labels=False)
        lance_ms = (time.perf_counter() - t0) / len(queries) * 1000
        t0 = time.perf_counter()
        index.search(queries[0])  # reads the index's labels once
        labels_load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for q in queries:
            index.search(q, k=10)
        labels_ms = (time.perf_counter() - t0) / len(queries) * 1000
        t0 = time.perf_counter()
        index.search(queries[0], hybrid=True, labels=False)  # reads the stored BM25 once
        hybrid_load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for q in queries:
            index.search(q, k=10, hybrid=True, labels=False)
        hybrid_ms = (time.perf_counter() - t0) / len(queries) * 1000
        legacy = LegacyHybrid(DiscoveryIndex(folder, model=model))
        t0 = time.perf_counter()
        legacy.search(queries[0])  # reads the captions and fits BM25 once
        legacy_load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for q in queries:
            legacy.search(q, k=10)
        legacy_ms = (time.perf_counter() - t0) / len(queries) * 1000
        same = [
            [h.piece_id for h in index.search(q, k=10, hybrid=True, labels=False)]
            == [p for p, _ in legacy.search(q, k=10)]
            for q in queries
        ]
        quality = hybrid_quality(index, legacy, test or [])
        vectors = model.encode_features(np.asarray([e["features"] for e in entries], dtype=np.float32))
        t0 = time.perf_counter()
        for q in queries:
            np.argpartition(-(vectors @ model.encode_text([q])[0]), 10)[:10]
        numpy_ms = (time.perf_counter() - t0) / len(queries) * 1000
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    n = len(entries)
    rows = [
        row(
            f"search latency, {n} pieces, top 10 (LanceDB, text encoding included)",
            lance_ms,
            "ms/query",
            command,
            baseline="numpy brute force over the same vectors",
            baseline_value=numpy_ms,
            higher_is_better=False,
            goal="< 50 ms for 10k pieces",
        ),
        row(
            f"search latency, {n} pieces, top 10, with the labels a query names (default since #23's labels)",
            labels_ms,
            "ms/query",
            command,
            baseline="LanceDB embedding search alone (labels=False)",
            baseline_value=lance_ms,
            higher_is_better=False,
            goal="< 50 ms for 10k pieces",
            notes=f"first query (reads the labels) {labels_load_s:.2f} s",
        ),
        row(
            f"hybrid search latency, {n} pieces, top 10 (embedding + BM25 stored at build)",
            hybrid_ms,
            "ms/query",
            command,
            baseline="the same before BM25 was stored (fitted at the first query)",
            baseline_value=legacy_ms,
            higher_is_better=False,
            notes=f"LanceDB embedding search alone {lance_ms:.1f} ms; same top 10 on "
            f"{sum(same)}/{len(same)} queries",
        ),
        row(
            f"hybrid search, first query, {n} pieces (opens the index's arrays and BM25)",
            hybrid_load_s,
            "s",
            command,
            baseline="the same before BM25 was stored (reads the captions, fits BM25)",
            baseline_value=legacy_load_s,
            higher_is_better=False,
        ),
        row(f"index build from cached features, {n} pieces", build_s, "s", command, higher_is_better=False),
    ]
    for kind, q in quality.items():
        rows.append(
            row(
                f"hybrid search mrr over the whole index ({q['candidates']} pieces), {kind} queries of "
                f"{len(test)} test pieces, BM25 stored at build",
                q["stored"],
                "",
                command,
                baseline="the same before BM25 was stored",
                baseline_value=q["before"],
                notes=f"largest score difference {q['max_score_difference']:.2g}",
            )
        )
    return rows, {
        "pieces": n,
        "lancedb_ms": lance_ms,
        "numpy_ms": numpy_ms,
        "hybrid_ms": hybrid_ms,
        "labels_ms": labels_ms,
        "labels_first_s": labels_load_s,
        "hybrid_first_s": hybrid_load_s,
        "hybrid_before_ms": legacy_ms,
        "hybrid_before_first_s": legacy_load_s,
        "hybrid_same_top10": f"{sum(same)}/{len(same)}",
        "hybrid_quality": quality,
        "build_s": build_s,
    }


def _long_metrics(scores: np.ndarray, long: np.ndarray) -> dict[str, dict[str, float]]:
    from partita.discovery.metrics import ranks

    r = ranks(scores)
    out = {}
    for name, keep in (("all", np.ones(len(r), dtype=bool)), ("long", long)):
        out[name] = {
            "mrr": float(np.mean(1.0 / r[keep])),
            "hit1": float(np.mean(r[keep] <= 1)),
            "hit10": float(np.mean(r[keep] <= 10)),
            "n": int(keep.sum()),
        }
    return out


def pooling_rows(models: dict, test: list[dict], command: str) -> tuple[list[dict], dict]:
    """Each model's retrieval of the test candidates (all queries; queries of long pieces) against the
    whole-piece model trained in the same run (``none``)."""
    from partita.discovery.metrics import bm25_scores
    from partita.discovery.train import features_of, sections_of

    feats, sections = features_of(test), sections_of(test)
    long = np.asarray([len(s) > 0 for s in sections])
    kinds = query_kinds(test)
    table: dict = {}
    for kind, (queries, docs) in kinds.items():
        table[kind] = {"BM25 on captions": _long_metrics(bm25_scores(queries, docs), long)}
        for name, model in models.items():
            scores = model.encode_text(queries) @ model.encode_features(feats, sections).T
            table[kind][name] = _long_metrics(scores, long)
    rows = []
    for kind, by_model in table.items():
        for subset in ("all", "long"):
            base = by_model["none"][subset]
            for name in models:
                if name == "none":
                    continue
                rows.append(
                    row(
                        f"text-to-music mrr, {kind} queries of {subset} pieces ({base['n']}), "
                        f"{len(test)} test candidates, {name}",
                        by_model[name][subset]["mrr"],
                        "",
                        command,
                        baseline="whole-piece vector alone (none), trained in this run",
                        baseline_value=base["mrr"],
                        notes=f"BM25 on captions {by_model['BM25 on captions'][subset]['mrr']:.4f}",
                    )
                )
    return rows, {"retrieval": table, "long_test_pieces": int(long.sum())}


def pooling_main(args, parts: dict, corpus) -> None:
    from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel
    from partita.discovery.sections import corpus_sections
    from partita.discovery.train import TrainConfig, train_discovery
    from partita.paths import data_dir

    skip = set(args.exclude or ())
    parts = {k: [e for e in v if e["piece_id"].rsplit("-", 1)[0] not in skip] for k, v in parts.items()}
    rng = np.random.default_rng(args.seed)
    valid = [parts["valid"][i] for i in rng.permutation(len(parts["valid"]))[:1000]]
    rng = np.random.default_rng(args.seed)
    test = [parts["test"][i] for i in rng.permutation(len(parts["test"]))[: args.n]]
    wanted = {e["piece_id"] for e in (*parts["train"], *valid, *test)}
    t0 = time.perf_counter()
    sections = corpus_sections(
        corpus,
        [r for r in corpus.records() if r["piece_id"] in wanted],
        cache=data_dir() / "discovery" / f"{args.corpus}-sections.parquet",
        workers=args.workers,
    )
    sections_s = time.perf_counter() - t0
    for e in (*parts["train"], *valid, *test):
        e["sections"] = sections.get(e["piece_id"], [])
    models, seconds = {"shipped": DiscoveryModel.from_pretrained(args.model)}, {"sections": sections_s}
    for pooling in ("none", "mean", "attention"):
        t0 = time.perf_counter()
        tc = TrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads)
        models[pooling] = train_discovery(parts["train"], valid, DiscoveryConfig(pooling=pooling), tc)
        seconds[pooling] = time.perf_counter() - t0
        log.info(
            "%s: valid MRR %s in %.0f s",
            pooling,
            models[pooling].config.metrics["valid_mrr"],
            seconds[pooling],
        )
    command = (
        f"{COMMAND} --pooling --epochs {args.epochs} --threads {args.threads}"
        + (f" --n {args.n}" if args.n != 1000 else "")
        + "".join(f" --exclude {x}" for x in sorted(skip))
    )
    rows, extra = pooling_rows(models, test, command)
    for name in ("none", "mean", "attention"):
        rows.append(row(f"valid MRR, {name}", models[name].config.metrics["valid_mrr"], "", command))
        rows.append(row(f"training time, {name}", seconds[name], "s", command, higher_is_better=False))
    extra.update(
        corpus=args.corpus,
        excluded_sources=sorted(skip),
        test_candidates=len(test),
        train_pieces=len(parts["train"]),
        train_long_pieces=sum(len(e["sections"]) > 0 for e in parts["train"]),
        seconds=seconds,
        model_metrics={k: m.config.metrics for k, m in models.items()},
    )
    path = write_result(
        "discovery-pooling",
        "Discovery: long pieces' sections pooled (none / mean / attention), text-to-music retrieval",
        rows,
        extra=extra,
    )
    for kind, by_model in extra["retrieval"].items():
        for name, m in by_model.items():
            log.info(
                "%s %s: all %.4f long %.4f (n %d)",
                kind,
                name,
                m["all"]["mrr"],
                m["long"]["mrr"],
                m["long"]["n"],
            )
    log.info("wrote %s", path)


def load_model(args, parts):
    from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel
    from partita.discovery.train import TrainConfig, train_discovery

    if not args.train:
        return DiscoveryModel.from_pretrained(args.model), None
    rng = np.random.default_rng(args.seed)
    valid = [parts["valid"][i] for i in rng.permutation(len(parts["valid"]))[:1000]]
    t0 = time.perf_counter()
    model = train_discovery(
        parts["train"], valid, DiscoveryConfig(), TrainConfig(epochs=args.epochs, seed=args.seed)
    )
    return model, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="test candidates (and queries of each kind)")
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--model", default=None, help="a discovery model folder (default: discovery-small)")
    parser.add_argument("--train", action="store_true", help="train a model here instead")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default=None, help="the features cache (default: data/discovery/)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--pooling", action="store_true", help="compare the pooling of long pieces' sections")
    parser.add_argument(
        "--exclude", action="append", help="--pooling: leave out a source (piece id prefix, e.g. pop909)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from partita.corpus import load_corpus
    from partita.discovery.train import split_entries
    from partita.paths import data_dir

    torch.set_num_threads(args.threads)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    corpus = load_corpus(args.corpus)
    parts = split_entries(corpus, cache, args.workers)
    if args.pooling:
        pooling_main(args, parts, corpus)
        return
    model, train_s = load_model(args, parts)
    rng = np.random.default_rng(args.seed)
    test = [parts["test"][i] for i in rng.permutation(len(parts["test"]))[: args.n]]
    command = (
        COMMAND
        + (f" --train --epochs {args.epochs}" if args.train else "")
        + (f" --n {args.n}" if args.n != 1000 else "")
    )
    rows, table = retrieval_rows(model, test, command)
    everything = [e for p in parts.values() for e in p]
    lat_rows, latency = latency_rows(model, everything, command, [label_query(e) for e in test[:100]], test)
    rows += lat_rows
    if train_s is not None:
        rows.append(row("training time (2 threads)", train_s, "s", command, higher_is_better=False))
    extra = {
        "corpus": args.corpus,
        "test_candidates": len(test),
        "model": args.model or "discovery-small" if not args.train else "trained in this run",
        "model_metrics": model.config.metrics,
        "retrieval": table,
        "latency": latency,
    }
    path = write_result(
        "discovery", "Discovery: text-to-music retrieval and search latency", rows, extra=extra
    )
    for r in rows:
        log.info("%s: %.4f (baseline %s: %s)", r["metric"], r["value"], r["baseline"], r["baseline_value"])
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
