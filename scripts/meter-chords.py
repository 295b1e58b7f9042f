"""Chords given to a continuation or a bar infill of a piece in a meter the vocabulary lacks, before and after
they are counted in the model's bars (issue 21; :func:`partita.generation.given.in_model_bars`).

Held-out Renaissance pieces (split ``test`` of the built corpus ``all``) written in 4/2 or 3/2, their first 6
bars, with their own chords (one a bar, partita's chord recogniser on all voices) given: bars 5-6 continued
from bars 1-4, and bars 3-4 written anew between bars 1-2 and 5-6. Measured: the share of the new notes that
start on a beat and are tones of their bar's chord, over the whole new bars and over each bar's second half
(in 4/2 the beats a chord counted in bars of 4/4 took from the next bar), and how many such notes there are.
``before``: the request as built (the chords one a bar of the model's 4/4, the given bars read as miditok
writes them: 3/2 as 4/4); ``after``: framed by :func:`partita.generation.given.in_model_bars` (what
``partita continue`` and ``partita infill`` do).

    python scripts/meter-chords.py [--pieces 4] [--n 2] [--model partita-small] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import logging
import time

BARS = 6


def pieces(count: int, meter: str) -> list[tuple[str, object]]:
    """The first ``count`` held-out Renaissance pieces written in ``meter`` throughout, cut to their first
    :data:`BARS` bars, with notes in each of them."""
    from partita.corpus import load_corpus
    from partita.generation.notation import single_meter
    from partita.score.bars import bar_lines, notated_bars
    from partita.tokens.dataset import style_of

    corpus = load_corpus("all")
    out = []
    for rec in corpus.records():
        if rec["split"] != "test" or style_of(rec) != "renaissance":
            continue
        score = corpus.read_piece(rec["piece_id"])
        if single_meter(score) != meter or notated_bars(score) < BARS + 1:
            continue
        lines = bar_lines(score, BARS)
        cut = score.clip(0, lines[-1], clip_end=True)
        onsets = [n.time for t in cut.tracks for n in t.notes]
        if all(any(a <= x < b for x in onsets) for a, b in zip(lines, lines[1:], strict=False)):
            out.append((rec["piece_id"], cut))
        if len(out) >= count:
            break
    return out


def measure(generator, piece, task: str, arm: str, n: int, seed: int) -> dict:
    from partita.generation.given import in_model_bars
    from partita.generation.harmony import on_beat_chord_tones
    from partita.generation.notation import single_meter
    from partita.generation.tracks import kept_chords
    from partita.tokens.dataset import piece_conditions

    own = piece_conditions(piece)
    chords, _ = kept_chords(piece, BARS, own.key or "C", own.mode, method="recognise")
    if task == "continue":
        from partita.score.bars import bar_lines

        given = piece.clip(0, bar_lines(piece, BARS)[4], clip_end=True)
        request, (first, last) = type(generator).continuation_of(given, bars=2, chords=chords), (5, 6)
    else:
        request, (first, last) = type(generator).infill_of(piece, "3-4", chords=chords), (3, 4)
    num, den = (int(x) for x in single_meter(piece).split("/"))
    half = num * 2 // den  # quarter-note beats in half a bar
    start = time.time()
    if arm == "after":
        request = in_model_bars(request, generator.tokenizer.time_signatures)
    candidates = generator.generate(request, n=n, seed=seed, selector=None)
    counts = [0, 0, 0, 0]
    for cand in candidates:
        whole = on_beat_chord_tones(cand.score, chords, first, last)
        second = on_beat_chord_tones(cand.score, chords, first, last, from_beat=half)
        counts = [a + b for a, b in zip(counts, [*whole, *second], strict=True)]
    return {"counts": counts, "seconds": round(time.time() - start, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pieces", type=int, default=4, help="pieces per meter")
    ap.add_argument("--n", type=int, default=2, help="candidates per request")
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import torch

    from partita.pipelines import Generator

    torch.set_num_threads(args.threads)
    generator = Generator.from_pretrained(args.model)
    table = {}
    for meter in ("4/2", "3/2"):
        chosen = pieces(args.pieces, meter)
        for task in ("continue", "infill"):
            for arm in ("before", "after"):
                total = [0, 0, 0, 0]
                for i, (pid, piece) in enumerate(chosen):
                    got = measure(generator, piece, task, arm, args.n, args.seed + i)
                    total = [a + b for a, b in zip(total, got["counts"], strict=True)]
                    print(
                        json.dumps({"meter": meter, "task": task, "arm": arm, "piece": pid, **got}),
                        flush=True,
                    )
                share = [round(total[0] / total[1], 3) if total[1] else None, total[1]]
                second = [round(total[2] / total[3], 3) if total[3] else None, total[3]]
                table[f"{meter} {task} {arm}"] = {"pieces": len(chosen), "bars": share, "second_half": second}
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
