"""Music for pictures: an image's or a video's features (:mod:`partita.picture`) projected onto valence and
arousal, and from there onto the controls the prompt projection's mood words set (XMusic's idea: an image as a
prompt, through emotion). This module is the one place callers import from; the work is done in three:

- :mod:`partita.generation.picture_mapping`, **the mapping** (a heuristic after the colour-emotion
  literature, its weights chosen by hand, not fitted): brightness, warmth and saturation give the valence;
  saturation, contrast, edges (a still's without texture; and a video shot's motion, or a still's motion
  blur) the arousal
  (:func:`picture_affect`); they set the mode, tempo, register, density and mood as a mood word's do, where
  the words of the prompt leave them open (:func:`image_request`);
- :mod:`partita.generation.picture_video`, **a video's plan** (:func:`plan_video`): each shot (short ones
  merged) a section with its own mode, density and mood word, and, aligned, a whole number of bars at its
  own tempo so that every cut falls on a bar line and motion peaks on bar lines or beats; the events as bar
  positions for the sampler's event pull (:func:`event_positions`); the tempo map written into the piece
  (:func:`timed`); how a candidate serves its section (:func:`section_fit`);
- :mod:`partita.generation.picture_accents`, **timing, loudness and accents**: :func:`shape_dynamics` brings
  a note onto each event that has none (:func:`onsets_on_events`), makes the loudness follow the sustained
  motion and accents the notes on a cut or a motion peak; :func:`alignment` measures how well the music's
  accents (:func:`musical_accents`) meet the video's events.
"""

from __future__ import annotations

from partita.generation.config import GenerationConfig
from partita.generation.picture_accents import (
    ACCENT_BOOST,
    ACCENT_MARGIN,
    ACCENT_NEIGHBOURHOOD,
    ACCENT_WINDOW,
    ALIGN_WINDOW,
    DYNAMICS_WINDOW,
    ONSET_REACH,
    alignment,
    loudest_onsets,
    musical_accents,
    onset_ticks,
    onsets_on_events,
    second_ticks,
    shape_dynamics,
    sustained_motion,
    tick_seconds,
)
from partita.generation.picture_mapping import (
    MODE_THRESHOLD,
    Affect,
    fader_for,
    image_request,
    mode_for,
    mood_for,
    mood_pitch,
    motion_level,
    picture_affect,
    tempo_for,
)
from partita.generation.picture_video import (
    ALIGN_SPREAD,
    DEFAULT_INSTRUMENT,
    MAX_PEAK_BARS,
    MAX_TEMPO_CHANGE,
    MIN_SECTION_SECONDS,
    TEMPO_RANGE,
    VideoPlan,
    asked_mode,
    asked_pitch,
    event_positions,
    plan_video,
    section_alignment,
    section_fit,
    section_key,
    section_ticks,
    tempo_map,
    timed,
    video_events,
)

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

__all__ = [
    "ACCENT_BOOST",
    "ACCENT_MARGIN",
    "ACCENT_NEIGHBOURHOOD",
    "ACCENT_WINDOW",
    "ALIGN_SPREAD",
    "ALIGN_WINDOW",
    "DEFAULT_INSTRUMENT",
    "DYNAMICS_WINDOW",
    "EVENT_PULL",
    "MAX_PEAK_BARS",
    "MAX_TEMPO_CHANGE",
    "MIN_SECTION_SECONDS",
    "MODE_PULL",
    "MODE_THRESHOLD",
    "ONSET_REACH",
    "TEMPO_RANGE",
    "Affect",
    "VideoPlan",
    "alignment",
    "asked_mode",
    "asked_pitch",
    "event_positions",
    "fader_for",
    "image_request",
    "loudest_onsets",
    "mode_for",
    "mood_for",
    "mood_pitch",
    "motion_level",
    "musical_accents",
    "onset_ticks",
    "onsets_on_events",
    "picture_affect",
    "plan_video",
    "second_ticks",
    "section_alignment",
    "section_fit",
    "section_key",
    "section_ticks",
    "shape_dynamics",
    "sustained_motion",
    "tempo_for",
    "tempo_map",
    "tick_seconds",
    "timed",
    "video_events",
]
