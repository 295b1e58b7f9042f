"""Discovery by parts: does a query that describes a *part* of a held-out piece ("a piece in G major with a
slower, quieter section in E minor") find the piece, and the right bars? Segment retrieval against
whole-piece retrieval, in the same run.

Candidates: every test-split piece of the built corpus ``all`` (never read in training). Targets: the test
pieces of at least ``--min-bars`` bars (24) that have a part unlike the rest. The bench finds that part with
code of its own, which the rankers never read: it cuts the score into blocks of 8 bars (its own bar lines,
from tick 0 and the time signatures), and for each block computes the key (Temperley's Kostka-Payne
profiles: the analysis layer uses the mean of three others), the tempo (from the tempo map), the onsets per
quarter note, the mean pitch and the mean velocity, and the same for the whole piece. The target part is
the longest run of blocks in one key other than the piece's (at most half the piece); failing that, the
block that differs most from the rest in tempo, density, register or loudness (past fixed thresholds). A
piece with neither has no query. Queries, two kinds, a few phrasings each (seeded):

- ``part``: the part alone: "a section in E minor, slower and quieter than the rest of the piece".
- ``piece + part``: the piece's key too: "a piece in G major with a section in E minor that gets sparser".

Rankers, same queries, same candidates (the shipped ``discovery-small``, no training here):

- ``whole piece``: the cosine of the query with the piece's vector (``partita search``).
- ``BM25 on captions``: BM25 of the query against the piece's first caption (what the index stores).
- ``segments (best)``: the cosine with the piece's best segment (:mod:`partita.discovery.segments`: the
  analysis layer's sections, each embedded from its own bars).
- ``whole + best segment``: their sum (the rule was fixed before this bench was first run, not tuned on it).
- ``... + part wish`` (``partita search --segments``): a segment's score also counts the share of what the
  query asks that it meets, read by rule (:func:`partita.discovery.segments.part_wish`: the part's key or
  mode, slower / busier / higher / louder ... than the rest of its piece, the piece's key), judged on the
  analysis layer's facts of each segment (its own key estimate, tempo, onsets a second, mean pitch and
  velocity), never on the bench's measures. Its words and this bench's templates were written by the same
  person: an optimistic reading of how people phrase such queries.
- ``BM25 on segment captions``: BM25 against each segment's caption, the best segment's.
- ``oracle``: an upper bound, not a ranker: how many candidates the query fits by the bench's *own*
  measures (a run of blocks in the part's key with every contrast word, in the piece's key), the right one
  among them in random order.

Measured: piece MRR / Hit@1 / Hit@10 among all candidates; for the bars, the intersection over union (in
ticks) of the bars a ranker gives for the right piece with the target part, and the share of queries where
the right piece is first (and in the top 10) and its bars overlap the target by IoU >= 0.5. Bar baselines:
the whole piece (what a piece-level search returns), a random segment of the right piece (expected), its
first segment.

    python bench/bench_segments.py [--threads 1] [--workers 1] [--min-bars 24] [--seed 0] [--split test]

``--split valid`` runs the same on the valid split (its segments cached apart, in
``NAME-segments-valid.parquet``; result ``segments-valid``): for choosing between models without reading
the test split (``scripts/discovery-finetune.py interpolate --segments``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_segments")
COMMAND = "python bench/bench_segments.py"
BLOCK_BARS = 8
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Temperley's Kostka-Payne key profiles (Temperley 2007, Music and Probability), C major / C minor
KP_MAJOR = np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400])
KP_MINOR = np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330])
CONTRAST = {  # word when the part is above / below the rest, and the threshold of the measure
    "tempo": (("faster", "slower"), np.log(1.15)),  # log ratio of the mean qpm
    "density": (("busier", "sparser"), np.log(1.5)),  # log ratio of onsets per quarter note
    "pitch": (("higher", "lower"), 4.0),  # semitones of mean pitch
    "velocity": (("louder", "quieter"), 12.0),  # MIDI velocity
}


def _templates() -> np.ndarray:
    rows = []
    for profile in (KP_MAJOR, KP_MINOR):
        for tonic in range(12):
            p = np.roll(profile, tonic)
            rows.append((p - p.mean()) / np.linalg.norm(p - p.mean()))
    return np.asarray(rows)


TEMPLATES = _templates()


def key_of(hist: np.ndarray) -> str | None:
    """The best of the 24 keys for a duration-weighted pitch-class histogram (None when it is empty)."""
    if hist.sum() <= 0:
        return None
    h = hist - hist.mean()
    if np.linalg.norm(h) == 0:
        return None
    best = int(np.argmax(TEMPLATES @ (h / np.linalg.norm(h))))
    return f"{NAMES[best % 12]} {'major' if best < 12 else 'minor'}"


def bar_ticks(score, end: int) -> np.ndarray:
    """Bar lines from tick 0 under the score's time signatures (4/4 before the first), up to ``end``."""
    tpq = int(score.ticks_per_quarter)
    sigs = sorted((int(t.time), int(t.numerator), int(t.denominator)) for t in score.time_signatures)
    lines, at, num, den, k = [0], 0, 4, 4, 0
    while at < end:
        while k < len(sigs) and sigs[k][0] <= at:
            num, den, k = sigs[k][1] or 4, sigs[k][2] or 4, k + 1
        at += max(1, round(num * 4 * tpq / den))
        lines.append(at)
    return np.asarray(lines, dtype=np.int64)


