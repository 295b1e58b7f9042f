"""Music for pictures: an image's or a video's features (:mod:`partita.picture`) projected onto valence and
arousal, and from there onto the controls the prompt projection's mood words set (XMusic's idea: an image as a
prompt, through emotion).

**The mapping** (a heuristic; its directions follow the colour-emotion literature, its weights are chosen by
hand, not fitted). Valdez and Mehrabian (1994) found that brighter colours are rated more pleasant (valence)
and more saturated ones more arousing; warm hues are commonly rated warmer and more active; visual complexity
(contrast, edges, as in the affective-image features of Machajdik and Hanbury, 2010) and, for a video, motion
raise arousal. Each feature is first centred and scaled to [-1, 1] (:func:`picture_affect`)::

    valence = 0.55 brightness + 0.30 warmth + 0.15 saturation
    arousal = 0.45 saturation + 0.30 contrast + 0.25 edge density        (an image)
    arousal = 0.5 (the same, of the shot) + 0.5 motion                   (a video shot; motion on a log scale)

and valence and arousal become music exactly as a mood word's do in :mod:`partita.generation.prompt`: mode
major or minor (when |valence| >= :data:`MODE_THRESHOLD`), tempo 105 + 55 arousal bpm, register (mean pitch)
62 + 8 valence, the density and rhythm faders 0.5 + 0.4 arousal (only when no style is named: a style keeps
its own density) and the nearest mood token. The words of a prompt win: whatever the text (or an option) sets
is kept and the picture fills only what it leaves open.

**A video** (:func:`plan_video`): each shot (short ones merged) is a section of a
:class:`~partita.generation.plan.PiecePlan`, with its own mode, density and mood word, so a cut is a new
section. With ``align`` each section gets a whole number of bars and its own tempo so that it lasts exactly as
long as its shot: every cut falls on a bar line, the music is as long as the video, and a motion peak inside a
shot opens a bar too where tempi near the shot's (within 30%, changing by at most 20% at the peak) allow it,
else falls on a beat where one does (VMAS's beats on motion: :func:`_fit_section`). :func:`event_positions`
gives the events to the sampler as bar positions, where the event pull
(:mod:`partita.generation.rules.event_pull`) asks for onsets on them. :func:`timed` writes that
tempo map into the generated piece; :func:`shape_dynamics` brings the next note onto an event that has none
within half a beat after it (:func:`onsets_on_events`), makes the loudness follow the sustained motion (a
2 s median: a burst is marked by its accent, not by a run of loud notes) and accents the notes that start on
a cut or a motion peak; :func:`alignment` measures how well the music's accents (:func:`musical_accents`)
meet the video's events.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from partita.analysis.key import PITCH_CLASS_OF_TONIC, TONICS
from partita.generation.config import GenerationConfig
from partita.generation.lexicon import MOOD_WORDS
from partita.generation.plan import PiecePlan, Section
from partita.generation.prompt import project_prompt
from partita.generation.request import Request, Understood
from partita.picture import ImageFeatures, Shot, VideoFeatures
from partita.score import Score
from partita.score.bars import bar_lines

MODE_THRESHOLD = 0.15
"""The |valence| from which a picture sets the mode (nearer 0 the picture is neutral: the model chooses)."""
TEMPO_RANGE = (40.0, 220.0)
ALIGN_SPREAD = 1.3
"""A shot's tempo may be its target's times or over this factor, to fit its bars to its length."""
MIN_SECTION_SECONDS = 2.0
"""A shot shorter than this is merged into the one before it (into the next when it is the first)."""
MAX_TEMPO_CHANGE = 1.2
"""The largest change of tempo (a ratio) inside a section, where a motion peak opens a bar."""
MAX_PEAK_BARS = 6
"""The most motion peaks of one section tried as bar lines (every subset of them is tried)."""
ACCENT_WINDOW = 0.08
"""Notes starting this close (seconds) to a cut or a motion peak are accented."""
DYNAMICS_WINDOW = 2.0
"""Seconds of motion whose median the loudness follows (:func:`sustained_motion`)."""
ONSET_REACH = 0.5
"""How far after an event with no note on it (quarter notes) the next onset is brought onto it."""
ACCENT_BOOST = 24
"""Velocity added to an accented note."""
ACCENT_MARGIN = 12
"""How much louder (velocity) an accented note is at least than every other note within
:data:`ACCENT_NEIGHBOURHOOD` of it; the other notes stay under 127 by as much, so an accent has room above
them (0: the accents as before 2026-12-06's evening, the boost alone, ties at 127 kept)."""
ACCENT_NEIGHBOURHOOD = 1.0
"""Seconds either side of an accented note within which it is the loudest."""
ALIGN_WINDOW = 0.1
"""The tolerance (seconds) of the alignment F-measure (mir_eval.onset.f_measure)."""
DEFAULT_INSTRUMENT = "piano"
MODE_PULL = 0.0
"""The tonic pull (:attr:`~partita.generation.config.GenerationConfig.tonic_weight`) a picture's music is
sampled with by default: none. Key gravity is off by default for realism (docs/GENERATION.md § Realism); a
video's sections get their modes by choice instead (``partita.pipelines.picture.PictureSelector`` keeps the
candidate heard in the mode asked), which ``bench/bench_picture.py`` measured as honouring the mode as often
as a pull of 0.5 did, without the pull's cost to the melody (more repeated notes, fewer steps). A picture
request may still ask for the pull (``score_video(mode_pull=0.5)``, ``--mode-pull 0.5``; docs/PICTURES.md
§ The mode)."""

EVENT_PULL: float = GenerationConfig.event_weight
"""The event pull (:mod:`partita.generation.rules.event_pull`) a video's music is sampled with by default: the
logit bonus of an onset on a cut or a motion peak (:func:`event_positions`), and the penalty of skipping one;
0: the rhythm is the model's own, and only :func:`onsets_on_events` puts notes on the events. The sampler's
own default (``GenerationConfig.event_weight``), so the two cannot drift apart."""


@dataclass
class Affect:
    """Valence and arousal (each -1 to 1) and the features they came from."""

    valence: float
    arousal: float
    reasons: dict[str, float] = field(default_factory=dict)
    """Each feature scaled to [-1, 1] (brightness, warmth, ...), as used."""

    def because(self, names: tuple[str, ...]) -> str:
        return ", ".join(f"{k.replace('_', ' ')} {self.reasons[k]:+.2f}" for k in names if k in self.reasons)


def _clip(x: float) -> float:
    return float(min(1.0, max(-1.0, x)))


def motion_level(motion: float) -> float:
    """Motion (frame widths per second) on a log scale in [-1, 1]: 0.03 is 0, four times more is 1."""
    return _clip(math.log2(max(float(motion), 1e-4) / 0.03) / 2.0)


def picture_affect(features: ImageFeatures, motion: float | None = None) -> Affect:
    """The valence and arousal of a picture (and of a video shot, with its ``motion``): module docstring."""
    f = features
    scaled = {
        "brightness": _clip((f.brightness - 0.5) / 0.3),
        "warmth": _clip(f.warmth / 0.3),
        "saturation": _clip((f.saturation - 0.35) / 0.3),
        "contrast": _clip((f.contrast - 0.4) / 0.3),
        "edge_density": _clip((f.edge_density - 0.08) / 0.08),
    }
    valence = 0.55 * scaled["brightness"] + 0.30 * scaled["warmth"] + 0.15 * scaled["saturation"]
    arousal = 0.45 * scaled["saturation"] + 0.30 * scaled["contrast"] + 0.25 * scaled["edge_density"]
    if motion is not None:
        scaled["motion"] = motion_level(motion)
        arousal = 0.5 * arousal + 0.5 * scaled["motion"]
    return Affect(
        round(_clip(valence), 3), round(_clip(arousal), 3), {k: round(v, 3) for k, v in scaled.items()}
    )


def tempo_for(arousal: float) -> float:
    """The prompt projection's tempo for an arousal: 105 + 55 arousal bpm."""
    return float(round(105 + 55 * arousal))


def fader_for(arousal: float) -> float:
    """The prompt projection's density and rhythm fader for an arousal: 0.5 + 0.4 arousal."""
    return round(0.5 + 0.4 * arousal, 2)


def mode_for(valence: float) -> str | None:
    """Major or minor by the sign of the valence; None when it is too near 0 to say."""
    return None if abs(valence) < MODE_THRESHOLD else ("major" if valence > 0 else "minor")


def mood_for(valence: float, arousal: float) -> tuple[str, str]:
    """The mood word of :data:`~partita.generation.lexicon.MOOD_WORDS` nearest to (valence, arousal), and its
    mood token."""
    word = min(
        MOOD_WORDS, key=lambda w: (MOOD_WORDS[w][1] - valence) ** 2 + (MOOD_WORDS[w][2] - arousal) ** 2
    )
    return word, MOOD_WORDS[word][0]


def image_request(
    features: ImageFeatures,
    prompt: str = "",
    source: str = "the image",
    motion: float | None = None,
    **options,
) -> Request:
    """The :class:`Request` for music to a picture: ``prompt`` and ``options`` projected as text is
    (:func:`partita.generation.prompt.project_prompt`), and what they leave open (tempo, mode, register,
    density, mood) set from the picture's valence and arousal. What was read and what it set are in the
    request's ``understood`` and ``notes``, so :meth:`Request.explain` shows them."""
    affect = picture_affect(features, motion)
    words = project_prompt(prompt, **options)  # what the text and the options say by themselves
    extra: dict = {}
    if words.conditions.tempo_bpm is None:
        extra["tempo"] = tempo_for(affect.arousal)
    if words.conditions.style is None and words.valence is None:
        extra.update({k: fader_for(affect.arousal) for k in ("density", "rhythm") if k not in words.faders})
    request = project_prompt(prompt, **options, **extra)
    _fill_from_picture(request, words, affect, extra, source)
    return request


def _text_sets_mode(words: Request) -> bool:
    return words.conditions.mode is not None and "no mode given: major" not in words.notes


def _fill_from_picture(request: Request, words: Request, affect: Affect, extra: dict, source: str) -> None:
    """Set what the words left open from ``affect``, and say so in the request's account."""
    c = request.conditions
    said = []
    if request.valence is None:
        request.valence, request.arousal = affect.valence, affect.arousal
        v_note = affect.because(("brightness", "warmth", "saturation"))
        a_note = affect.because(("saturation", "contrast", "edge_density", "motion"))
        said += [("valence", f"{affect.valence:+.2f}", v_note), ("arousal", f"{affect.arousal:+.2f}", a_note)]
        mode = mode_for(affect.valence)
        if mode is not None and not _text_sets_mode(words):
            c.mode = mode
            request.notes[:] = [n for n in request.notes if n != "no mode given: major"]
            said.append(("mode", mode, f"valence {affect.valence:+.2f}"))
        if words.conditions.mean_pitch is None:
            c.mean_pitch = round(62 + 8 * affect.valence, 1)
            said.append(("mean pitch", c.mean_pitch, "62 + 8 valence"))
        if c.mood is None:
            word, c.mood = mood_for(affect.valence, affect.arousal)
            said.append(("mood", c.mood, f"nearest mood word: {word!r}"))
    else:
        request.notes.append(f"the prompt's mood words set valence and arousal: {source} does not")
    if "tempo" in extra:
        said.append(("tempo", f"{extra['tempo']:g} bpm", f"105 + 55 arousal ({affect.arousal:+.2f})"))
    for k in ("density", "rhythm"):
        if k in extra:
            said.append((f"{k} fader", f"{extra[k]:.2f}", "0.5 + 0.4 arousal"))
    request.understood += [Understood(source, f, v, note) for f, v, note in said]
    request.notes.append(
        f"from {source}: colour, light, edges and motion only (no vision model: what it shows is not known)"
    )


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


def _tempo_steps(score: Score) -> list[tuple[int, float]]:
    """The tempo map as (tick, quarters a minute), from tick 0 (120 before the first tempo)."""
    tempos = sorted((int(t.time), float(t.qpm)) for t in score.tempos) or [(0, 120.0)]
    return tempos if tempos[0][0] == 0 else [(0, 120.0), *tempos]


def tick_seconds(score: Score):
    """A function from ticks to seconds under ``score``'s tempo map (120 bpm before the first tempo)."""
    tpq = float(score.ticks_per_quarter)
    tempos = _tempo_steps(score)
    starts, at = [], 0.0
    for k, (tick, _) in enumerate(tempos):
        if k:
            at += (tick - tempos[k - 1][0]) * 60.0 / (tempos[k - 1][1] * tpq)
        starts.append(at)
    ticks = np.array([t for t, _ in tempos])

    def convert(tick: float) -> float:
        k = int(np.searchsorted(ticks, tick, side="right")) - 1
        return starts[k] + (tick - tempos[k][0]) * 60.0 / (tempos[k][1] * tpq)

    return convert


def second_ticks(score: Score):
    """A function from seconds to ticks under ``score``'s tempo map: the inverse of :func:`tick_seconds`."""
    seconds = tick_seconds(score)
    tpq = float(score.ticks_per_quarter)
    tempos = _tempo_steps(score)
    starts = np.array([seconds(tick) for tick, _ in tempos])

    def convert(second: float) -> float:
        k = max(0, int(np.searchsorted(starts, second, side="right")) - 1)
        return tempos[k][0] + (second - starts[k]) * tempos[k][1] * tpq / 60.0

    return convert


def shape_dynamics(
    score: Score,
    video: VideoFeatures,
    events: list[float],
    move_onsets: bool = True,
    margin: int = ACCENT_MARGIN,
    window: float = DYNAMICS_WINDOW,
) -> Score:
    """``score`` (in place, returned) with its notes on the events (:func:`onsets_on_events`), loudness
    following the video's sustained motion (velocity times 0.75 at no motion to 1.25 at full:
    :func:`sustained_motion`) and the notes starting within :data:`ACCENT_WINDOW` of an event accented (plus
    :data:`ACCENT_BOOST`, and at least ``margin`` over every other pitched note within
    :data:`ACCENT_NEIGHBOURHOOD`, which stay ``margin`` under 127): a burst of motion is marked by the accent
    on its peak, not by a run of loud notes through it, and the accent is the loudest note around it, not one
    tied with them at 127 or with a second onset on the same event (only the onset nearest to an event is
    accented). ``move_onsets`` off: the rhythm is as sampled (no note moved onto an event); ``margin`` 0: the
    accents as before 2026-12-06's evening (the boost alone, on every note within the window, clipped to 127,
    ties kept); ``window``: the seconds of motion whose median the loudness follows."""
    if move_onsets:
        onsets_on_events(score, events)
    notes = [(track.is_drum, note) for track in score.tracks for note in track.notes]
    if not notes:
        return score
    seconds = tick_seconds(score)
    times, levels = sustained_motion(video, window)
    when = np.array([seconds(n.time) for _, n in notes])
    velocity = np.array([n.velocity for _, n in notes], float) * (0.75 + 0.5 * np.interp(when, times, levels))
    pitched = ~np.array([drum for drum, _ in notes])
    accented = _accented(when, [n.time for _, n in notes], pitched, events, nearest=bool(margin))
    velocity = np.where(accented, velocity + ACCENT_BOOST, np.minimum(velocity, 127 - margin))
    if margin:
        for i in np.flatnonzero(accented & pitched):
            around = pitched & ~accented & (np.abs(when - when[i]) <= ACCENT_NEIGHBOURHOOD)
            if around.any():
                velocity[i] = max(velocity[i], velocity[around].max() + margin)
    for (_, note), v in zip(notes, velocity, strict=True):
        note.velocity = int(min(127, max(1, round(float(v)))))
    return score


def _accented(
    when: np.ndarray, ticks: list[int], pitched: np.ndarray, events: list[float], nearest: bool
) -> np.ndarray:
    """Which notes an accent falls on: those starting within :data:`ACCENT_WINDOW` of an event; with
    ``nearest``, only the onset nearest to each event (its notes on that tick, the pitched ones searched
    first), so that two onsets a 32nd apart on one event do not share, and tie, its accent."""
    marks = np.asarray(sorted(events), dtype=float)
    out = np.zeros(len(when), dtype=bool)
    if not len(marks):
        return out
    if not nearest:
        return np.min(np.abs(when[:, None] - marks[None, :]), axis=1) <= ACCENT_WINDOW
    ticks_array, search = np.asarray(ticks), pitched if pitched.any() else np.ones(len(when), dtype=bool)
    for mark in marks:
        gap = np.where(search, np.abs(when - mark), np.inf)
        i = int(np.argmin(gap))
        if gap[i] <= ACCENT_WINDOW:
            out |= ticks_array == ticks_array[i]
    return out


def onsets_on_events(score: Score, events: list[float], reach: float = ONSET_REACH) -> Score:
    """``score`` (in place, returned) with a note starting on each event that had none within
    :data:`ACCENT_WINDOW` of it: the pitched notes of the first onset after the event, within ``reach``
    quarter notes, start on it instead (anticipated: they keep their ends; a note of the same pitch and
    track still sounding there ends there). A rest, or an onset played a little late, no longer leaves a cut
    or a motion peak unmarked; the rest of the rhythm is as generated."""
    seconds, ticks = tick_seconds(score), second_ticks(score)
    notes = [(track, note) for track in score.tracks if not track.is_drum for note in track.notes]
    if not notes:
        return score
    onset = np.array([n.time for _, n in notes], dtype=np.int64)
    end = onset + np.array([n.duration for _, n in notes], dtype=np.int64)
    when = np.array([seconds(int(t)) for t in onset])
    for event in sorted(events):
        if float(np.min(np.abs(when - event))) <= ACCENT_WINDOW:
            continue
        at = int(round(ticks(event)))
        later = onset[(onset > at) & (onset <= at + reach * score.ticks_per_quarter)]
        if not len(later):
            continue
        first = np.flatnonzero(onset == later.min())
        moved = {(id(notes[i][0]), notes[i][1].pitch) for i in first}
        for i in np.flatnonzero((onset < at) & (end > at)):  # sounding there: the same pitch ends there
            track, note = notes[i]
            if (id(track), note.pitch) in moved:
                note.duration, end[i] = at - note.time, at
        for i in first:
            note = notes[i][1]
            note.duration, note.time = int(end[i]) - at, at
            onset[i], when[i] = at, event
    return score


def sustained_motion(video: VideoFeatures, window: float = DYNAMICS_WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """The video's motion level (:func:`motion_level`, scaled to 0-1) at its motion samples, each the median
    of the samples within ``window`` seconds around it (the frames across a cut left out): the motion a shot
    keeps up, through which a burst shorter than half the window does not show."""
    times = np.asarray(video.motion_times, dtype=float)
    levels = np.array([(motion_level(m) + 1) / 2 if not math.isnan(m) else np.nan for m in video.motion])
    keep = ~np.isnan(levels)
    if not keep.any():
        return np.array([0.0]), np.array([0.5])
    times, levels = times[keep], levels[keep]
    lo = np.searchsorted(times, times - window / 2, side="left")
    hi = np.searchsorted(times, times + window / 2, side="right")
    return times, np.array([float(np.median(levels[a:b])) for a, b in zip(lo, hi, strict=True)])


def onset_ticks(score: Score) -> tuple[np.ndarray, np.ndarray]:
    """The ticks of the pitched onsets (the notes starting on one tick are one onset), in order, and the
    velocity of each (its loudest note)."""
    loudest: dict[int, float] = {}
    for track in score.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            loudest[int(note.time)] = max(loudest.get(int(note.time), 0.0), float(note.velocity))
    ticks = sorted(loudest)
    return np.array(ticks, dtype=np.int64), np.array([loudest[t] for t in ticks], dtype=float)


def musical_accents(
    score: Score, duration: float | None = None, top: float = 0.1, ties: bool = False
) -> list[float]:
    """The music's accents (seconds): onsets on a downbeat, and the loudest onsets (the top ``top`` share by
    the velocity of the loudest note starting there: velocity is how MIDI accents a note;
    :func:`loudest_onsets`, ``ties`` as there); drums are left out, onsets within 30 ms are one."""
    seconds = tick_seconds(score)
    ticks, strength = onset_ticks(score)
    if not len(ticks):
        return []
    times = np.array([seconds(t) for t in ticks])
    n_bars = int(max(ticks) // max(1, score.ticks_per_quarter)) + 2
    downbeats = np.array([seconds(t) for t in bar_lines(score, n_bars)])
    on_bar = np.array([float(np.min(np.abs(downbeats - t))) <= 0.03 for t in times])
    picked = times[on_bar | loudest_onsets(strength, top, ties, times)]
    if duration is not None:
        picked = picked[picked < duration]
    return _merge_close(picked.tolist(), 0.03)


def loudest_onsets(
    strength: np.ndarray, top: float = 0.1, ties: bool = False, times: np.ndarray | None = None
) -> np.ndarray:
    """Which onsets are among the loudest ``top`` share by ``strength`` (their velocity), and louder than
    the median: the loudest levels taken whole, from the top, while they fit in the share (rounded up); of
    the level whose tied onsets would overflow it only those louder than every other onset within
    :data:`ACCENT_NEIGHBOURHOOD` (with ``times``, seconds; none without), however many: with 8 velocity steps
    a level often holds a third of the onsets, and a run of equally loud notes has no accent in it.
    ``ties``: every onset at least as loud as the share's quantile (the rule before 2026-12-06's evening)."""
    strength = np.asarray(strength, dtype=float)
    out = np.zeros(len(strength), dtype=bool)
    if not len(strength):
        return out
    median = np.median(strength)
    if ties:
        return (strength >= np.quantile(strength, 1.0 - top)) & (strength > median)
    room = math.ceil(top * len(strength) - 1e-9)
    for level in np.unique(strength)[::-1]:
        tied = strength == level
        if level <= median:
            break
        if out.sum() + tied.sum() <= room:
            out |= tied
            continue
        if times is not None:
            out |= tied & _local_peaks(strength, np.asarray(times, dtype=float))
        break
    return out


def _local_peaks(strength: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The onsets louder than every other within :data:`ACCENT_NEIGHBOURHOOD` seconds."""
    near = np.abs(times[:, None] - times[None, :]) <= ACCENT_NEIGHBOURHOOD
    np.fill_diagonal(near, False)
    others = np.where(near, strength[None, :], -np.inf).max(axis=1)
    return strength > others


def _merge_close(times: list[float], gap: float) -> list[float]:
    out: list[float] = []
    for t in sorted(times):
        if not out or t - out[-1] > gap:
            out.append(round(float(t), 4))
    return out


def alignment(events: list[float], accents: list[float], window: float = ALIGN_WINDOW) -> dict[str, float]:
    """mir_eval's onset F-measure (and precision, recall) of the music's ``accents`` against the video's
    ``events``, within ``window`` seconds; 0 when either is empty."""
    import mir_eval

    if not events or not accents:
        return {"f_measure": 0.0, "precision": 0.0, "recall": 0.0, "window": window}
    f, p, r = mir_eval.onset.f_measure(np.asarray(events), np.asarray(accents), window=window)
    return {
        "f_measure": round(float(f), 4),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "window": window,
    }


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
