"""Infilling: bars written into the middle of a real piece, against writing them with the left context only.

Issue 21 item 2. Per style: held-out real pieces (split ``test`` of the built corpus ``all``) of at least 12
bars, cut to 12; bars 1-4 and 9-12 are kept and bars 5-8 are written anew. Two variants, same seeds:

- ``infill``: ``Generator.infill_of(piece, "5-8")``: 8 candidates sampled with bars 1-4 in view, the 4 under
  which the model finds bars 9-10 likeliest kept, the Selector's first of those;
- ``left``: the baseline, measured in the same run: bars 1-4 continued by 4 bars (4 candidates, the
  Selector's first), what follows the gap never looked at.

Measured on the written bars 5-8 against the real ones: the pitch-class overlap, mean-pitch gap and note-count
error (as in ``bench_continue.py``); the leap into the kept bars (|first melody pitch of bar 9 - last
melody pitch written|, beside the real piece's own); the model's NLL of bars 9-10 after the written bars
(nats per token: the criterion the infill chooses by, so it is reported as what it is, not as an independent
judge); and the realism two-sample test of the written bars against the real bars 5-8 (all styles pooled).

    python bench/bench_infill.py [--n 12] [--styles chorale,jig] [--model partita-small|debug|PATH]
                                 [--threads 2] [--seed 0]
"""

from __future__ import annotations

import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_continue import bar_span, compare, melody, pitched, setup  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_infill")
SLOW = True  # generates a hundred pieces or more: run only when named
VARIANTS = ("infill", "left")
COMMAND = "python bench/bench_infill.py --threads 2"
BEFORE, GAP, AFTER = 4, 4, 4


def held_out(corpus, records: list[dict], n: int, seed: int) -> list[tuple[str, object]]:
    """``n`` held-out pieces of at least 12 bars, cut to 12, with notes before, in and after the gap."""
    from partita.evaluation.realism import count_bars, crop_bars

    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        if not score.note_num() or count_bars(score) < BEFORE + GAP + AFTER:
            continue
        score = crop_bars(score, BEFORE + GAP + AFTER)
        parts = [
            bar_span(score, 0, BEFORE),
            bar_span(score, BEFORE, GAP),
            bar_span(score, BEFORE + GAP, AFTER),
        ]
        if all(pitched(p) for p in parts):
            out.append((records[i]["piece_id"], score))
        if len(out) == n:
            break
    return out


def follows_nll(generator, request, piece) -> float:
    """The model's nats per token for bars 9-10 of ``piece`` (the gap filled), as the infill measures it."""
    from partita.generation.infill import what_follows_nll

    prefix = generator.tokenizer.condition_ids(request.conditions)
    return what_follows_nll(generator.model, generator.tokenizer, prefix, piece, {}, BEFORE + GAP)


def with_after(score, real):
    """The first 8 bars of ``score`` with bars 9-12 of ``real`` after them (tracks matched by place)."""
    from partita.evaluation.realism import bar_ticks, crop_bars

    out = crop_bars(score, BEFORE + GAP)
    moved = bar_span(real, BEFORE + GAP, AFTER).shift_time((BEFORE + GAP) * bar_ticks(out)[0])
    for i, track in enumerate(moved.tracks):
        if i < len(out.tracks):
            out.tracks[i].notes.extend(track.notes)
        else:
            out.tracks.append(track)
    return out


def run_style(style: str, pieces, generator, seed: int) -> dict:
    """Both variants for each piece of one style: per-piece measures, written bars and truths."""
    from partita.evaluation.realism import crop_bars

    out = {v: [] for v in VARIANTS}
    news = {v: [] for v in VARIANTS}
    truths = []
    for j, (piece_id, score) in enumerate(pieces):
        before, truth = bar_span(score, 0, BEFORE), bar_span(score, BEFORE, GAP)
        first_after = melody(bar_span(score, BEFORE + GAP, AFTER))[:1]
        truths.append(truth)
        request = generator.infill_of(score, (BEFORE + 1, BEFORE + GAP))
        left = generator.continuation_of(crop_bars(score, BEFORE), "", bars=GAP)
        for variant, req in (("infill", request), ("left", left)):
            t0 = time.perf_counter()
            cands = generator.generate(req, n=4, seed=seed * 1000 + j, wav=False)
            seconds = time.perf_counter() - t0
            new = bar_span(cands[0].score, BEFORE, GAP)
            news[variant].append(new)
            m = compare(new, truth, before)
            last_new, last_true = melody(new)[-1:], melody(truth)[-1:]
            m["seam_into_kept"] = abs(first_after[0] - last_new[0]) if first_after and last_new else math.nan
            m["seam_into_kept_real"] = (
                abs(first_after[0] - last_true[0]) if first_after and last_true else math.nan
            )
            m["what_follows_nll"] = follows_nll(generator, request, with_after(cands[0].score, score))
            out[variant].append({"id": piece_id, "seconds": seconds, **m})
        log.info(
            "%s %s: infill %.2f nats (%.1f s), left %.2f nats (%.1f s)",
            style,
            piece_id,
            out["infill"][-1]["what_follows_nll"],
            out["infill"][-1]["seconds"],
            out["left"][-1]["what_follows_nll"],
            out["left"][-1]["seconds"],
        )
    return {"pieces": out, "new": news, "truth": truths}


