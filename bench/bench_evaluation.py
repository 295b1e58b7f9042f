"""Evaluation toolkit: speed and agreement against MusPy, and whether the set measures tell real from
scrambled.

On POP909 songs (../shared/data/pop909), in one run:

- MusPy's metric set per piece: partita (symusic + numpy) against muspy 0.5 (its own MIDI reader and metric
  functions), time per piece including reading the file; and the largest disagreement between the two on the
  metrics defined identically, when both get the same notes;
- COSIATEC compression ratio of real songs against the same songs with their pitches shuffled (which keeps the
  rhythm and pitch content but destroys repetition): a measure of structure should rank the real songs higher;
- Yang & Lerch's mean overlapped area of POP909 songs against other POP909 songs, against Bach chorales
  (music21's bundled corpus) against the same POP909 songs: music of the same kind should overlap more.

    python bench/bench_evaluation.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.evaluation.compression import compression_ratio  # noqa: E402
from partita.evaluation.distribution import compare_sets  # noqa: E402
from partita.evaluation.metrics import piece_metrics  # noqa: E402
from partita.paths import shared_data_dir  # noqa: E402
from partita.score import from_music21, read_score  # noqa: E402

log = logging.getLogger("bench_evaluation")

SAME_DEFINITION = (
    "pitch_class_entropy",
    "pitch_entropy",
    "scale_consistency",
    "polyphony",
    "polyphony_rate",
    "pitch_range",
    "n_pitches_used",
    "n_pitch_classes_used",
)


def muspy_metrics(music, muspy) -> dict[str, float]:
    out = {name: float(getattr(muspy, name)(music)) for name in SAME_DEFINITION}
    out["empty_beat_rate"] = float(muspy.empty_beat_rate(music))
    out["groove_consistency"] = float(muspy.groove_consistency(music, 4 * music.resolution))
    return out


def to_muspy(score, muspy):
    tracks = [
        muspy.Track(
            program=t.program,
            is_drum=t.is_drum,
            notes=[
                muspy.Note(time=n.time, pitch=n.pitch, duration=n.duration, velocity=n.velocity)
                for n in t.notes
            ],
        )
        for t in score.tracks
    ]
    return muspy.Music(resolution=score.ticks_per_quarter, tracks=tracks)


def shuffled_pitches(score, rng: np.random.Generator):
    """The same notes with their pitches permuted within each track (rhythm and pitch content kept)."""
    out = score.copy()
    for track in out.tracks:
        if track.is_drum or track.note_num() < 2:
            continue
        pitches = rng.permutation([n.pitch for n in track.notes])
        for n, p in zip(track.notes, pitches, strict=True):
            n.pitch = int(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 songs per set instead of 100")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import muspy

    n = 12 if args.quick else 100
    command = "python bench/bench_evaluation.py" + (" --quick" if args.quick else "")
    files = sorted((shared_data_dir() / "pop909").glob("*/*.mid"))
    set_a, set_b = files[0 : 2 * n : 2], files[1 : 2 * n : 2]  # odd and even song ids
    rng = np.random.default_rng(0)

    # 1. speed: read + MusPy's metric set
    t0 = time.perf_counter()
    scores_a = [read_score(f) for f in set_a]
    ours = [piece_metrics(s).to_dict() for s in scores_a]
    t_ours = (time.perf_counter() - t0) / len(set_a)
    t0 = time.perf_counter()
    for f in set_a:
        muspy_metrics(muspy.read_midi(f), muspy)
    t_muspy = (time.perf_counter() - t0) / len(set_a)
    log.info("MusPy metric set: partita %.1f ms, muspy %.1f ms per song", 1e3 * t_ours, 1e3 * t_muspy)

    # 2. agreement on the same notes
    worst = 0.0
    for s, mine in zip(scores_a, ours, strict=True):
        theirs = muspy_metrics(to_muspy(s, muspy), muspy)
        for k in SAME_DEFINITION:
            if math.isfinite(mine[k]) and math.isfinite(theirs[k]):
                worst = max(worst, abs(mine[k] - theirs[k]))
    log.info("largest disagreement with muspy on %d metrics: %.2e", len(SAME_DEFINITION), worst)

    # 3. compression ratio: real vs pitch-shuffled
    t0 = time.perf_counter()
    cr_real = [compression_ratio(s) for s in scores_a]
    t_cr = (time.perf_counter() - t0) / len(scores_a)
    scrambled = [shuffled_pitches(s, rng) for s in scores_a]
    cr_shuffled = [compression_ratio(s) for s in scrambled]
    log.info(
        "COSIATEC: real %.3f, shuffled %.3f (%.2f s per song)", np.mean(cr_real), np.mean(cr_shuffled), t_cr
    )

    # 4. Yang & Lerch mean OA: POP909 A vs POP909 B, Bach chorales vs POP909 B
    scores_b = [read_score(f) for f in set_b]
    import music21

    # parsed by music21 directly: partita.score.read_score fails on compressed .mxl here (reported)
    chorales = sorted(Path(music21.__file__).parent.joinpath("corpus", "bach").glob("bwv*.mxl"))[:n]
    scores_c = [from_music21(music21.converter.parse(f)) for f in chorales]
    t0 = time.perf_counter()
    real = compare_sets(scores_a, scores_b).to_dict()
    t_oa = time.perf_counter() - t0
    other = compare_sets(scores_c, scores_b).to_dict()
    shuffled_oa = compare_sets(scrambled, scores_b).to_dict()["mean_oa"]
    log.info(
        "mean OA: POP909 %.3f, Bach %.3f, shuffled POP909 %.3f",
        real["mean_oa"],
        other["mean_oa"],
        shuffled_oa,
    )

    rows = [
        row(
            "MusPy metric set, ms per song (read + 10 metrics)",
            1e3 * t_ours,
            "ms",
            command,
            baseline="muspy 0.5 (read_midi + metric functions)",
            baseline_value=1e3 * t_muspy,
            higher_is_better=False,
            goal="faster than muspy",
            notes=f"{len(set_a)} POP909 songs (odd ids)",
        ),
        row(
            "largest |partita - muspy| on the same notes",
            worst,
            "",
            command,
            goal="< 1e-9",
            higher_is_better=False,
            notes=", ".join(SAME_DEFINITION)
            + "; groove consistency and empty-beat rate differ by definition "
            "(docs/EVALUATION.md)",
        ),
        row(
            "COSIATEC compression ratio, real songs",
            float(np.mean(cr_real)),
            "",
            command,
            baseline="same songs, pitches shuffled per track",
            baseline_value=float(np.mean(cr_shuffled)),
            goal="> 1x (repetition detected)",
            notes=f"{t_cr:.2f} s per song; windows of 300 points",
        ),
        row(
            "Yang & Lerch mean OA, POP909 songs vs other POP909 songs",
            real["mean_oa"],
            "",
            command,
            baseline="Bach chorales (music21 corpus) vs the same POP909 songs",
            baseline_value=other["mean_oa"],
            goal="> 1x (music of one kind overlaps more)",
            notes=(
                f"{len(set_a)} vs {len(set_b)} songs, {len(scores_c)} chorales; {t_oa:.1f} s per comparison; "
                f"with the first set's pitches shuffled per track the mean OA is {shuffled_oa:.3f} (most "
                "features ignore pitch order)"
            ),
        ),
    ]
    path = write_result(
        "evaluation", "Evaluation toolkit (MusPy metrics, COSIATEC, Yang & Lerch)", rows, quick=args.quick
    )
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
