"""Melody extraction on POP909, note level (issue 22, items 1 and 2): the music encoder against the skyline
and a hand-feature classifier, all measured in the same run on the same held-out songs.

Each song's MELODY, BRIDGE and PIANO tracks are merged into one note list and every note's class is predicted
(3 classes as MidiBERT-Piano: melody / bridge / piano; also melody-vs-rest). Split: the corpus's, a hash of
``pop909:NNN`` (:func:`partita.evaluation.melody_extraction.pop909_split`): 644 train / 82 valid / 74 test
songs of the 800 present (801-909 are not in the data and never used). Everything is fitted on the train
songs only; the ship decision reads the valid songs; the test songs are only scored.

- ``skyline``: the highest note sounding at each onset is melody, every other note piano (it knows no bridge);
  also the onset-only variant (highest of the notes starting at the onset).
- ``features``: scikit-learn's HistGradientBoostingClassifier on per-note hand features
  (:func:`~partita.evaluation.melody_extraction.note_features`), with and without velocity.
- ``encoder``: :class:`partita.models.encoder.MusicEncoder` pretrained by masked-note modelling on the train
  songs (random masking), then (a) a linear probe (logistic regression on the frozen per-note vectors of the
  train songs) and (b) fine-tuned with a per-note classifier; and (c) the same fine-tuning from random weights
  for the same number of steps (does pretraining help?).

    python bench/bench_melody.py --threads 1 [--pretrain-minutes 6] [--finetune-minutes 5] [--no-scratch]
                                 [--limit N] [--save src/partita/pretrained/encoder-small]
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

log = logging.getLogger("bench_melody")
SLOW = True  # trains a transformer for ~15 minutes: run only when named
COMMAND = "python bench/bench_melody.py --threads 1"
GOAL = ">= 0.90 note accuracy (MidiBERT-Piano 0.9637; skyline 0.785-0.795)"


def _probe(model, train, test, max_notes, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from partita.models.encoder import note_tokens

    def feats(pieces):
        return np.concatenate([model.encode(note_tokens(p.notes, model.config)) for p in pieces])

    t0 = time.monotonic()
    X = feats(train)
    y = np.concatenate([p.labels for p in train])
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), size=min(max_notes, len(y)), replace=False)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X[idx], y[idx])
    pred = clf.predict(feats(test))
    return pred, time.monotonic() - t0


def _encoder_predict(model, pieces):
    from partita.models.encoder import note_tokens

    return np.concatenate([model.classify(note_tokens(p.notes, model.config)).argmax(1) for p in pieces])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--limit", type=int, default=None, help="Only the first N songs of each split (a quick run)."
    )
    ap.add_argument("--pretrain-minutes", type=float, default=8.0, help="At most this many CPU minutes.")
    ap.add_argument("--finetune-minutes", type=float, default=7.0, help="At most this many CPU minutes.")
    ap.add_argument("--pretrain-steps", type=int, default=600)
    ap.add_argument("--finetune-steps", type=int, default=500)
    ap.add_argument("--no-scratch", action="store_true", help="Skip fine-tuning from random weights.")
    ap.add_argument("--no-velocity", action="store_true", help="The encoder without the velocity field.")
    ap.add_argument(
        "--feature-notes", type=int, default=300_000, help="Train notes the feature classifier sees."
    )
    ap.add_argument(
        "--probe-songs", type=int, default=200, help="Train songs whose vectors fit the linear probe."
    )
    ap.add_argument(
        "--save", default=None, help="Save the fine-tuned encoder here when it beats the skyline."
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch
    from sklearn.ensemble import HistGradientBoostingClassifier

    from partita.evaluation.melody_extraction import (
        CLASSES,
        load_pop909,
        melody_metrics,
        note_features,
        skyline_predictions,
    )
    from partita.models.encoder import EncoderConfig, MusicEncoder, note_tokens
    from partita.training.encoder import EncoderTrainConfig, finetune, pretrain

    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.monotonic()
    quick = args.limit is not None
    cmd = COMMAND + (f" --limit {args.limit}" if quick else "")
    train, valid, test = (load_pop909(s, limit=args.limit) for s in ("train", "valid", "test"))
    y_test = np.concatenate([p.labels for p in test])
    y_valid = np.concatenate([p.labels for p in valid])
    log.info(
        "songs: %d train, %d valid, %d test (%d test notes)", len(train), len(valid), len(test), len(y_test)
    )
    results: dict[str, dict] = {}
    seconds: dict[str, float] = {}

    for held, name in ((True, "skyline"), (False, "skyline_onset")):
        results[name] = melody_metrics(
            y_test, np.concatenate([skyline_predictions(p.notes, held) for p in test])
        )
    valid_skyline = melody_metrics(y_valid, np.concatenate([skyline_predictions(p.notes) for p in valid]))

    for use_velocity, name in ((True, "features"), (False, "features_no_velocity")):
        t0 = time.monotonic()
        X = np.concatenate([note_features(p.notes, use_velocity) for p in train])
        y = np.concatenate([p.labels for p in train])
        idx = np.random.default_rng(args.seed).choice(
            len(y), size=min(len(y), args.feature_notes), replace=False
        )
        clf = HistGradientBoostingClassifier(max_iter=150, random_state=args.seed).fit(X[idx], y[idx])
        pred = clf.predict(np.concatenate([note_features(p.notes, use_velocity) for p in test]))
        results[name] = melody_metrics(y_test, pred)
        seconds[name] = time.monotonic() - t0  # wall
        log.info("%s: %.4f (%.0f s)", name, results[name]["accuracy"], seconds[name])

    config = EncoderConfig(use_velocity=not args.no_velocity)
    tokens = [note_tokens(p.notes, config) for p in train]
    labels = [p.labels for p in train]
    model = MusicEncoder(config)
    pre_cfg = EncoderTrainConfig(
        steps=args.pretrain_steps,
        batch_size=16,
        lr=5e-4,
        warmup=50,
        cpu_limit_s=60 * args.pretrain_minutes,
        transpose=3,
        seed=args.seed,
    )
    pre = pretrain(model, tokens, pre_cfg)
    seconds["pretrain"] = pre["seconds"]
    log.info(
        "pretrained %d steps in %.0f s, loss %.3f -> %.3f",
        pre["steps"],
        pre["seconds"],
        pre["first_loss"],
        pre["final_loss"],
    )

    probe_pred, seconds["probe"] = _probe(model, train[: args.probe_songs], test, 200_000, args.seed)
    results["encoder_probe"] = melody_metrics(y_test, probe_pred)

    tuned = copy.deepcopy(model).with_classifier(CLASSES)
    ft_cfg = EncoderTrainConfig(
        steps=args.finetune_steps,
        batch_size=16,
        lr=3e-4,
        warmup=30,
        cpu_limit_s=60 * args.finetune_minutes,
        transpose=3,
        seed=args.seed,
    )
    ft = finetune(tuned, tokens, labels, ft_cfg)
    seconds["finetune"] = ft["seconds"]
    results["encoder_finetuned"] = melody_metrics(y_test, _encoder_predict(tuned, test))
    valid_tuned = melody_metrics(y_valid, _encoder_predict(tuned, valid))
    log.info("fine-tuned %d steps: test %.4f", ft["steps"], results["encoder_finetuned"]["accuracy"])

    if not args.no_scratch:
        scratch = MusicEncoder(EncoderConfig(**{**config.to_dict(), "labels": ()})).with_classifier(CLASSES)
        sc_cfg = EncoderTrainConfig(**{**ft_cfg.to_dict(), "steps": ft["steps"], "cpu_limit_s": None})
        sc = finetune(scratch, tokens, labels, sc_cfg)
        seconds["scratch"] = sc["seconds"]
        results["encoder_scratch"] = melody_metrics(y_test, _encoder_predict(scratch, test))

    shipped = False
    if args.save and valid_tuned["accuracy"] > valid_skyline["accuracy"]:
        tuned.save_pretrained(
            args.save,
            card={
                "name": Path(args.save).name,
                "data": f"POP909 train split ({len(train)} songs; split_of('pop909:NNN'); 801-909 absent)",
                "reproduce": COMMAND + f" --save {args.save}",
                "metrics": {
                    "test_accuracy": results["encoder_finetuned"]["accuracy"],
                    "test_melody_vs_rest": results["encoder_finetuned"]["melody_vs_rest"],
                    "test_skyline_accuracy": results["skyline"]["accuracy"],
                    "test_skyline_melody_vs_rest": results["skyline"]["melody_vs_rest"],
                    "valid_accuracy": valid_tuned["accuracy"],
                },
            },
        )
        shipped = True

    rows = _rows(results, seconds, pre, ft, cmd, len(test), len(y_test))
    extra = {
        "split": "split_of('pop909:NNN'): train/valid/test by a hash of the song id (80/10/10)",
        "songs": {"train": len(train), "valid": len(valid), "test": len(test)},
        "results": results,
        "valid": {"skyline": valid_skyline, "encoder_finetuned": valid_tuned},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "pretrain": pre,
        "finetune": ft,
        "encoder_config": config.to_dict(),
        "parameters": model.num_parameters(),
        "shipped": shipped,
        "wall_seconds": round(time.monotonic() - t_start, 1),
    }
    path = write_result("melody", "Melody extraction on POP909 (note level)", rows, quick=quick, extra=extra)
    print(f"wrote {path}")
    for name, r in results.items():
        print(
            f"{name:<22} acc {r['accuracy']:.4f}  melody-vs-rest {r['melody_vs_rest']:.4f}  "
            f"F1 {r['melody_f1']:.4f}"
        )
    return 0


def _rows(results, seconds, pre, ft, cmd, songs, notes):
    sky = results["skyline"]
    where = f"{songs} held-out POP909 songs, {notes} notes"
    rows = []
    for name, label in (
        ("encoder_finetuned", "fine-tuned encoder"),
        ("encoder_probe", "encoder, linear probe"),
        ("encoder_scratch", "encoder from random weights (no pretraining), same steps"),
        ("features", "gradient boosting on hand features"),
        ("features_no_velocity", "gradient boosting on hand features, no velocity"),
        ("skyline_onset", "skyline, notes starting at the onset only"),
    ):
        if name not in results:
            continue
        r = results[name]
        rows.append(
            row(
                f"melody extraction accuracy, 3 classes: {label}",
                r["accuracy"],
                "accuracy",
                cmd,
                "skyline",
                sky["accuracy"],
                goal=GOAL,
                notes=where,
            )
        )
        rows.append(
            row(
                f"melody vs rest accuracy: {label}",
                r["melody_vs_rest"],
                "accuracy",
                cmd,
                "skyline",
                sky["melody_vs_rest"],
                notes=where + f"; melody F1 {r['melody_f1']:.3f}",
            )
        )
    rows.append(
        row(
            "encoder pretraining time (1 thread, CPU seconds)",
            pre["cpu_seconds"],
            "s",
            cmd,
            higher_is_better=False,
            notes=f"wall {pre['seconds']:.0f} s on the shared machine; {pre['steps']} steps of 16 windows "
            f"of 256 notes; MLM loss {pre['first_loss']:.2f} -> "
            f"{pre['final_loss']:.2f}",
        )
    )
    rows.append(
        row(
            "encoder fine-tuning time (1 thread, CPU seconds)",
            ft["cpu_seconds"],
            "s",
            cmd,
            higher_is_better=False,
            notes=f"wall {ft['seconds']:.0f} s; {ft['steps']} steps of 16 windows",
        )
    )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
