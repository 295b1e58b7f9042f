"""Instruments in a mixture (issue 24 item 4): which instrument families a few seconds of audio hold.

An Nlakh-like set made here: 4 s windows of corpus pieces with several parts (split of the built corpus
``all``; collections ``bach``, ``palestrina``, ``pop909``), 1-4 of their tracks each given a different family
of 10 (notes moved by octaves into the family's range, velocities scaled at random), rendered by
FluidSynth. Training mixtures come from TRAIN-split pieces only, test mixtures from TEST-split pieces, and
test (and valid) mixtures are always played on each family's two named programs (``FAMILIES``) with
FluidR3_GM. The recipe: training mixtures on the two named programs (the shipped model's) or, with
``--programs all``, on every GM program of a family (``PROGRAMS``), rendered with each of ``--soundfonts``
(FluidR3_GM by default), with ``--named-share`` the chance that a track plays its family's named programs
(the rest of the pool sharing the other draws; saved in the recogniser's config), with ``--augment`` random
EQ, reverberation and noise on the training crops. Two runs:

- programs seen in training: trained on the pools, tested on the named programs;
- programs unseen in training: each family's second named program is held out of training (and of the
  valid mixtures that choose thresholds) and is all the test mixtures play.

Each run measures micro/macro F1 and mAP (sklearn's average_precision_score) of the learned recogniser, of
the spectral-template baseline (NNLS of the compressed mean mel spectrum on per-family templates fitted to
the training mixtures), of logistic regression on each clip's pooled log-mel (a learned linear baseline)
and of a prior (the training set's most frequent families, scored by their frequency); thresholds chosen on
VALID-split mixtures; retrieval precision@10 per family; the training time; with ``--test-soundfonts``,
the same on the test mixtures played with soundfonts neither training nor thresholds heard (e.g.
``MuseScore_General``, Debian's). A recipe other than the shipped one is compared with it (the two named
programs, FluidR3_GM alone, no augmentation, ``--previous-mixtures`` and ``--previous-steps``: 2000 each),
trained and measured in the same run, unless ``--no-previous``. Renders are cached under ``--cache`` (default
~/.cache/partita/instruments), one folder per soundfont.

    python bench/bench_instruments.py --threads 1 [--train-mixtures 2000] [--test-mixtures 300]
        [--steps 2000] [--programs all|two] [--soundfonts FluidR3_GM[,TimGM6mb]] [--named-share 0.5]
        [--augment 12,0.3,0.3] [--test-soundfonts MuseScore_General] [--runs seen,unseen] [--no-previous]
        [--save src/partita/pretrained/instruments-small]
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
"""About 25 minutes on a quiet 2-core machine from nothing (FluidSynth renders 9,000 mixtures), 8 with the
renders cached (~/.cache/partita/instruments): features, four trainings of about a minute. Under a load
of 20 processes a training took 25-30 minutes: ``--runs seen`` and ``--runs unseen --name ...`` split it in
two processes."""
COLLECTIONS = ("bach", "palestrina", "pop909")
RUNS = (("", False, "seen"), (", programs unseen in training", True, "unseen"))
"""(row tag, programs held out of training, name for --runs)."""
SOUNDFONTS = {
    "FluidR3_GM": None,  # partita's default soundfont (partita.render.find_soundfont)
    "TimGM6mb": "pretty_midi",  # ships inside the pretty_midi wheel
    "MuseScore_General": "/usr/share/sounds/sf3/MuseScore_General.sf3",  # Debian's musescore-general
}
"""Soundfonts by name: None for the default, a package name for one shipped in it, or a path."""


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


def soundfont_path(name: str) -> Path:
    """The soundfont file of a name in :data:`SOUNDFONTS` (or a path to an .sf2/.sf3 file)."""
    from partita.render import find_soundfont

    where = SOUNDFONTS.get(name, name)
    if where is None:
        return find_soundfont()
    if where in ("pretty_midi",):
        import importlib

        return Path(importlib.import_module(where).__file__).parent / f"{name}.sf2"
    return Path(where)


def renderer(soundfont: Path):
    """A ``render(score, wav_path) -> samples`` function on ``soundfont``."""

    def render(score, path: Path) -> np.ndarray:
        from partita.audio import read_audio
        from partita.discovery.instruments_audio import SAMPLE_RATE
        from partita.render import write_wav

        wav = write_wav(score, path, soundfont=soundfont, sample_rate=SAMPLE_RATE)
        return read_audio(wav, sample_rate=SAMPLE_RATE).samples

    return render


def pools(kind: str, hold_out: bool) -> dict[str, tuple[int, ...]]:
    """Each family's training programs: every one of its GM group (``all``) or its two named programs
    (``two``), less its second named program when ``hold_out``."""
    from partita.discovery.instruments_audio import FAMILIES, PROGRAMS

    source = PROGRAMS if kind == "all" else FAMILIES
    return {f: tuple(p for p in source[f] if not (hold_out and p == FAMILIES[f][1])) for f in FAMILIES}


def named(variants: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Each family's named programs ``variants`` (0, 1 or both): what valid and test mixtures play."""
    from partita.discovery.instruments_audio import FAMILIES

    return {f: tuple(p[v] for v in variants) for f, p in FAMILIES.items()}


