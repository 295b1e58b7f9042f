"""Which bars of real pieces repeat an earlier bar, and how far back: the numbers behind
``GenerationConfig.style_restatements`` (a chorale's Stollen).

Pieces are cut as the realism benchmark cuts them (8 and 16 bars after a pickup, ``bench/bench_realism.py``)
and compared as its ``bar_repetition`` feature compares bars (every note's onset in the bar and pitch)::

    python scripts/stollen-stats.py --styles chorale --split train --count 120

"The opening phrase restated" counts the pieces whose first repeated bar is one of their first two bars
played again 4 bars later (bar 1 after a pickup bar, bar 0 without). Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def repeats(score) -> list[tuple[int, int]]:
    """(earlier bar, bar) for each bar that plays an earlier non-empty bar again, 0-based."""
    from partita.evaluation import realism

    score = realism._tick_score(score)
    starts, _, pitches, _ = realism._notes(score)
    if not len(starts):
        return []
    bar, _ = realism.bar_ticks(score)
    patterns = realism._bar_patterns(starts, pitches, bar, int(starts.max() // bar) + 1)
    seen: dict[tuple, int] = {}
    out = []
    for i, pattern in enumerate(patterns):
        if pattern and pattern in seen:
            out.append((seen[pattern], i))
        elif pattern:
            seen[pattern] = i
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_realism import real_pieces, style_records

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--styles", nargs="+", default=["chorale"])
    ap.add_argument("--split", default="train", choices=["train", "test"])
    ap.add_argument("--count", type=int, default=120, help="pieces per style")
    args = ap.parse_args()
    records, corpus = style_records(args.corpus)
    for style in args.styles:
        pieces, _ = real_pieces(corpus, records[style][args.split], [8, 16], args.count, 0)
        lags: Counter = Counter()
        bars = restated = with_any = 0
        for score in pieces:
            found = repeats(score)
            bars += len(found)
            with_any += bool(found)
            lags.update(b - a for a, b in found)
            restated += bool(found) and found[0][0] <= 1 and found[0][1] - found[0][0] == 4
        print(f"{style} ({args.split}, {len(pieces)} pieces cut to 8 and 16 bars):")
        print(f"  pieces with a repeated bar {with_any / max(len(pieces), 1):.2f}, repeated bars {bars}")
        print(f"  the opening phrase restated 4 bars later: {restated / max(len(pieces), 1):.2f}")
        print("  repeats by how many bars back: " + ", ".join(f"{k}: {n}" for k, n in sorted(lags.items())))


if __name__ == "__main__":
    main()
