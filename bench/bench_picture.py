"""Music for pictures: beats on cuts and motion, and whether the music follows the video's motion and light.

Issue 26. A set of synthetic videos (:mod:`partita.picture.synthetic`: flat backgrounds of a random colour and
lightness, a textured square moving at a random speed, 1-3 cuts and 1-2 bursts of fast motion at random times;
320 x 180 at 25 fps, 12-20 s) is scored with ``partita.pipelines.picture.score_video`` (partita-small, 2
candidates a section, files written: MIDI, WAV, MP4, piano roll). Measured:

- **alignment**: mir_eval.onset.f_measure (window 0.1 s, and 0.2 s; its recall and precision beside it)
  between the video's events as drawn (the cut times and the burst centres: the ground truth, so detection
  errors count) and the music's accents
  (onsets on a downbeat, and the loudest 10% of onsets by velocity:
  ``partita.generation.picture.musical_accents``); the baseline is **the same notes unaligned**: the whole
  piece at the video's one tempo, no section stretched to its shot, no accents
  (``timed(..., aligned=False)``);
  a middle row keeps the tempo map (cuts on bar lines) without the accents; a last row is the **ceiling** the
  definition sets: the F if every event also had an accent and the music's other downbeats and loud onsets
  stayed (every bar's downbeat is an accent, so precision stays low in any music with bars);
- **following**: Spearman's rho across the videos between the music's tempo (quarters per minute over the
  whole piece), note density (notes a second) and mode (major 1, minor 0, by partita's key analysis) and the
  video's mean motion and brightness (as read); the baseline is chance: the 95th percentile of |rho| over 2000
  random pairings of the same values;
- **the mode, section by section**: each section's notes alone read by partita's key analysis
  (``partita.generation.picture.section_key``): the share of sections heard in the mode asked for (against
  the agreement expected by chance from the same run's shares of major asked and heard), and the music's
  share of major (sections heard major, weighted by bars) against the video's brightness (Spearman, as above);
  the whole piece's key is also read by music21 (a judge the generator does not use);
- **loudness** (``partita.evaluation.picture_dynamics``): Spearman's rho, in 0.5 s steps within each video, of
  the music's loudness (velocity-weighted notes a second) and mean onset velocity with the video's motion,
  against the same music with another video's motion and with its own shifted by half; across the videos,
  the mean velocity against the mean motion; the **accent agreement**, the share of the events whose note is
  strictly the loudest onset within 1 s, against the same music at another video's events and at random
  times. Each for the music, for the same sampled notes shaped as before 2026-12-06's evening
  (``shape_dynamics(margin=0)``) or with the loudness following 0.5 s of motion, and for the notes as
  sampled; and the alignment F under the accents' loudest-10% rule with ties (before) and without;
- **realism proxies** of the music (``partita.evaluation.realism.realism_features``: pitch-class entropy,
  repeated notes and steps among melodic intervals) and the learned Selector's quality score (its
  probability that a piece is real music), to see what the mode pull costs;
- **time** per minute of video on this machine (reading, generating, rendering and muxing), against the
  video's own length (60 s a minute: under it is faster than real time).

    python bench/bench_picture.py [--videos 10] [--model partita-small|debug|PATH] [--threads 2] [--quick]
        [--candidates 2] [--mode-pull 0.5] [--no-select] [--name picture]
    python bench/bench_picture.py --time-candidates 1,2,4 --videos 4 --threads 1 --name picture-candidates

``--time-candidates`` instead scores each video once per number of candidates a section, the settings
interleaved video by video (so a busy machine slows them alike), and reports the generation time per minute
of video and the alignment F for each, against one candidate in the same run.

``--mode-pull 0 --no-select`` is the pipeline as it was before 2026-12-05's afternoon (no tonic pull, each
section's candidate chosen by the Selector alone).

    python bench/bench_picture.py --compare-pull 3 --threads 1 --name picture-event-pull

``--compare-pull W`` instead scores each video three times with the same seed, interleaved: the event pull off
with the post-edit (a note moved onto each event that has none: ``onsets_on_events``; the pipeline before
2026-12-06), the pull of weight W with the post-edit, and the pull alone (``move_onsets=False``); it reports
the alignment F of each, the share of the notes the post-edit moves (or would move), the share of the events
the sampled notes already start on, notes a bar and the realism proxies, against the post-edit alone. Neither
(the first run's notes without the edit) is reported beside them.
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
from picture_common import (  # noqa: E402  (spearman_with_chance: bench_video_library imports it from here)
    WINDOWS,
    ceiling,
    detection,
    realism_measures,
    spearman_with_chance,
    truth,
)
from picture_loudness import (  # noqa: E402
    FOLLOW_WINDOW,
    accent_change_rows,
    accent_rows,
    accent_rule_measures,
    dynamics_measures,
    following_rows,
)
from picture_pull import candidate_rows, compare_pull, pull_rows, time_candidates  # noqa: E402

log = logging.getLogger("bench_picture")
SLOW = True  # generates a piece per video with partita-small: run only when named
COMMAND = "python bench/bench_picture.py --threads 2"


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


def section_measures(result) -> dict:
    """Each section's asked mode and the key its notes alone are heard in; the shares of major (by bars)."""
    from partita.generation.picture import asked_mode, section_key

    plan = result.plan
    bars = [s.bars for s in plan.plan.sections]
    asked = [asked_mode(plan, k) for k in range(len(bars))]
    heard = [section_key(result.score, plan, k) for k in range(len(bars))]
    read = [(b, a, h.split()[-1]) for b, a, h in zip(bars, asked, heard, strict=True) if h is not None]
    total = sum(b for b, _, _ in read) or 1
    return {
        "section_bars": bars,
        "section_asked": asked,
        "section_heard": heard,
        "asked_major_share": sum(b for b, a in zip(bars, asked, strict=True) if a == "major") / sum(bars),
        "heard_major_share": sum(b for b, _, h in read if h == "major") / total if read else None,
        "section_agree": [float(a == h) for _, a, h in read],
    }


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
    from bench_realism import music21_key

    key21 = music21_key(score)
    return {
        "tempo": 60.0 * quarters / seconds(end),
        "density": len([n for n in notes if seconds(n.time) < duration]) / duration,
        "major": None if key is None else float(key.name.endswith("major")),
        "key": None if key is None else key.name,
        "key_music21": key21,
        "major_music21": None if key21 is None else float(key21.endswith("major")),
    }


