"""Chinese songs: the pinyin (surface readings, tone marks) as a second lyric line under the characters, and
light (neutral-tone) syllables sung short, off the strong beats and softer (issue 25)."""

from __future__ import annotations

import re

import pytest

from partita.generation.song import (
    LIGHT_VELOCITY,
    SLOT,
    VELOCITY,
    is_strong,
    line_pinyin,
    line_rhythm,
    sing,
    song_musicxml,
)
from partita.lyrics import read_lyrics

pytest.importorskip("pypinyin")

LIGHT_LINES = "我的朋友们\n你说了什么呢\n妈妈的歌声\n喜欢你的笑\n看了一看窗外的雨\n"


def lyric_lines(xml: str, number: int) -> list[str]:
    return re.findall(rf'<lyric[^>]*number="{number}"[^>]*>.*?<text>([^<]*)</text>', xml, flags=re.S)


def test_the_pinyin_is_the_surface_reading_with_tone_marks():
    (line,) = read_lyrics("一定不是我们的错，女儿\n").lines
    assert line_pinyin(line) == ["yí", "dìng", "bú", "shì", "wǒ", "men", "de", "cuò", "nǚ", "ér"]
    (line,) = read_lyrics("展览馆\n").lines
    assert line_pinyin(line) == ["zhán", "lán", "guǎn"]  # 3-3-3 sandhi: what is sung, not the dictionary


def test_a_chinese_song_has_the_pinyin_as_a_second_lyric_line():
    song = sing(read_lyrics("[verse]\n我们的歌\n[chorus]\n一定不是你\n"))
    xml = song_musicxml(song, title="t")
    assert lyric_lines(xml, 1) == list("我们的歌一定不是你")
    assert lyric_lines(xml, 2) == ["wǒ", "men", "de", "gē", "yí", "dìng", "bú", "shì", "nǐ"]
    assert lyric_lines(song_musicxml(song, title="t", pinyin=False), 2) == []


def test_english_and_mixed_lyrics_get_pinyin_only_under_characters():
    xml = song_musicxml(sing(read_lyrics("Twinkle, twinkle, little star\n")), title="t")
    assert lyric_lines(xml, 1) and lyric_lines(xml, 2) == []
    mixed = song_musicxml(sing(read_lyrics("I love 你 so\n")), title="t")
    assert lyric_lines(mixed, 1) == ["I", "love", "你", "so"] and lyric_lines(mixed, 2) == ["nǐ"]


def _syllables(song) -> list[tuple[object, int, int, int]]:
    """(syllable, onset, duration of its notes, velocity) of each syllable but the last of its line."""
    velocity = {(n.time, n.pitch): n.velocity for n in song.score.tracks[0].notes}
    by: dict[tuple[int, int], list[list]] = {}
    for n in song.notes:
        if n.syllable is not None:
            by.setdefault((n.section, n.line), []).append([n.syllable, n.onset, n.duration, n])
        else:
            by[(n.section, n.line)][-1][2] += n.duration
    return [(s, on, d, velocity[(n.onset, n.pitch)]) for notes in by.values() for s, on, d, n in notes[:-1]]


def test_light_syllables_are_sung_short_off_the_strong_beats_and_soft():
    lyrics = read_lyrics(LIGHT_LINES)
    on, off = _syllables(sing(lyrics, light=True)), _syllables(sing(lyrics, light=False))
    light_on = [x for x in on if x[0].tone == 5]
    assert len(light_on) >= 6
    assert not any(is_strong(t, "4/4") for _, t, _, _ in light_on)
    assert all(d == SLOT for _, _, d, _ in light_on)  # an eighth note each
    assert all(v == LIGHT_VELOCITY for *_, v in light_on)
    assert all(v == VELOCITY for s, *_, v in on if s.tone != 5)
    # without the rule some of them fall on a strong beat or last longer, and none is sung softer
    light_off = [x for x in off if x[0].tone == 5]
    assert any(is_strong(t, "4/4") or d > SLOT for _, t, d, _ in light_off)
    assert all(v == VELOCITY for *_, v in light_off)


def test_the_rhythm_keeps_a_light_syllable_off_the_downbeat():
    stresses = [False] * 6
    light = [False, False, True, False, False, False]
    onsets = line_rhythm(stresses, 2, "4/4", light)
    weights = [3, 0, 1, 0, 2, 0, 1, 0]
    assert weights[onsets[2] % 8] <= 1
    assert onsets[3] - onsets[2] == 1  # an eighth note
    assert line_rhythm(stresses, 2, "4/4") == line_rhythm(stresses, 2, "4/4", [False] * 6)
