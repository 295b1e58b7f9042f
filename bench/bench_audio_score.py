"""Recordings to scores (issue 24 item 5): which held-out piece a 10 s snippet of audio comes from.

Candidates: ``--pieces`` held-out pieces (split ``test`` of the built corpus ``all``; half Bach chorales,
collection ``bach``, half Irish tunes, collection ``oneills1850``; distinct content), each score cut to its
first ``--max-seconds`` seconds. Queries: ``--queries`` snippets of each of ``--seconds`` lengths (10 s and
5 s) per piece, cut at a
random place of a FluidSynth (FluidR3_GM) render of the piece on an instrument and at a tempo that training
never used (clarinet or harpsichord; 0.87x or 1.15x the notated tempo). Each query ranks all candidates;
Recall@1, Recall@5 and MRR of the true piece, for chroma + subsequence DTW (the baseline), the learned
two-tower matcher, the learned shortlist re-ranked by DTW, and random ranking (its expectation); and how
often the top match is placed within 2 s of where the snippet really is in the score.

The learned matcher is trained in the same run on renders of ``--train-pieces`` TRAIN-split pieces of the
same two collections (each rendered ``--renders`` times, each time on one of 7 other GM programs at 0.75x,
1x or 1.3x), on ``--threads`` CPU threads; its training time is reported. ``--save DIR`` writes the model.

    python bench/bench_audio_score.py --threads 1 [--pieces 80] [--seconds 10,5] [--train-pieces 160]
        [--steps 1000] [--save src/partita/pretrained/audio-score-small]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_audio_score")
COMMAND = "nice python bench/bench_audio_score.py --threads 1"
SLOW = True
"""About 12 minutes on the shared 2-core machine (most of it FluidSynth rendering 480 training renders)."""
COLLECTIONS = ("bach", "oneills1850")
TRAIN_PROGRAMS = {
    0: "piano",
    40: "violin",
    73: "flute",
    24: "nylon guitar",
    19: "church organ",
    56: "trumpet",
}
TRAIN_PROGRAMS[48] = "string ensemble"
TRAIN_FACTORS = (0.75, 1.0, 1.3)
TEST_PROGRAMS = {71: "clarinet", 6: "harpsichord"}
TEST_FACTORS = (0.87, 1.15)
GAP = 2.0


def pick_pieces(
    split: str, n: int, seed: int, max_seconds: float, min_seconds: float
) -> list[tuple[str, object]]:
    """``n`` pieces of the split, half from each collection, distinct content, cut to ``max_seconds``."""
    from partita.corpus import load_corpus

    corpus = load_corpus("all", split=split)
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    out = []
    for k, coll in enumerate(COLLECTIONS):
        want = n // len(COLLECTIONS) + (1 if k < n % len(COLLECTIONS) else 0)
        pool = [
            r for r in corpus.records() if r["collection"] == coll and (r["duration_s"] or 0) >= min_seconds
        ]
        got = 0
        for i in rng.permutation(len(pool)).tolist():
            r = pool[i]
            if got >= want:
                break
            if r["content_fp"] in seen:
                continue
            score = corpus.read_piece(r["piece_id"])
            cut = score.to("second").clip(0, max_seconds, True).to("tick")
            if not cut.note_num():
                continue
            seen.add(r["content_fp"])
            out.append((r["piece_id"], cut))
            got += 1
    return out


def render_joined(items: list[tuple[str, object]], program: int, factor: float, tmp: Path, tag: str):
    """Render the pieces one after another on ``program`` at ``factor``: [(piece id, samples, score)]."""
    from partita.audio import read_audio
    from partita.discovery.audio_score import SAMPLE_RATE, join_performances, performance
    from partita.render import write_wav

    out = []
    for c0 in range(0, len(items), 20):
        chunk = items[c0 : c0 + 20]
        perfs = [performance(s, program, factor) for _, s in chunk]
        joined, offsets = join_performances(perfs, gap=GAP)
        wav = write_wav(joined, tmp / f"{tag}-{c0}.wav", sample_rate=SAMPLE_RATE)
        samples = read_audio(wav, sample_rate=SAMPLE_RATE).samples
        for (pid, score), perf, off in zip(chunk, perfs, offsets, strict=True):
            end = off + float(perf.to("second").end()) + 1.0
            out.append((pid, samples[int(off * SAMPLE_RATE) : int(end * SAMPLE_RATE)], score))
    return out


def training_set(args, tmp: Path) -> list:
    from partita.discovery.audio_score import SAMPLE_RATE, Rendition, audio_snippet, score_snippet

    pieces = pick_pieces("train", args.train_pieces, args.seed, args.train_seconds, 8.0)
    rng = np.random.default_rng(args.seed + 1)
    combos = [(p, f) for p in TRAIN_PROGRAMS for f in TRAIN_FACTORS]
    plan: dict[tuple[int, float], list] = {}
    for item in pieces:
        for j in rng.choice(len(combos), size=args.renders, replace=False).tolist():
            plan.setdefault(combos[j], []).append(item)
    rends = []
    for (program, factor), items in sorted(plan.items()):
        for pid, samples, score in render_joined(items, program, factor, tmp, f"train-{program}-{factor}"):
            rends.append(
                Rendition(
                    pid, audio_snippet(samples, SAMPLE_RATE, pid), score_snippet(score), factor, program
                )
            )
    log.info("training set: %d renditions of %d pieces", len(rends), len(pieces))
    return rends


def queries(args, tmp: Path) -> tuple[list, dict[float, list]]:
    """Held-out candidates, and per snippet length its queries: [(true index, program, factor, true score
    start s, Snippet)]; every length cuts its snippets from the same renders."""
    from partita.discovery.audio_score import SAMPLE_RATE, audio_snippet

    lengths = [float(x) for x in args.seconds.split(",")]
    pieces = pick_pieces("test", args.pieces, args.seed + 2, args.max_seconds, max(lengths) + 5.0)
    index = {pid: i for i, (pid, _) in enumerate(pieces)}
    rng = np.random.default_rng(args.seed + 3)
    conds = [(p, f) for p in TEST_PROGRAMS for f in TEST_FACTORS]
    wanted: dict[tuple[int, float], list] = {}
    for item in pieces:
        for j in rng.choice(len(conds), size=args.queries, replace=True).tolist():
            wanted.setdefault(conds[j], []).append(item)
    out: dict[float, list] = {x: [] for x in lengths}
    for (program, factor), items in sorted(wanted.items()):
        uniq = list({pid: (pid, s) for pid, s in items}.values())
        tag = f"test-{program}-{factor}"
        rendered = {pid: samples for pid, samples, _ in render_joined(uniq, program, factor, tmp, tag)}
        for pid, _ in items:
            samples = rendered[pid]
            for seconds in lengths:
                n = int(seconds * SAMPLE_RATE)
                a = int(rng.integers(0, max(1, samples.size - n - SAMPLE_RATE)))
                snip = audio_snippet(samples[a : a + n], SAMPLE_RATE, pid)
                out[seconds].append((index[pid], program, factor, a / SAMPLE_RATE * factor, snip))
    return pieces, out


def evaluate(model, cands, qs, shortlist: int) -> dict:
    from partita.discovery.audio_score import rank

    results = {}
    for method in ("dtw", "learned", "combined"):
        ranks, placed, t0 = [], [], time.perf_counter()
        for truth, _, _, start, snip in qs:
            ranked = rank(snip, cands, method, model, shortlist)
            r = [m.name for m in ranked].index(cands[truth].name) + 1
            ranks.append(r)
            if r == 1:
                placed.append(abs(ranked[0].start_s - start) <= 2.0)
        results[method] = {
            "ranks": ranks,
            "placed_within_2s": float(np.mean(placed)) if placed else float("nan"),
            "seconds_per_query": (time.perf_counter() - t0) / max(1, len(qs)),
        }
        log.info("%s: mean rank %.2f", method, float(np.mean(ranks)))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=int, default=80, help="held-out candidate pieces (N)")
    ap.add_argument("--queries", type=int, default=1, help="snippets per held-out piece and length")
    ap.add_argument("--seconds", default="10,5", help="snippet lengths, comma-separated")
    ap.add_argument("--max-seconds", type=float, default=90.0, help="each candidate score cut to this")
    ap.add_argument("--train-pieces", type=int, default=160)
    ap.add_argument("--train-seconds", type=float, default=40.0, help="each training piece cut to this")
    ap.add_argument("--renders", type=int, default=3, help="renders (program, tempo) per training piece")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--shortlist", type=int, default=10, help="learned shortlist re-ranked with DTW")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-train-minutes", type=float, default=10.0, help="training's wall-clock cap")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="write the trained matcher to this folder")
    ap.add_argument("--name", default="audio_score")
    ap.add_argument("--quick", action="store_true", help="20 pieces, 40 training pieces, 300 steps, 10 s")
    args = ap.parse_args()
    if args.quick:
        args.pieces, args.train_pieces, args.steps, args.seconds, args.save = 20, 40, 300, "10", None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.discovery.audio_score import (
        AudioScoreConfig,
        candidates_of,
        retrieval_metrics,
        train_audio_score,
    )

    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rends = training_set(args, Path(tmp))
        t_render = time.perf_counter() - t0
        pieces, by_length = queries(args, Path(tmp))
    config = AudioScoreConfig(steps=args.steps, seed=args.seed, shortlist=args.shortlist)
    config.trained_on = (
        f"corpus all, split train: {len({r.piece for r in rends})} pieces of {', '.join(COLLECTIONS)} (first "
        f"{args.train_seconds:.0f} s), {len(rends)} FluidSynth renders on GM programs "
        f"{sorted(TRAIN_PROGRAMS)} at {list(TRAIN_FACTORS)}x tempo"
    )
    t0 = time.perf_counter()
    model = train_audio_score(rends, config, time_limit=args.max_train_minutes * 60)
    t_train = time.perf_counter() - t0
    cands = candidates_of(pieces, args.max_seconds)
    n, rows, extra = len(cands), [], {}
    command = COMMAND + (" --quick" if args.quick else "")
    for seconds, qs in by_length.items():
        res = evaluate(model, cands, qs, args.shortlist)
        metrics = {m: retrieval_metrics(r["ranks"], n) for m, r in res.items()}
        rows += rows_for(metrics, res, n, len(qs), seconds, config, args.quick)
        by_program = {}
        for program, label in TEST_PROGRAMS.items():
            idx = [i for i, q in enumerate(qs) if q[1] == program]
            by_program[label] = {
                m: retrieval_metrics([r["ranks"][i] for i in idx], n) for m, r in res.items()
            }
            by_program[label]["queries"] = len(idx)
            rows.append(
                row(
                    f"audio to score ({seconds:g} s): MRR among {n} pieces, {label} snippets, learned + DTW",
                    by_program[label]["combined"]["mrr"],
                    "share",
                    command,
                    "chroma + DTW",
                    by_program[label]["dtw"]["mrr"],
                    notes=f"{len(idx)} snippets; learned alone {by_program[label]['learned']['mrr']:.3f}",
                )
            )
        extra[f"{seconds:g}s"] = {
            "metrics": metrics,
            "by_program": by_program,
            "per_query": {m: r["ranks"] for m, r in res.items()},
            "placed_within_2s": {m: r["placed_within_2s"] for m, r in res.items()},
            "seconds_per_query": {m: r["seconds_per_query"] for m, r in res.items()},
            "queries": [
                {"piece": cands[t].name, "program": p, "factor": f, "score_start_s": round(st, 2)}
                for t, p, f, st, _ in qs
            ],
        }
    rows.append(
        row(
            f"audio to score: training time ({args.threads} thread(s) on the 2-core machine)",
            t_train,
            "s",
            command,
            higher_is_better=False,
            notes=f"{config.steps} steps, batch {config.batch}, {len(rends)} renders of "
            f"{len({r.piece for r in rends})} train-split pieces (rendering and features: {t_render:.0f} s)",
        )
    )
    if args.save:
        first = extra[next(iter(extra))]["metrics"]
        config.metrics = {m: {k: round(v, 3) for k, v in first[m].items()} for m in first}
        config.metrics["bench"] = (
            f"{n} held-out pieces, snippets of {next(iter(extra))}: bench_audio_score.py"
        )
        model.save_pretrained(args.save)
    path = write_result(
        args.name,
        "Recordings to scores: snippet-to-piece identification, learned vs chroma + DTW",
        rows,
        quick=args.quick,
        extra={
            **extra,
            "config": {k: v for k, v in vars(config).items() if k != "metrics"},
            "train_seconds": t_train,
            "render_seconds": t_render,
            "seconds": time.perf_counter() - t_all,
        },
    )
    print(path)


def rows_for(metrics, res, n, n_queries, seconds, config, quick: bool) -> list[dict]:
    command = COMMAND + (" --quick" if quick else "")
    note = (
        f"{n} held-out pieces (test split: Bach chorales + O'Neill's Irish tunes), {n_queries} snippets of "
        f"{seconds:g} s rendered on {', '.join(TEST_PROGRAMS.values())} at "
        f"{' or '.join(f'{f}x' for f in TEST_FACTORS)} tempo (neither in training)"
    )
    rows = []
    for key, label in (("recall@1", "Recall@1"), ("recall@5", "Recall@5"), ("mrr", "MRR")):
        for method, name in (("learned", "learned matcher"), ("combined", "learned + DTW")):
            rows.append(
                row(
                    f"audio to score ({seconds:g} s): {label} among {n} pieces, {name}",
                    metrics[method][key],
                    "share",
                    command,
                    "chroma + DTW",
                    metrics["dtw"][key],
                    notes=note
                    if not rows
                    else f"random: {metrics['dtw']['random_' + key]:.3f}"
                    if method == "learned"
                    else "",
                )
            )
    rows.append(
        row(
            f"audio to score ({seconds:g} s): top match placed within 2 s of the snippet, learned + DTW",
            res["combined"]["placed_within_2s"],
            "share",
            command,
            "learned alone",
            res["learned"]["placed_within_2s"],
            notes=f"among queries whose piece is ranked first (chroma + DTW alone: "
            f"{res['dtw']['placed_within_2s']:.3f})",
        )
    )
    rows.append(
        row(
            f"audio to score ({seconds:g} s): seconds per query, learned + DTW",
            res["combined"]["seconds_per_query"],
            "s",
            command,
            "chroma + DTW",
            res["dtw"]["seconds_per_query"],
            higher_is_better=False,
            notes=f"{n} candidates; learned alone {res['learned']['seconds_per_query']:.3f} s (score windows "
            "encoded once per snippet length and reused)",
        )
    )
    return rows


if __name__ == "__main__":
    main()
