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
- ``merged lambda``: base + lambda * (delta china + delta lorraine_luxembourg), the re-warmed deltas;
- ``replay``: the re-warmed adaptations again with a share of each batch (``--replay``, 0.1 / 0.25 / 0.5)
  drawn from the base's own Western training pieces (the remedy for forgetting);
- ``ties``: TIES merges of the same two deltas (trim to ``--ties-density``, elect a sign, disjoint mean) at
  the lambdas of ``--ties-lambdas``;
- ``dare``: DARE merges of the same two deltas (each entry kept with probability ``--dare-density`` and
  rescaled, then summed; drops drawn from the seed) at the lambdas of ``--dare-lambdas``;
- ``dare_ties``: DARE-TIES merges (dropped and rescaled as DARE at ``--dare-ties-density``, then TIES's sign
  election and disjoint mean, no trim) at the lambdas of ``--dare-ties-lambdas``;
- ``weighted``: ``base + w_china * delta china + w_lorraine * delta lorraine_luxembourg`` for each pair of
  ``--merge-weights`` (lambda 1: the weights are the factors; ``0.5,0.5`` is the linear merge at 0.5).

``--merges-only`` trains only what the merges need (the base, the two re-warmed parents and the
multi-culture model): the comparison of merge methods at half the training.

With ``--seeds 0 1 2`` everything is trained once per seed (initialisation, batches and masks of training
change; the pieces and the scoring masks do not), the masked losses are summarised over seeds (mean, 95%
t-interval) with paired differences per seed, and the probes run on the first ``--probe-seeds`` seeds only.

Scored on held-out test pieces: a linear probe (logistic regression on the mean per-note vector; fitted on
train, C chosen on valid) for Chinese province, Lorraine against Luxembourg, Essen region (China / Germany /
other), composer and tune type; the masked-note loss of the test pieces of each culture. The
same architecture with random weights is the probes' control.

    nice -n 15 timeout 2700 python bench/bench_culture.py --threads 1 --boot 500 [--quick] [--save DIR]
    nice -n 15 python bench/bench_culture.py --threads 1 --seeds 0 1 2 --probe-seeds 0   # culture-seeds.json
    nice -n 15 python bench/bench_culture.py --threads 1 --seeds 0 1 2 --probe-seeds 0 --merges-only \
        --name culture-merges                          # DARE and weighted merges against linear and TIES
    nice -n 15 python bench/bench_culture.py --threads 1 --seeds 0 1 2 --jobs 2 --probe-seeds 0 \
        --merges-only --base-steps 200 --steps 75 --loss-pieces 150 --ties-density 0.5 --ties-lambdas 1 \
        --dare-density 0.3 0.7 --dare-lambdas 0.5 --dare-ties-density 0.3 0.7 \
        --dare-ties-lambdas 0.5 0.75 1 --merge-weights \
        --name culture-dare-ties                       # DARE-TIES beside linear, TIES and DARE (half size)
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
TARGETS = ("china", "lorraine_luxembourg")
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


def _config():
    from partita.models.encoder import EncoderConfig

    return EncoderConfig(n_layer=3, n_head=4, d_model=96, d_ff=384, max_len=128)


def _read(args, corpus) -> tuple[dict, dict]:
    """Train-split token arrays of the three cultures (the Western ones a sample), the same for every seed."""
    from partita.training.culture import culture_pieces

    data, seconds = {}, {}
    for name in ("western", *TARGETS):
        t0 = time.monotonic()
        limit = args.western_pieces if name == "western" else None
        data[name] = culture_pieces(corpus, name, "train", _config(), args.max_notes, limit, args.seeds[0])
        seconds[f"read {name}"] = round(time.monotonic() - t0, 1)
        log.info("%s: %d train pieces, %d notes", name, len(data[name]), sum(len(p) for p in data[name]))
    return data, seconds


