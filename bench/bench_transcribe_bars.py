"""Bars of a transcribed melody (issue 24): the meter and the upbeat ``partita transcribe --melody`` reads.

Held-out melodies with known meter and bars (the built corpus ``all``'s test split: Essen folk songs in 3/4
and 4/4 and Bach chorale sopranos, as ``bench/bench_upbeat.py`` reads them, their first 8 bars and pickup)
are rendered with FluidSynth (flute, 100 quarters a minute, from the first note), transcribed and quantised
(``read_hummed_melody``), and barred by :func:`partita.generation.upbeat.place_bars` (3/4 or 4/4 from the
accents, an upbeat padded when sure), against the baseline in the same run: 4/4 from the first note, as
before.
The test split is halved by piece id as ``bench_upbeat.py`` halves it: the development half chose the
margin 3/4 needs (:data:`partita.generation.upbeat.MELODY_THREE_MARGIN`), the held-out half is reported first.
Reported: the meter right (3 or 4 beats a bar), the first bar line right (within 0.1 s of the reference's,
measured in seconds from the first note, so a doubled tempo does not count against it), and both.

    nice -n 10 python bench/bench_transcribe_bars.py [--per-group 30] [--threads 1]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

SLOW = True  # reads the built corpus `all` (data/corpora/all): not for `make bench --quick`

COMMAND = "nice -n 10 python bench/bench_transcribe_bars.py --per-group 30 --threads 1"
BPM = 100.0
GROUPS = (("essen", "3/4"), ("essen", "4/4"), ("chorale", "4/4"))
log = logging.getLogger("bench_transcribe_bars")


def pieces(per_group: int):
    from bench_upbeat import melodies

    taken: dict[tuple[str, str], int] = {}
    for src, pid, meter, tpq, notes, bar in melodies("test", crop=8):
        if (src, meter) not in GROUPS or taken.get((src, meter), 0) >= per_group:
            continue
        taken[(src, meter)] = taken.get((src, meter), 0) + 1
        yield src, pid, meter, tpq, notes, bar
        if all(taken.get(g, 0) >= per_group for g in GROUPS):
            return


def first_bar_line(score) -> tuple[int, float]:
    """(beats a bar, seconds from the first note to the first bar line at or after it) of a Score."""
    ts = score.time_signatures[0]
    tpq = score.ticks_per_quarter
    bar = ts.numerator * 4 * tpq // ts.denominator
    first = min(n.time for t in score.tracks for n in t.notes)
    qpm = score.tempos[0].qpm if len(score.tempos) else 120.0
    return ts.numerator, ((-first) % bar) / tpq * 60.0 / qpm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-group", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--program", type=int, default=73, help="The GM program rendered (73: flute).")
    ap.add_argument("--keep", type=Path, default=None, help="A folder to write the quantised melodies to.")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import symusic

    from partita.audio import MelodyConfig, TranscriptionConfig, read_audio, read_hummed_melody
    from partita.generation.upbeat import place_bars
    from partita.render import write_wav

    cfg = TranscriptionConfig(threads=args.threads)
    recs = []
    with tempfile.TemporaryDirectory() as tmp:
        for src, pid, meter, tpq, notes, bar in pieces(args.per_group):
            first = int(notes.start.min())
            s = symusic.Score(tpq)
            s.tempos.append(symusic.Tempo(0, BPM))
            track = symusic.Track("melody", args.program, False)
            for a, b, p in zip(notes.start, notes.end, notes.pitch, strict=True):
                track.notes.append(symusic.Note(int(a) - first, max(1, int(b - a)), int(p), 90))
            s.tracks.append(track)
            wav = write_wav(s, Path(tmp) / f"{len(recs)}.wav")
            hummed = read_hummed_melody(read_audio(wav), MelodyConfig(), cfg)
            if not len(hummed.score.tracks) or not len(hummed.score.tracks[0].notes):
                continue
            num = int(meter.split("/")[0])
            ref_line = ((-first) % bar) / tpq * 60.0 / BPM
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                hummed.score.dump_midi(str(args.keep / f"{src}-{meter.replace('/', '')}-{first}-{pid}.mid"))
            half = "dev" if int(hashlib.md5(pid.encode()).hexdigest(), 16) % 2 == 0 else "held-out"
            rec = {"source": src, "meter": meter, "piece": pid, "upbeat": first > 0, "half": half}
            barred, read = place_bars(hummed.score)
            for name, score in (("baseline", hummed.score), ("partita", barred)):
                n, line = first_bar_line(score)
                rec[f"{name}_meter"] = n == num
                rec[f"{name}_phase"] = abs(line - ref_line) < 0.1
                rec[f"{name}_both"] = rec[f"{name}_meter"] and rec[f"{name}_phase"]
            rec["read"] = read
            recs.append(rec)
            marks = {k: v for k, v in rec.items() if "_" in k}
            print(src, meter, pid, "upbeat" if first else "", marks, read)
    command = COMMAND.replace("--per-group 30", f"--per-group {args.per_group}")
    command += f" --program {args.program}" if args.program != 73 else ""
    rows = []
    held = [r for r in recs if r["half"] == "held-out"]
    for label, sel in (
        ("held-out", held),
        ("held-out essen 3/4", [r for r in held if r["meter"] == "3/4"]),
        ("held-out 4/4", [r for r in held if r["meter"] == "4/4"]),
        ("held-out with an upbeat", [r for r in held if r["upbeat"]]),
        ("held-out from the downbeat", [r for r in held if not r["upbeat"]]),
        ("development", [r for r in recs if r["half"] == "dev"]),
    ):
        for what in ("meter", "phase", "both"):
            if not sel:
                continue
            ours = float(np.mean([r[f"partita_{what}"] for r in sel]))
            base = float(np.mean([r[f"baseline_{what}"] for r in sel]))
            metric = {"meter": "meter right", "phase": "first bar line right", "both": "bars right"}[what]
            name = f"{metric}, {label} (n={len(sel)})"
            rows.append(row(name, ours, "share", command, "4/4 from the first note", base))
    arm = "" if args.program == 73 else f"_program{args.program}"
    path = write_result(
        f"transcribe_bars{arm}",
        "Bars of transcribed melodies: meter and upbeat read vs 4/4 from the first note"
        + (f" (GM program {args.program})" if arm else ""),
        rows,
        extra={"melodies": recs},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
