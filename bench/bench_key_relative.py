"""Cues for the relative major/minor decision of the key finder, chosen by cross-validation (issue 20).

Over POP909 001-800 the shipped key finder is right for 724 songs; 45 of its 58 relative-key errors are
minor songs read as the relative major, and 6 more are minor songs read as the major a tone below (Dorian
tunes). This benchmark asks whether a cue beyond the shipped decision (profile scores, bass histogram, last
bass note, bias: :data:`partita.analysis.key.RELATIVE_MODE_WEIGHTS`) tells them apart:

- the bias alone (-0.20 to +0.05);
- the bias with one more cue, each a "major minus minor" difference between the two candidate tonics: the
  time the lowest sounding note is the tonic (``root_bass``), the time on the tonic triad (``triad``, and
  ``triad_root`` with its root in the bass), the bass over the last 16 quarter notes (``end_root``), long bass
  notes (two beats or more: phrase ends, ``long_bass``), the top voice and its long notes (``top``,
  ``long_top``), the raised leading tone of the minor (``leading_tone``);
- a Dorian pass: where the key found is major, the minor a tone above it when its profile score is within
  ``t`` and the time on its root in the bass within ``r`` of the major's (alone, and with the bias).

Every setting is scored on every song once (mir_eval's weighted score); then for each of 5 folds (the
seeded shuffle of ``bench_key_cv.py``: seed 0 gives its folds) the setting with the best mean on the other
four is chosen and scored on the held-out fold, beside the shipped method on the same fold. Repeated over
shuffles (seeds 0-5) for the spread. The annotated chords' time on the two tonic chords (``chord_midi.txt``,
which ``describe`` does not have) is scored apart as an upper bound on any chord-reading cue.

    python bench/bench_key_relative.py [--workers 2] [--seeds 6]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.paths import shared_data_dir  # noqa: E402

log = logging.getLogger("bench_key_relative")

COMMAND = "python bench/bench_key_relative.py --workers 2 --seeds 6"
SLOW = True  # 1,680 settings scored on 800 songs, 6 shuffles: run when named (python -m bench key_relative)
CUES = ("root_bass", "triad", "triad_root", "end_root", "long_bass", "top", "long_top", "leading_tone")
BIASES = tuple(np.round(np.arange(-0.20, 0.0501, 0.01), 2))
WEIGHTS = (0.0125, 0.025, 0.05, 0.1, 0.2, 0.4)
DORIAN = tuple(itertools.product((0.06, 0.08, 0.1, 0.12, 0.14), (0.05, 0.08, 1.0)))
FOLDS = 5


def _hist(pcs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    h = np.bincount(pcs, weights=weights, minlength=12)
    return h / max(h.sum(), 1e-9)


def _top_notes(notes) -> np.ndarray:
    """A mask of the highest note of each onset (the top voice, a stand-in for the melody)."""
    _, inverse = np.unique(notes.start, return_inverse=True)
    hi = np.full(inverse.max() + 1, -1)
    np.maximum.at(hi, inverse, notes.pitch.astype(np.int64))
    return notes.pitch == hi[inverse]


def song_row(path: str) -> dict:
    """The shipped decision's terms, the cues, and the weighted score of each of the 24 keys, for one song."""
    import mir_eval

    from partita.analysis.chords import lowest_sounding
    from partita.analysis.key import (
        DEFAULT_PROFILE,
        estimate_key,
        key_correlations,
        key_name,
        key_templates,
        lowest_notes,
        main_region,
        parse_key,
    )
    from partita.analysis.timeline import note_arrays, segment_chroma
    from partita.evaluation.mir_bench import reference_key
    from partita.score import read_midi

    p = Path(path)
    ref = parse_key(reference_key(p.parent / "key_audio.txt"))
    score = read_midi(p)
    tpq = int(score.ticks_per_quarter)
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    shipped = estimate_key(notes).index
    mask = main_region(notes, DEFAULT_PROFILE)  # the notes the shipped decision reads
    sub = notes.select(mask) if mask is not None and mask.any() else notes
    dur = (sub.end - sub.start).astype(float)
    chroma = np.bincount(sub.pitch.astype(np.int64) % 12, weights=dur, minlength=12)
    scores = key_correlations(chroma, key_templates(DEFAULT_PROFILE))
    best = int(scores.argmax())
    major = best if best < 12 else (best - 12 + 3) % 12
    minor, dorian = (major + 9) % 12, (major + 2) % 12
    low = lowest_notes(sub)
    lp, ld = sub.pitch[low].astype(np.int64) % 12, dur[low]
    bass = _hist(lp, ld)
    bounds = np.unique(np.concatenate([sub.start, sub.end]))
    on = segment_chroma(sub, bounds) > 0
    length = np.diff(bounds).astype(float)
    total = max(length[on.any(axis=1)].sum(), 1.0)
    lowest = lowest_sounding(sub, bounds)  # one-hot per slice
    low_pc = np.where(lowest.any(axis=1), lowest.argmax(axis=1), -1)
    tail = bounds[:-1] >= sub.end.max() - 16 * tpq
    tail_total = max(length[tail & on.any(axis=1)].sum(), 1.0)
    major_triad = on[:, major] & on[:, (major + 4) % 12] & on[:, (major + 7) % 12] & ~on[:, minor]
    minor_triad = on[:, minor] & on[:, major] & on[:, (major + 4) % 12] & ~on[:, (major + 7) % 12]
    top = _top_notes(sub)
    tp, td = sub.pitch[top].astype(np.int64) % 12, dur[top]
    long_b, long_t = ld >= 2 * tpq, td >= 2 * tpq
    lb = _hist(lp[long_b], ld[long_b]) if long_b.any() else np.zeros(12)
    lt = _hist(tp[long_t], td[long_t]) if long_t.any() else np.zeros(12)
    share = chroma / max(chroma.sum(), 1e-9)
    raised, natural = share[(minor + 11) % 12], share[(minor + 10) % 12]

    def time_on(mask_: np.ndarray, within: np.ndarray | None = None, of: float = total) -> float:
        return float(length[mask_ if within is None else mask_ & within].sum() / of)

    cues = {
        "score": scores[major] - scores[12 + minor],
        "bass": bass[major] - bass[minor],
        "last": float(lp[-1] == major) - float(lp[-1] == minor),
        "root_bass": time_on(low_pc == major) - time_on(low_pc == minor),
        "triad": time_on(major_triad) - time_on(minor_triad),
        "triad_root": time_on(major_triad & (low_pc == major)) - time_on(minor_triad & (low_pc == minor)),
        "end_root": time_on(low_pc == major, tail, tail_total) - time_on(low_pc == minor, tail, tail_total),
        "long_bass": lb[major] - lb[minor],
        "top": (h := _hist(tp, td))[major] - h[minor],
        "long_top": lt[major] - lt[minor],
        "leading_tone": -raised / max(raised + natural, 1e-9),
        "dorian_score": scores[major] - scores[12 + dorian],
        "dorian_root": time_on(low_pc == major) - time_on(low_pc == dorian),
        "chords": _annotated_tonic_chords(p.parent / "chord_midi.txt", major, minor),
    }
    return {
        "id": p.parent.name,
        "ref": ref,
        "shipped": shipped,
        "major": major,
        "cues": {k: float(v) for k, v in cues.items()},
        "weighted": [float(mir_eval.key.weighted_score(key_name(ref), key_name(k))) for k in range(24)],
    }


