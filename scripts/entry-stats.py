"""How the voices of real pieces enter, per style: the numbers behind partita.generation.entries.

For the pieces of each style (``partita.tokens.dataset.style_of``) with two or more pitched tracks in a
corpus split, this prints the gaps between successive entries in bars (quantiles, and the share of gaps of
zero: voices entering together), the bar of the last entry, the share of pieces whose voices all sound in
the first bar, and the commonest orders of entry by register (0: the lowest voice)::

    python scripts/entry-stats.py --styles renaissance chorale pop --split train --limit 300

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np


def entries(score) -> tuple[list[float], list[int]] | None:
    """Entry bars from the first note (sorted), and the entry order as register ranks; None for fewer than
    two pitched tracks."""
    from partita.evaluation.realism import bar_ticks

    tracks = [t for t in score.tracks if len(t.notes) and not t.is_drum]
    if len(tracks) < 2:
        return None
    bar = bar_ticks(score)[0]
    first = [min(n.time for n in t.notes) for t in tracks]
    t0 = min(first)
    rank = np.argsort(np.argsort([np.mean([n.pitch for n in t.notes]) for t in tracks]))
    order = np.argsort(first, kind="stable")
    return sorted((f - t0) / bar for f in first), [int(rank[i]) for i in order]


def main() -> None:
    from partita.corpus import load_corpus
    from partita.tokens.dataset import style_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--styles", nargs="+", default=["renaissance", "chorale", "pop"])
    ap.add_argument("--split", default="train")
    ap.add_argument("--limit", type=int, default=300, help="pieces per style at most")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["split"] == args.split]
    for style in args.styles:
        found = [r for r in records if style_of(r) == style][: args.limit]
        gaps, last, orders = [], [], Counter()
        for rec in found:
            got = entries(corpus.read_piece(rec["piece_id"]))
            if got is None:
                continue
            bars, order = got
            gaps += np.diff(bars).tolist()
            last.append(bars[-1])
            orders[tuple(order)] += 1
        if not last:
            print(f"{style}: no piece with two or more voices")
            continue
        g, q = np.array(gaps), (0.1, 0.25, 0.5, 0.75, 0.9)
        print(f"{style}: {len(last)} pieces of {len(found)}")
        print(f"  gaps between entries (bars), quantiles {q}: {np.quantile(g, q).round(2).tolist()}")
        print(f"  gaps of zero (entering together): {(g < 0.01).mean():.2f}")
        print(f"  last entry (bars), same quantiles: {np.quantile(last, q).round(2).tolist()}")
        print(f"  every voice in the first bar: {(np.array(last) < 1).mean():.2f}")
        print(f"  commonest orders (register ranks, 0 lowest): {orders.most_common(5)}")


if __name__ == "__main__":
    main()
