"""An image's or a video shot's features (:mod:`partita.picture`) projected onto valence and arousal, and from
there onto the controls the prompt projection's mood words set (XMusic's idea: an image as a prompt, through
emotion). Part of :mod:`partita.generation.picture`, which describes the whole and from which callers import.

**The mapping** (a heuristic; its directions follow the colour-emotion literature, its weights are chosen by
hand, not fitted). Valdez and Mehrabian (1994) found that brighter colours are rated more pleasant (valence)
and more saturated ones more arousing; warm hues are commonly rated warmer and more active; visual complexity
(contrast, edges, as in the affective-image features of Machajdik and Hanbury, 2010) and, for a video, motion
raise arousal. Each feature is first centred and scaled to [-1, 1] (:func:`picture_affect`)::

    valence = 0.55 brightness + 0.30 warmth + 0.15 saturation
    arousal = 0.45 lit saturation + 0.30 contrast + 0.25 structure       (a still)
    arousal = 0.5 (0.45 saturation + 0.30 contrast + 0.25 edge density)
              + 0.5 motion                                               (a video shot; motion on a log scale)
    arousal = (1 - 0.5 b) (the still's) + 0.5 b                          (a still with motion blur b, 0-1)

**Texture is not activity, a dark tint is not saturation** (a still only): the arousal reads the picture's
edges once its texture is taken away (:attr:`~partita.picture.ImageFeatures.structure_density`: Canny after
a 5-pixel median filter, counted as at 512 pixels whatever the picture's size), so fur, foliage and grain
do not read as a busy picture; and its saturation with a dark pixel's counted in proportion to its value
(:attr:`~partita.picture.ImageFeatures.lit_saturation`), so a dark ground with a faint tint (HSV S near 1)
does not read as vivid colour. Both are scaled as the measures they replace (on a picture without texture
or dark pixels they read the same). Before, Gradio's lion lying on a rock (its mane's and the rock's
texture) and scikit-learn's dahlia on a dark defocused ground asked for 123 bpm; now 101 and 106
(``bench/bench_picture_texture.py``, docs/PICTURES.md). A video shot's mean colour keeps HSV saturation and
every edge (its arousal is half its measured motion); the valence keeps HSV saturation too.

**Motion blur** (a still only): b = (streak coherence - 0.3) / 0.4, clipped to [0, 1]
(:attr:`~partita.picture.ImageFeatures.motion_blur`): a picture smoothed along one direction everywhere (a
running animal the camera panned with, a speeding car) is read as a video shot whose motion is at the top of
the scale, blended by how sure the reading is. Without it the blur itself read as calm: it takes away the
contrast and the edges that raise arousal (a running cheetah asked for an Andante at 94 bpm). A video shot's
motion is measured, so its frames' blur is not used.

and valence and arousal become music exactly as a mood word's do in :mod:`partita.generation.prompt`: mode
major or minor (when |valence| >= :data:`MODE_THRESHOLD`; with no key in the words, the plan then chooses one
in that mode, :mod:`partita.generation.mode_keys`), tempo 105 + 55 arousal bpm, register (mean pitch)
62 + 8 valence, low from valence -0.35 and high from +0.45 (:func:`~partita.generation.prompt.mood_pitch`: not
with a style named, nor out of a named instrument's range), the density and rhythm faders 0.5 + 0.4 arousal
(only when no style is named: a style keeps its own density) and the nearest mood token. The words of a
prompt win: whatever the text (or an option) sets is kept and the picture fills only what it leaves open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from partita.generation.lexicon import MOOD_WORDS
from partita.generation.prompt import mood_pitch, project_prompt
from partita.generation.request import Request, Understood
from partita.picture import ImageFeatures

MODE_THRESHOLD = 0.15
"""The |valence| from which a picture sets the mode (nearer 0 the picture is neutral: the model chooses)."""
BLUR_FROM = 0.3
"""The streak coherence from which a still reads as motion-blurred (sharp pictures: under 0.2)."""
BLUR_SPAN = 0.4
"""How much more coherence reads as full motion (b = 1 from 0.70)."""
BLUR_WEIGHT = 0.5
"""How far full motion blur moves a still's arousal towards +1: as a video shot's motion does (0.5)."""


EDGES = ("edge_density", "structure")
"""The names a picture's edges are read under: all of them (a video shot), or without texture (a still)."""


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


