"""Corpus-build throughput (files/s, notes/s) of partita's builder against a pretty_midi-based loader.

Both sides do the same work on the same items, in the same run, with the same number of processes: read each
piece (a POP909 MIDI file, a JSB chorale, a music21 corpus file or ABC tune), turn it into a MIDI score, count
its notes and duration, write the MIDI file, and write a Parquet table of the results at the end.

- partita: :func:`partita.corpus.build_corpus` (symusic for MIDI; music21 + partita's bridge for the rest;
  labels, JSB matching, splits and the manifest included).
- baseline: pretty_midi, the loader most MIR code uses. pretty_midi reads only MIDI, so scores in MusicXML /
  ABC / Humdrum go the usual way: music21 parse -> music21's MIDI export -> pretty_midi.

    # a deterministic sample: every 40th music21 item, every 8th of the rest
    python bench/bench_corpus.py --quick
    # everything: the whole bundled corpus + POP909 + JSB (hours)
    python bench/bench_corpus.py
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import row, write_result  # noqa: E402

SLOW = True  # minutes of training or a full corpus build: run only when named or with --all

GROUPS = {"pop909 (MIDI)": ["pop909"], "jsb": ["jsb"], "music21 bundled corpus": ["music21:all"]}


def _pretty_midi_item(item, out_dir: str) -> tuple[bool, int, float]:
    """The baseline's work for one item: (ok, notes, seconds of music)."""
    import pretty_midi

    try:
        if item.kind == "jsb":
            pm = pretty_midi.PrettyMIDI(initial_tempo=60.0)
            for v in range(4):
                inst = pretty_midi.Instrument(program=52, name=str(v))
                start, pitch = 0, -1
                steps = [*item.grid, ()]
                for i, step in enumerate(steps):
                    p = int(step[v]) if v < len(step) else -1
                    if p != pitch:
                        if pitch >= 0:
                            inst.notes.append(pretty_midi.Note(80, pitch, start * 0.25, i * 0.25))
                        start, pitch = i, p
                pm.instruments.append(inst)
        elif item.kind == "pop909" or Path(item.path).suffix.lower() in (".mid", ".midi"):
            pm = pretty_midi.PrettyMIDI(item.path)
        else:
            from music21 import converter
            from music21.midi import translate

            if item.kind == "abc":
                s = converter.parseData(item.text, format="abc")
            else:
                s = converter.parse(item.path)
            try:
                s = s.expandRepeats()
            except Exception:
                pass
            mf = translate.streamToMidiFile(s)
            pm = pretty_midi.PrettyMIDI(io.BytesIO(mf.writestr()))
        notes = sum(len(i.notes) for i in pm.instruments)
        if notes == 0:
            return False, 0, 0.0
        name = f"{zlib.crc32(item.key.encode()):08x}.mid"
        pm.write(os.path.join(out_dir, name))
        return True, notes, float(pm.get_end_time())
    except Exception:
        return False, 0, 0.0


def run_baseline(items, workers: int, out_dir: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_pretty_midi_item, items, [str(out_dir)] * len(items), chunksize=4))
    ok = [r for r in results if r[0]]
    pq.write_table(
        pa.table({"notes": [r[1] for r in ok], "seconds": [r[2] for r in ok]}), out_dir / "manifest.parquet"
    )
    return {
        "seconds": time.perf_counter() - t0,
        "pieces": len(ok),
        "notes": sum(r[1] for r in ok),
        "items": len(items),
    }


def run_partita(sources, select, workers: int, out_dir: Path) -> dict:
    from partita.corpus import build_corpus

    t0 = time.perf_counter()
    s = build_corpus("bench", sources, out_dir=out_dir, workers=workers, select=select)
    return {
        "seconds": time.perf_counter() - t0,
        "pieces": s["pieces"],
        "notes": s["notes"],
        "items": s["processed_now"],
        "rejects": s["rejects_by_reason"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="every --every-th item of each source instead of all"
    )
    ap.add_argument("--every", type=int, default=40, help="sampling step of --quick for music21's corpus")
    ap.add_argument("--every-midi", type=int, default=8, help="sampling step of --quick for POP909 and JSB")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    from partita.corpus.sources import iter_items, resolve_sources

    def select(item) -> bool:
        every = args.every_midi if item.source in ("pop909", "jsb") else args.every
        return not args.quick or zlib.crc32(item.key.encode()) % every == 0

    command = "python bench/bench_corpus.py" + (
        f" --quick --every {args.every} --every-midi {args.every_midi}" if args.quick else ""
    )
    rows, detail = [], {}
    totals = {"partita": [0.0, 0, 0], "pretty_midi": [0.0, 0, 0]}
    work = Path(tempfile.mkdtemp(prefix="bench_corpus_"))
    try:
        for group, specs in GROUPS.items():
            items = [it for src in resolve_sources(specs) for it in iter_items(src) if select(it)]
            tag = group.split()[0]
            ours = run_partita(specs, select, args.workers, work / f"partita-{tag}")
            base = run_baseline(items, args.workers, work / f"pm-{tag}")
            detail[group] = {"items": len(items), "partita": ours, "pretty_midi": base}
            for name, r in (("partita", ours), ("pretty_midi", base)):
                totals[name][0] += r["seconds"]
                totals[name][1] += len(items)
                totals[name][2] += r["notes"]
            note = f"{len(items)} items; pieces kept: partita {ours['pieces']}, pretty_midi {base['pieces']}"
            rows.append(
                row(
                    f"corpus build, {group}: files/s",
                    len(items) / ours["seconds"],
                    "files/s",
                    command,
                    "pretty_midi loader",
                    len(items) / base["seconds"],
                    notes=note,
                )
            )
            rows.append(
                row(
                    f"corpus build, {group}: notes/s",
                    ours["notes"] / ours["seconds"],
                    "notes/s",
                    command,
                    "pretty_midi loader",
                    base["notes"] / base["seconds"],
                    notes=note,
                )
            )
            print(group, detail[group], flush=True)
        (tp, fp_, np_), (tb, fb, nb) = totals["partita"], totals["pretty_midi"]
        rows.insert(
            0,
            row(
                "corpus build, all sources: files/s",
                fp_ / tp,
                "files/s",
                command,
                "pretty_midi loader",
                fb / tb,
                notes=f"{fp_} items on {args.workers} processes",
            ),
        )
        rows.insert(
            1,
            row(
                "corpus build, all sources: notes/s",
                np_ / tp,
                "notes/s",
                command,
                "pretty_midi loader",
                nb / tb,
                notes="each side counts the notes of the pieces it kept",
            ),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path = write_result("corpus", "Corpus build throughput", rows, quick=args.quick, extra={"detail": detail})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
