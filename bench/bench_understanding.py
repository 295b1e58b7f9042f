"""Understanding tasks (issue 22, item 2): a linear probe on the music encoder's embeddings against baselines
measured in the same run on the same held-out pieces.

Piece level, on the built corpus ``all`` and its split (a piece's split is its work group's; fitted on train,
regularisation chosen on valid, scored on test; :mod:`partita.evaluation.understanding`):

- ``composer`` (music21's corpus and JSB), ``region`` (Essen: China / Germany / other), ``province`` (Chinese
  Essen songs), ``tune_type`` (O'Neill, Ryan, Aird; against a meter-only baseline), ``style`` (the Selector's
  labels; against the Selector's shipped style classifier);
- each with a logistic regression on hand features and the majority class.

Note level: POP909 velocity, MidiBERT-Piano's 6 classes (songs of the corpus split; 801-909 are not in the
data): a probe on per-note vectors (velocity hidden from the input) against hand features and the majority.

Encoders: the shipped ``encoder-small`` and, as the control that says whether its weights carry anything, the
same architecture with random weights.

    python bench/bench_understanding.py --threads 1
        [--tasks composer,region,province,tune_type,style,velocity] [--cap 150] [--test-cap 200]
        [--max-notes 1024] [--velocity-songs 120] [--cv 5] [--wall-minutes 40]
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_understanding")
SLOW = True  # several minutes: run only when named
ALL_TASKS = ("composer", "region", "province", "tune_type", "style", "velocity")
PRIMARY = {"tune_type": "meter", "style": "selector"}
"""The baseline each task's probe rows are compared with (hand features otherwise)."""
ANCHORS = {
    "velocity": "MidiBERT-Piano 0.5163; RNN 0.4377 (POP909, 6 classes)",
    "style": "Selector's shipped classifier on the full test split: accuracy 0.733, macro-F1 0.736",
}
SELECTOR = Path(__file__).resolve().parent.parent / "src/partita/pretrained/partita-small/selector"


def _encoders(names: list[str], seed: int) -> dict:
    import torch

    from partita.models.encoder import EncoderConfig, MusicEncoder

    out = {}
    for name in names:
        if name == "random":
            base = MusicEncoder.from_pretrained("encoder-small").config.to_dict()
            torch.manual_seed(seed)
            out[name] = MusicEncoder(EncoderConfig(**{**base, "n_labels": 0, "labels": ()})).eval()
        else:
            out[name] = MusicEncoder.from_pretrained(name)
    return out


def _piece_rows(name: str, res, cmd: str) -> list[dict]:
    primary = PRIMARY.get(name, "hand")
    base = res.results.get(primary) or res.results["majority"]
    base_name = primary if primary in res.results else "majority"
    test_n = sum(res.counts["test"].values())
    where = (
        f"{test_n} held-out pieces, {len(res.classes)} classes ({', '.join(res.classes)}); "
        f"train pieces per class capped"
    )
    rows = []
    for method, r in res.results.items():
        if method in (base_name, "majority"):
            continue
        peer, peer_r = (base_name, base) if method.startswith("probe:") else ("majority", None)
        peer_r = peer_r or res.results["majority"]
        label = _label(method)
        for metric in ("accuracy", "macro_f1"):
            lo, hi = r.get(f"{metric}_ci", [None, None])
            rows.append(
                row(
                    f"{name}: {metric.replace('_', '-')}, {label}",
                    r[metric],
                    metric,
                    cmd,
                    peer,
                    peer_r[metric],
                    goal=ANCHORS.get(name),
                    notes=where + (f"; 95% CI {lo:.3f}-{hi:.3f}" if lo is not None else ""),
                )
            )
    primary_cv = res.cv.get(base_name)
    for method, r in res.cv.items():
        if not method.startswith("probe:") or primary_cv is None:
            continue
        rows.append(
            row(
                f"{name}: accuracy, {r['folds']}-fold grouped CV on train+valid, " + _label(method),
                r["accuracy"],
                "accuracy",
                cmd,
                base_name,
                primary_cv["accuracy"],
                notes=f"{r['n']} train+valid pieces, folds grouped by work; macro-F1 {r['macro_f1']:.3f} "
                f"against {primary_cv['macro_f1']:.3f}; test pieces unused",
            )
        )
    return rows


def _label(method: str) -> str:
    if method == "probe:random":
        return "linear probe on the encoder with random weights"
    return method.replace("probe:", "linear probe on ").replace("hand", "hand features")


