"""A MIR benchmark (issue 22, item 5; after CMI-Bench): every understanding and analysis task partita has, on
held-out data, scored with mir_eval's metrics where they exist, each beside a baseline measured in the same
run, in one table.

A task is a :class:`MirTask` in :data:`MIR_TASKS`: its name, what it measures, its metric, its baseline and a
``run(task, config, progress)`` that returns :func:`result_row` rows. :func:`run_mir_bench` runs a selection:

- ``key``: POP909's key (``key_audio.txt``, the key that lasts longest), odd song ids (the even ids chose the
  key profiles): ``mir_eval.key.weighted_score`` of :func:`partita.analysis.key.estimate_key` against
  music21's ``analyze('key')``;
- ``chords``: POP909's ``chord_midi.txt``, odd ids (the chord model was fitted on the even ids):
  ``mir_eval.chord`` root, majmin and mirex of :func:`partita.analysis.chords.estimate_chords` against a
  naive per-beat 24-triad template matcher on the same beat grid;
- ``sections``: O'Neill's 1850 tunes 201-400 (the first 200 chose the settings) against their notated strains
  after repeat expansion: ``mir_eval.segment.detection`` F at 3 s and ``pairwise`` label F of ``describe()``'s
  sections against a boundary every 8 bars;
- ``melody``: POP909 melody extraction, note level (melody / bridge / piano), the corpus's test songs: the
  shipped ``encoder-small`` classifier against the skyline;
- ``velocity``: POP909 velocity, MidiBERT-Piano's 6 classes, note level, test songs: a linear probe on
  ``encoder-small`` against gradient boosting on hand features;
- ``composer``, ``region``, ``province``, ``tune_type``, ``style``: piece-level classes of the built corpus
  ``all`` (its test split; :mod:`partita.evaluation.understanding`): a linear probe on ``encoder-small``
  against hand features (tune type: the meter alone; style: the Selector's shipped classifier).

Audio tasks (transcription) are not here yet: rendering test audio is the render layer's, above this one
(``bench/bench_transcribe.py`` measures transcription); a task with ``audio=True`` would be left out of the
default selection.

``quick`` takes small held-out samples (each row states its sample); the full mode takes the held-out sets the
separate benchmarks use (``bench/bench_analysis.py``, ``bench_sections.py``, ``bench_melody.py``,
``bench_understanding.py``). The reference readers and scorers the analysis benchmarks share live here too.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

ENCODER = "encoder-small"
"""The shipped encoder every learned row uses."""


@dataclass
class MirBenchConfig:
    """What a run reads and how much of it."""

    quick: bool = True
    pop909: str | None = None
    """The POP909 folder (``NNN/NNN.mid``, ``key_audio.txt``, ``chord_midi.txt``); None: the shared data."""
    corpus: str = "all"
    """The built corpus of the piece-level tasks."""
    limit: int | None = None
    """Overrides every task's sample size (a tiny run)."""
    seed: int = 0

    def size(self, task: MirTask) -> int:
        """The number of held-out items ``task`` takes in this run."""
        if self.limit is not None:
            return self.limit
        return task.quick_n if self.quick else task.full_n

    def pop909_root(self) -> Path:
        from partita.paths import shared_data_dir

        root = Path(self.pop909) if self.pop909 else shared_data_dir() / "pop909"
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no POP909 folder")
        return root


Runner = Callable[["MirTask", MirBenchConfig, ProgressCallback | None], list[dict]]


@dataclass(frozen=True)
class MirTask:
    """One benchmark task."""

    name: str
    measures: str
    metric: str
    baseline: str
    data: str
    """The held-out data it is scored on."""
    quick_n: int
    full_n: int
    run: Runner = field(repr=False)
    audio: bool = False
    """Audio tasks render and transcribe: not in the default selection."""


