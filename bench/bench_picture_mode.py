"""Music for a still image: is it heard in the mode the picture asks? The mode pull against none, same run.

Issue 26. A picture sets a mode (major above valence +0.15, minor under -0.15) but no key, and partita-small
nearly ignores a bare ``Mode_`` token. :mod:`partita.generation.rules.mode_pull` lets the model choose its
tonic in the first bar, then pulls towards the asked mode's third and sixth over it. Images are made in code
(:func:`bench_picture_still.make_image`: a background of a random hue, saturation and lightness, shapes and
grain), drawn until ``--images`` ask for minor and as many for major; each is written as a PNG and read back
as ``generate --image`` reads it, and music is generated for it with the prompt empty (partita-small, one
candidate, the same seed) twice: **without** the pull (``mode_weight`` 0: the code before the rule) and
**with** it. Measured for each arm:

- **the mode heard**: the share of the pieces heard in the mode asked, for minor and for major asks, by
  partita's key analysis (:func:`partita.analysis.key.estimate_key`) and by music21's (``analyze("key")``, an
  analyzer the generator does not use); the paired difference with a 95% bootstrap interval over images;
- **what it costs**: realism proxies (pitch-class entropy, repeated notes and steps among melodic intervals)
  and the learned Selector's quality score (P(real music)), the mean over the pieces, with a paired interval;
- **what it must not touch**: text prompts that ask a key, or no mode, sampled with and without the rule
  with the same seed: the same notes (the rule is not built for them).

    python bench/bench_picture_mode.py --threads 1 [--images 8] [--bars 8] [--seed 0] [--weight 3]
        [--pulled minor|major,minor] [--model partita-small|debug|PATH] [--keep DIR] [--name picture-mode]
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
from bench_picture_still import make_image  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_picture_mode")
SLOW = True  # two pieces an image with partita-small: run only when named
TITLE = "Music for a still image: the mode asked without a key, with the mode pull and without"
ARMS = ("without", "with")
UNTOUCHED = ("a waltz for piano", "a chorale in D minor", "a jig in G major for violin", "a folk song")
"""Text prompts that ask a key or no mode: the rule must leave their notes as they were."""
MEASURES = (
    ("pitch_class_entropy", "pitch-class entropy (bits)"),
    ("melody_repeat_share", "repeated notes among melodic intervals"),
    ("melody_step_share", "steps among melodic intervals"),
    ("quality", "the Selector's quality score (P(real music))"),
)


def draw_images(rng: np.random.Generator, per_mode: int, folder: Path, bars: int) -> list[dict]:
    """Images until ``per_mode`` ask for minor and as many for major: each its path, request and mode."""
    import cv2

    from partita.generation.picture import image_request
    from partita.picture import read_image_features

    wanted = {"minor": per_mode, "major": per_mode}
    images, tries = [], 0
    while any(wanted.values()) and tries < 50 * per_mode:
        img, drawn = make_image(rng)
        path = folder / f"image{tries:03d}.png"
        tries += 1
        cv2.imwrite(str(path), img)
        request = image_request(read_image_features(path), "", path.name, bars=bars)
        mode = request.conditions.mode if any(u.field == "mode" for u in request.understood) else None
        if mode in wanted and wanted[mode] > 0 and not request.conditions.key:
            wanted[mode] -= 1
            images.append({"path": path, "mode": mode, "valence": request.valence, **drawn})
    return images


def heard(score) -> dict:
    """The key partita's analysis and music21's hear in a piece, and the realism proxies."""
    from bench_realism import music21_key
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays

    arrays = note_arrays(score)
    key = estimate_key(arrays.select(~arrays.drum))
    return {"key": None if key is None else key.name, "key_music21": music21_key(score)}


def sample(generator, request, seed: int, weight: float):
    """The first candidate for ``request`` with the pull at ``weight`` (0: not built), and its seconds."""
    t0 = time.perf_counter()
    cand = generator.generate(request, n=1, seed=seed, selector=None, mode_weight=float(weight))[0]
    return cand.score, time.perf_counter() - t0


def run_image(index: int, image: dict, generator, selector, args) -> dict:
    """Both arms for one image."""
    from partita.generation.picture import image_request
    from partita.picture import read_image_features
    from picture_common import realism_measures

    seed = args.seed * 1000 + index
    rec = {k: (str(v) if isinstance(v, Path) else v) for k, v in image.items()}
    for arm, weight in zip(ARMS, (0.0, args.weight), strict=True):
        request = image_request(read_image_features(image["path"]), "", image["path"].name, bars=args.bars)
        score, seconds = sample(generator, request, seed, weight)
        rec[arm] = {**heard(score), **realism_measures(score, selector, request), "seconds": seconds}
        if args.keep:
            from partita.score import write_midi

            write_midi(score, Path(args.keep) / f"image{index:02d}-{image['mode']}-{arm}.mid")
    log.info(
        "image %d asks %s (valence %+.2f): without %s / %s, with %s / %s",
        index, image["mode"], image["valence"], rec["without"]["key"], rec["without"]["key_music21"],
        rec["with"]["key"], rec["with"]["key_music21"],
    )  # fmt: skip
    return rec


def in_mode(key: str | None, mode: str) -> float | None:
    return None if key is None else float(key.split()[-1] == mode)


def paired_interval(a: list[float], b: list[float], seed: int) -> tuple[float, float, float]:
    """Mean of b - a and its 95% bootstrap interval over the pairs."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    boots = [float(rng.choice(d, size=d.size).mean()) for _ in range(2000)]
    return float(d.mean()), float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def mode_rows(records: list[dict], command: str, seed: int) -> list[dict]:
    rows = []
    for judge, field in (("partita's key analysis", "key"), ("music21's analyze('key')", "key_music21")):
        for mode in ("minor", "major", None):
            recs = [r for r in records if mode is None or r["mode"] == mode]
            pairs = [
                (in_mode(r["without"][field], r["mode"]), in_mode(r["with"][field], r["mode"])) for r in recs
            ]
            pairs = [p for p in pairs if None not in p]
            if not pairs:
                continue
            a, b = [p[0] for p in pairs], [p[1] for p in pairs]
            diff, lo, hi = paired_interval(a, b, seed)
            asked = f"asked {mode}" if mode else "either mode asked"
            rows.append(row(
                f"picture-mode: pieces heard in the mode asked ({asked}; {judge})", float(np.mean(b)),
                "share", command, baseline="the same images and seeds without the mode pull",
                baseline_value=float(np.mean(a)),
                notes=f"{sum(b):.0f} of {len(b)} with, {sum(a):.0f} of {len(a)} without; with - without "
                f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}] (95% bootstrap over images)",
            ))  # fmt: skip
    return rows


