"""Motion blur in a still picture: is a running cheetah read as motion?

Issue 26. ``partita generate --image`` read a picture's arousal from its saturation, contrast and edges
(:func:`partita.generation.picture.picture_affect`). Motion blur takes contrast and edges away, so a
motion-blurred picture read as calm: Gradio's running cheetah (the camera panning with it, the ground
streaked) asked for an Andante at 94 bpm, "solemn". The reading now measures directional blur
(:func:`partita.picture.image.streak_coherence`: the coherence of the picture's fine detail's block structure
tensors) and reads a blurred still as a video shot in motion. Each picture is read twice in the same run:
**now**, and **before** (the same features with the blur left out, which is exactly the old reading).

Measured:

- **synthetic stills with a known answer** (:func:`partita.picture.synthetic.textured_still`: shapes of
  every orientation and grain, so no direction of their own): each scene sharp, motion-blurred by 4, 8, 16,
  32 and 64 pixels (of 512) at a drawn direction (:func:`~partita.picture.synthetic.motion_blur`), defocused
  (a Gaussian blur: no motion), and as a panning shot (the ground blurred 24 pixels, a sharp subject pasted
  in its middle). Rows: Spearman's rho of the blur length against the blur read and against the arousal
  (before / now); the share of blurred pictures read as blurred and of sharp or defocused ones read so; the
  direction's error; the share of scenes whose blurred picture reads more aroused than its sharp one;
- **the 8 photographs installed packages ship** (:func:`partita.picture.footage.sample_photographs`) and
  Gradio's ``cheetah1.jpg`` (a sharp close-up, not among the 8: a negative), as they are (before / now:
  blur read, arousal, tempo, mood word), and each blurred by 16 pixels at a drawn direction;
- **the music** (unless ``--no-music``): for each photograph, music generated with the request before and now
  (partita-small, the prompt empty, ``--bars`` bars, ``--candidates`` a piece, the Selector's first kept,
  the same seed); a picture whose request did not change is generated once (the same request and seed give
  the same notes). Its tempo and notes a second as :mod:`partita.evaluation.picture_following` reads them.
  ``--keep DIR`` writes each piece's MIDI and piano roll.

Eight photographs are few: the photograph rows say what happened to each, not how often a reading is right.

    python bench/bench_picture_blur.py --threads 1 [--scenes 24] [--seed 0] [--no-music] [--keep DIR]
        [--only cheetah.jpg,...] [--quick] [--name picture-blur]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_picture_blur")
SLOW = True  # generates music for the photographs with partita-small: run only when named
TITLE = "Motion blur in a still picture: is a running cheetah read as motion?"
LENGTHS = (0, 4, 8, 16, 32, 64)
"""The blur lengths (pixels, at 512 pixels wide) each synthetic scene is drawn with."""
PAN_LENGTH = 24
PHOTO_LENGTH = 16
EXTRA_NEGATIVE = ("gradio", "media_assets/images/cheetah1.jpg")
"""A sharp close-up of a cheetah's face Gradio ships beside the 8 photographs: a negative."""


def _angle_error(a: float | None, b: float) -> float:
    if a is None:
        return 90.0
    d = abs(a - b) % 180.0
    return min(d, 180.0 - d)


def read_both(bgr: np.ndarray) -> dict:
    """The picture read now and before (its blur left out), as the numbers the rows use."""
    from partita.generation.picture import picture_affect
    from partita.generation.picture_mapping import blur_level, mood_for, tempo_for
    from partita.picture import frame_features

    features = frame_features(bgr)
    now = picture_affect(features)
    before = picture_affect(dataclasses.replace(features, motion_blur=0.0))
    return {
        "coherence": features.motion_blur,
        "blur": blur_level(features.motion_blur),
        "direction": features.blur_direction,
        "arousal_before": before.arousal,
        "arousal_now": now.arousal,
        "valence": now.valence,
        "tempo_before": tempo_for(before.arousal),
        "tempo_now": tempo_for(now.arousal),
        "mood_before": mood_for(before.valence, before.arousal)[0],
        "mood_now": mood_for(now.valence, now.arousal)[0],
        "contrast": features.contrast,
        "edge_density": features.edge_density,
    }


