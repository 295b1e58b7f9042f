"""Texture is not activity, a dark tint is not saturation: a still's arousal, read again.

Issue 26. ``partita generate --image`` read a picture's arousal from its HSV saturation, contrast and Canny
edge density (:func:`partita.generation.picture.picture_affect`). Two of the eight photographs installed
packages ship were misread by it: the dahlia on a dark, defocused green ground (HSV saturation 0.83: a
faintly tinted near-black pixel has S near 1) asked for restless music, and the lion lying on a rock (its
mane's and the rock's texture: the most edges of the eight) for a busy one. The arousal now reads
:attr:`~partita.picture.ImageFeatures.lit_saturation` (a dark pixel's saturation counted by its value) and
:attr:`~partita.picture.ImageFeatures.structure_density` (the edges left once a 5-pixel median filter has
taken the texture away, counted as at 512 pixels whatever the picture's size). Each picture is read in four
arms in the same run: **before** (the same features with the two new ones left out: exactly the old
reading), **lit saturation** alone, **structure** alone, and **now** (both).

Synthetic pictures with a known answer (drawn here, :func:`scene`):

- **texture**: a calm composition (a ground and 3-6 large shapes) under fine isotropic texture (grain, or
  short strokes of every orientation: fur) of drawn strength 0-1; and, independently drawn, 0-60 more large
  shapes and lines (the composition's busyness). The answer: the arousal follows the busyness and not the
  texture (Spearman's rho of each against the arousal, and the mean change from a scene without texture to
  the same scene under full texture);
- **dark ground**: a bright saturated subject on a ground of drawn hue at HSV value 0.1-0.9 and
  saturation 0.1 or 0.9: the answer is the ground's CIELAB chroma (a near-black ground shows little colour
  whatever its S): rho of the chroma against the saturation read, and the arousal difference between the
  S 0.9 and S 0.1 grounds at value under 0.3 (answer: small) and over 0.6 (answer: as large as before);
- **motion blur** (``bench_picture_blur.py``'s scenes): rho of the blur length against the arousal, so that
  the new reading keeps what the blur reading gained (a blur takes texture away).

The photographs (:func:`partita.picture.footage.sample_photographs`): their readings in the four arms and,
unless ``--no-music``, music for each before and now (partita-small, the prompt empty, ``--bars`` bars, one
candidate, the same seed; ``--keep DIR`` writes MIDI and piano rolls). **The photographs are not a test**:
the two misreadings were the reason for the change and the features were looked at on them.

    python bench/bench_picture_texture.py --threads 1 [--scenes 40] [--seed 0] [--no-music] [--keep DIR]
        [--only flower.jpg,lion.jpg] [--quick] [--name picture-texture]
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
from bench_picture_blur import music_for, parse_run  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_picture_texture")
SLOW = True  # generates music for the photographs with partita-small: run only when named
TITLE = "Texture is not activity, a dark tint is not saturation: a still's arousal, read again"
ARMS = ("before", "lit saturation", "structure", "now")


def readings(features) -> dict:
    """The picture's valence and arousal in each of :data:`ARMS`."""
    from partita.generation.picture import picture_affect

    arms = {
        "before": dataclasses.replace(features, lit_saturation=None, structure_density=None),
        "lit saturation": dataclasses.replace(features, structure_density=None),
        "structure": dataclasses.replace(features, lit_saturation=None),
        "now": features,
    }
    out = {}
    for arm, f in arms.items():
        a = picture_affect(f)
        out[arm] = {"valence": a.valence, "arousal": a.arousal}
    return out


def _hsv_bgr(hue: float, sat: float, value: float) -> tuple[int, int, int]:
    import cv2

    px = np.uint8([[[hue % 180, np.clip(sat * 255, 0, 255), np.clip(value * 255, 0, 255)]]])
    return tuple(int(x) for x in cv2.cvtColor(px, cv2.COLOR_HSV2BGR)[0, 0])


