"""Sections of POP909 songs (1-800) against the human structure labels of Dai, Zhang and Dannenberg (2020).

Reference: ``bench/data/pop909_structure.tsv`` (``bench/pop909_structure.py`` places both annotators' phrase
labels on the MIDI files; songs whose melody does not line up, match under 0.8, are skipped). Two levels:
phrases as annotated (``A4A4B8``: three phrases) and sections, where a run of phrases with the same letter
is one section (``A4A4B8``: A8 B8; a verse and a chorus, the scale a listener names). Estimate: the sections
``describe()`` reports. Baselines in the same run: a boundary every 8 bars of four quarter notes from the
start, and every 4. Scores: mir_eval.segment.detection F at 0.5 s and 3 s, pairwise label F (the same at
both levels), and sections per song; each song's score is the mean over its annotators, and the two
annotators against each other give the ceiling. Odd songs are held out (choices are made on even ones).

    python bench/bench_pop909_sections.py [--half odd|even|all] [--limit N] [--hour]

``--hour`` also describes an hour of the largest songs joined (``bench_large_files``' hour, both halves):
its sections against the songs' annotated phrases and sections, and its longest section.

Writes bench/results/pop909_sections[-HALF].json.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from common import row, write_result  # noqa: E402
from partita.paths import shared_data_dir  # noqa: E402
from pop909_structure import TABLE  # noqa: E402

log = logging.getLogger("bench_pop909_sections")
COMMAND = "python bench/bench_pop909_sections.py"
SLOW = True  # 382 songs: 4-16 minutes on two cores
MIN_MATCH = 0.8
LEVELS = ("phrase", "section")


def parse_labels(text: str) -> list[tuple[str, int]]:
    """``i4A4B8`` -> [("i", 4), ("A", 4), ("B", 8)]; empty for ``-`` or text that does not parse."""
    parts = re.findall(r"([A-Za-z])(\d+)", text)
    if not parts or "".join(f"{a}{b}" for a, b in parts) != text.strip():
        return []
    return [(a, int(b)) for a, b in parts if int(b) > 0]


def merge_runs(phrases: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Consecutive phrases with the same letter as one section."""
    out: list[tuple[str, int]] = []
    for lab, n in phrases:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1] + n)
        else:
            out.append((lab, n))
    return out


def reference(phrases: list[tuple[str, int]], first_bar: float, bar_q: float, seconds, end: float):
    """(intervals in seconds over [0, end], labels): the labelled bars, a ``-`` span before the first one,
    cut at ``end``."""
    bounds = first_bar + bar_q * np.cumsum([0] + [n for _, n in phrases])
    sec = seconds(bounds)
    iv = np.stack([sec[:-1], sec[1:]], axis=1)
    labels = [lab for lab, _ in phrases]
    if sec[0] > 0.05:
        iv, labels = np.vstack([[0.0, sec[0]], iv]), ["-", *labels]
    return fit_span(iv, labels, end)


def fit_span(iv: np.ndarray, labels: list[str], end: float) -> tuple[np.ndarray, list[str]]:
    """Intervals cut to [0, end], empty ones dropped, the last stretched to ``end`` (mir_eval's demand)."""
    iv = np.clip(np.asarray(iv, dtype=float), 0.0, end)
    keep = iv[:, 1] - iv[:, 0] > 1e-6
    iv, labels = iv[keep], [lab for lab, k in zip(labels, keep, strict=True) if k]
    iv[0, 0], iv[-1, 1] = 0.0, end
    return iv, labels


def grid_sections(seconds, end_q: float, bars: int) -> tuple[np.ndarray, list[str]]:
    """A boundary every ``bars`` bars of four quarters from the start, labels all distinct."""
    b = seconds(np.r_[np.arange(0.0, end_q - 1e-6, 4.0 * bars), end_q])
    return np.stack([b[:-1], b[1:]], axis=1), [str(i) for i in range(len(b) - 1)]


def scores(ref: tuple[np.ndarray, list[str]], est: tuple[np.ndarray, list[str]]) -> dict[str, float]:
    import mir_eval

    return {
        "f05": float(mir_eval.segment.detection(ref[0], est[0], window=0.5)[2]),
        "f3": float(mir_eval.segment.detection(ref[0], est[0], window=3.0)[2]),
        "pair": float(mir_eval.segment.pairwise(ref[0], ref[1], est[0], est[1])[2]),
    }


def load_table(half: str) -> list[dict]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines()[2:]:
        sid, first, steps, match, *labels = line.split("\t")
        n = int(sid)
        if float(match) < MIN_MATCH or (half == "odd" and n % 2 == 0) or (half == "even" and n % 2 == 1):
            continue
        ann = [p for p in (parse_labels(x) for x in labels) if p]
        if ann:
            rows.append({"song": sid, "first": float(first), "bar_q": int(steps) / 4, "labels": ann})
    return rows


def describe_sections(score) -> list[tuple[float, float, str]]:
    from partita.analysis.description import describe

    return [(s["start"], s["end"], s["label"]) for s in describe(score, analyse_chords=False).sections]


