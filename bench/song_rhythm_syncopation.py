"""English pop's rhythm against POP909 by note lengths, sixteenths and syncopations (issue 25).

For POP909's vocal melodies (songs 1-800 only; development half: even ids, where the choice is made; held-out
half: odd ids, reported; windows of 4 notes a bar or fewer, the density of partita's lines) and partita's
English pop lines (``bench_song.py``'s English texts, seeds 0 .. ``--seeds`` - 1, 8-bar windows) as shipped
and with pop's ``RhythmStyle.anticipate`` at each of :data:`ANTICIPATE` (one run):

- the shares of note lengths and of the times between onsets (sixteenths) and their distance to POP909's
  (total variation: half the summed absolute differences of the shares);
- sixteenths: the share of times between onsets of a sixteenth and of onsets on a sixteenth off-beat;
- syncopations: the share of notes starting off the beat and still sounding at the next beat (the sung
  lengths, as the MIDI has them) and of notes starting off the beat with no onset until after the next
  beat (the written rhythm);
- the realism judge's two-sample accuracy (``realism.two_sample_test``, three judge seeds);
- singability on the same songs: syllables with a note, notes without a syllable beyond melismas, stressed
  syllables on strong beats.

    python bench/song_rhythm_syncopation.py --threads 1
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song_realism import HALVES, JUDGE_SEEDS, english_texts, pop_style, sparse_windows  # noqa: E402
from common import row, write_result  # noqa: E402
from song_realism import pop909_windows, windows  # noqa: E402

log = logging.getLogger("song_rhythm_syncopation")
SLOW = True
COMMAND = "python bench/song_rhythm_syncopation.py --threads 1"
TPQ = 480
S = TPQ // 4  # a sixteenth
KEYS = (1, 2, 3, 4, 6, 8, 12, 16)
"""Lengths (sixteenths) counted one by one; the others are counted together as "other"."""
ANTICIPATE = (0.25, 0.5, 1.0)
"""Pop's ``RhythmStyle.anticipate`` of each arm (shipped: the ``partita`` set, same run)."""
FEATURES = ("duration_std", "ioi_std", "duration_mean", "all_tracks_beat_share")


def _notes(piece) -> list[tuple[int, int]]:
    ns = sorted((n.time, n.duration) for t in piece.tracks for n in t.notes)
    return [n for i, n in enumerate(ns) if i == 0 or n[0] != ns[i - 1][0]]


def _key(ticks: int) -> str:
    k = round(ticks / S)
    return str(k) if k in KEYS else "other"


def _shares(c: Counter) -> dict[str, float]:
    total = max(sum(c.values()), 1)
    return {k: round(c[k] / total, 4) for k in [*map(str, KEYS), "other"]}


