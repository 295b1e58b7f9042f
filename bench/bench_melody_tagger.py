"""Melody extraction on POP909, note level (issue 22): a bidirectional GRU tagger over each song's
merged notes against gradient boosting on per-note hand features and the skyline, all in the same run on
the same songs.

The tagger (:mod:`partita.evaluation.melody_tagger`) reads a song's notes in onset order (hand features,
pitch, onset gaps and intervals to the neighbouring notes) and tags each note melody / bridge / piano. Split
as ``bench_melody.py``: the corpus's hash split of ``pop909:NNN`` (644 train / 82 valid / 74 test of the 800
songs present; 801-909 never used). Everything is fitted on the train songs; the valid songs choose (the
checkpoint kept is the one with the best valid accuracy); the test songs are only scored. With and without
velocity (the no-velocity variant zeroes velocity in both the tagger and the gradient boosting).

    python bench/bench_melody_tagger.py --threads 1 [--train-minutes 10] [--steps 4000] [--quick]
                                        [--save FOLDER]
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_melody_tagger")
SLOW = True  # trains two taggers for several CPU minutes each: run only when named
COMMAND = "python bench/bench_melody_tagger.py --threads 1"
GOAL = ">= 0.90 note accuracy (MidiBERT-Piano 0.9637, its RNN 0.8866)"


def _train_and_choose(train, valid, args, use_velocity):
    """Train a tagger in rounds; keep the weights with the best valid accuracy."""
    from partita.evaluation.melody_extraction import melody_metrics
    from partita.evaluation.melody_tagger import (
        MelodyTagger,
        TaggerConfig,
        TaggerTrainConfig,
        fit_normalisation,
        train_tagger,
    )

    config = fit_normalisation(
        TaggerConfig(use_velocity=use_velocity, hidden=args.hidden), [x for x, _, _ in train]
    )
    model = MelodyTagger(config)
    inputs = [(x, p) for x, p, _ in train]
    labels = [y for _, _, y in train]
    y_valid = np.concatenate([y for _, _, y in valid])
    rounds = max(1, args.rounds)
    per_round = max(1, args.steps // rounds)
    best, best_acc, history = None, -1.0, []
    totals = {"steps": 0, "seconds": 0.0, "cpu_seconds": 0.0}
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    for r in range(rounds):
        wall = None
        if args.train_until:
            wall = max(1.0, (_clock(args.train_until) - time.time()) / (rounds - r))
        cfg = TaggerTrainConfig(
            time_limit_s=wall,
            steps=per_round,
            lr=args.lr,
            window=args.window,
            seed=args.seed + r,
            cpu_limit_s=None if args.train_minutes is None else 60 * args.train_minutes / rounds,
        )
        info = train_tagger(
            model, inputs, labels, cfg, optimizer=opt, schedule=(r * per_round, rounds * per_round)
        )
        for k in totals:
            totals[k] += info[k]
        pred = np.concatenate([model.tag_inputs(x, p) for x, p, _ in valid])
        acc = melody_metrics(y_valid, pred)["accuracy"]
        history.append(
            {"round": r + 1, "steps": totals["steps"], "valid_accuracy": acc, "loss": info["final_loss"]}
        )
        log.info("velocity=%s round %d: valid %.4f (loss %.3f)", use_velocity, r + 1, acc, info["final_loss"])
        if acc > best_acc:
            best, best_acc = copy.deepcopy(model), acc
            if args.checkpoint:
                best.save(Path(args.checkpoint) / ("velocity" if use_velocity else "no_velocity"))
    totals["history"] = history
    return best, best_acc, totals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="30 / 15 / 15 songs and 150 steps: a smoke run.")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=4, help="Valid checks during training (the best is kept).")
    ap.add_argument(
        "--train-minutes", type=float, default=10.0, help="At most this many CPU minutes a tagger."
    )
    ap.add_argument(
        "--train-until",
        default=None,
        help="HH:MM (UTC): end training then, the rounds sharing the time left (for a shared machine).",
    )
    ap.add_argument("--checkpoint", default=None, help="Save each round's best tagger under this folder.")
    ap.add_argument("--train-songs", type=int, default=None, help="Only the first N train songs (by id).")
    ap.add_argument("--no-features", action="store_true", help="Skip the gradient-boosting baseline.")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--feature-notes", type=int, default=300_000)
    ap.add_argument("--save", default=None, help="Save the velocity tagger here when it beats the features.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--velocity-only", action="store_true", help="Skip the no-velocity variants.")
    ap.add_argument(
        "--no-velocity-only",
        action="store_true",
        help="Only the no-velocity variants (written as melody_tagger_no_velocity, to run beside the other).",
    )
    ap.add_argument(
        "--encoder",
        default="encoder-small",
        help="The encoder whose classifier melody_mask used before the tagger, scored on the same songs "
        "('' to skip).",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch
    from threadpoolctl import threadpool_limits

    from partita.evaluation.melody_extraction import (
        load_pop909,
        melody_metrics,
        note_features,
        skyline_predictions,
    )
    from partita.evaluation.melody_tagger import VELOCITY_COLUMNS, tagger_inputs

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    torch.manual_seed(args.seed)
    if args.quick:
        args.steps, args.rounds, args.train_minutes = 150, 2, 1.0
    limits = (30, 15, 15) if args.quick else (args.train_songs, None, None)
    given = list(sys.argv[1:] if argv is None else argv)
    cmd = "python bench/bench_melody_tagger.py " + " ".join(given) if given else COMMAND
    t_start = time.monotonic()
    splits = {s: load_pop909(s, limit=n) for s, n in zip(("train", "valid", "test"), limits, strict=True)}
    hand = {s: [note_features(p.notes, True) for p in ps] for s, ps in splits.items()}
    log.info("loaded and featurised in %.0f s", time.monotonic() - t_start)
    y = {s: np.concatenate([p.labels for p in ps]) for s, ps in splits.items()}
    test = splits["test"]
    results: dict[str, dict] = {}
    valid_acc: dict[str, float] = {}
    seconds: dict[str, float] = {}

    results["skyline"] = melody_metrics(
        y["test"], np.concatenate([skyline_predictions(p.notes) for p in test])
    )
    valid_acc["skyline"] = melody_metrics(
        y["valid"], np.concatenate([skyline_predictions(p.notes) for p in splits["valid"]])
    )["accuracy"]

    if args.encoder:
        results["encoder"], valid_acc["encoder"], seconds["encoder_inference"] = _encoder_scores(
            args.encoder, [] if args.train_until else splits["valid"], test
        )
        log.info("encoder %s: test %.4f", args.encoder, results["encoder"]["accuracy"])

    variants = ((True, ""), (False, "_no_velocity"))
    if args.velocity_only:
        variants = variants[:1]
    elif args.no_velocity_only:
        variants = variants[1:]
    params, shipped = 0, False
    for use_velocity, suffix in variants:

        def strip(X, use_velocity=use_velocity):
            if not use_velocity:
                X = X.copy()
                X[:, VELOCITY_COLUMNS] = 0.0
            return X

        if not args.no_features:
            _features(args, hand, y, strip, suffix, results, valid_acc, seconds)

        data = {
            s: [
                (*tagger_inputs(p.notes, use_velocity, h), p.labels)
                for p, h in zip(splits[s], hand[s], strict=True)
            ]
            for s in splits
        }
        model, best_valid, info = _train_and_choose(data["train"], data["valid"], args, use_velocity)
        seconds["tagger" + suffix] = info["cpu_seconds"]
        t0 = time.monotonic()
        pred = np.concatenate([model.tag_inputs(x, p) for x, p, _ in data["test"]])
        seconds["tagger_inference" + suffix] = time.monotonic() - t0
        results["tagger" + suffix] = melody_metrics(y["test"], pred)
        results["tagger" + suffix]["train"] = {k: v for k, v in info.items()}
        valid_acc["tagger" + suffix] = best_valid
        log.info("tagger%s: valid %.4f test %.4f", suffix, best_valid, results["tagger" + suffix]["accuracy"])
        params = model.num_parameters()
        baselines = [v for k, v in valid_acc.items() if not k.startswith("tagger") and np.isfinite(v)]
        if use_velocity and args.save and best_valid > max(baselines):
            model.save(args.save, card=_card(model, results, best_valid, len(splits["train"]), cmd))
            shipped = True

    rows = _rows(results, seconds, cmd, len(test), len(y["test"]))
    extra = {
        "split": "split_of('pop909:NNN'): train/valid/test by a hash of the song id (80/10/10)",
        "songs": {s: len(ps) for s, ps in splits.items()},
        "results": results,
        "valid_accuracy": valid_acc,
        "cpu_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "tagger_parameters": params,
        "args": vars(args),
        "shipped": shipped,
        "wall_seconds": round(time.monotonic() - t_start, 1),
    }
    title = "Melody extraction on POP909: a BiGRU note tagger against gradient boosting and the skyline"
    name = "melody_tagger"
    if args.no_velocity_only:
        name, title = name + "_no_velocity", title + " (no velocity)"
    path = write_result(name, title, rows, quick=args.quick, extra=extra)
    print(f"wrote {path}")
    for name, r in results.items():
        print(
            f"{name:<24} test acc {r['accuracy']:.4f}  melody-vs-rest {r['melody_vs_rest']:.4f}  "
            f"F1 {r['melody_f1']:.4f}  valid acc {valid_acc.get(name, float('nan')):.4f}"
        )
    return 0


def _features(args, hand, y, strip, suffix, results, valid_acc, seconds):
    """Gradient boosting on the hand features (the per-note baseline), fitted on a sample of train notes."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from partita.evaluation.melody_extraction import melody_metrics

    t0 = time.process_time()
    X = strip(np.concatenate(hand["train"]))
    idx = np.random.default_rng(args.seed).choice(len(X), size=min(len(X), args.feature_notes), replace=False)
    clf = HistGradientBoostingClassifier(max_iter=150, random_state=args.seed).fit(X[idx], y["train"][idx])
    seconds["features" + suffix] = time.process_time() - t0
    results["features" + suffix] = melody_metrics(y["test"], clf.predict(strip(np.concatenate(hand["test"]))))
    valid_acc["features" + suffix] = melody_metrics(
        y["valid"], clf.predict(strip(np.concatenate(hand["valid"])))
    )["accuracy"]
    log.info("features%s: test %.4f", suffix, results["features" + suffix]["accuracy"])