def summarize(per_style: dict) -> dict:
    """Means per variant (and per style), and the pooled realism test of each variant."""
    from partita.evaluation.realism import realism_report

    summary: dict = {}
    for v in VARIANTS:
        rows = [r for s in per_style.values() for r in s["pieces"][v]]
        keys = [k for k in rows[0] if k != "id"] if rows else []
        summary[v] = {k: float(np.nanmean([r[k] for r in rows])) for k in keys}
        summary[v]["by_style"] = {
            s: {k: float(np.nanmean([r[k] for r in d["pieces"][v]])) for k in keys}
            for s, d in per_style.items()
        }
        summary[v]["fits_better_share"] = float(
            np.mean(
                [
                    a["what_follows_nll"] < b["what_follows_nll"]
                    for s in per_style.values()
                    for a, b in zip(s["pieces"]["infill"], s["pieces"]["left"], strict=True)
                ]
            )
        )
    truth = [t for s in per_style.values() for t in s["truth"]]
    report = realism_report(
        {v: [x for s in per_style.values() for x in s["new"][v]] for v in VARIANTS}, truth
    )
    for v in VARIANTS:
        summary[v]["realism_accuracy"] = report["sets"][v]["accuracy"]
    floor = report["floor"]["two_sample"]
    summary["real_floor"] = floor["accuracy"] if floor else math.nan
    return summary


def build_rows(summary: dict, n: int) -> list[dict]:
    i, left = summary["infill"], summary["left"]
    note = f"{n} held-out pieces a style, 6 styles; bars 5-8 of 12 written; baseline: left context only"
    return [
        row(
            "infill: NLL of the kept bars after the gap (the infill's own criterion)",
            i["what_follows_nll"],
            "nats/token",
            COMMAND,
            "left context only",
            left["what_follows_nll"],
            higher_is_better=False,
            goal="beat the baseline",
            notes=note + f"; lower in {i['fits_better_share']:.0%} of pieces",
        ),
        row(
            "infill: leap into the kept bars",
            i["seam_into_kept"],
            "semitones",
            COMMAND,
            "left context only",
            left["seam_into_kept"],
            higher_is_better=False,
            notes=f"the real pieces' own: {i['seam_into_kept_real']:.2f}",
        ),
        row(
            "infill: pitch-class overlap with the real bars",
            i["pc_overlap"],
            "share",
            COMMAND,
            "left context only",
            left["pc_overlap"],
        ),
        row(
            "infill: realism of the written bars (two-sample accuracy, pooled)",
            i["realism_accuracy"],
            "accuracy",
            COMMAND,
            "left context only",
            left["realism_accuracy"],
            higher_is_better=False,
            goal="as realistic as plain generation",
            notes=f"real-vs-real floor {summary['real_floor']:.2f}",
        ),
        row(
            "infill of 4 bars, 4 candidates of 8",
            i["seconds"],
            "s",
            COMMAND,
            "left context only",
            left["seconds"],
            higher_is_better=False,
            goal="under 5 s on 2 cores",
            notes="model loaded; sampling, rescoring, measuring and ranking, no files",
        ),
    ]


def main() -> None:
    args, generator, records, corpus, styles = setup(__doc__, "infill")
    per_style = {
        style: run_style(
            style, held_out(corpus, records[style]["test"], args.n, args.seed), generator, args.seed
        )
        for style in styles
    }
    summary = summarize(per_style)
    path = write_result(
        args.name,
        "Infilling: bars 5-8 of held-out pieces written anew, against the left context only",
        build_rows(summary, args.n),
        extra={
            "summary": summary,
            "pieces": {s: d["pieces"] for s, d in per_style.items()},
            "model": args.model,
            "n": args.n,
        },
    )
    print(path)


if __name__ == "__main__":
    main()
