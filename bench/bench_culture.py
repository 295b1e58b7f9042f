"""Cultural adaptation of the music encoder (issue 22, item 4, after CultureMERT): continual pretraining on
one culture with and without learning-rate re-warming, multi-culture training and task arithmetic, each
scored on the target cultures' tasks and on the others (forgetting), in one run.

One run trains, on the built corpus ``all`` (train split only):

- ``base``: a small encoder (3 layers, width 96, windows of 128 notes) pretrained from random weights on the
  Western mix (``partita.training.culture.CULTURES["western"]``: Western European Essen songs, the tune
  books, Bach, Palestrina, ..., POP909), cosine schedule;
- ``western-continued`` (control): the base trained further on the same Western mix, same steps and
  schedule as an adaptation: what more training alone does;
- ``china`` / ``lorraine_luxembourg``: the base adapted to Essen's Chinese songs / its songs of Lorraine and
  Luxembourg (left out of the base), ``rewarm``
  (warm-up to the base's peak rate, cosine decay) and ``constant`` (the base's final rate, no re-warming);
- ``multi``: the base adapted to both together (equal share of windows), as many steps as the two
  single-culture runs together;
- ``merged lambda``: base + lambda * (delta china + delta lorraine_luxembourg), the re-warmed deltas.

Scored on held-out test pieces: a linear probe (logistic regression on the mean per-note vector; fitted on
train, C chosen on valid) for Chinese province, Lorraine against Luxembourg, Essen region (China / Germany /
other), composer and tune type; the masked-note loss of the test pieces of each culture. The
same architecture with random weights is the probes' control.

    nice -n 15 timeout 2700 python bench/bench_culture.py --threads 1 --boot 500 [--quick] [--save DIR]
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

log = logging.getLogger("bench_culture")
SLOW = True  # about 6 CPU minutes on one thread (25 wall on the loaded shared machine): run when named
LAMBDAS = (0.25, 0.5, 0.75, 1.0)
GOAL = "CultureMERT: +4.9% ROC-AUC / AP on non-Western tagging; task arithmetic on par with multi-culture"


def _tasks():
    from partita.evaluation.understanding import TASKS, Task
    from partita.training.culture import LORRAINE_LUXEMBOURG

    def lorraine_luxembourg(row: dict) -> str | None:
        c = str(row.get("country") or "")
        essen = "essen" in str(row.get("source") or "").lower()
        return ("Lorraine" if c == "France" else c) if essen and c in LORRAINE_LUXEMBOURG else None

    return {
        "province": (TASKS["province"], "china"),
        "lorraine_lux": (
            Task("lorraine_lux", lorraine_luxembourg, description="Essen: Lorraine or Luxembourg"),
            "lorraine_luxembourg",
        ),
        "region": (TASKS["region"], "all three"),
        "composer": (TASKS["composer"], "western"),
        "tune_type": (TASKS["tune_type"], "western"),
    }


def _train(args, corpus, t_start):
    """Every model of the table: name -> (MusicEncoder, info)."""
    import torch

    from partita.models.encoder import EncoderConfig, MusicEncoder
    from partita.training.culture import AdaptConfig, adapt, culture_pieces, fresh_copy, merge

    cfg = EncoderConfig(n_layer=3, n_head=4, d_model=96, d_ff=384, max_len=128)
    data, seconds = {}, {}
    for name in ("western", "china", "lorraine_luxembourg"):
        t0 = time.monotonic()
        limit = args.western_pieces if name == "western" else None
        data[name] = culture_pieces(corpus, name, "train", cfg, args.max_notes, limit, args.seed)
        seconds[f"read {name}"] = round(time.monotonic() - t0, 1)
        log.info("%s: %d train pieces, %d notes", name, len(data[name]), sum(len(p) for p in data[name]))
    models, info = {}, {}
    torch.manual_seed(args.seed)
    models["random weights"] = MusicEncoder(cfg).eval()
    base = MusicEncoder(cfg)
    common = dict(lr=args.lr, batch_size=args.batch_size, max_notes=args.max_notes, seed=args.seed)
    bcfg = AdaptConfig(("western",), "cosine", args.base_steps, warmup=args.base_steps // 12, **common)
    info["base"] = adapt(base, {"western": data["western"]}, bcfg)
    models["base"] = base
    log.info("base done %.0f s", time.monotonic() - t_start)
    runs = [
        ("western-continued", ("western",), "rewarm", args.steps),
        ("china, rewarm", ("china",), "rewarm", args.steps),
        ("china, constant", ("china",), "constant", args.steps),
        ("lorraine_luxembourg, rewarm", ("lorraine_luxembourg",), "rewarm", args.steps),
        ("lorraine_luxembourg, constant", ("lorraine_luxembourg",), "constant", args.steps),
        ("multi, rewarm", ("china", "lorraine_luxembourg"), "rewarm", 2 * args.steps),
    ]
    for name, cultures, schedule, steps in runs:
        m = fresh_copy(base)
        acfg = AdaptConfig(cultures, schedule, steps, warmup=max(1, steps // 10), base="base", **common)
        info[name] = adapt(m, {c: data[c] for c in cultures}, acfg)
        models[name] = m
        log.info("%s done (%.0f s total)", name, time.monotonic() - t_start)
    for lam in LAMBDAS:
        models[f"merged, lambda {lam:g}"] = merge(
            base, [models["china, rewarm"], models["lorraine_luxembourg, rewarm"]], lam
        )
    if args.save:
        from partita.training.culture import save_adapted, save_merged

        out = Path(args.save)
        for name, m in models.items():
            folder = out / name.replace(", ", "-").replace(" ", "-")
            if name.startswith("merged"):
                save_merged(m, folder)
            elif name != "random weights":
                save_adapted(m, folder, AdaptConfig.from_dict(m.card["adaptation"][-1]["config"]))
    return models, info, seconds


def _token_cache(corpus, ids, cfg, max_notes):
    from partita.evaluation.understanding import piece_notes
    from partita.models.encoder import note_tokens

    out = {}
    for pid in ids:
        out[pid] = note_tokens(piece_notes(corpus.read_piece(pid), max_notes), cfg)
    return out


def _embed_all(model, cache: dict, batch: int = 64) -> dict:
    """Mean per-note vector of every cached piece. A piece is cut into non-overlapping windows of
    ``max_len`` notes (``encode`` overlaps them by half: twice the work), and the windows of all pieces are
    batched by length (padding is masked, so a window's vectors do not depend on its batch)."""
    import torch

    from partita.models.encoder import pad_batch, window_tokens

    L = model.config.max_len
    wins = [(pid, s) for pid, tok in cache.items() for s in range(0, len(tok), L)]
    wins.sort(key=lambda w: len(cache[w[0]][w[1] : w[1] + L]))
    sums = {pid: np.zeros(model.config.d_model) for pid in cache}
    model.eval()
    with torch.no_grad():
        for i in range(0, len(wins), batch):
            chunk = wins[i : i + batch]
            seqs = [window_tokens(cache[p][s : s + L], model.config) for p, s in chunk]
            toks, keep = pad_batch(seqs)
            h = model(torch.from_numpy(toks), torch.from_numpy(keep)).numpy()
            for j, (p, _) in enumerate(chunk):
                sums[p] += h[j, : len(seqs[j])].sum(0)
    return {pid: sums[pid] / len(tok) for pid, tok in cache.items()}


def _probe(data, emb: dict, n_boot: int, seed: int):
    from partita.evaluation.understanding import fit_logistic, scores

    X = {s: np.stack([emb[e.piece_id] for e in data.split(s)]) for s in ("train", "valid", "test")}
    y = {s: data.y(s) for s in ("train", "valid", "test")}
    clf = fit_logistic(X["train"], y["train"], X["valid"], y["valid"], seed=seed)
    pred = clf.predict(X["test"]).astype(np.int64)
    return scores(y["test"], pred, n_boot, seed), pred


def _paired_delta(y, pred, base_pred, n_boot: int, seed: int) -> list[float]:
    """95% bootstrap interval of accuracy(pred) - accuracy(base_pred) over the same resampled pieces."""
    rng = np.random.default_rng(seed)
    a, b = (pred == y).astype(float), (base_pred == y).astype(float)
    d = [np.mean(a[i] - b[i]) for i in (rng.integers(0, len(y), len(y)) for _ in range(max(1, n_boot)))]
    return [float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))]


