"""Where partita's English pop rhythm and POP909's differ (issue 25): note lengths and times between onsets.

Prints, for POP909's development half (all windows, and those of 4 notes a bar or fewer: the density of
partita's lines) and for partita's English pop lines (``bench_song.py``'s English texts, seeds 0-3): the
shares of note lengths and inter-onset intervals (sixteenths), of a phrase's last note (a note followed by a
beat's silence or more: POP909 has no lyrics, so a line end is read as a breath) and of the rest after it,
and the gap to the next note inside a phrase by where the note starts (the strong beats 1 and 3, beats 2 and
4, an eighth off-beat, a sixteenth off-beat: stressed syllables fall on the first, unstressed ones on the
others). A script to read, not a benchmark row (docs/SONGS.md, Line ends drawn from POP909).

    python bench/song_rhythm_spread.py
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song_realism import english_texts, sparse_windows  # noqa: E402
from song_realism import pop909_windows, sample, sung_windows  # noqa: E402

S = 120  # a sixteenth (ticks)
KEYS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)


def _notes(piece) -> list[tuple[int, int]]:
    ns = sorted((n.time, n.duration) for t in piece.tracks for n in t.notes)
    return [n for i, n in enumerate(ns) if i == 0 or n[0] != ns[i - 1][0]]


def _where(tick: int) -> str:
    s = (tick // S) % 16
    return "strong" if s in (0, 8) else "beat" if s % 4 == 0 else "eighth" if s % 2 == 0 else "sixteenth"


def _show(c: Counter) -> str:
    total = max(sum(c.values()), 1)
    return " ".join(f"{k}:{c[k] / total:.3f}" for k in KEYS) + f" n={total}"


def spread(pieces: list, name: str) -> None:
    dur, ioi, ends, rests = Counter(), Counter(), Counter(), Counter()
    inside: dict[str, Counter] = defaultdict(Counter)
    lengths, gaps = [], []
    for p in pieces:
        ns = _notes(p)
        for i, (t, d) in enumerate(ns):
            dur[min(32, round(d / S))] += 1
            lengths.append(d / 480)
            if i + 1 == len(ns):
                continue
            g = ns[i + 1][0] - t
            gaps.append(g / 480)
            ioi[min(32, round(g / S))] += 1
            silence = ns[i + 1][0] - t - d
            if silence >= 480:
                ends[min(32, round(d / S))] += 1
                rests[min(32, round(silence / S))] += 1
            else:
                inside[_where(t)][min(32, round(g / S))] += 1
    print(f"== {name}: {len(pieces)} windows; note length mean {np.mean(lengths):.2f} "
          f"std {np.std(lengths):.2f} quarters; between onsets mean {np.mean(gaps):.2f} "
          f"std {np.std(gaps):.2f}")  # fmt: skip
    print(" note lengths (sixteenths)", _show(dur))
    print(" between onsets           ", _show(ioi))
    print(" a phrase's last note     ", _show(ends))
    print(" the rest after it        ", _show(rests))
    for k in ("strong", "beat", "eighth", "sixteenth"):
        print(f" inside a phrase, from {k:9}", _show(inside[k]))


def main() -> None:
    dev, _ = pop909_windows("development", 400)
    spread(sample(dev, 400, 0), "POP909 development, all windows")
    spread(sparse_windows(dev, 400, 0), "POP909 development, 4 notes a bar or fewer")
    spread(sung_windows(english_texts(), 4)["partita"], "partita, English pop")


if __name__ == "__main__":
    main()
