"""Condition tokens: what a piece is, said as a prefix the language model reads before the music.

A training sequence is ``BOS, <condition tokens>, CondEnd, <music tokens>, EOS``. The condition tokens come
from the corpus labels and the analysis layer's description of each piece; at generation time they come from
the prompt. Every field is optional: a field that is unknown (or dropped at random during training, so the
model also learns to generate without it) is simply absent from the prefix.

The vocabulary (all tokens ``Field_value``):

==============  =====================================================================================
field           values
==============  =====================================================================================
``Style``       :data:`STYLES` (corpus-derived families: chorale, renaissance, irish_reel, pop, ...)
``Region``      :data:`REGIONS` (country of origin where the corpus gives one)
``Key``         the tonic as a pitch class name, :data:`TONICS`
``Mode``        ``major`` / ``minor``
``Meter``       :data:`METERS` (other meters are ``other``)
``TempoBin``    0-8, Mustango's bins (:mod:`partita.analysis.tempo`)
``Program``     0-127 for each General MIDI program present, ``drums`` for a drum track
``Density``     0-7, notes per beat in bins (:data:`DENSITY_EDGES`): the note-density fader
``Polyphony``   0-5, mean notes sounding together (:data:`POLYPHONY_EDGES`): the polyphony fader
``Rhythm``      0-5, onsets (distinct note starts) per beat (:data:`RHYTHM_EDGES`): the rhythmic-density fader
``Register``    ``low`` / ``mid`` / ``high``, from the mean pitch
``Bars``        length in bars, binned (:data:`BAR_EDGES`)
``Mood``        :data:`MOODS`
==============  =====================================================================================

The polyphony is :func:`partita.analysis.features.mean_polyphony`, the one the analysis measures with; the
tonic and mode names are :mod:`partita.analysis.key`'s.

miditok's own attribute controls (bar note density and polyphony) are switched off by miditok 3.1 whenever
``one_token_stream_for_programs=True`` (REMI+), with only a warning; these piece-level tokens are partita's
replacement, and they serve as the faders of controllable generation.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import asdict, dataclass, field, fields

# The tonic and mode names are the analysis layer's (one definition, partita.analysis.key); generation imports
# PITCH_CLASS_OF_TONIC from here, so it is re-exported.
from partita.analysis.key import MODES, TONICS, tonic_name
from partita.analysis.key import PITCH_CLASS_OF_TONIC as PITCH_CLASS_OF_TONIC
from partita.analysis.tempo import N_TEMPO_BINS, tempo_bin

STYLES: tuple[str, ...] = (
    "chorale",
    "baroque",
    "renaissance",
    "medieval",
    "classical",
    "romantic",
    "modern",
    "folk",
    "chinese_folk",
    "german_folk",
    "irish_reel",
    "jig",
    "hornpipe",
    "strathspey",
    "polka",
    "waltz",
    "march",
    "air",
    "pop",
    "other",
)
REGIONS: tuple[str, ...] = (
    "china",
    "germany",
    "ireland",
    "scotland",
    "england",
    "italy",
    "france",
    "austria",
    "usa",
    "netherlands",
    "other",
)
METERS: tuple[str, ...] = (
    "2/4",
    "3/4",
    "4/4",
    "2/2",
    "3/2",
    "6/8",
    "9/8",
    "12/8",
    "3/8",
    "6/4",
    "5/4",
    "7/8",
    "other",
)
DENSITY_EDGES: tuple[float, ...] = (0.75, 1.25, 2.0, 3.0, 4.5, 6.5, 9.0)
POLYPHONY_EDGES: tuple[float, ...] = (1.25, 1.75, 2.5, 3.5, 5.0)
RHYTHM_EDGES: tuple[float, ...] = (0.75, 1.25, 2.0, 3.0, 4.5)
BAR_EDGES: tuple[int, ...] = (4, 8, 16, 32, 64, 128)
REGISTERS: tuple[str, ...] = ("low", "mid", "high")
MOODS: tuple[str, ...] = ("happy", "sad", "calm", "energetic", "tense", "tender", "solemn", "playful")

COND_END = "CondEnd_None"


@dataclass
class Conditions:
    """What a piece is (or should be): every field optional."""

    style: str | None = None
    region: str | None = None
    key: str | None = None
    mode: str | None = None
    meter: str | None = None
    tempo_bpm: float | None = None
    programs: list[int] = field(default_factory=list)
    drums: bool = False
    density: float | None = None
    polyphony: float | None = None
    rhythm: float | None = None
    mean_pitch: float | None = None
    bars: int | None = None
    mood: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Conditions:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def bin_index(value: float, edges: tuple[float, ...]) -> int:
    """The condition bin of ``value`` given the bin ``edges`` (0 .. len(edges))."""
    return bisect.bisect_right(edges, float(value))


def register_of(mean_pitch: float) -> str:
    """``low`` below G3 (55), ``high`` from C5 (72), ``mid`` between."""
    return "low" if mean_pitch < 55 else ("high" if mean_pitch >= 72 else "mid")


def condition_vocabulary() -> list[str]:
    """Every condition token, in a fixed order (added to the tokenizer's vocabulary in this order)."""
    vocab = [f"Style_{s}" for s in STYLES]
    vocab += [f"Region_{r}" for r in REGIONS]
    vocab += [f"Key_{k}" for k in TONICS]
    vocab += [f"Mode_{m}" for m in MODES]
    vocab += [f"Meter_{m}" for m in METERS]
    vocab += [f"TempoBin_{i}" for i in range(N_TEMPO_BINS)]
    vocab += [f"Program_{p}" for p in range(128)] + ["Program_drums"]
    vocab += [f"Density_{i}" for i in range(len(DENSITY_EDGES) + 1)]
    vocab += [f"Polyphony_{i}" for i in range(len(POLYPHONY_EDGES) + 1)]
    vocab += [f"Rhythm_{i}" for i in range(len(RHYTHM_EDGES) + 1)]
    vocab += [f"Register_{r}" for r in REGISTERS]
    vocab += [f"Bars_{i}" for i in range(len(BAR_EDGES) + 1)]
    vocab += [f"Mood_{m}" for m in MOODS]
    return [f"Cond{t}" for t in vocab] + [COND_END]


def condition_tokens(c: Conditions, drop: float = 0.0, rng: random.Random | None = None) -> list[str]:
    """The prefix tokens of ``c`` (without BOS/CondEnd), each field dropped with probability ``drop``.

    Values outside the vocabulary map to ``other`` where the field has one and are left out otherwise.
    Tokens are prefixed ``Cond`` so they never collide with miditok's own (``CondProgram_40`` vs
    ``Program_40``).
    """
    r = rng or random.Random(0)
    out: list[str] = []

    def keep() -> bool:
        return drop <= 0 or r.random() >= drop

    if c.style and keep():
        out.append(f"Style_{c.style if c.style in STYLES else 'other'}")
    if c.region and keep():
        region = c.region.lower()
        out.append(f"Region_{region if region in REGIONS else 'other'}")
    if c.key and keep():
        try:
            out.append(f"Key_{tonic_name(c.key)}")
        except ValueError:
            pass
    if c.mode in MODES and keep():
        out.append(f"Mode_{c.mode}")
    if c.meter and keep():
        out.append(f"Meter_{c.meter if c.meter in METERS else 'other'}")
    if c.tempo_bpm and c.tempo_bpm > 0 and keep():
        out.append(f"TempoBin_{tempo_bin(c.tempo_bpm)}")
    if (c.programs or c.drums) and keep():
        out += [f"Program_{p}" for p in sorted(set(c.programs)) if 0 <= p < 128]
        if c.drums:
            out.append("Program_drums")
    if c.density is not None and keep():
        out.append(f"Density_{bin_index(c.density, DENSITY_EDGES)}")
    if c.polyphony is not None and keep():
        out.append(f"Polyphony_{bin_index(c.polyphony, POLYPHONY_EDGES)}")
    if c.rhythm is not None and keep():
        out.append(f"Rhythm_{bin_index(c.rhythm, RHYTHM_EDGES)}")
    if c.mean_pitch is not None and keep():
        out.append(f"Register_{register_of(c.mean_pitch)}")
    if c.bars and keep():
        out.append(f"Bars_{bin_index(c.bars, BAR_EDGES)}")
    if c.mood in MOODS and keep():
        out.append(f"Mood_{c.mood}")
    return [f"Cond{t}" for t in out]


def parse_condition_tokens(tokens: list[str]) -> dict[str, list[str]]:
    """Group condition tokens by field: ``["CondKey_D", "CondMode_minor"]`` -> ``{"Key": ["D"], "Mode":
    ["minor"]}``."""
    out: dict[str, list[str]] = {}
    for t in tokens:
        if not t.startswith("Cond") or t == COND_END:
            continue
        name, _, value = t[4:].partition("_")
        out.setdefault(name, []).append(value)
    return out