def blur_level(coherence: float) -> float:
    """A still's motion blur b in [0, 1] from its streak coherence: 0 under :data:`BLUR_FROM`, 1 from
    :data:`BLUR_FROM` + :data:`BLUR_SPAN`."""
    return float(min(1.0, max(0.0, (float(coherence) - BLUR_FROM) / BLUR_SPAN)))


def picture_affect(features: ImageFeatures, motion: float | None = None) -> Affect:
    """The valence and arousal of a picture (and of a video shot, with its ``motion``): module docstring."""
    f = features
    scaled = {
        "brightness": _clip((f.brightness - 0.5) / 0.3),
        "warmth": _clip(f.warmth / 0.3),
        "saturation": _clip((f.saturation - 0.35) / 0.3),
        "contrast": _clip((f.contrast - 0.4) / 0.3),
    }
    # the arousal reads a still's saturation with dark pixels' tint counted by their value, and its edges
    # without texture (module docstring); a video shot's mean colour has neither: HSV's and all the edges
    sat = "saturation"
    if f.lit_saturation is not None:
        sat = "lit_saturation"
        scaled[sat] = _clip((f.lit_saturation - 0.35) / 0.3)
    edges, density = (
        ("structure", f.structure_density)
        if f.structure_density is not None
        else ("edge_density", f.edge_density)
    )
    scaled[edges] = _clip((density - 0.08) / 0.08)
    valence = 0.55 * scaled["brightness"] + 0.30 * scaled["warmth"] + 0.15 * scaled["saturation"]
    arousal = 0.45 * scaled[sat] + 0.30 * scaled["contrast"] + 0.25 * scaled[edges]
    if motion is not None:
        scaled["motion"] = motion_level(motion)
        arousal = 0.5 * arousal + 0.5 * scaled["motion"]
    else:
        blur = blur_level(f.motion_blur)
        if blur > 0:
            scaled["motion_blur"] = blur
            arousal = (1 - BLUR_WEIGHT * blur) * arousal + BLUR_WEIGHT * blur
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


def _arousal_saturation(affect: Affect) -> str:
    return "lit_saturation" if "lit_saturation" in affect.reasons else "saturation"


def _text_sets_mode(words: Request) -> bool:
    return words.conditions.mode is not None and "no mode given: major" not in words.notes


def _fill_from_picture(request: Request, words: Request, affect: Affect, extra: dict, source: str) -> None:
    """Set what the words left open from ``affect``, and say so in the request's account."""
    c = request.conditions
    said = []
    if request.valence is None:
        request.valence, request.arousal = affect.valence, affect.arousal
        v_note = affect.because(("brightness", "warmth", "saturation"))
        a_note = affect.because((_arousal_saturation(affect), "contrast", *EDGES, "motion", "motion_blur"))
        said += [("valence", f"{affect.valence:+.2f}", v_note), ("arousal", f"{affect.arousal:+.2f}", a_note)]
        mode = mode_for(affect.valence)
        if mode is not None and not _text_sets_mode(words):
            c.mode = mode
            request.notes[:] = [n for n in request.notes if n != "no mode given: major"]
            said.append(("mode", mode, f"valence {affect.valence:+.2f}"))
        if words.conditions.mean_pitch is None:  # the words' register (or the mood's) wins
            # 62 + 8 valence alone always fell in the Register token's middle bin: a strong valence now
            # crosses into the low or the high one (mood_pitch: not with a style, nor out of an instrument's)
            c.mean_pitch, why = mood_pitch(affect.valence, c.style, c.programs, source)
            said.append(("mean pitch", c.mean_pitch, why or "62 + 8 valence"))
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