_PIECES: dict[tuple, list] = {}


def dataset(
    split: str,
    pieces: int,
    mixtures: int,
    seed: int,
    cache: Path,
    programs: dict,
    soundfont: str,
    named_share: float | None = None,
):
    """(mixtures, log-mels, mean spectra) of a split, on ``programs`` (the named ones drawn with the chance
    ``named_share`` when given), rendered with ``soundfont``."""
    from partita.discovery import instruments_audio as I

    if (split, pieces, seed) not in _PIECES:
        _PIECES[(split, pieces, seed)] = pick_pieces(split, pieces, seed)
    chosen = _PIECES[(split, pieces, seed)]
    config = I.MixtureConfig(seed=seed + 1, programs=programs, named_share=named_share)
    mixes = I.make_mixtures(chosen, mixtures, config)
    path = soundfont_path(soundfont)
    audio = I.render_mixtures(mixes, renderer(path), cache / path.stem)
    powers = [I.mel_power(a) for a in audio]
    log.info("%s: %d mixtures of %d pieces (%s)", split, len(mixes), len({m.piece for m in mixes}), path.stem)
    return mixes, [I.log_mel(p) for p in powers], [I.spectrum(p) for p in powers]


def joined(parts: list[tuple]) -> tuple:
    """One (mixtures, log-mels, spectra) triple of several."""
    return tuple(sum((list(p[k]) for p in parts), []) for k in range(3))


def datasets(args, kind: str, soundfonts: list[str], unseen: bool, previous: bool = False) -> tuple:
    """(train, valid, test, other test soundfonts) : training on ``kind``'s pools rendered with each of
    ``soundfonts`` (``--train-mixtures`` and ``--named-share``, or the shipped recipe's numbers when
    ``previous``); valid and test on the named programs with the default soundfont, or, when ``unseen``,
    valid on the pools with the held-out programs taken out and test on the held-out programs alone; the
    same test mixtures rendered with each of ``--test-soundfonts`` (a dict)."""
    train = joined(
        [
            dataset(
                "train",
                args.train_pieces,
                args.previous_mixtures if previous else args.train_mixtures,
                args.seed,
                args.cache,
                pools(kind, unseen),
                sf,
                None if previous else args.named_share,
            )
            for sf in soundfonts
        ]
    )
    valid_programs = pools(kind, True) if unseen else named((0, 1))
    valid = dataset(
        "valid",
        args.valid_pieces,
        args.valid_mixtures,
        args.seed + 20,
        args.cache,
        valid_programs,
        "FluidR3_GM",
    )
    test_programs = named((1,)) if unseen else named((0, 1))
    test, *others = (
        dataset("test", args.test_pieces, args.test_mixtures, args.seed + 10, args.cache, test_programs, sf)
        for sf in ("FluidR3_GM", *args.test_soundfonts)
    )
    return train, valid, test, dict(zip(args.test_soundfonts, others, strict=True))


