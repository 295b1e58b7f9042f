"""Infilling: bars written into the middle of a real piece, against writing them with the left context only.

Issue 21 item 2. Per style: held-out real pieces (split ``test`` of the built corpus ``all``) of at least 12
bars, cut to 12; bars 1-4 and 9-12 are kept and bars 5-8 are written anew. Variants (``--variants``), same
seeds:

- ``infill``: ``Generator.infill_of(piece, "5-8")`` as the model's default does it (``infill="auto"``);
- ``rescore``: 8 candidates sampled with bars 1-4 in view, the 4 under which the model finds bars 9-10
  likeliest kept, the Selector's first of those;
- ``fim`` (a model trained to fill in the middle): 4 candidates written with bars 9-10 in the prompt;
  ``fim+rescore``: 8 of them, the 4 bars 9-10 fit best kept;
- ``left``: the baseline, measured in the same run: bars 1-4 continued by 4 bars (4 candidates, the
  Selector's first), what follows the gap never looked at.

With a fill-in-the-middle model it also scores the **real** bars 5-8 (nats per token) with the bars after them
in view and with the bars before them only: whether the model uses what follows, with no sampling noise.

Measured on the written bars 5-8 against the real ones: the pitch-class overlap, mean-pitch gap and note-count
error (as in ``bench_continue.py``); the leap into the kept bars (|first melody pitch of bar 9 - last
melody pitch written|, beside the real piece's own); the model's NLL of bars 9-10 after the written bars
(nats per token: the criterion the infill chooses by, so it is reported as what it is, not as an independent
judge); and the realism two-sample test of the written bars against the real bars 5-8 (all styles pooled).

    python bench/bench_infill.py [--n 12] [--styles chorale,jig] [--model partita-small|debug|PATH]
                                 [--threads 2] [--seed 0] [--variants infill,left]
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
SETTINGS = {"infill": {}, "rescore": {"infill": "rescore"}, "fim": {"infill": "fim"}}
SETTINGS["fim+rescore"] = {"infill": "fim+rescore"}
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


def gap_nll(generator, request, piece) -> dict[str, float]:
    """The model's nats per token for the real bars 5-8 of ``piece``, with bars 9-10 in view (a
    fill-in-the-middle prompt) and with bars 1-4 only; {} for a model not trained to fill in the middle."""

    from partita.generation.given import given_music, given_piece
    from partita.generation.infill import after_music
    from partita.models.fim import FimIds

    model, tok = generator.model, generator.tokenizer
    fim = FimIds.of_model(model.config)
    if fim is None:
        return {}
    from partita.evaluation.realism import crop_bars

    prefix = tok.condition_ids(request.conditions)
    music = given_music(tok, given_piece(crop_bars(piece, BEFORE + GAP)), {})
    opens = [i for i, t in enumerate(music) if t in tok.bar_ids]
    if len(opens) <= BEFORE:
        return {}
    start = opens[BEFORE]
    after = after_music(tok, request.given, {}, model.config.block_size // 4 - len(prefix) - 2)
    out = {}
    for name, head in (("with_after", [*prefix, fim.hole, *after, fim.fill]), ("left_only", prefix)):
        cut = max(0, len(head) + len(music) - model.config.block_size)  # the oldest bars leave, not the head
        if cut > start:
            return {}
        ids, first = [*head, *music[cut:]], len(head) + start - cut
        out[name] = float(model.token_nll(ids)[first - 1 :].mean())
    return out


def run_style(style: str, pieces, generator, seed: int, variants: tuple[str, ...]) -> dict:
    """Each variant for each piece of one style: per-piece measures, written bars and truths."""
    from partita.evaluation.realism import crop_bars

    out = {v: [] for v in variants}
    news = {v: [] for v in variants}
    truths, gaps = [], []
    for j, (piece_id, score) in enumerate(pieces):
        before, truth = bar_span(score, 0, BEFORE), bar_span(score, BEFORE, GAP)
        first_after = melody(bar_span(score, BEFORE + GAP, AFTER))[:1]
        truths.append(truth)
        request = generator.infill_of(score, (BEFORE + 1, BEFORE + GAP))
        gaps.append({"id": piece_id, **gap_nll(generator, request, score)})
        for variant in variants:
            req = request
            if variant == "left":
                req = generator.continuation_of(crop_bars(score, BEFORE), "", bars=GAP)
            t0 = time.perf_counter()
            cands = generator.generate(req, n=4, seed=seed * 1000 + j, wav=False, **SETTINGS.get(variant, {}))
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
            "%s %s: %s",
            style,
            piece_id,
            ", ".join(
                f"{v} {out[v][-1]['what_follows_nll']:.2f} nats ({out[v][-1]['seconds']:.1f} s)"
                for v in variants
            ),
        )
    return {"pieces": out, "new": news, "truth": truths, "gap_nll": gaps}


def summarize(per_style: dict, variants: tuple[str, ...]) -> dict:
    """Means per variant (and per style), the pooled realism test of each variant, the real gaps' NLL."""
    from partita.evaluation.realism import realism_report

    summary: dict = {}
    for v in variants:
        rows = [r for s in per_style.values() for r in s["pieces"][v]]
        keys = [k for k in rows[0] if k != "id"] if rows else []
        summary[v] = {k: float(np.nanmean([r[k] for r in rows])) for k in keys}
        summary[v]["by_style"] = {
            s: {k: float(np.nanmean([r[k] for r in d["pieces"][v]])) for k in keys}
            for s, d in per_style.items()
        }
        if v != "left" and "left" in variants:
            summary[v]["fits_better_share"] = float(
                np.mean(
                    [
                        a["what_follows_nll"] < b["what_follows_nll"]
                        for s in per_style.values()
                        for a, b in zip(s["pieces"][v], s["pieces"]["left"], strict=True)
                    ]
                )
            )
    truth = [t for s in per_style.values() for t in s["truth"]]
    report = realism_report(
        {v: [x for s in per_style.values() for x in s["new"][v]] for v in variants}, truth
    )
    for v in variants:
        summary[v]["realism_accuracy"] = report["sets"][v]["accuracy"]
    floor = report["floor"]["two_sample"]
    summary["real_floor"] = floor["accuracy"] if floor else math.nan
    gaps = [g for s in per_style.values() for g in s["gap_nll"] if "with_after" in g]
    if gaps:
        summary["gap_nll"] = {
            k: float(np.mean([g[k] for g in gaps])) for k in ("with_after", "left_only")
        } | {"lower_share": float(np.mean([g["with_after"] < g["left_only"] for g in gaps])), "n": len(gaps)}
    return summary


