"""Meter and beats of POP909 against its beat annotations (``beat_midi.txt``), issue 20.

``beat_midi.txt`` gives each beat's time and two flags: the first marks a bar's downbeat (every 2 beats in
774 of the 800 songs at hand, every 3 in 26), the second every other downbeat (a two-bar unit). partita
reports the meter the MIDI file declares (POP909's files declare 2/4 or 3/4 ...) and lays its beat grid
from it, shifted to where the notes' onsets fall (:func:`partita.analysis.timeline.beat_grid`). Reported,
over all songs:

- beats per bar: the declared meter's numerator against the annotation's downbeat spacing;
- beat F-measure (mir_eval.beat, 70 ms window) of partita's beats against the annotated beats, with a grid
  that is not shifted to the notes (``align=False``) as the peer;
- downbeat F-measure of partita's bar lines against the annotated downbeats, same peer.

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
    return out


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