def _notes(score) -> np.ndarray:
    parts = [t.notes.numpy() for t in score.tracks if not t.is_drum and len(t.notes)]
    if not parts:
        return np.zeros((0, 4))
    cols = [
        np.concatenate([p[c] for p in parts]).astype(float) for c in ("time", "duration", "pitch", "velocity")
    ]
    return np.stack(cols, 1)


def _qpm(score, a: int, b: int) -> float:
    tempos = sorted((int(t.time), float(t.qpm)) for t in score.tempos) or [(0, 120.0)]
    times = np.asarray([t for t, _ in tempos] + [b])
    qpm = np.asarray([q for _, q in tempos])
    span = np.clip(np.minimum(times[1:], b) - np.maximum(times[:-1], a), 0, None)
    return float((span * qpm).sum() / span.sum()) if span.sum() else float(qpm[times[:-1] <= a][-1])


def properties(score, notes: np.ndarray, a: int, b: int) -> dict | None:
    """The bench's own measures of ticks ``[a, b)``: key, qpm, onsets per quarter, mean pitch, velocity."""
    sel = notes[(notes[:, 0] >= a) & (notes[:, 0] < b)]
    if len(sel) < 4:
        return None
    hist = np.bincount(sel[:, 2].astype(int) % 12, weights=np.maximum(sel[:, 1], 1), minlength=12)
    quarters = (b - a) / int(score.ticks_per_quarter)
    return {
        "key": key_of(hist),
        "tempo": _qpm(score, a, b),
        "density": len(np.unique(sel[:, 0])) / max(quarters, 1e-9),
        "pitch": float(sel[:, 2].mean()),
        "velocity": float(sel[:, 3].mean()),
    }


def _differences(part: dict, rest: dict) -> dict[str, float]:
    return {
        "tempo": np.log(part["tempo"] / rest["tempo"]),
        "density": np.log(max(part["density"], 1e-9) / max(rest["density"], 1e-9)),
        "pitch": part["pitch"] - rest["pitch"],
        "velocity": part["velocity"] - rest["velocity"],
    }


def _words(diff: dict[str, float]) -> list[str]:
    return [CONTRAST[k][0][0 if v > 0 else 1] for k, v in diff.items() if abs(v) >= CONTRAST[k][1]]