def run_video(spec, index: int, generator, seed: int, folder: Path, args, selector=None) -> dict:
    from partita.generation.picture import alignment, musical_accents, shape_dynamics, timed
    from partita.picture.synthetic import write_synthetic_video
    from partita.pipelines.picture import score_video

    path = write_synthetic_video(spec, folder / f"video{index:02d}.mp4")
    t0 = time.perf_counter()
    result = score_video(
        path, folder / f"out{index:02d}", model=generator, n=args.candidates, seed=seed + index,
        mode_pull=args.mode_pull, select=not args.no_select, event_pull=args.event_pull,
        move_onsets=not args.no_move_onsets,
    )  # fmt: skip
    if args.keep:
        import shutil

        shutil.copytree(folder / f"out{index:02d}", Path(args.keep) / f"out{index:02d}", dirs_exist_ok=True)
    seconds = time.perf_counter() - t0
    events, video = truth(spec), result.video
    plain = timed(result.unaligned, result.plan)  # the tempo map, no accents
    before = shape_dynamics(timed(result.unaligned, result.plan), video, result.plan.events,
                            result.plan.move_onsets, margin=0)  # fmt: skip
    follow = shape_dynamics(timed(result.unaligned, result.plan), video, result.plan.events,
                            result.plan.move_onsets, window=FOLLOW_WINDOW)  # fmt: skip
    shaped = {"aligned": result.score, "before": before, "follow": follow}
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
        **section_measures(result),
        **realism_measures(result.score, selector, result.plan.request),
        **dynamics_measures(result.video, {**shaped, "sampled": plain}),
        **accent_rule_measures(events, shaped, video.duration),
    }
    for w in WINDOWS:
        for name, score in (("aligned", result.score), ("bar_lines", plain), ("unaligned", result.unaligned)):
            measured = alignment(events, musical_accents(score, video.duration), w)
            for key in ("f_measure", "precision", "recall"):
                rec[f"{name}_{key[0]}@{w}"] = measured[key]
        rec[f"ceiling_f@{w}"] = ceiling(events, rec["accents"], w)
    log.info(
        "video %d (%.1f s): F aligned %.2f, unaligned %.2f; %s; sections asked %s heard %s; %.1f s",
        index, video.duration, rec["aligned_f@0.1"], rec["unaligned_f@0.1"], rec["key"],
        rec["section_asked"], rec["section_heard"], seconds,
    )  # fmt: skip
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=10)
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="3 videos")
    ap.add_argument("--name", default=None)
    ap.add_argument("--candidates", type=int, default=2, help="candidates a section")
    ap.add_argument("--mode-pull", type=float, default=None, help="the tonic pull (default: MODE_PULL)")
    ap.add_argument("--no-select", action="store_true", help="the Selector alone picks each section")
    ap.add_argument("--keep", default=None, help="copy each video's outputs (MIDI, piano roll) here")
    ap.add_argument("--time-candidates", default=None, help="e.g. 1,2,4: time and F per candidates a section")
    ap.add_argument("--event-pull", type=float, default=None, help="the event pull (default: EVENT_PULL)")
    ap.add_argument("--no-move-onsets", action="store_true", help="no note moved onto an event afterwards")
    ap.add_argument("--compare-pull", type=float, default=None, help="W: post-edit, pull W + post-edit, pull")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.selector import choose_selector
    from partita.generation.picture import EVENT_PULL, MODE_PULL
    from partita.pipelines import load_generator

    if args.mode_pull is None:
        args.mode_pull = MODE_PULL
    if args.event_pull is None:
        args.event_pull = EVENT_PULL
    if args.threads:
        torch.set_num_threads(args.threads)
    n = 3 if args.quick else args.videos
    name = args.name or ("picture" if args.model != "debug" else "picture-debug")
    generator = load_generator(args.model)
    selector = choose_selector("auto", generator.selector_dir)
    rng = np.random.default_rng(args.seed)
    specs = [make_spec(rng, i) for i in range(n)]
    if args.compare_pull is not None:
        records = compare_pull(specs, generator, args.compare_pull, args, selector)
        command = " ".join(["python bench/bench_picture.py", *sys.argv[1:]])
        title = "Music for pictures: the event pull while sampling against moving notes afterwards"
        extra = {"records": records, "model": args.model, "weight": args.compare_pull}
        print(write_result(name, title, pull_rows(records, command), quick=args.quick, extra=extra))
        return
    if args.time_candidates:
        counts = [int(c) for c in args.time_candidates.split(",")]
        records = time_candidates(specs, generator, counts, args)
        command = " ".join(["python bench/bench_picture.py", *sys.argv[1:]])
        title = "Music for pictures: time and alignment with 1 or several candidates a section"
        rows = candidate_rows(records, counts, command)
        extra = {"records": records, "model": args.model, "mode_pull": args.mode_pull}
        print(write_result(name, title, rows, quick=args.quick, extra=extra))
        return
    with tempfile.TemporaryDirectory(prefix="bench-picture-") as tmp:
        videos = [
            run_video(s, i, generator, args.seed * 1000, Path(tmp), args, selector)
            for i, s in enumerate(specs)
        ]
    command = " ".join(["python bench/bench_picture.py", *sys.argv[1:]])
    rows = summary_rows(videos, args.seed, command, args)
    title = "Music for pictures: beats on cuts and motion, music that follows motion and light"
    path = write_result(
        name,
        title if name in ("picture", "picture-debug") else f"{title} (run {name})",
        rows,
        quick=args.quick,
        extra={
            "videos": videos,
            "model": args.model,
            "windows": list(WINDOWS),
            "candidates": args.candidates,
            "mode_pull": args.mode_pull,
            "select": not args.no_select,
        },  # fmt: skip
    )
    print(path)


