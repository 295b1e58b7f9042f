"""Mandarin tones of Chinese lyrics (pypinyin, by phrase), the tone-melody agreement metric, and the melody
writer's tone preference (issue 25 item 1)."""

import pytest

from partita.generation.song import sing, tone_pitches
from partita.lyrics import mandarin as M
from partita.lyrics import (
    mandarin_pinyin,
    mandarin_tones,
    pooled_agreement,
    preferred_directions,
    read_lyrics,
    tone_agreement,
)
from partita.lyrics import read as R

pytest.importorskip("pypinyin")

# development lines (the benchmark's bench/prompts/zh_lyrics.txt holds other poems)
POEMS = (
    "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n\n"
    "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"
)


def test_tones_of_known_characters():
    assert mandarin_tones("妈麻马骂") == [1, 2, 3, 4]
    assert mandarin_tones("走了") == [3, 5]  # the neutral tone is 5
    assert mandarin_tones("I love 你!") == [3]  # only Han characters have tones


def test_heteronyms_are_read_by_the_phrase_they_are_in():
    assert mandarin_pinyin("银行") == ["yin2", "hang2"]
    assert mandarin_pinyin("行走") == ["xing2", "zou3"]
    assert mandarin_tones("长大") == [3, 4] and mandarin_tones("长城") == [2, 2]
    assert mandarin_tones("重要") == [4, 4] and mandarin_tones("重新") == [2, 1]


def test_read_lyrics_gives_each_chinese_syllable_its_tone():
    lyrics = read_lyrics("我在银行，\n长城很高")
    assert [s.tone for s in lyrics.syllables] == [3, 4, 2, 2, 2, 2, 3, 1]
    assert any("pypinyin" in n for n in lyrics.notes)
    assert all(s.tone is None for s in read_lyrics("Twinkle, little star").syllables)


def test_without_pypinyin_the_tones_are_none_with_a_note(monkeypatch):
    monkeypatch.setattr(M, "have_tones", lambda: False)
    monkeypatch.setattr(R, "have_tones", lambda: False)
    lyrics = read_lyrics("床前明月光")
    assert all(s.tone is None for s in lyrics.syllables)
    assert any("without tones" in n for n in lyrics.notes)


def test_preferred_directions_follow_the_table():
    assert preferred_directions(1, 4) == {M.DOWN}  # high level then falling: down
    assert preferred_directions(3, 1) == {M.UP}  # low then high: up
    assert preferred_directions(1, 1) == {M.LEVEL, M.UP}  # (0, 1) semitones
    assert preferred_directions(4, 1) == {M.LEVEL, M.DOWN}  # (-1, 0)
    assert preferred_directions(5, 3) == frozenset()  # (-4, 3): every direction, says nothing
    assert preferred_directions(None, 1) == frozenset()


def test_agreement_on_a_hand_made_melody():
    tones = [1, 4, 3, 2]  # down, down, up
    assert tone_agreement([67, 64, 62, 64], tones) == {"pairs": 3, "agree": 1.0, "contrary": 0.0}
    r = tone_agreement([67, 69, 62, 62], tones)  # up (against), down (agrees), level (neither)
    assert r["pairs"] == 3
    assert r["agree"] == pytest.approx(1 / 3) and r["contrary"] == pytest.approx(1 / 3)
    assert tone_agreement([60, 62], [5, 3])["pairs"] == 0  # a pair that prefers nothing is left out
    pooled = pooled_agreement([tone_agreement([67, 64, 62, 64], tones), tone_agreement([67, 69], [1, 4])])
    assert pooled["pairs"] == 4 and pooled["agree"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        tone_agreement([60, 62], [1])


def _agreement(song, lyrics):
    results = []
    for si, section in enumerate(lyrics.sections):
        for li, line in enumerate(section.lines):
            here = [n for n in song.notes if (n.section, n.line) == (si, li)]
            landing = [n.pitch for n in here if n.syllable is not None]
            results.append(tone_agreement(landing, [s.tone for s in line.syllables]))
    return pooled_agreement(results)


def test_the_writer_follows_the_tones_more_with_them_than_without():
    lyrics = read_lyrics(POEMS)
    on, off = sing(lyrics, seed=3, tones=True), sing(lyrics, seed=3, tones=False)
    a_on, a_off = _agreement(on, lyrics), _agreement(off, lyrics)
    assert a_on["pairs"] == a_off["pairs"] >= 30
    assert a_on["agree"] >= a_off["agree"] + 0.2
    assert a_on["contrary"] < a_off["contrary"]
    # singability first: the same rhythm and cadences, no leap over a fifth between syllables
    assert [n.onset for n in on.notes] == [n.onset for n in off.notes]
    for si, section in enumerate(lyrics.sections):
        for li in range(len(section.lines)):
            notes_on = [n.pitch for n in on.notes if (n.section, n.line) == (si, li)]
            notes_off = [n.pitch for n in off.notes if (n.section, n.line) == (si, li)]
            # the same cadence degree (its octave follows the notes before it: no leap of a ninth down)
            assert notes_on[-1] % 12 == notes_off[-1] % 12
            assert max(abs(b - a) for a, b in zip(notes_on, notes_on[1:], strict=False)) <= 7


def test_tone_pitches_keeps_strong_beats_on_chord_tones():
    # two bars of 4/4 ending on V (a half cadence): IV then V; onsets in eighths, slots 0 and 4 strong
    onsets, total = [0, 1, 2, 3, 4, 5, 6, 8], 16
    degrees = [2, 3, 4, 5, 4, 3, 2, 1]
    tones = [3, 1, 4, 4, 3, 1, 2, 4]
    out = tone_pitches(onsets, degrees, total, "4/4", "dominant", tones)
    assert out[-1] == degrees[-1]
    assert out[0] % 7 in (3, 5, 0) and out[4] % 7 in (3, 5, 0)  # the IV chord: degrees 3, 5, 0
    assert all(abs(b - a) <= 4 for a, b in zip(out, out[1:], strict=False))
    assert tone_pitches(onsets, degrees, total, "4/4", "dominant", [None] * 8) == degrees


def test_english_is_unchanged():
    lyrics = read_lyrics("Twinkle, twinkle, little star,\nHow I wonder what you are!")
    assert sing(lyrics, seed=1, tones=True).notes == sing(lyrics, seed=1, tones=False).notes