def _train(args, data: dict, seed: int, t_start: float):
    """Every model of the table for one seed: (name -> MusicEncoder, name -> training info)."""
    import torch

    from partita.models.encoder import MusicEncoder
    from partita.training.culture import AdaptConfig, adapt, fresh_copy

    cfg = _config()
    models, info = {}, {}
    torch.manual_seed(seed)
    models["random weights"] = MusicEncoder(cfg).eval()
    base = MusicEncoder(cfg)
    common = dict(lr=args.lr, batch_size=args.batch_size, max_notes=args.max_notes, seed=seed)
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
        ("multi, rewarm", TARGETS, "rewarm", 2 * args.steps),
    ]
    runs += [
        (f"{c}, rewarm, replay {r:g}", (c,), "rewarm", args.steps, r) for c in TARGETS for r in args.replay
    ]
    if args.merges_only:  # what the merges need, and multi-culture training to compare them with
        runs = [r for r in runs if r[0] in ("china, rewarm", "lorraine_luxembourg, rewarm", "multi, rewarm")]
    for name, cultures, schedule, steps, *replay in runs:
        m = fresh_copy(base)
        share = replay[0] if replay else 0.0
        acfg = AdaptConfig(
            cultures, schedule, steps, warmup=max(1, steps // 10), base="base", replay=share, **common
        )
        read = cultures + (("western",) if share else ())
        info[name] = adapt(m, {c: data[c] for c in read}, acfg)
        models[name] = m
        log.info("seed %d: %s done (%.0f s total)", seed, name, time.monotonic() - t_start)
    models.update(_merges(args, base, [models[f"{c}, rewarm"] for c in TARGETS], seed))
    if args.save:
        from partita.training.culture import save_adapted, save_merged

        out = Path(args.save) / f"seed-{seed}" if len(args.seeds) > 1 else Path(args.save)
        for name, m in models.items():
            folder = out / name.replace(", ", "-").replace(" ", "-")
            if _merged(name):
                save_merged(m, folder)
            elif name != "random weights":
                save_adapted(m, folder, AdaptConfig.from_dict(m.card["adaptation"][-1]["config"]))
    return models, info


def _merges(args, base, parents: list, seed: int) -> dict:
    """The merged models of the table: linear (the lambda sweep), TIES, DARE, DARE-TIES and weighted."""
    from partita.training.culture import merge

    out = {f"merged, lambda {lam:g}": merge(base, parents, lam) for lam in LAMBDAS}
    for method, densities, lambdas in (
        ("ties", args.ties_density, args.ties_lambdas),
        ("dare", args.dare_density, args.dare_lambdas),
        ("dare_ties", args.dare_ties_density, args.dare_ties_lambdas),
    ):
        for density in densities:
            for lam in lambdas:
                out[f"{method} {density:g}, lambda {lam:g}"] = merge(
                    base, parents, lam, method=method, density=density, seed=seed
                )
    for weights in args.merge_weights:
        out[f"weighted {','.join(f'{w:g}' for w in weights)}"] = merge(base, parents, 1.0, weights)
    return out


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


def _prepare(args, corpus, probes: bool) -> dict:
    """What scoring needs, read once: the probe tasks' pieces (with ``probes``) and the test and valid
    pieces of each culture for the masked loss (the same for every seed)."""
    from partita.evaluation.understanding import gather
    from partita.training.culture import culture_pieces

    cfg, seed = _config(), args.seeds[0]
    tasks = _tasks() if probes else {}
    rows_all = corpus.records()
    datas = {
        k: gather(t, rows_all, cap=args.cap, test_cap=args.test_cap, seed=seed) for k, (t, _) in tasks.items()
    }
    ids = sorted({e.piece_id for d in datas.values() for e in d.examples})
    t0 = time.monotonic()
    cache = _token_cache(corpus, ids, cfg, args.probe_notes)
    log.info("%d probe pieces read in %.0f s", len(ids), time.monotonic() - t0)
    loss_sets = {
        split: {
            c: culture_pieces(corpus, c, split, cfg, args.probe_notes, args.loss_pieces, seed)
            for c in (*TARGETS, "western")
        }
        for split in ("test", "valid")
    }
    meta = {
        k: {"classes": list(d.classes), "counts": d.counts(), "dropped": d.dropped, "culture": tasks[k][1]}
        for k, d in datas.items()
    }
    meta["loss_test_pieces"] = {c: len(p) for c, p in loss_sets["test"].items()}
    meta["loss_valid_pieces"] = {c: len(p) for c, p in loss_sets["valid"].items()}
    return {"datas": datas, "cache": cache, "loss": loss_sets, "meta": meta}


def _score(args, ev: dict, models: dict, probes: bool, done=None) -> dict:
    """Score every model (probes only with ``probes``); ``done(res)`` after each one."""
    from partita.training.culture import heldout_loss

    first = ("base", "random weights", "china, rewarm", "lorraine_luxembourg, rewarm", "multi, rewarm")
    order = [k for k in first if k in models] + sorted(
        (k for k in models if k not in first), key=lambda k: (not k.startswith("merged"), k)
    )
    if not probes:
        order.remove("random weights")
    res: dict = {}
    preds: dict = {}
    for name in order:
        m = models[name]
        t1 = time.monotonic()
        res[name] = {"probe": {}, "loss": {}, "valid_loss": {}}
        if probes:
            emb = _embed_all(m, ev["cache"])
            for k, d in ev["datas"].items():
                sc, preds[(name, k)] = _probe(d, emb, args.boot, args.seeds[0])
                sc["delta_vs_base_ci"] = _paired_delta(
                    d.y("test"), preds[(name, k)], preds[("base", k)], args.boot, args.seeds[0]
                )
                res[name]["probe"][k] = sc
        if name != "random weights":  # valid pieces: for choosing among the merges only
            splits = (("test", "loss"), ("valid", "valid_loss")) if _merged(name) else (("test", "loss"),)
            for split, key in splits:
                for c, pieces in ev["loss"][split].items():
                    res[name][key][c] = heldout_loss(m, pieces, seed=0)
        log.info("%s scored in %.0f s", name, time.monotonic() - t1)
        if done is not None:
            done({k: res[k] for k in models if k in res})
    return {k: res[k] for k in models if k in res}


MERGE_FAMILIES = {
    "linear": "merged",
    "ties": "ties",
    "dare": "dare",
    "dare_ties": "dare_ties",
    "weighted": "weighted",
}
"""Each merge method and the first word of its models' names."""
FAMILY_TITLES = {"dare_ties": "DARE-TIES", "dare": "DARE", "ties": "TIES", "weighted": "weighted"}


def _family(name: str) -> str | None:
    """The merge family of a model's name (its first word: ``dare`` is not ``dare_ties``), None if none."""
    head = name.split(" ")[0].rstrip(",")
    return next((f for f, start in MERGE_FAMILIES.items() if start == head), None)


def _merged(name: str) -> bool:
    return _family(name) is not None


def _interval(values) -> dict:
    """Mean over seeds, standard deviation and the 95% t-interval of the mean."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": mean, "sd": None, "ci": [mean, mean], "values": v.tolist()}
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return {"mean": mean, "sd": float(v.std(ddof=1)), "ci": [mean - half, mean + half], "values": v.tolist()}


def _summary(per_seed: dict) -> dict:
    """Masked losses over seeds: each model's mean and interval, its paired difference from the base (> 0:
    worse than the base), and the comparisons of the table (each a paired difference, > 0: the first
    named is better, lower loss)."""
    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    names = [n for n in first if first[n]["loss"]]
    cultures = list(first["base"]["loss"])

    def loss(name, c, key="loss"):
        return np.array([per_seed[s][name][key][c] for s in seeds])

    out: dict = {"seeds": seeds, "loss": {}, "vs_base": {}, "valid": {}, "comparisons": []}
    for n in names:
        out["loss"][n] = {c: _interval(loss(n, c)) for c in cultures}
        out["vs_base"][n] = {c: _interval(loss(n, c) - loss("base", c)) for c in cultures}
        if first[n]["valid_loss"]:
            out["valid"][n] = {c: _interval(loss(n, c, "valid_loss")) for c in cultures}

    def compare(label, better, worse, c):
        if better in first and worse in first:
            out["comparisons"].append(
                {"label": label, "culture": c, **_interval(loss(worse, c) - loss(better, c))}
            )

    for c in TARGETS:
        compare(f"{c}, rewarm vs western-continued", f"{c}, rewarm", "western-continued", c)
        compare(f"{c}, rewarm vs {c}, constant", f"{c}, rewarm", f"{c}, constant", c)
        for n in (n for n in names if n.startswith(f"{c}, rewarm, replay")):
            for where in (c, "western"):  # what replay costs on the target and saves on the base's pieces
                compare(f"{n} vs {c}, rewarm", n, f"{c}, rewarm", where)
    merges = {f: [n for n in names if _family(n) == f] for f in MERGE_FAMILIES}
    best = {}
    for family, ms in merges.items():
        if ms:  # chosen on the valid pieces: the mean of the three cultures' valid losses, over seeds
            best[family] = min(ms, key=lambda n: np.mean([out["valid"][n][c]["mean"] for c in cultures]))
    out["best_merge_on_valid"] = best
    linear = best.get("linear")
    for c in cultures:
        for family, n in best.items():
            if linear and family != "linear":
                compare(f"best {family} ({n}) vs best linear ({linear})", n, linear, c)
        for n in merges["weighted"] if linear else ():  # weighting trades one target for the other
            compare(f"{n} vs best linear ({linear})", n, linear, c)
        for family, n in best.items():
            compare(f"multi, rewarm vs best {family} ({n})", "multi, rewarm", n, c)
    return out


def _rows(res, meta, info, cmd) -> list[dict]:
    out = []
    for name, r in res.items():
        if name == "base":
            peer, peer_name = res.get("random weights", {}), "random weights"
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


def _seed_rows(summary: dict, meta: dict, info: dict, cmd: str) -> list[dict]:
    """Rows of a run over several seeds: each model's masked losses (mean over seeds) and the comparisons."""
    n = len(summary["seeds"])
    out = []
    for name, losses in summary["loss"].items():
        for c, s in losses.items():
            d = summary["vs_base"][name][c]
            steps = f"; trained {info[name]['steps']} steps" if name in info else ""
            out.append(
                row(
                    f"culture over seeds: masked-note loss, {c} test pieces, {name}",
                    s["mean"],
                    "nats (5 fields summed)",
                    cmd,
                    None if name == "base" else "base",
                    None if name == "base" else summary["loss"]["base"][c]["mean"],
                    higher_is_better=False,
                    notes=f"mean of {n} seeds, 95% t-interval {s['ci'][0]:.3f}-{s['ci'][1]:.3f}; paired "
                    f"difference from base {d['mean']:+.3f} ({d['ci'][0]:+.3f}..{d['ci'][1]:+.3f}); "
                    f"{meta['loss_test_pieces'][c]} test pieces{steps}",
                )
            )
    for comp in summary["comparisons"]:
        out.append(
            row(
                f"culture over seeds: {comp['label']}, {comp['culture']} loss advantage",
                comp["mean"],
                "nats (lower loss of the first named)",
                cmd,
                goal=GOAL,
                notes=f"paired over {n} seeds, 95% t-interval {comp['ci'][0]:+.3f}..{comp['ci'][1]:+.3f}; "
                "> 0: the first named has the lower held-out masked loss; best merges chosen on valid pieces",
            )
        )
    return out