def summary_rows(videos: list[dict], seed: int, command: str = COMMAND, args=None) -> list[dict]:
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
                command,
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
                command,
                "the same notes unaligned",
                mean(f"unaligned_f@{w}"),
                notes="the accents' share is the difference to the row above",
            )
        )
        for key, what in (("r", "recall (events with an accent)"), ("p", "precision (accents on an event)")):
            rows.append(
                row(
                    f"picture: alignment {what} (window {w:g} s)",
                    mean(f"aligned_{key}@{w}"),
                    key.upper(),
                    command,
                    "the same notes unaligned",
                    mean(f"unaligned_{key}@{w}"),
                    notes="every downbeat onset and the loudest 10% of onsets are accents: a 16 s piece has "
                    "about 6 downbeats and 10 loud onsets for 2-3 events",
                )
            )
        rows.append(
            row(
                f"picture: alignment F if every event also had an accent (window {w:g} s)",
                mean(f"ceiling_f@{w}"),
                "F",
                command,
                "the aligned music's F",
                mean(f"aligned_f@{w}"),
                notes="the limit the accents on no event set (the music's other downbeats and loud notes "
                "kept): not a goal, the room left for recall",
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
                command,
                "chance (95th percentile of |rho| over random pairings)",
                chance,
                notes=f"{len(subset)} videos; tempo and mode are set by the mapping, density is the "
                "model's answer to the density fader",
            )
        )
    rows += following_rows(videos, command, seed)
    rows += accent_rows(videos, command, seed)
    rows += accent_change_rows(videos, command)
    rows += mode_rows(videos, seed, command)
    rows += realism_rows(videos, command)
    per_minute = sum(v["seconds"] for v in videos) / (sum(v["duration"] for v in videos) / 60.0)
    rows.append(
        row(
            "picture: seconds to score a minute of video (read, generate, render, mux)",
            per_minute,
            "s",
            command,
            "the video's own length (real time)",
            60.0,
            higher_is_better=False,
            notes=f"320 x 180 video, {getattr(args, 'candidates', 2)} candidates a section, mode pull "
            f"{getattr(args, 'mode_pull', None)}, on this machine",
        )
    )
    rows.append(
        row(
            "picture: cut detection F (within 2 frames of the drawn cut)",
            mean("cut_f"),
            "F",
            command,
            notes="histogram distance between frames; no baseline: the cuts as drawn are the truth",
        )
    )
    rows.append(
        row(
            "picture: motion peak F (within 0.3 s of a drawn burst's centre)",
            mean("peak_f"),
            "F",
            command,
            notes="Farneback optical flow, peaks at least twice the median motion",
        )
    )
    return rows  # fmt: skip


