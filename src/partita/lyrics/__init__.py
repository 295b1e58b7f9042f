"""Lyrics in: words read into sections, lines (phrases) and syllables with stress, for songs.

An input layer beside score I/O (it imports only :mod:`partita.atomic`, :mod:`partita.progress`,
:mod:`partita.paths` and :mod:`partita.score`). See docs/SONGS.md.
"""

from partita.lyrics.english import stress_index, syllabify
from partita.lyrics.mandarin import (
    TONE_INTERVALS,
    Reading,
    mandarin_pinyin,
    mandarin_readings,
    mandarin_tones,
    pooled_agreement,
    preferred_directions,
    tone_agreement,
)
from partita.lyrics.model import Line, Lyrics, Section, Syllable
from partita.lyrics.read import MAX_CHARS, MAX_LINE_SYLLABLES, MAX_LINES, line_syllables, read_lyrics

__all__ = [
    "MAX_CHARS",
    "MAX_LINES",
    "MAX_LINE_SYLLABLES",
    "TONE_INTERVALS",
    "Line",
    "Lyrics",
    "Reading",
    "Section",
    "Syllable",
    "line_syllables",
    "mandarin_pinyin",
    "mandarin_readings",
    "mandarin_tones",
    "pooled_agreement",
    "preferred_directions",
    "read_lyrics",
    "stress_index",
    "syllabify",
    "tone_agreement",
]