def shape(pieces: list) -> dict:
    """The note-length, sixteenth and syncopation measures of the module's docstring over ``pieces``."""
    dur, ioi = Counter(), Counter()
    notes = off16 = sync = sync_written = gaps = 0
    for p in pieces:
        ns = _notes(p)
        for i, (t, d) in enumerate(ns):
            notes += 1
            dur[_key(d)] += 1
            off16 += t % (2 * S) != 0
            beat = (t // TPQ + 1) * TPQ
            off = t % TPQ != 0
            sync += off and t + d > beat
            if i + 1 < len(ns):
                gaps += 1
                ioi[_key(ns[i + 1][0] - t)] += 1
                sync_written += off and ns[i + 1][0] > beat
    n, g = max(notes, 1), max(gaps, 1)
    return {
        "notes": notes,
        "duration": _shares(dur),
        "ioi": _shares(ioi),
        "sixteenth_ioi": round(ioi["1"] / g, 4),
        "sixteenth_onsets": round(off16 / n, 4),
        "syncopated": round(sync / n, 4),
        "syncopated_written": round(sync_written / g, 4),
    }


def distance(a: dict[str, float], b: dict[str, float]) -> float:
    """Total variation distance of two share tables."""
    return round(0.5 * sum(abs(a[k] - b[k]) for k in a), 4)


def sung(seeds: int, first: int = 0) -> tuple[list, dict]:
    """Windows of partita's English pop lines (seeds ``first`` .. ``first + seeds - 1``), and their
    singability (module docstring)."""
    from partita.generation.song import alignment, sing, song_onsets, stress_on_strong
    from partita.lyrics import read_lyrics

    out, syl, with_note, orphan, strong = [], 0, 0, 0, []
    for text in english_texts():
        lyrics = read_lyrics(text)
        for seed in range(first, first + seeds):
            song = sing(lyrics, seed=seed, style="pop")
            out += windows(song.score)
            a = alignment(song)
            syl, with_note, orphan = syl + a["syllables"], with_note + a["with_note"], orphan + a["orphan"]
            strong.append(stress_on_strong(song_onsets(song), song.lyrics.syllables, song.meter)[0])
    sing_ = {
        "syllables_with_note": with_note / syl,
        "orphan": orphan,
        "stressed_on_strong": sum(strong) / len(strong),
    }
    return out, sing_


def judged(sets: dict[str, list], singing: dict[str, dict], reals: dict[str, list]) -> dict:
    """The report of generated ``sets`` (with their ``singing``) against ``reals`` (by half): each set's
    shape, realism features, singability and, by half, the judge's accuracy and the distances."""
    from partita.evaluation.realism import feature_matrix, realism_features, two_sample_test

    report: dict = {"sets": {}, "real": {}}
    for h, pieces in reals.items():
        rf = [realism_features(p) for p in pieces]
        report["real"][h] = shape(pieces) | {f: sum(x[f] for x in rf) / len(rf) for f in FEATURES}
    for k, v in sets.items():
        fs = [realism_features(p) for p in v]
        got = (
            shape(v)
            | {f: sum(x[f] for x in fs) / len(fs) for f in FEATURES}
            | singing[k]
            | {"windows": len(v)}
        )
        for h, pieces in reals.items():
            real = report["real"][h]
            rx = feature_matrix([realism_features(p) for p in pieces])
            acc = [two_sample_test(feature_matrix(fs), rx, seed=s)["accuracy"] for s in JUDGE_SEEDS]
            got[h] = {
                "accuracy": sum(acc) / len(acc),
                "seeds": acc,
                "ioi_distance": distance(got["ioi"], real["ioi"]),
                "duration_distance": distance(got["duration"], real["duration"]),
            }
            log.info("%s %s: %.3f %s %s", k, h, got[h]["accuracy"], [round(a, 3) for a in acc], got[h])
        report["sets"][k] = got
    return report


def run(seeds: int, reals: dict[str, list]) -> dict:
    from partita.generation.song_rhythm import STYLE_RHYTHM

    sets, singing = {}, {}
    sets["partita"], singing["partita"] = sung(seeds)
    for a in ANTICIPATE:
        with pop_style(STYLE_RHYTHM, anticipate=a):
            sets[f"anticipate_{a}"], singing[f"anticipate_{a}"] = sung(seeds)
    return judged(sets, singing, reals)


def rows(report: dict) -> list[dict]:
    sets, out = report["sets"], []
    base = sets["partita"]
    for h in report["real"]:
        label = "development half (choices looked here)" if h.startswith("dev") else "held-out half"
        real = report["real"][h]
        for k in sets:
            if k == "partita":
                continue
            a, b = sets[k], base
            seeds = f"{[round(x, 3) for x in a[h]['seeds']]} against {[round(x, 3) for x in b[h]['seeds']]}"
            sync = f"{a['syncopated']:.3f} (shipped {b['syncopated']:.3f}, POP909 {real['syncopated']:.3f})"
            dist = f"{a[h]['ioi_distance']:.3f} (shipped {b[h]['ioi_distance']:.3f})"
            strong = f"{a['stressed_on_strong']:.3f} (shipped {b['stressed_on_strong']:.3f})"
            written = (
                f"{a['syncopated_written']:.3f} (shipped {b['syncopated_written']:.3f}, "
                f"POP909 {real['syncopated_written']:.3f})"
            )
            out.append(
                row(
                    f"song rhythm, POP909 {label}, windows of 4 notes a bar or fewer: two-sample accuracy, "
                    f"English pop lines, {k}",
                    a[h]["accuracy"],
                    "accuracy",
                    COMMAND,
                    "shipped pop rhythm, same run",
                    b[h]["accuracy"],
                    higher_is_better=False,
                    goal="near 0.5",
                    notes=f"judges' seeds {list(JUDGE_SEEDS)}: {seeds}; syncopated notes {sync}; "
                    f"between-onset distance {dist}; stressed on strong {strong}",
                )
            )
            out.append(
                row(
                    f"song rhythm, POP909 {label}: syncopated notes (off the beat, sounding across it), "
                    f"English pop lines, {k}",
                    a["syncopated"],
                    "share",
                    COMMAND,
                    "shipped pop rhythm, same run",
                    b["syncopated"],
                    goal=f"POP909 {real['syncopated']:.3f}",
                    notes=f"written (no onset until after the next beat) {written}",
                )
            )
    return out


def setup(extra: list[tuple[str, dict]] = ()) -> tuple[argparse.Namespace, dict[str, list]]:
    """The command line (``--seeds``, ``--real``, ``--songs``, ``--threads``, ``--quick`` and ``extra``:
    (flag, ``add_argument``'s keywords)) and POP909's sparse windows by half."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--real", type=int, default=400)
    ap.add_argument("--songs", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    for flag, kw in extra:
        ap.add_argument(flag, **kw)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    import torch

    torch.set_num_threads(args.threads)
    if args.quick:
        args.seeds, args.real, args.songs = min(args.seeds, 2), min(args.real, 80), min(args.songs, 40)
    reals = {}
    for i, h in enumerate(HALVES):
        got, _ = pop909_windows(h, args.songs)
        reals[h] = sparse_windows(got, args.real, seed=i)
    return args, reals


def main() -> None:
    t0 = time.perf_counter()
    args, reals = setup()
    report = run(args.seeds, reals)
    path = write_result(
        "song_rhythm_syncopation",
        "English pop's rhythm against POP909: note lengths, sixteenths, syncopations "
        "(RhythmStyle.anticipate)",
        rows(report),
        quick=args.quick,
        extra={"report": report, "anticipate": ANTICIPATE, "seconds": time.perf_counter() - t0},
    )
    print(path)


if __name__ == "__main__":
    main()
