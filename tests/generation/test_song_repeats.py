"""Repeated notes in the vocal line (issue 25): pop melodies sing a few syllables on one pitch (POP909's
melodies repeat a note in 0.23 of their intervals); ``LeapStyle.repeat`` turns a note between strong-beat
notes into the one before it where no leap follows (``song_pitch.repeat_notes``). Rules only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from tests.generation.song_rules_pitches import english_pop_rules_pitches  # noqa: F401 (autouse)

from partita.generation import song_pitch
from partita.generation.song import sing
from partita.generation.song_pitch import STYLE_LEAPS, repeat_notes
from partita.lyrics import read_lyrics

LYRICS = """[verse]
Morning trains are rolling through the quiet little station
Coffee cups and paper bags and someone humming low
I can hear the city waking up in every window

[chorus]
Take me where the river runs
Take me where the river runs

[verse]
Yellow cabs and bicycles, a dog that barks at pigeons
Nobody is listening but the song goes on and on

[chorus]
Take me where the river runs
Take me where the river runs"""


def _repeat_share(song) -> float:
    pitches = [n.pitch for n in song.notes]
    return float(np.mean([a == b for a, b in zip(pitches, pitches[1:], strict=False)]))


def test_repeat_notes_repeats_only_notes_between_anchors_without_making_a_leap():
    line = [2, 3, 2, 3, 4, 5, 4, 4]
    anchors = [2, None, 2, None, None, 5, None, 4]
    got = repeat_notes(line, anchors, 1.0, np.random.default_rng(0))
    assert [g for g, a in zip(got, anchors, strict=True) if a is not None] == [2, 2, 5, 4]
    assert got[1] == 2  # the neighbour tone 2-3-2 sung 2-2-2
    assert got[0] == line[0] and got[-1] == line[-1]
    before = max(abs(b - a) for a, b in zip(line, line[1:], strict=False))
    assert max(abs(b - a) for a, b in zip(got, got[1:], strict=False)) <= max(before, 1)
    assert sum(a == b for a, b in zip(got, got[1:], strict=False)) > sum(
        a == b for a, b in zip(line, line[1:], strict=False)
    )
    assert repeat_notes(line, anchors, 0.0, np.random.default_rng(0)) == line


def test_a_pop_song_repeats_more_notes_than_without_the_rule(monkeypatch):
    lyrics = read_lyrics(LYRICS)
    on = [_repeat_share(sing(lyrics, seed=s, style="pop")) for s in range(3)]
    monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], repeat=0.0))
    off = [_repeat_share(sing(lyrics, seed=s, style="pop")) for s in range(3)]
    assert np.mean(on) > np.mean(off) + 0.05


def test_a_pop_chorus_with_repeated_notes_still_recurs_note_for_note():
    song = sing(read_lyrics(LYRICS), style="pop")
    chorus = [[(n.onset, n.pitch) for n in song.notes if n.section == s] for s in (1, 3)]
    first = chorus[0][0][0], chorus[1][0][0]
    assert [(t - first[0], p) for t, p in chorus[0]] == [(t - first[1], p) for t, p in chorus[1]]


def test_only_pop_repeats_by_default():
    assert STYLE_LEAPS["pop"].repeat > 0
    assert song_pitch.DEFAULT_LEAPS.repeat == 0 and STYLE_LEAPS["chorale"].repeat == 0
