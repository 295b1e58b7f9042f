"""Discovery: the labels a query names (kind, composer, collection, country, key, meter) as a boost beside the
embedding (and BM25), weight chosen on the valid split, measured on the held-out test split.

Issue 23. The same queries and candidates as ``bench_discovery.py`` / ``bench_discovery_fusion.py`` (up to
1,000 pieces of a split, drawn with the seed; each the target of one query of each kind: its 4th English
caption, its 4th Chinese caption, a query from its labels; and the label query without its kind, without its
composer). Rankers, all on the same queries and candidates, each score z-scored per query:

- ``model``: the discovery model's cosine (``partita search`` before this change);
- ``BM25``: BM25 against each candidate's first caption (the issue's baseline);
- ``hybrid``: model + BM25 (``partita search --hybrid`` before this change);
- ``model + labels`` / ``hybrid + labels``: the same plus ``w`` times the z-scored label score of
  :class:`partita.discovery.query_labels.LabelMatcher` over the candidates' label columns (a piece without a
  key label takes its description's key, as the index does). ``w`` is chosen on the valid split's queries
  (the mean MRR over the three query kinds, so that free-text captions count as much as label queries) on a
  grid, among the weights that leave neither caption kind below the path without labels; the shipped
  :data:`partita.discovery.index.LABEL_WEIGHT` (and ``HYBRID_LABEL_WEIGHT``) are measured on the test split
  beside the paths before them, with a paired bootstrap interval of the difference (1,000 resamples of the
  queries).

A few hand-written queries (the issue's own examples among them) are scored by precision at 10 over every
test-split piece: the share of the top 10 that carry the labels the query names.

    python bench/bench_discovery_labels.py [--n 1000] [--seed 0] [--cache PATH] [--whole] [--model DIR]
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_discovery import GOAL_MRR, query_kinds  # noqa: E402
from bench_discovery_fusion import _draw, ablated, arguments, log_rows  # noqa: E402
from common import row, write_result  # noqa: E402

SLOW = True  # embeds the corpus and sweeps the weight on valid: run only when named
log = logging.getLogger("bench_discovery_labels")
COMMAND = "python bench/bench_discovery_labels.py"
GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SELECT_KINDS = ("caption (en)", "caption (zh)", "labels")
"""The query kinds whose mean MRR on the valid split chooses the weight."""


def _kind(labels: dict, *kinds: str) -> bool:
    return (labels.get("tune_type") or labels.get("genre") or "") in kinds


EXAMPLES = {
    "a jig by O'Neill": lambda x: _kind(x, "jig") and "neill" in (x["collection"] + x["composer"]).lower(),
    "a chorale by Bach": lambda x: _kind(x, "chorale") and "Bach" in x["composer"],
    "a Chinese folk song": lambda x: x["country"] == "China",
    "a reel in D major": lambda x: _kind(x, "reel") and x["key"] == "D major",
    "a slip jig in G major": lambda x: _kind(x, "slip jig") and x["key"] == "G major",
    "a mass by Palestrina": lambda x: _kind(x, "mass") and "Palestrina" in x["composer"],
    "a hornpipe in 4/4": lambda x: _kind(x, "hornpipe") and x["meter"] == "4/4",
    "a madrigal by Monteverdi": lambda x: _kind(x, "madrigal") and "Monteverdi" in x["composer"],
    "a German Liebes-Lied": lambda x: x["country"] == "Germany" and "Liebes - Lied" in x["genre"],
    "a tune from Luxembourg in 3/4": lambda x: x["country"] == "Luxembourg" and x["meter"] == "3/4",
    "巴赫的众赞歌": lambda x: _kind(x, "chorale") and "Bach" in x["composer"],
    "一首中国民歌": lambda x: x["country"] == "China",
}
"""Hand-written queries, written before the bench ran, and what a right answer carries."""


def matcher_of(entries: list[dict]):
    from partita.discovery.query_labels import LabelMatcher, with_estimated_keys

    rows = [{"piece_id": e["piece_id"], **e["labels"]} for e in entries]
    return LabelMatcher(with_estimated_keys(rows, entries))


def scores(model, entries: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each query kind's z-scored model, BM25 and label scores (queries x candidates)."""
    from partita.discovery.metrics import bm25_scores, zscore
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(entries))
    matcher = matcher_of(entries)
    kinds = query_kinds(entries)
    kinds["labels without kind"] = ([ablated(e, "kind") for e in entries], kinds["labels"][1])
    kinds["labels without composer"] = ([ablated(e, "composer") for e in entries], kinds["labels"][1])
    return {
        kind: (
            zscore(model.encode_text(q) @ music.T),
            zscore(bm25_scores(q, docs)),
            zscore(matcher.scores(q)),
        )
        for kind, (q, docs) in kinds.items()
    }


