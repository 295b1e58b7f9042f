"""Pop's pitches learned from POP909 (issue 25): the interval table and the lines drawn from it."""

from __future__ import annotations

import numpy as np
import pytest

from partita.generation import song_pop_pitch
from partita.generation.song import sing
from partita.generation.song_pop_pitch import PopPitch, load_table, pop_pitches
from partita.lyrics import read_lyrics, tone_agreement

ZH = """春眠不觉晓，
处处闻啼鸟。
夜来风雨声，
花落知多少。

朝辞白帝彩云间，
千里江陵一日还。
两岸猿声啼不住，
轻舟已过万重山。"""

EN = """Amazing grace! how sweet the sound
That saved a wretch like me!
I once was lost, but now am found,
Was blind, but now I see.

Twinkle, twinkle, little star,
How I wonder what you are!
Up above the world so high,
Like a diamond in the sky."""


def _intervals(song) -> np.ndarray:
    pitches = np.array([n.pitch for n in song.notes])
    return np.abs(np.diff(pitches))


@pytest.fixture
def rules_pitches():
    """Pop's learned lines with the rules' pitches (as before the table)."""
    kept = song_pop_pitch.STYLE_PITCH["pop"]
    song_pop_pitch.STYLE_PITCH["pop"] = None
    yield
    song_pop_pitch.STYLE_PITCH["pop"] = kept


def test_table_is_a_distribution_per_context():
    table = load_table()
    assert table["songs"] > 300 and "development" in table["source"]
    for key, probs in table["table"].items():
        assert len(probs) == 15, key
        assert abs(sum(probs) - 1.0) < 1e-3, key
    major = table["degrees"]["major"]
    assert major[3] < 0.08 and major[6] < 0.08  # POP909 leans on the pentatonic scale


def _shares(zh: bool, seeds: int = 4) -> tuple[float, float]:
    lyrics = read_lyrics(ZH if zh else EN)
    steps = np.concatenate(
        [_intervals(sing(lyrics, seed=s, style="pop", learned=None if zh else True)) for s in range(seeds)]
    )
    return float(np.mean(steps == 0)), float(np.mean(steps >= 5))


def test_chinese_pop_lines_repeat_notes_as_pop_does():
    repeats, _ = _shares(zh=True)
    assert 0.12 <= repeats <= 0.35  # POP909 0.23; the rules' pitches 0.03 here


def test_chinese_pop_lines_repeat_notes_rarely_with_the_rules(rules_pitches):
    repeats, _ = _shares(zh=True)
    assert repeats < 0.12


def test_english_learned_lines_leap_as_pop_does():
    _, leaps = _shares(zh=False)
    assert leaps >= 0.10  # POP909 0.14-0.15; the rules' pitches on the learned rhythm 0.05


def test_english_learned_lines_leap_rarely_with_the_rules(rules_pitches):
    _, leaps = _shares(zh=False)
    assert leaps < 0.10


def test_tones_still_steer_chinese_lines():
    song = sing(read_lyrics(ZH), seed=0, style="pop")
    lines: dict = {}
    for n in song.notes:
        if n.syllable is not None:
            lines.setdefault((n.section, n.line), []).append(n)
    got = [tone_agreement([n.pitch for n in ns], [n.syllable.tone for n in ns]) for ns in lines.values()]
    agree = sum(g["agree"] * g["pairs"] for g in got if g["pairs"]) / sum(g["pairs"] for g in got)
    assert agree >= 0.8


def test_a_repeated_chorus_keeps_its_learned_notes():
    text = "[verse]\n天上的星星\n\n[chorus]\n你是我的光\n照亮我回家\n\n[verse]\n地上的花朵\n\n[chorus]"
    song = sing(read_lyrics(text), seed=3, style="pop")
    chorus = [[(n.onset % 1, n.pitch) for n in song.notes if n.section == s] for s in (1, 3)]
    assert chorus[0] and [p for _, p in chorus[0]] == [p for _, p in chorus[1]]


def test_pop_pitches_ends_on_the_cadence_within_bounds():
    rng = np.random.default_rng(0)
    slots = [0, 2, 4, 6, 8, 10, 12, 16, 20, 24]
    syllable = [0, 1, 2, 3, 4, 5, 5, 6, 7, 8]
    guide = [2, 3, 4, 5, 4, 3, 2, 1, 0]
    for seed in range(5):
        got = pop_pitches(slots, syllable, guide, [0, 4], (-3, 9), np.random.default_rng(seed), PopPitch())
        assert len(got) == len(slots) and got[-1] == 0
        assert all(-3 <= d <= 9 for d in got)
    a = pop_pitches(slots, syllable, guide, [0, 4], (-3, 9), np.random.default_rng(1), PopPitch())
    b = pop_pitches(slots, syllable, guide, [0, 4], (-3, 9), np.random.default_rng(1), PopPitch())
    assert a == b
    assert pop_pitches([], [], [], [0], (-3, 9), rng, PopPitch()) == []


def _english_rules(rules_rhythm: bool, seeds: int = 3) -> list:
    from dataclasses import replace

    kept = song_pop_pitch.STYLE_PITCH["pop"]
    song_pop_pitch.STYLE_PITCH["pop"] = replace(kept, rules_rhythm=rules_rhythm)
    try:
        return [sing(read_lyrics(EN), seed=s, style="pop") for s in range(seeds)]
    finally:
        song_pop_pitch.STYLE_PITCH["pop"] = kept


def test_english_pop_on_the_rules_rhythm_sings_learned_pitches_with_its_stresses():
    from partita.generation.song import song_onsets, stress_on_strong

    new, old = _english_rules(True), _english_rules(False)
    for a, b in zip(new, old, strict=True):  # the rules' rhythm: stresses on strong beats as before
        got = [stress_on_strong(song_onsets(s), s.lyrics.syllables, s.meter) for s in (a, b)]
        assert got[0][0] == got[1][0] > 0.8  # (a line's late start is drawn with its register's seed)
    assert any(
        [n.pitch for n in a.notes] != [n.pitch for n in b.notes] for a, b in zip(new, old, strict=True)
    )
    leaps = [float(np.mean(np.concatenate([_intervals(s) for s in songs]) >= 5)) for songs in (new, old)]
    assert leaps[0] > leaps[1] + 0.03  # POP909 0.14; the rules' pitches on this rhythm fewer


def test_a_melisma_on_the_rules_rhythm_moves():
    for song in _english_rules(True, seeds=6):
        for a, b in zip(song.notes, song.notes[1:], strict=False):
            if b.syllable is None and b.onset == a.onset + a.duration:
                assert b.pitch != a.pitch


def test_english_pop_sings_pop909s_intervals_by_default():
    """English pop on the rules' rhythm sings the pitches learned from POP909 (``rules_rhythm``): semitones as
    rare as in POP909's melodies (0.066 of their intervals; the rules' pitches 0.13: their steps pass through
    the fourth and seventh degrees), minor thirds as common (0.149; the rules' 0.08)."""
    assert song_pop_pitch.STYLE_PITCH["pop"].rules_rhythm
    songs = [sing(read_lyrics(EN), seed=s, style="pop") for s in range(3)]
    intervals = np.concatenate([_intervals(s) for s in songs])
    assert float(np.mean(intervals == 1)) < 0.1
    assert float(np.mean(intervals == 3)) > 0.11
    pcs = np.array(
        [n.pitch % 12 for s in songs for n in s.notes]
    )  # C major: F and B, the off-pentatonic pair
    assert all(s.tonic == "C" and s.mode == "major" for s in songs)
    assert float(np.mean((pcs == 5) | (pcs == 11))) < 0.15
