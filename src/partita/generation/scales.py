"""The scale a style's melodies keep to, where it is not the key's seven tones.

Han Chinese folk songs are pentatonic: in the corpus's Essen Chinese songs (training split, 200 read by
``python scripts/scale-stats.py``) 97% of notes fall in the pentatonic collection that fits each song best
(median 99.6%; half the songs use no other tone) and a song uses 5.6 pitch classes, where German folk songs
and jigs use 7.2, 82-84% of their notes in a pentatonic collection. partita-small's Chinese folk tunes use
more of the key's scale, and the realism benchmark's judges read it (held out, pitch-class entropy 2.52
against 2.21).

:func:`style_scale` gives the pitch classes for a request's style and key; the scale pull
(:mod:`partita.generation.rules.scale_pull`) holds the melody to them.
"""

from __future__ import annotations

from partita.generation.harmony import scale_pitch_classes
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

STYLE_SCALES: dict[str, str] = {"chinese_folk": "pentatonic"}
"""The scale per style, where it is not the key's diatonic one."""

PENTATONIC: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 7, 9),  # gong mode on the tonic: do re mi sol la
    "minor": (0, 3, 5, 7, 10),  # yu mode on the tonic: la do re mi sol
}
"""The pentatonic collection from the tonic: a major key is read as the gong mode, a minor one as yu."""


def style_scale(style: str | None, key: str | None, mode: str | None) -> tuple[int, ...]:
    """The pitch classes of ``style``'s scale in ``key`` (a tonic name) and ``mode``; empty where the style
    has no scale of its own or no key is given (the collection is then not known)."""
    if STYLE_SCALES.get(style or "") != "pentatonic" or not key or key not in PITCH_CLASS_OF_TONIC:
        return ()
    tonic = PITCH_CLASS_OF_TONIC[key]
    steps = PENTATONIC["minor" if mode == "minor" else "major"]
    return tuple(sorted((tonic + s) % 12 for s in steps))


def key_scale(key: str | None, mode: str | None) -> tuple[int, ...]:
    """The pitch classes of the scale of ``key`` (a tonic name) in ``mode`` (in minor, natural and harmonic
    together: :func:`partita.generation.harmony.scale_pitch_classes`); empty without a known key."""
    return tuple(sorted(scale_pitch_classes(key, mode))) if key in PITCH_CLASS_OF_TONIC else ()
