"""Understanding tasks (issue 22, item 2): piece-level classification of corpus pieces by a linear probe on
the music encoder's piece embeddings, beside baselines measured on the same held-out pieces.

A task is a :class:`Task`: a name, a function from a manifest row (:mod:`partita.corpus`) to a class (or
None: the piece is not in the task) and the baselines it is compared with. Adding a task is adding an entry
to :data:`TASKS`. The tasks:

- ``composer``: Bach, Palestrina, Monteverdi, Josquin, Mozart, Haydn, ... (music21's corpus and JSB);
- ``region``: Essen folk songs: China, Germany or another country;
- ``province``: the Chinese Essen songs by province (where a province has enough songs);
- ``tune_type``: the Irish / Scottish tune books (O'Neill, Ryan, Aird): reel, jig, hornpipe, ... against a
  meter-only baseline;
- ``style``: the corpus's style families (:func:`partita.tokens.dataset.style_of`, the Selector's labels)
  against the Selector's style classifier.

The split is the corpus's (:mod:`partita.corpus.splits`: a piece's split is its work group's, so no work is in
two splits): probes and baselines are fitted on ``train``, their regularisation is chosen on ``valid`` and
``test`` is only scored. Each work group counts once per task (the first piece of it); the training pieces of
a class are capped (a random sample), so that runs stay small.

Methods (all per piece):

- ``probe``: a logistic regression on the mean of the encoder's per-note vectors (``partita embed``'s piece
  vector) of the piece's first ``max_notes`` notes;
- ``hand``: a logistic regression on hand features of the same notes (:func:`hand_features`: pitch-class and
  interval histograms, note density, range, voices, meter);
- ``meter``: a logistic regression on the meter alone (one-hot: the most frequent class of each meter);
- ``majority``: the most frequent training class;
- ``selector``: the Selector's style classifier (:mod:`partita.models.style_classifier`), as it is shipped.

Scores: accuracy and macro-F1 over the test pieces, each with a percentile bootstrap 95% interval, and
optionally a cross-validation over train + valid grouped by work (:func:`cross_validate`).

Note level: :func:`velocity_task`, MidiBERT-Piano's six velocity classes of POP909 notes, a probe on per-note
vectors (the velocity field hidden) against hand features and the majority class.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partita.models.encoder import MASK, MusicEncoder, NoteArrays, note_tokens, score_notes
from partita.models.style_classifier import classifier_ids
from partita.progress import ProgressCallback, report
from partita.score.formats import Score

log = logging.getLogger(__name__)

METERS = ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8", "2/2", "3/8", "3/2", "5/4")
"""Meters with their own one-hot column; any other meter shares one, a piece without a meter another."""
INTERVALS = 12
"""Melodic intervals are counted from -12 to +12 semitones (larger ones clipped)."""
HAND_FEATURES = (
    [f"pc_{i}" for i in range(12)]
    + [f"interval_{i}" for i in range(-INTERVALS, INTERVALS + 1)]
    + ["notes_per_quarter", "onsets_per_quarter", "pitch_min", "pitch_max", "pitch_span", "pitch_mean"]
    + ["log_duration_mean", "voices"]
    + [f"meter_{m}" for m in (*METERS, "other", "none")]
)
METHODS = ("probe", "hand", "meter", "majority", "selector")


# ---------------------------------------------------------------- tasks


def _composer(row: dict) -> str | None:
    text = " ".join(str(row.get(k) or "") for k in ("source", "collection", "composer")).lower()
    for needle, name in (
        ("jsb", "Bach"),
        ("music21:bach", "Bach"),
        ("palestrina", "Palestrina"),
        ("monteverdi", "Monteverdi"),
        ("josquin", "Josquin"),
        ("trecento", "trecento"),
        ("mozart", "Mozart"),
        ("haydn", "Haydn"),
        ("beethoven", "Beethoven"),
    ):
        if needle in text:
            return name
    return None


def _essen(row: dict) -> bool:
    return "essen" in str(row.get("source") or "").lower()


def _region(row: dict) -> str | None:
    if not _essen(row) or not row.get("country"):
        return None
    return row["country"] if row["country"] in ("China", "Germany") else "other"


def _province(row: dict) -> str | None:
    """The province of a Chinese Essen song: the first word of its province field that is not Essen's
    "bei" / "nan" (north / south of, as in "nan Jiangsu") and not a county ("Anhui Auxian" is Anhui)."""
    if not _essen(row) or row.get("country") != "China" or not row.get("province"):
        return None
    words = [w for w in re.split(r"[\s.,()]+", str(row["province"])) if w and w.isalpha()]
    words = [w for w in words if w.lower() not in ("bei", "nan")]
    return words[0].capitalize() if words else None


_TUNE_BOOKS = ("oneill", "ryans", "airds")


def _tune_type(row: dict) -> str | None:
    source = str(row.get("source") or "").lower()
    if not any(b in source for b in _TUNE_BOOKS):
        return None
    return row.get("tune_type") or None


def _style(row: dict) -> str | None:
    from partita.tokens.dataset import style_of

    return style_of(row)


@dataclass(frozen=True)
class Task:
    """One piece-level classification task over a corpus manifest."""

    name: str
    label: Callable[[dict], str | None]
    """A manifest row -> its class, or None when the piece is not part of the task."""
    baselines: tuple[str, ...] = ("hand", "majority")
    """Compared methods besides the probe (see :data:`METHODS`)."""
    min_train: int = 15
    """A class needs this many training work groups to be kept."""
    min_test: int = 3
    """... and this many test work groups."""
    description: str = ""


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "composer",
            _composer,
            min_train=10,
            min_test=2,
            description="composer of music21's corpus pieces and JSB chorales",
        ),
        Task("region", _region, description="Essen folk songs: China, Germany or another country"),
        Task("province", _province, description="Chinese Essen folk songs: the province"),
        Task(
            "tune_type",
            _tune_type,
            baselines=("meter", "hand", "majority"),
            description="Irish / Scottish tune books (O'Neill, Ryan, Aird): the tune type",
        ),
        Task(
            "style",
            _style,
            baselines=("selector", "hand", "majority"),
            min_train=50,
            description="the corpus's style families (the Selector's labels)",
        ),
    )
}


@dataclass
class Example:
    """One labelled piece of a task."""

    piece_id: str
    label: str
    split: str
    group: str
    meter: str | None = None


@dataclass
class TaskData:
    """The labelled pieces of a task: ``classes`` kept (sorted), ``examples`` of every split."""

    task: Task
    classes: tuple[str, ...]
    examples: list[Example]
    dropped: dict[str, int] = field(default_factory=dict)
    """Classes left out (too few pieces) and their piece counts."""
    train_counts: dict[str, int] = field(default_factory=dict)
    """Training work groups of each kept class before the cap (the majority baseline's prior)."""

    def split(self, name: str) -> list[Example]:
        return [e for e in self.examples if e.split == name]

    def y(self, name: str) -> np.ndarray:
        return np.asarray([self.classes.index(e.label) for e in self.split(name)], dtype=np.int64)

    def counts(self) -> dict[str, dict[str, int]]:
        return {s: dict(Counter(e.label for e in self.split(s))) for s in ("train", "valid", "test")}


def gather(
    task: Task | str,
    rows: Sequence[dict],
    cap: int | None = 150,
    test_cap: int | None = None,
    seed: int = 0,
    classes: Sequence[str] | None = None,
) -> TaskData:
    """The labelled pieces of ``task`` among manifest ``rows`` (each needs ``piece_id``, ``split`` and
    ``work_group`` or ``work_id``), one per work group, classes with too few pieces dropped, at most ``cap``
    train pieces (and ``test_cap`` valid / test pieces) of a class; ``classes`` limits the classes."""
    task = TASKS[task] if isinstance(task, str) else task
    seen: set[str] = set()
    by: dict[tuple[str, str], list[Example]] = {}
    for row in rows:
        label = task.label(row)
        if label is None or (classes is not None and label not in classes):
            continue
        group = str(row.get("work_group") or row.get("work_id") or row["piece_id"])
        if group in seen:
            continue
        seen.add(group)
        split = row.get("split")
        if split not in ("train", "valid", "test"):
            raise ValueError(f"piece {row['piece_id']}: unknown split {split!r}")
        ex = Example(str(row["piece_id"]), str(label), split, group, row.get("meter"))
        by.setdefault((str(label), split), []).append(ex)
    labels = sorted({k[0] for k in by})
    kept = [
        c
        for c in labels
        if len(by.get((c, "train"), [])) >= task.min_train and len(by.get((c, "test"), [])) >= task.min_test
    ]
    dropped = {c: sum(len(by.get((c, s), [])) for s in ("train", "valid", "test")) for c in labels}
    dropped = {c: n for c, n in dropped.items() if c not in kept}
    if len(kept) < 2:
        raise ValueError(
            f"task {task.name!r}: {len(kept)} class(es) with at least {task.min_train} training and "
            f"{task.min_test} test pieces ({', '.join(kept) or 'none'} of "
            f"{', '.join(labels) or 'no labelled pieces'}): a classifier needs two"
        )
    rng = np.random.default_rng(seed)
    examples: list[Example] = []
    for c in kept:
        for split in ("train", "valid", "test"):
            items = by.get((c, split), [])
            limit = cap if split == "train" else test_cap
            if limit is not None and len(items) > limit:
                items = [items[i] for i in sorted(rng.choice(len(items), size=limit, replace=False))]
            examples.extend(items)
    train_counts = {c: len(by.get((c, "train"), [])) for c in kept}
    data = TaskData(task, tuple(kept), examples, dropped, train_counts)
    check_disjoint(data)
    return data


def check_disjoint(data: TaskData) -> None:
    """Raise when a piece or a work group is in two splits (a test piece would have been trained on)."""
    where: dict[str, str] = {}
    for e in data.examples:
        for key in (f"piece:{e.piece_id}", f"group:{e.group}"):
            if where.setdefault(key, e.split) != e.split:
                raise ValueError(
                    f"task {data.task.name!r}: {key.split(':', 1)[0]} {key.split(':', 1)[1]} is in both "
                    f"{where[key]} and {e.split}"
                )


# ---------------------------------------------------------------- features


def piece_notes(score: Score, max_notes: int | None = None) -> NoteArrays:
    """The score's pitched notes merged (as :func:`partita.models.encoder.score_notes`), the first
    ``max_notes``; POP909's 1/4 bars read as 4/4 as the encoder was trained."""
    from partita.evaluation.melody_extraction import four_four

    notes = score_notes(four_four(score))
    if not len(notes):
        raise ValueError("the score has no pitched notes (it is empty or drums only)")
    return notes.take(np.arange(min(len(notes), max_notes or len(notes))))


def meter_onehot(meter: str | None) -> np.ndarray:
    """One-hot of a meter over :data:`METERS`, ``other`` and ``none``."""
    v = np.zeros(len(METERS) + 2, dtype=np.float32)
    v[METERS.index(meter) if meter in METERS else (len(METERS) if meter else len(METERS) + 1)] = 1
    return v


def hand_features(notes: NoteArrays, meter: str | None) -> np.ndarray:
    """Piece-level hand features (:data:`HAND_FEATURES`): pitch-class histogram, the histogram of the
    intervals between successive top notes (the highest note of each onset, repeats merged), notes and
    onsets per quarter, pitch range and mean, mean log duration (quarters), voices (tracks), meter one-hot."""
    tpq = max(1, notes.ticks_per_quarter)
    p = notes.pitch.astype(np.int64)
    pc = np.bincount(p % 12, minlength=12) / max(1, len(p))
    onsets, inverse = np.unique(notes.start, return_inverse=True)
    top = np.full(len(onsets), -1, dtype=np.int64)
    np.maximum.at(top, inverse, p)
    top = top[np.r_[True, np.diff(top) != 0]] if len(top) else top
    iv = np.clip(np.diff(top), -INTERVALS, INTERVALS) + INTERVALS
    ih = np.bincount(iv, minlength=2 * INTERVALS + 1) / max(1, len(iv))
    span = max(1.0, float((notes.start + notes.duration).max() - notes.start.min()) / tpq) if len(p) else 1.0
    stats = [
        len(p) / span,
        len(onsets) / span,
        p.min() if len(p) else 0,
        p.max() if len(p) else 0,
        (p.max() - p.min()) if len(p) else 0,
        p.mean() if len(p) else 0,
        float(np.mean(np.log2(notes.duration / tpq))) if len(p) else 0,
        len(np.unique(notes.track)),
    ]
    return np.concatenate([pc, ih, np.asarray(stats, dtype=np.float64), meter_onehot(meter)]).astype(
        np.float32
    )


def piece_embedding(encoder: MusicEncoder, notes: NoteArrays) -> np.ndarray:
    """The encoder's piece vector of ``notes``: the mean of its per-note hidden states (as ``embed``)."""
    return encoder.encode(note_tokens(notes, encoder.config)).mean(0)


def note_vectors(encoder: MusicEncoder, notes: NoteArrays, hide_velocity: bool = True) -> np.ndarray:
    """Per-note hidden states ``(notes, d_model)``; with ``hide_velocity`` every note's velocity field is the
    mask id, so that a velocity probe cannot read its answer off the input."""
    tokens = note_tokens(notes, encoder.config)
    if hide_velocity and encoder.config.use_velocity:
        tokens[:, 4] = MASK
    return encoder.encode(tokens)


@dataclass
class Features:
    """Per-piece feature matrices of one split: ``X[name]`` rows in the split's example order."""

    X: dict[str, np.ndarray]
    meters: list[str | None]


def featurize(
    examples: Sequence[Example],
    read: Callable[[str], Score],
    encoders: dict[str, MusicEncoder],
    max_notes: int = 1024,
    progress: ProgressCallback | None = None,
) -> Features:
    """Hand features and each encoder's piece vector for every example (``read`` gives a piece's score).
    A piece that cannot be read or has no notes raises: a task must only hold pieces with music."""
    clash = sorted(set(encoders) & {"hand", "meter"})
    if clash:
        raise ValueError(f"encoder names {clash} are taken by the baselines: give the encoders other names")
    cols: dict[str, list[np.ndarray]] = {"hand": [], **{k: [] for k in encoders}}
    meters = []
    for i, e in enumerate(examples):
        try:
            notes = piece_notes(read(e.piece_id), max_notes)
        except ValueError as err:
            raise ValueError(f"piece {e.piece_id}: {err}") from None
        cols["hand"].append(hand_features(notes, e.meter))
        for name, enc in encoders.items():
            cols[name].append(piece_embedding(enc, notes))
        meters.append(e.meter)
        report(progress, i + 1, len(examples), e.piece_id)
    width = {"hand": len(HAND_FEATURES), **{k: v.config.d_model for k, v in encoders.items()}}
    X = {k: (np.stack(v) if v else np.zeros((0, width[k]), np.float32)) for k, v in cols.items()}
    X["meter"] = np.stack([meter_onehot(m) for m in meters]) if meters else np.zeros((0, len(METERS) + 2))
    return Features(X, meters)


# ---------------------------------------------------------------- probes and scores


def fit_logistic(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_valid: np.ndarray | None = None,
    y_valid: np.ndarray | None = None,
    grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
    seed: int = 0,
    balanced: bool = True,
) -> Any:
    """A standardised multinomial logistic regression (classes weighted to balance with ``balanced``); its C
    chosen on the valid pieces by macro-F1 (1.0 without valid pieces)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(np.unique(y_train)) < 2:
        raise ValueError("the training pieces hold one class: nothing to fit")

    def fit(c: float) -> Any:
        clf = LogisticRegression(
            C=c, max_iter=2000, class_weight="balanced" if balanced else None, random_state=seed
        )
        return make_pipeline(StandardScaler(), clf).fit(X_train, y_train)

    if X_valid is None or y_valid is None or not len(y_valid):
        return fit(1.0)
    best, best_f1 = None, -1.0
    for c in grid:
        model = fit(c)
        f1 = macro_f1(y_valid, model.predict(X_valid))
        if f1 > best_f1:
            best, best_f1 = model, f1
    return best


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] | None = None) -> float:
    """Macro-averaged F1 over ``labels`` (default: the classes in ``y_true``)."""
    from sklearn.metrics import f1_score

    labels = sorted(set(np.asarray(y_true).tolist())) if labels is None else list(labels)
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> dict[str, float | list[float]]:
    """Accuracy and macro-F1 with percentile bootstrap 95% intervals, resampling the test pieces (or, with
    ``groups``, whole groups: the songs of note-level predictions)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not len(y_true):
        raise ValueError("no test pieces to score")
    labels = sorted(set(y_true.tolist()))
    out: dict[str, Any] = {
        "accuracy": float(np.mean(y_true == y_pred)),
        "macro_f1": macro_f1(y_true, y_pred, labels),
        "n": len(y_true),
    }
    if n_boot:
        rng = np.random.default_rng(seed)
        if groups is not None:
            _, g = np.unique(np.asarray(groups), return_inverse=True)
            members = np.split(np.argsort(g, kind="stable"), np.cumsum(np.bincount(g))[:-1])
        acc, f1 = [], []
        for _ in range(n_boot):
            if groups is None:
                i = rng.integers(0, len(y_true), len(y_true))
            else:
                i = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
            acc.append(np.mean(y_true[i] == y_pred[i]))
            f1.append(macro_f1(y_true[i], y_pred[i], labels))
        out["accuracy_ci"] = [float(np.percentile(acc, 2.5)), float(np.percentile(acc, 97.5))]
        out["macro_f1_ci"] = [float(np.percentile(f1, 2.5)), float(np.percentile(f1, 97.5))]
    return out


def majority_predictions(y_train: np.ndarray, n: int) -> np.ndarray:
    """The most frequent training class, ``n`` times."""
    return np.full(n, int(np.bincount(y_train).argmax()), dtype=np.int64)


def selector_predictions(
    classifier: Any, scores_: Sequence[Score], classes: Sequence[str], windows: int = 4
) -> np.ndarray:
    """The Selector's style classifier's choice among ``classes`` for each score (class indices; -1 when it
    cannot read the piece). ``classifier`` is a :class:`~partita.models.style_classifier.StyleClassifier`
    with its tokenizer."""
    if getattr(classifier, "tokenizer", None) is None:
        raise ValueError("the style classifier has no tokenizer, so it cannot read a score")
    known = [c for c in classes if c in classifier.labels]
    out = np.full(len(scores_), -1, dtype=np.int64)
    for i, s in enumerate(scores_):
        try:
            ids = classifier.tokenizer.encode_music(s)
        except Exception as e:  # miditok raises assorted errors: such a piece counts as a miss
            log.warning("the style classifier's tokenizer could not encode a piece (%s)", e)
            continue
        if getattr(classifier, "config", None) is not None:  # as its trainer read pieces (neutral programs)
            ids = classifier_ids(classifier.config, ids, classifier.tokenizer)
        probs = classifier.predict(ids, windows)["style"]
        if probs and known:
            out[i] = classes.index(max(known, key=lambda c: probs.get(c, 0.0)))
    return out


@dataclass
class TaskResult:
    """Scores of every method on a task's test pieces, and what the run saw."""

    task: str
    classes: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    dropped: dict[str, int]
    results: dict[str, dict[str, Any]]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    cv: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Cross-validated scores over train + valid (when asked for)."""


def run_task(
    data: TaskData,
    read: Callable[[str], Score],
    encoders: dict[str, MusicEncoder],
    selector: Any = None,
    max_notes: int = 1024,
    n_boot: int = 1000,
    seed: int = 0,
    cv_folds: int = 0,
    progress: ProgressCallback | None = None,
) -> TaskResult:
    """Fit every probe and baseline of ``data.task`` on its train pieces (C chosen on valid) and score them
    on its test pieces. Methods are named ``probe:<encoder name>``, ``hand``, ``meter``, ``majority`` and
    ``selector`` (when a style classifier is given). With ``cv_folds``, also a grouped cross-validation over
    the train and valid pieces (C fixed at 1; the test pieces are not used)."""
    import time

    t0 = time.monotonic()
    splits = {s: data.split(s) for s in ("train", "valid", "test")}
    feats = {
        s: featurize(ex, read, encoders, max_notes, progress if s == "test" else None)
        for s, ex in splits.items()
    }
    y = {s: data.y(s) for s in splits}
    preds: dict[str, np.ndarray] = {}
    for name in encoders:
        preds[f"probe:{name}"] = _fit_predict(feats, y, name, seed)
    if "hand" in data.task.baselines:
        preds["hand"] = _fit_predict(feats, y, "hand", seed)
    if "meter" in data.task.baselines:
        preds["meter"] = _fit_predict(feats, y, "meter", seed)
    prior = [data.train_counts.get(c, 0) for c in data.classes]
    preds["majority"] = np.full(len(y["test"]), int(np.argmax(prior)), dtype=np.int64)
    notes = []
    if "selector" in data.task.baselines and selector is not None:
        test_scores = [read(e.piece_id) for e in splits["test"]]
        preds["selector"] = selector_predictions(selector, test_scores, data.classes)
        missing = [c for c in data.classes if c not in selector.labels]
        if missing:
            notes.append(f"the style classifier does not know {missing}: it can never answer them")
    results = {k: scores(y["test"], v, n_boot, seed) for k, v in preds.items()}
    for k, v in preds.items():
        results[k]["recall"] = {
            c: float(np.mean(v[y["test"] == i] == i))
            for i, c in enumerate(data.classes)
            if (y["test"] == i).any()
        }
    if cv_folds:
        results_cv = cross_validate(feats, y, list(preds), data, cv_folds, seed)
        notes.append(
            f"cv: {cv_folds}-fold cross-validation over the train and valid pieces, grouped by work "
            "(test unused)"
        )
    else:
        results_cv = {}
    return TaskResult(
        data.task.name,
        data.classes,
        data.counts(),
        data.dropped,
        results,
        time.monotonic() - t0,
        notes,
        results_cv,
    )


def cross_validate(
    feats: dict[str, Features],
    y: dict[str, np.ndarray],
    methods: Sequence[str],
    data: TaskData,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Accuracy and macro-F1 of each method over the train and valid pieces, by ``folds``-fold
    cross-validation stratified by class and grouped by work (the test pieces are not read); pooled over the
    folds. The majority baseline is the class with the most training pieces before the cap."""
    from sklearn.model_selection import StratifiedGroupKFold

    ex = data.split("train") + data.split("valid")
    yy = np.concatenate([y["train"], y["valid"]])
    groups = np.asarray([e.group for e in ex])
    folds = min(folds, int(np.bincount(yy).min()))
    if folds < 2:
        return {}
    pred = {m: np.full(len(yy), -1, dtype=np.int64) for m in methods if m != "selector"}
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in splitter.split(np.zeros(len(yy)), yy, groups):
        for m in pred:
            if m == "majority":
                pred[m][te] = int(np.argmax([data.train_counts.get(c, 0) for c in data.classes]))
                continue
            key = m.split(":", 1)[1] if m.startswith("probe:") else m
            X = np.concatenate([feats["train"].X[key], feats["valid"].X[key]])
            pred[m][te] = fit_logistic(X[tr], yy[tr], seed=seed).predict(X[te])
    return {m: {**scores(yy, v, 0, seed), "folds": folds} for m, v in pred.items()}


def _fit_predict(feats: dict[str, Features], y: dict[str, np.ndarray], name: str, seed: int) -> np.ndarray:
    model = fit_logistic(feats["train"].X[name], y["train"], feats["valid"].X[name], y["valid"], seed=seed)
    return model.predict(feats["test"].X[name]).astype(np.int64)


# ---------------------------------------------------------------- velocity (note level)

VELOCITY_EDGES = (32, 48, 64, 80, 96)
VELOCITY_CLASSES = ("pp", "p", "mp", "mf", "f", "ff")
"""MidiBERT-Piano's six velocity classes: pp 0-31, p 32-47, mp 48-63, mf 64-79, f 80-95, ff 96-127."""


def velocity_classes(velocity: np.ndarray) -> np.ndarray:
    """The class index (:data:`VELOCITY_CLASSES`) of each MIDI velocity."""
    return np.searchsorted(np.asarray(VELOCITY_EDGES), np.asarray(velocity), side="right").astype(np.int64)


def velocity_task(
    train: Sequence[NoteArrays],
    test: Sequence[NoteArrays],
    encoders: dict[str, MusicEncoder],
    max_train_notes: int = 60_000,
    n_boot: int = 1000,
    seed: int = 0,
    boosting: bool = True,
    progress: ProgressCallback | None = None,
) -> dict[str, dict[str, Any]]:
    """Note-level velocity classes (6 bins) of pieces' notes: a logistic probe on each encoder's per-note
    vectors (velocity hidden from the input), logistic regression and gradient boosting on hand features
    without velocity (:func:`partita.evaluation.melody_extraction.note_features`) and the majority class;
    fitted on at most ``max_train_notes`` notes of ``train``, scored on every note of ``test`` (intervals
    resample whole pieces)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from partita.evaluation.melody_extraction import note_features

    if not train or not test:
        raise ValueError("the velocity task needs training and test pieces")
    rng = np.random.default_rng(seed)
    y_train = np.concatenate([velocity_classes(n.velocity) for n in train])
    y_test = np.concatenate([velocity_classes(n.velocity) for n in test])
    if len(np.unique(y_train)) < 2:
        raise ValueError("the training notes hold one velocity class: nothing to fit")
    groups = np.concatenate([np.full(len(n), i) for i, n in enumerate(test)])
    idx = np.sort(rng.choice(len(y_train), size=min(max_train_notes, len(y_train)), replace=False))
    total = len(encoders) + 1
    preds: dict[str, np.ndarray] = {}
    for k, (name, enc) in enumerate(encoders.items()):
        X = np.concatenate([note_vectors(enc, n) for n in train])[idx]
        model = fit_logistic(X, y_train[idx], seed=seed, balanced=False)
        preds[f"probe:{name}"] = np.concatenate([model.predict(note_vectors(enc, n)) for n in test])
        report(progress, k + 1, total, name)
    H = np.concatenate([note_features(n, use_velocity=False) for n in train])[idx]
    H_test = np.concatenate([note_features(n, use_velocity=False) for n in test])
    preds["hand"] = fit_logistic(H, y_train[idx], seed=seed, balanced=False).predict(H_test)
    if boosting:
        gb = HistGradientBoostingClassifier(max_iter=150, random_state=seed).fit(H, y_train[idx])
        preds["hand_boosting"] = gb.predict(H_test)
    preds["majority"] = majority_predictions(y_train, len(y_test))
    report(progress, total, total, "baselines")
    return {k: scores(y_test, v.astype(np.int64), n_boot, seed, groups) for k, v in preds.items()}
