"""Music for a still image: the mode asked without a key, chosen among candidates (CM in the Selector) or not.

Issue 26. A picture asks a mode but no key; the mode pull (``bench_picture_mode.py``) moved little, so the
Selector now counts the mode heard among the request's adherence (``CM``,
:func:`partita.evaluation.adherence.piece_adherence`, read by partita's key analysis). Images are drawn as
``bench_picture_mode.py`` draws them (``--images`` asking each mode), music generated for each with the
prompt empty (partita-small, ``--n`` candidates, one seed an image, the defaults), and three picks made from
the same candidates:

- ``first``: the first candidate in sampling order (no choice);
- ``selector without CM``: the Selector as before (the candidates' adherence less CM);
- ``selector with CM``: the Selector as shipped.

Since the plan chooses a key for a mode asked without one (a minor one pulled to its tonic:
``bench_mode_key.py``, docs/PICTURES.md § A key for the mode), the candidates are sampled with that key; its
result files from before (``picture-mode-select.json``) are the model's own key.

Measured: the share of the picks heard in the mode asked, by partita's key analysis (which CM itself reads,
so it is not independent) and by music21's ``analyze("key")`` (which the generator never uses: the claim),
for minor and major asks, with a paired 95% bootstrap interval against ``selector without CM``; and the
Selector's quality score (P(real music)) of the picks, for what the choice costs.

    python bench/bench_picture_mode_select.py --threads 1 [--images 8] [--n 4] [--bars 8] [--seed 2]
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
from bench_picture_mode import draw_images, heard, in_mode, paired_interval  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_picture_mode_select")
SLOW = True  # several candidates an image with partita-small: run only when named
TITLE = "Music for a still image: the mode asked without a key, chosen by the Selector with CM or without"
PICKS = ("first", "selector without CM", "selector with CM")


def picks(generator, selector, request, n: int, seed: int) -> dict:
    """The three picks of one request's candidates, each as its heard keys and quality score."""
    cands = generator.generate(request, n=n, seed=seed, selector=None)
    blind = [
        selector.score(c, request, adherence={k: v for k, v in c.adherence.items() if k != "CM"})["combined"]
        for c in cands
    ]
    chosen = {
        "first": cands[0],
        "selector without CM": cands[int(np.argmax(blind))],
        "selector with CM": selector.rank(cands, request)[0][0],
    }
    out = {}
    for name, cand in chosen.items():
        quality = selector.score(cand.score, request).get("quality")
        out[name] = {**heard(cand.score), "quality": quality, "index": cands.index(cand)}
    return out


def mode_rows(records: list[dict], command: str, seed: int) -> list[dict]:
    rows = []
    for judge, field in (("music21's analyze('key')", "key_music21"), ("partita's key analysis", "key")):
        for mode in ("minor", "major"):
            recs = [r for r in records if r["mode"] == mode]
            for name in PICKS:
                pairs = [(in_mode(r[PICKS[1]][field], mode), in_mode(r[name][field], mode)) for r in recs]
                pairs = [p for p in pairs if None not in p]
                if not pairs:
                    continue
                diff, lo, hi = paired_interval([p[0] for p in pairs], [p[1] for p in pairs], seed)
                rows.append(
                    row(
                        f"picture mode chosen: {mode} asks heard {mode} by {judge}, {name}",
                        float(np.mean([p[1] for p in pairs])),
                        "share",
                        command,
                        baseline="selector without CM, same candidates",
                        baseline_value=float(np.mean([p[0] for p in pairs])),
                        notes=f"{len(pairs)} images; paired difference {diff:+.3f} [{lo:+.3f}, {hi:+.3f}]",
                    )
                )
    for name in PICKS:
        q = [r[name]["quality"] for r in records if r[name]["quality"] is not None]
        base = [r[PICKS[1]]["quality"] for r in records if r[name]["quality"] is not None]
        if q:
            rows.append(
                row(
                    f"picture mode chosen: quality score (P(real music)), {name}",
                    float(np.mean(q)),
                    "probability",
                    command,
                    baseline="selector without CM, same candidates",
                    baseline_value=float(np.mean(base)),
                    notes=f"{len(q)} images",
                )
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=8, help="images asking each mode")
    ap.add_argument("--n", type=int, default=4, help="candidates an image")
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.selector import choose_selector
    from partita.generation.picture import image_request
    from partita.picture import read_image_features
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.name or ("picture-mode-select" if args.model != "debug" else "picture-mode-select-debug")
    generator = load_generator(args.model)
    selector = choose_selector("auto", generator.selector_dir)
    command = " ".join(["python bench/bench_picture_mode_select.py", *sys.argv[1:]])
    t0 = time.perf_counter()
    records = []
    with tempfile.TemporaryDirectory(prefix="bench-picture-mode-select-") as tmp:
        images = draw_images(np.random.default_rng(args.seed), args.images, Path(tmp), args.bars)
        for i, image in enumerate(images):
            features = read_image_features(image["path"])
            request = image_request(features, "", image["path"].name, bars=args.bars)
            rec = {"mode": image["mode"], "valence": image["valence"]}
            rec.update(picks(generator, selector, request, args.n, args.seed * 1000 + i))
            log.info("image %d asks %s: %s", i, image["mode"], {k: rec[k]["key_music21"] for k in PICKS})
            records.append(rec)
    rows = mode_rows(records, command, args.seed)
    extra = {"records": records, "model": args.model, "n": args.n, "seconds": time.perf_counter() - t0}
    print(write_result(name, TITLE, rows, extra=extra))


if __name__ == "__main__":
    main()
