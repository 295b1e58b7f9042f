"""Recordings to scores with a score index (issue 24 item 5): the full search against the index.

The same held-out candidates and snippets as bench_audio_score.py (``--pieces`` test-split pieces, half Bach
chorales, half O'Neill's tunes, each score's first ``--max-seconds``; one 10 s and one 5 s snippet each,
FluidSynth on clarinet or harpsichord at 0.87x or 1.15x), matched by the shipped matcher
(src/partita/pretrained/audio-score-small, trained on the train split) three ways:

- **full**: :func:`partita.discovery.audio_score.rank`, every window of every score encoded for the query;
- **index**: the index's first pass alone (the query cropped to a grid length, one matrix product), then
  chroma + DTW on its 10 best (combined);
- **index + shortlist N**: the first pass's N best searched in full (the full search on those only).

Then the same with ``--extra`` more test-split pieces as distractors (other Bach chorales and O'Neill's
tunes, Essen folk songs, Palestrina, ...; the JSB and POP909 sets left out): 300 candidates by default.
Recall@1, MRR, agreement with the full search's top piece, seconds per query (the full search as
``partita identify`` runs it, every window encoded for each query; measured on the first query of each
length, whose windows are not cached yet) and the index's build time.

    nice python bench/bench_audio_score_index.py --threads 1 [--pieces 80] [--extra 220] [--max-seconds 90]
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
from bench_audio_score import pick_pieces, queries  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_audio_score_index")
COMMAND = "nice python bench/bench_audio_score_index.py --threads 1"
SLOW = True
"""About 20 minutes on the shared 2-core machine."""
DISTRACTORS = ("bach", "oneills1850", "essenFolksong", "palestrina", "miscFolk", "monteverdi", "josquin")


def distractors(n: int, taken: list[tuple[str, object]], seed: int, max_seconds: float) -> list:
    """``n`` more test-split pieces, not among ``taken``, distinct content, cut to ``max_seconds``."""
    from partita.corpus import load_corpus

    corpus = load_corpus("all", split="test")
    recs = [r for r in corpus.records() if r["collection"] in DISTRACTORS or "/" in r["collection"]]
    recs = [r for r in recs if not r["collection"].startswith("jsb")]
    ids = {pid for pid, _ in taken}
    seen = {r["content_fp"] for r in corpus.records() if r["piece_id"] in ids}
    out = []
    for i in np.random.default_rng(seed).permutation(len(recs)).tolist():
        r = recs[i]
        if len(out) >= n:
            break
        if r["piece_id"] in ids or r["content_fp"] in seen or (r["duration_s"] or 0) < 6.0:
            continue
        score = corpus.read_piece(r["piece_id"])
        cut = score.to("second").clip(0, max_seconds, True).to("tick")
        if not cut.note_num():
            continue
        seen.add(r["content_fp"])
        out.append((r["piece_id"], cut))
    return out


def shortlist_rank(model, query, cands, first: np.ndarray, n: int, method: str = "combined") -> list[str]:
    """score_index.rank_indexed's ranking, on the bench's candidates (their windows cached by the full
    search: the same numbers, computed once): the first pass's ``n`` best searched in full, then the rest."""
    from partita.discovery.audio_score import rank

    order = np.argsort(-first, kind="stable").tolist()
    if n == 0:
        head = order[: model.config.shortlist]
        from partita.discovery.audio_score import Match, fuse

        matches = [Match(cands[i].name, float(first[i]), 0.0, 0.0, 0, "index") for i in head]
        ranked = fuse(query, [cands[i] for i in head], matches, method, model)
    else:
        head = order[:n]
        ranked = rank(query, [cands[i] for i in head], method, model)
    return [m.name for m in ranked] + [cands[i].name for i in order[len(head) :]]


