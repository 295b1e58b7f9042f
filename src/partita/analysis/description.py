"""``describe(score) -> Description``: a piece in numbers, from the score alone, in milliseconds.

A :class:`Description` is a plain dataclass of JSON types (times in seconds through the score's tempo map);
``to_dict``/``from_dict`` and :func:`save_description`/:func:`load_description` round-trip it. Fields that
are undefined for a piece (the key of a drum solo, the tempo of an empty score) are ``None`` and named in
``unknown``; :func:`describe` never raises on a readable score.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partita.analysis.chords import (
    chords_per_bar,
    common_progression,
    estimate_chords,
    merge_labels,
    spell_in_key,
)
from partita.analysis.features import (
    bar_share,
    dynamic_marking,
    polyphony_stats,
    register_name,
    rhythm_stats,
    track_roles,
)
from partita.analysis.key import estimate_key, key_name, key_segments
from partita.analysis.meter_inference import implausible, infer_meter
from partita.analysis.structure import find_sections, four_beat_sections
from partita.analysis.tempo import tempo_bin, tempo_term
from partita.analysis.timeline import TempoMap, beat_grid, meters_of, note_arrays
from partita.atomic import atomic_write_text

log = logging.getLogger(__name__)

DESCRIPTION_VERSION = 1


@dataclass
class Description:
    """What :func:`describe` finds in a piece. Times are seconds; ``None`` marks an undefined field."""

    version: int = DESCRIPTION_VERSION
    duration: float = 0.0
    n_notes: int = 0
    n_bars: int = 0
    key: str | None = None
    key_confidence: float | None = None
    key_changes: list[dict[str, Any]] = field(default_factory=list)
    tempo: float | None = None
    tempo_term: str | None = None
    tempo_bin: int | None = None
    tempo_range: list[float] | None = None
    time_signature: str | None = None
    time_signatures: list[dict[str, Any]] = field(default_factory=list)
    meter_inferred: str | None = None
    """The meter inferred from the notes (e.g. "2/4": :mod:`partita.analysis.meter_inference`) where the file
    declares 1/4 or none; ``time_signature`` stays what the file declares."""
    instruments: list[dict[str, Any]] = field(default_factory=list)
    chords: list[dict[str, Any]] = field(default_factory=list)
    bar_chords: list[str] = field(default_factory=list)
    progression: list[str] = field(default_factory=list)
    note_density: float | None = None
    onset_density: float | None = None
    polyphony: float | None = None
    max_polyphony: int | None = None
    pitch_low: int | None = None
    pitch_high: int | None = None
    pitch_range: int | None = None
    register: str | None = None
    syncopation: float | None = None
    swing_ratio: float | None = None
    velocity_mean: float | None = None
    velocity_std: float | None = None
    dynamics: str | None = None
    sections: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    seconds_taken: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The description as JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Description:
        """A description from :meth:`to_dict` data; unknown keys are ignored, missing ones take defaults."""
        if not isinstance(data, dict):
            raise ValueError(f"a description must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_json(self, indent: int | None = 2) -> str:
        """The description as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Description:
        """A description from :meth:`to_json` text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"not a description: invalid JSON ({e})") from None
        return cls.from_dict(data)

    @property
    def roles(self) -> dict[str, list[str]]:
        """Instrument names grouped by role."""
        out: dict[str, list[str]] = {}
        for inst in self.instruments:
            out.setdefault(inst["role"], []).append(inst["instrument"])
        return out


def save_description(description: Description, path: str | os.PathLike) -> Path:
    """Write a description as JSON, atomically."""
    atomic_write_text(path, description.to_json() + "\n")
    return Path(path)


def load_description(path: str | os.PathLike) -> Description:
    """Read a description written by :func:`save_description`."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: no such description file")
    try:
        return Description.from_json(p.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(float(x), digits)


def _as_tick_score(score):
    ttype = str(getattr(score, "ttype", "Tick"))
    if "Tick" not in ttype:
        return score.to("tick")
    return score


def _section(notes, bars: np.ndarray, a: int, b: int, label: str, sec) -> dict[str, Any]:
    """One section with the facts its caption needs: times, bars, density, loudness and register."""
    t0, t1 = int(bars[a]), int(bars[b])
    lo, hi = np.searchsorted(notes.start, [t0, t1])
    start, end = _r(sec(t0)), _r(sec(t1))
    out: dict[str, Any] = {"start": start, "end": end, "label": label, "bars": [int(a), int(b)]}
    seconds = max((end or 0) - (start or 0), 1e-9)
    out["note_density"] = _r((hi - lo) / seconds)
    vel = notes.velocity[lo:hi]
    out["velocity_mean"] = _r(vel.mean(), 2) if vel.size else None
    pitch = notes.pitch[lo:hi][~notes.drum[lo:hi]]
    out["mean_pitch"] = _r(pitch.mean(), 2) if pitch.size else None
    return out


def describe(score, analyse_chords: bool = True, analyse_structure: bool = True) -> Description:
    """Describe ``score`` (a :class:`symusic.Score`): key, tempo, meter, instruments, chords, features,
    sections.

    Undefined fields are ``None`` and listed in ``Description.unknown``; nothing raises for a readable score
    (empty, drums only, one note, no time signature or very long).
    """
    t0 = time.perf_counter()
    if not hasattr(score, "tracks") or not hasattr(score, "ticks_per_quarter"):
        raise ValueError(f"describe() needs a symusic.Score, got {type(score).__name__}")
    score = _as_tick_score(score)
    d = Description()
    notes = note_arrays(score)
    pitched = notes.select(~notes.drum)
    tmap = TempoMap(score)
    end_tick = int(notes.end.max()) if len(notes) else 0
    d.n_notes = len(notes)
    d.duration = _r(float(tmap.seconds(end_tick))) or 0.0
    grid = beat_grid(score, notes, end_tick)
    n_bars = len(grid.bars) - 1 if end_tick > 0 else 0
    d.n_bars = n_bars
    sec = tmap.seconds

    # meter
    meters = meters_of(score)
    d.time_signatures = [{"time": _r(sec(t)), "signature": f"{a}/{b}"} for t, a, b in meters]
    if meters:
        spans = np.diff([m[0] for m in meters] + [max(end_tick, meters[-1][0] + 1)])
        main = meters[int(np.argmax(spans))]
        d.time_signature = f"{main[1]}/{main[2]}"
    if implausible(meters) and (guess := infer_meter(notes, grid.beats)) is not None:
        d.meter_inferred = f"{guess.beats_per_bar}/{meters[0][2] if meters else 4}"

    # tempo: the one that lasts longest, over the time notes sound
    if end_tick > 0:
        qpm, spans = tmap.qpm_profile(end_tick)
        if spans.sum() > 0:
            d.tempo = _r(qpm[int(np.argmax(spans))], 2)
            used = qpm[spans > 0]
            d.tempo_range = [_r(used.min(), 2), _r(used.max(), 2)]
            d.tempo_term = tempo_term(d.tempo)
            d.tempo_bin = tempo_bin(d.tempo)

    # instruments and roles
    tracks = track_roles(score, notes)
    for t in tracks:
        t.bar_share = _r(bar_share(notes, grid.bars, t.index)) if n_bars else None
    d.instruments = [dataclasses.asdict(t) for t in tracks]
    n_pitched_tracks = sum(1 for t in tracks if t.role != "drums")
    melody = next((t.index for t in tracks if t.role == "melody"), None) if n_pitched_tracks > 1 else None

    # key and key changes
    est = estimate_key(pitched)
    if est is not None:
        d.key, d.key_confidence = est.name, _r(est.confidence)
        tpq = int(score.ticks_per_quarter)
        regions = key_segments(pitched, grid.bars, est.index, ticks_per_quarter=tpq) if n_bars >= 16 else []
        d.key_changes = [
            {"start": _r(sec(grid.bars[a])), "end": _r(sec(grid.bars[b])), "key": key_name(k)}
            for a, b, k in regions
        ]

    # chords
    if analyse_chords and len(pitched) and end_tick > 0:
        labels = estimate_chords(pitched, grid.beats, melody)
        if est is not None:  # spelled as the key spells them (F# major's chords are F#, C#, D#m)
            labels = [spell_in_key(label, est.index) for label in labels]
        segments = merge_labels(labels, grid.beats)
        starts = np.round(sec(np.array([a for a, _, _ in segments])), 3).tolist()
        ends = np.round(sec(np.array([b for _, b, _ in segments])), 3).tolist()
        d.chords = [
            {"start": a, "end": b, "label": lab}
            for a, b, (_, _, lab) in zip(starts, ends, segments, strict=True)
        ]
        d.bar_chords = chords_per_bar(segments, grid.bars)
        d.progression = common_progression(d.bar_chords) or common_progression([s[2] for s in segments])

    # texture, range, rhythm, dynamics
    if len(pitched):
        seconds = max(d.duration, 1e-9)
        d.note_density = _r(len(pitched) / seconds, 3)
        d.onset_density = _r(len(np.unique(pitched.start)) / seconds, 3)  # distinct note starts per second
        poly, d.max_polyphony = polyphony_stats(pitched)
        d.polyphony = _r(poly)
        d.pitch_low, d.pitch_high = int(pitched.pitch.min()), int(pitched.pitch.max())
        d.pitch_range = d.pitch_high - d.pitch_low
        d.register = register_name(float(np.average(pitched.pitch, weights=pitched.end - pitched.start)))
    if len(notes):
        d.syncopation, d.swing_ratio = rhythm_stats(notes, grid.beats)
        vel = notes.velocity.astype(float)
        d.velocity_mean, d.velocity_std = _r(vel.mean(), 2), _r(vel.std(), 2)
        d.dynamics = dynamic_marking(float(vel.mean()))

    # structure
    if analyse_structure and len(notes) and n_bars:
        # bars one beat long (a file that declares 1/4, most of POP909, or songs of such files joined) say
        # nothing of phrasing: sections in four-beat bars
        one_beat = len(grid.beats) > 8 and np.median(np.diff(grid.bars)) <= np.median(np.diff(grid.beats))
        found = (
            four_beat_sections(notes, grid.beats, grid.bars) if one_beat else find_sections(notes, grid.bars)
        )
        d.sections = [_section(notes, grid.bars, a, b, lab, sec) for a, b, lab in found]

    skipped = set()
    if not analyse_chords:
        skipped |= {"chords", "bar_chords", "progression"}
    if not analyse_structure:
        skipped.add("sections")
    d.unknown = [
        f.name
        for f in dataclasses.fields(d)
        if f.name
        not in skipped | {"seconds_taken", "unknown", "key_changes", "time_signatures", "meter_inferred"}
        and (getattr(d, f.name) is None or getattr(d, f.name) == [])
    ]
    d.seconds_taken = _r(time.perf_counter() - t0, 5)
    return d