def _shapes(img: np.ndarray, rng: np.random.Generator, n: int, hue: float, big: bool) -> None:
    import cv2

    height, width = img.shape[:2]
    for _ in range(n):
        colour = _hsv_bgr(hue + rng.uniform(-40, 40), rng.uniform(0.2, 0.9), rng.uniform(0.2, 1.0))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(height // 6, height // 3) if big else rng.integers(8, height // 6))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.circle(img, (x, y), r, colour, -1, cv2.LINE_AA)
        elif kind == 1:
            box = cv2.boxPoints(((x, y), (r, r * rng.uniform(0.5, 2)), float(rng.uniform(0, 180))))
            cv2.fillPoly(img, [box.astype(np.int32)], colour, cv2.LINE_AA)
        else:
            a = rng.uniform(0, math.pi)
            end = (int(x + 2 * r * math.cos(a)), int(y + 2 * r * math.sin(a)))
            cv2.line(img, (x, y), end, colour, int(rng.integers(3, 9)), cv2.LINE_AA)


def add_texture(img: np.ndarray, rng: np.random.Generator, strength: float, kind: str) -> np.ndarray:
    """``img`` under fine isotropic texture of ``strength`` 0-1: grain (noise a pixel or two across) or fur
    (short thin strokes of every orientation, lighter and darker)."""
    import cv2

    if strength <= 0:
        return img
    height, width = img.shape[:2]
    if kind == "grain":
        noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 0.8)
        noise /= noise.std() + 1e-9
        layer = noise * 28.0 * strength
    else:
        layer = np.zeros((height, width), np.float32)
        for _ in range(int(6000 * strength)):
            x, y = float(rng.uniform(0, width)), float(rng.uniform(0, height))
            a, n = rng.uniform(0, math.pi), rng.uniform(3, 8)
            end = (int(x + n * math.cos(a)), int(y + n * math.sin(a)))
            cv2.line(layer, (int(x), int(y)), end, float(rng.choice([-1, 1]) * rng.uniform(30, 70)), 1)
    return np.clip(img.astype(np.float32) + layer[..., None], 0, 255).astype(np.uint8)


def scene(rng: np.random.Generator, busy: int, width: int = 512, height: int = 384) -> np.ndarray:
    """A ground of a drawn hue and lightness, 3-6 large shapes (a calm composition) and ``busy`` more shapes
    and lines of every size and orientation (the composition's busyness: outlines, not texture)."""
    hue = float(rng.uniform(0, 180))
    img = np.full((height, width, 3), _hsv_bgr(hue, rng.uniform(0.2, 0.7), rng.uniform(0.4, 0.9)), np.uint8)
    _shapes(img, rng, int(rng.integers(3, 7)), hue, big=True)
    _shapes(img, rng, busy, hue, big=False)
    return img


def texture_set(n: int, seed: int) -> list[dict]:
    """Scenes of drawn busyness under texture of each strength, grain and fur alternately."""
    from partita.picture import frame_features

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        busy = int(rng.integers(0, 61))
        base = scene(rng, busy)
        kind = ("grain", "fur")[i % 2]
        drawn = float(rng.uniform(0, 1))
        for strength in (0.0, drawn, 1.0):
            f = frame_features(add_texture(base, np.random.default_rng(seed * 1000 + i), strength, kind))
            out.append(
                {
                    "scene": i,
                    "busy": busy,
                    "texture": strength,
                    "kind": kind,
                    "edge_density": f.edge_density,
                    "structure_density": f.structure_density,
                    "texture_share": f.texture_share,
                    **readings(f),
                }
            )
    return out


def dark_set(n: int, seed: int) -> list[dict]:
    """A bright saturated subject (a fifth of the frame) on grounds of drawn hue at values 0.1-0.9, each at
    HSV saturation 0.1 and 0.9, with a little grain; the ground's mean CIELAB chroma is the answer."""
    import cv2

    from partita.picture import frame_features

    rng = np.random.default_rng(seed + 1)
    out = []
    for i in range(n):
        hue, sub_hue = float(rng.uniform(0, 180)), float(rng.uniform(0, 180))
        value = float(rng.uniform(0.1, 0.9))
        for sat in (0.1, 0.9):
            img = np.full((384, 512, 3), _hsv_bgr(hue, sat, value), np.uint8)
            cv2.circle(img, (256, 192), 98, _hsv_bgr(sub_hue, 0.8, 0.95), -1, cv2.LINE_AA)
            img = add_texture(img, np.random.default_rng(seed * 1000 + i), 0.15, "grain")
            lab = cv2.cvtColor(img.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)
            f = frame_features(img)
            out.append(
                {
                    "ground": i,
                    "value": value,
                    "sat": sat,
                    "chroma": float(np.hypot(lab[..., 1], lab[..., 2]).mean()),
                    "saturation": f.saturation,
                    "lit_saturation": f.lit_saturation,
                    **readings(f),
                }
            )
    return out