def _annotated_tonic_chords(path: Path, major: int, minor: int) -> float:
    """Share of the annotated chords' time on the major tonic triad minus on the minor one."""
    from partita.analysis.key import pitch_class

    total = on_major = on_minor = 0.0
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[2] == "N":
            continue
        root, _, quality = parts[2].partition(":")
        t = float(parts[1]) - float(parts[0])
        total += t
        r = pitch_class(root)
        on_major += t * (r == major and quality.startswith("maj"))
        on_minor += t * (r == minor and quality.startswith("min"))
    return (on_major - on_minor) / max(total, 1e-9)


def settings() -> list[dict]:
    """The grid: the shipped decision first (ties go to it), then the bias alone, a cue, a Dorian pass."""
    from partita.analysis.key import RELATIVE_MODE_WEIGHTS

    shipped_bias = RELATIVE_MODE_WEIGHTS[2]
    grid = [{"family": "shipped", "cue": None, "weight": 0.0, "bias": shipped_bias, "dorian": None}]
    grid += [{"family": "bias", "cue": None, "weight": 0.0, "bias": b, "dorian": None} for b in BIASES]
    grid += [
        {"family": cue, "cue": cue, "weight": w, "bias": b, "dorian": None}
        for cue in CUES
        for w in WEIGHTS
        for b in BIASES
    ]
    grid += [
        {"family": "dorian", "cue": None, "weight": 0.0, "bias": shipped_bias, "dorian": d} for d in DORIAN
    ]
    grid += [
        {"family": "dorian and bias", "cue": None, "weight": 0.0, "bias": b, "dorian": d}
        for d in DORIAN
        for b in BIASES
    ]
    return grid


