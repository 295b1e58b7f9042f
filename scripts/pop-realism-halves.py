#!/usr/bin/env python3
"""Which half of partita's pop tells it from real pop: the melody or the accompaniment (issue #19).

    python scripts/pop-realism-halves.py [--pieces DIR] [--seed 0] [--threads 1]

The selected piece of each of the realism benchmark's 32 pop prompts (its seeds; generated here, or read
from ``--pieces`` as ``pop01-<k>.mid`` + ``pop01.json`` with the selected ``k``, and written there when
generated) is judged with the realism benchmark's classifier two-sample test against the openings of
POP909's **valid** songs (never the test split the benchmark holds out), four ways:

- ``generated``: as partita wrote it;
- ``model melody, real parts``: its melody part (the highest) over the BRIDGE and PIANO of a real opening;
- ``real melody, model parts``: a real opening's MELODY over partita's other parts;
- ``real donors``: the real openings the halves came from (a floor).

The donors (the first 34 valid songs) are not among the judged real pieces (the other 48). Nothing is
transposed, so the mixed sets also carry a key clash: a bound on what each half costs, not a recipe.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_realism import load_prompts, real_pieces  # noqa: E402

log = logging.getLogger("pop-realism-halves")


def selected_pieces(folder: Path, seed: int) -> tuple[list, list[int]]:
    """The selected piece of each pop prompt and its bars, generated into ``folder`` where missing."""
    import symusic

    prompts = load_prompts(["pop"], 32)["pop"]
    folder.mkdir(parents=True, exist_ok=True)
    lm = selector = None
    pieces, bars = [], []
    for i, p in enumerate(prompts):
        meta = folder / f"{p['id']}.json"
        if not meta.exists():
            if lm is None:
                from partita.evaluation.selector import choose_selector
                from partita.pipelines import load_generator

                lm = load_generator("partita-small")
                c = lm.config
                selector = choose_selector(
                    "auto", lm.selector_dir, c.selector_weights, c.selector_windows, c.style_selector_weights
                )
            from partita.pipelines import generate

            s = seed * 1000 + 1000 + i
            request, cands = generate(p["prompt"], seed=s, model=lm, wav=False, selector=None, n=4)
            best = selector.rank(cands, request)[0][0]
            for k, cand in enumerate(cands):
                cand.score.dump_midi(str(folder / f"{p['id']}-{k}.mid"))
            chosen = next(k for k, cand in enumerate(cands) if cand is best)
            meta.write_text(json.dumps({"id": p["id"], "bars": request.bars, "selected": chosen}))
        m = json.loads(meta.read_text())
        pieces.append(symusic.Score(str(folder / f"{p['id']}-{m['selected']}.mid")))
        bars.append(m["bars"])
    return pieces, bars


def melody_index(score) -> int:
    """The highest part by mean pitch: partita's pop melody."""
    means = [(np.mean([n.pitch for n in t.notes]), i) for i, t in enumerate(score.tracks) if t.notes]
    return max(means)[1] if means else 0


def halves(generated, donor) -> tuple:
    """(model melody over the donor's parts, the donor's melody over the model's parts)."""
    donor = donor.resample(generated.ticks_per_quarter)
    top = melody_index(generated)
    real_melody = [t.copy() for t in donor.tracks if t.name == "MELODY"]
    real_parts = [t.copy() for t in donor.tracks if t.name != "MELODY"]
    a, b = generated.copy(), generated.copy()
    a.tracks = [generated.tracks[top].copy(), *real_parts]
    b.tracks = [*real_melody, *(t.copy() for i, t in enumerate(generated.tracks) if i != top)]
    return a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=Path, default=ROOT / "out" / "pop-realism-halves")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    from partita.corpus import load_corpus
    from partita.evaluation.realism import realism_report

    torch.set_num_threads(args.threads)
    generated, bars = selected_pieces(args.pieces, args.seed)
    corpus = load_corpus("all")
    valid = [r for r in corpus.records() if r["source"] == "pop909" and r["split"] == "valid"]
    donors, _ = real_pieces(corpus, valid[:34], bars, len(bars), args.seed, "4/4")
    real, _ = real_pieces(corpus, valid[34:], bars, 48, args.seed, "4/4")
    mixed = [halves(g, d) for g, d in zip(generated, donors, strict=True)]
    sets = {
        "generated": generated,
        "model melody, real parts": [a for a, _ in mixed],
        "real melody, model parts": [b for _, b in mixed],
        "real donors": donors,
    }
    report = realism_report(sets, real, seed=args.seed)
    for name, entry in report["sets"].items():
        tells = ", ".join(f"{d['feature']} {d['a']:.2f} / {d['b']:.2f}" for d in entry["differences"][:3])
        print(f"{name}: accuracy {entry['accuracy']:.3f}, Fréchet {entry['frechet']:.1f} ({tells})")


if __name__ == "__main__":
    main()
