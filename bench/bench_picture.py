"""Music for pictures: beats on cuts and motion, and whether the music follows the video's motion and light.

Issue 26. A set of synthetic videos (:mod:`partita.picture.synthetic`: flat backgrounds of a random colour and
lightness, a textured square moving at a random speed, 1-3 cuts and 1-2 bursts of fast motion at random times;
320 x 180 at 25 fps, 12-20 s) is scored with ``partita.pipelines.picture.score_video`` (partita-small, 2
candidates a section, files written: MIDI, WAV, MP4, piano roll). Measured:

- **alignment**: mir_eval.onset.f_measure (window 0.1 s, and 0.2 s) between the video's events as drawn (the
  cut times and the burst centres: the ground truth, so detection errors count) and the music's accents
  (onsets on a downbeat, and the loudest 10% of onsets by velocity:
  ``partita.generation.picture.musical_accents``); the baseline is **the same notes unaligned**: the whole
  piece at the video's one tempo, no section stretched to its shot, no accents
  (``timed(..., aligned=False)``);
  a middle row keeps the tempo map (cuts on bar lines) without the accents;
- **following**: Spearman's rho across the videos between the music's tempo (quarters per minute over the
  whole piece), note density (notes a second) and mode (major 1, minor 0, by partita's key analysis) and the
  video's mean motion and brightness (as read); the baseline is chance: the 95th percentile of |rho| over 2000
  random pairings of the same values;
- **time** per minute of video on this machine (reading, generating, rendering and muxing), against the
  video's own length (60 s a minute: under it is faster than real time).

    python bench/bench_picture.py [--videos 10] [--model partita-small|debug|PATH] [--threads 2] [--quick]
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

log = logging.getLogger("bench_picture")
SLOW = True  # generates a piece per video with partita-small: run only when named
COMMAND = "python bench/bench_picture.py --threads 2"
WINDOWS = (0.1, 0.2)


def make_spec(rng: np.random.Generator, index: int):
    """One random synthetic video (the ground truth is its spec)."""
    import cv2

    from partita.picture.synthetic import SyntheticShot, SyntheticVideo

    duration = float(rng.uniform(12, 20))
    lightness = float(rng.uniform(0.12, 0.9))
    speed = float(np.exp(rng.uniform(np.log(0.02), np.log(0.8))))
    n_cuts = int(rng.integers(1, 4))
    cuts = sorted(float(c) for c in rng.uniform(2.5, duration - 2.5, size=n_cuts))
    cuts = [c for k, c in enumerate(cuts) if k == 0 or c - cuts[k - 1] >= 2.5]
    hue = float(rng.uniform(0, 180))
    shots = []
    for k, start in enumerate([0.0, *cuts]):
        h = (hue + 60 * k + rng.uniform(-10, 10)) % 180  # each shot a hue a third of the circle on
        value = np.clip(lightness + rng.uniform(-0.08, 0.08), 0.05, 0.95)
        hsv = np.uint8([[[h, int(rng.uniform(120, 230)), int(255 * value)]]])
        bgr = tuple(int(x) for x in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])
        shots.append(SyntheticShot(round(start, 2), bgr, speed=speed * float(rng.uniform(0.8, 1.25))))
    bursts = []
    for _ in range(int(rng.integers(1, 3))):
        at = float(rng.uniform(1.0, duration - 1.5))
        if all(abs(at - c) > 0.8 for c in cuts) and all(abs(at - b) > 1.5 for b, _ in bursts):
            bursts.append((round(at, 2), 0.5))
    return SyntheticVideo(
        round(duration, 2), shots, bursts=bursts, burst_speed=max(2.5, 4 * speed), width=320, height=180,
        seed=index,
    )  # fmt: skip


def truth(spec) -> list[float]:
    """The events drawn: the cuts and the centres of the bursts."""
    return sorted([*spec.cuts, *(a + d / 2 for a, d in spec.bursts)])


def music_measures(score, duration: float) -> dict:
    """Tempo (quarters a minute over the piece), notes a second and mode (1 major, 0 minor) of the music."""
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays

    notes = [n for t in score.tracks if not t.is_drum for n in t.notes]
    end = max(n.time + n.duration for n in notes)
    from partita.generation.picture import tick_seconds

    seconds = tick_seconds(score)
    quarters = end / score.ticks_per_quarter
    arrays = note_arrays(score)
    key = estimate_key(arrays.select(~arrays.drum))
    return {
        "tempo": 60.0 * quarters / seconds(end),
        "density": len([n for n in notes if seconds(n.time) < duration]) / duration,
        "major": None if key is None else float(key.name.endswith("major")),
        "key": None if key is None else key.name,
    }


def detection(found: list[float], drawn: list[float], window: float) -> float:
    import mir_eval

    if not found and not drawn:
        return 1.0
    if not found or not drawn:
        return 0.0
    return float(mir_eval.onset.f_measure(np.sort(drawn), np.sort(found), window=window)[0])


def run_video(spec, index: int, generator, seed: int, folder: Path) -> dict:
    from partita.generation.picture import alignment, musical_accents, timed
    from partita.picture.synthetic import write_synthetic_video
    from partita.pipelines.picture import score_video

    path = write_synthetic_video(spec, folder / f"video{index:02d}.mp4")
    t0 = time.perf_counter()
    result = score_video(path, folder / f"out{index:02d}", model=generator, n=2, seed=seed + index)
    seconds = time.perf_counter() - t0
    events, video = truth(spec), result.video
    plain = timed(result.unaligned, result.plan)  # the tempo map, no accents
    rec = {
        "duration": video.duration,
        "cuts_drawn": spec.cuts,
        "cuts_found": video.cuts,
        "bursts_drawn": [a + d / 2 for a, d in spec.bursts],
        "peaks_found": video.motion_peaks,
        "cut_f": detection(video.cuts, spec.cuts, 2 / spec.fps + 1e-6),
        "peak_f": detection(video.motion_peaks, [a + d / 2 for a, d in spec.bursts], 0.3),
        "motion": video.mean_motion,
        "brightness": video.brightness,
        "tempi": result.plan.tempi,
        "base_tempo": result.plan.base_tempo,
        "seconds": seconds,
        "steps": result.seconds,
        "events": events,
        "accents": musical_accents(result.score, video.duration),
        "accents_unaligned": musical_accents(result.unaligned, video.duration),
        **music_measures(result.score, video.duration),
    }
    for w in WINDOWS:
        for name, score in (("aligned", result.score), ("bar_lines", plain), ("unaligned", result.unaligned)):
            rec[f"{name}_f@{w}"] = alignment(events, musical_accents(score, video.duration), w)["f_measure"]
    log.info(
        "video %d (%.1f s): F aligned %.2f, unaligned %.2f; %s, %.1f s",
        index, video.duration, rec["aligned_f@0.1"], rec["unaligned_f@0.1"], rec["key"], seconds,
    )  # fmt: skip
    return rec


def spearman_with_chance(x: list[float], y: list[float], seed: int) -> tuple[float, float]:
    """Spearman's rho of (x, y), and the 95th percentile of |rho| over random pairings (chance)."""
    from scipy.stats import spearmanr

    rho = float(spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    null = [abs(float(spearmanr(rng.permutation(x), y).statistic)) for _ in range(2000)]
    return (0.0 if np.isnan(rho) else rho), float(np.nanpercentile(null, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=10)
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="3 videos")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    n = 3 if args.quick else args.videos
    name = args.name or ("picture" if args.model != "debug" else "picture-debug")
    generator = load_generator(args.model)
    rng = np.random.default_rng(args.seed)
    specs = [make_spec(rng, i) for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="bench-picture-") as tmp:
        videos = [run_video(s, i, generator, args.seed * 1000, Path(tmp)) for i, s in enumerate(specs)]
    rows = summary_rows(videos, args.seed)
    path = write_result(
        name,
        "Music for pictures: beats on cuts and motion, music that follows motion and light",
        rows,
        quick=args.quick,
        extra={"videos": videos, "model": args.model, "windows": list(WINDOWS)},
    )
    print(path)


def summary_rows(videos: list[dict], seed: int) -> list[dict]:
    def mean(key: str) -> float:
        return float(np.mean([v[key] for v in videos]))

    note = (
        f"{len(videos)} synthetic videos (12-20 s, 1-3 cuts, 1-2 motion bursts); events as drawn; accents: "
        "downbeat onsets and the loudest 10% of onsets"
    )
    rows = []
    for w in WINDOWS:
        rows.append(
            row(
                f"picture: alignment F of accents to cuts and motion peaks (window {w:g} s)",
                mean(f"aligned_f@{w}"),
                "F",
                COMMAND,
                "the same notes unaligned",
                mean(f"unaligned_f@{w}"),
                goal="beat the unaligned music",
                notes=note,
            )
        )
        rows.append(
            row(
                f"picture: alignment F, tempo map only (cuts on bar lines, no accents; window {w:g} s)",
                mean(f"bar_lines_f@{w}"),
                "F",
                COMMAND,
                "the same notes unaligned",
                mean(f"unaligned_f@{w}"),
                notes="the accents' share is the difference to the row above",
            )
        )
    keyed = [v for v in videos if v["major"] is not None]
    for what, music, video in (
        ("tempo", "tempo", "motion"),
        ("note density", "density", "motion"),
        ("mode (major)", "major", "brightness"),
    ):
        subset = keyed if music == "major" else videos
        rho, chance = spearman_with_chance([v[music] for v in subset], [v[video] for v in subset], seed)
        rows.append(
            row(
                f"picture: Spearman rho of the music's {what} with the video's {video}",
                rho,
                "rho",
                COMMAND,
                "chance (95th percentile of |rho| over random pairings)",
                chance,
                notes=f"{len(subset)} videos; tempo and mode are set by the mapping, density is the "
                "model's answer to the density fader",
            )
        )
    per_minute = sum(v["seconds"] for v in videos) / (sum(v["duration"] for v in videos) / 60.0)
    rows.append(
        row(
            "picture: seconds to score a minute of video (read, generate, render, mux)",
            per_minute,
            "s",
            COMMAND,
            "the video's own length (real time)",
            60.0,
            higher_is_better=False,
            notes="320 x 180 video, partita-small, 2 candidates a section, on this machine",
        )
    )
    rows.append(
        row(
            "picture: cut detection F (within 2 frames of the drawn cut)",
            mean("cut_f"),
            "F",
            COMMAND,
            notes="histogram distance between frames; no baseline: the cuts as drawn are the truth",
        )
    )
    rows.append(
        row(
            "picture: motion peak F (within 0.3 s of a drawn burst's centre)",
            mean("peak_f"),
            "F",
            COMMAND,
            notes="Farneback optical flow, peaks at least twice the median motion",
        )
    )
    return rows  # fmt: skip


if __name__ == "__main__":
    main()