def decide(setting: dict, cues: dict[str, np.ndarray], major: np.ndarray) -> np.ndarray:
    """The key index each song gets under ``setting`` (the shipped decision's z plus the setting's terms)."""
    from partita.analysis.key import RELATIVE_MODE_WEIGHTS

    w_bass, w_last, _ = RELATIVE_MODE_WEIGHTS
    z = cues["score"] + w_bass * cues["bass"] + w_last * cues["last"] + setting["bias"]
    if setting["cue"] is not None:
        z = z + setting["weight"] * cues[setting["cue"]]
    est = np.where(z >= 0, major, 12 + (major + 9) % 12)
    if setting["dorian"] is not None:
        t, r = setting["dorian"]
        flip = (est == major) & (cues["dorian_score"] < t) & (cues["dorian_root"] < r)
        est = np.where(flip, 12 + (major + 2) % 12, est)
    return est


def cross_validate(scores: np.ndarray, seed: int, folds: int = FOLDS) -> dict:
    """Per held-out fold: the setting chosen on the other folds, its score and the shipped method's."""
    order = np.random.default_rng(seed).permutation(len(scores))
    parts = np.array_split(order, folds)
    chosen, held, shipped = [], [], []
    for k, test in enumerate(parts):
        train = np.concatenate([p for j, p in enumerate(parts) if j != k])
        best = int(np.argmax(scores[train].mean(axis=0)))  # the first of equals: the shipped one
        chosen.append(best)
        held.append(float(scores[test, best].mean()))
        shipped.append(float(scores[test, 0].mean()))
    return {"seed": seed, "chosen": chosen, "held_out": held, "shipped": shipped}


def name(setting: dict) -> str:
    if setting["family"] == "shipped":
        return "shipped"
    if setting["dorian"] is not None:
        bias = f", bias {setting['bias']:+.2f}" if setting["family"] == "dorian and bias" else ""
        return f"dorian t={setting['dorian'][0]:g} r={setting['dorian'][1]:g}{bias}"
    cue = f"{setting['cue']} {setting['weight']:g}, " if setting["cue"] else ""
    return f"{cue}bias {setting['bias']:+.2f}"


