"""Fine-tune the shipped discovery encoders (``discovery-small``) with their own recipe, and compare
the result with the shipped model on the held-out test split and the discovery benches, both models in the
same run.

The fine-tune continues the shipped model's training (``partita.discovery.train``: InfoNCE on the train
split's first 3 English and 3 Chinese captions, half the time cut to a subset of clauses; one-cycle AdamW)
for a few epochs at a lower rate, keeping the shipped model's feature standardisation; the valid split
(1,000 pieces, drawn as ``partita index train`` draws them) picks the epoch, the shipped model itself
counting as epoch 0. The test split is never read in ``train``.

    python scripts/discovery-finetune.py train -o /tmp/encoder-ft [--epochs 3] [--lr 5e-4] [--seed 0]
    python scripts/discovery-finetune.py interpolate --model /tmp/encoder-ft -o /tmp/encoder-wise [--segments]
    python scripts/discovery-finetune.py compare retrieval --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare segments --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare recommend --model /tmp/encoder-ft
    python scripts/discovery-finetune.py compare chat --model /tmp/encoder-ft

``interpolate`` averages the fine-tune with the shipped model (WiSE-FT: ``(1 - alpha) * shipped + alpha *
fine-tuned``, :func:`partita.discovery.train.interpolate`). Without ``--alpha`` the valid split picks it:
the largest alpha of 0.1, 0.2 ... 1.0 whose valid MRR is not below the shipped model's on any query kind of
``bench/bench_discovery.py`` (English and Chinese captions, labels; the model alone and with BM25), so that a
gain in one kind is not bought with a loss in another; with ``--segments`` it must also keep
``bench/bench_segments.py --split valid``'s piece MRR (part and piece + part queries; ``partita search`` and
``partita search --segments``): no loss there past noise (a paired-bootstrap interval wholly below zero),
tried from the largest alpha down (about 3 minutes each). The test split is never read.

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


def valid_kinds(model, valid: list[dict], lexical: dict[str, np.ndarray]) -> dict[str, float]:
    """Valid MRR of each of bench_discovery's query kinds, the model alone and with BM25 (``kind + BM25``)."""
    from bench_discovery import query_kinds
    from partita.discovery.metrics import retrieval_metrics, zscore
    from partita.discovery.train import features_of

    music = model.encode_features(features_of(valid))
    out = {}
    for kind, (queries, _docs) in query_kinds(valid).items():
        learned = model.encode_text(queries) @ music.T
        out[kind] = round(retrieval_metrics(learned)["mrr"], 4)
        out[kind + " + BM25"] = round(retrieval_metrics(zscore(learned) + lexical[kind])["mrr"], 4)
    return out


def pick_alpha(sweep: dict[float, dict[str, float]], base: dict[str, float]) -> float:
    """The largest alpha whose every valid MRR is at least the shipped model's (0: none is)."""
    fine = [a for a, m in sweep.items() if all(m[k] >= base[k] for k in base)]
    return max(fine, default=0.0)


SEGMENT_RANKERS = ("whole piece", "whole + best segment + part wish")
"""bench_segments' rankers ``interpolate --segments`` holds: ``partita search`` and ``... --segments``."""


def segment_kinds(model_dir: str | None, args) -> dict[str, np.ndarray]:
    """Each valid query's reciprocal rank in bench_segments (part, piece + part queries), by
    :data:`SEGMENT_RANKERS`."""
    per_query = bench_run("segments", model_dir, args, ("--split", "valid"))["per_query"]
    return {name: rr for name, rr in per_query.items() if name.split(": ", 1)[1] in SEGMENT_RANKERS}


def segment_check(base, tuned, sweep: dict, shipped: dict, args) -> tuple[float, dict[float, dict]]:
    """The largest alpha that keeps every valid query kind of whole pieces at least at the base model's
    level and loses on no segment query kind past noise (bench_segments on the valid split, a few hundred
    queries with MRRs of 0.01-0.15: a loss is a paired-bootstrap 95% interval wholly below zero); tried from
    the largest alpha down."""
    import tempfile

    from partita.discovery.train import interpolate

    fine = sorted((a for a, m in sweep.items() if all(m[k] >= shipped[k] for k in shipped)), reverse=True)
    before = segment_kinds(args.base, args) if fine else {}
    checked = {}
    for alpha in fine:
        with tempfile.TemporaryDirectory(prefix="discovery-mix-") as folder:
            interpolate(base, tuned, alpha).save_pretrained(folder)
            after = segment_kinds(folder, args)
        checked[alpha] = {
            name: {
                "mrr": round(float(rr.mean()), 4),
                "base": round(float(before[name].mean()), 4),
                "difference 95%": [round(v, 4) for v in paired_bootstrap(rr, before[name], args.seed)],
            }
            for name, rr in after.items()
        }
        log.info("alpha %.1f, valid segments: %s", alpha, checked[alpha])
        if all(m["difference 95%"][1] >= 0 for m in checked[alpha].values()):
            return alpha, checked
    return 0.0, checked


