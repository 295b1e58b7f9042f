"""Leaps in the vocal line (issue 25): real songs leap a fourth or more after a long note, to a chord tone,
and step back the other way (gap-fill); partita's rule (``song_pitch.leap``) does the same, as often as the
style's real songs (``song_pitch.STYLE_LEAPS``). Rules only: no model is needed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.generation.song_rules_pitches import english_pop_rules_pitches  # noqa: F401 (autouse)

from partita.generation import song_pitch
from partita.generation.song import TPQ, sing
from partita.generation.song_pitch import (
    DEFAULT_LEAPS,
    NO_LEAPS,
    STYLE_LEAPS,
    LeapStyle,
    leap,
    leaps_for,
    line_pitches,
    line_start,
)
from partita.lyrics import read_lyrics

LYRICS = """[verse]
The lamps are lit along the harbour wall
The sailors wait to hear the evening call
A lantern swings above the sleeping town
And every boat is slowly drifting down
[chorus]
Come home tonight across the silver bay
Come home tonight before the break of day
Follow the star that glitters on the sea
Follow the wind and bring it home to me
[verse]
The tide is turning and the gulls are still
A single light is burning on the hill
The nets are folded and the oars are dry
And someone whispers to the starry sky
[chorus]
"""

ALWAYS = LeapStyle(after_long=1.0, after_held=1.0, widest=5, up=0.5)


def _intervals_by_line(song) -> list[tuple[int, int, int]]:
    """(interval, next interval, the first note's length in ticks) inside each line of ``song``."""
    out = []
    lines: dict[tuple[int, int], list] = {}
    for n in song.notes:
        lines.setdefault((n.section, n.line), []).append(n)
    for notes in lines.values():
        for a, b, c in zip(notes, notes[1:], notes[2:], strict=False):
            out.append((b.pitch - a.pitch, c.pitch - b.pitch, a.duration))
    return out


def _leap_share(song) -> float:
    moves = np.abs(np.diff([n.pitch for n in song.notes]))
    return float((moves > 4).mean())


def test_leap_goes_to_a_chord_tone_and_the_line_steps_back():
    onsets = [0, 2, 4, 6, 8, 10, 12, 14]  # quarter notes: every note may be followed by a leap
    degrees = [2, 2, 3, 4, 4, 3, 2, 1]
    anchors = [0, 2, 4, 6, 7]
    roots = [0, 0, 4, 4]
    rng = np.random.default_rng(0)
    out = leap(degrees, anchors, onsets, [2.0] * 8, roots, 4, (0, 9), ALWAYS, rng)
    jumps = [k for k in range(1, len(out)) if abs(out[k] - out[k - 1]) >= 3]
    assert jumps, out
    assert out[0] == degrees[0] and out[-1] == degrees[-1]  # the line's first and cadence notes stay
    for k in jumps:
        root = roots[onsets[k] // 4]
        assert (out[k] - root) % 7 in (0, 2, 4)  # an arpeggio: the leap lands on a chord tone
        assert 0 <= out[k] <= 9
        assert (out[k + 1] - out[k]) * (out[k] - out[k - 1]) < 0  # then back the other way
        assert abs(out[k + 1] - out[k]) <= 2  # by a step or a third


def test_no_leap_after_an_eighth_note():
    onsets = list(range(8))  # eighths only
    degrees = [0, 1, 2, 3, 4, 3, 2, 1]
    out = leap(degrees, [0, 4, 7], onsets, [1.0] * 8, [0, 4], 4, (0, 9), ALWAYS, np.random.default_rng(0))
    assert out == degrees


def test_no_leaps_leave_the_line_as_the_arch_gives_it():
    onsets, total = [0, 2, 4, 6, 8, 10, 12], 16
    plain = line_pitches(onsets, total, "4/4", "tonic", np.random.default_rng(3))
    none = line_pitches(onsets, total, "4/4", "tonic", np.random.default_rng(3), leaps=NO_LEAPS)
    assert plain == none


def test_a_pop_song_of_many_phrases_leaps_and_fills_the_gap():
    lyrics = read_lyrics(LYRICS)
    with_leaps, without = [], []
    back = []
    for seed in range(4):
        song = sing(lyrics, style="pop", seed=seed)
        with_leaps.append(_leap_share(song))
        without.append(_leap_share(sing(lyrics, style="pop", seed=seed, leaps=False)))
        back += [nxt * move < 0 for move, nxt, _ in _intervals_by_line(song) if abs(move) >= 5]
    assert np.mean(with_leaps) > np.mean(without) + 0.03
    assert len(back) >= 8  # some leaps of a fourth or more inside the lines
    assert np.mean(back) > 0.5  # each followed by motion the other way more often than not


def test_leaps_inside_a_line_follow_a_quarter_note_or_longer():
    song = sing(read_lyrics(LYRICS), style="pop", seed=1)
    plain = sing(read_lyrics(LYRICS), style="pop", seed=1, leaps=False)
    new = [d for (m, _, d) in _intervals_by_line(song) if abs(m) > 4]
    old = [d for (m, _, d) in _intervals_by_line(plain) if abs(m) > 4]
    assert len(new) > len(old)
    assert np.mean([d >= TPQ for d in new]) > 0.8


def test_a_chorus_with_leaps_recurs_note_for_note():
    song = sing(read_lyrics(LYRICS), style="pop", seed=2)
    first = [(n.pitch, n.duration) for n in song.notes if n.section == 1]
    again = [(n.pitch, n.duration) for n in song.notes if n.section == 3]
    assert first and first == again


def test_chinese_lines_keep_the_tone_rules_leaps_only():
    lyrics = read_lyrics("床前明月光\n疑是地上霜\n举头望明月\n低头思故乡")
    a = [n.pitch for n in sing(lyrics, seed=0).notes]
    b = [n.pitch for n in sing(lyrics, seed=0, leaps=False).notes]
    assert a == b


def test_leaps_by_style():
    assert leaps_for("pop") == STYLE_LEAPS["pop"]
    assert leaps_for("waltz") == DEFAULT_LEAPS
    assert leaps_for(None, "zh") == NO_LEAPS
    assert STYLE_LEAPS["pop"].widest > STYLE_LEAPS["chorale"].widest  # English songs leap sixths


@pytest.mark.parametrize("style", ["pop", "chorale", None])
def test_leaps_stay_under_the_sections_top(style):
    lyrics = read_lyrics(LYRICS)
    song = sing(lyrics, style=style, seed=0)
    register = song_pitch.register_for(style, lyrics.language)
    target = register.song_semitones(tuple(s.kind for s in lyrics.sections))
    span = max(n.pitch for n in song.notes) - min(n.pitch for n in song.notes)
    assert abs(span - target) <= 3  # the range rule still holds with leaps


def test_two_four_draws_fewer_long_short_pairs():
    from partita.generation.song_rhythm import METER_DOTTED, SLOT, RhythmStyle, styled_times

    style = RhythmStyle(long_short=1.0)
    onsets, stresses = [0, 2, 4, 6, 8], [True, False, True, False, True]

    def moved(meter: str) -> float:
        out = []
        for seed in range(200):
            times = styled_times(onsets, stresses, 12, meter, style, np.random.default_rng(seed))
            out.append(times[1][0] != onsets[1] * SLOT)
        return float(np.mean(out))

    assert moved("4/4") == 1.0
    assert abs(moved("2/4") - METER_DOTTED["2/4"]) < 0.1


# --- leaps across lines: a line's first note after the previous line's last (LeapStyle.across) -----------


def test_line_start_leaps_or_stays_near_with_the_styles_chance():
    tones = [-3, -1, 0, 2, 4, 5, 7, 9]  # chord tones of I and IV, mixed: any degree
    near = line_start(tones, 4, replace(ALWAYS, across=0.0), np.random.default_rng(0))
    far = line_start(tones, 4, replace(ALWAYS, across=1.0), np.random.default_rng(0))
    assert near and all(abs(d - 4) <= 2 for d in near)
    assert far and all(3 <= abs(d - 4) <= ALWAYS.widest or abs(d - 4) == 7 for d in far)  # or an octave
    assert -3 in far  # the octave below
    assert 3 not in line_start([3, 7], 6, replace(ALWAYS, across=1.0), np.random.default_rng(0))  # tritone


def test_line_pitches_start_from_the_previous_lines_last_note():
    onsets, total = [0, 2, 4, 6, 8, 10, 12], 16
    for seed in range(10):
        for start in (-2, 0, 4, 7):
            step = line_pitches(
                onsets, total, "4/4", "tonic", np.random.default_rng(seed),
                leaps=replace(NO_LEAPS, across=0.0), start_from=start,
            )  # fmt: skip
            jump = line_pitches(
                onsets, total, "4/4", "tonic", np.random.default_rng(seed),
                leaps=replace(NO_LEAPS, across=1.0), start_from=start,
            )  # fmt: skip
            assert abs(step[0] - start) <= 2
            assert abs(jump[0] - start) >= 3


def _across(song) -> list[int]:
    """The intervals (semitones) from each line's last note to the next line's first, inside sections."""
    notes = song.notes
    return [
        b.pitch - a.pitch
        for a, b in zip(notes, notes[1:], strict=False)
        if a.section == b.section and a.line != b.line
    ]


def test_a_style_whose_lines_start_near_never_leaps_between_lines(monkeypatch):
    monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], across=0.0))
    moves = [m for seed in range(4) for m in _across(sing(read_lyrics(LYRICS), style="pop", seed=seed))]
    assert len(moves) == 4 * 4 * 3  # 4 sections of 4 lines (the last, empty, chorus repeats the first)
    assert max(abs(m) for m in moves) <= 4  # a third at most


def test_a_style_whose_lines_start_with_a_leap_leaps_between_lines(monkeypatch):
    monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], across=1.0))
    moves = [m for seed in range(4) for m in _across(sing(read_lyrics(LYRICS), style="pop", seed=seed))]
    assert np.mean([abs(m) > 4 for m in moves]) > 0.8


def test_the_chorus_recurs_when_lines_start_from_the_previous_line(monkeypatch):
    monkeypatch.setitem(STYLE_LEAPS, "pop", replace(STYLE_LEAPS["pop"], across=0.5))
    song = sing(read_lyrics(LYRICS), style="pop", seed=5)
    first = [(n.pitch, n.duration) for n in song.notes if n.section == 1]
    again = [(n.pitch, n.duration) for n in song.notes if n.section == 3]
    assert first and first == again
