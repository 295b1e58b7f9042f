"""Meter and beats of POP909 against its beat annotations (``beat_midi.txt``), issue 20.

``beat_midi.txt`` gives each beat's time and two flags: the first marks a bar's downbeat (every 2 beats in
774 of the 800 songs at hand, every 3 in 26), the second every other downbeat (a two-bar unit). partita
reports the meter the MIDI file declares (POP909's files declare 2/4 or 3/4 ...) and lays its beat grid
from it, shifted to where the notes' onsets fall (:func:`partita.analysis.timeline.beat_grid`). Reported,
over all songs:

- beats per bar: the declared meter's numerator against the annotation's downbeat spacing;
- beat F-measure (mir_eval.beat, 70 ms window) of partita's beats against the annotated beats, with a grid
  that is not shifted to the notes (``align=False``) as the peer;
- downbeat F-measure of partita's bar lines against the annotated downbeats, same peer;
- downbeat F-measure of the bar lines inferred from the notes where the declared meter says nothing (1/4, or
  none: :mod:`partita.analysis.meter_inference`), the declared meter's bar lines elsewhere, against the
  declared meter's bar lines everywhere (the baseline, same run), on the held-out songs (odd ids) and the
  development songs (even ids, on which the settings were chosen). Songs 801-909 are not used.

    python bench/bench_meter.py [--workers 2] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.paths import shared_data_dir  # noqa: E402

COMMAND = "python bench/bench_meter.py --workers 2"


def song(path: str) -> dict:
    """One song's declared meter, annotated beats per bar, and beat / downbeat F-measures (aligned, not)."""
    import mir_eval

    from partita.analysis.meter_inference import bar_starts, implausible, infer_meter
    from partita.analysis.timeline import TempoMap, beat_grid, meters_of, note_arrays
    from partita.score import read_midi

    p = Path(path)
    ann = np.loadtxt(p.parent / "beat_midi.txt", ndmin=2)
    beats_ref, downs_ref = ann[:, 0], ann[ann[:, 1] == 1, 0]
    spacing = Counter(np.diff(np.flatnonzero(ann[:, 1] == 1)).tolist()).most_common(1)
    score = read_midi(p)
    notes = note_arrays(score)
    tmap = TempoMap(score)
    meters = meters_of(score)
    out = {
        "id": p.parent.name,
        "declared": f"{meters[0][1]}/{meters[0][2]}" if meters else None,
        "annotated_beats_per_bar": int(spacing[0][0]) if spacing else None,
    }
    for name, align in (("aligned", True), ("unaligned", False)):
        grid = beat_grid(score, notes, int(notes.end.max()), align=align)
        beats = np.asarray(tmap.seconds(grid.beats[:-1]), dtype=float)
        bars = np.asarray(tmap.seconds(grid.bars[:-1]), dtype=float)
        out[f"beat_f_{name}"] = float(mir_eval.beat.f_measure(beats_ref, beats))
        out[f"downbeat_f_{name}"] = float(mir_eval.beat.f_measure(downs_ref, bars))
        if align:
            guess = infer_meter(notes, grid.beats)
            out["inferred_beats_per_bar"] = guess.beats_per_bar if guess else None
            inferred = np.asarray(tmap.seconds(bar_starts(grid.beats, guess)[:-1]), float) if guess else bars
            out["downbeat_f_inferred_everywhere"] = float(mir_eval.beat.f_measure(downs_ref, inferred))
            out["implausible"] = implausible(meters)
            out["downbeat_f_inferred"] = (
                out["downbeat_f_inferred_everywhere"] if out["implausible"] else out["downbeat_f_aligned"]
            )
    return out