_SHARED: dict = {}
"""What the seed workers of ``--jobs`` read (set before the pool forks)."""


def _seed_job(seed: int, probes: bool) -> tuple:
    """One seed in a worker process: train and score; (seed, results, training info, encoder, CPU s)."""
    import torch

    args, data, ev = _SHARED["args"], _SHARED["data"], _SHARED["ev"]
    torch.set_num_threads(args.threads)
    models, info = _train(args, data, seed, time.monotonic())
    enc = {**models["base"].config.to_dict(), "parameters": models["base"].num_parameters()}
    res = _score(args, ev, models, probes)
    return seed, res, info, enc, time.process_time()


def _parallel(args, data, ev, t_start, into: tuple, write) -> None:
    """Run the seeds in ``args.jobs`` forked processes (one torch thread each); ``into``: the dicts of
    results, training info, encoder and worker CPU seconds, filled (and written) as each seed ends."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    per_seed, infos, encoder, cpu = into
    _SHARED.update(args=args, data=data, ev=ev)
    with ProcessPoolExecutor(args.jobs, mp_context=mp.get_context("fork")) as pool:
        jobs = [pool.submit(_seed_job, s, i < args.probe_seeds) for i, s in enumerate(args.seeds)]
        for job in as_completed(jobs):
            seed, res, info, enc, cpu_s = job.result()
            per_seed[seed], infos[seed] = res, info
            encoder.update(enc)
            cpu[seed] = round(cpu_s, 1)
            write()
            log.info("seed %d done (%.0f s wall, %.0f worker CPU s)", seed, time.monotonic() - t_start, cpu_s)


def _weights(text: str) -> tuple[float, ...]:
    """``0.7,0.3``: the factors of the China and the Lorraine/Luxembourg task vectors."""
    try:
        w = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give two numbers, e.g. 0.7,0.3") from None
    if len(w) != len(TARGETS) or not all(np.isfinite(w)):
        raise argparse.ArgumentTypeError(f"{text!r}: give {len(TARGETS)} finite numbers, e.g. 0.7,0.3")
    return w


def _args(argv):
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
    ap.add_argument("--seeds", type=int, nargs="+", default=None, help="Train everything once a seed.")
    ap.add_argument("--probe-seeds", type=int, default=1, help="Probes on the first N seeds (0: none).")
    ap.add_argument(
        "--jobs", type=int, default=1, help="Seeds trained in parallel processes (1 thread each)."
    )
    ap.add_argument("--replay", type=float, nargs="*", default=None, help="Replay shares (0.1 0.25 0.5).")
    ap.add_argument("--ties-density", type=float, nargs="*", default=None, help="TIES densities (0.2 0.5).")
    ap.add_argument("--ties-lambdas", type=float, nargs="*", default=None, help="TIES lambdas (0.5 1 1.5).")
    ap.add_argument(
        "--dare-density", type=float, nargs="*", default=None, help="DARE keep probabilities (0.3 0.7)."
    )
    ap.add_argument("--dare-lambdas", type=float, nargs="*", default=None, help="DARE lambdas (0.5 0.75).")
    ap.add_argument(
        "--dare-ties-density",
        type=float,
        nargs="*",
        default=None,
        help="DARE-TIES keep probabilities (0.3 0.7).",
    )
    ap.add_argument(
        "--dare-ties-lambdas", type=float, nargs="*", default=None, help="DARE-TIES lambdas (0.5 1)."
    )
    ap.add_argument(
        "--merge-weights",
        type=_weights,
        nargs="*",
        default=None,
        help="Weighted merges, china,lorraine_luxembourg factors (0.6,0.4 0.4,0.6 0.7,0.3 0.3,0.7).",
    )
    ap.add_argument(
        "--merges-only",
        action="store_true",
        help="Train only the base, the re-warmed parents and multi-culture (no control, constant, replay).",
    )
    ap.add_argument("--save", default=None, help="Keep the trained encoders in this folder.")
    ap.add_argument("--name", default=None, help="Result name (culture; several seeds: culture-seeds).")
    args = ap.parse_args(argv)
    q = args.quick
    args.base_steps = args.base_steps or (60 if q else 400)
    args.steps = args.steps or (20 if q else 150)
    args.cap = args.cap or (40 if q else 150)
    args.loss_pieces = args.loss_pieces or (60 if q else 300)
    args.boot = args.boot or (100 if q else 1000)
    if args.western_pieces is None:
        args.western_pieces = 1500 if q else 4000
    args.seeds = args.seeds or [args.seed]
    args.replay = args.replay if args.replay is not None else ([0.25] if q else [0.1, 0.25, 0.5])
    args.ties_density = args.ties_density if args.ties_density is not None else ([0.2] if q else [0.2, 0.5])
    args.ties_lambdas = (
        args.ties_lambdas if args.ties_lambdas is not None else ([1.0] if q else [0.5, 1.0, 1.5])
    )
    args.dare_density = args.dare_density if args.dare_density is not None else ([0.5] if q else [0.3, 0.7])
    args.dare_lambdas = args.dare_lambdas if args.dare_lambdas is not None else ([0.5] if q else [0.5, 0.75])
    if args.dare_ties_density is None:
        args.dare_ties_density = [0.5] if q else [0.3, 0.7]
    if args.dare_ties_lambdas is None:
        args.dare_ties_lambdas = [1.0] if q else [0.5, 1.0]
    if args.merge_weights is None:
        args.merge_weights = [(0.7, 0.3)] if q else [(0.6, 0.4), (0.4, 0.6), (0.7, 0.3), (0.3, 0.7)]
    if args.merges_only:
        args.replay = []
    args.name = args.name or ("culture" if len(args.seeds) == 1 else "culture-seeds")
    return args


def _merges_title(args) -> str:
    """The title of a ``--merges-only`` run, naming the merge families it made (distinct per selection)."""
    made = {
        "dare_ties": args.dare_ties_density and args.dare_ties_lambdas,
        "dare": args.dare_density and args.dare_lambdas,
        "ties": args.ties_density and args.ties_lambdas,
        "weighted": args.merge_weights,
    }
    names = [FAMILY_TITLES[f] for f, on in made.items() if on]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    return f"Cultural adaptation over seeds: {listed or 'no other'} merges against linear merging"


def _print(res: dict, meta: dict) -> None:
    cols = list(meta["loss_test_pieces"])
    tasks = [k for k in meta if not k.startswith("loss_")]
    print(
        f"{'model':<34}"
        + "".join(f"{k[:12]:>13}" for k in tasks)
        + "".join(f"{'loss ' + c[:7]:>14}" for c in cols)
    )
    for name, r in res.items():
        line = f"{name:<34}" + "".join(
            f"{r['probe'][k]['accuracy']:>13.3f}" if r["probe"] else f"{'-':>13}" for k in tasks
        )
        print(line + "".join(f"{r['loss'][c]:>14.3f}" if r["loss"] else f"{'-':>14}" for c in cols))


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
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
    data, seconds = _read(args, corpus)
    ev = _prepare(args, corpus, probes=args.probe_seeds > 0)
    meta = ev["meta"]
    per_seed: dict = {}
    infos: dict = {}
    encoder: dict = {}
    cpu: dict = {}

    def write(final=False):
        one = len(args.seeds) == 1
        res = per_seed.get(args.seeds[0], {})
        info = infos.get(args.seeds[0], {})
        summary = _summary(per_seed) if per_seed and all("base" in r for r in per_seed.values()) else None
        extra = {
            "complete": final,
            "results": res,
            "seeds": {str(k): v for k, v in per_seed.items()} if not one else None,
            "summary": summary if not one else None,
            "tasks": meta,
            "training": info if one else {str(k): v for k, v in infos.items()},
            "read_seconds": seconds,
            "encoder": encoder,
            "settings": {k: v for k, v in vars(args).items() if k not in ("name",)},
            "wall_seconds": round(time.monotonic() - t_start, 1),
            "cpu_seconds": round(time.process_time() + sum(cpu.values()), 1),
            "worker_cpu_seconds": cpu or None,
        }
        if one:
            title = "Cultural adaptation: continual pretraining and task arithmetic"
            rows = _rows(res, meta, info, cmd) if "random weights" in res or final else []
        else:
            title = (
                _merges_title(args)
                if args.merges_only
                else "Cultural adaptation over seeds: replay and TIES merges against linear task arithmetic"
            )
            probe_rows = [r for r in _rows(res, meta, info, cmd) if "accuracy" in r["metric"]] if res else []
            rows = (_seed_rows(summary, meta, info, cmd) if summary else []) + probe_rows
        return write_result(args.name, title, rows, args.quick or not final, extra), extra

    if args.jobs > 1 and len(args.seeds) > 1:
        _parallel(args, data, ev, t_start, (per_seed, infos, encoder, cpu), write)
    for i, seed in enumerate(args.seeds):
        if seed in per_seed:
            continue
        models, infos[seed] = _train(args, data, seed, t_start)
        encoder.update({**models["base"].config.to_dict(), "parameters": models["base"].num_parameters()})

        def done(res, seed=seed):
            per_seed[seed] = res
            write()

        per_seed[seed] = _score(args, ev, models, i < args.probe_seeds, done)
        log.info("seed %d scored (%.0f s, %.0f CPU s)", seed, time.monotonic() - t_start, time.process_time())
    path, extra = write(final=True)
    print(f"wrote {path} ({extra['wall_seconds']:.0f} s)")
    _print(per_seed[args.seeds[0]], meta)
    if extra["summary"]:
        for comp in extra["summary"]["comparisons"]:
            lo, hi = comp["ci"]
            print(f"{comp['label']} [{comp['culture']}]: {comp['mean']:+.3f} ({lo:+.3f}..{hi:+.3f})")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
