"""Fine-tune the shipped discovery encoders (``discovery-small``) with their own recipe, and compare
the result with the shipped model on the held-out test split and the discovery benches, both models in the
same run.

The fine-tune continues the shipped model's training (``partita.discovery.train``: InfoNCE on the train
split's first 3 English and 3 Chinese captions, half the time cut to a subset of clauses; one-cycle AdamW)
for a few epochs at a lower rate, keeping the shipped model's feature standardisation; the valid split
(1,000 pieces, drawn as ``partita index train`` draws them) picks the epoch, the shipped model itself
counting as epoch 0. The test split is never read in ``train``.

    python scripts/discovery-finetune.py train -o /tmp/encoder-ft [--epochs 3] [--lr 5e-4] [--seed 0]
    python scripts/discovery-finetune.py compare retrieval --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare segments --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare recommend --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare chat --model /tmp/encoder-ft

``compare`` runs the bench (``bench/bench_discovery.py``'s retrieval, ``bench_segments.py``,
``bench_recommend.py``, ``bench_chat.py``) once per model and writes
``bench/results/discovery-ft-BENCH.json``: each row the fine-tuned model's value against the shipped
model's, same run, same cases. ``retrieval`` adds a paired bootstrap of the MRR difference (95% interval
over the 1,000 queries).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from common import row, write_result  # noqa: E402

log = logging.getLogger("discovery-finetune")
COMMAND = "python scripts/discovery-finetune.py"
SHIPPED = "shipped discovery-small, same run"


def valid_pieces(parts: dict, seed: int, n: int = 1000) -> list[dict]:
    """The valid pieces ``partita index train`` picks epochs on (the same draw)."""
    rng = np.random.default_rng(seed)
    return [parts["valid"][i] for i in rng.permutation(len(parts["valid"]))[:n]]


def test_pieces(parts: dict, seed: int = 0, n: int = 1000) -> list[dict]:
    """The test candidates of ``bench/bench_discovery.py`` (the same draw)."""
    rng = np.random.default_rng(seed)
    return [parts["test"][i] for i in rng.permutation(len(parts["test"]))[:n]]


def load_parts(corpus_name: str) -> dict[str, list[dict]]:
    from partita.corpus import load_corpus
    from partita.discovery.train import split_entries
    from partita.paths import data_dir

    cache = data_dir() / "discovery" / f"{corpus_name}-entries.parquet"
    return split_entries(load_corpus(corpus_name), cache, workers=1)


def finetune(
    model, train: list[dict], valid: list[dict], epochs: int, lr: float, seed: int
) -> dict[str, Any]:
    """Continue ``model``'s training in place; keep the epoch best on ``valid`` (epoch 0: as it came)."""
    import torch

    from partita.discovery.train import TrainConfig, _loss, _Sampler, evaluate, features_of

    tc = TrainConfig(epochs=epochs, lr=lr, seed=seed, threads=1)
    torch.manual_seed(seed)
    sampler = _Sampler(model, train, tc)
    feats = torch.from_numpy(features_of(train))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=tc.weight_decay)
    steps = max(1, len(train) // tc.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * steps, pct_start=0.1)
    curve = [evaluate(model.eval(), valid)["mrr"]]
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = sampler.rng.permutation(len(train))
        for s in range(steps):
            index = order[s * tc.batch_size : (s + 1) * tc.batch_size]
            loss = _loss(model, sampler.sample(index), feats[index], None)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        curve.append(evaluate(model.eval(), valid)["mrr"])
        log.info("epoch %d: loss %.3f, valid MRR %.4f", epoch + 1, float(loss.detach()), curve[-1])
        if curve[-1] > max(curve[:-1]):
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return {
        "valid_curve": [round(v, 4) for v in curve],
        "best_epoch": int(np.argmax(curve)),
        "seconds": round(time.perf_counter() - started, 1),
    }


def train_main(args) -> None:
    import torch

    from partita.discovery.encoders import DiscoveryModel

    torch.set_num_threads(1)
    parts = load_parts(args.corpus)
    valid = valid_pieces(parts, args.seed)
    model = DiscoveryModel.from_pretrained(args.base)
    shipped_metrics = dict(model.config.metrics)
    run = finetune(model, parts["train"], valid, args.epochs, args.lr, args.seed)
    model.config.trained_on = (
        f"{model.config.trained_on}; fine-tuned {args.epochs} epochs at lr {args.lr} (seed {args.seed}) on "
        f"{args.corpus} train split ({len(parts['train'])} pieces)"
    )
    model.config.metrics = {
        "valid_mrr": round(max(run["valid_curve"]), 4),
        "valid_mrr_before": run["valid_curve"][0],
        "epochs_run": args.epochs,
        "best_epoch": run["best_epoch"],
        "train_pieces": len(parts["train"]),
        "seconds": run["seconds"],
        "base": shipped_metrics,
    }
    model.save_pretrained(args.out)
    log.info("valid MRR by epoch %s; wrote %s", run["valid_curve"], args.out)


def paired_bootstrap(a: np.ndarray, b: np.ndarray, seed: int = 0, n: int = 2000) -> tuple[float, float]:
    """95% interval of mean(a - b) over resampled queries."""
    rng = np.random.default_rng(seed)
    d = a - b
    means = d[rng.integers(0, len(d), size=(n, len(d)))].mean(1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def retrieval_compare(args, models: dict) -> tuple[list[dict], dict]:
    """Text-to-music retrieval on bench_discovery's 1,000 test candidates, and the valid pieces, per model."""
    from bench_discovery import query_kinds
    from partita.discovery.metrics import bm25_scores, ranks, retrieval_metrics, zscore
    from partita.discovery.train import evaluate, features_of

    parts = load_parts(args.corpus)
    test = test_pieces(parts, args.seed)
    valid = valid_pieces(parts, args.seed)
    command = f"{COMMAND} compare retrieval --model {args.model}"
    rows, table = [], {"valid caption (en)": {n: evaluate(m, valid) for n, m in models.items()}}
    for kind, (queries, docs) in query_kinds(test).items():
        lexical = zscore(bm25_scores(queries, docs))
        table[kind] = {}
        rr = {}
        for name, model in models.items():
            learned = model.encode_text(queries) @ model.encode_features(features_of(test)).T
            for ranker, scores in ((name, learned), (name + " + BM25", zscore(learned) + lexical)):
                rr[ranker] = 1.0 / ranks(scores)
                table[kind][ranker] = retrieval_metrics(scores)
        for suffix in ("", " + BM25"):
            low, high = paired_bootstrap(rr["fine-tuned" + suffix], rr["shipped" + suffix], args.seed)
            table[kind][f"mrr difference 95% interval{suffix}"] = [low, high]
            for metric in ("mrr", "hit1", "hit10"):
                rows.append(
                    row(
                        f"text-to-music {metric}, {kind} queries, {len(test)} test candidates "
                        f"(fine-tuned{suffix})",
                        table[kind]["fine-tuned" + suffix][metric],
                        "",
                        command,
                        baseline=SHIPPED + suffix.replace(" + ", " with "),
                        baseline_value=table[kind]["shipped" + suffix][metric],
                        notes=(
                            "paired bootstrap of the MRR difference: 95% "
                            + "[{:+.4f}, {:+.4f}]".format(
                                *table[kind][f"mrr difference 95% interval{suffix}"]
                            )
                            if metric == "mrr"
                            else ""
                        ),
                    )
                )
    v = table["valid caption (en)"]
    rows.append(
        row(
            f"text-to-music mrr, caption (en) queries, {len(valid)} valid pieces (fine-tuned; picked the "
            "epoch)",
            v["fine-tuned"]["mrr"],
            "",
            command,
            baseline=SHIPPED,
            baseline_value=v["shipped"]["mrr"],
            notes="the split that picked the epoch: not held out",
        )
    )
    return rows, {"retrieval": table, "test_candidates": len(test), "valid_pieces": len(valid)}


def paired_row(
    metric: str, tuned: np.ndarray, base: np.ndarray, command: str, seed: int
) -> tuple[dict, dict]:
    """A row of the fine-tuned model's mean against the shipped one's over the same queries, and the paired
    bootstrap interval of the difference."""
    low, high = paired_bootstrap(tuned, base, seed)
    result = row(
        metric + " (fine-tuned)",
        tuned.mean(),
        "",
        command,
        baseline=SHIPPED,
        baseline_value=base.mean(),
        notes=f"paired bootstrap of the difference: 95% [{low:+.4f}, {high:+.4f}]",
    )
    return result, {
        "fine-tuned": float(tuned.mean()),
        "shipped": float(base.mean()),
        "difference 95%": [low, high],
    }


def recommend_compare(args, models: dict) -> tuple[list[dict], dict]:
    """bench_recommend's cases (a hidden test-split piece of a real collection, 5 others given) ranked by the
    set scorers over each model's music vectors (``partita recommend --method mean`` ...). The default
    recommender (the set encoder + labels) reads the features, not these vectors: it does not change."""
    from bench_recommend import rankers
    from partita.corpus import load_corpus
    from partita.discovery.features import read_entries
    from partita.discovery.recommend import episode_rank, episodes, popularity_scores, sampled_rank
    from partita.paths import data_dir

    cache = data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    entries = {e["piece_id"]: e for e in read_entries(cache)}
    records = [
        r
        for r in load_corpus(args.corpus).records()
        if r["piece_id"] in entries and not entries[r["piece_id"]].get("error")
    ]
    ids = [r["piece_id"] for r in records]
    position = {p: i for i, p in enumerate(ids)}
    features = np.asarray([entries[p]["features"] for p in ids], dtype=np.float32)
    labels = [entries[p]["labels"] for p in ids]
    popularity = popularity_scores([r.get("work_group") for r in records])
    cases = episodes(records, 5, 10, seed=args.seed)
    rr: dict[tuple[str, str, str], np.ndarray] = {}
    for model_name, model in models.items():
        functions = rankers(model.encode_features(features), labels, popularity)
        for ranker in ("mean", "max", "mean+max", "mean + labels"):
            full, sampled = [], []
            for case in cases:
                q = [position[p] for p in case.query]
                scores, target = functions[ranker](q), position[case.target]
                full.append(1.0 / episode_rank(scores, target, q))
                sampled.append(1.0 / sampled_rank(scores, target, [position[p] for p in case.negatives]))
            rr[(model_name, ranker, "full")] = np.asarray(full)
            rr[(model_name, ranker, "sampled")] = np.asarray(sampled)
    command = f"{COMMAND} compare recommend --model {args.model}"
    rows, table = [], {}
    for (name, ranker, protocol), tuned in rr.items():
        if name != "fine-tuned":
            continue
        where = "among every piece" if protocol == "full" else "among 1 + 99 of other collections"
        metric = f"recommendation MRR ({where}), discovery vectors, {ranker}, {len(cases)} cases"
        r, table[f"{protocol}: {ranker}"] = paired_row(
            metric, tuned, rr[("shipped", ranker, protocol)], command, args.seed
        )
        rows.append(r)
    return rows, {"recommend": table, "cases": len(cases), "candidates": len(ids)}


def _captured(module, run_it) -> dict:
    """Run a bench with its ``write_result`` caught: the rows and extra it would have written."""
    caught: dict = {}

    def catch(name, title, rows, quick=False, extra=None):
        caught.update(name=name, title=title, rows=rows, extra=extra or {})
        return Path(f"(not written: {name})")

    original = module.write_result
    module.write_result = catch
    try:
        run_it()
    finally:
        module.write_result = original
    return caught


class _Recorder:
    """Each query's reciprocal rank in a bench run: ``bench_segments`` ranks through
    ``partita.discovery.metrics.ranks`` (full ranks), ``bench_chat`` summarises turns with ``summarise``
    (MRR@10, 0 past 10); the longest list of a chat ranker is its overall one."""

    def __init__(self, bench: str, module):
        import partita.discovery.metrics as metrics

        self.calls: list[np.ndarray] = []
        self.turns: dict[str, np.ndarray] = {}
        if bench == "segments":
            self.target, self.name, self.original = metrics, "ranks", metrics.ranks
            self.wrapper = self._ranks
        elif bench == "chat":
            self.target, self.name, self.original = module, "summarise", module.summarise
            self.wrapper = self._summarise
        else:
            self.target = None

    def _ranks(self, scores):
        r = self.original(scores)
        self.calls.append(1.0 / np.asarray(r, dtype=np.float64))
        return r

    def _summarise(self, turns, ranker):
        rr = np.asarray([1.0 / t[ranker] if t[ranker] else 0.0 for t in turns])
        if len(rr) > len(self.turns.get(ranker, ())):
            self.turns[ranker] = rr
        return self.original(turns, ranker)

    def __enter__(self):
        if self.target is not None:
            setattr(self.target, self.name, self.wrapper)
        return self

    def __exit__(self, *exc):
        if self.target is not None:
            setattr(self.target, self.name, self.original)

    def per_query(self, extra: dict) -> dict[str, np.ndarray]:
        if self.turns:
            return self.turns
        names = [  # bench_segments ranks each kind's rankers in the order its table lists them
            f"{kind}: {name}"
            for kind, table in extra.get("retrieval", {}).items()
            for name, m in table.items()
            if isinstance(m, dict) and "bars_iou" in m
        ]
        return dict(zip(names, self.calls, strict=True)) if self.calls else {}


def bench_run(bench: str, model_dir: str | None, args) -> dict:
    """One bench's rows with ``model_dir`` (None: the shipped model) as the discovery model."""
    import importlib

    import partita.discovery.encoders as encoders

    module = importlib.import_module(f"bench_{bench}")
    argv = {
        "segments": ["--threads", "1"],
        "chat": [] if args.passages is None else ["--passages", str(args.passages)],
    }[bench]
    if args.dialogues is not None and bench == "chat":
        argv += ["--dialogues", str(args.dialogues)]
    shipped = encoders.DEFAULT_MODEL
    saved = sys.argv
    sys.argv = [f"bench/bench_{bench}.py", *argv]
    if model_dir:  # bench_chat takes no --model: it reads the default, pointed at the fine-tuned one here
        encoders.DEFAULT_MODEL = Path(model_dir)
        sys.argv += ["--model", model_dir] if bench != "chat" else []
    try:
        with _Recorder(bench, module) as recorder:
            caught = _captured(module, module.main)
        caught["per_query"] = recorder.per_query(caught["extra"])
        return caught
    finally:
        encoders.DEFAULT_MODEL = shipped
        sys.argv = saved


def interval_rows(shipped: dict, tuned: dict, command: str, seed: int) -> tuple[list[dict], dict]:
    """The mean reciprocal rank of each ranker the recorder saw, with a paired bootstrap of the difference."""
    rows, intervals = [], {}
    for name, rr in tuned.get("per_query", {}).items():
        base = shipped["per_query"].get(name)
        if base is not None and len(base) == len(rr):
            metric = f"{name}: mean reciprocal rank over {len(rr)} queries"
            r, intervals[name] = paired_row(metric, rr, base, command, seed)
            rows.append(r)
    return rows, intervals


def paired_rows(shipped: dict, tuned: dict, command: str) -> list[dict]:
    """Each metric of the bench, the fine-tuned model's value against the shipped one's (and the same for
    the bench's own baselines where they use the model)."""
    before = {(r["metric"], r["baseline"]): r for r in shipped["rows"]}
    out, seen = [], set()
    for r in tuned["rows"]:
        s = before.get((r["metric"], r["baseline"]))
        if s is None:
            continue
        pairs = [(r["metric"], r["value"], s["value"], r["higher_is_better"])]
        if r["baseline"] and r["baseline_value"] is not None:
            pairs.append((f"{r['metric']} [its baseline: {r['baseline']}]", r["baseline_value"],
                          s["baseline_value"], r["higher_is_better"]))  # fmt: skip
        for metric, value, base, better in pairs:
            if metric in seen:
                continue
            seen.add(metric)
            out.append(
                row(
                    metric + " (fine-tuned)",
                    value,
                    r["unit"],
                    command,
                    baseline=SHIPPED,
                    baseline_value=base,
                    higher_is_better=better,
                    notes=r["notes"],
                )
            )
    return out


def compare_main(args) -> None:
    import torch

    from partita.discovery.encoders import DiscoveryModel

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    command = f"{COMMAND} compare {args.bench} --model {args.model}"
    if args.bench in ("retrieval", "recommend"):
        models = {
            "shipped": DiscoveryModel.from_pretrained(),
            "fine-tuned": DiscoveryModel.from_pretrained(args.model),
        }
        compare = retrieval_compare if args.bench == "retrieval" else recommend_compare
        rows, extra = compare(args, models)
    else:
        shipped = bench_run(args.bench, None, args)
        tuned = bench_run(args.bench, args.model, args)
        rows = paired_rows(shipped, tuned, command)
        more, intervals = interval_rows(shipped, tuned, command, args.seed)
        rows += more
        extra = {"shipped": shipped["extra"], "fine-tuned": tuned["extra"], "intervals": intervals}
    extra.update(model=str(args.model), seconds=round(time.perf_counter() - t0, 1))
    path = write_result(
        args.name or f"discovery-ft-{args.bench}",
        f"Discovery encoder fine-tuned ({Path(args.model).name}) vs shipped: {args.bench} (same run)",
        rows,
        extra=extra,
    )
    for r in rows:
        log.info("%s: %.4f (shipped %.4f)", r["metric"], r["value"], r["baseline_value"])
    log.info("wrote %s", path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="fine-tune the shipped model")
    train.add_argument("-o", "--out", required=True)
    train.add_argument("--base", default=None, help="the model to start from (default: discovery-small)")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--lr", type=float, default=5e-4)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--corpus", default="all")
    compare = sub.add_parser("compare", help="the fine-tuned model against the shipped one, same run")
    compare.add_argument("bench", choices=["retrieval", "segments", "recommend", "chat"])
    compare.add_argument("--model", required=True)
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--corpus", default="all")
    compare.add_argument("--name", default=None, help="result name (default: discovery-ft-BENCH)")
    compare.add_argument("--dialogues", type=int, default=None, help="chat: dialogues (bench default 200)")
    compare.add_argument("--passages", type=int, default=None, help="chat: passage dialogues (default 100)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    train_main(args) if args.command == "train" else compare_main(args)


if __name__ == "__main__":
    main()