def measure(score, min_bars: int) -> dict | None:
    """The bench's own measures of a score: its 8-bar blocks and their properties, and the whole piece's
    (None for a piece under ``min_bars`` bars or 3 blocks, or with a block of under 4 notes)."""
    notes = _notes(score)
    if not len(notes):
        return None
    end = int((notes[:, 0] + notes[:, 1]).max())
    lines = bar_ticks(score, end)
    if len(lines) - 1 < min_bars:
        return None
    blocks = [
        (int(lines[i]), int(lines[min(i + BLOCK_BARS, len(lines) - 1)]))
        for i in range(0, len(lines) - 1, BLOCK_BARS)
    ]
    props = [properties(score, notes, a, b) for a, b in blocks]
    whole = properties(score, notes, 0, end)
    if whole is None or any(p is None for p in props) or len(blocks) < 3:
        return None
    return {"score": score, "notes": notes, "end": end, "blocks": blocks, "props": props, "whole": whole}


def _part_and_rest(m: dict, a: int, b: int) -> tuple[dict | None, dict | None]:
    notes = m["notes"]
    part = properties(m["score"], notes, a, b)
    rest = properties(m["score"], notes[(notes[:, 0] < a) | (notes[:, 0] >= b)], 0, m["end"])
    return part, rest


def runs_of(m: dict | None, longest: int = 8) -> list[tuple[str, frozenset]]:
    """Every run of blocks of a measured piece (up to half the piece and ``longest`` blocks): its key (""
    when its blocks' keys differ) and its contrast words against the rest."""
    if m is None:
        return []
    blocks, props, out = m["blocks"], m["props"], []
    for i in range(len(blocks)):
        for j in range(i, min(len(blocks), i + longest)):
            if (j - i + 1) * 2 > len(blocks):
                break
            part, rest = _part_and_rest(m, blocks[i][0], blocks[j][1])
            if part is not None and rest is not None:
                same = all(props[x]["key"] == props[i]["key"] for x in range(i, j + 1))
                out.append((props[i]["key"] if same else "", frozenset(_words(_differences(part, rest)))))
    return out


def fits(runs: list[tuple[str, frozenset]], piece: str | None, target: dict, piece_key: bool) -> bool:
    """Whether a piece (its :func:`runs_of`, its key) has a run the target's query describes as well: in the
    part's key (when the query names one), with every contrast word, and (``piece_key``) in the piece's
    key. The oracle counts the candidates a query fits this way."""
    if piece_key and piece != target["piece_key"]:
        return False
    want = set(target["words"])
    return any((not target["key"] or key == target["key"]) and want <= words for key, words in runs)