def bench(
    songs: list[dict], estimate: Callable = describe_sections, progress: bool = False
) -> dict[str, dict[str, float]]:
    """Mean scores of ``estimate`` (score -> [(start s, end s, label)]), the grids and the annotators."""
    from partita.analysis.timeline import TempoMap
    from partita.score import read_midi

    root = shared_data_dir() / "pop909"
    acc: dict[str, dict[str, list[float]]] = {}

    def add(name: str, values: dict[str, float]) -> None:
        for k, v in values.items():
            acc.setdefault(name, {}).setdefault(k, []).append(v)

    for i, song in enumerate(songs):
        score = read_midi(root / song["song"] / f"{song['song']}.mid")
        tpq = score.ticks_per_quarter
        tmap = TempoMap(score)
        end_q = score.end() / tpq
        end = float(tmap.seconds(score.end()))

        def seconds(q, tmap=tmap, tpq=tpq):
            return tmap.seconds(np.asarray(q, dtype=float) * tpq)

        est_raw = estimate(score)
        est = fit_span(np.array([[a, b] for a, b, _ in est_raw]), [lab for *_, lab in est_raw], end)
        grids = {f"grid{n}": grid_sections(seconds, end_q, n) for n in (8, 4)}
        for level in LEVELS:
            refs = [
                reference(
                    p if level == "phrase" else merge_runs(p), song["first"], song["bar_q"], seconds, end
                )
                for p in song["labels"]
            ]
            for name, e in (("partita", est), *grids.items()):
                per = [scores(r, e) for r in refs]
                add(f"{name}/{level}", {k: float(np.mean([p[k] for p in per])) for k in per[0]})
            if len(refs) == 2:
                add(f"annotators/{level}", scores(refs[0], refs[1]))
            add(f"reference/{level}", {"count": float(np.mean([len(r[1]) for r in refs]))})
        add("partita/count", {"count": float(len(est[1]))})
        if progress and (i + 1) % 50 == 0:
            print(f"{i + 1} of {len(songs)} songs", file=sys.stderr)
    return {
        name: {k: float(np.mean(v)) for k, v in d.items()} | {"n": len(next(iter(d.values())))}
        for name, d in acc.items()
    }


def hour_row(command: str) -> dict:
    """Sections ``describe()`` lists for an hour of the largest songs joined, against the songs' labels."""
    import tempfile

    from bench_large_files import concat_hour, pop909_songs
    from partita.analysis.description import describe
    from partita.score import read_midi

    songs = sorted(pop909_songs(), key=lambda p: (p.stat().st_size, p.name))[::-1]
    with tempfile.TemporaryDirectory() as tmp:
        secs, used = concat_hour(songs, Path(tmp) / "hour.mid")
        d = describe(read_midi(Path(tmp) / "hour.mid"), analyse_chords=False)
    ids = {p.stem for p in songs[:used]}
    table = {r["song"]: r for r in load_table("all")}
    labelled = [table[i]["labels"] for i in ids if i in table]
    phrases = sum(np.mean([len(x) for x in labs]) for labs in labelled)
    runs = sum(np.mean([len(merge_runs(x)) for x in labs]) for labs in labelled)
    longest = max(x["end"] - x["start"] for x in d.sections)
    covered = d.sections[-1]["end"] - d.sections[0]["start"]
    return row(
        f"POP909 hour ({used} songs joined, {secs / 60:.0f} min): sections listed",
        len(d.sections),
        "sections",
        command,
        baseline=f"annotated sections of its {len(labelled)} labelled songs",
        baseline_value=float(runs),
        higher_is_better=False,
        notes=f"annotated phrases {phrases:.0f}; longest listed section {longest:.1f} s; sections cover "
        f"{covered:.1f} s of {d.duration:.1f} s",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half", choices=("odd", "even", "all"), default="odd", help="odd songs are held out")
    ap.add_argument("--limit", type=int, default=None, help="the first N songs of the half")
    ap.add_argument("--hour", action="store_true", help="also an hour of the largest songs joined")
    ap.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: 60 songs")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    songs = load_table(args.half)[: 60 if args.quick else args.limit]
    t0 = time.perf_counter()
    r = bench(songs, progress=True)
    seconds = round(time.perf_counter() - t0, 1)
    command = f"{COMMAND} --half {args.half}" + (f" --limit {args.limit}" if args.limit else "")
    note = f"{len(songs)} POP909 songs ({args.half} ids of 1-800 whose labels line up), both annotators"
    rows = []
    for level in LEVELS:
        ceiling = r.get(f"annotators/{level}", {})
        for key, name in (
            ("f05", "boundary F at 0.5 s"),
            ("f3", "boundary F at 3 s"),
            ("pair", "label pairwise F"),
        ):
            for grid in ("grid8", "grid4"):
                rows.append(
                    row(
                        f"POP909 {level}s ({args.half} songs): {name}, against {grid[4:]}-bar grid",
                        r[f"partita/{level}"][key],
                        "F",
                        command,
                        baseline=f"a boundary every {grid[4:]} bars of four quarters (labels all distinct)",
                        baseline_value=r[f"{grid}/{level}"][key],
                        goal="beat the grid",
                        notes=f"{note}; annotator against annotator {ceiling.get(key, float('nan')):.3f}",
                    )
                )
    rows.append(
        row(
            f"POP909 sections per song ({args.half} songs)",
            r["partita/count"]["count"],
            "sections",
            command,
            baseline="annotated sections (runs of one letter)",
            baseline_value=r["reference/section"]["count"],
            higher_is_better=False,
            notes=f"{note}; annotated phrases {r['reference/phrase']['count']:.1f} a song",
        )
    )
    if args.hour:
        rows.append(hour_row(f"{command} --hour"))
    name = "pop909_sections" + ("" if args.half == "odd" else f"-{args.half}")
    title = f"Sections of POP909 songs against human structure labels ({args.half} songs)"
    path = write_result(name, title, rows, quick=args.quick, extra={"scores": r, "seconds": seconds})
    for x in rows:
        print(f"{x['metric']}: {x['value']:.3f} (baseline {x['baseline_value']:.3f})")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