def blur_set(n: int, seed: int) -> list[dict]:
    """``bench_picture_blur.py``'s scenes, sharp and motion-blurred 4-64 pixels, in the four arms."""
    from partita.picture import frame_features
    from partita.picture.synthetic import motion_blur, textured_still

    rng = np.random.default_rng(seed + 2)
    out = []
    for i in range(n):
        img, angle = textured_still(rng), float(rng.uniform(0, 180))
        for length in (0, 4, 8, 16, 32, 64):
            out.append(
                {"scene": i, "length": length, **readings(frame_features(motion_blur(img, length, angle)))}
            )
    return out


def _mean(pairs: list[tuple[dict, dict]], side: int, key: str) -> float:
    return float(np.mean([p[side][key] for p in pairs]))


def _rho(x: list, y: list) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def synthetic_rows(tex: list[dict], dark: list[dict], blur: list[dict], command: str) -> list[dict]:
    rows = []
    drawn = [r for r in tex if r["texture"] not in (0.0, 1.0)]  # one picture a scene: texture drawn 0-1
    busy, strength = [r["busy"] for r in drawn], [r["texture"] for r in drawn]
    for what, key, better in (
        ("the composition's busyness (shapes drawn)", busy, True),
        ("texture strength", strength, False),
    ):
        rows.append(
            row(
                f"synthetic: Spearman rho, {what} vs the edges the arousal reads (structure; all edges in "
                "baseline)",
                _rho(key, [r["structure_density"] for r in drawn]),
                "rho",
                command,
                "before (Canny edge density)",
                _rho(key, [r["edge_density"] for r in drawn]),
                higher_is_better=better,
                notes=f"{len(drawn)} scenes, busyness (0-60 shapes) and texture (0-1) drawn independently",
            ),
        )
    for what, key, better in (
        ("the composition's busyness", busy, True),
        ("texture strength", strength, False),
    ):
        others = {a: _rho(key, [r[a]["arousal"] for r in drawn]) for a in ARMS[1:3]}
        rows.append(
            row(
                f"synthetic: Spearman rho, {what} vs arousal (now; before in baseline)",
                _rho(key, [r["now"]["arousal"] for r in drawn]),
                "rho",
                command,
                "before",
                _rho(key, [r["before"]["arousal"] for r in drawn]),
                higher_is_better=better,
                notes=f"{len(drawn)} scenes; lit saturation alone {others['lit saturation']:+.2f}, structure "
                f"alone {others['structure']:+.2f}; the scenes' colours (drawn) move the arousal most",
            ),
        )
    by_scene: dict[int, dict[float, dict]] = {}
    for r in tex:
        by_scene.setdefault(r["scene"], {})[r["texture"]] = r
    for kind in ("grain", "fur"):
        pairs = [(s[0.0], s[1.0]) for s in by_scene.values() if s[0.0]["kind"] == kind]
        change = {a: float(np.mean([b[a]["arousal"] - o[a]["arousal"] for o, b in pairs])) for a in ARMS}
        rows.append(
            row(
                f"synthetic: mean arousal change, a scene under full {kind} texture against it without (now)",
                change["now"],
                "arousal",
                command,
                "before",
                change["before"],
                higher_is_better=False,
                notes=f"{len(pairs)} scenes; structure alone {change['structure']:+.2f}, lit saturation "
                f"alone {change['lit saturation']:+.2f}; edge density "
                f"{_mean(pairs, 0, 'edge_density'):.3f} -> {_mean(pairs, 1, 'edge_density'):.3f}, structure "
                f"{_mean(pairs, 0, 'structure_density'):.3f} -> {_mean(pairs, 1, 'structure_density'):.3f}",
            ),
        )
    rows.append(
        row(
            "synthetic: Spearman rho, a ground's CIELAB chroma vs the saturation the arousal reads (now)",
            _rho([r["chroma"] for r in dark], [r["lit_saturation"] for r in dark]),
            "rho",
            command,
            "before (HSV S)",
            _rho([r["chroma"] for r in dark], [r["saturation"] for r in dark]),
            notes=f"{len(dark)} pictures: {len(dark) // 2} grounds at value 0.1-0.9, each at S 0.1 and 0.9, "
            "a bright subject",
        ),
    )
    grounds: dict[int, dict[float, dict]] = {}
    for r in dark:
        grounds.setdefault(r["ground"], {})[r["sat"]] = r
    for label, lo, hi, better in (
        ("dark (value < 0.3)", 0.0, 0.3, False),
        ("light (value > 0.6)", 0.6, 1.0, True),
    ):
        g = [x for x in grounds.values() if lo <= x[0.1]["value"] < hi]
        if not g:
            continue
        diff = {a: float(np.mean([x[0.9][a]["arousal"] - x[0.1][a]["arousal"] for x in g])) for a in ARMS}
        chroma = float(np.mean([x[0.9]["chroma"] - x[0.1]["chroma"] for x in g]))
        rows.append(
            row(
                f"synthetic: arousal difference, a {label} ground at S 0.9 against S 0.1 (now)",
                diff["now"],
                "arousal",
                command,
                "before",
                diff["before"],
                higher_is_better=better,
                notes=f"{len(g)} grounds; their CIELAB chroma differs by {chroma:.1f} (of about 100)",
            ),
        )
    lengths = [r["length"] for r in blur]
    rows.append(
        row(
            "synthetic: Spearman rho, motion blur length vs arousal (now)",
            _rho(lengths, [r["now"]["arousal"] for r in blur]),
            "rho",
            command,
            "before",
            _rho(lengths, [r["before"]["arousal"] for r in blur]),
            notes=f"{len(blur)} pictures of {len(blur) // 6} bench_picture_blur scenes, 0-64 px",
        ),
    )
    return rows