def interpolate_main(args) -> None:
    import torch

    from bench_discovery import query_kinds
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.metrics import bm25_scores, zscore
    from partita.discovery.train import interpolate

    torch.set_num_threads(1)
    valid = valid_pieces(load_parts(args.corpus), args.seed)
    lexical = {k: zscore(bm25_scores(q, d)) for k, (q, d) in query_kinds(valid).items()}
    base, tuned = DiscoveryModel.from_pretrained(args.base), DiscoveryModel.from_pretrained(args.model)
    shipped = valid_kinds(base, valid, lexical)
    grid = [args.alpha] if args.alpha is not None else [round(0.1 * i, 1) for i in range(1, 11)]
    sweep = {a: valid_kinds(interpolate(base, tuned, a), valid, lexical) for a in grid}
    for a, m in sweep.items():
        log.info("alpha %.1f: %s", a, ", ".join(f"{k} {v - shipped[k]:+.4f}" for k, v in m.items()))
    alpha = args.alpha if args.alpha is not None else pick_alpha(sweep, shipped)
    checked: dict[float, dict] = {}
    if args.segments and args.alpha is None:
        alpha, checked = segment_check(base, tuned, sweep, shipped, args)
    if alpha == 0.0:
        log.warning(
            "no alpha keeps every valid query kind at the shipped model's level: writing the shipped model"
        )
    model = interpolate(base, tuned, alpha)
    model.config.trained_on = (
        f"{base.config.trained_on}; averaged with a fine-tune of it (WiSE-FT, alpha {alpha}: "
        f"{tuned.config.trained_on})"
    )
    model.config.metrics = {
        "valid_mrr": sweep.get(alpha, shipped)["caption (en)"],
        "alpha": alpha,
        "alpha_picked_by": "given"
        if args.alpha is not None
        else "largest with no valid query kind below the base"
        + (" (whole pieces and segments)" if args.segments else ""),
        "valid_by_kind": sweep.get(alpha, shipped),
        "valid_by_kind_base": shipped,
        **({"valid_segments_by_alpha": {str(a): m for a, m in checked.items()}} if checked else {}),
        "base": dict(base.config.metrics),
        "fine_tune": dict(tuned.config.metrics),
    }
    model.save_pretrained(args.out)
    log.info("alpha %s; wrote %s", alpha, args.out)


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


def bench_run(bench: str, model_dir: str | None, args, more: tuple[str, ...] = ()) -> dict:
    """One bench's rows with ``model_dir`` (None: the shipped model) as the discovery model; ``more``: more
    arguments for the bench."""
    import importlib

    import partita.discovery.encoders as encoders

    module = importlib.import_module(f"bench_{bench}")
    passages = getattr(args, "passages", None)
    argv = {
        "segments": ["--threads", "1", *more],
        "chat": [] if passages is None else ["--passages", str(passages)],
    }[bench]
    if getattr(args, "dialogues", None) is not None and bench == "chat":
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
    mix = sub.add_parser("interpolate", help="average a fine-tune with the shipped model (WiSE-FT)")
    mix.add_argument("--model", required=True, help="the fine-tuned model folder")
    mix.add_argument("-o", "--out", required=True)
    mix.add_argument("--base", default=None, help="the model it was tuned from (default: discovery-small)")
    mix.add_argument(
        "--alpha", type=float, default=None, help="the fine-tune's weight (default: picked on valid)"
    )
    mix.add_argument("--segments", action="store_true", help="also hold bench_segments on the valid split")
    mix.add_argument("--seed", type=int, default=0)
    mix.add_argument("--corpus", default="all")
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
    {"train": train_main, "interpolate": interpolate_main, "compare": compare_main}[args.command](args)


if __name__ == "__main__":
    main()