def inferred_rows(songs: list[dict]) -> list[dict]:
    """Downbeat F of the bar lines inferred where the declared meter says nothing, against the declared
    meter's, on the held-out (odd ids) and development (even ids) songs."""
    rows = []
    for part, parity in (("held-out", 1), ("development", 0)):
        chosen = [s for s in songs if int(s["id"]) % 2 == parity]
        if not chosen:
            continue
        vague = [s for s in chosen if s["implausible"]]
        agree = np.mean(
            [s["inferred_beats_per_bar"] == s["annotated_beats_per_bar"] for s in vague] if vague else [0.0]
        )
        note = (
            f"{len(chosen)} {part} songs (ids {'odd' if parity else 'even'}; the settings were chosen on the "
            f"even ids), {len(vague)} of them declaring 1/4 or no meter: bar lines inferred there, the "
            f"declared meter's elsewhere; inferred beats per bar = annotated on {agree:.3f} of those"
        )
        base = "bar lines of the declared meter"
        rows.append(
            row(
                f"POP909 downbeat F-measure (70 ms), meter inferred where 1/4 or none, {part} songs",
                float(np.mean([s["downbeat_f_inferred"] for s in chosen])),
                "F",
                COMMAND,
                baseline=base,
                baseline_value=float(np.mean([s["downbeat_f_aligned"] for s in chosen])),
                notes=note,
            )
        )
        if vague:
            rows.append(
                row(
                    f"POP909 downbeat F-measure (70 ms), {part} songs declaring 1/4 or none",
                    float(np.mean([s["downbeat_f_inferred"] for s in vague])),
                    "F",
                    COMMAND,
                    baseline=base,
                    baseline_value=float(np.mean([s["downbeat_f_aligned"] for s in vague])),
                    notes=f"the {len(vague)} {part} songs whose bar lines are inferred",
                )
            )
        rows.append(
            row(
                f"POP909 downbeat F-measure (70 ms), meter inferred on every song, {part} songs",
                float(np.mean([s["downbeat_f_inferred_everywhere"] for s in chosen])),
                "F",
                COMMAND,
                baseline=base,
                baseline_value=float(np.mean([s["downbeat_f_aligned"] for s in chosen])),
                notes="the declared meter ignored even where it is plausible (4/4, 2/4, 3/4, 6/8): for "
                "comparison only",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="the first 100 songs")
    args = ap.parse_args(argv)
    root = shared_data_dir() / "pop909"
    paths = sorted(str(p / f"{p.name}.mid") for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    limit = 100 if args.quick else args.limit
    paths = paths[:limit] if limit else paths
    with ProcessPoolExecutor(args.workers) as pool:
        songs = list(pool.map(song, paths, chunksize=8))
    declared = Counter(s["declared"] for s in songs)
    annotated = Counter(s["annotated_beats_per_bar"] for s in songs)
    agree = np.mean(
        [
            s["declared"] is not None and int(s["declared"].split("/")[0]) == s["annotated_beats_per_bar"]
            for s in songs
        ]
    )
    mean = {
        k: float(np.mean([s[k] for s in songs])) for k in songs[0] if k.startswith(("beat_", "downbeat_"))
    }
    note = (
        f"{len(songs)} songs; declared meters {dict(declared.most_common())}; annotated beats per bar "
        f"{dict(annotated.most_common())}"
    )
    rows = [
        row("POP909 meter: declared beats per bar = annotated", agree, "fraction", COMMAND, notes=note),
        row(
            "POP909 beat F-measure (70 ms), partita's grid",
            mean["beat_f_aligned"],
            "F",
            COMMAND,
            baseline="grid not shifted to the notes",
            baseline_value=mean["beat_f_unaligned"],
        ),
        row(
            "POP909 downbeat F-measure (70 ms), partita's bar lines",
            mean["downbeat_f_aligned"],
            "F",
            COMMAND,
            baseline="grid not shifted to the notes",
            baseline_value=mean["downbeat_f_unaligned"],
        ),
    ]
    rows += inferred_rows(songs)
    write_result(
        "meter",
        "Meter and beats against POP909's beat annotations",
        rows,
        quick=args.quick,
        extra={"songs": songs},
    )
    for r in rows:
        print(f"{r['metric']}: {r['value']:.3f} (peer {r['baseline_value']}) {r['notes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