def cost_rows(records: list[dict], command: str, seed: int) -> list[dict]:
    rows = []
    for key, what in MEASURES:
        pairs = [(r["without"].get(key), r["with"].get(key)) for r in records]
        pairs = [p for p in pairs if None not in p]
        if not pairs:
            continue
        a, b = [p[0] for p in pairs], [p[1] for p in pairs]
        diff, lo, hi = paired_interval(a, b, seed)
        rows.append(row(
            f"picture-mode: {what} of the music", float(np.mean(b)), "mean", command,
            baseline="the same images and seeds without the mode pull", baseline_value=float(np.mean(a)),
            higher_is_better=key != "melody_repeat_share",
            notes=f"with - without {diff:+.3f} [{lo:+.3f}, {hi:+.3f}] (95% bootstrap over images); "
            f"{len(pairs)} pieces a side",
        ))  # fmt: skip
    return rows


def untouched_rows(generator, args, command: str) -> tuple[list[dict], list[dict]]:
    """Text prompts with a key or no mode, with and without the rule: the same notes?"""
    checks = []
    for i, prompt in enumerate(UNTOUCHED):
        request = generator.request(prompt, bars=args.bars)
        notes = []
        for weight in (0.0, args.weight):
            score, _ = sample(generator, generator.request(prompt, bars=args.bars), 7 + i, weight)
            notes.append([(n.time, n.pitch, n.duration, n.velocity) for t in score.tracks for n in t.notes])
        c = request.conditions
        checks.append({"prompt": prompt, "key": c.key, "mode": c.mode, "same": notes[0] == notes[1]})
    same = sum(ch["same"] for ch in checks)
    return [
        row(
            "picture-mode: text prompts with a key or no mode whose notes the rule leaves as they were",
            same / len(checks),
            "share",
            command,
            goal="1.0",
            notes="; ".join(
                f"{ch['prompt']!r} ({ch['key'] or 'no key'} {ch['mode'] or 'no mode'}): "
                f"{'same' if ch['same'] else 'DIFFERENT'}"
                for ch in checks
            ),
        )  # fmt: skip
    ], checks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=8, help="images asking each mode")
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--weight", type=float, default=3.0, help="the pull's mode_weight in the arm with it")
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pulled", default=None, help="the modes pulled, e.g. major,minor (default: the rule's)")
    ap.add_argument("--keep", default=None, help="write each piece's MIDI here (to look at)")
    ap.add_argument("--quick", action="store_true", help="2 images a mode")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.selector import choose_selector
    from partita.generation.rules import mode_pull
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.pulled:
        mode_pull.PULLED = tuple(args.pulled.split(","))
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    per_mode = 2 if args.quick else args.images
    name = args.name or ("picture-mode" if args.model != "debug" else "picture-mode-debug")
    generator = load_generator(args.model)
    selector = choose_selector("auto", generator.selector_dir)
    command = " ".join(["python bench/bench_picture_mode.py", *sys.argv[1:]])
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-picture-mode-") as tmp:
        images = draw_images(rng, per_mode, Path(tmp), args.bars)
        records = [run_image(i, im, generator, selector, args) for i, im in enumerate(images)]
    untouched, checks = untouched_rows(generator, args, command)
    rows = [*mode_rows(records, command, args.seed), *cost_rows(records, command, args.seed), *untouched]
    extra = {
        "records": records, "untouched": checks, "model": args.model, "bars": args.bars,
        "weight": args.weight, "bonus": mode_pull.MODE_BONUS, "pulled": list(mode_pull.PULLED),
        "decide_bars": mode_pull.DECIDE_BARS,
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    title = TITLE if name in ("picture-mode", "picture-mode-debug") else f"{TITLE} (run {name})"
    print(write_result(name, title, rows, quick=args.quick, extra=extra))


if __name__ == "__main__":
    main()
