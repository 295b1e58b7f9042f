"""Reading lyrics: syllables and stress of known English words, tags, Chinese, and bad input."""

from __future__ import annotations

import pytest

from partita.lyrics import MAX_LINES, read_lyrics, stress_index, syllabify
from partita.score.errors import ScoreError


@pytest.mark.parametrize(
    ("word", "syllables", "stressed"),
    [
        ("twinkle", ["twin", "kle"], 0),
        ("little", ["lit", "tle"], 0),
        ("star", ["star"], 0),
        ("above", ["a", "bove"], 1),
        ("again", ["a", "gain"], 1),
        ("Mary", ["Ma", "ry"], 0),
        ("beautiful", ["beau", "ti", "ful"], 0),
        ("amazing", ["a", "maz", "ing"], 1),
        ("tomorrow", ["to", "mor", "row"], 1),
        ("salvation", ["sal", "va", "tion"], 1),
        ("fleece", ["fleece"], 0),
        ("saved", ["saved"], 0),
        ("shines", ["shines"], 0),
        ("you", ["you"], None),
        ("the", ["the"], None),
    ],
)
def test_syllables_and_stress_of_known_words(word, syllables, stressed):
    assert syllabify(word) == syllables
    assert stress_index(word, syllables) == stressed


def test_tags_make_sections_and_a_bare_tag_repeats_the_section():
    lyrics = read_lyrics(
        "[Verse 1]\nMary had a little lamb\n[chorus]\nLittle lamb, little lamb\n"
        "[verse 2]\nHis fleece was white as snow\n[chorus]\n"
    )
    assert [s.label for s in lyrics.sections] == ["verse 1", "chorus", "verse 2", "chorus"]
    assert [s.kind for s in lyrics.sections] == ["verse", "chorus", "verse", "chorus"]
    assert lyrics.sections[3].words == lyrics.sections[1].words == ("Little lamb, little lamb",)


def test_untagged_stanzas_are_verses_and_lines_are_phrases():
    lyrics = read_lyrics(
        "Row, row, row your boat\nGently down the stream\n\nMerrily, merrily\nLife is but a dream\n"
    )
    assert [s.label for s in lyrics.sections] == ["verse", "verse"]
    assert [len(s.lines) for s in lyrics.sections] == [2, 2]
    assert any("no section tags" in n for n in lyrics.notes)
    assert lyrics.lines[0].stresses == "DUM DUM DUM da DUM"


def test_chinese_is_one_syllable_per_character_with_its_tone():
    lyrics = read_lyrics("床前明月光，\n疑是地上霜。")
    assert [s.text for s in lyrics.lines[0].syllables] == list("床前明月光")
    assert [s.tone for s in lyrics.lines[0].syllables] == [2, 2, 2, 4, 1]  # see test_mandarin_tones
    assert lyrics.language == "zh"
    assert any("Mandarin tones" in n for n in lyrics.notes)


def test_mixed_scripts_are_read_word_by_word_with_a_note():
    lyrics = read_lyrics("明月 shining bright")
    assert [s.text for s in lyrics.syllables] == ["明", "月", "shin", "ing", "bright"]
    assert lyrics.language == "mixed"
    assert any("mixed scripts" in n for n in lyrics.notes)


def test_emoji_are_dropped_with_a_note():
    lyrics = read_lyrics("Happy 🎉 birthday to you 🎂🎈")
    assert [s.text for s in lyrics.syllables] == ["Hap", "py", "birth", "day", "to", "you"]
    assert any("dropped 3 emoji" in n for n in lyrics.notes)


@pytest.mark.parametrize("text", ["", "   \n\n  ", "[chorus]\n", "🎵🎶\n!!!"])
def test_empty_lyrics_are_refused_clearly(text):
    with pytest.raises(ScoreError, match="no words to sing") as e:
        read_lyrics(text)
    assert e.value.reason == "empty"


def test_ten_thousand_lines_are_refused_above_the_limit():
    with pytest.raises(ScoreError, match=f"10000 lyric lines, over the limit of {MAX_LINES}"):
        read_lyrics("la la la\n" * 10_000)


def test_a_very_long_line_is_cut_into_phrases(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("la " * 60)
    lyrics = read_lyrics(path)
    assert len(lyrics.lines) > 1 and all(len(line.syllables) <= 24 for line in lyrics.lines)
    assert sum(len(line.syllables) for line in lyrics.lines) == 60
    assert any("was cut" in n for n in lyrics.notes)


def test_a_missing_lyrics_file_is_named_not_sung(tmp_path):
    with pytest.raises(ScoreError, match="no such lyrics file") as e:
        read_lyrics(tmp_path / "song.txt")
    assert e.value.reason == "missing"


def test_a_string_is_always_the_words_never_a_file_name(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not to be sung")
    lyrics = read_lyrics(str(secret))  # a one-line string that names a file: sung as written, not read
    assert "not to be sung" not in " ".join(line.text for line in lyrics.lines)