def find_target(m: dict | None) -> dict | None:
    """The part of a measured piece unlike the rest (ticks, key, contrast words), by the bench's measures."""
    if m is None:
        return None
    score, notes, end, blocks, props, whole = (
        m[k] for k in ("score", "notes", "end", "blocks", "props", "whole")
    )
    best = None  # the longest run of blocks in one key other than the piece's, at most half the piece
    i = 0
    while i < len(blocks):
        j = i
        while j + 1 < len(blocks) and props[j + 1]["key"] == props[i]["key"]:
            j += 1
        other = props[i]["key"] != whole["key"] and (j - i + 1) * 2 <= len(blocks)
        if other and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = j + 1
    if best is None:  # the block that differs most from the rest, past a threshold
        scored = []
        for i, (a, b) in enumerate(blocks):
            rest = properties(score, notes[(notes[:, 0] < a) | (notes[:, 0] >= b)], 0, end)
            if rest is None:
                continue
            diff = _differences(props[i], rest)
            scored.append((max(abs(v) / CONTRAST[k][1] for k, v in diff.items()), i))
        if not scored or max(scored)[0] < 1:
            return None
        best = (max(scored)[1],) * 2
    a, b = blocks[best[0]][0], blocks[best[1]][1]
    part, rest = _part_and_rest(m, a, b)
    if part is None or rest is None:
        return None
    words = _words(_differences(part, rest))
    key = part["key"] if part["key"] != whole["key"] else None
    if not key and not words:
        return None
    return {"ticks": (a, b), "end": end, "key": key, "piece_key": whole["key"], "words": words}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def queries_of(target: dict, rng: np.random.Generator) -> dict[str, str]:
    """The two queries of a target: the part alone, and the piece with the part."""
    key, words = target["key"], target["words"]
    where = f" in {key}" if key else ""
    how = f"{_and(words)} than the rest of the piece" if words else ""
    part_forms = [
        f"a section{where}" + (f", {how}" if how else ""),
        f"the part{where}" + (f" where it gets {_and(words)}" if words else ""),
        f"a passage{where}" + (f" that is {how}" if how else ""),
    ]
    piece_forms = [
        f"a piece in {target['piece_key']} with a section{where}"
        + (f" that gets {_and(words)}" if words else ""),
        f"in {target['piece_key']}, with a {_and(words) + ' ' if words else ''}part{where}",
        f"a {target['piece_key']} piece that turns{where or ' ' + _and(words)} for a while",
    ]
    return {"part": str(rng.choice(part_forms)), "piece + part": str(rng.choice(piece_forms))}


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _best_rows(piece_of: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per query (row of ``scores``, queries x segments): each piece's best segment score and row."""
    q = len(scores)
    top = np.full((q, n), -np.inf)
    arg = np.full((q, n), -1, dtype=np.int64)
    for p in np.unique(piece_of):
        cols = np.flatnonzero(piece_of == p)
        block = scores[:, cols]
        k = block.argmax(1)
        top[:, p] = block[np.arange(q), k]
        arg[:, p] = cols[k]
    return top, arg


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--model", default=None, help="a discovery model folder (default: discovery-small)")
    parser.add_argument("--min-bars", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--split", choices=["test", "valid"], default="test", help="valid: for model choices")
    parser.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: runs as it is")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run(args)


def run(args) -> None:
    import torch

    from partita.corpus import load_corpus
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.metrics import bm25_scores, random_mrr, ranks
    from partita.discovery.segments import (
        FACTS,
        corpus_segments,
        part_bonus,
        part_wish,
        piece_bonus,
        segment_matrix,
    )
    from partita.discovery.train import features_of, split_entries
    from partita.paths import data_dir
    from partita.score import read_midi

    torch.set_num_threads(args.threads)
    corpus = load_corpus(args.corpus)
    cache = data_dir() / "discovery"
    pieces = split_entries(corpus, cache / f"{args.corpus}-entries.parquet", args.workers)[args.split]
    records = {r["piece_id"]: r for r in corpus.records()}
    t0 = time.perf_counter()
    segs = corpus_segments(
        corpus,
        [records[e["piece_id"]] for e in pieces],
        cache / f"{args.corpus}-segments{'' if args.split == 'test' else '-' + args.split}.parquet",
        workers=args.workers,
    )
    segment_s = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    targets, queries = {}, {"part": [], "piece + part": []}
    measured = [
        measure(read_midi(str(corpus.path / records[e["piece_id"]]["midi_path"])), args.min_bars)
        for e in pieces
    ]
    for i, e in enumerate(pieces):
        target = find_target(measured[i])
        if target is not None and segs[e["piece_id"]]:
            targets[i] = target
            for kind, text in queries_of(target, rng).items():
                queries[kind].append(text)
    order = list(targets) + [i for i in range(len(pieces)) if i not in targets]  # query j wants column j
    cand = [pieces[i] for i in order]
    n_q = len(targets)
    t0 = time.perf_counter()
    runs = [runs_of(measured[i]) for i in order]
    keys = [measured[i]["whole"]["key"] if measured[i] else None for i in order]
    oracle = {}  # how many candidates each query fits, by the bench's own measures (the target always)
    for kind, piece_key in (("part", False), ("piece + part", True)):
        oracle[kind] = np.asarray(
            [
                1 + sum(fits(runs[c], keys[c], t, piece_key) for c in range(len(cand)) if c != q)
                for q, t in enumerate(targets.values())
            ]
        )
    log.info("oracle in %.0f s", time.perf_counter() - t0)
    log.info(
        "%d %s pieces, %d with a part unlike the rest; segments in %.0f s",
        len(pieces),
        args.split,
        n_q,
        segment_s,
    )

    model = DiscoveryModel.from_pretrained(args.model)
    whole = model.encode_features(features_of(cand))
    seg_rows = [(j, s) for j, e in enumerate(cand) for s in segs[e["piece_id"]]]
    piece_of = np.asarray([j for j, _ in seg_rows], dtype=np.int64)
    seg_vec = model.encode_features(segment_matrix([s for _, s in seg_rows]))
    seg_caps = [s["caption"] for _, s in seg_rows]
    target_ticks = [targets[i]["ticks"] for i in list(targets)]
    own = [[k for k, (j, _) in enumerate(seg_rows) if j == q] for q in range(n_q)]
    spans = [(s["start_tick"], s["end_tick"]) for _, s in seg_rows]
    facts = {name: [s[name] for _, s in seg_rows] for name in FACTS}
    piece_keys = [json.loads(e["description"] or "{}").get("key") or "" for e in cand]
    lengths = np.asarray([b - a for a, b in spans], dtype=np.float64)

    def bars_iou(arg: np.ndarray) -> np.ndarray:
        return np.asarray([iou(spans[arg[q, q]], target_ticks[q]) for q in range(n_q)])

    table, rows = {}, []
    chance = random_mrr(len(cand))
    command = (
        COMMAND + f" --threads {args.threads}" + ("" if args.split == "test" else f" --split {args.split}")
    )
    for kind, texts in queries.items():
        q_vec = model.encode_text(texts)
        whole_s = q_vec @ whole.T
        seg_cos = q_vec @ seg_vec.T
        seg_best, seg_arg = _best_rows(piece_of, seg_cos, len(cand))
        seg_best = np.where(np.isfinite(seg_best), seg_best, whole_s)
        wishes = [part_wish(t) for t in texts]
        bonus = np.stack([part_bonus(w, facts, piece_of, lengths) for w in wishes])
        wish_best, wish_arg = _best_rows(piece_of, seg_cos + bonus, len(cand))
        wish_best = np.where(np.isfinite(wish_best), wish_best, whole_s)
        wish_best += np.stack([piece_bonus(w, piece_keys) for w in wishes])
        lex_best, lex_arg = _best_rows(piece_of, bm25_scores(texts, seg_caps), len(cand))
        lex_best = np.where(np.isfinite(lex_best), lex_best, 0.0)
        rankers = {
            "whole piece": (whole_s, None),
            "BM25 on captions": (bm25_scores(texts, [e["captions_en"][0] for e in cand]), None),
            "segments (best)": (seg_best, seg_arg),
            "whole + best segment": (whole_s + seg_best, seg_arg),
            "segments + part wish (best)": (wish_best, wish_arg),
            "whole + best segment + part wish": (whole_s + wish_best, wish_arg),
            "BM25 on segment captions": (lex_best, lex_arg),
        }
        whole_iou = np.asarray([iou((0, targets[i]["end"]), target_ticks[q]) for q, i in enumerate(targets)])
        own_iou = [[iou(spans[k], target_ticks[q]) for k in own[q]] for q in range(n_q)]
        random_iou = np.asarray([np.mean(v) for v in own_iou])
        random_hit = np.asarray([np.mean(np.asarray(v) >= 0.5) for v in own_iou])
        first_iou = np.asarray([iou(spans[own[q][0]], target_ticks[q]) for q in range(n_q)])
        table[kind] = {
            "example": texts[0],
            "bars": {
                "whole piece": float(whole_iou.mean()),
                "random segment": float(random_iou.mean()),
                "first segment": float(first_iou.mean()),
                "random segment, share IoU >= 0.5": float(random_hit.mean()),
            },
        }
        fit = oracle[kind]
        table[kind]["oracle (the bench's own measures; ties at random)"] = {
            "mrr": float(np.mean([np.mean(1 / np.arange(1, f + 1)) for f in fit])),
            "hit1": float(np.mean(1 / fit)),
            "hit10": float(np.mean(np.minimum(1.0, 10 / fit))),
            "median candidates the query fits": float(np.median(fit)),
        }
        for name, (scores, arg) in rankers.items():
            r = ranks(scores)
            overlap = bars_iou(arg) if arg is not None else whole_iou
            m = {
                "mrr": float(np.mean(1 / r)),
                "hit1": float(np.mean(r <= 1)),
                "hit10": float(np.mean(r <= 10)),
                "bars_iou": float(overlap.mean()),
                "bars_hit": float(np.mean(overlap >= 0.5)),
                "found1": float(np.mean((r <= 1) & (overlap >= 0.5))),
                "found10": float(np.mean((r <= 10) & (overlap >= 0.5))),
            }
            table[kind][name] = m
        base = table[kind]["whole piece"]
        for name in (
            "whole + best segment + part wish",
            "segments + part wish (best)",
            "whole + best segment",
            "segments (best)",
            "BM25 on segment captions",
            "BM25 on captions",
        ):
            m = table[kind][name]
            for metric in ("mrr", "hit10", "found10"):
                rows.append(
                    row(
                        f"parts of pieces, {kind} queries ({n_q}), {len(cand)} {args.split} candidates: "
                        f"{metric} ({name})",
                        m[metric],
                        "",
                        command,
                        baseline="whole-piece retrieval (the piece's vector), same run",
                        baseline_value=base[metric],
                        notes=f"random MRR {chance:.4f}" if metric == "mrr" else "",
                    )
                )
        bars = table[kind]["bars"]
        best = table[kind]["oracle (the bench's own measures; ties at random)"]
        rows.append(
            row(
                f"parts of pieces, {kind} queries: MRR of an oracle that reads the bench's own measures",
                best["mrr"],
                "",
                command,
                baseline="whole + best segment + part wish",
                baseline_value=table[kind]["whole + best segment + part wish"]["mrr"],
                notes="an upper bound: the query fits a median "
                f"{best['median candidates the query fits']:.0f} candidates",
            )
        )
        bar_rows = (
            (
                "bars_iou",
                "bar IoU of the right piece's returned bars",
                "the whole piece as the bars (a piece-level search)",
                bars["whole piece"],
            ),
            (
                "bars_hit",
                "share of right pieces' bars with IoU >= 0.5",
                "a random segment of the right piece (expected)",
                bars["random segment, share IoU >= 0.5"],
            ),
        )
        for name in ("whole + best segment + part wish", "whole + best segment"):
            for metric, what, peer, peer_value in bar_rows:
                rows.append(
                    row(
                        f"parts of pieces, {kind} queries: {what} ({name})",
                        table[kind][name][metric],
                        "",
                        command,
                        baseline=peer,
                        baseline_value=peer_value,
                        notes=f"random segment IoU {bars['random segment']:.3f}, first "
                        f"{bars['first segment']:.3f}",
                    )
                )
    extra = {
        "corpus": args.corpus,
        "split": args.split,
        f"{args.split}_candidates": len(cand),
        "queries": n_q,
        "segments": len(seg_rows),
        "segment_seconds": segment_s,
        "target_kinds": {
            "key": sum(1 for t in targets.values() if t["key"]),
            "contrast words only": sum(1 for t in targets.values() if not t["key"]),
        },
        "retrieval": table,
    }
    name, title = "segments", "Discovery by parts: segment retrieval (piece + bars) vs whole-piece"
    if args.split != "test":
        name, title = (
            f"segments-{args.split}",
            f"{title} ({args.split} split: for model choices, not held out)",
        )
    path = write_result(name, title, rows, extra=extra)
    for kind, by in table.items():
        log.info("%s: e.g. %r; bars baselines %s", kind, by["example"], by["bars"])
        for name, m in by.items():
            if isinstance(m, dict) and "mrr" in m:
                log.info("  %-26s %s", name, " ".join(f"{k} {v:.3f}" for k, v in m.items()))
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
