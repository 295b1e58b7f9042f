"""The texture real pieces of each style have, as the conditions measure it (notes per beat, onsets per beat,
mean notes sounding: :func:`partita.tokens.dataset.score_statistics`), by quantile: the numbers behind
:data:`partita.generation.texture.STYLE_TEXTURE`::

    python scripts/texture-stats.py --split train

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

FIELDS = ("density", "rhythm", "polyphony")
STYLES = ("chorale", "jig", "chinese_folk", "german_folk", "pop", "renaissance")


def main() -> None:
    from partita.corpus import load_corpus
    from partita.tokens.dataset import score_statistics, style_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--styles", nargs="+", default=list(STYLES))
    ap.add_argument("--split", default="train")
    ap.add_argument("--limit", type=int, default=600, help="pieces per style at most")
    ap.add_argument("--quantiles", type=float, nargs="+", default=[0.05, 0.25, 0.5, 0.75, 0.95])
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["split"] == args.split]
    table = {}
    for style in args.styles:
        found = [r for r in records if style_of(r) == style][: args.limit]
        stats = [score_statistics(corpus.read_piece(r["piece_id"])) for r in found]
        row = {}
        for f in FIELDS:
            x = np.array([s[f] for s in stats if s[f] is not None], dtype=float)
            row[f] = [round(float(v), 2) for v in np.quantile(x, args.quantiles)] if len(x) else None
        table[style] = row
        print(f"{style} ({len(found)} pieces): {json.dumps(row)}", flush=True)
    print(json.dumps(table))


if __name__ == "__main__":
    main()
