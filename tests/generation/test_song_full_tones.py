"""Full-tone Chinese syllables (tones 1-4) are not placed as unstressed English ones: a Chinese line begins on
the downbeat, and its full syllables may fall on strong beats; English is untouched (issue 25)."""

from __future__ import annotations

import pytest

from partita.generation.song import SLOT, is_strong, line_rhythm, sing, song_onsets
from partita.lyrics import read_lyrics
from partita.lyrics.mandarin import LIGHT

pytest.importorskip("pypinyin")

POEM = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n朝辞白帝彩云间\n千里江陵一日还\n"


def line_starts(song) -> list[int]:
    firsts: dict = {}
    for n in song.notes:
        if n.syllable is not None:
            firsts.setdefault((n.section, n.line), n.onset)
    return list(firsts.values())


def full_on_strong(song) -> float:
    by_line: dict = {}
    for n in song.notes:
        if n.syllable is not None:
            by_line.setdefault((n.section, n.line), []).append(n)
    hits = [
        is_strong(n.onset, song.meter) for ns in by_line.values() for n in ns[:-1] if n.syllable.tone != LIGHT
    ]
    return sum(hits) / len(hits)


def test_a_chinese_line_begins_on_the_downbeat():
    song = sing(read_lyrics(POEM))
    bar = 8 * SLOT
    assert all(t % bar == 0 for t in line_starts(song))
    before = sing(read_lyrics(POEM), full=False)  # placed as unstressed syllables: an upbeat rest first
    assert not any(t % bar == 0 for t in line_starts(before))


def test_full_tone_syllables_are_no_longer_kept_off_the_strong_beats():
    lyrics = read_lyrics(POEM)
    assert full_on_strong(sing(lyrics)) > 0.35 > 0.25 > full_on_strong(sing(lyrics, full=False))


def test_line_rhythm_scores_full_syllables_apart_from_unstressed_ones():
    n = 4
    unstressed = line_rhythm([False] * n, 1, "4/4")
    full = line_rhythm([False] * n, 1, "4/4", full=[True] * n)
    assert unstressed[0] != 0 and full[0] == 0


def test_light_syllables_stay_off_the_strong_beats_with_full_ones_around():
    song = sing(read_lyrics("我的朋友们\n你说了什么呢\n妈妈的歌声\n喜欢你的笑\n"))
    last = {}
    for i, n in enumerate(song.notes):
        if n.syllable is not None:
            last[(n.section, n.line)] = i
    for i, n in enumerate(song.notes):
        if n.syllable is not None and n.syllable.tone == LIGHT and i != last[(n.section, n.line)]:
            assert not is_strong(n.onset, song.meter), n.syllable.text


def test_english_is_untouched():
    lyrics = read_lyrics("Twinkle, twinkle, little star,\nHow I wonder what you are!\n")
    assert song_onsets(sing(lyrics)) == song_onsets(sing(lyrics, full=False))
    assert [n.pitch for n in sing(lyrics).notes] == [n.pitch for n in sing(lyrics, full=False).notes]
