"""Music for a picture from the library: the pieces of a discovery index ranked by how well what they measure
fits what a video (or an image) asks for (issue 26 item 4; V-MusProd's retrieval-based correspondence, in a
simple, explainable form).

**What the picture asks for** (:func:`video_target`, :func:`image_target`) is exactly what ``partita
score-video`` and ``generate --image`` would ask the model for (:mod:`partita.generation.picture`): per shot
(short shots merged, as :func:`~partita.generation.picture.plan_video` merges them) its valence and arousal
become a tempo (105 + 55 arousal bpm), a mode (major or minor by the sign of the valence, none near 0), a note
density (the density fader 0.5 + 0.4 arousal, as notes a beat in the middle of its bin), a register (the mean
pitch the generator asks: for an image :func:`~partita.generation.prompt.mood_pitch` of its valence, for a
shot what its section's request carries, :func:`~partita.generation.picture.asked_pitch`, from the shot's mood
word: 62 + 8 valence from -0.35 to +0.45, the low or the high register beyond) and a loudness (velocity 80
times 0.75 at no motion to 1.25 at full, as :func:`~partita.generation.picture.shape_dynamics` scales it); a
video also asks for its length.

**What a piece offers** (:class:`PieceTraits`) is read from the description the index stores for it
(:mod:`partita.analysis.description`, computed from the score): its tempo, its key segments (the mode), and
per section its note density, mean pitch and velocity. When a piece plays from its start under the video, the
sections and the key that sound during a shot are the ones compared with that shot; where the piece is shorter
than the video (it would be looped or end early), its whole-piece values stand in.

**The fit** (:func:`fit`) is a weighted mean of one similarity in [0, 1] a control (:data:`WEIGHTS`): Gaussian
in the log of the tempo ratio and of the density ratio, in semitones for the register and velocity steps for
loudness, 1 or 0 for the mode (a shot that asks no mode does not count), and for the length the share of the
video the piece covers. Each control is averaged over the shots, weighted by their length. A control
*matches* when it is within :data:`TOLERANCE` (tempo within 20%, density within a factor of 1.5, register
within 5 semitones, loudness within 12 velocity steps, the same mode, the whole video covered); the matches
and misses are the ranking's explanation (:meth:`PictureMatch.why`).

Nothing here knows what the picture shows, nor a piece's style beyond its numbers: two videos of the same
light, colour and motion get the same pieces.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partita.generation.picture import (
    Affect,
    asked_pitch,
    fader_for,
    mode_for,
    mood_pitch,
    motion_level,
    picture_affect,
    plan_video,
    tempo_for,
)
from partita.picture import ImageFeatures, VideoFeatures
from partita.tokens.conditions import DENSITY_EDGES

log = logging.getLogger(__name__)

WEIGHTS = {"tempo": 0.30, "mode": 0.25, "density": 0.20, "register": 0.10, "loudness": 0.05, "length": 0.10}
"""How much each control counts in a piece's fit (a control that cannot be compared is left out and the rest
renormalised)."""
TOLERANCE = {"tempo": 0.20, "density": 1.5, "register": 5.0, "loudness": 12.0}
"""When a control matches: tempo within 20%, density within a factor of 1.5, register within 5 semitones,
loudness within 12 velocity steps (mode: the same; length: the whole video covered)."""
BASE_VELOCITY = 80.0
"""The velocity :func:`~partita.generation.picture.shape_dynamics` scales by the motion (0.75 to 1.25)."""
CONTROLS = ("tempo", "mode", "density", "register", "loudness", "length")


@dataclass
class ShotControls:
    """What one shot (or a still image) asks of the music."""

    label: str
    start: float
    end: float
    tempo: float
    """Quarter notes a minute."""
    mode: str | None
    """``major``, ``minor``, or None when the valence is too near 0 to say."""
    density: float
    """Notes a beat (all parts)."""
    mean_pitch: float
    velocity: float
    valence: float
    arousal: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class PictureTarget:
    """What a picture asks of the music: one :class:`ShotControls` a shot (one for an image) and, for a video,
    its length."""

    source: str
    shots: list[ShotControls]
    duration: float | None = None
    """The video's length (seconds); None for an image (no length asked)."""

    def weights(self) -> np.ndarray:
        w = np.array([max(s.duration, 1e-6) for s in self.shots], dtype=float)
        return w / w.sum()

    def mean(self, name: str) -> float:
        return float(np.dot(self.weights(), [getattr(s, name) for s in self.shots]))

    def describe(self) -> str:
        """What was asked, as lines: one a shot."""
        length = f", {self.duration:.1f} s long" if self.duration is not None else ""
        lines = [f"{self.source} asks for{length}:"]
        for s in self.shots:
            lines.append(
                f"  {s.label:22s} {s.tempo:5.0f} bpm  {s.mode or 'either mode':11s} "
                f"{s.density:4.2f} notes/beat  mean pitch {s.mean_pitch:4.1f}  velocity {s.velocity:3.0f}  "
                f"(valence {s.valence:+.2f}, arousal {s.arousal:+.2f})"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "duration": self.duration,
            "shots": [{**vars(s), "duration": s.duration} for s in self.shots],
        }