def _clock(hhmm: str) -> float:
    """The next ``HH:MM`` UTC as a Unix time."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    h, m = (int(x) for x in hhmm.split(":"))
    at = now.replace(hour=h, minute=m, second=0, microsecond=0)
    return (at if at > now else at + dt.timedelta(days=1)).timestamp()


def _encoder_scores(name, valid, test):
    """The shipped encoder's per-note classifier (what ``melody_mask`` used before the tagger): test
    metrics, valid accuracy and test inference seconds."""
    from partita.evaluation.melody_extraction import CLASSES, melody_metrics
    from partita.models.encoder import note_tokens
    from partita.pipelines.embed import load_encoder

    encoder = load_encoder(name)
    order = [encoder.config.labels.index(c) for c in CLASSES]

    def predict(pieces):
        return np.concatenate(
            [encoder.classify(note_tokens(p.notes, encoder.config))[:, order].argmax(1) for p in pieces]
        )

    t0 = time.monotonic()
    pred = predict(test)
    took = time.monotonic() - t0
    metrics = melody_metrics(np.concatenate([p.labels for p in test]), pred)
    valid_acc = (
        melody_metrics(np.concatenate([p.labels for p in valid]), predict(valid))["accuracy"]
        if valid
        else float("nan")
    )
    return metrics, valid_acc, took


def _card(model, results, valid, songs, cmd) -> str:
    r = results["tagger"]
    encoder = (
        f", the shipped encoder-small's classifier {results['encoder']['accuracy']:.4f}"
        if "encoder" in results
        else ""
    )
    return (
        "# POP909 melody tagger\n\n"
        f"A bidirectional GRU ({model.num_parameters()} parameters) tagging each note melody / bridge / "
        "piano.\n"
        f"Trained on the POP909 train split ({songs} songs; split_of('pop909:NNN'); 801-909 absent).\n\n"
        f"Test accuracy {r['accuracy']:.4f} (skyline {results['skyline']['accuracy']:.4f}, gradient boosting "
        f"{results['features']['accuracy'] if 'features' in results else float('nan'):.4f}{encoder}); "
        f"valid {valid:.4f}.\n\nReproduce: `{cmd}`\n"
    )


def _rows(results, seconds, cmd, songs, notes):
    where = f"{songs} held-out POP909 songs, {notes} notes"
    rows = []
    for name, peer, label in (
        ("tagger", "features", "BiGRU tagger"),
        ("tagger", "encoder", "BiGRU tagger (against the encoder's classifier)"),
        ("tagger_no_velocity", "features_no_velocity", "BiGRU tagger, no velocity"),
        ("tagger_no_velocity", "skyline", "BiGRU tagger, no velocity (against the skyline)"),
        ("features", "skyline", "gradient boosting on hand features"),
        ("features_no_velocity", "skyline", "gradient boosting on hand features, no velocity"),
    ):
        if name not in results or peer not in results:
            continue
        r, b = results[name], results[peer]
        peer_label = {
            "skyline": "skyline",
            "encoder": "the shipped encoder-small's classifier (melody_mask before the tagger)",
        }.get(peer, "gradient boosting on hand features" + (", no velocity" if "no_velocity" in peer else ""))
        rows.append(
            row(
                f"melody tagger bench, 3-class accuracy: {label}",
                r["accuracy"],
                "accuracy",
                cmd,
                peer_label,
                b["accuracy"],
                goal=GOAL,
                notes=where + f"; skyline {results['skyline']['accuracy']:.3f}; recall melody "
                f"{r['recall_melody']:.3f}, bridge {r['recall_bridge']:.3f}, piano {r['recall_piano']:.3f}",
            )
        )
        rows.append(
            row(
                f"melody tagger bench, melody vs rest: {label}",
                r["melody_vs_rest"],
                "accuracy",
                cmd,
                peer_label,
                b["melody_vs_rest"],
                notes=where + f"; melody F1 {r['melody_f1']:.3f} (peer {b['melody_f1']:.3f})",
            )
        )
    for suffix, label in (("", ""), ("_no_velocity", ", no velocity")):
        if "tagger" + suffix not in results:
            continue
        info = results["tagger" + suffix]["train"]
        rows.append(
            row(
                f"melody tagger training time{label} (1 thread, CPU seconds)",
                seconds["tagger" + suffix],
                "s",
                cmd,
                "gradient boosting fit",
                seconds.get("features" + suffix, float("nan")),
                higher_is_better=False,
                notes=f"{info['steps']} steps of 16 windows of notes; wall {info['seconds']:.0f} s on the "
                "shared "
                f"machine; test inference {seconds['tagger_inference' + suffix]:.1f} s wall",
            )
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
