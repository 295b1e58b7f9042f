"""Instruments in a mixture (issue 24 item 4): which instrument families a few seconds of audio hold.

An Nlakh-like set made here: 4 s windows of corpus pieces with several parts (split of the built corpus
``all``; collections ``bach``, ``palestrina``, ``pop909``), 1-4 of their tracks each given a different family
of 10 (two GM programs each, chosen at random; notes moved by octaves into the family's range, velocities
scaled at random), rendered by FluidSynth (FluidR3_GM). Training mixtures come from TRAIN-split pieces only,
test mixtures from TEST-split pieces. Measured on the test mixtures in one run: micro/macro F1 and mAP
(sklearn's average_precision_score) of the learned recogniser, of the spectral-template baseline (NNLS of
the compressed mean mel spectrum on per-family templates fitted to the training mixtures), of logistic
regression on each clip's pooled log-mel (mean and deviation per band: a learned linear baseline) and of a
prior (the training set's most frequent families, scored by their frequency); thresholds chosen on
VALID-split mixtures; retrieval precision@10 per family; the training time. Renders are cached under
``--cache`` (default ~/.cache/partita/instruments).

    python bench/bench_instruments.py --threads 1 [--train-mixtures 2000] [--test-mixtures 300]
        [--steps 2000] [--save src/partita/pretrained/instruments-small]
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

log = logging.getLogger("bench_instruments")
COMMAND = "nice python bench/bench_instruments.py --threads 1"
SLOW = True
"""About 9 minutes on the shared 2-core machine from nothing, 4.5 with the first part's renders cached
(~/.cache/partita/instruments): FluidSynth rendering, features, two trainings of 41 s."""
COLLECTIONS = ("bach", "palestrina", "pop909")


def pick_pieces(split: str, n: int, seed: int) -> list[tuple[str, object]]:
    """Up to ``n`` pieces of the split with at least two pitched tracks, spread over the collections."""
    from partita.corpus import load_corpus

    corpus = load_corpus("all", split=split)
    rng = np.random.default_rng(seed)
    out = []
    for k, coll in enumerate(COLLECTIONS):
        want = n // len(COLLECTIONS) + (1 if k < n % len(COLLECTIONS) else 0)
        pool = [r for r in corpus.records() if r["collection"] == coll and (r.get("n_tracks") or 0) >= 2]
        for i in rng.permutation(len(pool))[:want].tolist():
            out.append((pool[i]["piece_id"], corpus.read_piece(pool[i]["piece_id"])))
    return out


def render(score, path: Path) -> np.ndarray:
    from partita.audio import read_audio
    from partita.discovery.instruments_audio import SAMPLE_RATE
    from partita.render import write_wav

    wav = write_wav(score, path, sample_rate=SAMPLE_RATE)
    return read_audio(wav, sample_rate=SAMPLE_RATE).samples


def dataset(
    split: str, pieces: int, mixtures: int, seed: int, cache: Path, variants: tuple[int, ...] = (0, 1)
) -> tuple[list, list, list]:
    """(mixtures, log-mels, mean spectra) of a split."""
    from partita.discovery import instruments_audio as I

    chosen = pick_pieces(split, pieces, seed)
    mixes = I.make_mixtures(chosen, mixtures, I.MixtureConfig(seed=seed + 1, variants=variants))
    audio = I.render_mixtures(mixes, render, cache)
    powers = [I.mel_power(a) for a in audio]
    log.info("%s: %d mixtures of %d pieces", split, len(mixes), len({m.piece for m in mixes}))
    return mixes, [I.log_mel(p) for p in powers], [I.spectrum(p) for p in powers]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-pieces", type=int, default=300)
    ap.add_argument("--test-pieces", type=int, default=60)
    ap.add_argument("--train-mixtures", type=int, default=2000)
    ap.add_argument("--test-mixtures", type=int, default=300)
    ap.add_argument("--valid-pieces", type=int, default=40, help="thresholds are chosen on these")
    ap.add_argument("--valid-mixtures", type=int, default=200)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-train-minutes", type=float, default=6.0, help="training's wall-clock cap")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "partita" / "instruments")
    ap.add_argument("--save", default=None, help="write the trained recogniser to this folder")
    ap.add_argument("--name", default="instruments")
    ap.add_argument("--no-unseen", action="store_true", help="skip the run on programs unseen in training")
    ap.add_argument("--quick", action="store_true", help="40/20 pieces, 200/80 mixtures, 200 steps")
    args = ap.parse_args()
    if args.quick:
        args.train_pieces, args.test_pieces, args.train_mixtures, args.test_mixtures = 40, 20, 200, 80
        args.valid_pieces, args.valid_mixtures, args.steps, args.save = 20, 80, 200, None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    data = datasets(args, (0, 1))
    t_data = time.perf_counter() - t_all
    out, model, config = evaluate(*data, args)
    rows = make_rows(out, args, config, "")
    unseen = None
    if not args.no_unseen:  # train and choose thresholds on each family's first program, test on its second
        seen = datasets(args, (0,))
        held = datasets(args, (1,))
        unseen, _, config1 = evaluate(seen[0], seen[1], held[2], args)
        rows += make_rows(unseen, args, config1, ", programs unseen in training")
    if args.save:
        config.metrics = {
            k: round(out["metrics"]["model"][k], 3)
            for k in ("micro_f1", "macro_f1", "micro_map", "macro_map")
        }
        config.metrics["bench"] = f"{out['test_mixtures']} test-split mixtures: bench_instruments.py"
        model.save_pretrained(args.save)
    path = write_result(
        args.name,
        "Instruments in a mixture: learned recogniser vs spectral templates vs the prior",
        rows,
        quick=args.quick,
        extra={
            "families": list(config.families),
            "all_programs": out,
            "unseen_programs": unseen,
            "config": {k: v for k, v in vars(config).items() if k != "metrics"},
            "data_seconds": t_data,
            "seconds": time.perf_counter() - t_all,
        },
    )
    print(path)


def datasets(args, variants: tuple[int, ...]) -> tuple:
    """(mixtures, log-mels, spectra) of the train, valid and test splits, on the programs ``variants``."""
    return tuple(
        dataset(split, pieces, n, args.seed + offset, args.cache, variants)
        for split, pieces, n, offset in (
            ("train", args.train_pieces, args.train_mixtures, 0),
            ("valid", args.valid_pieces, args.valid_mixtures, 20),
            ("test", args.test_pieces, args.test_mixtures, 10),
        )
    )


def evaluate(train, valid, test, args) -> tuple[dict, object, object]:
    """Train the recogniser, the templates and the linear probe on ``train``, choose thresholds on
    ``valid``, measure on ``test`` (each a (mixtures, log-mels, spectra) triple)."""
    from partita.discovery import instruments_audio as I

    fams = list(I.FAMILIES)
    y_train, y_valid, y_test = (np.stack([m.labels(fams) for m in d[0]]) for d in (train, valid, test))
    config = I.InstrumentConfig(steps=args.steps, seed=args.seed)
    programs = sorted({p for m in train[0] for p in m.programs})
    config.trained_on = (
        f"corpus all, split train: {len(train[0])} mixtures of 4 s from {len({m.piece for m in train[0]})} "
        f"pieces of {', '.join(COLLECTIONS)}, 1-4 of {len(fams)} families (GM programs {programs}), "
        "FluidSynth FluidR3_GM"
    )
    t0 = time.perf_counter()
    model = I.train_instruments(train[1], y_train, config, time_limit=args.max_train_minutes * 60)
    t_train = time.perf_counter() - t0
    config.threshold = I.best_threshold(y_valid, np.stack([model.probabilities(m) for m in valid[1]]))
    templates = I.TemplateModel.fit(np.stack(train[2]), y_train, fams)
    templates.threshold = I.best_threshold(y_valid, templates.scores(np.stack(valid[2])))
    linear = linear_probe(train[1], y_train)
    scores = {
        "model": np.stack([model.probabilities(m) for m in test[1]]),
        "template": templates.scores(np.stack(test[2])),
        "linear": linear(test[1]),
        "prior": np.tile(y_train.mean(0), (len(test[0]), 1)),
    }
    thresholds = {
        "model": config.threshold,
        "template": templates.threshold,
        "linear": I.best_threshold(y_valid, linear(valid[1])),
    }
    predicted = {k: scores[k] >= t for k, t in thresholds.items()}
    predicted["prior"] = np.zeros_like(scores["prior"], dtype=bool)
    predicted["prior"][:, np.argsort(-y_train.mean(0))[: int(round(y_train.sum(1).mean()))]] = True
    n_inst = y_test.sum(1).astype(int)
    out = {
        "metrics": {k: I.multilabel_metrics(y_test, scores[k], predicted[k]) for k in scores},
        "precision_at_10": {
            k: I.precision_at(scores[k], y_test, fams) for k in ("model", "template", "linear")
        },
        "by_instruments": {
            int(k): {
                "mixtures": int(np.sum(n_inst == k)),
                **{
                    f"{m}_micro_f1": I.multilabel_metrics(
                        y_test[n_inst == k], scores[m][n_inst == k], predicted[m][n_inst == k]
                    )["micro_f1"]
                    for m in ("model", "template", "linear")
                },
            }
            for k in sorted(set(n_inst.tolist()))
        },
        "thresholds (chosen on valid-split mixtures)": thresholds,
        "train_mixtures": len(train[0]),
        "test_mixtures": len(test[0]),
        "test_pieces": len({m.piece for m in test[0]}),
        "test_programs": sorted({p for m in test[0] for p in m.programs}),
        "train_seconds": t_train,
    }
    return out, model, config


def linear_probe(mels, labels):
    """A second, learned baseline: logistic regression per family on each clip's mean and standard
    deviation of log-mel frames; returns a function from log-mels to probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def pooled(ms):
        return np.stack([np.concatenate([m.mean(1), m.std(1)]) for m in ms])

    clf = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=2000)))
    clf.fit(pooled(mels), labels)
    return lambda ms: clf.predict_proba(pooled(ms))


