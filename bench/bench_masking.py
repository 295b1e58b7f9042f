"""Adversarial-MidiBERT's learned masking against random masking (issue 22, item 1's ablation).

The same small encoder as the culture bench (3 layers, width 96, windows of 128 notes) is pretrained from
the same random weights, on the same Western train pieces (a sample of the built corpus ``all``'s train
split: Essen's Western European songs, the tune books, Bach, Palestrina, ..., POP909), with the same steps,
batches, optimizer and loss, three ways:

- ``random masking``: :func:`partita.training.encoder.pretrain` (each note masked with probability 0.15);
- ``adversarial``: :func:`partita.training.adversarial_mask.adversarial_pretrain` (a masker learns to pick
  the notes the encoder finds hardest; the mask book closes the notes it scores highest);
- ``adversarial, no book`` (with ``--no-book-run``): the learned masker alone (``book_rate`` 0), to tell the
  two parts apart.

Scored on held-out **test** pieces (the corpus split, by work group): the masked-note loss under *random*
masks (the same notes for every model) of the Western, Chinese and Lorraine/Luxembourg test pieces, and
linear probes (logistic regression on the mean per-note vector, fitted on train, C chosen on valid) for
composer, Essen region and Irish tune type, each beside the same architecture with random weights. With
several seeds, the paired differences from random masking are summarised (mean, 95% t-interval).

With ``--finetune-melody``, each pretraining (and the random weights, the from-scratch baseline) is also
fine-tuned for POP909 melody extraction, note level, three classes (melody / bridge / piano, as MidiBERT):
a per-note classifier trained with the encoder for ``--ft-steps`` steps on the first ``--ft-songs`` train
songs (:func:`partita.evaluation.melody_extraction.pop909_split`, the corpus's split of POP909), scored on the
test songs (801-909 are never read); the skyline is scored on the same test songs in the same run.

    nice -n 15 python bench/bench_masking.py --threads 1 [--quick] [--seeds 0 1 2 --jobs 3] [--no-book-run]
    nice -n 15 python bench/bench_masking.py --threads 1 --seeds 0 1 2 --jobs 3 --steps 200 --book-after 50
    nice -n 10 python bench/bench_masking.py --threads 1 --finetune-melody --tasks [--seeds 0 1 --jobs 2]
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
from bench_culture import _config, _embed_all, _interval, _paired_delta, _probe, _token_cache  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_masking")
SLOW = True  # about 10 CPU minutes a seed on one thread: run when named
GOAL = "Adversarial-MidiBERT: learned masking above random masking on the understanding tasks"
LOSS_CULTURES = ("western", "china", "lorraine_luxembourg")
RANDOM = "random masking"


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default="all")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--jobs", type=int, default=1, help="seeds run in this many forked processes")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--western-pieces", type=int, default=4000)
    p.add_argument("--max-notes", type=int, default=512)
    p.add_argument(
        "--no-book-run", action="store_true", help="also train the learned masker without the mask book"
    )
    p.add_argument("--book-rate", type=float, default=0.5)
    p.add_argument("--book-after", type=int, default=100)
    p.add_argument(
        "--tasks", nargs="*", default=["composer", "region", "tune_type"], help="probes (none: --tasks)"
    )
    p.add_argument("--finetune-melody", action="store_true", help="fine-tune each for POP909 melody")
    p.add_argument("--ft-steps", type=int, default=150)
    p.add_argument("--ft-songs", type=int, default=200, help="the first N POP909 train songs")
    p.add_argument("--ft-test-songs", type=int, default=None, help="the first N test songs (default all)")
    p.add_argument("--cap", type=int, default=150)
    p.add_argument("--test-cap", type=int, default=200)
    p.add_argument("--probe-notes", type=int, default=256)
    p.add_argument("--loss-pieces", type=int, default=300)
    p.add_argument("--boot", type=int, default=500)
    p.add_argument("--quick", action="store_true", help="a smoke run: 30 steps, 300 pieces, small samples")
    p.add_argument("--name", default="masking")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.western_pieces, args.cap, args.test_cap = 30, 300, 20, 20
        args.loss_pieces, args.boot, args.book_after, args.tasks = 30, 50, 5, args.tasks[:1]
        args.ft_steps, args.ft_songs, args.ft_test_songs = 10, 8, 4
    return args


def _prepare(args, corpus) -> dict:
    """Pretraining pieces, the probe tasks' pieces and the held-out loss pieces: the same for every seed."""
    from partita.evaluation.understanding import TASKS, gather
    from partita.training.culture import culture_pieces

    cfg, seed = _config(), args.seeds[0]
    t0 = time.monotonic()
    train = culture_pieces(corpus, "western", "train", cfg, args.max_notes, args.western_pieces, seed)
    rows = corpus.records()
    datas = {k: gather(TASKS[k], rows, cap=args.cap, test_cap=args.test_cap, seed=seed) for k in args.tasks}
    ids = sorted({e.piece_id for d in datas.values() for e in d.examples})
    loss = {
        c: culture_pieces(corpus, c, "test", cfg, args.probe_notes, args.loss_pieces, seed)
        for c in LOSS_CULTURES
    }
    meta = {k: {"classes": list(d.classes), "counts": d.counts()} for k, d in datas.items()}
    meta["loss_test_pieces"] = {c: len(p) for c, p in loss.items()}
    meta["train_pieces"], meta["train_notes"] = len(train), int(sum(len(p) for p in train))
    cache = _token_cache(corpus, ids, cfg, args.probe_notes)
    melody = _melody_data(args, cfg, meta) if args.finetune_melody else None
    log.info("read in %.0f s: %d train pieces, %d probe pieces", time.monotonic() - t0, len(train), len(ids))
    return {"train": train, "datas": datas, "cache": cache, "loss": loss, "meta": meta, "melody": melody}


