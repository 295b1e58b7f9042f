"""English pop with the rules' pitches, as it sang before it took POP909's (``PopPitch.rules_rhythm``): the
tests of the rules' leaps, repeats, arpeggios and pentatonic lean sing pop songs to read those rules, so
they import this module's autouse fixture."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from partita.generation import song_pop_pitch


@pytest.fixture(scope="module", autouse=True)
def english_pop_rules_pitches() -> Iterator[None]:
    """Pop's lines on the rules' rhythm sung with the rules' pitches for the tests of a module."""
    kept = song_pop_pitch.STYLE_PITCH["pop"]
    song_pop_pitch.STYLE_PITCH["pop"] = replace(kept, rules_rhythm=False)
    try:
        yield
    finally:
        song_pop_pitch.STYLE_PITCH["pop"] = kept
