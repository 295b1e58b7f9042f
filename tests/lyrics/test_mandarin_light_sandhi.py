"""Tone 3 before a light syllable whose own tone is 3 (小姐 xiáo jie, 想想 xiáng xiang), doubled verbs read
light, and 重重的 'heavy' (issue 25: the readings left over by the last session)."""

from __future__ import annotations

import pytest

from partita.lyrics import mandarin_pinyin, mandarin_tones, read_lyrics

pytest.importorskip("pypinyin")


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("小姐", "xiao2 jie5"),  # the sandhi came before jie went light
        ("哪里", "na2 li5"),
        ("想想", "xiang2 xiang5"),  # a doubled verb: light, and the first a tone 2
        ("走走", "zou2 zou5"),
        ("我想想", "wo3 xiang2 xiang5"),  # the 3-3 cycle sees xiang2: wo stays a tone 3
        ("等等我", "deng2 deng5 wo3"),
        ("看看", "kan4 kan5"),
    ],
)
def test_a_third_tone_before_a_light_third_tone_is_heard_as_a_second(text, surface):
    assert mandarin_pinyin(text) == surface.split()


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("姐姐", "jie3 jie5"),  # doubled kin words keep their tone 3
        ("奶奶", "nai3 nai5"),
        ("姥姥", "lao3 lao5"),
        ("耳朵", "er3 duo5"),  # the listed exceptions
        ("椅子", "yi3 zi5"),  # the suffix 子 is light of its own
        ("好好", "hao2 hao3"),  # a doubled adjective is not light: plain 3-3
        ("慢慢", "man4 man4"),
        ("走走停停", "zou2 zou3 ting2 ting2"),  # AABB is not a verb tried once
        ("走走走", "zou2 zou2 zou3"),
    ],
)
def test_the_exceptions_keep_their_readings(text, surface):
    assert mandarin_pinyin(text) == surface.split()


def test_citation_tones_are_kept_beside_the_surface_ones():
    assert mandarin_pinyin("小姐", surface=False) == ["xiao3", "jie5"]
    assert mandarin_tones("想想你", surface=False) == [3, 5, 3]
    assert mandarin_tones("想想你") == [2, 5, 3]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("重重的包袱", "zhong4 zhong4 de5"),  # heavy
        ("重重地摔", "zhong4 zhong4 de5"),
        ("心事重重", "xin1 shi4 chong2 chong2"),  # layer upon layer
        ("万重山", "wan4 chong2 shan1"),
    ],
)
def test_zhong_heavy_before_de_and_chong_elsewhere(text, surface):
    assert mandarin_pinyin(text)[: len(surface.split())] == surface.split()


def test_the_light_syllable_of_a_doubled_verb_reaches_the_lyrics():
    (line,) = read_lyrics("让我想想\n").lines
    assert [s.tone for s in line.syllables] == [4, 3, 2, 5]
