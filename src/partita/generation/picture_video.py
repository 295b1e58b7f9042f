"""A video's music planned: each shot (short ones merged) is a section of a
:class:`~partita.generation.plan.PiecePlan`, with its own mode, density and mood word, so a cut is a new
section. Part of :mod:`partita.generation.picture`, which describes the whole and from which callers import.

With ``align`` (:func:`plan_video`) each section gets a whole number of bars and its own tempo so that it
lasts exactly as long as its shot: every cut falls on a bar line, the music is as long as the video, and a
motion peak inside a shot opens a bar too where tempi near the shot's (within 30%, changing by at most 20% at
the peak) allow it, else falls on a beat where one does (VMAS's beats on motion: :func:`_fit_section`).
:func:`event_positions` gives the events to the sampler as bar positions, where the event pull
(:mod:`partita.generation.rules.event_pull`) asks for onsets on them; :func:`timed` writes the tempo map into
the generated piece; :func:`section_fit` measures how a candidate serves its section (the mode heard, the
alignment of its accents), for choosing among candidates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from partita.analysis.key import PITCH_CLASS_OF_TONIC, TONICS
from partita.generation.picture_accents import (
    ACCENT_WINDOW,
    ALIGN_WINDOW,
    alignment,
    musical_accents,
    shape_dynamics,
)
from partita.generation.picture_mapping import (
    Affect,
    fader_for,
    image_request,
    mode_for,
    mood_for,
    picture_affect,
    tempo_for,
)
from partita.generation.plan import PiecePlan, Section, section_options
from partita.generation.prompt import project_prompt
from partita.generation.request import Request
from partita.picture import ImageFeatures, Shot, VideoFeatures
from partita.score import Score
from partita.score.bars import bar_lines

TEMPO_RANGE = (40.0, 220.0)
ALIGN_SPREAD = 1.3
"""A shot's tempo may be its target's times or over this factor, to fit its bars to its length."""
MIN_SECTION_SECONDS = 2.0
"""A shot shorter than this is merged into the one before it (into the next when it is the first)."""
MAX_TEMPO_CHANGE = 1.2
"""The largest change of tempo (a ratio) inside a section, where a motion peak opens a bar."""
MAX_PEAK_BARS = 6
"""The most motion peaks of one section tried as bar lines (every subset of them is tried)."""
DEFAULT_INSTRUMENT = "piano"


# --- a video: shots -> sections, with tempi that put the cuts on bar lines ------------------------------


@dataclass
class VideoPlan:
    """A plan for a video's music: the sections (one per shot, short shots merged), where each starts in the
    video, its tempo, and the events (cuts and motion peaks) the music marks."""

    plan: PiecePlan
    request: Request
    """The request for the whole piece (the text and the whole video's mean picture)."""
    starts: list[float]
    """The second at which each section starts (0, then cuts)."""
    tempi: list[float]
    """Each section's tempo (quarter notes a minute) in the video's time: its bars over its length (a
    section whose motion peaks open bars changes tempo there: :attr:`tempo_changes`)."""
    base_tempo: float
    """The one tempo of the unaligned music (the whole video's arousal, or the prompt's)."""
    quarters_per_bar: float
    duration: float
    events: list[float]
    """The cuts and motion peaks (seconds), a peak within 0.25 s of a cut counted once."""
    affects: list[Affect]
    aligned: bool = True
    notes: list[str] = field(default_factory=list)
    tempo_changes: list[tuple[int, float]] = field(default_factory=list)
    """The tempo map in bars: (the bar from which a tempo holds, quarter notes a minute), a change at each
    section's first bar and at each motion peak put on a bar line; empty: each section at its tempo in
    :attr:`tempi`."""
    move_onsets: bool = True
    """:func:`shape_dynamics` moves a note onto each event that has none (:func:`onsets_on_events`); off:
    the rhythm is as sampled (with the event pull, :func:`event_positions`, the sampler was asked for it)."""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["request"] = self.request.to_dict()
        return d

    def explain(self) -> str:
        lines = [f"{len(self.plan.sections)} sections for {self.duration:.2f} s of video, {self.plan.meter}:"]
        at = 0
        for s, bpm, a in zip(self.plan.sections, self.tempi, self.affects, strict=True):
            lines.append(
                f"  {s.name:24s} {s.bars:3d} bars at {bpm:6.1f} bpm  {s.key or '':9s} density "
                f"{'-' if s.density is None else f'{s.density:.2f}'}  {s.prompt:10s} "
                f"(valence {a.valence:+.2f}, arousal {a.arousal:+.2f})"
            )
            inner = [(b, t) for b, t in self.tempo_changes if at < b < at + s.bars]
            if inner:
                said = ", ".join(f"bar {b - at + 1} at {t:.1f} bpm" for b, t in inner)
                lines.append(f"  {'':24s} a motion peak opens {said}")
            at += s.bars
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def plan_video(video: VideoFeatures, prompt: str = "", align: bool = True, **options) -> VideoPlan:
    """The :class:`VideoPlan` for ``video``: module docstring. ``prompt`` and ``options`` (as for
    :func:`partita.generation.prompt.project_prompt`) win where they say something."""
    groups = _merge_shots(video.shots)
    mean = _mean_picture(video.shots)
    request = image_request(mean, prompt, "the video", motion=video.mean_motion, **options)
    c, words = request.conditions, project_prompt(prompt, **options)
    notes = []
    if not c.programs and not c.drums:
        options = {**options, "instruments": [DEFAULT_INSTRUMENT]}
        request = image_request(mean, prompt, "the video", motion=video.mean_motion, **options)
        c = request.conditions
        notes.append(f"no instruments named: {DEFAULT_INSTRUMENT}")
    meter = c.meter or "4/4"
    quarters = _quarters(meter)
    base = float(c.tempo_bpm or 105.0)
    affects = [picture_affect(_mean_picture(g), motion=_mean(g, "motion")) for g in groups]
    starts = [g[0].start for g in groups]
    ends = [*starts[1:], video.duration]
    fixed_tempo = words.conditions.tempo_bpm is not None
    targets = [base if fixed_tempo else tempo_for(a.arousal) for a in affects]
    if align:
        fitted = [
            _fit_section(s, e, t, quarters, video.motion_peaks)
            for s, e, t in zip(starts, ends, targets, strict=True)
        ]
        bars = [sum(n for n, _ in spans) for spans in fitted]
        tempi = [n * quarters * 60.0 / (e - s) for n, s, e in zip(bars, starts, ends, strict=True)]
        changes, at = [], 0
        for spans in fitted:
            for n, bpm in spans:
                changes.append((at, round(float(bpm), 6)))
                at += n
    else:
        bars, tempi = _constant_bars(starts, video.duration, base, quarters), [base] * len(starts)
        changes = [(0, base)]
    sections = _sections(groups, bars, affects, request, words, starts, ends)
    plan = PiecePlan(
        prompt=prompt,
        sections=sections,
        key=None,
        meter=meter,
        tempo=base,
        instruments=[str(p) for p in c.programs] + (["drums"] if c.drums else []),
    )
    if len(groups) < len(video.shots):
        notes.append(f"{len(video.shots) - len(groups)} shot(s) under {MIN_SECTION_SECONDS:g} s merged")
    return VideoPlan(
        plan=plan,
        request=request,
        starts=[round(s, 4) for s in starts],
        tempi=[float(t) for t in tempi],
        base_tempo=base,
        quarters_per_bar=quarters,
        duration=video.duration,
        events=video_events(video),
        affects=affects,
        aligned=align,
        notes=notes,
        tempo_changes=changes,
    )


def event_positions(vplan: VideoPlan, resolution: int) -> list[tuple[int, int]]:
    """The aligned plan's events as (bar from 0, position) pairs of a vocabulary with ``resolution``
    positions a beat of the meter, under the plan's tempo map (:func:`tempo_map`): where the sampler is asked
    for an onset (:mod:`partita.generation.rules.event_pull`). An event rounded onto the next bar line is
    that bar's position 0; events past the last bar are left out."""
    num, _, den = vplan.plan.meter.partition("/")
    beats, beat_quarters = int(num), 4 / int(den)
    n_bars = sum(s.bars for s in vplan.plan.sections)
    changes = dict(tempo_map(vplan))
    starts, bpms, at, bpm = [], [], 0.0, next(iter(changes.values()), vplan.base_tempo)
    for bar in range(n_bars):
        bpm = changes.get(bar, bpm)
        starts.append(at)
        bpms.append(bpm)
        at += vplan.quarters_per_bar * 60.0 / bpm
    out = set()
    for event in vplan.events:
        k = int(np.searchsorted(starts, event, side="right")) - 1
        if k < 0 or event >= at:
            continue
        pos = round((event - starts[k]) * bpms[k] / 60.0 / beat_quarters * resolution)
        if pos >= beats * resolution:
            k, pos = k + 1, 0
        if k < n_bars:
            out.add((k, int(pos)))
    return sorted(out)


def video_events(video: VideoFeatures) -> list[float]:
    """The cuts and the motion peaks, a peak within 0.25 s of a cut counted once (as the cut)."""
    cuts = list(video.cuts)
    peaks = [p for p in video.motion_peaks if all(abs(p - c) > 0.25 for c in cuts)]
    return sorted(round(t, 4) for t in cuts + peaks)


def _quarters(meter: str) -> float:
    num, _, den = meter.partition("/")
    return int(num) * 4 / int(den)


def _mean(shots: list[Shot], name: str) -> float:
    total = sum(s.duration for s in shots)
    return sum(getattr(s, name) * s.duration for s in shots) / total if total else getattr(shots[0], name)


def _mean_picture(shots: list[Shot]) -> ImageFeatures:
    keys = ("brightness", "saturation", "contrast", "colourfulness", "edge_density", "warmth")
    return ImageFeatures(
        **{k: _mean(shots, k) for k in keys}, hue_histogram=[], dominant_hue=None, warm_share=0.0
    )


def _merge_shots(shots: list[Shot]) -> list[list[Shot]]:
    """Shots grouped into sections: one under :data:`MIN_SECTION_SECONDS` joins the one before it (the
    first joins the next)."""
    groups: list[list[Shot]] = []
    for s in shots:
        if groups and (
            s.duration < MIN_SECTION_SECONDS or sum(x.duration for x in groups[-1]) < MIN_SECTION_SECONDS
        ):
            groups[-1].append(s)
        else:
            groups.append([s])
    if len(groups) > 1 and sum(x.duration for x in groups[-1]) < MIN_SECTION_SECONDS:
        groups[-2] += groups.pop()
    return groups


def _fit_section(
    start: float, end: float, target: float, quarters: float, peaks: list[float]
) -> list[tuple[int, float]]:
    """The spans of a section from ``start`` to ``end`` seconds, as (bars, tempo) each, that make it last
    exactly its length: the motion peaks inside it that can open a bar (each span's tempo within
    :data:`ALIGN_SPREAD` of ``target`` and :data:`TEMPO_RANGE`, changing by at most :data:`MAX_TEMPO_CHANGE`
    from span to span) do, the others fall on a beat where a tempo allows; of the ways to do so the one
    scored best by :func:`_spans_score` (at most :data:`MAX_PEAK_BARS` peaks a section are tried as bar
    lines). With no peak a bar line, one span: the bar count that puts most peaks on a beat, nearest the
    target."""
    inside = [p for p in peaks if start < p < end]
    best: tuple[float, list[tuple[int, float]]] | None = None
    tried = inside[:MAX_PEAK_BARS]
    for mask in range(1 << len(tried)):
        lines = [p for k, p in enumerate(tried) if mask >> k & 1]
        bounds = [start, *lines, end]
        spans = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            within = [p - a for p in inside if a < p < b]
            spans.append(_fit_bars(b - a, target, quarters, within, strict=bool(lines)))
        if None in spans or any(
            max(x[1], y[1]) / min(x[1], y[1]) > MAX_TEMPO_CHANGE
            for x, y in zip(spans, spans[1:], strict=False)
        ):
            continue
        score = _spans_score(spans, bounds, target, inside, lines)
        if best is None or score > best[0]:
            best = (score, spans)
    assert best is not None  # one span (no peak a bar line) always fits
    return best[1]


def _spans_score(
    spans: list[tuple[int, float]], bounds: list[float], target: float, peaks: list[float], lines: list[float]
) -> float:
    """How well a section's spans serve it: 1 for each motion peak on a bar line, 0.5 for each other one on
    a beat (within :data:`ACCENT_WINDOW`), less twice the mean |log| of the spans' tempi over the target
    (weighted by their length) and twice the |log| of each change of tempo inside the section."""
    hits = float(len(lines))
    for p in peaks:
        if p in lines:
            continue
        k = max(i for i, b in enumerate(bounds[:-1]) if b <= p)
        beat = 60.0 / spans[k][1]
        off = (p - bounds[k]) / beat
        hits += 0.5 * (abs(off - round(off)) * beat <= ACCENT_WINDOW)
    length = bounds[-1] - bounds[0]
    drift = sum(
        (b - a) / length * abs(math.log(bpm / target))
        for (_, bpm), a, b in zip(spans, bounds, bounds[1:], strict=False)
    )
    changes = sum(abs(math.log(y[1] / x[1])) for x, y in zip(spans, spans[1:], strict=False))
    return hits - 2.0 * drift - 2.0 * changes


def _fit_bars(
    seconds: float, target: float, quarters: float, peaks: list[float], strict: bool = False
) -> tuple[int, float] | None:
    """The bar count and tempo that make a span last exactly ``seconds``: among the tempi within
    :data:`ALIGN_SPREAD` of ``target`` (and :data:`TEMPO_RANGE`), the one that puts most motion ``peaks``
    (seconds from the span's start) on a beat, ties to the nearest to the target; with none in range, the
    nearest bar count, or None when ``strict``."""
    best = None
    for bars in range(1, 129):
        bpm = bars * quarters * 60.0 / seconds
        if bpm > TEMPO_RANGE[1]:
            break
        if bpm < TEMPO_RANGE[0] or not target / ALIGN_SPREAD <= bpm <= target * ALIGN_SPREAD:
            continue
        beat = 60.0 / bpm
        hits = sum(abs(p / beat - round(p / beat)) * beat <= ACCENT_WINDOW for p in peaks)
        score = hits - 2.0 * abs(math.log(bpm / target))
        if best is None or score > best[0]:
            best = (score, bars, bpm)
    if best is None:
        if strict:
            return None
        bars = max(1, min(128, round(seconds * target / (60.0 * quarters))))
        return bars, bars * quarters * 60.0 / seconds
    return best[1], best[2]


def _constant_bars(starts: list[float], duration: float, bpm: float, quarters: float) -> list[int]:
    """Bars per section at one tempo: each section from the bar nearest its start (at least one bar)."""
    bar = quarters * 60.0 / bpm
    marks = [round(s / bar) for s in starts] + [max(1, round(duration / bar))]
    out, at = [], 0
    for k in range(len(starts)):
        nxt = max(at + 1, marks[k + 1]) if k + 1 < len(starts) else max(at + 1, marks[-1])
        out.append(min(128, nxt - at))
        at = nxt
    return out


def _sections(groups, bars, affects, request: Request, words: Request, starts, ends) -> list[Section]:
    """One :class:`Section` a group of shots: its mode (relative to the piece's key), density and mood word,
    except where the prompt says otherwise."""
    c = request.conditions
    key_fixed = words.conditions.key is not None
    tonic = PITCH_CLASS_OF_TONIC[c.key] if c.key else (0 if (request.valence or 0) >= 0 else 9)
    major = tonic if (c.mode or "major") == "major" else (tonic + 3) % 12  # the relative major's tonic
    out = []
    for k, (g, n, a) in enumerate(zip(groups, bars, affects, strict=True)):
        mode = mode_for(a.valence) or c.mode or "major"
        if key_fixed:
            key = f"{c.key} {c.mode or 'major'}"
        else:
            key = f"{TONICS[major]} major" if mode == "major" else f"{TONICS[(major + 9) % 12]} minor"
        density = None if (c.style or "density" in words.faders) else fader_for(a.arousal)
        mood = "" if words.valence is not None else mood_for(a.valence, a.arousal)[0]
        name = f"shot {g[0].index + 1}" + (f"-{g[-1].index + 1}" if len(g) > 1 else "")
        out.append(
            Section(
                label=f"S{k + 1}",
                bars=int(n),
                name=f"{name} ({starts[k]:.1f}-{ends[k]:.1f} s)",
                key=key,
                density=density,
                prompt=mood,
            )
        )
    return out


# --- timing, dynamics and the alignment measure -----------------------------------------------------------


def timed(score: Score, vplan: VideoPlan, aligned: bool = True) -> Score:
    """A copy of ``score`` (the piece generated for ``vplan.plan``) with the video's tempo map: each section
    at its own tempo from its bar line (``aligned``), or the whole piece at ``vplan.base_tempo``."""
    from symusic import Tempo

    out = score.copy()
    out.tempos.clear()
    if not aligned:
        out.tempos.append(Tempo(0, qpm=float(vplan.base_tempo)))
        return out
    lines = bar_lines(out, sum(s.bars for s in vplan.plan.sections))
    for at, bpm in tempo_map(vplan):
        out.tempos.append(Tempo(int(lines[at]), qpm=float(bpm)))
    return out


def tempo_map(vplan: VideoPlan) -> list[tuple[int, float]]:
    """The aligned plan's tempo map in bars: :attr:`VideoPlan.tempo_changes`, or (a plan without them) a
    tempo at each section's first bar."""
    if vplan.tempo_changes:
        return [(int(b), float(t)) for b, t in vplan.tempo_changes]
    starts = np.cumsum([0] + [s.bars for s in vplan.plan.sections[:-1]])
    return [(int(b), float(t)) for b, t in zip(starts, vplan.tempi, strict=True)]


# --- each section on its own: the mode heard and the alignment, for choosing among candidates -------------


def section_ticks(score: Score, vplan: VideoPlan, index: int) -> tuple[int, int]:
    """The ticks of section ``index``'s first and closing bar lines in ``score`` (a piece for ``vplan``)."""
    starts = np.cumsum([0] + [s.bars for s in vplan.plan.sections])
    lines = bar_lines(score, int(starts[index + 1]))
    return int(lines[int(starts[index])]), int(lines[int(starts[index + 1])])


def section_key(score: Score, vplan: VideoPlan, index: int) -> str | None:
    """The key partita's analyzer (:func:`partita.analysis.key.estimate_key`) hears in section ``index``
    alone (its pitched notes starting in its bars), or None when it has too few notes to say."""
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import note_arrays

    lo, hi = section_ticks(score, vplan, index)
    notes = note_arrays(score)
    notes = notes.select(~notes.drum & (notes.start >= lo) & (notes.start < hi))
    if len(notes) == 0:
        return None
    estimate = estimate_key(notes, longest_region=False)
    return None if estimate is None else estimate.name


def asked_mode(vplan: VideoPlan, index: int) -> str:
    """The mode section ``index`` asks for ("major" or "minor", from its key)."""
    return (vplan.plan.sections[index].key or "C major").split()[-1]


def asked_pitch(vplan: VideoPlan, index: int) -> float | None:
    """The mean pitch section ``index`` asks the model for: its words (the plan's prompt and the section's
    mood word) and options projected as the generator projects them for that section
    (:func:`partita.generation.prompt.project_prompt`, whose :func:`~partita.generation.prompt.mood_pitch`
    gives a mood its register); None where nothing in them sets one."""
    section = vplan.plan.sections[index]
    text = ", ".join(t for t in (vplan.plan.prompt, section.prompt) if t)
    return project_prompt(text, **section_options(vplan.plan, section)).conditions.mean_pitch


def section_alignment(
    score: Score, vplan: VideoPlan, video: VideoFeatures, index: int, window: float = ALIGN_WINDOW
) -> float | None:
    """The alignment F (:func:`alignment`) of section ``index`` alone: the events from its start (its cut
    included) to its end, against the accents of ``score`` (the piece as generated, before :func:`timed`)
    once timed and shaped as :func:`partita.pipelines.picture.score_video` will; None when the section has
    no event."""
    start = vplan.starts[index]
    end = vplan.starts[index + 1] if index + 1 < len(vplan.starts) else vplan.duration
    events = [e for e in vplan.events if start - window <= e < end - window]
    if not events:
        return None
    marked = vplan.events if vplan.aligned else []
    music = shape_dynamics(timed(score, vplan, vplan.aligned), video, marked, vplan.move_onsets)
    accents = [a for a in musical_accents(music, end - window) if a >= start - window]
    return alignment(events, accents, window)["f_measure"]


def section_fit(score: Score, vplan: VideoPlan, video: VideoFeatures, index: int) -> dict[str, float]:
    """How candidate ``score`` (the piece up to section ``index``) serves its section: ``alignment`` (its
    F, where the section has events) and ``section_mode`` (1.0 when its notes are heard in the mode the
    section asks for, 0.0 when in the other, absent when they are too few to say)."""
    out: dict[str, float] = {}
    f = section_alignment(score, vplan, video, index)
    if f is not None:
        out["alignment"] = float(f)
    heard = section_key(score, vplan, index)
    if heard is not None:
        out["section_mode"] = float(heard.split()[-1] == asked_mode(vplan, index))
    return out