def recipe(args, previous: bool):
    """The recogniser's config: this run's (with ``--augment`` and ``--named-share`` if given), or the
    shipped one's (no augmentation, ``--previous-steps``)."""
    from partita.discovery import instruments_audio as I

    config = I.InstrumentConfig(steps=args.previous_steps if previous else args.steps, seed=args.seed)
    if previous:
        config.eq_db, config.reverb_prob, config.noise_prob = 0.0, 0.0, 0.0
        return config
    config.named_share = args.named_share
    if args.augment:
        config.eq_db, config.reverb_prob, config.noise_prob = (float(v) for v in args.augment.split(","))
    return config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-pieces", type=int, default=300)
    ap.add_argument("--test-pieces", type=int, default=60)
    ap.add_argument("--train-mixtures", type=int, default=2000, help="per training soundfont")
    ap.add_argument("--test-mixtures", type=int, default=300)
    ap.add_argument("--valid-pieces", type=int, default=40, help="thresholds are chosen on these")
    ap.add_argument("--valid-mixtures", type=int, default=200)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument(
        "--named-share",
        type=float,
        default=None,
        help="with --programs all: the chance a track plays its family's named programs (default: evenly)",
    )
    ap.add_argument("--previous-mixtures", type=int, default=2000, help="the shipped recipe's, per run")
    ap.add_argument("--previous-steps", type=int, default=2000, help="the shipped recipe's")
    ap.add_argument(
        "--previous-from",
        default=None,
        help="on programs seen in training, measure these saved weights (e.g. the shipped "
        "src/partita/pretrained/instruments-small) rather than training the shipped recipe again",
    )
    ap.add_argument(
        "--test-soundfonts",
        default="",
        help="also measure on the test mixtures rendered with these (e.g. MuseScore_General)",
    )
    ap.add_argument("--programs", choices=("all", "two"), default="two", help="training programs per family")
    ap.add_argument("--soundfonts", default="FluidR3_GM", help="training soundfonts (names or paths)")
    ap.add_argument(
        "--augment",
        default=None,
        help="EQ_DB,REVERB_PROB,NOISE_PROB for the training crops (e.g. 12,0.3,0.3)",
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-train-minutes", type=float, default=8.0, help="each training's wall-clock cap")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "partita" / "instruments")
    ap.add_argument("--save", default=None, help="write the trained recogniser to this folder")
    ap.add_argument("--name", default="instruments")
    ap.add_argument(
        "--runs", default="seen,unseen", help="seen, unseen or both: two processes may split them (--name)"
    )
    ap.add_argument("--no-previous", action="store_true", help="skip training the shipped recipe beside")
    ap.add_argument("--quick", action="store_true", help="40/20 pieces, 200/80 mixtures, 200 steps")
    args = ap.parse_args()
    if args.quick:
        args.train_pieces, args.test_pieces, args.train_mixtures, args.test_mixtures = 40, 20, 200, 80
        args.valid_pieces, args.valid_mixtures, args.steps, args.save = 20, 80, 200, None
        args.previous_mixtures, args.previous_steps = 200, 200
    if args.named_share is not None and not 0.0 <= args.named_share <= 1.0:
        ap.error("--named-share must be within 0..1")
    args.test_soundfonts = [s for s in args.test_soundfonts.split(",") if s]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    soundfonts = [s for s in args.soundfonts.split(",") if s]
    wanted = set(args.runs.split(","))
    runs = [(tag, unseen) for tag, unseen, name in RUNS if name in wanted]
    if not runs:
        ap.error("--runs names none of seen, unseen")
    rows, results, shipped = [], {}, None
    shipped_recipe = (args.programs, soundfonts, args.augment, args.steps, args.train_mixtures) == (
        "two",
        ["FluidR3_GM"],
        None,
        args.previous_steps,
        args.previous_mixtures,
    )
    for tag, unseen in runs:
        sets = datasets(args, args.programs, soundfonts, unseen)
        out, model, config = evaluate(*sets, args, recipe(args, False), soundfonts)
        rows += make_rows(out, args, config, tag)
        results["unseen_programs" if unseen else "seen_programs"] = out
        if not unseen:
            shipped = (out, model, config)
        if not args.no_previous and not shipped_recipe and args.previous_from and not unseen:
            before = weights_measured(args.previous_from, sets)
            rows += previous_rows(out, before, args, tag)
            results["previous_recipe_seen"] = before
        elif not args.no_previous and not shipped_recipe:
            old = ["FluidR3_GM"]
            sets = datasets(args, "two", old, unseen, previous=True)
            before, _, _ = evaluate(*sets, args, recipe(args, True), old)
            rows += previous_rows(out, before, args, tag)
            results["previous_recipe" + ("_unseen" if unseen else "_seen")] = before
    out, model, config = shipped or (results["unseen_programs"], model, config)
    which = " and ".join(sorted(wanted & {"seen", "unseen"}))
    if args.save and shipped:
        config.metrics = {
            k: round(out["metrics"]["model"][k], 3)
            for k in ("micro_f1", "macro_f1", "micro_map", "macro_map")
        }
        if "unseen_programs" in results:
            config.metrics["unseen_programs_micro_f1"] = round(
                results["unseen_programs"]["metrics"]["model"]["micro_f1"], 3
            )
        config.metrics["bench"] = f"{out['test_mixtures']} test-split mixtures: bench_instruments.py"
        model.save_pretrained(args.save)
    path = write_result(
        args.name,
        f"Instruments in a mixture, trained on {'every GM program' if args.programs == 'all' else 'two'} "
        f"of a family on {', '.join(soundfonts)}{', augmented' if args.augment else ''}: learned recogniser "
        f"vs spectral templates vs the prior, on programs {which} in training",
        rows,
        quick=args.quick,
        extra={
            "families": list(config.families),
            "programs": args.programs,
            "soundfonts": soundfonts,
            **results,
            "config": {k: v for k, v in vars(config).items() if k != "metrics"},
            "seconds": time.perf_counter() - t_all,
        },
    )
    print(path)


def evaluate(train, valid, test, others, args, config, soundfonts: list[str]) -> tuple[dict, object, object]:
    """Train the recogniser (``config``), the templates and the linear probe on ``train``, choose thresholds
    on ``valid``, measure on ``test`` and on each of ``others`` (the test mixtures on other soundfonts; each
    a (mixtures, log-mels, spectra) triple)."""
    from partita.discovery import instruments_audio as I

    fams = list(I.FAMILIES)
    y_train, y_valid = (np.stack([m.labels(fams) for m in d[0]]) for d in (train, valid))
    programs = sorted({p for m in train[0] for p in m.programs})
    config.trained_on = (
        f"corpus all, split train: {len(train[0])} mixtures of 4 s from {len({m.piece for m in train[0]})} "
        f"pieces of {', '.join(COLLECTIONS)}, 1-4 of {len(fams)} families (GM programs {programs}), "
        f"FluidSynth with {', '.join(soundfonts)}"
    )
    t0 = time.perf_counter()
    model = I.train_instruments(train[1], y_train, config, time_limit=args.max_train_minutes * 60)
    t_train = time.perf_counter() - t0
    config.threshold = I.best_threshold(y_valid, np.stack([model.probabilities(m) for m in valid[1]]))
    templates = I.TemplateModel.fit(np.stack(train[2]), y_train, fams)
    templates.threshold = I.best_threshold(y_valid, templates.scores(np.stack(valid[2])))
    linear = linear_probe(train[1], y_train)
    scorers = {
        "model": lambda d: np.stack([model.probabilities(m) for m in d[1]]),
        "template": lambda d: templates.scores(np.stack(d[2])),
        "linear": lambda d: linear(d[1]),
    }
    thresholds = {
        "model": config.threshold,
        "template": templates.threshold,
        "linear": I.best_threshold(y_valid, linear(valid[1])),
    }
    out = {
        **measured(test, scorers, thresholds, y_train),
        "thresholds (chosen on valid-split mixtures)": thresholds,
        "train_mixtures": len(train[0]),
        "test_mixtures": len(test[0]),
        "test_pieces": len({m.piece for m in test[0]}),
        "test_programs": sorted({p for m in test[0] for p in m.programs}),
        "train_seconds": t_train,
        "other_soundfonts": {sf: measured(d, scorers, thresholds, y_train) for sf, d in others.items()},
    }
    return out, model, config


def measured(test, scorers: dict, thresholds: dict, y_train: np.ndarray | None) -> dict:
    """Metrics, precision@10 and micro F1 by number of instruments of each scorer (and of the prior, the
    training set's most frequent families, when ``y_train`` is given) on ``test`` (a (mixtures, log-mels,
    spectra) triple)."""
    from partita.discovery import instruments_audio as I

    fams = list(I.FAMILIES)
    y_test = np.stack([m.labels(fams) for m in test[0]])
    scores = {k: f(test) for k, f in scorers.items()}
    predicted = {k: scores[k] >= t for k, t in thresholds.items()}
    if y_train is not None:
        scores["prior"] = np.tile(y_train.mean(0), (len(test[0]), 1))
        predicted["prior"] = np.zeros_like(scores["prior"], dtype=bool)
        predicted["prior"][:, np.argsort(-y_train.mean(0))[: int(round(y_train.sum(1).mean()))]] = True
    n_inst = y_test.sum(1).astype(int)
    return {
        "metrics": {k: I.multilabel_metrics(y_test, scores[k], predicted[k]) for k in scores},
        "precision_at_10": {k: I.precision_at(scores[k], y_test, fams) for k in scorers},
        "by_instruments": {
            int(k): {
                "mixtures": int(np.sum(n_inst == k)),
                **{
                    f"{m}_micro_f1": I.multilabel_metrics(
                        y_test[n_inst == k], scores[m][n_inst == k], predicted[m][n_inst == k]
                    )["micro_f1"]
                    for m in scorers
                },
            }
            for k in sorted(set(n_inst.tolist()))
        },
    }


def weights_measured(folder: str, sets: tuple) -> dict:
    """A saved recogniser (its own threshold) on the test mixtures of ``sets`` (train, valid, test,
    others): the shipped weights as the baseline, without training the shipped recipe again."""
    from partita.discovery import instruments_audio as I

    model = I.InstrumentModel.from_pretrained(folder)
    _, _, test, others = sets
    scorers = {"model": lambda d: np.stack([model.probabilities(m) for m in d[1]])}
    thresholds = {"model": model.config.threshold}
    return {
        **measured(test, scorers, thresholds, None),
        "weights": str(folder),
        "trained_on": model.config.trained_on,
        "other_soundfonts": {sf: measured(d, scorers, thresholds, None) for sf, d in others.items()},
    }


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


def command_of(args) -> str:
    """The command that reproduces this run's rows (the flags that change what is measured)."""
    flags = [("--quick", args.quick), (f"--programs {args.programs}", args.programs != "two")]
    flags += [(f"--soundfonts {args.soundfonts}", args.soundfonts != "FluidR3_GM")]
    flags += [
        (f"--train-mixtures {args.train_mixtures}", args.train_mixtures != 2000 and not args.quick),
        (f"--steps {args.steps}", args.steps != 2000 and not args.quick),
        (f"--named-share {args.named_share}", args.named_share is not None),
        (f"--augment {args.augment}", bool(args.augment)),
        (f"--test-soundfonts {','.join(args.test_soundfonts)}", bool(args.test_soundfonts)),
        (f"--runs {args.runs}", args.runs != "seen,unseen"),
        ("--no-previous", args.no_previous),
        (f"--previous-mixtures {args.previous_mixtures}", args.previous_mixtures != 2000 and not args.quick),
        (f"--previous-steps {args.previous_steps}", args.previous_steps != 2000 and not args.quick),
        (f"--previous-from {args.previous_from}", bool(args.previous_from)),
    ]
    return " ".join([COMMAND] + [f for f, on in flags if on])


KEYS = (
    ("micro_f1", "micro F1"),
    ("macro_f1", "macro F1"),
    ("micro_map", "micro mAP"),
    ("macro_map", "macro mAP"),
)


def metric_rows(res: dict, name: str, command: str, keys, note: str = "") -> list[dict]:
    """Rows of the learned recogniser against the spectral templates on ``keys`` of ``res`` (measured()'s
    metrics), named ``name`` with each label; the other baselines in the notes, ``note`` before the first."""
    return [
        row(
            name.format(label),
            res["model"][key],
            "share",
            command,
            "spectral templates (NNLS)",
            res["template"][key],
            notes=(note + "; " if note and not k else "")
            + f"logistic regression on pooled log-mel: {res['linear'][key]:.3f}; prior (most frequent "
            f"families): {res['prior'][key]:.3f}",
        )
        for k, (key, label) in enumerate(keys)
    ]


def make_rows(out: dict, args, config, tag: str) -> list[dict]:
    command = command_of(args)
    res, p_at = out["metrics"], out["precision_at_10"]
    note = (
        f"{out['test_mixtures']} mixtures of 4 s from {out['test_pieces']} test-split pieces (1-4 of 10 "
        f"families, programs at random among GM {out['test_programs']})"
    )
    rows = metric_rows(res, f"instruments in a mixture{tag}: {{}}, learned", command, KEYS, note)
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
    for sf, other in out["other_soundfonts"].items():
        name = f"instruments in a mixture{tag}: {{}} on the test mixtures played with {sf}, learned"
        note = "a soundfont no training or threshold heard"
        rows += metric_rows(other["metrics"], name, command, KEYS[:1] + KEYS[2:3], note)
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


def previous_rows(out: dict, before: dict, args, tag: str) -> list[dict]:
    """This run's recipe against the shipped one (two named programs, FluidR3_GM, no augmentation), on
    the same test mixtures."""
    command = command_of(args)
    pairs = [("", out["metrics"]["model"], before["metrics"]["model"])]
    pairs += [
        (f" on {sf}", other["metrics"]["model"], before["other_soundfonts"][sf]["metrics"]["model"])
        for sf, other in out["other_soundfonts"].items()
    ]
    return [
        row(
            f"instruments in a mixture{tag}: {label}{on}, learned, this recipe vs the shipped one",
            new[key],
            "share",
            command,
            "shipped "
            + ("weights" if "weights" in before else "recipe")
            + " (two programs a family, FluidR3_GM, no augmentation)",
            old[key],
            notes=f"same {out['test_mixtures']} test mixtures; training mixtures {out['train_mixtures']} vs "
            + (
                f"those of {before['weights']} (its own threshold)"
                if "weights" in before
                else f"{before['train_mixtures']}, steps {args.steps} vs {args.previous_steps}"
            ),
        )
        for on, new, old in pairs
        for key, label in (("micro_f1", "micro F1"), ("micro_map", "micro mAP"))
    ]


if __name__ == "__main__":
    main()
