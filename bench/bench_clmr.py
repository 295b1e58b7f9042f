"""Learning from sound, CLMR-style (issue 24 item 3): linear probes on a contrastive audio encoder's
representations against the same encoder with random weights and partita's symbolic encoder.

Data made here: the first 10 s of corpus pieces (corpus ``all``; the labelled pieces of the understanding
tasks ``style`` and ``tune_type``, one per work group, capped per class), each rendered by FluidSynth
(FluidR3_GM) on two programs of different instrument families (piano, mallets, organ, guitar, strings, brass,
reed, pipe), mono, 16 kHz. The encoder (:mod:`partita.discovery.clmr`) is trained with NT-Xent on
TRAIN-split clips only, without labels. Probes (logistic regression, C chosen by 3-fold cross-validation
grouped by piece on the train clips) are fitted on train-split clips and scored on TEST-split clips: macro
ROC-AUC and macro PR-AUC (one class against the rest), as CLMR reports, for three tasks: style, instrument
family (the program's family) and Irish tune type. Compared in the same run on the same clips: the same
encoder with random weights; partita's symbolic encoder (``encoder-small``) on the same 10 s of score (it
sees no instrument: its instrument probe is at chance by construction); the mean and deviation of each mel
band (a hand-made audio baseline). Renders are cached under ``--cache`` (~/.cache/partita/clmr).

    nice -n 15 python bench/bench_clmr.py --threads 1 [--per-class 20] [--test-per-class 10]
        [--steps 600] [--max-train-minutes 10] [--save src/partita/pretrained/clmr-small] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_clmr")
COMMAND = "nice -n 15 python bench/bench_clmr.py --threads 1"
SLOW = True
"""About 20 minutes on the shared 2-core machine from nothing (rendering, 10 minutes of training, probes)."""
METHODS = {
    "learned": "CLMR encoder (trained)",
    "random": "same encoder, random weights",
    "symbolic": "symbolic encoder-small on the score",
    "logmel": "mean + deviation of log-mel bands",
}
TASK_LABELS = {"style": "style", "instrument": "instrument family", "tune_type": "Irish tune type"}


def render(score, path: Path) -> np.ndarray:
    from partita.audio import read_audio
    from partita.discovery.instruments_audio import SAMPLE_RATE
    from partita.render import write_wav

    wav = write_wav(score, path, sample_rate=SAMPLE_RATE)
    return read_audio(wav, sample_rate=SAMPLE_RATE).samples


def logmel_stats(audio) -> np.ndarray:
    """Each clip's mean and standard deviation of every log-mel band (the front end of the encoder)."""
    import torch

    from partita.discovery.clmr import LogMel

    frontend = LogMel()
    out = []
    with torch.no_grad():
        for a in audio:
            m = frontend(torch.from_numpy(np.asarray(a, dtype=np.float32))[None])[0].numpy()
            out.append(np.concatenate([m.mean(1), m.std(1)]))
    return np.stack(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-class", type=int, default=20, help="train-split pieces per class and task")
    ap.add_argument("--test-per-class", type=int, default=10, help="test-split pieces per class and task")
    ap.add_argument("--programs", type=int, default=2, help="programs (instrument families) per piece")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--max-train-minutes", type=float, default=10.0, help="training's wall-clock cap")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "partita" / "clmr")
    ap.add_argument("--save", default=None, help="write the trained encoder to this folder")
    ap.add_argument("--model", default=None, help="probe this trained encoder instead of training one")
    ap.add_argument("--name", default="clmr")
    ap.add_argument("--quick", action="store_true", help="6/4 pieces a class, 40 steps, nothing saved")
    args = ap.parse_args()
    if args.quick:
        args.per_class, args.test_per_class, args.steps, args.save = 6, 4, 40, None
        args.max_train_minutes = min(args.max_train_minutes, 2.0)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.corpus import load_corpus
    from partita.discovery import clmr_train as T
    from partita.discovery.clmr import ClmrConfig, ClmrEncoder

    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    # BLAS threads (numpy, scikit-learn) kept to --threads too: on a busy machine an oversubscribed
    # OpenBLAS made each logistic-regression fit 200 times slower
    threadpool_limits(args.threads)
    t_all = time.perf_counter()
    corpus = load_corpus("all")
    pieces = T.select_pieces(list(corpus.records()), args.per_class, args.test_per_class, args.seed)
    sets = {}
    for split, offset in (("train", 0), ("test", 10)):
        clips = T.make_clips(
            pieces, corpus.read_piece, split, args.programs, args.seconds, seed=args.seed + offset
        )
        sets[split] = T.render_clips(clips, render, args.cache, args.seconds)
        log.info("%s: %d clips of %d pieces", split, len(clips.specs), len({s.piece for s in clips.specs}))
    train, test = sets["train"], sets["test"]
    t_data = time.perf_counter() - t_all
    config = ClmrConfig(steps=args.steps, batch=args.batch, seed=args.seed)
    config.trained_on = (
        f"corpus all, split train: {len(train.specs)} clips of {args.seconds:g} s (the first seconds of "
        f"{len({s.piece for s in train.specs})} pieces labelled by style or Irish tune type, each on "
        f"{args.programs} GM programs of different families among {', '.join(T.CLIP_FAMILIES)}), "
        "FluidSynth FluidR3_GM, 16 kHz; no labels used"
    )
    if args.model:  # probe an encoder trained before (its training time and steps are in its config)
        model, losses = ClmrEncoder.from_pretrained(args.model), []
        config = model.config
    else:
        model, losses = T.train_clmr(
            train.audio, config, train.groups(), time_limit=args.max_train_minutes * 60
        )
    t0 = time.perf_counter()
    features = {
        "learned": (T.embed_clips(model, train.audio), T.embed_clips(model, test.audio)),
        "random": tuple(
            T.embed_clips(T.random_encoder(config, args.seed + 1), s.audio) for s in (train, test)
        ),
        "symbolic": (T.symbolic_embeddings(train.scores), T.symbolic_embeddings(test.scores)),
        "logmel": (logmel_stats(train.audio), logmel_stats(test.audio)),
    }
    t_embed = time.perf_counter() - t0
    np.savez(  # the features, to probe again without rendering or training
        args.cache / f"{args.name}-features.npz",
        **{
            f"{m}_{s}": x
            for m, pair in features.items()
            for s, x in zip(("train", "test"), pair, strict=True)
        },
    )
    results = T.probe_all(features, train, test)
    intervals = {
        task: {
            f"learned - {other}": T.paired_bootstrap(
                res["learned"], res[other], test.groups(), seed=args.seed
            )
            for other in ("random", "symbolic", "logmel")
        }
        for task, res in results.items()
    }
    for res in results.values():
        for r in res.values():
            r.pop("arrays")
    rows = make_rows(results, intervals, args, config, losses)
    if args.save:
        config.metrics = {
            TASK_LABELS[task]: {
                m: {"roc_auc": round(r["roc_auc"], 3), "pr_auc": round(r["pr_auc"], 3)}
                for m, r in res.items()
            }
            for task, res in results.items()
        }
        config.metrics["trained minus random, 95% interval over test pieces"] = {
            TASK_LABELS[task]: {k: [round(v, 3) for v in ci] for k, ci in iv["learned - random"].items()}
            for task, iv in intervals.items()
        }
        config.metrics["held out"] = f"{len(test.specs)} test-split clips: bench/bench_clmr.py"
        model.save_pretrained(args.save)
    path = write_result(
        args.name,
        "Learning from sound (CLMR-style): linear probes, trained vs random encoder vs symbolic encoder",
        rows,
        quick=args.quick,
        extra={
            "probes": results,
            "paired_bootstrap_95ci": intervals,
            "methods": METHODS,
            "loss_first_last_50": [float(np.mean(losses[:50])), float(np.mean(losses[-50:]))]
            if losses
            else None,
            "config": {k: v for k, v in vars(config).items() if k != "metrics"},
            "train_clips": len(train.specs),
            "test_clips": len(test.specs),
            "data_seconds": t_data,
            "embed_seconds": t_embed,
            "seconds": time.perf_counter() - t_all,
        },
    )
    print(path)


def make_rows(results: dict, intervals: dict, args, config, losses: list[float]) -> list[dict]:
    command = COMMAND + (" --quick" if args.quick else "") + (f" --model {args.model}" if args.model else "")
    rows = []
    for task, res in results.items():
        learned = res["learned"]
        where = (
            f"{learned['test_clips']} test-split clips, {len(learned['classes'])} classes "
            f"({', '.join(learned['classes'])}); probe trained on {learned['train_clips']} train-split clips"
        )
        for key, label in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC")):
            lo, hi = intervals[task]["learned - random"][key]
            others = (
                f"trained minus random, 95% interval over test pieces {lo:+.3f}..{hi:+.3f}; "
                + "; ".join(f"{METHODS[m]} {res[m][key]:.3f}" for m in ("symbolic", "logmel"))
            )
            rows.append(
                row(
                    f"CLMR linear probe, {TASK_LABELS[task]}: macro {label}, trained encoder",
                    learned[key],
                    "score",
                    command,
                    METHODS["random"],
                    res["random"][key],
                    notes=(where + "; " if key == "roc_auc" else "")
                    + others
                    + (
                        f"; accuracy trained {learned['accuracy']:.3f}, random "
                        f"{res['random']['accuracy']:.3f}, symbolic {res['symbolic']['accuracy']:.3f}"
                        if key == "roc_auc"
                        else f"; chance PR-AUC {learned['chance_pr_auc']:.3f}"
                    ),
                )
            )
    rows.append(
        row(
            f"CLMR training time ({args.threads} thread(s) on the shared 2-core machine)",
            config.training_seconds,
            "s",
            command,
            higher_is_better=False,
            notes=f"{config.steps} steps of {config.batch} clips x 2 views; "
            + (
                f"NT-Xent from {np.mean(losses[:20]):.2f} (first 20 steps) to "
                f"{np.mean(losses[-20:]):.2f} (last 20)"
                if losses
                else "trained in an earlier run of this script (--save), probed here with --model"
            ),
        )
    )
    return rows


if __name__ == "__main__":
    main()
