"""English pop's rules' rhythm against POP909 (issue 25): arms of pop's ``RhythmStyle`` judged in one run.

Each arm sings the English texts of ``bench_song.py`` in style "pop" (seeds 0 .. ``--seeds`` - 1) with pop's
``song_rhythm.STYLE_RHYTHM`` entry changed as :data:`ARMS` says (``partita``: as shipped, in the same run),
cut into 8-bar windows (``song_realism.py``), and is judged against each half of POP909 1-800
(development: even ids, where choices are made; held out: odd ids, reported) by the realism two-sample
test (three judges' seeds), against all windows and against those of ``SPARSE`` notes a bar or fewer. Beside
the accuracy: the spread of note lengths and of the time between onsets (quarters), the judge's first
reads at equal density (docs/SONGS.md, What the judge reads), and the lengths of the phrase-last notes.

    python bench/song_rhythm_arms.py --threads 1 [--seeds 8] [--sparse] [--eighths] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song_realism import HALVES, JUDGE_SEEDS, english_texts, pop_style, sparse_windows  # noqa: E402
from common import row, write_result  # noqa: E402
from song_realism import pop909_windows, sample, sung_windows  # noqa: E402

log = logging.getLogger("song_rhythm_arms")
SLOW = True
COMMAND = "python bench/song_rhythm_arms.py --threads 1 --sparse"
EIGHTHS = ((2, 0.4), (1, 0.0), (3, -0.3), (4, -0.4), (6, -1.5))
"""Pop's note-length scores (eighths: score) with eighths favoured nearer quarters than shipped."""
ARMS: dict[str, dict] = {
    "drawn_end": {"drawn_end": True},
}
"""Pop's ``RhythmStyle`` changes of each arm (``partita`` is the shipped entry)."""
FEATURES = ("duration_std", "ioi_std", "duration_mean", "ioi_mean", "notes_per_bar", "all_tracks_beat_share")
SIXTEENTH = 120
GAP = 480


def phrase_ends(pieces: list) -> dict[str, float]:
    """Shares of phrase-last notes (a note followed by a beat's silence or more) by length (sixteenths)."""
    from collections import Counter

    got = Counter()
    for p in pieces:
        notes = sorted((n.time, n.duration) for t in p.tracks for n in t.notes)
        for (on, dur), (nxt, _) in zip(notes, notes[1:], strict=False):
            if nxt - on - dur >= GAP:
                got[min(16, round(dur / SIXTEENTH))] += 1
    total = max(sum(got.values()), 1)
    return {str(k): round(v / total, 3) for k, v in sorted(got.items())}


def run(seeds: int, reals: dict[str, list]) -> dict:
    from partita.evaluation.realism import feature_matrix, realism_features, two_sample_test
    from partita.generation.song_rhythm import STYLE_RHYTHM

    texts = english_texts()
    sets = {"partita": sung_windows(texts, seeds)["partita"]}
    shipped = STYLE_RHYTHM["pop"]
    for name, change in ARMS.items():
        if all(getattr(shipped, f) == v for f, v in change.items()):
            sets[name] = sets["partita"]  # the shipped rhythm: the same lines
            continue
        with pop_style(STYLE_RHYTHM, **change):
            sets[name] = sung_windows(texts, seeds)["partita"]
    feats = {k: [realism_features(p) for p in v] for k, v in sets.items()}
    report: dict = {"sets": {}, "real": {}}
    for k, v in sets.items():
        report["sets"][k] = {f: sum(x[f] for x in feats[k]) / len(v) for f in FEATURES}
        report["sets"][k] |= {"n": len(v), "phrase_ends": phrase_ends(v)}
    for h, pieces in reals.items():
        rf = [realism_features(p) for p in pieces]
        report["real"][h] = {f: sum(x[f] for x in rf) / len(rf) for f in FEATURES}
        report["real"][h]["phrase_ends"] = phrase_ends(pieces)
        rx = feature_matrix(rf)
        for k in sets:
            acc = [two_sample_test(feature_matrix(feats[k]), rx, seed=s)["accuracy"] for s in JUDGE_SEEDS]
            report["sets"][k][h] = {"accuracy": sum(acc) / len(acc), "seeds": acc}
            log.info("%s %s: %.3f %s", k, h, sum(acc) / len(acc), [round(a, 3) for a in acc])
    return report


def rows(report: dict) -> list[dict]:
    sets, out = report["sets"], []
    for h in report["real"]:
        label = ("development half (choices looked here)" if h.startswith("dev") else "held-out half") + (
            ", windows of 4 notes a bar or fewer" if h.endswith("sparse") else ""
        )
        for k in ARMS:
            a, b = sets[k][h], sets["partita"][h]
            spread = [x["duration_std"] for x in (sets[k], sets["partita"], report["real"][h])]
            out.append(
                row(f"song realism, POP909 {label}: two-sample accuracy, English pop lines, arm {k}",
                    a["accuracy"], "accuracy", COMMAND, "shipped pop rhythm, same run", b["accuracy"],
                    higher_is_better=False, goal="near 0.5",
                    notes=f"judges' seeds {list(JUDGE_SEEDS)}: {[round(x, 3) for x in a['seeds']]} against "
                    f"{[round(x, 3) for x in b['seeds']]}; {ARMS[k]}; duration_std {spread[0]:.3f} (shipped "
                    f"{spread[1]:.3f}, POP909 {spread[2]:.3f})")
            )  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--real", type=int, default=400)
    ap.add_argument("--songs", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sparse", action="store_true", help="only the windows of 4 notes a bar or fewer")
    ap.add_argument("--eighths", action="store_true", help="also the arm with eighths favoured (EIGHTHS)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.quick:
        args.seeds, args.real, args.songs = min(args.seeds, 2), min(args.real, 80), min(args.songs, 40)
    t0 = time.perf_counter()
    if args.eighths:
        ARMS["drawn_end_eighths"] = {"drawn_end": True, "durations": EIGHTHS}
    reals = {}
    for i, h in enumerate(HALVES):
        got, _ = pop909_windows(h, args.songs)
        if not args.sparse:
            reals[h] = sample(got, args.real, seed=i)
        reals[f"{h}_sparse"] = sparse_windows(got, args.real, seed=i)
    report = run(args.seeds, reals)
    path = write_result(
        "song_rhythm_arms",
        "Realism of the vocal line: English pop's rules' rhythm, arms of its RhythmStyle, against POP909",
        rows(report),
        quick=args.quick,
        extra={"report": report, "arms": ARMS, "seconds": time.perf_counter() - t0},
    )
    print(path)


if __name__ == "__main__":
    main()
