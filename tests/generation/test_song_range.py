"""The vocal line's range follows the style's (issue 25): real pop melodies span about 18.6 semitones, chorale
tunes 11.7; partita's register rule widens or narrows its arches to match, keeping choruses recurring."""

from __future__ import annotations

import numpy as np
import pytest

from partita.generation import song_pitch, song_rhythm, song_template
from partita.generation.song import sing, song_from_prompt
from partita.generation.song_pitch import STYLE_RANGE, Register, register_for
from partita.lyrics import read_lyrics

LYRICS = """[verse]
Down by the river where the willows grow
I saw a light that I used to know
Over the water and across the sand
Came a song from a far off land
[chorus]
Sing it again and sing it loud
Sing to the sun behind the cloud
[verse]
Morning came and the light was gone
Only the echo of the song went on
[chorus]
"""


def _range(song) -> int:
    pitches = [n.pitch for n in song.notes]
    return max(pitches) - min(pitches)


def _mean_range(**kwargs) -> float:
    lyrics = read_lyrics(LYRICS)
    return float(np.mean([_range(sing(lyrics, seed=seed, **kwargs)) for seed in range(3)]))


def test_register_comes_from_the_range_then_the_style_then_the_language():
    assert register_for(semitones=15).semitones == 15
    assert register_for("pop").semitones == STYLE_RANGE["pop"]
    assert register_for("waltz").semitones == song_pitch.DEFAULT_RANGE  # no data for waltzes
    assert register_for(None, "zh").semitones == STYLE_RANGE["chinese_folk"]
    assert register_for("pop", "zh").semitones == STYLE_RANGE["pop"]  # the style asked wins


def test_a_range_outside_a_voice_is_refused_with_a_message():
    with pytest.raises(ValueError, match="semitones"):
        register_for(semitones=60)


def test_the_middle_line_and_the_chorus_climb_higher():
    r = Register(18.6)
    assert r.arch(2, 4) > r.arch(0, 4) and r.arch(2, 4) > r.arch(3, 4)
    assert r.arch(0, 4, "chorus") > r.arch(0, 4, "verse")
    assert Register(18.6).arch(2, 4) > Register(11.7).arch(2, 4)
    assert Register(18.6).bounds[1] > Register(11.7).bounds[1]


def test_a_pop_song_spans_more_than_a_chorale():
    pop, chorale = _mean_range(style="pop"), _mean_range(style="chorale")
    assert pop > chorale + 3
    assert abs(pop - STYLE_RANGE["pop"]) < 4


def test_the_asked_range_is_followed():
    narrow, wide = _mean_range(semitones=10), _mean_range(semitones=22)
    assert narrow < wide
    assert wide > 17


def test_the_prompt_style_sets_the_range():
    lyrics = read_lyrics(LYRICS)
    pop = np.mean([_range(song_from_prompt(lyrics, "a pop song", seed=s)) for s in range(3)])
    chorale = np.mean([_range(song_from_prompt(lyrics, "a chorale", seed=s)) for s in range(3)])
    assert pop > chorale


def test_a_wide_chorus_still_recurs_note_for_note():
    song = sing(read_lyrics(LYRICS), style="pop")
    by_section: dict[int, list[tuple[int, int]]] = {}
    for n in song.notes:
        by_section.setdefault(n.section, []).append((n.duration, n.pitch))
    assert by_section[1] == by_section[3]


def test_the_split_modules_are_still_importable_from_song():
    from partita.generation import song

    assert song.line_rhythm is song_rhythm.line_rhythm
    assert song.tone_pitches is song_pitch.tone_pitches
    assert song.lyric_template is song_template.lyric_template
    assert song.SLOT == song_rhythm.SLOT
