"""Music for a still image: does the music follow the image?

Issue 26. ``partita generate --image`` sets what the prompt leaves open from the picture
(:func:`partita.generation.picture.image_request`): valence (brightness, warmth, saturation) sets the mode
and the register, arousal (saturation, contrast, edges) the tempo and the density and rhythm faders. A set of
images is made in code with OpenCV, each factor drawn on its own so that they are not confounded: a
background of a random hue, saturation and lightness, with 0 to 80 shapes and some grain (the busyness: it
raises the contrast and the edges). Each image is written as a PNG and read back as the command reads it
(:func:`partita.picture.read_image_features`), and music is generated for it with the prompt alone
(partita-small; ``--candidates`` a piece, the Selector's first kept, as ``generate`` ranks them). What the
music does is read from its notes (:mod:`partita.evaluation.picture_following`): the mode partita's key
analysis hears, the tempo, the mean pitch, the loudness (mean velocity), notes and onsets a quarter note,
notes a second. Measured, across the images:

- **following**: Spearman's rho between what each image asks for (its valence and arousal, and the raw
  features they come from) and what its music does, in the direction the mapping intends; the baselines are
  the same music paired otherwise, measured in the same run: each piece against **another image** (the
  next one's value), and **random pairings** (chance: the 95th percentile of |rho| over 2000; ``p``: the
  share of pairings with a rho as high), and **the music without the image**: the same prompt and seed with
  no picture, against the same images;
- **the mode**: the share of the images that set a mode (|valence| >= 0.15) whose music is heard in it,
  against the agreement random pairings of the same asked and heard modes give, and the music without the
  image against the same asked modes;
- **identification**: each piece matched to the image nearest it (z-scored mode, register and density from
  the notes, against the modes, registers and density faders the images asked for): the share that picks
  its own image and its mean rank, against chance (1 / n, (n + 1) / 2) and the music without the image;
- **time** (with the control only): seconds to generate a piece with the image, against without.

The loudness (velocity) is not set by a still image (only a video's motion shapes it): its row is a control
that should show no following.

    python bench/bench_picture_still.py --threads 1 [--images 16] [--bars 8] [--candidates 1]
        [--model partita-small|debug|PATH] [--seed 0] [--prompt ""] [--no-control] [--name picture-still]
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

log = logging.getLogger("bench_picture_still")
SLOW = True  # generates a piece an image (two with the control) with partita-small: run only when named
TITLE = "Music for a still image: does the music follow the image?"
PAIRS = (
    ("valence", "major", "the mode: major above valence +0.15, minor under -0.15"),
    ("valence", "mean_pitch", "the register: mean pitch 62 + 8 valence, low from -0.35, high from +0.45"),
    ("arousal", "tempo", "the tempo: 105 + 55 arousal bpm"),
    ("arousal", "notes_per_quarter", "the density fader: 0.5 + 0.4 arousal"),
    ("arousal", "onsets_per_quarter", "the rhythm fader: 0.5 + 0.4 arousal"),
    ("arousal", "notes_per_second", "tempo and density together"),
    ("arousal", "velocity", "not mapped (a still image sets no loudness): a control"),
    ("brightness", "major", "valence 0.55 brightness + ..."),
    ("warmth", "major", "valence ... + 0.30 warmth + ..."),
    ("brightness", "mean_pitch", "through valence"),
    ("saturation", "tempo", "arousal 0.45 saturation + ..."),
    ("edge_density", "notes_per_second", "arousal ... + 0.25 edge density"),
)
"""(what the image asks for, what the music does, the mapping's link): the following rows."""
IDENTIFY = (
    ("mode_asked", "major"),
    ("mean_pitch_asked", "mean_pitch"),
    ("density_asked", "notes_per_quarter"),
)
"""The columns the identification matches: what each image asks for against what its notes do."""


def make_image(rng: np.random.Generator, side: int = 160) -> tuple[np.ndarray, dict]:
    """One image (BGR, ``side`` x 4/3 ``side``) and the factors it was drawn with: hue, saturation, lightness
    and busyness, each on its own."""
    import cv2

    hue, sat, value, busy = (float(rng.uniform(0, 180)), float(rng.uniform(0.05, 0.95)),
                             float(rng.uniform(0.3, 1.0)), float(rng.uniform(0, 1)))  # fmt: skip
    h, w = side, side * 4 // 3

    def bgr(hh: float, ss: float, vv: float) -> tuple[int, int, int]:
        hsv = np.uint8([[[int(hh) % 180, int(255 * np.clip(ss, 0, 1)), int(255 * np.clip(vv, 0, 1))]]])
        return tuple(int(x) for x in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])

    img = np.full((h, w, 3), bgr(hue, sat, value), dtype=np.uint8)
    for _ in range(int(round(80 * busy))):
        colour = bgr(hue + rng.uniform(-20, 20), sat, value + rng.uniform(-0.7, 0.7) * busy)
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(3, side // 5))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.circle(img, (x, y), r, colour, -1)
        elif kind == 1:
            cv2.rectangle(img, (x, y), (x + r, y + r), colour, -1)
        else:
            cv2.line(img, (x, y), (int(rng.integers(0, w)), int(rng.integers(0, h))), colour, 2)
    grain = rng.normal(0, 30 * busy, size=(h, w, 1))
    img = np.clip(img.astype(float) + grain, 0, 255).astype(np.uint8)
    return img, {"hue": hue, "saturation_drawn": sat, "lightness_drawn": value, "busy": busy}


def asked(request) -> dict:
    """What an image's request asks the music for: valence, arousal, mode, tempo, register (the mean pitch and
    the Register token's bin it gives the model), density."""
    from partita.tokens.conditions import register_of

    c = request.conditions
    mode_set = any(u.field == "mode" for u in request.understood)
    return {
        "valence": request.valence,
        "arousal": request.arousal,
        "mode": c.mode if mode_set else None,
        "mode_asked": {"major": 1.0, "minor": 0.0}.get(c.mode, 0.5) if mode_set else 0.5,
        "tempo_asked": c.tempo_bpm,
        "mean_pitch_asked": c.mean_pitch,
        "register_asked": None if c.mean_pitch is None else register_of(c.mean_pitch),
        "density_asked": request.faders.get("density"),
    }


def run_image(index: int, img: np.ndarray, drawn: dict, generator, folder: Path, args) -> dict:
    """Music for one image (and, unless ``--no-control``, for the prompt alone with the same seed)."""
    import cv2

    from partita.evaluation.picture_following import music_properties
    from partita.generation.picture import image_request
    from partita.picture import read_image_features

    path = folder / f"image{index:02d}.png"
    cv2.imwrite(str(path), img)
    features = read_image_features(path)
    request = image_request(features, args.prompt, path.name, bars=args.bars)
    seed = args.seed * 1000 + index
    t0 = time.perf_counter()
    music = generator.generate(request, n=args.candidates, seed=seed)[0].score
    seconds = time.perf_counter() - t0
    rec = {
        **drawn,
        **{
            k: getattr(features, k)
            for k in ("brightness", "warmth", "saturation", "contrast", "edge_density")
        },
        **asked(request),
        "seconds": seconds,
        "music": music_properties(music),
    }
    if not args.no_control:
        t0 = time.perf_counter()
        plain = generator.generate(
            generator.request(args.prompt, bars=args.bars), n=args.candidates, seed=seed
        )
        rec["control_seconds"] = time.perf_counter() - t0
        rec["control"] = music_properties(plain[0].score)
    m = rec["music"]
    log.info(
        "image %d: valence %+.2f arousal %+.2f asks %s %s bpm pitch %s; heard %s, %.0f bpm, pitch %.1f, "
        "%.2f notes a quarter; %.1f s", index, rec["valence"], rec["arousal"], rec["mode"],
        rec["tempo_asked"], rec["mean_pitch_asked"], m["key"], m["tempo"] or 0, m["mean_pitch"] or 0,
        m["notes_per_quarter"] or 0, seconds,
    )  # fmt: skip
    return rec


def _column(images: list[dict], music: str, name: str) -> list:
    return [im[music].get(name) if music in im else None for im in images]


def following_rows(images: list[dict], command: str, seed: int) -> list[dict]:
    """A row a (image quantity, music property) pair of :data:`PAIRS`."""
    from partita.evaluation.picture_following import following

    rows, controlled = [], "control" in images[0]
    for quantity, prop, link in PAIRS:
        x = [im[quantity] for im in images]
        got = following(x, _column(images, "music", prop), seed)
        control = following(x, _column(images, "control", prop), seed)["rho"] if controlled else None
        rows.append(
            row(
                f"rho({quantity} of the image, {prop} of its music)",
                got["rho"],
                "Spearman rho",
                command,
                baseline="the same music paired with the images at random: 95th percentile of |rho|",
                baseline_value=got["chance95"],
                notes=(
                    f"{link}; the same music against another image (the next one's) {got['another']:+.3f}; "
                    + ("" if control is None else f"the music without the image {control:+.3f}; ")
                    + f"p (random pairings as high) {got['p']:.3f}; {got['n']} images"
                ),
            )
        )
    return rows


def mode_rows(images: list[dict], command: str) -> list[dict]:
    """The share of the images that set a mode whose music is heard in it."""
    from partita.evaluation.picture_following import mode_agreement

    modes = [im["mode"] for im in images]

    def heard(music: str) -> list:
        return [None if k is None else k.split()[-1] for k in _column(images, music, "key")]

    got = mode_agreement(modes, heard("music"))
    control = mode_agreement(modes, heard("control")) if "control" in images[0] else None
    said = f"the music without the image {control['agree']:.3f}; " if control else ""
    return [
        row(
            "share of the images setting a mode whose music is heard in it (partita's key analysis)",
            got["agree"],
            "share",
            command,
            baseline="random pairings of the same asked and heard modes (from their shares of major)",
            baseline_value=got["chance"],
            notes=f"{said}{got['n']} of {len(images)} images set a mode (|valence| >= 0.15)",
        )
    ]


def identification_rows(images: list[dict], command: str) -> list[dict]:
    """Each piece matched to its nearest image (mode, register, density)."""
    from partita.evaluation.picture_following import identification

    keep = [im for im in images if all(im["music"].get(p) is not None for _, p in IDENTIFY)]
    wanted = np.array([[im[a] for a, _ in IDENTIFY] for im in keep], dtype=float)
    got = identification(wanted, np.array([[im["music"][p] for _, p in IDENTIFY] for im in keep]))
    note = ""
    both = [
        im for im in keep if "control" in im and all(im["control"].get(p) is not None for _, p in IDENTIFY)
    ]
    if len(both) == len(keep):
        control = identification(wanted, np.array([[im["control"][p] for _, p in IDENTIFY] for im in keep]))
        note = (
            f"the music without the image: {control['top1']:.3f} own image nearest, "
            f"mean rank {control['rank']:.2f}; "
        )
    what = "mode, mean pitch and notes a quarter note against the mode, register and density asked"
    return [
        row(
            "share of pieces whose own image is the nearest (identification)",
            got["top1"],
            "share",
            command,
            baseline="chance (1 / images)",
            baseline_value=got["chance_top1"],
            notes=f"{note}{what}; {got['n']} images",
        ),
        row(
            "mean rank of each piece's own image among all (identification)",
            got["rank"],
            "rank",
            command,
            baseline="chance ((images + 1) / 2)",
            baseline_value=got["chance_rank"],
            higher_is_better=False,
            notes=f"{what}; 1 is best",
        ),
    ]


def time_rows(images: list[dict], command: str, candidates: int) -> list[dict]:
    """Seconds a piece with the image, against without (none without the control: no baseline)."""
    with_image = float(np.mean([im["seconds"] for im in images]))
    control = [im["control_seconds"] for im in images if "control_seconds" in im]
    if not control:
        return []
    return [
        row(
            "seconds to generate a piece for an image",
            with_image,
            "s",
            command,
            baseline="the same prompt without the image",
            baseline_value=float(np.mean(control)),
            higher_is_better=False,
            notes=f"{candidates} candidate(s) a piece, the image read too; 2 shared cores, under load",
        )
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=16)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument(
        "--candidates", type=int, default=1, help="candidates a piece (the Selector's first kept)"
    )
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--prompt", default="", help="the words beside the image (default: none)")
    ap.add_argument("--no-control", action="store_true", help="no music without the image (faster)")
    ap.add_argument("--quick", action="store_true", help="4 images")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    n = 4 if args.quick else args.images
    name = args.name or ("picture-still" if args.model != "debug" else "picture-still-debug")
    generator = load_generator(args.model)
    rng = np.random.default_rng(args.seed)
    drawn = [make_image(rng) for _ in range(n)]
    with tempfile.TemporaryDirectory(prefix="bench-picture-still-") as tmp:
        images = [run_image(i, img, d, generator, Path(tmp), args) for i, (img, d) in enumerate(drawn)]
    command = " ".join(["python bench/bench_picture_still.py", *sys.argv[1:]])
    rows = [
        *following_rows(images, command, args.seed),
        *mode_rows(images, command),
        *identification_rows(images, command),
        *time_rows(images, command, args.candidates),
    ]
    title = TITLE if name in ("picture-still", "picture-still-debug") else f"{TITLE} (run {name})"
    extra = {"images": images, "model": args.model, "bars": args.bars, "candidates": args.candidates}
    print(write_result(name, title, rows, quick=args.quick, extra=extra))


if __name__ == "__main__":
    main()