def mode_rows(videos: list[dict], seed: int, command: str) -> list[dict]:
    """Section by section: the mode heard against the mode asked; the share of major against brightness."""
    agree = [a for v in videos for a in v["section_agree"]]
    asked = [a for v in videos for a, h in zip(v["section_asked"], v["section_heard"], strict=True) if h]
    heard = [h.split()[-1] for v in videos for h in v["section_heard"] if h]
    p_asked = float(np.mean([a == "major" for a in asked])) if asked else 0.0
    p_heard = float(np.mean([h == "major" for h in heard])) if heard else 0.0
    chance = p_asked * p_heard + (1 - p_asked) * (1 - p_heard)
    rows = [
        row(
            "picture: sections heard in the mode asked for (partita's key analysis of each section alone)",
            float(np.mean(agree)) if agree else 0.0,
            "share",
            command,
            "chance (the same run's shares of major asked and heard, independent)",
            chance,
            notes=f"{len(agree)} sections of {len(videos)} videos; asked major {p_asked:.2f}, heard major "
            f"{p_heard:.2f}",
        )
    ]
    read = [v for v in videos if v["heard_major_share"] is not None]
    for what, key in (
        ("music's share of major (sections heard major, by bars)", "heard_major_share"),
        ("plan's share of major asked (the mapping alone)", "asked_major_share"),
    ):
        subset = read if key == "heard_major_share" else videos
        rho, chance = spearman_with_chance([v[key] for v in subset], [v["brightness"] for v in subset], seed)
        rows.append(row(
            f"picture: Spearman rho of the {what} with the video's brightness", rho, "rho", command,
            "chance (95th percentile of |rho| over random pairings)", chance,
            notes=f"{len(subset)} videos; the mode follows valence, in which warmth and saturation count "
            "beside brightness",
        ))  # fmt: skip
    judged = [v for v in videos if v.get("major_music21") is not None]
    if judged:
        rho, chance = spearman_with_chance(
            [v["major_music21"] for v in judged], [v["brightness"] for v in judged], seed
        )
        rows.append(row(
            "picture: Spearman rho of the music's mode (major, music21's key of the whole piece) with the "
            "video's brightness", rho, "rho", command,
            "chance (95th percentile of |rho| over random pairings)", chance,
            notes=f"{len(judged)} videos; music21's Krumhansl-Schmuckler analysis, a judge the generator "
            "does not use",
        ))  # fmt: skip
    return rows


def realism_rows(videos: list[dict], command: str) -> list[dict]:
    """The realism proxies' means (compare runs with and without the mode pull; no baseline in one run)."""
    rows = []
    for key, what in (
        ("pitch_class_entropy", "pitch-class entropy (bits)"),
        ("melody_repeat_share", "repeated notes among melodic intervals"),
        ("melody_step_share", "steps among melodic intervals"),
        ("quality", "the Selector's quality score (P(real music))"),
    ):
        values = [v[key] for v in videos if v.get(key) is not None]
        if values:
            rows.append(row(
                f"picture: {what} of the music", float(np.mean(values)), "mean", command,
                notes="a realism proxy: compare the run with --mode-pull 0 --no-select (docs/PICTURES.md)",
            ))  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