def main(argv: list[str] | None = None) -> int:
    from partita.analysis.key import RELATIVE_MODE_WEIGHTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=6, help="shuffles (seed 0 gives bench_key_cv's folds)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    root = shared_data_dir() / "pop909"
    songs = [p for p in root.iterdir() if p.is_dir() and p.name.isdigit() and int(p.name) <= 800]
    paths = sorted(str(p / f"{p.name}.mid") for p in songs)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows_ = sorted(pool.map(song_row, paths, chunksize=8), key=lambda r: r["id"])
    seconds = time.perf_counter() - t0
    ref = np.array([r["ref"] for r in rows_])
    major = np.array([r["major"] for r in rows_])
    weighted = np.array([r["weighted"] for r in rows_])
    cues = {k: np.array([r["cues"][k] for r in rows_]) for k in rows_[0]["cues"]}
    grid = settings()
    ix = np.arange(len(rows_))
    estimates = np.stack([decide(s, cues, major) for s in grid], axis=1)
    shipped_est = np.array([r["shipped"] for r in rows_])
    assert (estimates[:, 0] == shipped_est).all(), "the grid's first setting must be the shipped key finder"
    scores = weighted[ix[:, None], estimates]
    runs = [cross_validate(scores, seed) for seed in range(args.seeds)]
    per_family = {}
    for family in ["bias", *CUES, "dorian", "dorian and bias"]:
        cols = [0] + [i for i, s in enumerate(grid) if s["family"] == family]
        sub = [cross_validate(scores[:, cols], seed) for seed in range(args.seeds)]
        diffs = np.array([np.subtract(r["held_out"], r["shipped"]) for r in sub])
        per_family[family] = {
            "held_out_minus_shipped_mean": float(diffs.mean()),
            "per_fold_min": float(diffs.min()),
            "per_fold_max": float(diffs.max()),
            "best_on_all": name(grid[cols[int(np.argmax(scores[:, cols].mean(axis=0)))]]),
            "best_on_all_gain": float(scores[:, cols].mean(axis=0).max() - scores[:, 0].mean()),
        }
    # the annotated chords' tonic: an upper bound on a chord-reading cue (not a shippable setting)
    w_bass, w_last, _ = RELATIVE_MODE_WEIGHTS
    z = cues["score"] + w_bass * cues["bass"] + w_last * cues["last"]
    upper = {}
    for w, b in itertools.product((0.0, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8), BIASES):
        est = np.where(z + b + w * cues["chords"] >= 0, major, 12 + (major + 9) % 12)
        upper[f"chords {w:g}, bias {b:+.2f}"] = float(weighted[ix, est].mean())
    diffs = np.array([np.subtract(r["held_out"], r["shipped"]) for r in runs])
    held = np.array([r["held_out"] for r in runs])
    shipped = np.array([r["shipped"] for r in runs])
    minor_songs = ref >= 12
    errors = {
        "right": int((shipped_est == ref).sum()),
        "minor read as relative major": int((minor_songs & (shipped_est == (ref - 12 + 3) % 12)).sum()),
        "major read as relative minor": int((~minor_songs & (shipped_est == 12 + (ref + 9) % 12)).sum()),
        "minor read as the major a tone below": int((minor_songs & (shipped_est == (ref + 10) % 12)).sum()),
    }
    best_all = int(np.argmax(scores.mean(axis=0)))
    gained = int((scores[:, best_all] > scores[:, 0]).sum())
    lost = int((scores[:, best_all] < scores[:, 0]).sum())
    fold_note = "; ".join(
        f"seed {r['seed']}: "
        + ", ".join(f"{h:.3f}/{s:.3f}" for h, s in zip(r["held_out"], r["shipped"], strict=True))
        for r in runs
    )
    rows = [
        row(
            "key, weighted score, relative-decision cue chosen by CV, held-out folds (mean over shuffles)",
            held.mean(),
            "score",
            COMMAND,
            baseline="shipped key finder, same folds",
            baseline_value=shipped.mean(),
            goal="> shipped by more than the fold spread",
            notes=f"800 POP909 songs (001-800), {FOLDS} folds x {args.seeds} shuffles, {len(grid)} settings; "
            f"held-out/shipped per fold: {fold_note}",
        ),
        row(
            "key, held-out minus shipped per fold (std over folds and shuffles)",
            diffs.std(),
            "score",
            COMMAND,
            higher_is_better=False,
            notes=f"per fold from {diffs.min():+.4f} to {diffs.max():+.4f}; mean {diffs.mean():+.4f}; "
            f"per shuffle {', '.join(f'{x:+.4f}' for x in diffs.mean(axis=1))}; "
            f"std of the shipped score over folds {shipped.std():.4f}; "
            f"best on all songs {name(grid[best_all])}: "
            f"{scores[:, best_all].mean():.4f}, {gained} songs gained, {lost} lost",
        ),
        row(
            "key, annotated chords' tonic as a cue (upper bound, all songs, best setting)",
            max(upper.values()),
            "score",
            COMMAND,
            baseline="shipped key finder, all songs",
            baseline_value=scores[:, 0].mean(),
            notes=f"best {max(upper, key=upper.get)}; chord_midi.txt, not available to describe",
        ),
    ]
    write_result(
        "key_relative",
        "Cues for the key finder's relative major/minor decision, by cross-validation over POP909",
        rows,
        extra={
            "errors_of_shipped": errors,
            "per_family": per_family,
            "runs": [{**r, "chosen": [name(grid[c]) for c in r["chosen"]]} for r in runs],
            "seconds": seconds,
        },
    )
    for r in rows:
        print(f"{r['metric']}: {r['value']:.4f} (baseline {r['baseline_value']}) {r['notes'][:300]}")
    for family, v in per_family.items():
        print(family, {k: (round(x, 4) if isinstance(x, float) else x) for k, x in v.items()})
    print(errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