def density_per_beat(fader: float) -> float:
    """The density fader (0-1) as notes a beat: the middle of the bin it selects (as the prompt projection
    sets the density condition from the fader)."""
    edges = DENSITY_EDGES
    b = min(len(edges), max(0, round(fader * len(edges))))
    lo = edges[b - 1] if b > 0 else edges[0] / 2
    hi = edges[b] if b < len(edges) else edges[-1] * 1.3
    return round((lo + hi) / 2, 3)


def _controls(
    label: str, start: float, end: float, affect: Affect, motion: float | None, pitch: float | None = None
) -> ShotControls:
    """One shot's controls; ``pitch``: the mean pitch its music is asked for (None: the picture's own,
    :func:`~partita.generation.prompt.mood_pitch` of its valence, as ``generate --image`` asks)."""
    if pitch is None:
        pitch = mood_pitch(affect.valence)[0]
    if motion is None:  # an image: loudness from the arousal alone
        velocity = BASE_VELOCITY * (1.0 + 0.25 * affect.arousal)
    else:
        velocity = BASE_VELOCITY * (0.75 + 0.5 * (motion + 1.0) / 2.0)
    return ShotControls(
        label=label,
        start=round(start, 3),
        end=round(end, 3),
        tempo=tempo_for(affect.arousal),
        mode=mode_for(affect.valence),
        density=density_per_beat(fader_for(affect.arousal)),
        mean_pitch=round(float(pitch), 1),
        velocity=round(velocity, 1),
        valence=affect.valence,
        arousal=affect.arousal,
    )


def video_target(video: VideoFeatures, source: str = "the video") -> PictureTarget:
    """What each shot of ``video`` asks for (the shots merged as ``score-video`` merges them)."""
    vplan = plan_video(video, align=False)
    ends = [*vplan.starts[1:], vplan.duration]
    shots = []
    for k, (section, start, end, affect) in enumerate(
        zip(vplan.plan.sections, vplan.starts, ends, vplan.affects, strict=True)
    ):
        label = section.name.split(" (")[0]
        motion = affect.reasons.get("motion", motion_level(0.0))
        shots.append(_controls(label, start, end, affect, motion, asked_pitch(vplan, k)))
    return PictureTarget(source, shots, duration=float(video.duration))


def image_target(features: ImageFeatures, source: str = "the image") -> PictureTarget:
    """What a still picture asks for: one shot, no length."""
    return PictureTarget(source, [_controls("the picture", 0.0, 1.0, picture_affect(features), None)])


# --- what a piece offers -----------------------------------------------------------------------------------


@dataclass
class PieceTraits:
    """A piece's measured tempo, mode, length and, per section (start, end, notes a second, mean pitch,
    velocity), what the sections that sound under a shot offer."""

    piece_id: str
    tempo: float
    mode: str | None
    key: str | None
    duration: float
    density: float
    """Notes a second over the whole piece."""
    mean_pitch: float | None
    velocity: float | None
    sections: list[tuple[float, float, float | None, float | None, float | None]] = field(
        default_factory=list
    )
    fields: dict[str, Any] = field(default_factory=dict)
    keys: list[tuple[float, float, str]] = field(default_factory=list)
    """The key analysis's segments as (start, end, mode), where the description has them."""

    def mode_during(self, start: float, end: float) -> str | None:
        """The mode of the key segment sounding longest from ``start`` to ``end`` (the piece played from its
        start); the whole piece's where none does."""
        overlap: dict[str, float] = {}
        for a, b, mode in self.keys:
            w = min(b, end) - max(a, start)
            if w > 0:
                overlap[mode] = overlap.get(mode, 0.0) + w
        return max(overlap, key=overlap.get) if overlap else self.mode

    def during(self, start: float, end: float) -> tuple[float, float | None, float | None]:
        """Notes a beat, mean pitch and velocity of the sections sounding from ``start`` to ``end`` seconds
        (the piece played from its start), weighted by overlap; the whole piece's where none does."""
        values: list[list[tuple[float, float]]] = [[], [], []]
        for a, b, density, pitch, velocity in self.sections:
            w = min(b, end) - max(a, start)
            if w <= 0:
                continue
            for k, v in enumerate((density, pitch, velocity)):
                if v is not None:
                    values[k].append((w, float(v)))
        whole = (self.density, self.mean_pitch, self.velocity)
        out = [_weighted(v) if v else whole[k] for k, v in enumerate(values)]
        per_second = out[0] if out[0] is not None else self.density
        return per_second * 60.0 / self.tempo, out[1], out[2]


