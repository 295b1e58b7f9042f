"""bench_picture.py's loudness measures and rows: the music's loudness against the video's motion, the
accent agreement and the accents' rule before and after 2026-12-06's evening (moved from bench_picture.py,
unchanged)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402
from picture_common import WINDOWS, spearman_with_chance  # noqa: E402

FOLLOW_WINDOW = 0.5
"""The motion window (seconds) of the "follow" variant: loudness that follows a burst, not only its accent."""
DYNAMICS_MUSIC = (
    ("aligned", "the music"),
    ("before", "the music with the accents as before (shape_dynamics margin 0)"),
    ("follow", f"the music with its loudness following {FOLLOW_WINDOW:g} s of motion"),
    ("sampled", "the sampled notes"),
)
"""The scores the loudness is measured on: the pipeline's music; the same notes shaped with the accents as
before 2026-12-06's evening (``shape_dynamics(margin=0)``: the boost alone on every note within 80 ms of an
event, ties at 127); shaped with the
loudness following the median of :data:`FOLLOW_WINDOW` seconds of motion in place of 2; the notes as sampled
(the velocities the model and the event pull chose) under the same tempo map, before any dynamics."""
CURVES = (("loudness", "loudness (velocity-weighted notes a second)"), ("velocity", "mean onset velocity"))


def _listed(curve: np.ndarray) -> list:
    return [None if np.isnan(x) else round(float(x), 4) for x in curve]


def dynamics_measures(video, scores: dict) -> dict:
    """The loudness of each of ``scores``, step by step, and their onsets' velocities, beside the video's
    motion curve (partita.evaluation.picture_dynamics); the share of onsets the accents' "loudest 10%" takes,
    with ties (the rule before) and without."""
    from partita.evaluation.picture_dynamics import loudness_curve, motion_curve, onset_velocities
    from partita.generation.picture import loudest_onsets

    duration = video.duration
    rec = {"motion_curve": _listed(motion_curve(video, duration))}
    for name, score in scores.items():
        times, velocities = onset_velocities(score)
        for rule, ties in (("", False), ("_ties", True)):
            loud = loudest_onsets(velocities, ties=ties, times=times)
            rec[f"{name}:loud_share{rule}"] = float(loud.mean()) if len(loud) else 0.0
        keep = times < duration
        rec[f"{name}:onsets"] = [times[keep].round(4).tolist(), velocities[keep].tolist()]
        rec[f"{name}:loudness"] = _listed(loudness_curve(score, duration))
        rec[f"{name}:velocity"] = _listed(loudness_curve(score, duration, mean=True))
    return rec


def accent_rule_measures(events: list[float], scores: dict, duration: float) -> dict:
    """The alignment of each of ``scores`` under the accents' loudest-10% rule with ties (before) and
    without (now): ``{name}|{rule}:{f,p,r}@{window}``."""
    from partita.generation.picture import alignment, musical_accents

    rec = {}
    for name, score in scores.items():
        for rule, ties in (("ties", True), ("now", False)):
            accents = musical_accents(score, duration, ties=ties)
            for w in WINDOWS:
                measured = alignment(events, accents, w)
                for key in ("f_measure", "precision", "recall"):
                    rec[f"{name}|{rule}:{key[0]}@{w}"] = measured[key]
    return rec


def _curve(values: list) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in values], dtype=float)


def following_rows(videos: list[dict], command: str, seed: int) -> list[dict]:
    """Spearman rho, step by step, of the music's loudness with the video's motion (the mean over the
    videos), against the same music with another video's motion and with its own shifted by half; across
    the videos, of the music's mean velocity with the video's mean motion, against chance."""
    from partita.evaluation.picture_dynamics import loudness_following, shifted

    def mean(values: list) -> float:
        kept = [x for x in values if x is not None]
        return float(np.mean(kept)) if kept else float("nan")

    rows, n = [], len(videos)
    for music, said in DYNAMICS_MUSIC:
        for curve, what in CURVES:
            own, other, moved = [], [], []
            for i, v in enumerate(videos):
                c, m = _curve(v[f"{music}:{curve}"]), _curve(v["motion_curve"])
                own.append(loudness_following(c, m))
                other.append(loudness_following(c, _curve(videos[(i + 1) % n]["motion_curve"])))
                moved.append(loudness_following(c, shifted(m)))
            for base, value in (("another video's motion", other), ("its own motion shifted by half", moved)):
                rows.append(row(
                    f"picture: Spearman rho of the {what} of {said} with the video's motion, 0.5 s steps",
                    mean(own), "rho", command, f"the same music against {base}", mean(value),
                    notes=f"mean over {sum(x is not None for x in own)} videos of the rho within each video",
                ))  # fmt: skip
        level = [float(np.mean(v[f"{music}:onsets"][1])) for v in videos]
        rho, chance = spearman_with_chance(level, [v["motion"] for v in videos], seed)
        rows.append(row(
            f"picture: Spearman rho of the mean onset velocity of {said} with the video's mean motion, "
            "across videos", rho, "rho", command, "chance (95th percentile of |rho| over random pairings)",
            chance, notes=f"{n} videos",
        ))  # fmt: skip
    return rows


ACCENT_CHANGES = (
    ("aligned|now", "before|ties", "the accents now (nearest onset, margin, no ties) against before"),
    ("aligned|ties", "before|ties", "the music's accents alone (nearest onset, margin; measured with ties)"),
    ("aligned|now", "before|now", "the music's accents alone (both measured without ties)"),
    ("before|now", "before|ties", "the measure's rule alone (the music as before)"),
    ("follow|now", "aligned|now", f"loudness following {FOLLOW_WINDOW:g} s of motion against 2 s"),
)
"""(after, before, what) of the alignment rows that separate the changes of 2026-12-06's evening: the music's
(only the onset nearest to an event accented, and the margin) and the measure's (no tied loudest 10%)."""


