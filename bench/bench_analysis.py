"""Accuracy and speed of partita.analysis against real annotations, with the baselines measured in the same
run.

- Key: ``mir_eval.key.weighted_score`` and exact accuracy against POP909's ``key_audio.txt`` (the key that
  lasts longest), on the evaluation half of POP909 (odd song ids; the even ids were used to choose profiles
  and weights); baseline music21 ``analyze('key')`` on the same songs, timed with its parsing. Also exact
  accuracy against the notated ``K:`` key of Essen folk songs in music21's corpus (ABC).
- Chords: ``mir_eval.chord`` root, majmin and sevenths against POP909's ``chord_midi.txt``; baseline the naive
  per-beat 24-triad template matcher on the same beat grid.
- Speed: seconds per song for partita (symusic parsing + key) and for the whole ``describe()``, against
  music21's parsing + ``analyze('key')``.

    python bench/bench_analysis.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.evaluation.mir_bench import (  # noqa: E402  (shared with partita bench mir)
    chord_scores,
    mir_eval_chord_scores,
    music21_key,
    reference_key,
)
from partita.evaluation.mir_bench import pop909_halves as pop909_split  # noqa: E402
from partita.evaluation.mir_bench import section_scores as bench_structure  # noqa: E402

log = logging.getLogger("bench_analysis")


CHORD_FEATURES = ["profile", "bass", "context", "lowest", "bass_onset"]
CHORD_HIDDEN = 32
CHORD_L2 = 1e-5
CHORD_CHANGE_COST = 1.5
CHORD_BEAT_STEP = 2
CHORD_MAX_ITER = 150
"""The shipped chord model: its feature blocks, hidden units, L2 penalty and Viterbi change cost, chosen by
``--chord-ablation`` (fit on the development ids divisible by 4, measured on the other development ids). The
shipped model is fitted on every second beat of the development songs with 150 L-BFGS iterations, to fit in
about five CPU minutes (neighbouring beats mostly repeat each other)."""


def chord_examples(root: Path, ids: list[str]) -> list[dict]:
    """Per song: the chord model's feature blocks, the reference chord index per beat, and what scoring
    needs."""
    import mir_eval

    from partita.analysis.chord_model import label_index
    from partita.analysis.chords import QUALITIES, ChordConfig, beat_features
    from partita.analysis.features import track_roles
    from partita.analysis.timeline import TempoMap, beat_grid, note_arrays
    from partita.score import read_midi

    out = []
    for sid in ids:
        score = read_midi(root / sid / f"{sid}.mid")
        notes = note_arrays(score)
        grid = beat_grid(score, notes, int(notes.end.max()))
        melody = next((r.index for r in track_roles(score, notes) if r.role == "melody"), None)
        blocks = beat_features(notes, grid.beats, melody, ChordConfig().melody_weight)
        ri, rl = mir_eval.io.load_labeled_intervals(str(root / sid / "chord_midi.txt"))
        sec = TempoMap(score).seconds(grid.beats)
        mid = (sec[:-1] + sec[1:]) / 2
        j = np.searchsorted(ri[:, 0], mid, side="right") - 1
        y = np.array(
            [
                label_index(rl[k], list(QUALITIES)) if k >= 0 and m < ri[k, 1] else -1
                for k, m in zip(j, mid, strict=True)
            ]
        )
        out.append({"blocks": blocks, "y": y, "seconds": sec, "ref": (ri, rl)})
    return out


def _fit(examples: list[dict], step: int = 1, **options):
    """A chord model fitted on every ``step``-th beat of ``examples``; ``options`` go to fit_chord_model."""
    from partita.analysis.chord_model import fit_chord_model
    from partita.analysis.chords import QUALITIES

    def every(y: np.ndarray) -> np.ndarray:
        return np.where(np.arange(len(y)) % step == 0, y, -1)

    return fit_chord_model([(e["blocks"], every(e["y"])) for e in examples], list(QUALITIES), **options)


def fit_chords(root: Path) -> Path:
    """Fit the chord model on the POP909 development songs (even ids) and save it as the shipped model."""
    import torch

    from partita.analysis.chord_model import save_chord_model

    torch.set_num_threads(1)
    dev, _ = pop909_split(root)
    options = {"features": CHORD_FEATURES, "hidden": CHORD_HIDDEN, "l2": CHORD_L2, "max_iter": CHORD_MAX_ITER}
    trained_on = f"POP909 development songs (even ids, {len(dev)}), every {CHORD_BEAT_STEP}nd beat"
    examples = chord_examples(root, dev)
    model = _fit(examples, CHORD_BEAT_STEP, change_cost=CHORD_CHANGE_COST, trained_on=trained_on, **options)
    return save_chord_model(model)


def chord_ablation(root: Path) -> None:
    """Fit chord models on the development ids divisible by 4 and print their scores on the other even ids."""
    import torch

    from partita.analysis.chords import _decode

    torch.set_num_threads(1)
    dev, _ = pop909_split(root)
    train = chord_examples(root, [i for i in dev if int(i) % 4 == 0])
    held = chord_examples(root, [i for i in dev if int(i) % 4 == 2])
    base = ["profile", "bass", "context"]
    for features, hidden, l2 in (
        (base, 0, 1e-4),
        (base + ["lowest"], 0, 1e-4),
        (base + ["bass_onset"], 0, 1e-4),
        (base + ["lowest", "bass_onset"], 0, 1e-4),
        (CHORD_FEATURES, CHORD_HIDDEN, CHORD_L2),
    ):
        model = _fit(train, features=features, hidden=hidden, l2=l2, change_cost=CHORD_CHANGE_COST)
        for cost in (1.0, 1.5, 2.0):
            scores = []
            for e in held:
                labels = _decode(model.log_probs(e["blocks"]), e["blocks"]["profile"], model.qualities, cost)
                scores.append(_score_labels(e, labels))
            mean = {k: float(np.mean([x[k] for x in scores])) for k in ("root", "majmin", "sevenths")}
            print(
                f"{'+'.join(features)} hidden={hidden} change_cost={cost}: "
                + ", ".join(f"{k} {v:.4f}" for k, v in mean.items())
            )


def _score_labels(example: dict, labels: list[str]) -> dict[str, float]:
    from partita.analysis.chords import merge_labels

    sec = example["seconds"]
    seg = merge_labels(labels, np.arange(len(sec)))
    est_i = np.array([[sec[a], sec[b]] for a, b, _ in seg])
    return mir_eval_chord_scores(*example["ref"], est_i, [lab for *_, lab in seg])


def bench_pop909(root: Path, n_eval: int | None, n_music21: int | None) -> tuple[list[dict], dict]:
    import mir_eval

    from partita.analysis.chords import estimate_chords, naive_chords
    from partita.analysis.description import describe
    from partita.analysis.features import track_roles
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import TempoMap, beat_grid, note_arrays
    from partita.score import read_midi

    _, eval_ids = pop909_split(root)
    ids = eval_ids[:n_eval] if n_eval else eval_ids
    res: dict[str, list[float]] = {k: [] for k in ("w", "x", "t_key", "t_desc", "w21", "x21", "t21")}
    ch: dict[str, list[float]] = {
        f"{m}_{k}": [] for m in ("ours", "templates", "naive") for k in ("root", "majmin", "sevenths")
    }
    for i, sid in enumerate(ids):
        path = root / sid / f"{sid}.mid"
        ref = reference_key(root / sid / "key_audio.txt")
        t = time.perf_counter()
        score = read_midi(path)
        notes = note_arrays(score)
        est = estimate_key(notes.select(~notes.drum))
        res["t_key"].append(time.perf_counter() - t)
        t = time.perf_counter()
        describe(read_midi(path))
        res["t_desc"].append(time.perf_counter() - t)
        w = mir_eval.key.weighted_score(ref, est.name)
        res["w"].append(w)
        res["x"].append(float(w == 1.0))
        grid = beat_grid(score, notes, int(notes.end.max()))
        tmap = TempoMap(score)
        roles = track_roles(score, notes)
        melody = next((r.index for r in roles if r.role == "melody"), None)
        ri, rl = mir_eval.io.load_labeled_intervals(str(root / sid / "chord_midi.txt"))
        for name, labels in (
            ("ours", estimate_chords(notes, grid.beats, melody)),
            ("templates", estimate_chords(notes, grid.beats, melody, method="templates")),
            ("naive", naive_chords(notes, grid.beats)),
        ):
            for k, v in chord_scores(grid, tmap, ri, rl, labels).items():
                ch[f"{name}_{k}"].append(v)
        if n_music21 is None or i < n_music21:
            k21, t21 = music21_key(path)
            w21 = mir_eval.key.weighted_score(ref, k21)
            res["w21"].append(w21)
            res["x21"].append(float(w21 == 1.0))
            res["t21"].append(t21)
        if (i + 1) % 50 == 0:
            log.info("%d/%d songs", i + 1, len(ids))
    n21 = len(res["w21"])
    m = {k: float(np.mean(v)) if v else float("nan") for k, v in {**res, **ch}.items()}
    # the same songs for the paired comparison with music21
    m["w_paired"] = float(np.mean(res["w"][:n21]))
    m["x_paired"] = float(np.mean(res["x"][:n21]))
    m["t_key_paired"] = float(np.mean(res["t_key"][:n21]))
    m["t_desc_paired"] = float(np.mean(res["t_desc"][:n21]))
    return ids, {"metrics": m, "n": len(ids), "n_music21": n21}


_K_FIELD = re.compile(r"^K:\s*([A-G][#b]?)\s*$", re.MULTILINE)


def _m21_key_name(k) -> str:
    return f"{k.tonic.name.replace('-', 'b')} {'minor' if k.mode == 'minor' else 'major'}"


def bench_bach(n_pieces: int) -> dict:
    """Key accuracy against the notated key (a music21 ``Key`` with its mode) of the Bach chorales."""
    import mir_eval
    from music21 import corpus, key

    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays
    from partita.score.music21_bridge import from_music21

    ours, base = [], []
    for path in corpus.getComposer("bach"):
        if len(ours) >= n_pieces:
            break
        if path.suffix != ".mxl":
            continue
        try:
            stream = corpus.parse(path)
            keys = [k for k in stream.recurse().getElementsByClass(key.Key) if k.mode in ("major", "minor")]
            if not keys:
                continue
            ref = _m21_key_name(keys[0])
            est = estimate_key(note_arrays(from_music21(stream, expand_repeats=False)))
            b = _m21_key_name(stream.analyze("key"))
        except Exception as e:  # a piece music21 cannot read is skipped
            log.info("skipped %s: %s", path.name, e)
            continue
        if est is None:
            continue
        ours.append(mir_eval.key.weighted_score(ref, est.name))
        base.append(mir_eval.key.weighted_score(ref, b))
    return {
        "n": len(ours),
        "exact": float(np.mean([w == 1.0 for w in ours])),
        "weighted": float(np.mean(ours)),
        "exact21": float(np.mean([w == 1.0 for w in base])),
        "weighted21": float(np.mean(base)),
    }


def bench_essen_tonic(n_tunes: int) -> dict:
    """Tonic accuracy against the ``K:`` field of the Essen folk songs (music21 corpus, ABC).

    The Essen ABC files give only the tonic in ``K:`` (``K: G`` for a G-minor tune, its flats written as
    accidentals), so only the tonic is compared.
    """
    import music21

    from partita.analysis.key import estimate_key, parse_key
    from partita.analysis.timeline import note_arrays
    from partita.score import iter_abc_tunes
    from partita.score.music21_bridge import first_score, from_music21

    folder = Path(music21.__file__).parent / "corpus" / "essenFolksong"
    files = sorted(folder.glob("*.abc"))
    ours, base = [], []
    per_file = max(1, n_tunes // max(len(files), 1) + 1)
    for f in files:
        for j, (_, text) in enumerate(iter_abc_tunes(f.read_text(encoding="latin-1"))):
            if j >= per_file or len(ours) >= n_tunes:
                break
            m = _K_FIELD.search(text)
            if not m:
                continue
            tonic = parse_key(m.group(1) + " major")
            try:
                stream = first_score(music21.converter.parseData(text, format="abc"))
                est = estimate_key(note_arrays(from_music21(stream, expand_repeats=False)))
                k = stream.analyze("key")
            except Exception as e:  # a tune music21 cannot read is skipped
                log.info("skipped a tune of %s: %s", f.name, e)
                continue
            if est is None:
                continue
            ours.append(est.index % 12 == tonic if est.index < 12 else (est.index - 12) == tonic)
            base.append(
                parse_key(_m21_key_name(k)) % 12 == tonic
                if k.mode != "minor"
                else parse_key(_m21_key_name(k)) - 12 == tonic
            )
    return {"n": len(ours), "tonic": float(np.mean(ours)), "tonic21": float(np.mean(base))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="40 evaluation songs, music21 on 10, 40 chorales/tunes"
    )
    ap.add_argument(
        "--music21", type=int, default=100, help="evaluation songs timed with music21 (default 100)"
    )
    ap.add_argument(
        "--corpora",
        type=float,
        default=1.0,
        help=(
            "fraction of the Bach/Essen/O'Neill pieces to measure (default 1: 200 chorales, 300 and 200 "
            "tunes)"
        ),
    )
    ap.add_argument(
        "--fit-chords", action="store_true", help="refit the chord model on the development songs"
    )
    ap.add_argument(
        "--chord-ablation",
        action="store_true",
        help="print held-out development scores of chord models with other feature blocks, then stop",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    warnings.filterwarnings("ignore")
    from partita.paths import shared_data_dir

    root = shared_data_dir() / "pop909"
    if args.chord_ablation:
        chord_ablation(root)
        return
    if args.fit_chords:
        print(f"fitted the chord model: {fit_chords(root)}")
    cmd = "python bench/bench_analysis.py" + (" --quick" if args.quick else f" --music21 {args.music21}")
    if not args.quick and args.corpora != 1.0:
        cmd += f" --corpora {args.corpora:g}"
    ids, pop = bench_pop909(root, 40 if args.quick else None, 10 if args.quick else args.music21)
    m = pop["metrics"]
    n, n21 = pop["n"], pop["n_music21"]
    bach = bench_bach(40 if args.quick else round(200 * args.corpora))
    essen = bench_essen_tonic(40 if args.quick else round(300 * args.corpora))
    structure = bench_structure(30 if args.quick else round(200 * args.corpora))
    speed = m["t21"] / m["t_key_paired"]
    rows = [
        row(
            "POP909 key weighted score (mir_eval)",
            m["w_paired"],
            "score",
            cmd,
            "music21 analyze('key')",
            m["w21"],
            goal=">= 0.92",
            notes=f"{n21} evaluation songs (odd ids); reference: longest key in key_audio.txt",
        ),
        row(
            "POP909 key exact accuracy",
            m["x_paired"],
            "fraction",
            cmd,
            "music21 analyze('key')",
            m["x21"],
            notes=f"{n21} evaluation songs",
        ),
        row(
            "POP909 key weighted score, all evaluation songs",
            m["w"],
            "score",
            cmd,
            goal=">= 0.92",
            notes=f"{n} songs (odd ids)",
        ),
        row(
            "POP909 chord majmin (mir_eval)",
            m["ours_majmin"],
            "score",
            cmd,
            "naive 24-triad templates per beat",
            m["naive_majmin"],
            goal=">= 0.90",
            notes=f"{n} evaluation songs, mean per song; same beat grid",
        ),
        row(
            "POP909 chord root (mir_eval)",
            m["ours_root"],
            "score",
            cmd,
            "naive 24-triad templates per beat",
            m["naive_root"],
            goal=">= 0.93",
            notes=f"{n} evaluation songs",
        ),
        row(
            "POP909 chord majmin, template scorer (ablation)",
            m["templates_majmin"],
            "score",
            cmd,
            "naive 24-triad templates per beat",
            m["naive_majmin"],
            notes=(
                "binary templates + bass + Viterbi instead of the learned weights; root "
                f"{m['templates_root']:.4f}"
            ),
        ),
        row(
            "POP909 chord sevenths (mir_eval)",
            m["ours_sevenths"],
            "score",
            cmd,
            "naive 24-triad templates per beat",
            m["naive_sevenths"],
            notes=f"{n} evaluation songs",
        ),
        row(
            "key analysis speed-up over music21 (parse + key)",
            speed,
            "x",
            cmd,
            "music21 parse + analyze('key')",
            1.0,
            goal=">= 50x",
            notes=(
                f"partita {m['t_key_paired'] * 1000:.2f} ms/song (symusic parse + key), "
                f"music21 {m['t21']:.3f} s/song, {n21} songs"
            ),
        ),
        row(
            "describe() time per song",
            m["t_desc_paired"],
            "s",
            cmd,
            "music21 parse + analyze('key')",
            m["t21"],
            higher_is_better=False,
            notes="the whole description (key, chords, sections, features) incl. parsing",
        ),
        row(
            "Bach chorales key exact accuracy (notated key)",
            bach["exact"],
            "fraction",
            cmd,
            "music21 analyze('key')",
            bach["exact21"],
            notes=f"{bach['n']} chorales of music21's corpus",
        ),
        row(
            "Bach chorales key weighted score (notated key)",
            bach["weighted"],
            "score",
            cmd,
            "music21 analyze('key')",
            bach["weighted21"],
            notes=f"{bach['n']} chorales",
        ),
        row(
            "Essen folk songs tonic accuracy (notated K:)",
            essen["tonic"],
            "fraction",
            cmd,
            "music21 analyze('key')",
            essen["tonic21"],
            notes=(
                f"{essen['n']} tunes; K: gives the tonic only. The Aarden profile (one of three averaged) "
                "was derived from the Essen collection"
            ),
        ),
        row(
            "O'Neill's tunes: section boundary F (mir_eval.segment.detection, 3 s)",
            structure["f3"],
            "F-measure",
            cmd,
            "a boundary every 8 bars",
            structure["b3"],
            notes=f"{structure['n']} tunes; reference: notated strains after repeat expansion (A A B B)",
        ),
        row(
            "O'Neill's tunes: section boundary F (0.5 s)",
            structure["f05"],
            "F-measure",
            cmd,
            "a boundary every 8 bars",
            structure["b05"],
            notes=f"{structure['n']} tunes",
        ),
        row(
            "O'Neill's tunes: section label pairwise F (mir_eval.segment.pairwise)",
            structure["pair"],
            "F-measure",
            cmd,
            "8-bar blocks, all labels distinct",
            structure["bpair"],
            notes=f"{structure['n']} tunes",
        ),
    ]
    path = write_result(
        "analysis",
        "Music analysis: key, chords, speed",
        rows,
        quick=args.quick,
        extra={"eval_ids": ids, "split": "POP909 even ids = development, odd ids = evaluation"},
    )
    for r in rows:
        base = (
            "" if r["baseline_value"] is None else f"  (baseline {r['baseline']}: {r['baseline_value']:.4f})"
        )
        print(f"{r['metric']}: {r['value']:.4f} {r['unit']}{base}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