def result_row(
    task: MirTask,
    metric: str,
    value: float,
    baseline_value: float | None,
    sample: str,
    system: str,
    baseline: str | None = None,
    higher_is_better: bool = True,
    notes: str = "",
) -> dict[str, Any]:
    """One row of the table: partita's ``value`` and the baseline's, measured on the same ``sample``."""
    return {
        "task": task.name,
        "metric": metric,
        "system": system,
        "value": float(value),
        "baseline": baseline or task.baseline,
        "baseline_value": None if baseline_value is None else float(baseline_value),
        "higher_is_better": higher_is_better,
        "sample": sample,
        "data": task.data,
        "notes": notes,
    }


# ---------------------------------------------------------------- POP909 references (shared with bench/)


def pop909_halves(root: Path) -> tuple[list[str], list[str]]:
    """(development ids, evaluation ids) of the analysis benchmarks: even ids develop, odd ids evaluate."""
    ids = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    return [i for i in ids if int(i) % 2 == 0], [i for i in ids if int(i) % 2 == 1]


def reference_key(path: Path) -> str:
    """The key of ``key_audio.txt`` that lasts longest, in mir_eval's ``"Eb major"`` form."""
    from partita.analysis.key import key_name, parse_key

    spans: dict[str, float] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            spans[parts[2]] = spans.get(parts[2], 0.0) + float(parts[1]) - float(parts[0])
    if not spans:
        raise ValueError(f"{path}: no key lines (start end key)")
    return key_name(parse_key(max(spans, key=spans.get)))


def music21_key(path: Path) -> tuple[str, float]:
    """music21's ``analyze('key')`` of a file, as ``"Eb major"``, and the seconds it took with parsing."""
    from music21 import converter

    t = time.perf_counter()
    k = converter.parse(str(path)).analyze("key")
    elapsed = time.perf_counter() - t
    mode = "minor" if k.mode == "minor" else "major"
    return f"{k.tonic.name.replace('-', 'b')} {mode}", elapsed


CHORD_METRICS = ("root", "majmin", "sevenths")


def mir_eval_chord_scores(
    ref_intervals, ref_labels, est_intervals, est_labels, metrics: Sequence[str] = CHORD_METRICS
) -> dict[str, float]:
    """mir_eval's chord ``metrics`` (duration-weighted over the reference's time span).

    This is what ``mir_eval.chord.evaluate`` computes for these metrics, without its segmentation metrics,
    which raise on estimates that extend past the reference (zero-length after trimming).
    """
    import mir_eval

    lo, hi = float(ref_intervals.min()), float(ref_intervals.max())
    keep = (est_intervals[:, 1] > lo) & (est_intervals[:, 0] < hi)
    est_intervals = np.clip(est_intervals[keep], lo, hi)
    est_labels = [lab for lab, k in zip(est_labels, keep, strict=True) if k]
    est_intervals, est_labels = mir_eval.util.adjust_intervals(
        est_intervals, est_labels, lo, hi, mir_eval.chord.NO_CHORD, mir_eval.chord.NO_CHORD
    )
    intervals, ref, est = mir_eval.util.merge_labeled_intervals(
        ref_intervals, ref_labels, est_intervals, est_labels
    )
    durations = mir_eval.util.intervals_to_durations(intervals)
    return {
        name: float(mir_eval.chord.weighted_accuracy(getattr(mir_eval.chord, name)(ref, est), durations))
        for name in metrics
    }


def chord_scores(
    grid, tmap, ref_intervals, ref_labels, labels, metrics: Sequence[str] = CHORD_METRICS
) -> dict[str, float]:
    """mir_eval scores of per-beat chord ``labels`` on ``grid``'s beats (seconds from ``tmap``)."""
    from partita.analysis.chords import merge_labels

    seg = merge_labels(labels, grid.beats)
    est_i = np.array([[tmap.seconds(a), tmap.seconds(b)] for a, b, _ in seg])
    return mir_eval_chord_scores(ref_intervals, ref_labels, est_i, [lab for *_, lab in seg], metrics)


