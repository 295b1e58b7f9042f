"""How real pieces of each style open: the share that begins with a pickup (an anacrusis) and how long it is,
the numbers behind ``GenerationConfig.style_pickups``.

A pickup is what :func:`partita.score.bars.pickup_ticks` calls one (the first note in the second half of the
first bar, which readers pad to a full bar of rest). Its length is counted in beats of the meter (eighths in
6/8, quarters in 4/4), per meter::

    python scripts/pickup-stats.py --styles jig chorale german_folk chinese_folk pop renaissance --split train

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict


def opening(score) -> tuple[str, float] | None:
    """(meter, pickup length in beats; 0 without one), None for a piece without notes."""
    from partita.evaluation.realism import bar_ticks, meter_of
    from partita.score.bars import pickup_ticks

    if not any(len(t.notes) for t in score.tracks):
        return None
    bar, beat = bar_ticks(score)
    num, den = meter_of(score)
    pick = pickup_ticks(score)
    return f"{num}/{den}", (bar - pick) / beat if pick else 0.0


def main() -> None:
    from partita.corpus import load_corpus
    from partita.tokens.dataset import style_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--styles", nargs="+", default=["jig", "chorale", "german_folk", "chinese_folk"])
    ap.add_argument("--split", default="train")
    ap.add_argument("--limit", type=int, default=600, help="pieces per style at most")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["split"] == args.split]
    for style in args.styles:
        found = [r for r in records if style_of(r) == style][: args.limit]
        by_meter: dict[str, Counter] = defaultdict(Counter)
        for rec in found:
            got = opening(corpus.read_piece(rec["piece_id"]))
            if got is not None:
                by_meter[got[0]][round(got[1], 2)] += 1
        total = sum(sum(c.values()) for c in by_meter.values())
        picked = sum(n for c in by_meter.values() for k, n in c.items() if k)
        print(f"{style}: {total} pieces, {picked / max(total, 1):.2f} open with a pickup")
        whole: Counter = Counter()  # pickups of whole beats, in any meter: GenerationConfig.style_pickups
        for counts in by_meter.values():
            whole.update({int(k): n for k, n in counts.items() if k > 0 and float(k).is_integer()})
        shares = ", ".join(f'"{k}": {n / max(total, 1):.2f}' for k, n in sorted(whole.items()))
        print(f"  whole beats, all meters: {{{shares}}}")
        for meter, counts in sorted(by_meter.items(), key=lambda kv: -sum(kv[1].values())):
            n = sum(counts.values())
            lengths = ", ".join(f"{k:g}: {v / n:.2f}" for k, v in sorted(counts.items()))
            print(f"  {meter} ({n} pieces): pickup beats share {{{lengths}}}")


if __name__ == "__main__":
    main()