def run_set(label, model, pieces, qs_by_len, shortlists, timed: int, max_seconds: float) -> tuple[dict, list]:
    """Every measure on one candidate set; returns (results, rows)."""
    from partita.discovery.audio_score import candidates_of, rank, retrieval_metrics
    from partita.discovery.score_index import build_score_index, rank_indexed

    t0 = time.perf_counter()
    index = build_score_index(pieces, model, max_seconds)
    build_s = time.perf_counter() - t0
    cands = candidates_of(pieces, max_seconds)
    assert [c.name for c in cands] == index.names
    n = len(cands)
    score_s = float(sum(c.snippet.seconds for c in cands))
    out = {
        "candidates": n,
        "score_seconds": score_s,
        "index_windows": index.windows,
        "index_build_s": build_s,
        "index_mb": index.arrays["vectors"].nbytes / 2**20,
    }
    rows = []
    for seconds, qs in qs_by_len.items():
        arms = ["full", "index"] + [f"index+{k}" for k in shortlists]
        ranks = {a: [] for a in arms}
        agree = {a: [] for a in arms}
        times = {a: [] for a in arms}
        for qi, (truth, _, _, _, snip) in enumerate(qs):
            t = time.perf_counter()
            full = [m.name for m in rank(snip, cands, "combined", model)]  # windows cached after the first
            if qi == 0:
                times["full"].append(time.perf_counter() - t)
            t = time.perf_counter()
            first, _ = index.first_pass(model, snip)
            t_first = time.perf_counter() - t
            lists = {"full": full}
            for k in [0, *shortlists]:
                lists["index" if k == 0 else f"index+{k}"] = shortlist_rank(model, snip, cands, first, k)
            if qi < timed:  # what a query costs through the index, as partita identify runs it
                for k in [0, *shortlists]:
                    t = time.perf_counter()
                    rank_indexed(snip, index, "combined", model, shortlist=k)
                    times["index" if k == 0 else f"index+{k}"].append(time.perf_counter() - t)
            for a in arms:
                ranks[a].append(lists[a].index(cands[truth].name) + 1)
                agree[a].append(lists[a][0] == full[0])
            if qi == 0:
                log.info("%s %gs: first pass %.3f s", label, seconds, t_first)
        metrics = {a: retrieval_metrics(ranks[a], n) for a in arms}
        res = {
            a: {
                "recall@1": metrics[a]["recall@1"],
                "recall@5": metrics[a]["recall@5"],
                "mrr": metrics[a]["mrr"],
                "same_top_as_full": float(np.mean(agree[a])),
                "seconds_per_query": float(np.mean(times[a])) if times[a] else None,
                "ranks": ranks[a],
            }
            for a in arms
        }
        out[f"{seconds:g}s"] = res
        for a in arms[1:]:
            rows.append(
                row(
                    f"audio to score index ({seconds:g} s, {n} candidates): Recall@1, {a}",
                    res[a]["recall@1"],
                    "share",
                    COMMAND,
                    "full search",
                    res["full"]["recall@1"],
                    notes=f"MRR {res[a]['mrr']:.3f} (full {res['full']['mrr']:.3f}); top piece as the full "
                    f"search's in {res[a]['same_top_as_full']:.3f} of {len(qs)} snippets",
                )
            )
            rows.append(
                row(
                    f"audio to score index ({seconds:g} s, {n} candidates): seconds per query, {a}",
                    res[a]["seconds_per_query"],
                    "s",
                    COMMAND,
                    "full search (no cache, as partita identify)",
                    res["full"]["seconds_per_query"],
                    higher_is_better=False,
                    notes=f"mean of {len(times[a])} queries, one thread of the busy 2-core machine",
                )
            )
        log.info(
            "%s %gs: %s",
            label,
            seconds,
            {
                a: (round(res[a]["recall@1"], 3), round(res[a]["mrr"], 3), res[a]["seconds_per_query"])
                for a in arms
            },
        )
    rows.append(
        row(
            f"audio to score index: build time, {n} candidates",
            build_s,
            "s",
            COMMAND,
            higher_is_better=False,
            notes=f"{index.windows} windows of {score_s:.0f} s of scores (first {max_seconds:g} s each), "
            f"{out['index_mb']:.1f} MB of float16 vectors",
        )
    )
    return out, rows