# ---------------------------------------------------------------- O'Neill's strains (shared with bench/)


def _strains(stream) -> list[tuple[float, bool]] | None:
    """The notated strains of a tune: (quarter length, repeated) per part ended by a double bar or a repeat.

    None for tunes with first/second endings (their expansion is not a plain repeat).
    """
    from music21 import bar, spanner

    part = stream.parts[0] if getattr(stream, "parts", None) else stream
    if any(
        isinstance(sp, spanner.RepeatBracket) for sp in part.recurse().getElementsByClass(spanner.Spanner)
    ):
        return None
    strains: list[tuple[float, bool]] = []
    length = 0.0
    for m in part.getElementsByClass("Measure"):
        length += float(m.duration.quarterLength)
        right = m.rightBarline
        if isinstance(right, bar.Repeat) and right.direction == "end":
            strains.append((length, True))
            length = 0.0
        elif right is not None and right.type in ("double", "final", "light-light", "light-heavy"):
            strains.append((length, False))
            length = 0.0
    if length > 0:
        strains.append((length, False))
    return strains


def _fit_span(intervals: np.ndarray, labels: list[str], end: float) -> tuple[np.ndarray, list[str]]:
    """Intervals cut to [0, end], empty ones dropped, the last one stretched to ``end`` (mir_eval's
    demand)."""
    iv = np.clip(intervals, 0.0, end)
    keep = iv[:, 1] - iv[:, 0] > 1e-6
    iv, labels = iv[keep], [lab for lab, k in zip(labels, keep, strict=True) if k]
    iv[-1, 1] = end
    return iv, labels


def _strain_reference(text: str):
    """(score, stream, reference intervals in seconds, strain labels, end in quarters) of an ABC tune, or
    None when the tune has no usable strains."""
    import music21

    from partita.analysis.timeline import TempoMap
    from partita.score.music21_bridge import first_score, from_music21

    try:
        stream = first_score(music21.converter.parseData(text, format="abc"))
        strains = _strains(stream)
        if not strains or len(strains) < 2:
            return None
        score = from_music21(stream, expand_repeats=True)
    except Exception as e:  # a tune music21 cannot read is skipped
        log.info("skipped a tune: %s", e)
        return None
    tpq = score.ticks_per_quarter
    # the score pads a pickup measure to a full bar: the strains start after that padding
    first = stream.flatten().notes
    pad = (score.tracks[0].notes[0].time / tpq - float(first[0].offset)) if len(first) else 0.0
    bounds, labels, t = [0.0], [], pad
    for i, (ql, repeated) in enumerate(s for s in strains if s[0] > 0):
        for _ in range(2 if repeated else 1):
            t += ql
            bounds.append(t)
            labels.append(chr(65 + i % 26))
    if abs(score.end() / tpq - t) > 1.0:  # the expansion does not match the notation: no usable reference
        return None
    sec = TempoMap(score).seconds(np.asarray(bounds) * tpq)
    return score, stream, np.stack([sec[:-1], sec[1:]], axis=1), labels, t