def build_rows(summary: dict, n: int, variants: tuple[str, ...]) -> list[dict]:
    left = summary["left"]
    note = f"{n} held-out pieces a style; bars 5-8 of 12 written; baseline: left context only"
    rows = []
    for v in (v for v in variants if v != "left"):
        i = summary[v]
        rows += [
            row(
                f"infill ({v}): NLL of the kept bars after the gap",
                i["what_follows_nll"],
                "nats/token",
                COMMAND,
                "left context only",
                left["what_follows_nll"],
                higher_is_better=False,
                goal="beat the baseline",
                notes=note + f"; lower in {i.get('fits_better_share', math.nan):.0%} of pieces",
            ),
            row(
                f"infill ({v}): leap into the kept bars",
                i["seam_into_kept"],
                "semitones",
                COMMAND,
                "left context only",
                left["seam_into_kept"],
                higher_is_better=False,
                notes=f"the real pieces' own: {i['seam_into_kept_real']:.2f}",
            ),
            row(
                f"infill ({v}): pitch-class overlap with the real bars",
                i["pc_overlap"],
                "share",
                COMMAND,
                "left context only",
                left["pc_overlap"],
            ),
            row(
                f"infill ({v}): realism of the written bars (two-sample accuracy, pooled)",
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
                f"infill ({v}) of 4 bars, 4 candidates",
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
    if "gap_nll" in summary:
        g = summary["gap_nll"]
        rows.append(
            row(
                "infill: NLL of the real bars 5-8 with the bars after them in view",
                g["with_after"],
                "nats/token",
                COMMAND,
                "the bars before them only",
                g["left_only"],
                higher_is_better=False,
                goal="beat the baseline",
                notes=f"{g['n']} held-out pieces, the same fill-in-the-middle model; lower in "
                f"{g['lower_share']:.0%} of pieces",
            )
        )
    return rows


def main() -> None:
    options = {
        "--variants": {
            "default": "infill,left",
            "help": f"comma-separated, of {', '.join([*SETTINGS, 'left'])}",
        }
    }
    args, generator, records, corpus, styles = setup(__doc__, "infill", options)
    variants = tuple(args.variants.split(","))
    unknown = [v for v in variants if v not in SETTINGS and v != "left"]
    if unknown or "left" not in variants:
        sys.exit(f"bench_infill: --variants {args.variants}: choose from {', '.join(SETTINGS)}, and left")
    per_style = {
        style: run_style(
            style, held_out(corpus, records[style]["test"], args.n, args.seed), generator, args.seed, variants
        )
        for style in styles
    }
    summary = summarize(per_style, variants)
    path = write_result(
        args.name,
        "Infilling: bars 5-8 of held-out pieces written anew, against the left context only",
        build_rows(summary, args.n, variants),
        extra={
            "summary": summary,
            "pieces": {s: d["pieces"] for s, d in per_style.items()},
            "gap_nll": {s: d["gap_nll"] for s, d in per_style.items()},
            "model": args.model,
            "n": args.n,
            "variants": list(variants),
        },
    )
    print(path)


if __name__ == "__main__":
    main()
