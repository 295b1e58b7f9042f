"""Music for pictures: reading videos made from photographs, with camera motion and dissolves.

Issue 26. ``bench_picture.py`` reads synthetic videos of flat backgrounds and one moving square; natural
video differs in two ways this bench draws with a known answer (:mod:`partita.picture.footage`): the whole
frame moves (the camera pans across a photograph at a random speed and direction, and whip-pans fast at random
times) and a shot may change into the next **gradually** (a dissolve, a cross-fade of 0.5-1.5 s) as well as
by a hard cut.
The photographs are those installed packages ship (scikit-learn's, matplotlib's and Gradio's sample images).
Each video is read by ``read_video_features`` twice, in the same run: as it is, and with its dissolve step
switched off (``video._dissolves`` and ``video._through_black`` finding none: the reader before 2026-12-07's
evening). The reading as it is also says which changes of colour its pan check read as camera pans
(``VideoFeatures.pans``): with them put back as dissolves it is the reader without the pan check (the check
removes dissolves and nothing else), a third arm from the same reading. Measured:

- **shot changes**: the F (mir_eval.onset-style) of the shots' starts against the drawn transitions (cuts,
  and dissolves' middles), window 0.25 s; the hard cuts alone (within 2 frames); the dissolves' recall and
  their timing error; changes found where none was drawn, per minute;
- **motion**: the whip pans' F (motion peaks within 0.3 s of a burst's centre), and Spearman's rho across the
  shots of the drawn pan speed against the shot's measured motion;
- **false dissolves** on ``bench_picture.py``'s synthetic videos (flat backgrounds, colour changes) and on
  the videos Gradio ships (a rotating globe, a title card: no dissolve in them), before and after;
- the time to read a minute of video.

No music is generated: what the reading finds is what ``score-video`` plans its sections on (a new section at
each shot's start).

    python bench/bench_picture_footage.py [--videos 20] [--seed 0] [--quick] [--name picture-footage]
        [--longest 1.5] [--synthetic 10] [--keep DIR] [--black 0] [--slowest 0.02]

``--longest`` draws dissolves up to that many seconds (the reader finds them whole up to 1.5 s); ``--black
P`` draws that share of the dissolves as fades through black (out to black, in from it) instead. A dissolve
through black counts as a dissolve in the rows (found when a shot starts within 0.25 s of its middle).
``--slowest`` is the slowest pan drawn (frame widths a second; the fastest is 0.3): 0.15 draws fast pans
only, which carry the picture onto other colours more often (the pan check's case).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from picture_common import detection, spearman_with_chance  # noqa: E402

log = logging.getLogger("bench_picture_footage")
WINDOW = 0.25
CUT_WINDOW = 2 / 25 + 1e-6
PEAK_WINDOW = 0.3


def make_footage(
    rng: np.random.Generator,
    photos: list[str],
    longest: float = 1.5,
    black: float = 0.0,
    slowest: float = 0.02,
):
    """One random video from photographs (the ground truth is its spec); pans of ``slowest`` to 0.3 frame
    widths a second."""
    from partita.picture.footage import Footage, FootageShot

    duration = float(rng.uniform(12, 20))
    n = int(rng.integers(2, 5))
    starts = [0.0]
    for _ in range(n - 1):
        at = starts[-1] + float(rng.uniform(3.0, 5.0))
        if at < duration - 2.5:
            starts.append(round(at, 2))
    order = rng.permutation(len(photos))
    shots = []
    for k, start in enumerate(starts):
        dissolve = float(rng.uniform(0.5, longest)) if k and rng.random() < 0.5 else 0.0
        speed = float(np.exp(rng.uniform(np.log(slowest), np.log(0.3))))
        angle = float(rng.uniform(0, 2 * math.pi))
        through = bool(dissolve and black and rng.random() < black)
        shots.append(FootageShot(start, photos[order[k % len(photos)]], speed, angle, dissolve, through))
    bursts: list[tuple[float, float]] = []
    for _ in range(int(rng.integers(0, 3))):
        at = float(rng.uniform(1.0, duration - 1.5))
        clear = all(abs(at + 0.25 - s) > 1.5 for s in starts[1:]) and all(
            abs(at - b) > 1.5 for b, _ in bursts
        )
        if clear:
            bursts.append((round(at, 2), 0.5))
    return Footage(round(duration, 2), shots, bursts=sorted(bursts))


def _false_per_minute(found: list[float], drawn: list[float], seconds: float) -> float:
    extra = [f for f in found if all(abs(f - d) > WINDOW for d in drawn)]
    return len(extra) / seconds * 60.0


def measure(spec, feats) -> dict:
    found = feats.cuts
    drawn = spec.transitions
    dissolves_found = [
        min((abs(f - d) for f in found), default=math.inf) for d in spec.dissolves
    ]  # the nearest shot start to each drawn dissolve
    hard = [s.start for s in feats.shots[1:] if s.transition == "cut"]
    bursts = [a + d / 2 for a, d in spec.bursts]
    return {
        "transitions_f": detection(found, drawn, WINDOW),
        "cuts_f": detection(hard, spec.cuts, CUT_WINDOW),
        "dissolves": len(spec.dissolves),
        "dissolves_found": sum(e <= WINDOW for e in dissolves_found),
        "dissolve_errors": [round(e, 3) for e in dissolves_found if e <= WINDOW],
        "false_per_minute": _false_per_minute(found, drawn, spec.duration),
        "false": len([f for f in found if all(abs(f - d) > WINDOW for d in drawn)]),
        "peaks_f": detection(feats.motion_peaks, bursts, PEAK_WINDOW),
        "found": found,
        "drawn": drawn,
    }


def shot_motion(spec, feats) -> list[tuple[float, float]]:
    """(drawn pan speed, measured motion) for each drawn shot that was found as one shot (its start within
    the window, or the video's start)."""
    out = []
    starts = [round(s.start * spec.fps) / spec.fps for s in spec.shots]
    for k, shot in enumerate(spec.shots):
        for s in feats.shots:
            if abs(s.start - starts[k]) <= WINDOW:
                out.append((shot.speed, s.motion))
    return out


def without_pan_check(feats):
    """What the reader without its pan check (2026-12-07) found: the changes of colour the check read as
    camera pans are dissolves again (the check only removes dissolves; everything else is the same)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        cuts=sorted([*feats.cuts, *feats.pans]), shots=feats.shots, motion_peaks=feats.motion_peaks
    )


def read_both(path: Path):
    """The features as read now, and with the dissolve and fade steps switched off (the reader before), and
    the time the first read took."""
    from partita.picture import video

    t0 = time.perf_counter()
    after = video.read_video_features(path)
    t1 = time.perf_counter()
    original = video._dissolves, video._through_black
    video._dissolves = lambda *a, **k: []
    video._through_black = lambda times, levels, cuts, dissolves: ([], cuts, dissolves)
    try:
        before = video.read_video_features(path)
    finally:
        video._dissolves, video._through_black = original
    return before, after, t1 - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="4 videos")
    ap.add_argument("--name", default="picture-footage")
    ap.add_argument("--keep", default=None, help="write the videos here")
    ap.add_argument("--longest", type=float, default=1.5, help="the longest dissolve drawn (seconds)")
    ap.add_argument("--synthetic", type=int, default=10, help="bench_picture's synthetic videos read")
    ap.add_argument("--black", type=float, default=0.0, help="the share of dissolves drawn through black")
    ap.add_argument(
        "--slowest", type=float, default=0.02, help="the slowest pan drawn (frame widths a second)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import cv2

    from bench_picture import make_spec
    from partita.picture.footage import sample_photographs, write_footage
    from partita.picture.synthetic import write_synthetic_video

    cv2.setNumThreads(1)
    photos = [str(p) for p in sample_photographs()]
    if len(photos) < 2:
        raise SystemExit("fewer than 2 sample photographs installed (scikit-learn, matplotlib, gradio)")
    n = 4 if args.quick else args.videos
    rng = np.random.default_rng(args.seed)
    specs = [make_footage(rng, photos, args.longest, args.black, args.slowest) for _ in range(n)]
    records, pairs_before, pairs_after, seconds, read_time = [], [], [], 0.0, 0.0
    with tempfile.TemporaryDirectory(prefix="bench-footage-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for i, spec in enumerate(specs):
            path = write_footage(spec, folder / f"footage-{i}.mp4")
            before, after, took = read_both(path)
            seconds += spec.duration
            read_time += took
            rec = {"video": i, "duration": spec.duration, "before": measure(spec, before)}
            rec["after"] = measure(spec, after)
            rec["nopan"] = measure(spec, without_pan_check(after))
            rec["pans"] = after.pans
            pairs_before += shot_motion(spec, before)
            pairs_after += shot_motion(spec, after)
            records.append(rec)
            log.info("video %d: drawn %s, found %s", i, rec["after"]["drawn"], rec["after"]["found"])
        synthetic = []
        srng = np.random.default_rng(args.seed)
        for i in range(min(2, args.synthetic) if args.quick else args.synthetic):
            spec = make_spec(srng, i)
            before, after, _ = read_both(write_synthetic_video(spec, Path(tmp) / f"synthetic-{i}.mp4"))
            synthetic.append({"video": i, "cuts": spec.cuts, "before": before.cuts, "after": after.cuts})
    shipped = []
    for p in sample_videos():
        before, after, _ = read_both(p)
        shipped.append(
            {"video": p.name, "seconds": after.duration, "before": before.cuts, "after": after.cuts}
        )
    command = " ".join(["python bench/bench_picture_footage.py", *sys.argv[1:]])
    rows = summary_rows(
        records, synthetic, shipped, pairs_before, pairs_after, seconds, read_time, command, args
    )
    extra = {"videos": records, "synthetic": synthetic, "shipped": shipped, "photographs": photos}
    title = "Music for pictures: reading videos of photographs with camera motion, cuts and dissolves"
    print(
        write_result(
            args.name,
            title if args.name == "picture-footage" else f"{title} (run {args.name})",
            rows,
            quick=args.quick,
            extra=extra,
        )
    )


def sample_videos() -> list[Path]:
    """The videos Gradio ships (none drawn: for false shot changes only)."""
    import importlib.util

    spec = importlib.util.find_spec("gradio")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "media_assets" / "videos"
    return [folder / n for n in ("world.mp4", "a.mp4", "b.mp4") if (folder / n).is_file()]


def summary_rows(records, synthetic, shipped, pairs_before, pairs_after, seconds, read_time, command, args):
    def mean(arm: str, key: str) -> float:
        return float(np.mean([r[arm][key] for r in records]))

    def total(arm: str, key: str) -> int:
        return int(sum(r[arm][key] for r in records))

    note = (
        f"{len(records)} videos of photographs (12-20 s, 320 x 180 at 25 fps, 1-3 changes of shot, half "
        f"of them dissolves of 0.5-{args.longest:g} s; the camera panning at 0.02-0.3 frame widths a second; "
        f"0-2 whip pans); seed {args.seed}"
    )
    base = "the reader without its dissolve step (same run)"
    drawn_d = total("after", "dissolves")
    errors = [e for r in records for e in r["after"]["dissolve_errors"]]
    err = float(np.mean(errors)) if errors else 0.0
    rows = [
        row(
            "footage: shot changes F (cuts and dissolves' middles, window 0.25 s)",
            mean("after", "transitions_f"),
            "F",
            command,
            base,
            mean("before", "transitions_f"),
            notes=note,
        ),
        row(
            "footage: dissolves found (within 0.25 s of the middle)",
            total("after", "dissolves_found") / max(drawn_d, 1),
            "share",
            command,
            base,
            total("before", "dissolves_found") / max(drawn_d, 1),
            notes=f"{drawn_d} dissolves drawn; timing error of those found: mean {err:.3f} s",
        ),
        row(
            "footage: hard cuts F (within 2 frames)",
            mean("after", "cuts_f"),
            "F",
            command,
            base,
            mean("before", "cuts_f"),
        ),
        row(
            "footage: shot changes found where none was drawn, per minute",
            total("after", "false") / seconds * 60,
            "per minute",
            command,
            base,
            total("before", "false") / seconds * 60,
            higher_is_better=False,
        ),
        row(
            "footage: whip pans found as motion peaks (F, within 0.3 s)",
            mean("after", "peaks_f"),
            "F",
            command,
            base,
            mean("before", "peaks_f"),
        ),
    ]
    nopan = "the reader without its pan check (same reading)"
    pans = [t for r in records for t in r["pans"]]
    minute = 60.0 / seconds
    checked = (
        ("shot changes F, with the pan check (without it in baseline)", "transitions_f", "F", None, True,
         f"{len(pans)} changes of colour read as camera pans"),
        ("dissolves found, with the pan check", "dissolves_found", "share", 1 / max(drawn_d, 1), True,
         f"{drawn_d} dissolves drawn"),
        ("shot changes where none was drawn, per minute, with the pan check", "false", "per minute", minute,
         False, f"{total('after', 'false')} against {total('nopan', 'false')} in {seconds / 60:.1f} min"),
    )  # fmt: skip
    for metric, key, unit, per, higher, text in checked:
        now, without = (mean(a, key) if per is None else total(a, key) * per for a in ("after", "nopan"))
        rows.append(row(f"footage: {metric}", now, unit, command, nopan, without, higher, notes=text))
    rho, chance = spearman_with_chance([a for a, _ in pairs_after], [b for _, b in pairs_after], args.seed)
    rho_b, _ = spearman_with_chance([a for a, _ in pairs_before], [b for _, b in pairs_before], args.seed)
    rows.append(
        row(
            "footage: Spearman rho, drawn pan speed vs a shot's measured motion",
            rho,
            "rho",
            command,
            base,
            rho_b,
            notes=f"{len(pairs_after)} shots ({len(pairs_before)} before); chance (95th pct |rho|) "
            f"{chance:.2f}",
        )
    )
    syn_false = sum(len(s["after"]) - len(s["before"]) for s in synthetic)
    rows.append(
        row(
            "footage: dissolves found in bench_picture's synthetic videos (none drawn)",
            syn_false,
            "count",
            command,
            "before",
            0,
            higher_is_better=False,
            notes=f"{len(synthetic)} videos, cuts drawn {sum(len(s['cuts']) for s in synthetic)}",
        )
    )
    shipped_after = sum(len(s["after"]) for s in shipped)
    rows.append(
        row(
            "footage: shot changes found in Gradio's sample videos",
            shipped_after,
            "count",
            command,
            "before",
            sum(len(s["before"]) for s in shipped),
            higher_is_better=False,
            notes="; ".join(f"{s['video']} ({s['seconds']:.0f} s): {s['after']}" for s in shipped),
        )
    )
    rows.append(
        row(
            "footage: seconds to read a minute of video (320 x 180)",
            read_time / seconds * 60,
            "s",
            command,
            higher_is_better=False,
        )
    )
    return rows


if __name__ == "__main__":
    main()
