"""Pop's held line ends drawn from POP909's phrase-last notes (issue 25, ``RhythmStyle.drawn_end``): plain
lengths of one note, a breath of a beat or more after, and short ends as well as long ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from partita.generation.song import SLOT, alignment, sing
from partita.generation.song_rhythm import NICE_ENDS, PLAIN_SIXTEENTHS, STYLE_RHYTHM, held_end
from partita.lyrics import read_lyrics

VERSE = """Down by the river where the willows grow
I saw a light that I used to know
Over the water and across the sand
Came a song from a far off land
"""


def _ends(style, onsets, total=16, draws=300):
    got = [held_end(onsets, total, "4/4", style, np.random.default_rng(s)) for s in range(draws)]
    return [g for g in got if g is not None]


def test_drawn_ends_are_plain_lengths_that_leave_a_breath():
    style = replace(STYLE_RHYTHM["pop"], held_end=1.0, drawn_end=True)
    for last in (8, 10, 12):
        ends = _ends(style, [0, 4, last])
        assert ends and all(round(2 * e) in PLAIN_SIXTEENTHS for e in ends)
        assert all(last + e <= 16 - 2 for e in ends)  # a beat (two eighths) of rest at least
    ends = _ends(style, [0, 4, 8])
    assert min(ends) <= 1.5 and max(ends) >= 4  # short ends and held ones, as POP909's
    assert len(set(ends)) >= 4


def test_the_old_ends_take_the_longest_nice_length():
    style = replace(STYLE_RHYTHM["pop"], held_end=1.0, drawn_end=False)
    assert set(_ends(style, [0, 4, 8])) == {max(d for d in NICE_ENDS if d <= 6)}


def test_a_song_with_drawn_ends_keeps_one_note_a_syllable_and_its_breaths():
    lyrics = read_lyrics(VERSE)
    kept = STYLE_RHYTHM["pop"]
    STYLE_RHYTHM["pop"] = replace(kept, held_end=1.0, drawn_end=True)
    try:
        song = sing(lyrics, seed=3, style="pop")
    finally:
        STYLE_RHYTHM["pop"] = kept
    a = alignment(song)
    assert a["with_note"] == a["syllables"] and a["orphan"] == 0
    lines: dict = {}
    for n in song.notes:
        lines.setdefault((n.section, n.line), []).append(n)
    lengths = set()
    for key, notes in lines.items():
        nxt = lines.get((key[0], key[1] + 1))
        last = notes[-1]
        if nxt and last.syllable is not None:  # a held end (not the cadence melisma): a breath after it
            assert nxt[0].onset - (last.onset + last.duration) >= 2 * SLOT
            lengths.add(last.duration)
    assert all(2 * d // SLOT in PLAIN_SIXTEENTHS and 2 * d % SLOT == 0 for d in lengths)
    assert len(lengths) >= 2
