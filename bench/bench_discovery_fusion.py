"""Discovery: the weight of BM25 in the hybrid (model + BM25) ranking, chosen on the valid split, measured on
the held-out test split; and why label queries rank poorly with the text encoder alone.

Issue 23. The same queries and candidates as ``bench_discovery.py`` (up to 1,000 pieces of a split, drawn
with the seed; each the target of one query of each kind: its 4th English caption, its 4th Chinese caption, a
query from its labels). The hybrid score is ``(1 - w) * z(model) + w * z(BM25)`` (each z-scored per query;
``w = 0.5`` is the shipped equal sum, up to scale). ``w`` is chosen on the valid split's queries (the mean MRR
over the three kinds, and the labels alone) on a grid of 0.05 and then measured on the test split beside the
equal sum. The test split is never used to choose.

Diagnosis of the label queries: the same label queries without the composer, without the kind (tune type
or genre), and with only the key and meter, ranked by the model and by BM25, on the test split: which part
of a label query the text encoder cannot tie to the music.

    python bench/bench_discovery_fusion.py [--n 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_discovery import label_query, query_kinds  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_discovery_fusion")
COMMAND = "python bench/bench_discovery_fusion.py"
GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)


def _draw(entries: list[dict], n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [entries[i] for i in rng.permutation(len(entries))[:n]]


def kind_scores(model, pieces: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each query kind's z-scored model and BM25 scores (queries x candidates)."""
    from partita.discovery.metrics import bm25_scores, zscore
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(pieces))
    out = {}
    for kind, (queries, docs) in query_kinds(pieces).items():
        out[kind] = (zscore(model.encode_text(queries) @ music.T), zscore(bm25_scores(queries, docs)))
    return out


def sweep(scores: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, list[float]]:
    """MRR of each kind at each weight of :data:`GRID`."""
    from partita.discovery.metrics import retrieval_metrics

    return {
        kind: [retrieval_metrics((1 - w) * m + w * b)["mrr"] for w in GRID] for kind, (m, b) in scores.items()
    }


def ablated(entry: dict, drop: str) -> str:
    """A label query without one of its parts (``composer``, ``kind``), or only its key and meter."""
    labels = dict(entry["labels"])
    if drop == "composer":
        labels["composer"] = ""
    elif drop == "kind":
        labels["tune_type"] = labels["genre"] = ""
    elif drop == "all but key and meter":
        labels = {"key": labels.get("key"), "meter": labels.get("meter")}
    query = label_query({"labels": labels})
    return query.removeprefix("tune, ") if drop != "composer" else query


def diagnosis(model, test: list[dict]) -> dict[str, dict[str, float]]:
    from partita.discovery.metrics import bm25_scores, retrieval_metrics
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(test))
    docs = [e["captions_en"][0] for e in test]
    has_composer = np.asarray([bool(e["labels"].get("composer")) for e in test])
    out = {}
    for name in ("labels", "composer", "kind", "all but key and meter"):
        queries = [label_query(e) if name == "labels" else ablated(e, name) for e in test]
        m, b = model.encode_text(queries) @ music.T, bm25_scores(queries, docs)
        out[
            "full label query" if name == "labels" else f"without {name}".replace("without all but", "only")
        ] = {
            "model": retrieval_metrics(m)["mrr"],
            "bm25": retrieval_metrics(b)["mrr"],
            "example": queries[0],
        }
    out["pieces with a composer"] = {"share": float(has_composer.mean())}
    return out


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options the discovery benches over the valid and test draws share."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--model", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default=None, help="the features cache (default: data/discovery/)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: runs as it is")
    return parser


def log_rows(logger: logging.Logger, rows: list[dict]) -> None:
    """Each result row on one log line."""
    for r in rows:
        logger.info(
            "%s: %.4f (baseline %s: %s) %s",
            r["metric"],
            r["value"],
            r["baseline"],
            r["baseline_value"],
            r.get("notes", ""),
        )


def main() -> None:
    args = arguments(__doc__).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from partita.corpus import load_corpus
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.train import split_entries
    from partita.paths import data_dir

    torch.set_num_threads(args.threads)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    parts = split_entries(load_corpus(args.corpus), cache, 1)
    model = DiscoveryModel.from_pretrained(args.model)
    valid, test = _draw(parts["valid"], args.n, args.seed), _draw(parts["test"], args.n, args.seed)
    on_valid, on_test = sweep(kind_scores(model, valid)), sweep(kind_scores(model, test))
    mean_valid = np.mean(list(on_valid.values()), axis=0)
    chosen = {"all kinds": float(GRID[int(np.argmax(mean_valid))])}
    chosen["labels"] = float(GRID[int(np.argmax(on_valid["labels"]))])
    half = int(np.argmin(np.abs(GRID - 0.5)))
    command = COMMAND + (f" --n {args.n}" if args.n != 1000 else "")
    rows = []
    for by, w in chosen.items():
        i = int(np.argmin(np.abs(GRID - w)))
        for kind, curve in on_test.items():
            rows.append(
                row(
                    f"test mrr, {kind} queries, {len(test)} candidates, hybrid with BM25 weight {w:.2f} "
                    f"(chosen on valid, {by})",
                    curve[i],
                    "",
                    command,
                    baseline="hybrid, equal weights (0.5, shipped)",
                    baseline_value=curve[half],
                    notes=f"valid mrr {on_valid[kind][i]:.4f} vs {on_valid[kind][half]:.4f} at 0.5; "
                    f"model alone {curve[0]:.4f}, BM25 alone {curve[-1]:.4f}",
                )
            )
    why = diagnosis(model, test)
    for name, m in why.items():
        if "model" in m:
            rows.append(
                row(
                    f"test mrr, label queries {name}, {len(test)} candidates (model)",
                    m["model"],
                    "",
                    command,
                    baseline="BM25 on captions",
                    baseline_value=m["bm25"],
                    notes=f"e.g. {m['example']!r}",
                )
            )
    extra = {
        "grid": GRID.tolist(),
        "valid_mrr": on_valid,
        "test_mrr": on_test,
        "chosen": chosen,
        "diagnosis": why,
        "valid_candidates": len(valid),
        "test_candidates": len(test),
    }
    path = write_result(
        "discovery-fusion",
        "Discovery: BM25's weight in the hybrid chosen on valid, measured on test; label queries' parts",
        rows,
        extra=extra,
    )
    log_rows(log, rows)
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
