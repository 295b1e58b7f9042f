"""Syncopations and sixteenths in the Essen German folk songs against partita's default rhythm (issue 25).

Prints, by meter (2/4, 3/4, 4/4), the share of notes that start off the beat and last across the next beat
(syncopated) and of notes that touch the sixteenth grid (an odd number of sixteenths long, or starting on
an odd sixteenth) in the German Essen folk songs that ``bench_song_real.py`` reads (erk10, boehme10, kinder0;
notes from each tune's first bar line, read by ``essen_abc``'s small ABC reader; a tied note counts as two)
and in partita's lines in the default rhythm (``song_rhythm.DEFAULT_RHYTHM``: no style) on
``bench_song.py``'s English texts, seeds 0-3, their written lengths. A script to read, not a benchmark row
(docs/SONGS.md, Syncopations).

    python bench/song_rhythm_folk.py
    python bench/song_rhythm_folk.py --pairs 1,0.5,0.3,0.2   # 4/4 dotted pairs (METER_PAIRS), by half
"""

from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song_real import GERMAN_FILES  # noqa: E402
from bench_song_realism import english_texts  # noqa: E402
from essen_abc import _abc_line_events, _abc_tunes  # noqa: E402

METERS = ("2/4", "3/4", "4/4")


def shares(tunes: list[list[tuple[float, float]]]) -> tuple[int, float, float]:
    """Notes, syncopated share, sixteenth share of (onset, length) notes in quarters from a bar line."""
    n = sync = six = 0
    for notes in tunes:
        for on, d in notes:
            n += 1
            sync += on % 1 != 0 and on + d > on // 1 + 1 + 1e-9
            six += round(d * 4) % 2 == 1 or round(on * 4) % 2 == 1
    return n, sync / max(n, 1), six / max(n, 1)


def essen(meter: str) -> list[list[tuple[float, float]]]:
    from music21 import corpus

    base = Path(os.path.dirname(corpus.__file__)) / "essenFolksong"
    tunes = []
    for f in GERMAN_FILES:
        for m, unit, body in _abc_tunes((base / f).read_text(encoding="latin-1")):
            if m != meter or not unit or "/" not in unit:
                continue
            length = Fraction(*(int(x) for x in unit.split("/")))
            events = [e for line in body for e in _abc_line_events(line, length)]
            first = next((i for i, e in enumerate(events) if e[0] == "bar"), None)
            if first is None:
                continue
            notes, t = [], Fraction(0)
            for kind, d in events[first + 1 :]:
                if kind == "note":
                    notes.append((float(t * 4), float(d * 4)))
                t += d
            tunes.append(notes)
    return tunes


def partita(meter: str, seeds: int = 4) -> list[list[tuple[float, float]]]:
    from partita.generation.song import TPQ, sing
    from partita.lyrics import read_lyrics

    out = []
    for text in english_texts():
        for seed in range(seeds):
            song = sing(read_lyrics(text), seed=seed, meter=meter)
            out.append([(n.onset / TPQ, n.duration / TPQ) for n in song.notes])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default="", help="4/4 shares of dotted pairs to try (METER_PAIRS), e.g. 1,0.3")
    args = ap.parse_args()
    if args.pairs:
        return pairs([float(x) for x in args.pairs.split(",")])
    for meter in METERS:
        real, ours = essen(meter), partita(meter)
        (n, s, x), (pn, ps, px) = shares(real), shares(ours)
        print(f"{meter}: Essen German {len(real)} tunes, {n} notes: syncopated {s:.3f}, sixteenths {x:.3f} | "
              f"partita's default rhythm {pn} notes: syncopated {ps:.3f}, sixteenths {px:.3f}")  # fmt: skip


def pairs(values: list[float]) -> None:
    """Partita's default rhythm in 4/4 with ``song_rhythm.METER_PAIRS["4/4"]`` at each of ``values``
    against the Essen German 4/4 tunes' development half (even positions in :func:`essen`'s order, where
    the choice is made) and held-out half (odd)."""
    from partita.generation import song_rhythm

    real = essen("4/4")
    halves = {"development": real[0::2], "held_out": real[1::2]}
    for h, tunes in halves.items():
        n, s, x = shares(tunes)
        print(f"4/4 Essen German {h}: {len(tunes)} tunes, {n} notes: syncopated {s:.3f}, sixteenths {x:.3f}")
    kept = dict(song_rhythm.METER_PAIRS)
    try:
        for v in values:
            song_rhythm.METER_PAIRS["4/4"] = v
            n, s, x = shares(partita("4/4"))
            gaps = {h: abs(x - shares(t)[2]) for h, t in halves.items()}
            print(
                f"4/4 partita, dotted pairs x{v}: {n} notes, syncopated {s:.3f}, sixteenths {x:.3f}; "
                f"distance to Essen development {gaps['development']:.3f}, held out {gaps['held_out']:.3f}"
            )
    finally:
        song_rhythm.METER_PAIRS.clear()
        song_rhythm.METER_PAIRS.update(kept)


if __name__ == "__main__":
    main()