def at_scale(model, n: int, seconds: float, repeats: int = 3) -> tuple[dict, list]:
    """The first pass over an index of ``n`` scores of ``seconds`` each, of random unit vectors (the cost of
    the product and the maxima does not depend on them), timed for a 10 s and a 5 s query; and how fast
    this machine encodes windows now, for the build time and the second pass of such an index."""
    from partita.discovery.audio_score import FPS, SAMPLE_RATE, audio_snippet, window_bins
    from partita.discovery.score_index import ScoreIndex, index_grid

    grid, c = index_grid(model), model.config
    counts = [len(np.arange(0.0, max(0.0, seconds - length) + 1e-6, c.hop_s)) for length in grid["lengths"]]
    offsets = np.zeros((len(counts), n + 1), dtype=np.int64)
    at = 0
    for j, k in enumerate(counts):
        offsets[j] = at + np.arange(n + 1) * k
        at = int(offsets[j, -1])
    rng = np.random.default_rng(0)
    vectors = np.empty((at, c.dim), dtype=np.float16)
    for a in range(0, at, 262144):
        x = rng.standard_normal((min(at, a + 262144) - a, c.dim)).astype(np.float32)
        vectors[a : a + len(x)] = x / np.linalg.norm(x, axis=1, keepdims=True)
    meta = {"names": [f"s{i}" for i in range(n)], "grid": grid, "matcher": {"dim": c.dim}}
    index = ScoreIndex(meta, {"vectors": vectors, "starts": np.zeros(at, np.float32), "offsets": offsets})
    t = np.arange(int(12 * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (0.2 * np.sin(2 * np.pi * 220.0 * t * (1 + 0.5 * (t > 6)))).astype(np.float32)
    out = {"scores": n, "seconds_each": seconds, "windows": at, "vectors_mb": vectors.nbytes / 2**20}
    rows = []
    for q in (10.0, 5.0):
        snip = audio_snippet(tone[: int(q * SAMPLE_RATE)], SAMPLE_RATE)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            index.first_pass(model, snip)
            times.append(time.perf_counter() - t0)
        out[f"first_pass_{q:g}s"] = float(np.median(times))
        rows.append(
            row(
                f"audio to score index: first pass, {n} scores of {seconds:g} s, {q:g} s query",
                out[f"first_pass_{q:g}s"],
                "s",
                COMMAND + f" --scale {n}x{seconds:g} --scale-only",
                higher_is_better=False,
                notes=f"median of {repeats}; {at} index rows of random unit vectors "
                f"({out['vectors_mb']:.0f} MB float16), one thread of the busy 2-core machine",
            )
        )
    roll = (rng.random((c.n_bins, int(300 * FPS))) < 0.05).astype(np.float32)
    starts = np.arange(0.0, 290.0, 1.0) * FPS
    t0 = time.perf_counter()
    for _ in range(3):
        model.encode_score(window_bins(roll, starts, np.full(len(starts), 6.0 * FPS), c.frames))
    rate = 3 * len(starts) / (time.perf_counter() - t0)
    out["windows_encoded_per_s"] = rate
    out["build_s_estimate"] = at / rate
    out["full_search_windows_per_query"] = int(n * 9 * max(1.0, seconds - 8.0))
    rows.append(
        row(
            "audio to score index: windows encoded a second (index build, second pass, full search)",
            rate,
            "windows/s",
            COMMAND + f" --scale {n}x{seconds:g} --scale-only",
            notes=f"one thread of the busy 2-core machine, now: an index of {n} scores of {seconds:g} s "
            f"({at} windows) would build in {at / rate:.0f} s; the full search encodes about "
            f"{out['full_search_windows_per_query']} windows a query",
        )
    )
    log.info("at scale: %s", out)
    return out, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=int, default=80, help="held-out pieces with snippets")
    ap.add_argument("--extra", type=int, default=220, help="more held-out pieces, as distractors")
    ap.add_argument("--queries", type=int, default=1)
    ap.add_argument("--seconds", default="10,5")
    ap.add_argument("--max-seconds", type=float, default=90.0)
    ap.add_argument("--shortlists", default="10,30", help="first-pass pieces searched in full")
    ap.add_argument("--timed", type=int, default=2, help="queries of each length timed through the index")
    ap.add_argument("--model", default=None, help="matcher folder (default: the shipped one)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="audio_score_index")
    ap.add_argument("--scale", default="500x300", help="NxS: time the first pass over N scores of S s")
    ap.add_argument("--scale-only", action="store_true", help="only that (bench/results/NAME_scale.json)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.discovery.audio_score import AudioScoreModel

    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    model = AudioScoreModel.from_pretrained(args.model)
    n_scale, s_scale = args.scale.split("x")
    scale, scale_rows = at_scale(model, int(n_scale), float(s_scale))
    if args.scale_only:
        path = write_result(
            args.name + "_scale",
            "Recordings to scores: the score index's first pass at scale (random vectors)",
            scale_rows,
            extra={"scale": scale, "argv": sys.argv, "seconds": time.perf_counter() - t_all},
        )
        print(path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pieces, by_length = queries(args, Path(tmp))
    shortlists = [int(x) for x in args.shortlists.split(",") if x]
    small, rows = run_set("small", model, pieces, by_length, shortlists, args.timed, args.max_seconds)
    rows += scale_rows
    extra = {"small": small, "scale": scale}
    if args.extra:
        more = distractors(args.extra, pieces, args.seed + 5, args.max_seconds)
        big, big_rows = run_set(
            "large", model, pieces + more, by_length, shortlists, args.timed, args.max_seconds
        )
        rows += big_rows
        extra["large"] = big
        extra["large_collections"] = sorted({pid.split("-")[0] for pid, _ in more})
    assert pick_pieces  # the candidates are bench_audio_score's
    path = write_result(
        args.name,
        "Recordings to scores: the score index (first pass, shortlist) against the full search",
        rows,
        extra={**extra, "argv": sys.argv, "seconds": time.perf_counter() - t_all},
    )
    print(path)


if __name__ == "__main__":
    main()