def section_scores(n_tunes: int, skip: int = 0, progress: ProgressCallback | None = None) -> dict:
    """Section boundaries of O'Neill's 1850 tunes against their notated strains after repeat expansion.

    Reference: each strain (ended by a double bar or a repeat sign) is a section, twice when repeated,
    labelled by strain (A A B B). Estimate: ``describe()``'s sections on the expanded score. Baseline: a
    boundary every 8 bars. Scores: mir_eval.segment.detection F-measure at 0.5 s and 3 s, and pairwise label
    F-measure. The first ``skip`` usable tunes are left out (the held-out half starts after them).
    """
    import mir_eval
    import music21

    from partita.analysis.description import describe
    from partita.analysis.timeline import TempoMap
    from partita.score import iter_abc_tunes

    folder = Path(music21.__file__).parent / "corpus" / "oneills1850"
    out: dict[str, list[float]] = {k: [] for k in ("f05", "f3", "pair", "b05", "b3", "bpair")}
    usable = 0
    for f in sorted(folder.glob("*.abc")):
        for _, text in iter_abc_tunes(f.read_text(encoding="latin-1")):
            if len(out["f3"]) >= n_tunes:
                break
            found = _strain_reference(text)
            if found is None:
                continue
            usable += 1
            if usable <= skip:
                continue
            score, stream, ref, labels, t = found
            d = describe(score, analyse_chords=False)
            if not d.sections:
                continue
            est = _fit_span(
                np.array([[x["start"], x["end"]] for x in d.sections]),
                [x["label"] for x in d.sections],
                ref[-1, 1],
            )
            bar_ql = float(stream.flatten().getTimeSignatures()[0].barDuration.quarterLength)
            grid = np.unique(np.r_[np.arange(0, t - 1e-6, 8 * bar_ql), t]) * score.ticks_per_quarter
            sec = TempoMap(score).seconds(grid)
            base_iv, _ = _fit_span(np.stack([sec[:-1], sec[1:]], axis=1), [""] * (len(sec) - 1), ref[-1, 1])
            base = (base_iv, [str(i) for i in range(len(base_iv))])
            for prefix, (iv, lab) in (("f", est), ("b", base)):
                out[f"{prefix}05"].append(mir_eval.segment.detection(ref, iv, window=0.5)[2])
                out[f"{prefix}3"].append(mir_eval.segment.detection(ref, iv, window=3.0)[2])
                pair = mir_eval.segment.pairwise(ref, labels, iv, lab)[2]
                out["pair" if prefix == "f" else "bpair"].append(pair)
            report(progress, len(out["f3"]), n_tunes, "O'Neill")
    return {"n": len(out["f3"]), **{k: float(np.mean(v)) if v else float("nan") for k, v in out.items()}}


# ---------------------------------------------------------------- task runners


