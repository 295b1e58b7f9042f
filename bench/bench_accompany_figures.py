"""Pop accompaniment from POP909's figures against the model's sampled parts, under held-out melodies.

Issue 21 (co-creation) for pop. POP909 songs of a split (``test`` by default; ``valid`` for development),
their first 16 bars: the MELODY track is the melody, and in one run it gets

- ``figures``: :meth:`partita.Generator.accompany` with ``figures=True``
  (:mod:`partita.generation.pop_texture`: the opening figure of a POP909 *training* song re-voiced to the
  melody's chords; 4 candidates, the first kept);
- ``sampled``: the same call with ``figures=False``, the model's parts (the behaviour before; 4 candidates,
  the first kept), with the same seeds;
- ``block``: :func:`partita.generation.accompany.block_chords`, the rule baseline;
- ``real``: the song's own BRIDGE and PIANO parts (the reference).

Each set is judged against the first 16 bars of other songs of the split by the realism benchmark's
classifier two-sample test (:func:`partita.evaluation.realism.realism_report`; 0.5: indistinguishable), with
the melody's on-beat notes in the parts' chords (:func:`~partita.evaluation.accompaniment.
accompaniment_agreement`) and the seconds an accompaniment takes.

    python bench/bench_accompany_figures.py [--split test|valid] [--n 16] [--seed 0] [--threads 1]
        [--name NAME]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_accompany import BARS, POP_PROMPT, _block, melody_and_parts  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_accompany_figures")
SLOW = True  # samples the model's parts for every song: run only when named
ARMS = ("figures", "sampled", "block", "real")


def songs(split: str, n: int, seed: int) -> tuple[list, list]:
    """``n`` (melody, own parts) pairs of the split's songs with 16 bars, and up to ``2 n`` other songs' first
    16 bars to judge against."""
    from partita.corpus import load_corpus
    from partita.evaluation.realism import count_bars, crop_bars

    corpus = load_corpus("all")
    records = [r for r in corpus.records() if r["source"] == "pop909" and r["split"] == split]
    chosen, others = [], []
    for i in np.random.default_rng(seed).permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        if count_bars(score) < BARS:
            continue
        piece = crop_bars(score, BARS)
        pair = melody_and_parts(piece)
        if pair is None or not pair[0].note_num():
            continue
        if len(chosen) < n:
            chosen.append((i, *pair))
        elif len(others) < 2 * n:
            others.append(piece)
        else:
            break
    return chosen, others


def accompaniments(generator, chosen: list, seed: int) -> tuple[dict, dict]:
    """The four sets of whole pieces (melody and parts) and the seconds each accompaniment took."""
    sets: dict[str, list] = {arm: [] for arm in ARMS}
    seconds: dict[str, list] = {arm: [] for arm in ARMS}
    for i, melody, parts in chosen:
        for arm, figures in (("figures", True), ("sampled", False)):
            prepared = generator.accompaniment_of(melody, POP_PROMPT)
            t0 = time.perf_counter()
            _, cands = generator.accompany(prepared, n=4, seed=seed + i, figures=figures)
            seconds[arm].append(time.perf_counter() - t0)
            sets[arm].append(cands[0].score)
        sets["block"].append(_block(prepared[1]))
        whole = melody.copy()
        whole.tracks = [*melody.tracks, *parts.tracks]
        sets["real"].append(whole)
        log.info("song %d done", i)
    return sets, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="test", choices=["test", "valid"])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--name", default="accompany-figures")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    import torch

    from partita.evaluation.accompaniment import accompaniment_agreement, split_melody
    from partita.evaluation.realism import realism_report
    from partita.pipelines import load_generator

    torch.set_num_threads(args.threads)
    generator = load_generator("partita-small")
    chosen, others = songs(args.split, args.n, args.seed)
    sets, seconds = accompaniments(generator, chosen, args.seed)
    report = realism_report(sets, others, seed=args.seed)
    cmd = f"python bench/bench_accompany_figures.py --split {args.split} --n {args.n} --seed {args.seed}"
    floor = report["floor"]["two_sample"]["accuracy"]
    sampled = report["sets"]["sampled"]["accuracy"]
    rows = []
    for arm in ARMS:
        e = report["sets"][arm]
        found = [accompaniment_agreement(*split_melody(s, 1)).chord_tones for s in sets[arm]]
        tones = (
            float(np.mean([x for x in found if x is not None])) if any(x is not None for x in found) else 0.0
        )
        top = ", ".join(f"{d['feature']} {d['a']:.2f} vs {d['b']:.2f}" for d in e["differences"][:4])
        took = f"{np.mean(seconds[arm]):.1f} s an accompaniment (4 candidates); " if seconds[arm] else ""
        rows.append(
            row(
                f"pop accompaniment realism ({args.split} POP909 melodies), {arm}",
                e["accuracy"],
                "accuracy",
                cmd,
                baseline=None if arm == "sampled" else "sampled (the model's parts, same run)",
                baseline_value=None if arm == "sampled" else sampled,
                higher_is_better=False,
                notes=f"{len(sets[arm])} songs against {len(others)} other songs' first {BARS} bars; "
                f"real halves {floor:.3f}; Fréchet {e['frechet']:.2f}; melody's on-beat notes in the parts' "
                f"chords {tones:.2f}; {took}apart (set, other songs): {top}",
            )
        )
        print(f"{arm:8s} {e['accuracy']:.3f} Fréchet {e['frechet']:.2f} chord tones {tones:.2f} {took}{top}")
    print(f"real halves {floor:.3f}")
    title = (
        f"Pop accompaniment under {args.split} POP909 melodies: POP909 figures re-voiced against the "
        "model's sampled parts"
    )
    write_result(args.name, title, rows)


if __name__ == "__main__":
    main()
