"""Fit pop's learned rhythm (issue 25): the tables of :mod:`partita.generation.song_pop_rhythm`, read from the
vocal melodies of POP909's development half (even ids of songs 1-800; 801-909 are never read), each put on
its own beat annotations on a sixteenth grid in 4/4 (``song_realism.pop909_full``).

A phrase is a run of notes with no silence of a beat or more inside it (as ``song_pop909.GAP_BEATS``), of
three notes or more; notes starting together keep the first. Counted, by the note's sixteenth in the bar:

- ``START``: where a phrase's first note falls (a pickup: the last beat of a bar);
- ``STEP``: the gap to the next note of the phrase (sixteenths, 1-16) after a note at each position;
- ``LAST``: where a phrase's last note falls;
- ``HOLD``: the length of a phrase's last note (sixteenths, 2-16, 16 a whole note or longer; the learned
  rhythm holds a line's last note to its bars' end, the rules' rhythm draws a held end from it:
  ``RhythmStyle.drawn_end``, not shipped);
- ``SOUNDING``: for a gap of 2-8 sixteenths inside a phrase, how long the note sounds (the rest is silence).

Each table is printed as a Python literal (probabilities rounded to 3 places, those under 0.005 left out):

    python bench/song_rhythm_fit.py > /tmp/tables.py
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from song_realism import pop909_full  # noqa: E402

SIXTEENTH = 120  # ticks (song_realism.TPQ 480)
BAR = 16
GAP = 4  # sixteenths of silence that end a phrase


def phrases(notes: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The phrases (runs of (onset, duration) ticks with no silence of :data:`GAP` sixteenths) of a melody."""
    out, cur = [], []
    for i, (on, dur) in enumerate(notes):
        cur.append((on, dur))
        nxt = notes[i + 1][0] if i + 1 < len(notes) else None
        if nxt is None or nxt - (on + dur) >= GAP * SIXTEENTH:
            if len(cur) >= 3:
                out.append(cur)
            cur = []
    return out


def tables(melodies: list[list[tuple[int, int]]]) -> dict:
    start, last, hold = Counter(), Counter(), Counter()
    step: dict[int, Counter] = defaultdict(Counter)
    sounding: dict[int, Counter] = defaultdict(Counter)
    for notes in melodies:
        for ph in phrases(notes):
            start[(ph[0][0] // SIXTEENTH) % BAR] += 1
            last[(ph[-1][0] // SIXTEENTH) % BAR] += 1
            hold[min(16, max(2, round(ph[-1][1] / SIXTEENTH)))] += 1
            for (on, dur), (nxt, _) in zip(ph, ph[1:], strict=False):
                gap = (nxt - on) // SIXTEENTH
                step[(on // SIXTEENTH) % BAR][min(gap, 16)] += 1
                if 2 <= gap <= 8:
                    sounding[gap][min(gap, max(1, round(dur / SIXTEENTH)))] += 1

    def norm(c: Counter) -> dict[int, float]:
        total = sum(c.values())
        return {k: round(v / total, 3) for k, v in sorted(c.items()) if v / total >= 0.005}

    return {
        "START": norm(start),
        "STEP": {p: norm(step[p]) for p in range(BAR)},
        "LAST": norm(last),
        "HOLD": norm(hold),
        "SOUNDING": {g: norm(sounding[g]) for g in sorted(sounding)},
    }


def main() -> None:
    got = pop909_full("development")
    melodies = []
    for score in got:
        notes = sorted((n.time, n.duration) for n in score.tracks[0].notes)
        melodies.append([n for i, n in enumerate(notes) if i == 0 or n[0] != notes[i - 1][0]])
    print(f"# {len(melodies)} POP909 development-half melodies (even ids of 1-800)")
    for name, table in tables(melodies).items():
        print(f"{name} = {table!r}")


if __name__ == "__main__":
    main()
