"""Training the CLMR-style audio encoder on rendered corpus pieces, and probing it (issue 24, item 3).

The data is made here from the corpus, as for the instrument recogniser (:mod:`.instruments_audio`): the
first ``seconds`` of each chosen piece (cut at the tick where that much time has passed), every pitched
track on one General MIDI program (:func:`partita.discovery.audio_score.performance`), several programs a
piece, each from a different instrument family of :data:`~.instruments_audio.FAMILIES`; the clips are
rendered by the caller's FluidSynth function through :func:`~.instruments_audio.render_mixtures` (joined
renders, cached as float16) and resampled to 16 kHz. Pieces come from the labelled pieces of the
understanding tasks (:mod:`partita.evaluation.understanding`): ``style`` (the Selector's style families) and
``tune_type`` (Irish / Scottish tune books), one piece per work group, in the corpus's split.

- :func:`train_clmr`: NT-Xent on two augmented views of random clips, ``config.steps`` steps or a time limit.
- :func:`linear_probe`: logistic regression on standardised representations of train-split clips, its
  regularisation chosen by grouped cross-validation on them (a piece's clips in one fold), scored on
  test-split clips: macro ROC-AUC and macro PR-AUC (one class against the rest), as CLMR reports, and
  accuracy.
- :func:`symbolic_embeddings`: partita's symbolic encoder's vectors of the same stretches of score.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from partita.discovery.audio_score import performance, seconds_to_tick
from partita.discovery.clmr import ClmrConfig, ClmrEncoder, LogMel, augment, nt_xent
from partita.discovery.instruments_audio import FAMILIES, Mixture, render_mixtures
from partita.discovery.instruments_audio import SAMPLE_RATE as RENDER_RATE
from partita.progress import ProgressCallback, report
from partita.score import Score

log = logging.getLogger(__name__)

CLIP_FAMILIES = ("piano", "mallets", "organ", "guitar", "strings", "brass", "reed", "pipe")
"""The families clips are rendered on: those of :data:`FAMILIES` whose range holds a melody as written
(bass and voice would need the notes moved)."""
TASK_NAMES = ("style", "instrument", "tune_type")


@dataclass
class ClipSpec:
    """One clip to render: a piece, its split, the program and family it is played on, and its labels
    (``style``, ``tune_type`` where known, ``instrument`` = the family)."""

    piece: str
    split: str
    family: str
    program: int
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class ClipSet:
    """Clips of one split: their specs, the scores they play (``seconds`` from the start of the piece, at the
    piece's own tempo and programs) and, once rendered, their audio at 16 kHz."""

    specs: list[ClipSpec]
    scores: list[Score]
    audio: list[np.ndarray] = field(default_factory=list)

    def labels(self, task: str) -> list[str | None]:
        return [s.labels.get(task) for s in self.specs]

    def groups(self) -> np.ndarray:
        names = sorted({s.piece for s in self.specs})
        return np.asarray([names.index(s.piece) for s in self.specs])


# --------------------------------------------------------------------------------------------- data


def select_pieces(
    rows: Sequence[dict], per_class: int = 25, test_per_class: int = 12, seed: int = 0
) -> dict[str, tuple[str, dict[str, str]]]:
    """The labelled pieces of the ``style`` and ``tune_type`` tasks among manifest ``rows``: at most
    ``per_class`` train-split and ``test_per_class`` valid/test-split pieces of each class (one piece per
    work group, classes with too few pieces dropped, as :func:`partita.evaluation.understanding.gather`).
    Returns ``{piece_id: (split, {task: label})}``; a tune-book piece carries both labels."""
    from partita.evaluation.understanding import gather

    out: dict[str, tuple[str, dict[str, str]]] = {}
    for task in ("style", "tune_type"):
        data = gather(task, rows, cap=per_class, test_cap=test_per_class, seed=seed)
        for e in data.examples:
            split, labels = out.setdefault(e.piece_id, (e.split, {}))
            labels[task] = e.label
    by_id = {r["piece_id"]: r for r in rows}
    from partita.evaluation.understanding import TASKS

    for pid, (_, labels) in out.items():  # a piece sampled by one task still carries the other's label
        for task in ("style", "tune_type"):
            if task not in labels and (label := TASKS[task].label(by_id[pid])) is not None:
                labels[task] = label
    return out


def first_seconds(score: Score, seconds: float) -> Score:
    """The first ``seconds`` of ``score`` (from tick 0, under its tempo map), notes cut at the end; the
    bars stay where they were, so the symbolic encoder reads the same stretch as it is notated."""
    end = seconds_to_tick(score, seconds)
    return score.clip(0, max(1, end), True)


def make_clips(
    pieces: dict[str, tuple[str, dict[str, str]]],
    read_piece: Callable[[str], Score],
    split: str,
    programs_per_piece: int = 2,
    seconds: float = 10.0,
    families: Sequence[str] = CLIP_FAMILIES,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> ClipSet:
    """Clips of the ``split`` pieces of :func:`select_pieces`: each piece's first ``seconds`` on
    ``programs_per_piece`` different families (drawn at random, and one of each family's two programs).
    Pieces without a pitched note in that stretch are left out."""
    rng = np.random.default_rng(seed)
    chosen = sorted(p for p, (s, _) in pieces.items() if s == split)
    specs: list[ClipSpec] = []
    scores: list[Score] = []
    for i, pid in enumerate(chosen):
        clip = first_seconds(read_piece(pid), seconds)
        if not any(len(t.notes) for t in clip.tracks if not t.is_drum):
            log.info("%s: no pitched note in the first %.0f s, left out", pid, seconds)
            continue
        k = min(programs_per_piece, len(families))
        for fam in rng.choice(list(families), size=k, replace=False).tolist():
            program = FAMILIES[fam][int(rng.integers(2))]
            specs.append(ClipSpec(pid, split, fam, program, {**pieces[pid][1], "instrument": fam}))
            scores.append(clip)
        report(progress, i + 1, len(chosen), f"{split} pieces")
    return ClipSet(specs, scores)


def render_clips(
    clips: ClipSet,
    render: Callable[[Score, Path], np.ndarray],
    cache: str | Path,
    seconds: float = 10.0,
    sample_rate: int = 16000,
    progress: ProgressCallback | None = None,
) -> ClipSet:
    """Render every clip on its program (``render(score, wav) -> mono samples at 22,050 Hz``, FluidSynth in
    practice; renders cached in ``cache``) and keep the audio at ``sample_rate`` as float16."""
    import soxr

    mixes = [
        Mixture(s.piece, 0.0, (s.family,), (s.program,), performance(score, s.program))
        for s, score in zip(clips.specs, clips.scores, strict=True)
    ]
    audio = render_mixtures(mixes, render, cache, seconds=seconds, progress=progress)
    clips.audio = [soxr.resample(a, RENDER_RATE, sample_rate).astype(np.float16) for a in audio]
    return clips


# --------------------------------------------------------------------------------------------- training


def train_clmr(
    audio: Sequence[np.ndarray],
    config: ClmrConfig | None = None,
    groups: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
    time_limit: float | None = None,
) -> tuple[ClmrEncoder, list[float]]:
    """Train an encoder on clips (mono at ``config.sample_rate``, at least two pieces): each step draws
    ``batch`` pieces (``groups[i]`` is clip ``i``'s piece; each clip its own piece when not given), makes
    two augmented views of a clip of each (:func:`~.clmr.augment`; with ``config.program_prob`` the second
    view comes from another clip of the same piece, another program) and takes an AdamW step on NT-Xent.
    Two clips of one piece are never in a batch as negatives. Stops after ``time_limit`` seconds if given
    (``config.steps`` then says how many steps were taken; ``config.training_seconds`` the time). Returns
    the encoder and the loss of every step."""
    c = config or ClmrConfig()
    by_piece: dict[int, list[int]] = {}
    for i, g in enumerate(groups if groups is not None else range(len(audio))):
        by_piece.setdefault(int(g), []).append(i)
    pieces = list(by_piece.values())
    if len(pieces) < 2:
        raise ValueError("contrastive training needs clips of at least two pieces")
    t0 = time.monotonic()
    torch.manual_seed(c.seed)
    gen = torch.Generator().manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    model = ClmrEncoder(c)
    frontend = LogMel(c.sample_rate, c.n_mels)
    opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
    longest = max(len(a) for a in audio)
    losses: list[float] = []
    model.train()
    for step in range(c.steps):
        first, second = _pairs(pieces, c, rng)
        v1 = augment(_stack(audio, first, longest), c, gen, frontend)
        v2 = augment(_stack(audio, second, longest), c, gen, frontend)
        loss = nt_xent(model.project(model(v1)), model.project(model(v2)), c.temperature)
        opt.zero_grad()
        loss.backward()
        for group in opt.param_groups:
            group["lr"] = _lr(c, step, time.monotonic() - t0, time_limit)
        opt.step()
        losses.append(float(loss.item()))
        if step % 100 == 0 or step == c.steps - 1:
            log.info("clmr step %d loss %.3f", step, losses[-1])
        report(progress, step + 1, c.steps, f"loss {losses[-1]:.3f}")
        if time_limit is not None and time.monotonic() - t0 > time_limit and step + 1 < c.steps:
            log.warning("CLMR training stopped at step %d of %d (time limit)", step + 1, c.steps)
            c.steps = step + 1
            break
    c.training_seconds = time.monotonic() - t0
    return model.eval(), losses


def _lr(c: ClmrConfig, step: int, elapsed: float, time_limit: float | None) -> float:
    """Warm up over the first 5% of training, then a cosine down to 0; how far training has gone is the
    larger of the share of steps and the share of the time limit, so that a run cut by the clock still
    ends annealed."""
    done = (step + 1) / max(1, c.steps)
    if time_limit:
        done = max(done, elapsed / time_limit)
    done = min(1.0, done)
    warm = min(1.0, done / 0.05)
    return c.lr * warm * 0.5 * (1.0 + np.cos(np.pi * done))


def _pairs(pieces: list[list[int]], c: ClmrConfig, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """The clips of each view: ``batch`` pieces, a clip of each, and for the second view the same clip or,
    with ``program_prob``, another clip of the piece."""
    chosen = rng.choice(len(pieces), size=min(c.batch, len(pieces)), replace=False)
    first, second = [], []
    for p in chosen:
        clips = pieces[int(p)]
        a = clips[int(rng.integers(len(clips)))]
        others = [i for i in clips if i != a]
        b = others[int(rng.integers(len(others)))] if others and rng.random() < c.program_prob else a
        first.append(a)
        second.append(b)
    return first, second


def _stack(audio: Sequence[np.ndarray], idx: Sequence[int], n: int) -> torch.Tensor:
    out = np.zeros((len(idx), n), dtype=np.float32)
    for row, i in enumerate(idx):
        a = np.asarray(audio[i], dtype=np.float32)
        out[row, : a.size] = a[:n]
    return torch.from_numpy(out)


def random_encoder(config: ClmrConfig, seed: int = 1) -> ClmrEncoder:
    """The same architecture with random weights (the control that says whether training taught it
    anything)."""
    torch.manual_seed(seed)
    return ClmrEncoder(ClmrConfig.from_dict({**asdict(config), "metrics": {}})).eval()


def embed_clips(
    model: ClmrEncoder, audio: Sequence[np.ndarray], progress: ProgressCallback | None = None
) -> np.ndarray:
    """The representation of each clip (``n x dim``): :meth:`ClmrEncoder.represent`."""
    out = []
    for i, a in enumerate(audio):
        out.append(model.represent(np.asarray(a, dtype=np.float32)))
        report(progress, i + 1, len(audio), "embedding clips")
    return np.stack(out)


def symbolic_embeddings(
    scores: Sequence[Score], encoder: Any = "encoder-small", max_notes: int = 512
) -> np.ndarray:
    """partita's symbolic encoder's piece vectors (the mean of its per-note states, as ``partita embed``)
    of ``scores``; the same score twice (one clip per program) is embedded once."""
    from partita.evaluation.understanding import piece_embedding, piece_notes
    from partita.models.encoder import MusicEncoder

    enc = MusicEncoder.from_pretrained(encoder) if isinstance(encoder, str) else encoder
    done: dict[int, np.ndarray] = {}
    for s in scores:
        if id(s) not in done:
            done[id(s)] = piece_embedding(enc, piece_notes(s, max_notes))
    return np.stack([done[id(s)] for s in scores])


# --------------------------------------------------------------------------------------------- probes


def linear_probe(
    x_train: np.ndarray,
    y_train: Sequence[str | None],
    groups: np.ndarray,
    x_test: np.ndarray,
    y_test: Sequence[str | None],
    min_train: int = 8,
    min_test: int = 4,
    grid: Sequence[float] = (0.003, 0.03, 0.3, 3.0),
) -> dict[str, Any]:
    """A multinomial logistic regression on standardised features of the labelled train clips (``None``
    labels left out; classes with under ``min_train`` train or ``min_test`` test clips dropped), ``C`` from
    ``grid`` chosen by 3-fold cross-validation grouped by piece (accuracy), scored on the test clips: macro
    ROC-AUC and macro PR-AUC (average precision, one class against the rest) and accuracy. The test
    clips' one-hot labels, probabilities and row numbers are under ``arrays`` (:func:`paired_bootstrap`)."""
    from collections import Counter

    from sklearn.metrics import average_precision_score, roc_auc_score

    ctr, cte = Counter(y for y in y_train if y), Counter(y for y in y_test if y)
    classes = sorted(k for k in ctr if ctr[k] >= min_train and cte.get(k, 0) >= min_test)
    if len(classes) < 2:
        raise ValueError(f"a probe needs two classes with enough clips, not {classes}")
    tr = np.asarray([y in classes for y in y_train])
    te = np.asarray([y in classes for y in y_test])
    ytr = np.asarray([classes.index(y) for y in np.asarray(y_train, dtype=object)[tr]])
    yte = np.asarray([classes.index(y) for y in np.asarray(y_test, dtype=object)[te]])
    best_c = _choose_c(x_train[tr], ytr, np.asarray(groups)[tr], grid)
    proba = _fit(x_train[tr], ytr, best_c).predict_proba(x_test[te])
    onehot = np.eye(len(classes))[yte]
    return {
        "roc_auc": float(roc_auc_score(onehot, proba, average="macro")),
        "pr_auc": float(average_precision_score(onehot, proba, average="macro")),
        "accuracy": float(np.mean(proba.argmax(1) == yte)),
        "chance_pr_auc": float(onehot.mean(0).mean()),
        "classes": classes,
        "train_clips": int(tr.sum()),
        "test_clips": int(te.sum()),
        "C": best_c,
        "arrays": {"onehot": onehot, "proba": proba, "rows": np.flatnonzero(te)},
    }


def macro_scores(onehot: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """(macro ROC-AUC, macro PR-AUC) over the classes that have both positives and negatives, in numpy
    (the bootstrap calls it thousands of times): ROC-AUC from the ranks of the positives (ties averaged, as
    scikit-learn), average precision as the mean precision at each positive (ties broken by order)."""
    from scipy.stats import rankdata

    roc, ap = [], []
    for k in range(onehot.shape[1]):
        y, s = onehot[:, k] > 0.5, proba[:, k]
        pos = int(y.sum())
        if pos == 0 or pos == len(y):
            continue
        roc.append((rankdata(s)[y].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))
        hits = y[np.argsort(-s, kind="stable")]
        ap.append(float(np.mean((np.cumsum(hits) / np.arange(1, len(y) + 1))[hits])))
    return float(np.mean(roc)), float(np.mean(ap))


def paired_bootstrap(
    a: dict[str, Any], b: dict[str, Any], groups: np.ndarray, n: int = 500, seed: int = 0
) -> dict[str, list[float]]:
    """95% intervals of ``a`` minus ``b`` (two :func:`linear_probe` results on the same test clips) in macro
    ROC-AUC and PR-AUC, resampling test pieces (``groups``: each test clip's piece) with replacement."""
    rng = np.random.default_rng(seed)
    ra, rb = a["arrays"], b["arrays"]
    if not np.array_equal(ra["rows"], rb["rows"]):
        raise ValueError("the two probes were scored on different test clips")
    g = np.asarray(groups)[ra["rows"]]
    pieces = np.unique(g)
    members = {p: np.flatnonzero(g == p) for p in pieces}
    diffs = []
    for _ in range(n):
        idx = np.concatenate([members[p] for p in rng.choice(pieces, size=len(pieces))])
        sa = macro_scores(ra["onehot"][idx], ra["proba"][idx])
        sb = macro_scores(rb["onehot"][idx], rb["proba"][idx])
        diffs.append((sa[0] - sb[0], sa[1] - sb[1]))
    d = np.asarray(diffs)
    return {
        "roc_auc": [float(np.percentile(d[:, 0], 2.5)), float(np.percentile(d[:, 0], 97.5))],
        "pr_auc": [float(np.percentile(d[:, 1], 2.5)), float(np.percentile(d[:, 1], 97.5))],
    }


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=500, tol=1e-3)).fit(x, y)


def _choose_c(x: np.ndarray, y: np.ndarray, groups: np.ndarray, grid: Sequence[float]) -> float:
    from sklearn.model_selection import GroupKFold

    folds = list(GroupKFold(n_splits=min(3, len(set(groups.tolist())))).split(x, y, groups))
    scores = []
    for c in grid:
        acc = [np.mean(_fit(x[a], y[a], c).predict(x[b]) == y[b]) for a, b in folds if len(set(y[a])) > 1]
        scores.append(float(np.mean(acc)) if acc else 0.0)
    return float(grid[int(np.argmax(scores))])


def probe_all(
    features: dict[str, tuple[np.ndarray, np.ndarray]],
    train: ClipSet,
    test: ClipSet,
    tasks: Sequence[str] = TASK_NAMES,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{task: {method: probe result}}`` for every ``method`` of ``features`` (``{method: (train matrix,
    test matrix)}``, rows in the clip sets' order)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for task in tasks:
        out[task] = {
            name: linear_probe(xtr, train.labels(task), train.groups(), xte, test.labels(task))
            for name, (xtr, xte) in features.items()
        }
    return out