def synthetic_set(n: int, seed: int) -> list[dict]:
    """Each scene sharp, blurred at each of :data:`LENGTHS`, defocused and panned, with its answer."""
    import cv2

    from partita.picture.synthetic import motion_blur, paste_subject, textured_still

    rng = np.random.default_rng(seed)
    out = []
    for scene in range(n):
        img = textured_still(rng)
        subject = textured_still(rng, 256, 256)
        angle = float(rng.uniform(0, 180))
        for length in LENGTHS:
            rec = read_both(motion_blur(img, length, angle))
            out.append({"scene": scene, "kind": "motion", "length": length, "angle": angle, **rec})
        sigma = float(rng.uniform(3, 8))
        rec = read_both(cv2.GaussianBlur(img, (0, 0), sigma))
        out.append({"scene": scene, "kind": "defocus", "length": 0, "sigma": sigma, "angle": angle, **rec})
        panned = paste_subject(motion_blur(img, PAN_LENGTH, angle), subject)
        out.append({"scene": scene, "kind": "pan", "length": PAN_LENGTH, "angle": angle, **read_both(panned)})
    return out


def synthetic_rows(recs: list[dict], command: str) -> list[dict]:
    from scipy.stats import spearmanr

    motion = [r for r in recs if r["kind"] == "motion"]
    lengths = [r["length"] for r in motion]
    rho_blur = float(spearmanr(lengths, [r["coherence"] for r in motion]).statistic)
    rho_now = float(spearmanr(lengths, [r["arousal_now"] for r in motion]).statistic)
    rho_before = float(spearmanr(lengths, [r["arousal_before"] for r in motion]).statistic)
    scenes = sorted({r["scene"] for r in recs})

    def share(rows: list[dict], pred) -> float:
        return float(np.mean([bool(pred(r)) for r in rows])) if rows else float("nan")

    sharp = {r["scene"]: r for r in motion if r["length"] == 0}
    rows = [
        row("synthetic: Spearman rho, blur length vs arousal read (now; before in baseline)", rho_now, "rho",
            command, "before (no blur read)", rho_before,
            notes=f"{len(motion)} pictures of {len(scenes)} scenes, lengths {LENGTHS} px of 512; blur takes "
                  "contrast and edges away, so before it lowered the arousal"),
        row("synthetic: Spearman rho, blur length vs streak coherence", rho_blur, "rho", command),
    ]  # fmt: skip
    for length in LENGTHS[1:]:
        at = [r for r in motion if r["length"] == length]
        rows.append(
            row(
                f"synthetic: {length} px motion blur read as blurred (b > 0)",
                share(at, lambda r: r["blur"] > 0),
                "share",
                command,
                "before (no blur read)",
                0.0,
                notes=f"mean coherence {np.mean([r['coherence'] for r in at]):.2f}, mean b "
                f"{np.mean([r['blur'] for r in at]):.2f}",
            )  # fmt: skip
        )
        raised = [r["arousal_now"] > sharp[r["scene"]]["arousal_now"] for r in at]
        raised_before = [r["arousal_before"] > sharp[r["scene"]]["arousal_before"] for r in at]
        change = np.mean([r["arousal_now"] - sharp[r["scene"]]["arousal_now"] for r in at])
        change_before = np.mean([r["arousal_before"] - sharp[r["scene"]]["arousal_before"] for r in at])
        rows.append(
            row(
                f"synthetic: {length} px blur reads more aroused than the same scene sharp",
                float(np.mean(raised)),
                "share",
                command,
                "before",
                float(np.mean(raised_before)),
                notes=f"mean arousal change {change:+.2f} (before {change_before:+.2f})",
            )
        )
    far = [r for r in motion if r["length"] >= 8]
    errors = [_angle_error(r["direction"], r["angle"]) for r in far]
    rows += [
        row("synthetic: sharp pictures read as blurred (false positives)", share([sharp[s] for s in scenes],
            lambda r: r["blur"] > 0), "share", command, higher_is_better=False,
            notes=f"max coherence {max(sharp[s]['coherence'] for s in scenes):.2f}"),
        row("synthetic: defocused pictures (Gaussian sigma 3-8) read as motion-blurred", share(
            [r for r in recs if r["kind"] == "defocus"], lambda r: r["blur"] > 0), "share", command,
            higher_is_better=False,
            notes=f"max coherence {max(r['coherence'] for r in recs if r['kind'] == 'defocus'):.2f}"),
        row(f"synthetic: panning shot (ground blurred {PAN_LENGTH} px, sharp subject) read as blurred",
            share([r for r in recs if r["kind"] == "pan"], lambda r: r["blur"] > 0), "share", command,
            "before (no blur read)", 0.0,
            notes=f"mean b {np.mean([r['blur'] for r in recs if r['kind'] == 'pan']):.2f}"),
        row("synthetic: blur direction error, blurs of 8 px or more (median)", float(np.median(errors)),
            "degrees", command, higher_is_better=False, notes=f"max {max(errors):.1f} over {len(errors)}"),
    ]  # fmt: skip
    return rows