def accent_change_rows(videos: list[dict], command: str) -> list[dict]:
    """The alignment F, recall and precision before and after the accents' changes, on the same notes."""
    rows = []
    for w in WINDOWS:
        for after, before, what in ACCENT_CHANGES:
            keys = ("f", "r", "p") if after == "aligned|now" and before == "before|ties" else ("f",)
            for key in keys:
                name = {"f": "F", "r": "recall", "p": "precision"}[key]
                rows.append(row(
                    f"picture: alignment {name} (window {w:g} s), {what}",
                    float(np.mean([v[f"{after}:{key}@{w}"] for v in videos])), key.upper(), command,
                    f"{before.replace('|', ', rule ')} (the same sampled notes)",
                    float(np.mean([v[f"{before}:{key}@{w}"] for v in videos])),
                    notes=f"{len(videos)} videos; 'before': shape_dynamics(margin=0); 'ties': "
                    "musical_accents(ties=True)",
                ))  # fmt: skip
    return rows


def _accent_totals(videos: list[dict], music: str, strict: bool, seed: int) -> dict[str, dict[str, int]]:
    """partita.evaluation.picture_dynamics.accent_agreement's counts pooled over the videos: at each video's
    own events ("own"), the next video's ("other") and 20 random times an event ("random")."""
    from partita.evaluation.picture_dynamics import accent_agreement, random_events

    totals: dict[str, dict[str, int]] = {}
    for i, v in enumerate(videos):
        times, velocities = (np.asarray(x, float) for x in v[f"{music}:onsets"])
        other = [e for e in videos[(i + 1) % len(videos)]["events"] if e < v["duration"]]
        drawn = random_events(v["duration"], 20 * len(v["events"]), seed + i)
        for name, events in (("own", v["events"]), ("other", other), ("random", drawn)):
            for key, value in accent_agreement(times, velocities, events, strict).items():
                totals.setdefault(name, {}).setdefault(key, 0)
                totals[name][key] += value
    return totals


def _share(totals: dict[str, dict[str, int]], name: str, denominator: str) -> float:
    return totals[name]["accented"] / max(1, totals[name][denominator])


ACCENT_BASELINES = (
    ("events", "events", "other", "another video's events"),
    ("events", "events", "random", "random times"),
    ("with_note", "events with a note within 80 ms", "random", "random times with a note"),
)
"""(denominator, what it counts, baseline, what it is) of the accent agreement's rows."""


def accent_rows(videos: list[dict], command: str, seed: int) -> list[dict]:
    """The share of the events whose note is the loudest within 1 s (strictly, and ties allowed), pooled
    over the videos, against the same music at another video's events and at random times; the share of
    onsets the accents' loudest 10% takes."""
    rows, n = [], len(videos)
    for music, said in DYNAMICS_MUSIC:
        for strict in (True, False):
            totals = _accent_totals(videos, music, strict, seed)
            how = "louder than every other onset" if strict else "at least as loud as every other onset"
            for denominator, who, base, what in ACCENT_BASELINES:
                rows.append(row(
                    f"picture: accent agreement of {said}: share of the {who} whose note is {how} within 1 s",
                    _share(totals, "own", denominator), "share", command, f"the same music at {what}",
                    _share(totals, base, denominator),
                    notes=f"{totals['own'][denominator]} {who}, pooled over {n} videos",
                ))  # fmt: skip
        for rule, how in (("", "levels taken whole while they fit"), ("_ties", "with ties, the rule before")):
            values = [v[f"{music}:loud_share{rule}"] for v in videos]
            rows.append(row(
                f"picture: share of the onsets of {said} the accents' 'loudest 10%' takes ({how})",
                float(np.mean(values)), "share", command, "the share asked", 0.1, higher_is_better=False,
                notes="over 0.1: velocities tied at the threshold are all taken (8 velocity steps)",
            ))  # fmt: skip
    return rows