def _evaluate(args, corpus, models, done=None):
    """Score every model; ``done(res, meta)`` after each one (the result file is rewritten as it goes)."""
    from partita.evaluation.understanding import gather
    from partita.training.culture import culture_pieces, heldout_loss

    cfg = models["base"].config
    rows_all = corpus.records()
    tasks = _tasks()
    datas = {
        k: gather(t, rows_all, cap=args.cap, test_cap=args.test_cap, seed=args.seed)
        for k, (t, _) in tasks.items()
    }
    ids = sorted({e.piece_id for d in datas.values() for e in d.examples})
    t0 = time.monotonic()
    cache = _token_cache(corpus, ids, cfg, args.probe_notes)
    log.info("%d probe pieces read in %.0f s", len(ids), time.monotonic() - t0)
    test = {
        c: culture_pieces(corpus, c, "test", cfg, args.probe_notes, args.loss_pieces, args.seed)
        for c in ("china", "lorraine_luxembourg", "western")
    }
    meta = {
        k: {"classes": list(d.classes), "counts": d.counts(), "dropped": d.dropped, "culture": tasks[k][1]}
        for k, d in datas.items()
    }
    meta["loss_test_pieces"] = {c: len(p) for c, p in test.items()}
    first = ("base", "random weights", "china, rewarm", "lorraine_luxembourg, rewarm", "multi, rewarm")
    order = [k for k in first if k in models] + sorted(
        (k for k in models if k not in first), key=lambda k: (not k.startswith("merged"), k)
    )
    res: dict = {}
    preds: dict = {}
    for name in order:
        m = models[name]
        t1 = time.monotonic()
        emb = _embed_all(m, cache)
        res[name] = {"probe": {}, "loss": {}}
        for k, d in datas.items():
            sc, preds[(name, k)] = _probe(d, emb, args.boot, args.seed)
            sc["delta_vs_base_ci"] = _paired_delta(
                d.y("test"), preds[(name, k)], preds[("base", k)], args.boot, args.seed
            )
            res[name]["probe"][k] = sc
        for c, pieces in test.items():
            res[name]["loss"][c] = heldout_loss(m, pieces, seed=args.seed)
        log.info("%s scored in %.0f s", name, time.monotonic() - t1)
        if done is not None:
            done({k: res[k] for k in models if k in res}, meta)
    return {k: res[k] for k in models}, meta