@functools.lru_cache(maxsize=2)
def _encoder(name: str = ENCODER):
    from partita.models.encoder import MusicEncoder

    return MusicEncoder.from_pretrained(name)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _key(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    import mir_eval

    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays
    from partita.score import read_midi

    root = config.pop909_root()
    ids = pop909_halves(root)[1][: config.size(task)]
    ours, base = [], []
    for i, sid in enumerate(ids):
        path = root / sid / f"{sid}.mid"
        ref = reference_key(root / sid / "key_audio.txt")
        notes = note_arrays(read_midi(path))
        est = estimate_key(notes.select(~notes.drum))
        ours.append(mir_eval.key.weighted_score(ref, est.name) if est is not None else 0.0)
        base.append(mir_eval.key.weighted_score(ref, music21_key(path)[0]))
        report(progress, i + 1, len(ids), sid)
    sample = f"{len(ids)} POP909 songs (odd ids)"
    exact = [_mean([w == 1.0 for w in ours]), _mean([w == 1.0 for w in base])]
    return [
        result_row(task, task.metric, _mean(ours), _mean(base), sample, "estimate_key"),
        result_row(task, "exact key accuracy", exact[0], exact[1], sample, "estimate_key"),
    ]


def _chords(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    import mir_eval

    from partita.analysis.chords import estimate_chords, naive_chords
    from partita.analysis.features import track_roles
    from partita.analysis.timeline import TempoMap, beat_grid, note_arrays
    from partita.score import read_midi

    root = config.pop909_root()
    ids = pop909_halves(root)[1][: config.size(task)]
    metrics = ("root", "majmin", "mirex")
    got: dict[str, list[dict[str, float]]] = {"ours": [], "naive": []}
    for i, sid in enumerate(ids):
        score = read_midi(root / sid / f"{sid}.mid")
        notes = note_arrays(score)
        grid = beat_grid(score, notes, int(notes.end.max()))
        melody = next((r.index for r in track_roles(score, notes) if r.role == "melody"), None)
        ref = mir_eval.io.load_labeled_intervals(str(root / sid / "chord_midi.txt"))
        for name, labels in (
            ("ours", estimate_chords(notes, grid.beats, melody)),
            ("naive", naive_chords(notes, grid.beats)),
        ):
            got[name].append(chord_scores(grid, TempoMap(score), *ref, labels, metrics))
        report(progress, i + 1, len(ids), sid)
    sample = f"{len(ids)} POP909 songs (odd ids), mean per song"
    return [
        result_row(
            task,
            f"mir_eval.chord {m}",
            _mean([s[m] for s in got["ours"]]),
            _mean([s[m] for s in got["naive"]]),
            sample,
            "estimate_chords",
        )
        for m in metrics
    ]


SECTIONS_SKIP = 200
"""O'Neill's first 200 usable tunes chose the section settings: the held-out tunes come after them."""


def _sections(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    r = section_scores(config.size(task), skip=SECTIONS_SKIP, progress=progress)
    sample = f"{r['n']} held-out O'Neill tunes (usable tunes {SECTIONS_SKIP + 1}-{SECTIONS_SKIP + r['n']})"
    return [
        result_row(task, "mir_eval.segment.detection F (3 s)", r["f3"], r["b3"], sample, "describe()"),
        result_row(task, "mir_eval.segment.detection F (0.5 s)", r["f05"], r["b05"], sample, "describe()"),
        result_row(task, "mir_eval.segment.pairwise F", r["pair"], r["bpair"], sample, "describe()"),
    ]


def _melody(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    from partita.evaluation.melody_extraction import load_pop909, melody_metrics, skyline_predictions
    from partita.models.encoder import note_tokens

    model = _encoder()
    songs = load_pop909("test", root=config.pop909_root(), limit=config.size(task), progress=progress)
    if not songs:
        raise ValueError("no POP909 test songs to score melody extraction on")
    y = np.concatenate([s.labels for s in songs])
    ours = melody_metrics(
        y, np.concatenate([model.classify(note_tokens(s.notes, model.config)).argmax(1) for s in songs])
    )
    sky = melody_metrics(y, np.concatenate([skyline_predictions(s.notes) for s in songs]))
    sample = f"{len(songs)} POP909 test songs, {len(y)} notes"
    system = f"{ENCODER} classifier"
    return [
        result_row(task, task.metric, ours["accuracy"], sky["accuracy"], sample, system),
        result_row(
            task, "melody-vs-rest accuracy", ours["melody_vs_rest"], sky["melody_vs_rest"], sample, system
        ),
        result_row(task, "melody F1", ours["melody_f1"], sky["melody_f1"], sample, system),
    ]


def _velocity(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    from partita.evaluation.melody_extraction import load_pop909, pop909_songs, read_pop909_song
    from partita.evaluation.understanding import velocity_task

    root = config.pop909_root()
    n = config.size(task)
    paths = pop909_songs("train", root)  # a random sample: by id, the songs' loudness drifts
    if not paths:
        raise ValueError(f"{root}: no POP909 train songs to fit the velocity probe on")
    pick = np.random.default_rng(config.seed).choice(len(paths), min(2 * n, len(paths)), replace=False)
    train = [read_pop909_song(paths[i]).notes for i in sorted(pick)]
    test = [s.notes for s in load_pop909("test", root=root, limit=n)]
    max_notes = 15_000 if config.quick else 60_000
    res = velocity_task(
        train, test, {ENCODER: _encoder()}, max_notes, n_boot=0, seed=config.seed, progress=progress
    )
    ours, base = res[f"probe:{ENCODER}"], res["hand_boosting"]
    sample = f"{len(test)} POP909 test songs, {sum(len(x) for x in test)} notes"
    sample += f"; fitted on {len(train)} train songs"
    note = f"majority class: accuracy {res['majority']['accuracy']:.3f}; MidiBERT-Piano 0.516, its RNN 0.438"
    system = f"linear probe on {ENCODER}"
    return [
        result_row(
            task, "accuracy (6 classes)", ours["accuracy"], base["accuracy"], sample, system, notes=note
        ),
        result_row(task, "macro-F1 (6 classes)", ours["macro_f1"], base["macro_f1"], sample, system),
    ]


PIECE_BASELINES = {"tune_type": "meter", "style": "selector"}
"""The baseline of each piece-level task (hand features otherwise)."""


@functools.lru_cache(maxsize=1)
def _corpus(name: str):
    from partita.corpus import load_corpus

    corpus = load_corpus(name)
    return corpus, corpus.records()


def _selector():
    from partita.evaluation.selector import SELECTOR_DIR
    from partita.models.pretrained import resolve
    from partita.models.style_classifier import StyleClassifier

    return StyleClassifier.from_pretrained(resolve("partita-small") / SELECTOR_DIR)


def _piece_task(task: MirTask, config: MirBenchConfig, progress: ProgressCallback | None) -> list[dict]:
    from partita.evaluation.understanding import TASKS, gather, run_task

    corpus, rows = _corpus(config.corpus)
    n = config.size(task)
    data = gather(TASKS[task.name], rows, cap=min(2 * n, 150), test_cap=n, seed=config.seed)
    base = PIECE_BASELINES.get(task.name, "hand")
    res = run_task(
        data,
        corpus.read_piece,
        {ENCODER: _encoder()},
        selector=_selector() if base == "selector" else None,
        max_notes=1024,
        n_boot=0,
        seed=config.seed,
        progress=progress,
    )
    ours, peer = res.results[f"probe:{ENCODER}"], res.results[base]
    counts = res.counts
    sample = (
        f"{sum(counts['test'].values())} test pieces of corpus {config.corpus}, {len(res.classes)} classes; "
        f"fitted on {sum(counts['train'].values())} train pieces (at most {min(2 * n, 150)} a class)"
    )
    note = f"majority class: accuracy {res.results['majority']['accuracy']:.3f}"
    system = f"linear probe on {ENCODER}"
    return [
        result_row(task, "accuracy", ours["accuracy"], peer["accuracy"], sample, system, notes=note),
        result_row(task, "macro-F1", ours["macro_f1"], peer["macro_f1"], sample, system),
    ]


# ---------------------------------------------------------------- the registry and the run

_POP909_ODD = "POP909, odd song ids (held out from the key profiles and the chord model)"
_POP909_TEST = "POP909, the corpus's test songs"
_CORPUS_TEST = "corpus all, its test split (by work group)"

MIR_TASKS: dict[str, MirTask] = {
    t.name: t
    for t in (
        MirTask("key", "the global key", "mir_eval.key weighted score", "music21 analyze('key')",
                _POP909_ODD, 10, 100, _key),
        MirTask("chords", "chord labels per beat", "mir_eval.chord root / majmin / mirex",
                "naive per-beat 24-triad templates", _POP909_ODD, 50, 400, _chords),
        MirTask("sections", "section boundaries and labels", "mir_eval.segment detection / pairwise F",
                "a boundary every 8 bars", "O'Neill's 1850 tunes after the first 200 usable ones",
                30, 200, _sections),
        MirTask("melody", "melody / bridge / piano of each note", "note accuracy (3 classes)", "skyline",
                _POP909_TEST, 30, 74, _melody),
        MirTask("velocity", "MidiBERT-Piano's 6 velocity classes of each note", "note accuracy",
                "gradient boosting on hand features", _POP909_TEST, 20, 74, _velocity),
        MirTask("composer", "composer (Bach, Palestrina, Monteverdi, ...)", "accuracy / macro-F1",
                "logistic regression on hand features", _CORPUS_TEST, 30, 200, _piece_task),
        MirTask("region", "Essen region: China, Germany, other", "accuracy / macro-F1",
                "logistic regression on hand features", _CORPUS_TEST, 50, 200, _piece_task),
        MirTask("province", "province of a Chinese Essen song", "accuracy / macro-F1",
                "logistic regression on hand features", _CORPUS_TEST, 10, 200, _piece_task),
        MirTask("tune_type", "Irish / Scottish tune type (reel, jig, ...)", "accuracy / macro-F1",
                "the meter alone", _CORPUS_TEST, 30, 200, _piece_task),
        MirTask("style", "the corpus's style families (the Selector's labels)", "accuracy / macro-F1",
                "the Selector's shipped style classifier", _CORPUS_TEST, 25, 200, _piece_task),
    )
}  # fmt: skip
"""Every task, by name; a piece-level task's sample size is its test pieces a class (train: twice that)."""


def resolve_tasks(names: Sequence[str] | str | None = None) -> list[MirTask]:
    """The tasks named (a list or ``"key,chords"``; None: every task but the audio ones), in table order;
    an unknown name raises one clear ValueError."""
    if names is None:
        return [t for t in MIR_TASKS.values() if not t.audio]
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    wanted = [n.strip() for n in names if n.strip()]
    unknown = [n for n in wanted if n not in MIR_TASKS]
    if unknown:
        raise ValueError(
            f"unknown MIR task{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: "
            f"choose from {', '.join(MIR_TASKS)}"
        )
    if not wanted:
        raise ValueError(f"no MIR task named: choose from {', '.join(MIR_TASKS)}")
    return [t for name, t in MIR_TASKS.items() if name in wanted]


def run_mir_bench(
    tasks: Sequence[str] | str | None = None,
    quick: bool = True,
    progress: ProgressCallback | None = None,
    config: MirBenchConfig | None = None,
) -> list[dict[str, Any]]:
    """Run the ``tasks`` (None: all but audio) and return the table: one :func:`result_row` per metric, each
    with the task's seconds. ``quick`` takes small held-out samples (``config`` overrides it when given)."""
    chosen = resolve_tasks(tasks)
    config = config or MirBenchConfig(quick=quick)
    table: list[dict[str, Any]] = []
    for i, task in enumerate(chosen):
        report(progress, i, len(chosen), task.name)

        def inner(done: int, total: int, message: str = "", _i: int = i, _name: str = task.name) -> None:
            report(progress, _i, len(chosen), f"{_name} {done}/{total}")

        t0 = time.monotonic()
        rows = task.run(task, config, inner)
        seconds = round(time.monotonic() - t0, 1)
        log.info("%s: %d rows in %.0f s", task.name, len(rows), seconds)
        command = f"partita bench mir --tasks {task.name}" + ("" if config.quick else " --full")
        command += f" --seed {config.seed}" if config.seed else ""
        if config.limit is not None or config.pop909 or config.corpus != "all":
            command = None  # a run the CLI's options cannot repeat
        table.extend({**r, "seconds": seconds, "quick": config.quick, "command": command} for r in rows)
    report(progress, len(chosen), len(chosen), "done")
    return table


def format_table(table: Sequence[dict[str, Any]]) -> str:
    """The table as aligned text: task, metric, partita, baseline, the baseline's name, the sample."""
    head = ("task", "metric", "partita", "baseline", "baseline is", "held-out sample")
    lines = [
        (
            r["task"],
            r["metric"],
            f"{r['value']:.3f}",
            "-" if r["baseline_value"] is None else f"{r['baseline_value']:.3f}",
            r["baseline"],
            r["sample"],
        )
        for r in table
    ]
    widths = [max(len(x[k]) for x in (head, *lines)) for k in range(len(head) - 1)]
    out = []
    for x in (head, *lines):
        out.append("  ".join(c.ljust(w) if k < 2 or k == 4 else c.rjust(w) for k, (c, w) in
                             enumerate(zip(x[:-1], widths, strict=True))) + "  " + x[-1])  # fmt: skip
    return "\n".join(out)