def reciprocal_ranks(s: np.ndarray) -> np.ndarray:
    from partita.discovery.metrics import ranks

    return 1.0 / ranks(s)


def rankers(
    m: np.ndarray, b: np.ndarray, lab: np.ndarray, w: float, w_hybrid: float
) -> dict[str, np.ndarray]:
    """Each ranker's reciprocal ranks of the right candidates (``w``: the labels' weight beside the model,
    ``w_hybrid`` beside the model and BM25)."""
    return {
        "model": reciprocal_ranks(m),
        "BM25": reciprocal_ranks(b),
        "hybrid": reciprocal_ranks(m + b),
        "model + labels": reciprocal_ranks(m + w * lab),
        "hybrid + labels": reciprocal_ranks(m + b + w_hybrid * lab),
        "labels": reciprocal_ranks(lab),
    }


def choose(valid: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> dict:
    """The weight of the labels for each path, on the valid split (``valid``: the scores of
    :data:`SELECT_KINDS`, captions first): the best mean MRR over the kinds among the weights that leave
    neither caption kind's MRR below the path without labels (the free-text queries must not pay for the
    label queries)."""
    out: dict = {}
    for path, with_bm25 in (("model + labels", False), ("hybrid + labels", True)):
        curves = np.asarray(
            [
                [reciprocal_ranks(m + (b if with_bm25 else 0) + w * lab).mean() for w in GRID]
                for m, b, lab in valid
            ]
        )
        free = np.all(curves[:2] >= curves[:2, :1] - 1e-12, axis=0)
        means = np.where(free, curves.mean(0), -np.inf)
        out[path] = float(GRID[int(np.argmax(means))])
        out[f"{path} curves"] = {
            k: [round(float(x), 4) for x in c] for k, c in zip(SELECT_KINDS, curves, strict=True)
        }
    return out


def whole_corpus(model, test: list[dict], everything: list[dict]) -> dict[str, dict[str, float]]:
    """MRR of the test pieces' queries with every piece of the corpus (all splits) a candidate, as in the
    index: the labels' weights (inverse document frequencies) over the whole corpus."""
    from partita.discovery.index import HYBRID_LABEL_WEIGHT, LABEL_WEIGHT
    from partita.discovery.metrics import BM25, zscore
    from partita.discovery.train import features_of

    position = {e["piece_id"]: i for i, e in enumerate(everything)}
    target = np.asarray([position[e["piece_id"]] for e in test])
    music = model.encode_features(features_of(everything))
    matcher = matcher_of(everything)
    out = {}
    for kind, (queries, _) in query_kinds(test).items():
        zh = kind == "caption (zh)"
        bm25 = BM25([e["captions_zh" if zh else "captions_en"][0] for e in everything])
        m, b = zscore(model.encode_text(queries) @ music.T), zscore(bm25.scores(queries))
        lab = zscore(matcher.scores(queries))
        out[kind] = {}
        for name, sc in (
            ("model", m),
            ("BM25", b),
            ("hybrid", m + b),
            ("model + labels", m + LABEL_WEIGHT * lab),
            ("hybrid + labels", m + b + HYBRID_LABEL_WEIGHT * lab),
        ):
            right = sc[np.arange(len(sc)), target][:, None]
            rank = 1.0 + (sc > right + 1e-9).sum(1) + 0.5 * ((np.abs(sc - right) <= 1e-9).sum(1) - 1)
            out[kind][name] = float(np.mean(1.0 / rank))
        out[kind]["candidates"] = len(everything)
    return out


def paired_interval(a: np.ndarray, b: np.ndarray, seed: int = 0, n: int = 1000) -> tuple[float, float]:
    """A 95% bootstrap interval of mean(a) - mean(b) over the same queries."""
    rng = np.random.default_rng(seed)
    d = a - b
    boots = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(n)]
    return float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def examples(model, entries: list[dict], weight: float, w_hybrid: float) -> dict[str, dict[str, float]]:
    """Precision at 10 of :data:`EXAMPLES` over ``entries``, by each ranker."""
    from partita.discovery.metrics import BM25, zscore
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(entries))
    matcher = matcher_of(entries)
    bm25 = BM25([e["captions_en"][0] + " " + e["captions_zh"][0] for e in entries])
    queries = list(EXAMPLES)
    m = zscore(model.encode_text(queries) @ music.T)
    b = zscore(bm25.scores(queries))
    lab = zscore(matcher.scores(queries))
    out = {}
    for i, q in enumerate(queries):
        right = np.asarray([EXAMPLES[q](e["labels"]) for e in entries])
        out[q] = {"relevant": int(right.sum())}
        for name, s in (
            ("model", m[i]),
            ("BM25", b[i]),
            ("hybrid", m[i] + b[i]),
            ("model + labels", m[i] + weight * lab[i]),
            ("hybrid + labels", m[i] + b[i] + w_hybrid * lab[i]),
        ):
            out[q][name] = float(right[np.argsort(-s, kind="stable")[:10]].mean())
    return out


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--name", default="discovery-labels", help="the result's name in bench/results/")
    parser.add_argument(
        "--whole", action="store_true", help="also rank the test queries among every piece of the corpus"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from partita.corpus import load_corpus
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.index import HYBRID_LABEL_WEIGHT, LABEL_WEIGHT
    from partita.paths import data_dir

    torch.set_num_threads(args.threads)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    corpus = load_corpus(args.corpus)
    everything = corpus.records()
    records = [r for r in everything if (r.get("split") or "train") in ("valid", "test")]
    parts = {"valid": [], "test": []}
    split = {r["piece_id"]: r.get("split") for r in records}
    from partita.discovery.features import corpus_entries

    for e in corpus_entries(corpus, records, cache=cache):
        parts[split[e["piece_id"]]].append(e)
    model = DiscoveryModel.from_pretrained(args.model)
    valid, test = _draw(parts["valid"], args.n, args.seed), _draw(parts["test"], args.n, args.seed)
    on_valid = scores(model, valid)
    chosen = choose([on_valid[k] for k in SELECT_KINDS])
    on_test = scores(model, test)
    command = (
        COMMAND
        + (f" --n {args.n}" if args.n != 1000 else "")
        + (f" --model {args.model}" if args.model else "")
    )
    rows, table = [], {}
    for kind, (m, b, lab) in on_test.items():
        rr = rankers(m, b, lab, LABEL_WEIGHT, HYBRID_LABEL_WEIGHT)
        table[kind] = {name: float(r.mean()) for name, r in rr.items()}
        table[kind]["valid"] = {
            name: float(r.mean())
            for name, r in rankers(*on_valid[kind], LABEL_WEIGHT, HYBRID_LABEL_WEIGHT).items()
        }
        for new, old, shipped, w in (
            ("model + labels", "model", "partita search", LABEL_WEIGHT),
            ("hybrid + labels", "hybrid", "partita search --hybrid", HYBRID_LABEL_WEIGHT),
        ):
            lo, hi = paired_interval(rr[new], rr[old], args.seed)
            rows.append(
                row(
                    f"test mrr, {kind} queries, {len(test)} candidates, {new} (weight {w})",
                    rr[new].mean(),
                    "",
                    command,
                    baseline=f"{old} ({shipped} before the labels), same run",
                    baseline_value=rr[old].mean(),
                    goal=GOAL_MRR if kind == "labels" else None,
                    notes=f"difference 95% CI {lo:+.4f}..{hi:+.4f} (paired bootstrap); BM25 on captions "
                    f"{rr['BM25'].mean():.4f}; labels alone {rr['labels'].mean():.4f}; valid "
                    f"{table[kind]['valid'][new]:.4f} vs {table[kind]['valid'][old]:.4f}",
                )
            )
    test_split = parts["test"]
    shown = examples(model, test_split, LABEL_WEIGHT, HYBRID_LABEL_WEIGHT)
    for q, p in shown.items():
        rows.append(
            row(
                f"precision at 10 of {q!r} over the {len(test_split)} test pieces, model + labels",
                p["model + labels"],
                "share",
                command,
                baseline="model (partita search before the labels)",
                baseline_value=p["model"],
                notes=f"{p['relevant']} relevant; BM25 {p['BM25']:.1f}, hybrid {p['hybrid']:.1f}, "
                f"hybrid + labels {p['hybrid + labels']:.1f}",
            )
        )
    whole = {}
    if args.whole:
        whole = whole_corpus(model, test, corpus_entries(corpus, everything, cache=cache))
        for kind, w in whole.items():
            for new, old in (("model + labels", "model"), ("hybrid + labels", "hybrid")):
                rows.append(
                    row(
                        f"test mrr over the whole corpus ({w['candidates']} candidates), {kind} queries of "
                        f"{len(test)} test pieces, {new}",
                        w[new],
                        "",
                        command + " --whole",
                        baseline=f"{old}, same run",
                        baseline_value=w[old],
                        notes=f"BM25 on captions {w['BM25']:.4f}",
                    )
                )
    extra = {
        "whole_corpus": whole,
        "label_weight_shipped": {"model + labels": LABEL_WEIGHT, "hybrid + labels": HYBRID_LABEL_WEIGHT},
        "chosen_on_valid": chosen,
        "grid": list(GRID),
        "test_mrr": table,
        "examples_precision_at_10": shown,
        "valid_candidates": len(valid),
        "test_candidates": len(test),
    }
    path = write_result(
        args.name,
        "Discovery: the labels a query names, a boost beside the embedding (and BM25), weighted on valid",
        rows,
        extra=extra,
    )
    log.info("weight chosen on valid: %s", chosen)
    log_rows(log, rows)
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