def _weighted(pairs: list[tuple[float, float]]) -> float:
    total = sum(w for w, _ in pairs)
    return sum(w * v for w, v in pairs) / total


def piece_traits(piece_id: str, description: str | dict, fields: dict[str, Any] | None = None) -> PieceTraits:
    """A piece's :class:`PieceTraits` from its stored description (JSON text or a dict); ValueError when the
    description says nothing usable (no notes, no length)."""
    d = json.loads(description) if isinstance(description, str) else description
    if not isinstance(d, dict) or not d.get("duration") or not d.get("n_notes"):
        raise ValueError(f"{piece_id}: its description holds no notes")
    key = d.get("key") or None
    mode = key.split()[-1] if key and key.split()[-1] in ("major", "minor") else None
    sections = [
        (
            float(s.get("start", 0.0)),
            float(s.get("end", 0.0)),
            s.get("note_density"),
            s.get("mean_pitch"),
            s.get("velocity_mean"),
        )
        for s in d.get("sections") or []
        if float(s.get("end", 0.0)) > float(s.get("start", 0.0))
    ]
    keys = [
        (float(c.get("start", 0.0)), float(c.get("end", 0.0)), str(c.get("key") or "").split()[-1])
        for c in d.get("key_changes") or []
        if str(c.get("key") or "").split()[-1:] in (["major"], ["minor"])
    ]
    pitched = [(b - a, p) for a, b, _, p, _ in sections if p is not None]
    if pitched:
        mean_pitch = _weighted(pitched)
    elif d.get("pitch_low") is not None and d.get("pitch_high") is not None:
        mean_pitch = (d["pitch_low"] + d["pitch_high"]) / 2.0
    else:
        mean_pitch = None
    return PieceTraits(
        piece_id=piece_id,
        tempo=float(d.get("tempo") or 120.0),
        mode=mode,
        key=key,
        duration=float(d["duration"]),
        density=float(d.get("note_density") or d["n_notes"] / d["duration"]),
        mean_pitch=None if mean_pitch is None else float(mean_pitch),
        velocity=None if d.get("velocity_mean") is None else float(d["velocity_mean"]),
        sections=sections,
        fields=dict(fields or {}),
        keys=keys,
    )


# --- the fit ----------------------------------------------------------------------------------------------


def _gauss(x: float, sigma: float) -> float:
    return math.exp(-0.5 * (x / sigma) ** 2)


