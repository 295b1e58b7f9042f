"""bench_picture.py's other modes: ``--time-candidates`` (time and alignment per candidates a section) and
``--compare-pull`` (the event pull against the post-edit), with their rows (moved from bench_picture.py,
unchanged)."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402
from picture_common import WINDOWS, realism_measures, truth  # noqa: E402

log = logging.getLogger("bench_picture")


def time_candidates(specs, generator, counts: list[int], args) -> list[dict]:
    """Each video scored once per number of candidates (MIDI only), settings interleaved video by video."""
    from partita.generation.picture import alignment, musical_accents
    from partita.picture.synthetic import write_synthetic_video
    from partita.pipelines.picture import score_video

    records = []
    with tempfile.TemporaryDirectory(prefix="bench-picture-") as tmp:
        for i, spec in enumerate(specs):
            path = write_synthetic_video(spec, Path(tmp) / f"video{i:02d}.mp4")
            for n in counts:
                result = score_video(
                    path, None, model=generator, n=n, seed=args.seed * 1000 + i, wav=False,
                    mode_pull=args.mode_pull, select=not args.no_select,
                )  # fmt: skip
                accents = musical_accents(result.score, result.video.duration)
                records.append({
                    "video": i, "candidates": n, "duration": result.video.duration,
                    "generate": result.seconds["generate"],
                    **{f"f@{w}": alignment(truth(spec), accents, w)["f_measure"] for w in WINDOWS},
                })  # fmt: skip
                log.info("video %d, %d candidates: %.1f s, F %.2f", i, n, records[-1]["generate"],
                         records[-1]["f@0.1"])  # fmt: skip
    return records


def candidate_rows(records: list[dict], counts: list[int], command: str) -> list[dict]:
    def per(n: int, key: str) -> float:
        mine = [r for r in records if r["candidates"] == n]
        if key == "generate":
            return sum(r["generate"] for r in mine) / (sum(r["duration"] for r in mine) / 60.0)
        return float(np.mean([r[key] for r in mine]))

    videos = len({r["video"] for r in records})
    rows = []
    for n in counts[1:]:
        rows.append(row(
            f"picture: seconds to generate a minute of video, {n} candidates a section", per(n, "generate"),
            "s", command, "1 candidate a section, same run", per(counts[0], "generate"),
            higher_is_better=False, notes=f"{videos} videos, settings interleaved video by video",
        ))  # fmt: skip
        for w in WINDOWS:
            rows.append(row(
                f"picture: alignment F (window {w:g} s), {n} candidates a section", per(n, f"f@{w}"), "F",
                command, "1 candidate a section, same run", per(counts[0], f"f@{w}"),
                notes=f"{videos} videos; the PictureSelector keeps the best of the candidates",
            ))  # fmt: skip
    return rows


PULL_SETTINGS = (
    ("post-edit only", False, True),
    ("pull + post-edit", True, True),
    ("pull only", True, False),
)
"""(name, with the event pull, with the post-edit) of ``--compare-pull``: the first is the baseline."""


def edit_measures(result) -> dict:
    """What the post-edit does to a scored video's sampled notes (before any edit: the tempo map only): the
    share of pitched notes it moves onto an event, the share of the plan's events a sampled onset is already
    within ACCENT_WINDOW of, and notes a bar."""
    from partita.generation.picture import ACCENT_WINDOW, onsets_on_events, tick_seconds, timed

    plain = timed(result.unaligned, result.plan)
    edited = onsets_on_events(plain.copy(), result.plan.events)
    before = [n.time for t in plain.tracks if not t.is_drum for n in t.notes]
    after = [n.time for t in edited.tracks if not t.is_drum for n in t.notes]
    seconds = tick_seconds(plain)
    onsets = np.array(sorted({seconds(t) for t in before})) if before else np.array([np.inf])
    events = result.plan.events
    return {
        "moved_share": sum(a != b for a, b in zip(before, after, strict=True)) / max(1, len(before)),
        "on_event_share": float(np.mean([np.min(np.abs(onsets - e)) <= ACCENT_WINDOW for e in events]))
        if events
        else 1.0,
        "notes_per_bar": len(before) / max(1, sum(s.bars for s in result.plan.plan.sections)),
    }


def compare_pull(specs, generator, weight: float, args, selector=None) -> list[dict]:
    """Each video scored once per :data:`PULL_SETTINGS` (MIDI only, the same seed), interleaved video by
    video."""
    from partita.generation.picture import alignment, musical_accents, shape_dynamics, timed
    from partita.picture.synthetic import write_synthetic_video
    from partita.pipelines.picture import score_video

    records = []
    with tempfile.TemporaryDirectory(prefix="bench-picture-") as tmp:
        for i, spec in enumerate(specs):
            path = write_synthetic_video(spec, Path(tmp) / f"video{i:02d}.mp4")
            events = truth(spec)
            for name, pull, move in PULL_SETTINGS:
                result = score_video(
                    path, None, model=generator, n=args.candidates, seed=args.seed * 1000 + i, wav=False,
                    mode_pull=args.mode_pull, select=not args.no_select, event_pull=weight if pull else 0.0,
                    move_onsets=move,
                )  # fmt: skip
                rec = {"video": i, "setting": name, "duration": result.video.duration}
                rec["generate"] = result.seconds["generate"]
                rec.update(edit_measures(result))
                rec.update(realism_measures(result.score, selector, result.plan.request))
                music = {name: result.score}
                if name == "post-edit only":  # the same notes without the edit: neither
                    plain = timed(result.unaligned, result.plan)
                    music["neither"] = shape_dynamics(plain, result.video, result.plan.events, False)
                for label, score in music.items():
                    for w in WINDOWS:
                        measured = alignment(events, musical_accents(score, result.video.duration), w)
                        for key in ("f_measure", "precision", "recall"):
                            rec[f"{label}:{key[0]}@{w}"] = measured[key]
                records.append(rec)
                log.info("video %d, %s: F %.2f, moved %.3f, on events %.2f, %.1f notes a bar", i, name,
                         rec[f"{name}:f@0.1"], rec["moved_share"], rec["on_event_share"],
                         rec["notes_per_bar"])  # fmt: skip
    return records


def pull_rows(records: list[dict], command: str) -> list[dict]:
    """``--compare-pull``'s rows: each setting against the post-edit alone, from the same videos and seeds."""

    def per(setting: str, key: str) -> float:
        values = [r[key] for r in records if r["setting"] == setting and r.get(key) is not None]
        return float(np.mean(values)) if values else float("nan")

    base, videos = PULL_SETTINGS[0][0], len({r["video"] for r in records})
    same = f"{base}, same videos and seeds"
    note = f"{videos} synthetic videos; accents: downbeat onsets and the loudest 10% of onsets"
    rows = []
    for w in WINDOWS:
        for name in [s[0] for s in PULL_SETTINGS[1:]] + ["neither"]:
            source = base if name == "neither" else name
            rows.append(row(
                f"picture: alignment F (window {w:g} s), {name}", per(source, f"{name}:f@{w}"), "F", command,
                same, per(base, f"{base}:f@{w}"), notes=note,
            ))  # fmt: skip
        for name in [s[0] for s in PULL_SETTINGS[1:]]:
            for key, what in (("r", "recall"), ("p", "precision")):
                rows.append(row(
                    f"picture: alignment {what} (window {w:g} s), {name}", per(name, f"{name}:{key}@{w}"),
                    key.upper(), command, same, per(base, f"{base}:{key}@{w}"), notes=note,
                ))  # fmt: skip
    measures = (
        ("moved_share", "share of the notes the post-edit moves (or would move) onto an event", False),
        ("on_event_share", "share of the events a sampled onset starts on (within 80 ms)", True),
        ("notes_per_bar", "notes a bar", True),
        ("pitch_class_entropy", "pitch-class entropy (bits)", True),
        ("melody_repeat_share", "repeated notes among melodic intervals", False),
        ("melody_step_share", "steps among melodic intervals", True),
        ("quality", "the Selector's quality score (P(real music))", True),
        ("generate", "seconds to generate", False),
    )
    sampled = ("moved_share", "on_event_share", "notes_per_bar")
    for key, what, higher in measures:
        said = f"{videos} videos" + ("; the sampled notes before any edit" if key in sampled else "")
        for name in [s[0] for s in PULL_SETTINGS[1:]]:
            if not np.isnan(per(name, key)):
                rows.append(row(
                    f"picture: {what}, {name}", per(name, key), "mean", command, same, per(base, key),
                    higher_is_better=higher, notes=said,
                ))  # fmt: skip
    return rows