def make_rows(out: dict, args, config, tag: str) -> list[dict]:
    command = COMMAND + (" --quick" if args.quick else "")
    res, p_at = out["metrics"], out["precision_at_10"]
    note = (
        f"{out['test_mixtures']} mixtures of 4 s from {out['test_pieces']} test-split pieces (1-4 of 10 "
        f"families, programs at random among GM {out['test_programs']})"
    )
    rows = []
    for key, label in (
        ("micro_f1", "micro F1"),
        ("macro_f1", "macro F1"),
        ("micro_map", "micro mAP"),
        ("macro_map", "macro mAP"),
    ):
        rows.append(
            row(
                f"instruments in a mixture{tag}: {label}, learned",
                res["model"][key],
                "share",
                command,
                "spectral templates (NNLS)",
                res["template"][key],
                notes=(note + "; " if not rows else "")
                + f"logistic regression on pooled log-mel: {res['linear'][key]:.3f}; prior (most frequent "
                f"families): {res['prior'][key]:.3f}",
            )
        )
    fams = list(p_at["model"])
    rows.append(
        row(
            f"instruments in a mixture{tag}: retrieval precision@10, mean over families, learned",
            float(np.mean(list(p_at["model"].values()))),
            "share",
            command,
            "spectral templates (NNLS)",
            float(np.mean(list(p_at["template"].values()))),
            notes=f"logistic regression {np.mean(list(p_at['linear'].values())):.3f}; per family "
            "(learned/templates/logistic): "
            + ", ".join(
                f"{f} {p_at['model'][f]:.1f}/{p_at['template'][f]:.1f}/{p_at['linear'][f]:.1f}" for f in fams
            ),
        )
    )
    for k, v in out["by_instruments"].items():
        rows.append(
            row(
                f"instruments in a mixture{tag}: micro F1 on {k}-instrument mixtures, learned",
                v["model_micro_f1"],
                "share",
                command,
                "spectral templates (NNLS)",
                v["template_micro_f1"],
                notes=f"{v['mixtures']} mixtures; logistic regression {v['linear_micro_f1']:.3f}",
            )
        )
    rows.append(
        row(
            f"instruments in a mixture{tag}: training time ({args.threads} thread(s) on the 2-core machine)",
            out["train_seconds"],
            "s",
            command,
            higher_is_better=False,
            notes=f"{config.steps} steps, batch {config.batch}, {out['train_mixtures']} train-split mixtures",
        )
    )
    return rows


if __name__ == "__main__":
    main()