@dataclass
class ControlFit:
    """How one control fits: its similarity (0-1, None when it cannot be compared), the piece's value, the
    value asked (duration-weighted over the shots) and the shots it matches and misses."""

    similarity: float | None
    piece: Any
    asked: Any
    matched: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def fit(traits: PieceTraits, target: PictureTarget) -> tuple[float, dict[str, ControlFit]]:
    """The fit of a piece to a picture's controls (0-1) and the fit of each control (module docstring)."""
    w = target.weights()
    per: dict[str, list[tuple[float, float | None, bool]]] = {c: [] for c in CONTROLS[:5]}
    offered: dict[str, list[Any]] = {"density": [], "register": [], "loudness": [], "mode": []}
    for weight, shot in zip(w, target.shots, strict=True):
        span = (shot.start, shot.end) if target.duration is not None else (0.0, traits.duration)
        density, pitch, velocity = traits.during(*span)
        ratio = math.log2(max(traits.tempo, 1.0) / shot.tempo)
        per["tempo"].append((weight, _gauss(ratio, 0.25), abs(ratio) <= math.log2(1 + TOLERANCE["tempo"])))
        mode = traits.mode_during(*span)
        if shot.mode is None or mode is None:
            per["mode"].append((weight, None, False))
        else:
            per["mode"].append((weight, float(mode == shot.mode), mode == shot.mode))
            offered["mode"].append(mode)
        dratio = math.log2(max(density, 1e-3) / shot.density)
        per["density"].append((weight, _gauss(dratio, 0.6), abs(dratio) <= math.log2(TOLERANCE["density"])))
        offered["density"].append(density)
        for name, have, want, sigma in (
            ("register", pitch, shot.mean_pitch, 4.0),
            ("loudness", velocity, shot.velocity, 10.0),
        ):
            if have is None:
                per[name].append((weight, None, False))
            else:
                per[name].append((weight, _gauss(have - want, sigma), abs(have - want) <= TOLERANCE[name]))
                offered[name].append(have)
    fits: dict[str, ControlFit] = {}
    labels = [s.label for s in target.shots]
    piece_value = {
        "tempo": round(traits.tempo, 1),
        "mode": "/".join(dict.fromkeys(offered["mode"])) or traits.mode,
        "density": _round_mean(offered["density"], 2),
        "register": _round_mean(offered["register"], 1),
        "loudness": _round_mean(offered["loudness"], 0),
    }
    asked = {
        "tempo": round(target.mean("tempo"), 1),
        "mode": _modes(target),
        "density": round(target.mean("density"), 2),
        "register": round(target.mean("mean_pitch"), 1),
        "loudness": round(target.mean("velocity"), 0),
    }
    for name, rows in per.items():
        known = [(wt, s) for wt, s, _ in rows if s is not None]
        sim = sum(wt * s for wt, s in known) / sum(wt for wt, _ in known) if known else None
        fits[name] = ControlFit(
            None if sim is None else round(sim, 4),
            piece_value[name],
            asked[name],
            matched=[lab for lab, (_, s, ok) in zip(labels, rows, strict=True) if s is not None and ok],
            missed=[lab for lab, (_, s, ok) in zip(labels, rows, strict=True) if s is not None and not ok],
        )
    if target.duration is not None:
        cover = min(1.0, traits.duration / max(target.duration, 1e-6))
        fits["length"] = ControlFit(round(cover, 4), round(traits.duration, 1), round(target.duration, 1))
        (fits["length"].matched if cover >= 1.0 else fits["length"].missed).append("the video")
    used = {k: f.similarity for k, f in fits.items() if f.similarity is not None}
    total = sum(WEIGHTS[k] for k in used)
    return round(sum(WEIGHTS[k] * v for k, v in used.items()) / total, 4) if total else 0.0, fits


def _round_mean(values: list[float], digits: int) -> float | None:
    return round(float(np.mean(values)), digits) if values else None


def _modes(target: PictureTarget) -> str | None:
    modes = {s.mode for s in target.shots if s.mode}
    return "/".join(sorted(modes)) if modes else None


# --- ranking an index ---------------------------------------------------------------------------------------


@dataclass
class PictureMatch:
    """One piece of the library for a picture: its fit, each control's fit and the index's fields."""

    piece_id: str
    score: float
    controls: dict[str, ControlFit]
    fields: dict[str, Any]

    def title(self) -> str:
        f = self.fields
        bits = list(dict.fromkeys(f.get(k) for k in ("tune_type", "genre", "meter", "key") if f.get(k)))
        name = f.get("title") or self.piece_id
        return f"{name} ({', '.join(bits)})" if bits else str(name)

    def why(self) -> list[str]:
        """The controls that fit and those that do not, one short phrase each (matches first)."""
        good, bad = [], []
        for name in CONTROLS:
            c = self.controls.get(name)
            if c is None or c.similarity is None:
                continue
            text = _phrase(name, c)
            (good if c.matched and not c.missed else bad).append(text)
        return [*good, *bad]

    def to_dict(self) -> dict[str, Any]:
        return {
            "piece_id": self.piece_id,
            "score": self.score,
            "title": self.title(),
            "why": self.why(),
            "controls": {k: vars(v) for k, v in self.controls.items()},
            "fields": {k: v for k, v in self.fields.items() if k != "description"},
        }


