"""Sections of the POP909 songs that declare 2/4, read three ways, against their human structure labels.

Issue 20 left "2/4-declared songs": POP909 001 is listed as A A' eight times, and the one-beat (1/4) songs
are read in four-beat bars (:func:`partita.analysis.structure.four_beat_sections`) while the 21 songs of
001-800 that declare 2/4 are read in their own two-beat bars. This asks whether they should be read as the
1/4 songs are. Readings, all in the same run: ``shipped`` (``describe``: :func:`find_sections` over the
file's bars), ``four-beat`` (:func:`four_beat_sections`, as ``describe`` reads a 1/4 song) and ``intro``
(:func:`find_sections` with ``shift``: phrases may start after an intro); and four more, added with issue 20's
eighteenth session: ``paired`` (the file's two-beat bars joined in pairs, on its own bar lines, then
``find_sections`` with ``shift``), ``paired accent`` (the pairs start on the more accented of the first two
bar lines), ``long phrases`` (``find_sections`` over the two-beat bars with phrases of 32, 16 or 8 of them)
and ``shipped, runs merged`` (consecutive sections with one label joined, as the annotation's sections are
runs of phrases with one letter). Scored by
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
        elif how.startswith("paired"):
            found = paired_sections(notes, grid.beats, grid.bars, how)
        elif how == "shipped, runs merged":
            found = find_sections(notes, grid.bars)
        elif how == "long phrases":
            found = find_sections(notes, grid.bars, phrases=(32, 16, 8), short=32, shift=True)
        else:
            found = find_sections(notes, grid.bars, shift=how == "intro")
        if how.endswith("runs merged"):
            found = runs_merged(found)
        secs = TempoMap(score).seconds
        return [(float(secs(grid.bars[a])), float(secs(grid.bars[b])), lab) for a, b, lab in found]

    return estimate


def paired_sections(notes, beats, bars, how: str) -> list[tuple[int, int, str]]:
    """The file's two-beat bars joined in pairs (four-beat bars on its own bar lines), sections over them
    with an intro allowed, given back as indices into ``bars``. The pairs start on the file's first bar
    (``paired``), or on the one of its first two bars whose bar lines are the more accented (``paired
    accent``: the bar line of a four-beat bar is the stronger of the two)."""
    import numpy as np

    from partita.analysis.meter_inference import beat_accents
    from partita.analysis.structure import find_sections

    bars = np.asarray(bars, dtype=np.int64)
    phase = 0
    if how == "paired accent" and len(bars) > 4:
        accent = beat_accents(notes, beats).sum(axis=1)
        beat_of_bar = np.clip(np.searchsorted(beats, bars[:-1], side="left"), 0, len(accent) - 1)
        strength = accent[beat_of_bar]
        phase = int(np.argmax([strength[p::2].mean() for p in range(2)]))
    grid = np.r_[bars[:1] if phase else bars[:0], bars[phase:-1:2], bars[-1]]
    out = []
    for a, b, lab in find_sections(notes, grid, shift=True):
        ia, ib = (int(np.argmin(np.abs(bars - int(t)))) for t in (grid[a], grid[b]))
        if ib > ia:
            out.append((ia, ib, lab))
    return out


def runs_merged(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Consecutive sections with the same label as one (the annotation's sections are its runs of phrases
    with one letter)."""
    out: list[tuple[int, int, str]] = []
    for a, b, lab in found:
        if out and out[-1][2] == lab:
            out[-1] = (out[-1][0], b, lab)
        else:
            out.append((a, b, lab))
    return out


READINGS = (
    "shipped",
    "four-beat",
    "intro",
    "paired",
    "paired accent",
    "long phrases",
    "shipped, runs merged",
)
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
