"""How pentatonic real pieces are, per style: the numbers behind partita.generation.scales.

For each style's pieces in a corpus split, the share of notes in the pentatonic collection (do re mi sol la
on some tonic) that holds most of the piece's notes, its median, the share of pieces with no other tone, and
the pitch classes a piece uses::

    python scripts/scale-stats.py --styles chinese_folk german_folk jig --split train --limit 200

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse

import numpy as np

PENTATONIC = (0, 2, 4, 7, 9)


def pentatonic_share(pitch_classes: np.ndarray) -> float:
    """The share of notes in the best-fitting pentatonic collection."""
    counts = np.bincount(pitch_classes, minlength=12)
    return max(sum(counts[(g + i) % 12] for i in PENTATONIC) for g in range(12)) / counts.sum()


def main() -> None:
    from partita.corpus import load_corpus
    from partita.tokens.dataset import style_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--styles", nargs="+", default=["chinese_folk", "german_folk", "jig"])
    ap.add_argument("--split", default="train")
    ap.add_argument("--limit", type=int, default=200, help="pieces per style at most")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["split"] == args.split]
    for style in args.styles:
        shares, used = [], []
        for rec in [r for r in records if style_of(r) == style][: args.limit]:
            score = corpus.read_piece(rec["piece_id"])
            pcs = np.array([n.pitch % 12 for t in score.tracks if not t.is_drum for n in t.notes], dtype=int)
            if len(pcs) >= 8:
                shares.append(pentatonic_share(pcs))
                used.append(len(set(pcs.tolist())))
        if not shares:
            print(f"{style}: no piece")
            continue
        a = np.array(shares)
        print(
            f"{style}: {len(a)} pieces; pentatonic share mean {a.mean():.3f}, median {np.median(a):.3f}, "
            f"no other tone {(a >= 0.999).mean():.2f}; pitch classes used {np.mean(used):.2f}"
        )


if __name__ == "__main__":
    main()
