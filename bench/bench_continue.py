"""Continuation: does partita carry a real piece on, or only write something of the same description?

Issue 21 item 1. Per style (chorale, jig, chinese_folk, german_folk, pop, renaissance): held-out real pieces
(split ``test`` of the built corpus ``all``) of at least 8 bars; the first K bars (K = 8, or 4 for a piece of
8 to 15 bars) are given, and the next K bars of the real piece are the truth. Two variants write those K bars:

- ``continue``: ``Generator.continuation_of(given, bars=K)``, 4 candidates, the Selector's first, its new
  bars cut out;
- ``prompt``: the baseline, measured in the same run: the same request (the same key, meter, tempo,
  instruments, voices and texture, read from the given bars) generated without the given bars in view.

Measured on the new bars against the truth: the pitch-class overlap with the real continuation
(sum of the minima of the two duration-weighted pitch-class histograms: 1 = the same pitch classes in the
same proportions), the mean-pitch gap (semitones), the note-count error (|log of the ratio|), the key of the
given bars kept (music21's analysis, a judge the generator does not use: given bars and new bars in the same
key), the leap at the seam (|first new melody pitch - last given melody pitch|, against the real piece's
own), and the realism two-sample test of the new bars against the real continuations (all styles pooled;
0.5 = indistinguishable). And the time: seconds for one continuation of 8 bars with 1 candidate (goal under
5 s on 2 cores) and with 4.

    python bench/bench_continue.py [--n 12] [--styles chorale,jig] [--model partita-small|debug|PATH]
                                   [--threads 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_realism import STYLES, music21_key, style_records  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_continue")
SLOW = True  # generates a hundred pieces or more: run only when named
VARIANTS = ("continue", "prompt")
COMMAND = "python bench/bench_continue.py --threads 2"


def bar_span(score, first: int, bars: int):
    """Bars ``first + 1`` to ``first + bars`` of ``score`` (bar length from its first time signature), moved
    to start at 0."""
    from partita.evaluation.realism import _tick_score, bar_ticks

    score = _tick_score(score)
    length = bar_ticks(score)[0]
    start, end = first * length, (first + bars) * length
    out = score.clip(start, end, clip_end=False).shift_time(-start)
    for track in out.tracks:
        for note in track.notes:
            note.duration = min(note.duration, end - start - note.time)
    return out


def pitch_classes(score) -> np.ndarray:
    """The duration-weighted pitch-class histogram of the pitched notes, summing to 1 (zeros: no notes)."""
    h = np.zeros(12)
    for t in score.tracks:
        if not t.is_drum:
            for n in t.notes:
                h[n.pitch % 12] += n.duration
    return h / h.sum() if h.sum() else h


def melody(score) -> list[int]:
    """The highest pitch of each onset, in time order (the skyline)."""
    from partita.evaluation.realism import skyline

    return [p for _, _, p in skyline(score)]


def pitched(score) -> list:
    return [n for t in score.tracks if not t.is_drum for n in t.notes]


def compare(new, truth, given) -> dict[str, float]:
    """The measures of one continuation ``new`` against the real one ``truth``, after ``given``."""
    a, b = pitched(new), pitched(truth)
    out = {"pc_overlap": float(np.minimum(pitch_classes(new), pitch_classes(truth)).sum())}
    out["mean_pitch_gap"] = (
        abs(np.mean([n.pitch for n in a]) - np.mean([n.pitch for n in b])) if a and b else math.nan
    )
    out["note_count_error"] = abs(math.log((len(a) + 1) / (len(b) + 1)))
    key_given, key_new = music21_key(given), music21_key(new)
    out["key_kept_music21"] = float(key_given is not None and key_given == key_new)
    last, first, first_true = melody(given)[-1:], melody(new)[:1], melody(truth)[:1]
    out["seam_leap"] = abs(first[0] - last[0]) if last and first else math.nan
    out["seam_leap_real"] = abs(first_true[0] - last[0]) if last and first_true else math.nan
    return out


def held_out(corpus, records: list[dict], n: int, seed: int) -> list[tuple[str, object, int]]:
    """``n`` held-out pieces of at least 8 bars as (id, score, K): K = 8 when it has 16 bars, else 4."""
    from partita.evaluation.realism import count_bars, crop_bars

    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        bars = count_bars(score) if score.note_num() else 0
        k = 8 if bars >= 16 else 4
        # both halves must have pitched notes (a tune may open with rests, or its notes lie past its bars)
        if bars >= 8 and pitched(crop_bars(score, k)) and pitched(bar_span(score, k, k)):
            out.append((records[i]["piece_id"], score, k))
        if len(out) == n:
            break
    return out


def run_style(style: str, pieces, generator, seed: int) -> dict:
    """Both variants for each piece of one style: per-piece measures, new bars and truths."""
    from partita.evaluation.realism import crop_bars

    out = {v: [] for v in VARIANTS}
    news = {v: [] for v in VARIANTS}
    truths = []
    for j, (piece_id, score, k) in enumerate(pieces):
        given, truth = crop_bars(score, k), bar_span(score, k, k)
        truths.append(truth)
        request = generator.continuation_of(given, "", bars=k)
        plain = replace(request, given=None, notes=[], conditions=replace(request.conditions, bars=k))
        for variant, req in (("continue", request), ("prompt", plain)):
            t0 = time.perf_counter()
            cands = generator.generate(req, n=4, seed=seed * 1000 + j, wav=False)
            seconds = time.perf_counter() - t0
            new = bar_span(cands[0].score, k, k) if variant == "continue" else crop_bars(cands[0].score, k)
            news[variant].append(new)
            out[variant].append({"id": piece_id, "bars": k, "seconds": seconds, **compare(new, truth, given)})
        log.info(
            "%s %s: %.1f s continue, %.1f s prompt",
            style,
            piece_id,
            *(out[v][-1]["seconds"] for v in VARIANTS),
        )
    return {"pieces": out, "new": news, "truth": truths}


def timing(generator, piece, repeats: int = 3) -> dict[str, float]:
    """Median seconds to continue ``piece`` (8 bars given) by 8 bars with 1 and 4 candidates, no files."""
    from partita.evaluation.realism import crop_bars

    given = crop_bars(piece, 8)
    out = {}
    for n in (1, 4):
        times = []
        for r in range(repeats):
            request = generator.continuation_of(given, "", bars=8)
            t0 = time.perf_counter()
            generator.generate(request, n=n, seed=r, wav=False)
            times.append(time.perf_counter() - t0)
        out[f"seconds_n{n}"] = float(np.median(times))
    return out


def summarize(per_style: dict) -> dict:
    """Means per variant and style (and over all), and the pooled realism test of each variant."""
    from partita.evaluation.realism import realism_report

    summary: dict = {}
    for v in VARIANTS:
        rows = [r for s in per_style.values() for r in s["pieces"][v]]
        keys = [k for k in rows[0] if k not in ("id", "bars")] if rows else []
        summary[v] = {k: float(np.nanmean([r[k] for r in rows])) for k in keys}
        summary[v]["by_style"] = {
            s: {k: float(np.nanmean([r[k] for r in d["pieces"][v]])) for k in keys}
            for s, d in per_style.items()
        }
    truth = [t for s in per_style.values() for t in s["truth"]]
    sets = {v: [x for s in per_style.values() for x in s["new"][v]] for v in VARIANTS}
    report = realism_report(sets, truth, seed=0)
    for v in VARIANTS:
        summary[v]["realism_accuracy"] = report["sets"][v]["accuracy"]
    floor = report["floor"]["two_sample"]
    summary["real_floor"] = floor["accuracy"] if floor else math.nan
    return summary


def build_rows(summary: dict, times: dict, n: int) -> list[dict]:
    c, p = summary["continue"], summary["prompt"]
    note = f"{n} held-out pieces a style, 6 styles; baseline: the same request without the given bars"
    rows = [
        row(
            "continuation: pitch-class overlap with the real continuation",
            c["pc_overlap"],
            "share",
            COMMAND,
            "prompt only",
            p["pc_overlap"],
            goal="beat the baseline",
            notes=note,
        ),
        row(
            "continuation: mean-pitch gap to the real continuation",
            c["mean_pitch_gap"],
            "semitones",
            COMMAND,
            "prompt only",
            p["mean_pitch_gap"],
            higher_is_better=False,
            goal="beat the baseline",
        ),
        row(
            "continuation: note-count error against the real continuation",
            c["note_count_error"],
            "|log ratio|",
            COMMAND,
            "prompt only",
            p["note_count_error"],
            higher_is_better=False,
        ),
        row(
            "continuation: given key kept (music21)",
            c["key_kept_music21"],
            "share",
            COMMAND,
            "prompt only",
            p["key_kept_music21"],
        ),
        row(
            "continuation: leap at the seam",
            c["seam_leap"],
            "semitones",
            COMMAND,
            "real pieces",
            c["seam_leap_real"],
            higher_is_better=False,
            goal="close to the real pieces'",
        ),
        row(
            "continuation: realism of the new bars (two-sample accuracy, pooled)",
            c["realism_accuracy"],
            "accuracy",
            COMMAND,
            "prompt only",
            p["realism_accuracy"],
            higher_is_better=False,
            goal="as realistic as plain generation",
            notes=f"real-vs-real floor {summary['real_floor']:.2f}",
        ),
        row(
            "continuation of 8 bars, 1 candidate",
            times["seconds_n1"],
            "s",
            COMMAND,
            "4 candidates",
            times["seconds_n4"],
            higher_is_better=False,
            goal="under 5 s on 2 cores",
            notes="model loaded; sampling, measuring and ranking, no files",
        ),
    ]
    return rows


def setup(
    doc: str, name: str, options: dict[str, dict] | None = None
) -> tuple[argparse.Namespace, object, dict, object, list[str]]:
    """The co-creation benchmarks' command line and set-up: (arguments, generator, manifest records by style
    and split, corpus, styles). ``options``: a benchmark's own flags (flag -> argparse keywords)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="held-out pieces per style")
    ap.add_argument("--styles", default=None, help=f"comma-separated, of {', '.join(STYLES)} (default: all)")
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default="all", help="the built corpus of real pieces (default: all)")
    ap.add_argument("--name", default=None, help=f"result name (default {name}, or {name}-debug)")
    for flag, kwargs in (options or {}).items():
        ap.add_argument(flag, **kwargs)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    styles = args.styles.split(",") if args.styles else list(STYLES)
    unknown = [s for s in styles if s not in STYLES]
    if unknown:
        sys.exit(f"bench_{name}: unknown style(s) {unknown}: choose from {', '.join(STYLES)}")
    args.name = args.name or (name if args.model != "debug" else f"{name}-debug")
    records, corpus = style_records(args.corpus)
    return args, load_generator(args.model), records, corpus, styles


def main() -> None:
    args, generator, records, corpus, styles = setup(__doc__, "continue")
    per_style = {}
    for style in styles:
        pieces = held_out(corpus, records[style]["test"], args.n, args.seed)
        per_style[style] = run_style(style, pieces, generator, args.seed)
    long_piece = next(s for _, s, k in held_out(corpus, records[styles[0]]["test"], 50, args.seed) if k == 8)
    times = timing(generator, long_piece)
    summary = summarize(per_style)
    pieces = {s: d["pieces"] for s, d in per_style.items()}
    path = write_result(
        args.name,
        "Continuation: held-out pieces carried on, against the same request without the given bars",
        build_rows(summary, times, args.n),
        extra={"summary": summary, "timing": times, "pieces": pieces, "model": args.model, "n": args.n},
    )
    print(path)


if __name__ == "__main__":
    main()