def photograph_paths() -> list[Path]:
    import importlib.util

    from partita.picture.footage import sample_photographs

    paths = sample_photographs()
    spec = importlib.util.find_spec(EXTRA_NEGATIVE[0])
    if spec is not None and spec.submodule_search_locations:
        extra = Path(next(iter(spec.submodule_search_locations))) / EXTRA_NEGATIVE[1]
        if extra.is_file():
            paths.append(extra)
    return paths


def photograph_set(seed: int) -> list[dict]:
    import cv2

    from partita.picture.image import downscale
    from partita.picture.synthetic import motion_blur

    rng = np.random.default_rng(seed + 7)
    out = []
    for path in photograph_paths():
        bgr = downscale(cv2.imread(str(path)), 512)
        angle = float(rng.uniform(0, 180))
        blurred = read_both(motion_blur(bgr, PHOTO_LENGTH, angle))
        out.append({
            "name": path.name, "path": str(path), "shipped_eight": path.name != Path(EXTRA_NEGATIVE[1]).name,
            **read_both(bgr), "blurred": {"angle": angle, **blurred},
        })  # fmt: skip
        r = out[-1]
        log.info(
            "%s: coherence %.2f (%s deg) arousal %+.2f -> %+.2f, %g -> %g bpm, %s -> %s; blurred %d px: %.2f",
            r["name"], r["coherence"], r["direction"], r["arousal_before"], r["arousal_now"],
            r["tempo_before"], r["tempo_now"], r["mood_before"], r["mood_now"], PHOTO_LENGTH,
            blurred["coherence"],
        )  # fmt: skip
    return out


def photograph_rows(photos: list[dict], command: str) -> list[dict]:
    rows = []
    for p in photos:
        rows.append(
            row(
                f"photograph {p['name']}: tempo asked (now; before in baseline)",
                p["tempo_now"],
                "bpm",
                command,
                "before",
                p["tempo_before"],
                notes=f"streak coherence {p['coherence']:.2f} at {p['direction']} deg, b {p['blur']:.2f}; "
                f"arousal {p['arousal_before']:+.2f} -> {p['arousal_now']:+.2f}; mood "
                f"{p['mood_before']} -> {p['mood_now']}",
            )  # fmt: skip
        )
    sharp = [p for p in photos]
    blurred = [p["blurred"] for p in photos]
    errors = [_angle_error(b["direction"], b["angle"]) for b in blurred]
    pairs = list(zip(photos, blurred, strict=True))
    change = float(np.mean([b["arousal_now"] - p["arousal_now"] for p, b in pairs]))
    change_before = float(np.mean([b["arousal_before"] - p["arousal_before"] for p, b in pairs]))
    rows += [
        row("photographs as shipped read as blurred", float(np.mean([p["blur"] > 0 for p in sharp])), "share",
            command, "before", 0.0, notes="; ".join(f"{p['name']} {p['coherence']:.2f}" for p in sharp)),
        row(f"photographs blurred {PHOTO_LENGTH} px (of 512) read as blurred",
            float(np.mean([b["blur"] > 0 for b in blurred])), "share", command, "before", 0.0,
            notes="; ".join(f"{p['name']} {p['blurred']['coherence']:.2f}" for p in photos)),
        row(f"photographs blurred {PHOTO_LENGTH} px: direction error (median)", float(np.median(errors)),
            "degrees", command, higher_is_better=False, notes=f"max {max(errors):.1f}"),
        row(f"photographs blurred {PHOTO_LENGTH} px: mean arousal change from the sharp photograph (now)",
            change, "arousal", command, "before", change_before),
    ]  # fmt: skip
    return rows


def blur_arms(features, name: str, bars: int) -> dict:
    """The photograph's request before (its blur left out) and now."""
    from partita.generation.picture import image_request

    return {
        "before": image_request(dataclasses.replace(features, motion_blur=0.0), "", name, bars=bars),
        "now": image_request(features, "", name, bars=bars),
    }


def music_for(photos: list[dict], args, keep: Path | None, arms_of=blur_arms) -> None:
    """Music for each photograph's request before and now (``arms_of(features, name, bars)`` gives the two;
    once where they ask the same valence and arousal)."""
    from partita.evaluation.picture_following import music_properties
    from partita.picture import read_image_features
    from partita.pipelines import load_generator

    generator = load_generator(args.model)
    for i, p in enumerate(photos):
        if args.only and p["name"] not in args.only.split(","):
            continue
        arms = arms_of(read_image_features(p["path"]), p["name"], args.bars)
        now, before = arms["now"], arms["before"]
        seed = args.seed * 1000 + i
        if (now.valence, now.arousal) == (before.valence, before.arousal):
            arms = {"now": now}
        for arm, request in arms.items():
            t0 = time.perf_counter()
            score = generator.generate(request, n=args.candidates, seed=seed)[0].score
            p[f"music_{arm}"] = {**music_properties(score), "seconds": round(time.perf_counter() - t0, 1)}
            if keep is not None:
                from partita.render.pianoroll import write_pianoroll
                from partita.score.formats import write_midi

                stem = f"{Path(p['name']).stem}-{arm}"
                write_midi(score, keep / f"{stem}.mid")
                write_pianoroll(score, keep / f"{stem}.png", title=f"{p['name']} ({arm} reading)")
            m = p[f"music_{arm}"]
            log.info("%s %s: %.0f bpm, %.2f notes a second, key %s (%.0f s)", p["name"], arm, m["tempo"] or 0,
                     m["notes_per_second"] or 0, m["key"], m["seconds"])  # fmt: skip
        if "music_before" not in p:
            p["music_before"] = p["music_now"]
            p["music_same_request"] = True