def _velocity(args, encoders, cmd):
    from partita.evaluation.melody_extraction import load_pop909, pop909_songs, read_pop909_song
    from partita.evaluation.understanding import velocity_task

    paths = pop909_songs("train")  # a random sample: by id, the songs' loudness drifts
    pick = np.random.default_rng(args.seed).choice(len(paths), min(args.velocity_songs, len(paths)), False)
    train = [read_pop909_song(paths[i]) for i in sorted(pick)]
    test = load_pop909("test")
    res = velocity_task(
        [p.notes for p in train],
        [p.notes for p in test],
        encoders,
        max_train_notes=args.velocity_notes,
        n_boot=args.boot,
        seed=args.seed,
    )
    n_notes = sum(len(p.notes) for p in test)
    where = f"{len(test)} held-out POP909 songs, {n_notes} notes; trained on {args.velocity_notes} notes"
    where += f" of {len(train)} random train songs; CI resamples songs"
    rows = []
    for method, r in res.items():
        if method in ("hand_boosting", "majority"):
            continue
        peer = "hand_boosting" if method.startswith("probe:") else "majority"
        for metric in ("accuracy", "macro_f1"):
            lo, hi = r[f"{metric}_ci"]
            rows.append(
                row(
                    f"velocity (6 classes, note level): {metric.replace('_', '-')}, {_label(method)}",
                    r[metric],
                    metric,
                    cmd,
                    peer,
                    res[peer][metric],
                    goal=ANCHORS["velocity"],
                    notes=where + f"; 95% CI {lo:.3f}-{hi:.3f}",
                )
            )
    r = res["hand_boosting"]
    rows.append(
        row(
            "velocity (6 classes, note level): accuracy, gradient boosting on hand features",
            r["accuracy"],
            "accuracy",
            cmd,
            "majority",
            res["majority"]["accuracy"],
            goal=ANCHORS["velocity"],
            notes=where + f"; macro-F1 {r['macro_f1']:.3f}",
        )
    )
    return res, rows, {"train_songs": len(train), "test_songs": len(test), "test_notes": n_notes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--tasks", default=",".join(ALL_TASKS))
    ap.add_argument("--encoders", default="encoder-small,random", help="Shipped names or folders; 'random'.")
    ap.add_argument("--cap", type=int, default=150, help="Training pieces per class (a random sample).")
    ap.add_argument("--test-cap", type=int, default=200, help="Valid / test pieces per class.")
    ap.add_argument("--max-notes", type=int, default=1024, help="The first N notes of a piece.")
    ap.add_argument("--velocity-songs", type=int, default=120, help="POP909 train songs for velocity.")
    ap.add_argument("--velocity-notes", type=int, default=60_000, help="Train notes for velocity.")
    ap.add_argument("--boot", type=int, default=1000, help="Bootstrap resamples.")
    ap.add_argument("--cv", type=int, default=5, help="Grouped CV folds over train+valid (0: none).")
    ap.add_argument("--wall-minutes", type=float, default=40.0, help="Skip the tasks left after this.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="understanding", help="Result name: bench/results/NAME.json.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch
    from threadpoolctl import threadpool_limits

    from partita.corpus import load_corpus
    from partita.evaluation.understanding import TASKS, gather, run_task
    from partita.models.style_classifier import StyleClassifier

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    t_start = time.monotonic()
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in ALL_TASKS]
    if unknown:
        ap.error(f"unknown tasks {unknown}: choose from {', '.join(ALL_TASKS)}")
    given = list(argv if argv is not None else sys.argv[1:])
    cmd = " ".join(["python bench/bench_understanding.py", *map(shlex.quote, given)])
    encoders = _encoders([e.strip() for e in args.encoders.split(",") if e.strip()], args.seed)
    corpus = load_corpus(args.corpus)
    rows_all = corpus.records()
    selector = StyleClassifier.from_pretrained(SELECTOR) if "style" in tasks else None

    rows, extra, skipped = [], {"tasks": {}}, []
    for name in tasks:
        if time.monotonic() - t_start > 60 * args.wall_minutes:
            skipped.append(name)
            log.warning("wall limit reached: %s skipped", name)
            continue
        t0 = time.monotonic()
        if name == "velocity":
            res, vrows, info = _velocity(args, encoders, cmd)
            rows += vrows
            extra["tasks"][name] = {"results": res, **info, "seconds": round(time.monotonic() - t0, 1)}
        else:
            data = gather(TASKS[name], rows_all, cap=args.cap, test_cap=args.test_cap, seed=args.seed)
            res = run_task(
                data,
                corpus.read_piece,
                encoders,
                selector=selector,
                max_notes=args.max_notes,
                n_boot=args.boot,
                seed=args.seed,
                cv_folds=args.cv,
            )
            rows += _piece_rows(name, res, cmd)
            extra["tasks"][name] = {
                "classes": list(res.classes),
                "counts": res.counts,
                "dropped_classes": res.dropped,
                "results": res.results,
                "notes": res.notes,
                "cv": res.cv,
                "seconds": round(res.seconds, 1),
            }
        log.info("%s done in %.0f s", name, time.monotonic() - t0)
        for method, r in extra["tasks"][name]["results"].items():
            log.info("  %-22s acc %.3f  macro-F1 %.3f", method, r["accuracy"], r["macro_f1"])

    extra.update(
        {
            "split": "the corpus's: by work group (train fits, valid picks C, test is scored)",
            "encoders": {k: v.card.get("name", k) for k, v in encoders.items()},
            "cap_per_class": args.cap,
            "test_cap_per_class": args.test_cap,
            "max_notes": args.max_notes,
            "skipped": skipped,
            "wall_seconds": round(time.monotonic() - t_start, 1),
        }
    )
    quick = args.tasks != ",".join(ALL_TASKS) or bool(skipped)
    path = write_result(
        args.name, "Understanding tasks: encoder probes and baselines", rows, quick=quick, extra=extra
    )
    print(f"wrote {path} ({extra['wall_seconds']:.0f} s)")
    for name, t in extra["tasks"].items():
        for method, r in t["results"].items():
            print(f"{name:<10} {method:<24} acc {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
