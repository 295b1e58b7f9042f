"""Arpeggios in the vocal line (issue 25): with ``LeapStyle.onward``'s chance a leap goes on the same way to
a chord tone of the next note's bar, then the line steps back (``song_pitch.leap``). Rules only, no model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from tests.generation.song_rules_pitches import english_pop_rules_pitches  # noqa: F401 (autouse)

from partita.generation.song import sing
from partita.generation.song_pitch import DEFAULT_LEAPS, NO_LEAPS, STYLE_LEAPS, LeapStyle, leap
from partita.lyrics import read_lyrics

ALWAYS = LeapStyle(after_long=1.0, after_held=1.0, widest=5, up=0.5)
FLAT = [4] * 11  # a line on one degree: anchors at its first and last note only
ONSETS = list(range(0, 22, 2))  # quarter notes: every note may be followed by a leap
CHORD = (0, 2, 4)  # the triad on I: every bar's chord below

LYRICS = """[verse]
The morning bells are ringing through the square
The baker sings a song into the air
The river runs beneath the wooden bridge
And swallows circle high above the ridge
[chorus]
Ring out the bells and let the morning come
Ring out the bells and call the wanderers home
[verse]
The market fills with voices and with light
The children run to fly a paper kite
[chorus]
"""


def _line(style: LeapStyle, seed: int) -> list[int]:
    return leap(FLAT, [0, 10], ONSETS, [2.0] * 11, [0] * 6, 4, (-7, 14), style, np.random.default_rng(seed))


def test_onward_leaps_twice_the_same_way_through_chord_tones_then_steps_back():
    for seed in range(20):
        out = _line(replace(ALWAYS, onward=1.0), seed)
        first, second = out[1] - out[0], out[2] - out[1]
        assert abs(first) >= 3 and abs(second) >= 2 and first * second > 0, out  # on the same way
        assert (out[1] % 7) in CHORD and (out[2] % 7) in CHORD  # through chord tones
        back = np.diff(out[2:])
        assert all(m * second <= 0 for m in back), out  # then back the other way, never on
        assert all(abs(m) <= 1 for m in back[:-1]) and abs(back[-1]) <= 2  # by steps (a third last)
        assert out[0] == FLAT[0] and out[-1] == FLAT[-1]  # the line's first and cadence notes stay


def test_no_onward_leaps_once_and_steps_back():
    for seed in range(20):
        out = _line(ALWAYS, seed)
        assert abs(out[1] - out[0]) >= 3, out
        assert abs(out[2] - out[1]) <= 1 and (out[2] - out[1]) * (out[1] - out[0]) <= 0  # a step back


def test_the_field_defaults_to_zero_and_styles_hold_chances():
    assert LeapStyle().onward == 0.0 and NO_LEAPS.onward == 0.0
    for style in (*STYLE_LEAPS.values(), DEFAULT_LEAPS):
        assert 0.0 <= style.onward <= 1.0


def _goes_on(song) -> list[bool]:
    """For each leap over a major third in ``song`` (but the last interval): whether the next goes on the
    same way by three semitones or more."""
    moves = np.diff([n.pitch for n in song.notes])
    return [
        bool(moves[k + 1] * m > 0 and abs(moves[k + 1]) >= 3) for k, m in enumerate(moves[:-1]) if abs(m) > 4
    ]


def test_a_style_with_onward_sings_arpeggios(monkeypatch):
    lyrics = read_lyrics(LYRICS)
    shares = {}
    for onward in (0.0, 1.0):
        monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], onward=onward))
        shares[onward] = np.mean(
            [g for seed in range(4) for g in _goes_on(sing(lyrics, style="pop", seed=seed))]
        )
    assert shares[1.0] > shares[0.0] + 0.05, shares


def test_the_chorus_recurs_with_arpeggios(monkeypatch):
    monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], onward=0.5))
    notes = sing(read_lyrics(LYRICS), style="pop", seed=5).notes
    assert [(n.pitch, n.duration) for n in notes if n.section == 1] == [
        (n.pitch, n.duration) for n in notes if n.section == 3
    ]
    assert any(n.section == 3 for n in notes)
