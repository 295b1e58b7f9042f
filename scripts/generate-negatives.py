"""Generate partita's own pieces as negatives for the Selector's quality head (issue #19 item 5).

Prompts are made from templates per style family (chorale, Irish reel / jig / hornpipe / strathspey /
air / march, Chinese and German folk song, English folk tune, pop piano, Renaissance motet / madrigal) with
random keys, meters that fit the style and 8-16 bars, all a function of ``--seed``; none is a prompt of the
realism benchmark (``bench/prompts/realism.jsonl``). Each prompt gets one constrained call of 4 candidates
(default settings, all kept) and every ``--free-every``-th prompt also one free-sampling call
(``constrain=False``) of 2 candidates.

Every piece's music is encoded with the Selector classifier's own tokenizer (``tokenizer.encode_music``) and
saved by prompt into ``OUT/shards/shard-NNNN.npz`` (resumable: existing shards are skipped), then gathered
into ``OUT/{train,valid,test}.npz``, split BY PROMPT (so the test pieces come from prompts never seen in
training). Each npz holds ``tokens`` (flat int32), ``offsets`` (int64, n+1) and ``meta`` (a JSON list, one
record a piece: prompt, prompt_id, style, seed, variant, candidate, split), readable with
:func:`partita.training.style_classifier.read_negatives`.

    .venv/bin/python scripts/generate-negatives.py --prompts 200 --out data/negatives --threads 1
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_PROMPTS = ROOT / "bench" / "prompts" / "realism.jsonl"
SELECTOR = ROOT / "src" / "partita" / "pretrained" / "partita-small" / "selector"
log = logging.getLogger("generate-negatives")

TONICS = ["C", "G", "D", "A", "E", "B", "F", "B-flat", "E-flat", "A-flat", "F-sharp", "C-sharp"]
MOODS = ["", "", "lively", "gentle", "slow", "fast", "moderato", "joyful", "sad", "calm", "stately", "bright"]

# style family -> (templates, meters that fit the style, instruments or None);
# the templates' fields: {key} {meter} {bars} {mood} {inst}
FAMILIES: dict[str, tuple[list[str], list[str], list[str] | None]] = {
    "chorale": (
        [
            "a {mood} chorale in {key} for choir, {meter}, {bars} bars",
            "a four-part hymn in {key}, {bars} bars, {mood}",
            "{bars} bars of a {mood} church chorale in {key} in {meter}",
        ],
        ["4/4", "4/4", "3/4"],
        None,
    ),
    "irish_reel": (
        [
            "a {mood} reel in {key} for {inst}, {bars} bars",
            "an Irish reel in {key}, {meter}, {bars} bars, {mood}",
        ],
        ["4/4", "2/2"],
        ["fiddle", "flute", "accordion", "tin whistle"],
    ),
    "jig": (
        [
            "a {mood} jig in {key} for {inst}, {meter}, {bars} bars",
            "{bars} bars of a double jig in {key} for {inst}",
        ],
        ["6/8"],
        ["fiddle", "flute", "accordion", "banjo"],
    ),
    "hornpipe": (["a {mood} hornpipe in {key} for {inst}, {bars} bars"], ["4/4", "2/4"], ["fiddle", "flute"]),
    "strathspey": (["a Scottish strathspey in {key} for {inst}, {bars} bars, {mood}"], ["4/4"], ["fiddle"]),
    "air": (
        ["a {mood} slow air in {key} for {inst}, {meter}, {bars} bars"],
        ["3/4", "4/4", "6/8"],
        ["fiddle", "flute", "harp"],
    ),
    "march": (
        ["a {mood} march in {key} for {inst} in {meter}, {bars} bars"],
        ["2/4", "6/8", "4/4"],
        ["fiddle", "flute", "trumpet"],
    ),
    "chinese_folk": (
        [
            "a {mood} Chinese folk song in {key} for {inst}, {meter}, {bars} bars",
            "{bars} bars of a pentatonic Chinese folk melody in {key}, {mood}",
        ],
        ["2/4", "4/4", "3/4"],
        ["erhu", "flute", "piano", "violin"],
    ),
    "german_folk": (
        [
            "a {mood} German folk song in {key}, {meter}, {bars} bars",
            "a German Volkslied in {key} for {inst}, {meter}, {bars} bars",
        ],
        ["3/4", "2/4", "4/4", "6/8"],
        ["recorder", "violin", "clarinet", "voice"],
    ),
    "folk": (
        ["an English folk tune in {key} for {inst}, {meter}, {bars} bars, {mood}"],
        ["4/4", "6/8", "3/4"],
        ["fiddle", "flute", "accordion"],
    ),
    "pop": (
        [
            "a {mood} pop song for piano in {key}, {bars} bars",
            "a pop ballad for piano in {key}, {bars} bars",
            "{bars} bars of a {mood} pop piano piece in {key}",
        ],
        ["4/4"],
        None,
    ),
    "renaissance": (
        [
            "a {mood} Renaissance motet in {key} for choir, {meter}, {bars} bars",
            "a Renaissance madrigal in {key} for four voices, {bars} bars, {mood}",
            "{bars} bars of a polyphonic Renaissance motet in {key} in {meter}",
        ],
        ["4/4", "2/2", "3/2"],
        None,
    ),
}


def make_prompts(count: int, seed: int) -> list[dict]:
    """``count`` prompts (text, style family, seed), round-robin over the families, none a benchmark
    prompt."""
    bench = set()
    if BENCH_PROMPTS.is_file():
        bench = {
            json.loads(line)["prompt"] for line in BENCH_PROMPTS.read_text().splitlines() if line.strip()
        }
    rng = np.random.default_rng(seed)
    names = list(FAMILIES)
    out, seen = [], set(bench)
    while len(out) < count:
        family = names[len(out) % len(names)]
        templates, meters, insts = FAMILIES[family]
        key = f"{rng.choice(TONICS)} {'minor' if rng.random() < 0.35 else 'major'}"
        text = str(rng.choice(templates)).format(
            key=key,
            meter=rng.choice(meters),
            bars=int(rng.integers(8, 17)),
            mood=rng.choice(MOODS),
            inst=rng.choice(insts) if insts else "piano",
        )
        text = (
            " ".join(text.replace(", ,", ",").replace(" ,", ",").split()).replace("a an", "an").rstrip(", ")
        )
        text = text.replace("a  ", "a ").replace(", ,", ",")
        if text in seen:
            continue
        seen.add(text)
        i = len(out)
        out.append({"prompt_id": i, "prompt": text, "style": family, "seed": seed * 100_000 + 7919 + i})
    # split by prompt: 70 / 15 / 15, by a seeded permutation
    order = np.random.default_rng([seed, 1]).permutation(count)
    n_valid = n_test = max(1, round(0.15 * count))
    for rank, i in enumerate(order):
        out[i]["split"] = "test" if rank < n_test else "valid" if rank < n_test + n_valid else "train"
    return out


def write_npz(path: Path, seqs: list[np.ndarray], meta: list[dict]) -> None:
    offsets = np.zeros(len(seqs) + 1, np.int64)
    offsets[1:] = np.cumsum([len(s) for s in seqs]) if seqs else []
    tokens = np.concatenate(seqs).astype(np.int32) if seqs else np.zeros(0, np.int32)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, tokens=tokens, offsets=offsets, meta=np.array(json.dumps(meta)))
    tmp.replace(path)


def read_npz(path: Path) -> tuple[list[np.ndarray], list[dict]]:
    with np.load(path, allow_pickle=False) as z:
        tokens, offsets, meta = z["tokens"], z["offsets"], json.loads(str(z["meta"]))
    return [tokens[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)], meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--out", default=str(ROOT / "data" / "negatives"))
    ap.add_argument("--model", default="partita-small")
    ap.add_argument(
        "--selector", default=str(SELECTOR), help="the classifier whose tokenizer encodes the music"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=4, help="constrained candidates per prompt")
    ap.add_argument("--free-every", type=int, default=3, help="also a free-sampling call every K-th prompt")
    ap.add_argument("--free-n", type=int, default=2)
    ap.add_argument("--shard", type=int, default=10, help="prompts per shard")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    import torch

    import partita
    from partita.evaluation.selector import Selector

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    (out / "shards").mkdir(parents=True, exist_ok=True)
    prompts = make_prompts(args.prompts, args.seed)
    (out / "prompts.jsonl").write_text("".join(json.dumps(p) + "\n" for p in prompts))
    g = partita.Generator.from_pretrained(args.model)
    tok = Selector.from_pretrained(args.selector).tokenizer
    t_start, calls, call_s = time.perf_counter(), 0, 0.0
    shards = [prompts[k : k + args.shard] for k in range(0, len(prompts), args.shard)]
    for si, group in enumerate(shards):
        path = out / "shards" / f"shard-{si:04d}.npz"
        if path.exists():
            continue
        seqs, meta = [], []
        for p in group:
            runs = [("constrained", {"n": args.n})]
            if args.free_every and p["prompt_id"] % args.free_every == 0:
                runs.append(("free", {"n": args.free_n, "constrain": False}))
            for variant, kw in runs:
                t0 = time.perf_counter()
                try:
                    cands = g.generate(p["prompt"], seed=p["seed"], selector=None, **kw)
                except Exception as e:  # a failing prompt is logged and skipped
                    log.error("%s (%s): %s: %s", p["prompt"], variant, type(e).__name__, e)
                    continue
                dt = time.perf_counter() - t0
                calls, call_s = calls + 1, call_s + dt
                for c, cand in enumerate(cands):
                    ids = np.asarray(tok.encode_music(cand.score), dtype=np.int32)
                    if len(ids) < 16:
                        continue
                    seqs.append(ids)
                    meta.append({**p, "variant": variant, "candidate": c, "seconds": round(dt, 2)})
                log.info(
                    "%s [%s] %s: %d candidates in %.1f s", p["split"], variant, p["prompt"], len(cands), dt
                )
        write_npz(path, seqs, meta)
        log.info(
            "shard %d/%d written (%d pieces, %.0f s so far)",
            si + 1,
            len(shards),
            len(seqs),
            time.perf_counter() - t_start,
        )
    # gather by split
    by_split: dict[str, tuple[list, list]] = {s: ([], []) for s in ("train", "valid", "test")}
    for si in range(len(shards)):
        seqs, meta = read_npz(out / "shards" / f"shard-{si:04d}.npz")
        for s, m in zip(seqs, meta, strict=True):
            by_split[m["split"]][0].append(s)
            by_split[m["split"]][1].append(m)
    summary = {
        "model": args.model,
        "selector_tokenizer": str(args.selector),
        "seed": args.seed,
        "prompts": len(prompts),
        "calls_this_run": calls,
        "call_seconds_this_run": round(call_s, 1),
        "seconds_this_run": round(time.perf_counter() - t_start, 1),
        "splits": {},
    }
    for split, (seqs, meta) in by_split.items():
        write_npz(out / f"{split}.npz", seqs, meta)
        summary["splits"][split] = {
            "pieces": len(seqs),
            "prompts": len({m["prompt_id"] for m in meta}),
            "tokens": int(sum(len(s) for s in seqs)),
            "by_variant": {v: sum(m["variant"] == v for m in meta) for v in ("constrained", "free")},
        }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