def _melody_data(args, cfg, meta: dict) -> dict:
    """POP909's labelled train songs (tokens, labels) and test songs, and the skyline on the test songs."""
    from partita.evaluation.melody_extraction import CLASSES, load_pop909, melody_metrics, skyline_predictions
    from partita.models.encoder import note_tokens

    train = load_pop909("train", limit=args.ft_songs)
    test = load_pop909("test", limit=args.ft_test_songs)
    y = np.concatenate([p.labels for p in test])
    sky = melody_metrics(y, np.concatenate([skyline_predictions(p.notes) for p in test]))
    meta["melody_finetuned"] = {
        "classes": list(CLASSES),
        "train_songs": len(train),
        "test_songs": len(test),
        "test_notes": len(y),
        "skyline_test": sky,
    }
    return {
        "tokens": [note_tokens(p.notes, cfg) for p in train],
        "labels": [p.labels for p in train],
        "test": [note_tokens(p.notes, cfg) for p in test],
        "y": y,
    }


def _finetune_melody(args, ev: dict, model, seed: int) -> dict:
    """Fine-tune a copy of ``model`` with a per-note melody / bridge / piano classifier; test accuracy."""
    from partita.evaluation.melody_extraction import CLASSES, melody_metrics
    from partita.training.culture import fresh_copy
    from partita.training.encoder import EncoderTrainConfig, finetune

    mel = ev["melody"]
    tuned = fresh_copy(model).with_classifier(CLASSES)
    cfg = EncoderTrainConfig(
        args.ft_steps, 16, 3e-4, warmup=max(1, args.ft_steps // 5), transpose=3, seed=seed
    )
    info = finetune(tuned, mel["tokens"], mel["labels"], cfg)
    pred = np.concatenate([tuned.classify(t).argmax(1) for t in mel["test"]])
    m = melody_metrics(mel["y"], pred)
    return {**m, "finetune_steps": info["steps"], "finetune_cpu_seconds": info["cpu_seconds"]}


def _train(args, train: list, seed: int) -> tuple[dict, dict]:
    import torch

    from partita.models.encoder import MusicEncoder
    from partita.training.adversarial_mask import AdversarialMaskConfig, adversarial_pretrain
    from partita.training.culture import fresh_copy
    from partita.training.encoder import EncoderTrainConfig, pretrain

    torch.manual_seed(seed)
    start = MusicEncoder(_config()).eval()
    models, info = {"random weights": start}, {}
    tcfg = EncoderTrainConfig(
        args.steps, args.batch_size, args.lr, warmup=max(1, args.steps // 12), seed=seed
    )
    runs = [
        (RANDOM, None),
        ("adversarial", AdversarialMaskConfig(book_rate=args.book_rate, book_after=args.book_after)),
    ]
    if args.no_book_run:
        runs.append(("adversarial, no book", AdversarialMaskConfig(book_rate=0.0)))
    for name, adv in runs:
        m = fresh_copy(start)
        info[name] = pretrain(m, train, tcfg) if adv is None else adversarial_pretrain(m, train, tcfg, adv)
        models[name] = m.eval()
        log.info("seed %d: %s trained (%.0f CPU s)", seed, name, info[name]["cpu_seconds"])
    return models, info


def _score(args, ev: dict, models: dict, seed: int) -> dict:
    from partita.training.culture import heldout_loss

    res, preds = {}, {}
    for name, m in models.items():
        emb = _embed_all(m, ev["cache"])
        res[name] = {"probe": {}, "loss": {}}
        for k, d in ev["datas"].items():
            res[name]["probe"][k], preds[(name, k)] = _probe(d, emb, args.boot, args.seeds[0])
        if name != "random weights":
            res[name]["loss"] = {c: heldout_loss(m, p, seed=0) for c, p in ev["loss"].items()}
        if ev.get("melody") is not None:
            res[name]["probe"]["melody_finetuned"] = _finetune_melody(args, ev, m, seed)
            log.info("%s: melody fine-tuned %.4f", name, res[name]["probe"]["melody_finetuned"]["accuracy"])
    for name in models:  # paired intervals of the accuracy difference from random masking, same pieces
        for k, d in ev["datas"].items():
            res[name]["probe"][k]["delta_vs_random_masking_ci"] = _paired_delta(
                d.y("test"), preds[(name, k)], preds[(RANDOM, k)], args.boot, args.seeds[0]
            )
    return res


_SHARED: dict = {}


def _seed_job(seed: int) -> tuple[int, dict, dict, float]:
    """One seed in a forked worker (one torch thread): its scores, training info and CPU seconds."""
    import torch

    torch.set_num_threads(1)
    args, ev = _SHARED["args"], _SHARED["ev"]
    c0 = time.process_time()
    models, info = _train(args, ev["train"], seed)
    return seed, _score(args, ev, models, seed), info, time.process_time() - c0


def _run_seeds(args, ev: dict, done) -> None:
    """Every seed, ``args.jobs`` at a time in forked processes (or here); ``done(seed, res, info, cpu)``."""
    if args.jobs <= 1 or len(args.seeds) == 1:
        _SHARED.update(args=args, ev=ev)
        for seed in args.seeds:
            done(*_seed_job(seed))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _SHARED.update(args=args, ev=ev)
    with ProcessPoolExecutor(args.jobs, mp_context=mp.get_context("fork")) as pool:
        for job in as_completed([pool.submit(_seed_job, s) for s in args.seeds]):
            done(*job.result())


def _summary(per_seed: dict) -> dict:
    """Each model's metrics over seeds and its paired difference from random masking (mean, t-interval)."""
    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    out: dict = {"seeds": seeds, "models": {}}
    for name, r in first.items():
        d: dict = {}
        for c in r["loss"]:
            v = np.array([per_seed[s][name]["loss"][c] for s in seeds])
            ref = np.array([per_seed[s][RANDOM]["loss"][c] for s in seeds])
            d[f"loss {c}"] = {"value": _interval(v), "vs_random_masking": _interval(v - ref)}
        for k in r["probe"]:
            v = np.array([per_seed[s][name]["probe"][k]["accuracy"] for s in seeds])
            ref = np.array([per_seed[s][RANDOM]["probe"][k]["accuracy"] for s in seeds])
            d[f"{k} accuracy"] = {"value": _interval(v), "vs_random_masking": _interval(v - ref)}
        out["models"][name] = d
    return out


def _rows(summary: dict, meta: dict, info: dict, cmd: str) -> list[dict]:
    """One row per model and metric: losses against random masking, probes against random masking (and
    random masking's probes against random weights)."""
    out = []
    n = len(summary["seeds"])
    for name, d in summary["models"].items():
        for metric, v in d.items():
            loss = metric.startswith("loss")
            peer = None if (name == RANDOM and loss) else "random weights" if name == RANDOM else RANDOM
            base = None if peer is None else summary["models"][peer][metric]["value"]["mean"]
            if loss:
                what = f"held-out masked-note loss (random masks), {meta['loss_test_pieces'][metric[5:]]}"
                what += " test pieces"
            elif metric.startswith("melody_finetuned"):
                mel = meta["melody_finetuned"]
                what = (
                    f"POP909 melody extraction, note level, fine-tuned on {mel['train_songs']} train songs, "
                    f"{mel['test_notes']} notes of {mel['test_songs']} test songs (skyline "
                    f"{mel['skyline_test']['accuracy']:.3f} on them)"
                )
            else:
                what = f"linear probe, {len(meta[metric[:-9]]['classes'])} classes, held-out test pieces"
            lo, hi = v["value"]["ci"]
            note = f"{what}; mean of {n} seed(s) (95% t-interval {lo:.3f}..{hi:.3f})"
            if peer == RANDOM:
                diff = v["vs_random_masking"]
                a, b = diff["ci"]
                note += f"; paired difference from random masking {diff['mean']:+.3f} ({a:+.3f}..{b:+.3f})"
            if info.get(name):
                note += f"; pretraining {info[name]['steps']} steps, {info[name]['cpu_seconds']:.0f} CPU s"
            out.append(
                row(
                    f"masking: {metric}, {name}",
                    v["value"]["mean"],
                    "nats (5 fields summed)" if loss else "accuracy",
                    cmd,
                    peer,
                    base,
                    higher_is_better=not loss,
                    goal=GOAL,
                    notes=note,
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    import torch
    from threadpoolctl import threadpool_limits

    from partita.corpus import load_corpus

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    t0 = time.monotonic()
    given = list(argv if argv is not None else sys.argv[1:])
    cmd = " ".join(["python bench/bench_masking.py", *map(shlex.quote, given)])
    ev = _prepare(args, load_corpus(args.corpus))
    per_seed, infos = {}, {}

    def write(final: bool):
        summary = _summary(per_seed)
        title = "Encoder pretraining: Adversarial-MidiBERT's learned masking against random masking"
        extra = {
            "complete": final,
            "summary": summary,
            "seeds": {str(s): r for s, r in per_seed.items()},
            "training": {str(s): i for s, i in infos.items()},
            "tasks": ev["meta"],
            "encoder": _config().to_dict(),
            "settings": {k: v for k, v in vars(args).items() if k != "name"},
            "wall_seconds": round(time.monotonic() - t0, 1),
            "cpu_seconds": round(time.process_time() + (sum(cpu.values()) if args.jobs > 1 else 0), 1),
            "seed_cpu_seconds": {str(k): v for k, v in cpu.items()},
        }
        rows = _rows(summary, ev["meta"], infos[min(infos)], cmd)
        return write_result(args.name, title, rows, args.quick or not final, extra), extra, rows

    cpu: dict = {}

    def done(seed: int, res: dict, info: dict, cpu_s: float) -> None:
        per_seed[seed], infos[seed], cpu[seed] = res, info, round(cpu_s, 1)
        log.info("seed %d done (%.0f s wall, %.0f CPU s)", seed, time.monotonic() - t0, cpu_s)
        write(final=len(per_seed) == len(args.seeds))

    _run_seeds(args, ev, done)
    path, extra, rows = write(final=True)
    print(f"wrote {path} ({extra['wall_seconds']:.0f} s wall, {extra['cpu_seconds']:.0f} CPU s)")
    for r in rows:
        print(f"{r['metric']}: {r['value']:.3f} ({r['baseline']}: {r['baseline_value']}) {r['notes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