def read_timing(photos: list[dict], repeats: int = 5) -> dict:
    """Milliseconds a photograph to measure every feature, and the new features' share of it."""
    import cv2

    from partita.picture import frame_features
    from partita.picture.image import WORK_SIDE, downscale, structure_edges

    images = [downscale(cv2.imread(p["path"]), WORK_SIDE) for p in photos]
    t0 = time.perf_counter()
    for _ in range(repeats):
        for img in images:
            frame_features(img)
    whole = (time.perf_counter() - t0) / (repeats * len(images))
    greys = [cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) for img in images]
    hsvs = [cv2.cvtColor(img, cv2.COLOR_BGR2HSV) for img in images]
    t0 = time.perf_counter()
    for _ in range(repeats):
        for grey, hsv in zip(greys, hsvs, strict=True):
            structure_edges(grey)
            (hsv[..., 1] * np.minimum(1.0, hsv[..., 2] / 127.5)).mean()
    extra = (time.perf_counter() - t0) / (repeats * len(images))
    return {"now": 1000 * whole, "before": 1000 * (whole - extra)}


def photograph_set() -> list[dict]:
    from partita.generation.picture_mapping import mode_for, mood_for, tempo_for
    from partita.picture import read_image_features
    from partita.picture.footage import sample_photographs

    out = []
    for path in sample_photographs():
        f = read_image_features(path)
        rec = {
            "name": path.name,
            "path": str(path),
            "saturation": f.saturation,
            "lit_saturation": f.lit_saturation,
            "edge_density": f.edge_density,
            "structure_density": f.structure_density,
            "texture_share": f.texture_share,
            **readings(f),
        }
        for arm in ARMS:
            v, a = rec[arm]["valence"], rec[arm]["arousal"]
            rec[arm].update(tempo=tempo_for(a), mode=mode_for(v), mood=mood_for(v, a)[0])
        out.append(rec)
        log.info(
            "%s: arousal %+.2f -> %+.2f (%g -> %g bpm, %s -> %s)",
            path.name,
            rec["before"]["arousal"],
            rec["now"]["arousal"],
            rec["before"]["tempo"],
            rec["now"]["tempo"],
            rec["before"]["mood"],
            rec["now"]["mood"],
        )
    return out


