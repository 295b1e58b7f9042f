"""The keys real pieces of each style are in, per mode: the table a mode asked without a key draws its tonic
from (``src/partita/generation/mode_keys.json``, read by :mod:`partita.generation.mode_keys`).

Read from the corpus's training split only (its manifest's ``key``, the key each piece's conditions were
trained with; the style as :func:`partita.tokens.dataset.style_of` gives it). Per style and mode, the share of
each tonic among the pieces in that mode; tonics under ``--floor`` of a mode's pieces are left out (a handful
of pieces in a rare key: the model has seen little of them) and the rest renormalised. A style with fewer
than ``--least`` pieces in a mode has no entry for it (the whole corpus's, key ``""``, is used)::

    python scripts/mode-keys.py --corpus all --split train [--floor 0.03] [--least 20] [--write]

Without ``--write`` it prints the table.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "src" / "partita" / "generation" / "mode_keys.json"


def shares(counts: Counter, floor: float) -> dict[str, float]:
    """Tonic -> share among ``counts``' pieces, those under ``floor`` left out and the rest renormalised."""
    total = sum(counts.values())
    kept = {k: n for k, n in counts.items() if n / total >= floor}
    norm = sum(kept.values())
    return {k: round(n / norm, 4) for k, n in sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))}


def main() -> None:
    from partita.analysis.key import parse_key, tonic_name
    from partita.corpus import load_corpus
    from partita.tokens.dataset import style_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--split", default="train")
    ap.add_argument("--floor", type=float, default=0.03, help="least share a tonic needs to be kept")
    ap.add_argument("--least", type=int, default=20, help="least pieces in a mode for a style's own entry")
    ap.add_argument("--write", action="store_true", help=f"write {TABLE.name}")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["split"] == args.split]
    counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for rec in records:
        key = rec.get("key")
        if not isinstance(key, str) or parse_key(key) is None:
            continue
        tonic, mode = key.split()
        for style in {"", style_of(rec) or ""}:  # every piece counts for the whole corpus, "", once
            counts[style][mode][tonic_name(tonic)] += 1
    table: dict = {
        "_about": (
            f"tonic shares per style and mode, {args.corpus} corpus {args.split} split "
            f"({len(records)} pieces); tonics under {args.floor} left out; a style with fewer than "
            f'{args.least} pieces in a mode has no entry (the whole corpus\'s, "", is used). '
            f"Written by python scripts/mode-keys.py --corpus {args.corpus} --split {args.split} "
            f"--floor {args.floor} --least {args.least} --write"
        ),
        "pieces": {s: {m: sum(c.values()) for m, c in modes.items()} for s, modes in sorted(counts.items())},
        "keys": {},
    }
    for style, modes in sorted(counts.items()):
        entry = {m: shares(c, args.floor) for m, c in sorted(modes.items()) if sum(c.values()) >= args.least}
        if entry:
            table["keys"][style] = entry
    text = json.dumps(table, indent=1, ensure_ascii=False) + "\n"
    if args.write:
        TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {TABLE}")
    else:
        print(text)


if __name__ == "__main__":
    main()