def _rows(res, meta, info, cmd) -> list[dict]:
    out = []
    for name, r in res.items():
        if name == "base":
            peer, peer_name = res["random weights"], "random weights"
        else:
            peer, peer_name = res["base"], "base"
        for k, s in r["probe"].items():
            m = meta[k]
            lo, hi = s["accuracy_ci"]
            dlo, dhi = s["delta_vs_base_ci"]
            out.append(
                row(
                    f"culture: {k} accuracy ({m['culture']} task), {name}",
                    s["accuracy"],
                    "accuracy",
                    cmd,
                    peer_name,
                    peer["probe"][k]["accuracy"],
                    goal=GOAL,
                    notes=f"linear probe, {s['n']} held-out test pieces, {len(m['classes'])} classes; "
                    f"95% CI {lo:.3f}-{hi:.3f}; macro-F1 {s['macro_f1']:.3f}; paired 95% CI of the "
                    f"difference from base {dlo:+.3f}..{dhi:+.3f}",
                )
            )
        if name == "random weights":
            continue
        for c, v in r["loss"].items():
            out.append(
                row(
                    f"culture: held-out masked-note loss, {c} test pieces, {name}",
                    v,
                    "nats (5 fields summed)",
                    cmd,
                    None if name == "base" else "base",
                    None if name == "base" else res["base"]["loss"][c],
                    higher_is_better=False,
                    notes=f"{meta['loss_test_pieces'][c]} test pieces, 15% of notes masked (same notes for "
                    "every model)" + (f"; trained {info[name]['steps']} steps" if name in info else ""),
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="Few steps and pieces: a smoke run (minutes).")
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--base-steps", type=int, default=None, help="Base pretraining steps (400; quick 60).")
    ap.add_argument("--steps", type=int, default=None, help="Steps per adaptation (150; quick 20).")
    ap.add_argument(
        "--lr", type=float, default=1e-3, help="Peak rate (base and re-warmed); constant: a tenth."
    )
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-notes", type=int, default=512, help="Training: a piece's first N notes.")
    ap.add_argument("--probe-notes", type=int, default=256, help="Probes and losses: the first N notes.")
    ap.add_argument(
        "--western-pieces",
        type=int,
        default=None,
        help="A sample of the Western train pieces (4000; quick 1500).",
    )
    ap.add_argument("--cap", type=int, default=None, help="Probe train pieces per class (150; quick 40).")
    ap.add_argument("--test-cap", type=int, default=200)
    ap.add_argument("--loss-pieces", type=int, default=None, help="Test pieces a culture for the loss (300).")
    ap.add_argument("--boot", type=int, default=None, help="Bootstrap resamples (1000; quick 100).")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="Keep the trained encoders in this folder.")
    ap.add_argument("--name", default="culture")
    args = ap.parse_args(argv)
    q = args.quick
    args.base_steps = args.base_steps or (60 if q else 400)
    args.steps = args.steps or (20 if q else 150)
    args.cap = args.cap or (40 if q else 150)
    args.loss_pieces = args.loss_pieces or (60 if q else 300)
    args.boot = args.boot or (100 if q else 1000)
    if args.western_pieces is None:
        args.western_pieces = 1500 if q else 4000
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch
    from threadpoolctl import threadpool_limits

    from partita.corpus import load_corpus

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    t_start = time.monotonic()
    given = list(argv if argv is not None else sys.argv[1:])
    cmd = " ".join(["python bench/bench_culture.py", *map(shlex.quote, given)])
    corpus = load_corpus(args.corpus)
    models, info, seconds = _train(args, corpus, t_start)
    t_train = time.monotonic() - t_start

    def write(res, meta, final=False):
        extra = {
            "complete": final,
            "results": res,
            "tasks": meta,
            "training": info,
            "read_seconds": seconds,
            "encoder": {**models["base"].config.to_dict(), "parameters": models["base"].num_parameters()},
            "settings": {k: v for k, v in vars(args).items() if k not in ("name",)},
            "train_seconds": round(t_train, 1),
            "wall_seconds": round(time.monotonic() - t_start, 1),
            "cpu_seconds": round(time.process_time(), 1),
        }
        title = "Cultural adaptation: continual pretraining and task arithmetic"
        rows = _rows(res, meta, info, cmd) if "random weights" in res or final else []
        return write_result(args.name, title, rows, q or not final, extra), extra

    res, meta = _evaluate(args, corpus, models, write)
    path, extra = write(res, meta, final=True)
    print(f"wrote {path} ({extra['wall_seconds']:.0f} s)")
    cols = list(meta["loss_test_pieces"])
    tasks = [k for k in meta if k != "loss_test_pieces"]
    print(
        f"{'model':<32}"
        + "".join(f"{k[:12]:>13}" for k in tasks)
        + "".join(f"{'loss ' + c[:7]:>14}" for c in cols)
    )
    for name, r in res.items():
        line = f"{name:<32}" + "".join(f"{r['probe'][k]['accuracy']:>13.3f}" for k in tasks)
        print(line + "".join(f"{r['loss'][c]:>14.3f}" for c in cols))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