def _shots(c: ControlFit) -> str:
    if not c.missed or len(c.matched) + len(c.missed) < 2:
        return ""
    if not c.matched:
        return " (no shot)"
    return f" ({', '.join(c.matched)}; not {', '.join(c.missed)})"


def _phrase(name: str, c: ControlFit) -> str:
    ok = "fits" if c.matched and not c.missed else "partly fits" if c.matched else "misses"
    if name == "tempo":
        return f"tempo {c.piece:.0f} bpm {ok} {c.asked:.0f} asked{_shots(c)}"
    if name == "mode":
        if not c.missed:
            return f"{c.piece}, as asked"
        if c.matched:
            return f"{c.piece}, as {', '.join(c.matched)} ask ({', '.join(c.missed)}: the other mode)"
        return f"{c.piece}, not the {c.asked} asked"
    if name == "density":
        return f"density {c.piece:.2f} notes a beat {ok} {c.asked:.2f} asked{_shots(c)}"
    if name == "register":
        return f"mean pitch {c.piece:.0f} {ok} {c.asked:.0f} asked{_shots(c)}"
    if name == "loudness":
        return f"velocity {c.piece:.0f} {ok} {c.asked:.0f} asked{_shots(c)}"
    covers = "covers" if c.similarity >= 1.0 else f"covers {100 * c.similarity:.0f}% of"
    return f"{c.piece:g} s {covers} the video's {c.asked:g} s"


LIBRARY_COLUMNS = ("piece_id", "title", "genre", "tune_type", "composer", "collection", "meter", "key")


def library_traits(index, where: str | None = None) -> list[PieceTraits]:
    """The :class:`PieceTraits` of every piece of a :class:`~partita.discovery.index.DiscoveryIndex` that
    ``where`` (an SQL filter on its fields) keeps; pieces without a usable description are left out."""
    from partita.discovery.index import check_where

    columns = [*LIBRARY_COLUMNS, "description"]
    if check_where(where):
        try:
            rows = index.table.search().where(where).select(columns).limit(len(index)).to_list()
        except Exception as e:  # a malformed filter: the database's own words, on one line
            raise ValueError(f"bad filter {where!r}: {str(e).splitlines()[0][:200]}") from None
    else:
        rows = index.table.to_arrow().select(columns).to_pylist()
    out, bad = [], 0
    for r in rows:
        try:
            out.append(piece_traits(r["piece_id"], r["description"], {k: r.get(k) for k in LIBRARY_COLUMNS}))
        except (ValueError, TypeError, KeyError):
            bad += 1
    if bad:
        log.info("%d pieces without a usable description left out", bad)
    return out


def rank_pieces(pieces: list[PieceTraits], target: PictureTarget, k: int = 10) -> list[PictureMatch]:
    """The ``k`` pieces that best fit ``target``, best first (ties by piece id)."""
    scored = []
    for p in pieces:
        score, controls = fit(p, target)
        scored.append(PictureMatch(p.piece_id, score, controls, p.fields))
    scored.sort(key=lambda m: (-m.score, m.piece_id))
    return scored[: max(0, k)]


def match_picture(index, target: PictureTarget, k: int = 10, where: str | None = None) -> list[PictureMatch]:
    """The ``k`` pieces of ``index`` that best fit a picture's controls (``where`` filters them first)."""
    pieces = library_traits(index, where)
    if not pieces:
        raise ValueError("no piece of the index has a description to compare (or the filter keeps none)")
    return rank_pieces(pieces, target, k)


def control_query(target: PictureTarget) -> str:
    """The controls as words in the captions' phrasing (tempo term and bpm, mode, texture, register): the
    text-search baseline, and what a person could type into ``partita search``."""
    from partita.analysis.features import register_name
    from partita.analysis.tempo import tempo_term

    bpm = target.mean("tempo")
    per_second = target.mean("density") * bpm / 60.0
    texture = "busy" if per_second > 8 else "sparse" if per_second < 2 else "moderately dense"
    modes = [s.mode for s in target.shots if s.mode]
    mode = max(set(modes), key=modes.count) if modes else None
    term = tempo_term(bpm).lower()
    words = [f"{'An' if term[0] in 'aeiou' else 'A'} {term} tempo of about {bpm:.0f} bpm."]
    if mode:
        words.append(f"In a {mode} key.")
    words.append(
        f"The texture is {texture}, mostly in the {register_name(target.mean('mean_pitch'))} register."
    )
    return " ".join(words)