def music_rows(photos: list[dict], command: str) -> list[dict]:
    rows = []
    changed = [p for p in photos if "music_now" in p and not p.get("music_same_request")]
    for p in changed:
        now, before = p["music_now"], p["music_before"]
        rows += [
            row(f"music for {p['name']}: tempo heard (now; before in baseline)", now["tempo"] or 0, "bpm",
                command, "before", before["tempo"],
                notes=f"asked {p['tempo_now']:g} (before {p['tempo_before']:g})"),
            row(f"music for {p['name']}: notes a second", now["notes_per_second"] or 0, "notes/s", command,
                "before", before["notes_per_second"],
                notes=f"notes a quarter {now['notes_per_quarter'] or 0:.2f} (before "
                      f"{before['notes_per_quarter'] or 0:.2f}); key {now['key']} (before {before['key']})"),
        ]  # fmt: skip
    same = [p["name"] for p in photos if p.get("music_same_request")]
    rows.append(
        row(
            "photographs whose request (and so music) did not change",
            len(same),
            "photographs",
            command,
            notes=", ".join(same),
        )
    )
    return rows


OPTIONS = (
    ("--scenes", int, 24, "synthetic scenes (each drawn 8 ways)"),
    ("--seed", int, 0, "the synthetic scenes' seed, and the music's (seed x 1000 + the photograph's index)"),
    ("--bars", int, 8, "bars a piece"),
    ("--candidates", int, 1, "candidates a piece (the Selector's first kept)"),
    ("--model", str, "partita-small", "a model name or folder"),
    ("--threads", int, None, "torch threads"),
    ("--keep", Path, None, "write each piece's MIDI and piano roll here"),
    ("--only", str, "", "music for these photographs only (names, comma-separated)"),
    ("--name", str, None, "the result file's name (default picture-blur, or picture-blur-reading)"),
)
SWITCHES = (("--no-music", "the readings only (seconds, no model)"), ("--quick", "6 scenes, no music"))


def parse_run(ap: argparse.ArgumentParser, script: str, default_name: str) -> tuple:
    """The arguments (logging and torch threads set from them), whether music is made (not with
    ``--quick`` or ``--no-music``), the result's name (``default_name``, ``-reading`` without music) and the
    command that reproduces the run."""
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    music = not (args.quick or args.no_music)
    name = args.name or (default_name if music else f"{default_name}-reading")
    return args, music, name, " ".join([f"python bench/{script}", *sys.argv[1:]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, kind, default, text in OPTIONS:
        ap.add_argument(flag, type=kind, default=default, help=text)
    for flag, text in SWITCHES:
        ap.add_argument(flag, action="store_true", help=text)
    args, music, name, command = parse_run(ap, "bench_picture_blur.py", "picture-blur")
    scenes = 6 if args.quick else args.scenes
    t0 = time.perf_counter()
    synthetic = synthetic_set(scenes, args.seed)
    photos = photograph_set(args.seed)
    read_seconds = time.perf_counter() - t0
    rows = [*synthetic_rows(synthetic, command), *photograph_rows(photos, command)]
    if music:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
        music_for(photos, args, args.keep)
        rows += music_rows(photos, command)
    n_read = len(synthetic) + 2 * len(photos)
    ms = 1000 * read_seconds / n_read
    rows.append(
        row(
            "milliseconds to read a picture (all features, 512 px)", ms, "ms", command, higher_is_better=False
        )
    )
    title = TITLE if name == "picture-blur" else f"{TITLE} (run {name})"
    extra = {"synthetic": synthetic, "photographs": photos, "model": args.model, "bars": args.bars}
    print(write_result(name, title, rows, quick=args.quick, extra=extra))
    if math.isnan(rows[0]["value"]):  # pragma: no cover - a degenerate run
        log.warning("no rho: too few pictures")


if __name__ == "__main__":
    main()
