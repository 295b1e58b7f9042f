"""Sections of the POP909 songs that declare 2/4, read three ways, against their human structure labels.

Issue 20 left "2/4-declared songs": POP909 001 is listed as A A' eight times, and the one-beat (1/4) songs
are read in four-beat bars (:func:`partita.analysis.structure.four_beat_sections`) while the 21 songs of
001-800 that declare 2/4 are read in their own two-beat bars. This asks whether they should be read as the
1/4 songs are. Readings, all in the same run: ``shipped`` (``describe``: :func:`find_sections` over the
file's bars), ``four-beat`` (:func:`four_beat_sections`, as ``describe`` reads a 1/4 song) and ``intro``
(:func:`find_sections` with ``shift``: phrases may start after an intro). Scored by
``bench_pop909_sections.bench`` (boundary F at 0.5 s and 3 s, pairwise label F, sections a song; the mean
over the two annotators) on the even songs (chosen on) and the odd ones (held out), songs 001-800 only.
O'Neill's 2/4 tunes are read by ``find_sections`` over their bars, which none of this changes.

    python bench/bench_pop909_two_four.py
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pop909_sections import bench, load_table  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_pop909_two_four")
COMMAND = "python bench/bench_pop909_two_four.py"


def two_four_songs(half: str) -> list[dict]:
    """The labelled songs of ``half`` whose MIDI file declares 2/4 first."""
    from partita.paths import shared_data_dir
    from partita.score import read_midi

    root = shared_data_dir() / "pop909"
    out = []
    for song in load_table(half):
        ts = read_midi(root / song["song"] / f"{song['song']}.mid").time_signatures
        if len(ts) and (ts[0].numerator, ts[0].denominator) == (2, 4):
            out.append(song)
    return out


def reading(how: str):
    """score -> [(start s, end s, label)] for one reading."""

    def estimate(score) -> list[tuple[float, float, str]]:
        from partita.analysis.structure import find_sections, four_beat_sections
        from partita.analysis.timeline import TempoMap, beat_grid, note_arrays

        notes = note_arrays(score)
        grid = beat_grid(score, notes, int(notes.end.max()))
        if how == "four-beat":
            found = four_beat_sections(notes, grid.beats, grid.bars)
        else:
            found = find_sections(notes, grid.bars, shift=how == "intro")
        secs = TempoMap(score).seconds
        return [(float(secs(grid.bars[a])), float(secs(grid.bars[b])), lab) for a, b, lab in found]

    return estimate


READINGS = ("shipped", "four-beat", "intro")
METRICS = (
    ("section", "f05", "section boundary F at 0.5 s"),
    ("section", "f3", "section boundary F at 3 s"),
    ("phrase", "f3", "phrase boundary F at 3 s"),
    ("section", "pair", "pairwise label F"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: runs as it is")
    ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = []
    for half, what in (("even", "chosen on: even songs"), ("odd", "held out: odd songs")):
        songs = two_four_songs(half)
        res = {how: bench(songs, reading(how)) for how in READINGS}
        ref = res["shipped"]["reference/section"]["count"]
        for how in READINGS[1:]:
            for level, key, name in METRICS:
                rows.append(
                    row(
                        f"POP909 2/4 songs, {half}: {name}, {how} reading",
                        res[how][f"partita/{level}"][key],
                        "F",
                        COMMAND,
                        baseline="shipped: find_sections over the file's two-beat bars (same run)",
                        baseline_value=res["shipped"][f"partita/{level}"][key],
                        notes=f"{what} ({len(songs)} songs declaring 2/4, 001-800)",
                    )
                )
            rows.append(
                row(
                    f"POP909 2/4 songs, {half}: sections a song, {how} reading",
                    res[how]["partita/count"]["count"],
                    "sections",
                    COMMAND,
                    baseline="shipped: find_sections over the file's two-beat bars (same run)",
                    baseline_value=res["shipped"]["partita/count"]["count"],
                    notes=f"{what}; annotated {ref:.1f} sections a song",
                )
            )
    for r in rows:
        print(f"{r['metric']}: {r['value']:.3f} (shipped {r['baseline_value']:.3f})")
    path = write_result("pop909_two_four", "Sections of POP909's 2/4-declared songs, three readings", rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