def photograph_rows(photos: list[dict], command: str) -> list[dict]:
    rows = []
    for p in photos:
        b, n = p["before"], p["now"]
        rows.append(
            row(
                f"photograph {p['name']}: arousal read (now; before in baseline)",
                n["arousal"],
                "arousal",
                command,
                "before",
                b["arousal"],
                notes=f"tempo {b['tempo']:g} -> {n['tempo']:g} bpm, mood {b['mood']} -> {n['mood']}; lit "
                f"saturation alone {p['lit saturation']['arousal']:+.2f}, structure alone "
                f"{p['structure']['arousal']:+.2f}; saturation {p['saturation']:.2f} lit "
                f"{p['lit_saturation']:.2f}, edges {p['edge_density']:.3f} structure "
                f"{p['structure_density']:.3f} ({p['texture_share']:.0%} texture). Not a test: the features "
                "were looked at on these photographs",
            ),
        )
    return rows


def texture_arms(features, name: str, bars: int) -> dict:
    """The photograph's request before (the new features left out) and now."""
    from partita.generation.picture import image_request

    old = dataclasses.replace(features, lit_saturation=None, structure_density=None)
    return {
        "before": image_request(old, "", name, bars=bars),
        "now": image_request(features, "", name, bars=bars),
    }


def music_rows(photos: list[dict], command: str) -> list[dict]:
    rows = []
    for p in photos:
        if "music_now" not in p:
            continue
        now, before = p["music_now"], p["music_before"]
        rows.append(
            row(
                f"music for {p['name']}: notes a second (now; before in baseline)",
                now["notes_per_second"] or 0,
                "notes/s",
                command,
                "before",
                before["notes_per_second"] or 0,
                notes=f"tempo heard {now['tempo'] or 0:.0f} (before {before['tempo'] or 0:.0f}; asked "
                f"{p['now']['tempo']:g}, before {p['before']['tempo']:g}); notes a quarter "
                f"{now['notes_per_quarter'] or 0:.2f} (before {before['notes_per_quarter'] or 0:.2f}); key "
                f"{now['key']} (before {before['key']})",
            ),
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=40, help="synthetic scenes a set")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument(
        "--candidates", type=int, default=1, help="candidates a piece (the Selector's first kept)"
    )
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="write each piece's MIDI and piano roll here")
    ap.add_argument("--only", default="", help="music for these photographs only (names, comma-separated)")
    ap.add_argument("--name", default=None, help="the result file's name (default picture-texture)")
    ap.add_argument("--no-music", action="store_true", help="the readings only (seconds, no model)")
    ap.add_argument("--quick", action="store_true", help="8 scenes a set, no music")
    args, music, name, command = parse_run(ap, "bench_picture_texture.py", "picture-texture")
    n = 8 if args.quick else args.scenes
    tex, dark, blur = texture_set(n, args.seed), dark_set(n, args.seed), blur_set(max(4, n // 4), args.seed)
    photos = photograph_set()
    timing = read_timing(photos)
    rows = [*synthetic_rows(tex, dark, blur, command), *photograph_rows(photos, command)]
    if music:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
        music_for(photos, args, args.keep, arms_of=texture_arms)
        rows += music_rows(photos, command)
    rows.append(
        row(
            "milliseconds to measure a photograph (every feature, 512 px; now)",
            timing["now"],
            "ms",
            command,
            "without the new features",
            timing["before"],
            higher_is_better=False,
            notes="frame_features on the 8 photographs, 5 times each; before: less the time of "
            "structure_edges and the lit saturation measured alone",
        ),
    )
    title = TITLE if name == "picture-texture" else f"{TITLE} (run {name})"
    extra = {"texture": tex, "dark": dark, "blur": blur, "photographs": photos, "model": args.model}
    print(write_result(name, title, rows, quick=args.quick, extra=extra))


if __name__ == "__main__":
    main()
