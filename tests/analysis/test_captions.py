import pytest
import symusic

from partita.analysis import caption, caption_segments, describe
from partita.analysis.captions import captions, chord_symbol, key_zh


def test_english_caption_states_the_facts(pop_score):
    d = describe(pop_score)
    for seed in range(8):
        text = caption(d, seed=seed)
        assert "C major" in text
        assert "100" in text
        assert "4/4" in text
        assert "C, Am, F, G" in text
        assert "flute" in text.lower()


def test_phrasings_vary_and_seeds_repeat(pop_score):
    d = describe(pop_score)
    texts = {caption(d, seed=s) for s in range(10)}
    assert len(texts) >= 8
    assert caption(d, seed=3) == caption(d, seed=3)
    assert len(set(captions(d, n=5))) == 5


def test_labels_are_mentioned(pop_score):
    d = describe(pop_score)
    text = caption(d, seed=1, labels={"genre": "folk", "region": "Ireland", "mood": "cheerful", "junk": "x"})
    assert "folk" in text and "Ireland" in text and "cheerful" in text and "junk" not in text


def test_chinese_caption(pop_score):
    d = describe(pop_score)
    text = caption(d, lang="zh", seed=0, labels={"genre": "民谣"})
    assert "C大调" in text and "100" in text and "4/4" in text and "民谣" in text
    assert "C-Am-F-G" in text
    assert text.endswith("。")
    assert not any(w in text for w in ("major", "tempo", "bpm"))


def test_chinese_key_names():
    assert key_zh("Eb major") == "降E大调"
    assert key_zh("F# minor") == "升f小调"
    assert key_zh("A minor") == "a小调"


def test_chord_symbols():
    assert [chord_symbol(c) for c in ("C:maj", "A:min7", "G:7", "B:hdim7", "N")] == [
        "C",
        "Am7",
        "G7",
        "Bm7b5",
        "N",
    ]


def test_segments_are_time_stamped(pop_score):
    d = describe(pop_score)
    text = caption_segments(d)
    lines = text.splitlines()
    assert len(lines) == len(d.sections) + 1
    assert lines[0].startswith("0:00-")
    assert lines[-1].startswith("Summary: ")
    zh = caption_segments(d, lang="zh").splitlines()
    assert zh[-1].startswith("总结：")


def test_empty_piece_and_bad_language():
    d = describe(symusic.Score(480))
    assert "no notes" in caption(d)
    assert "没有音符" in caption(d, lang="zh")
    with pytest.raises(ValueError, match="unknown caption language"):
        caption(d, lang="fr")


def test_captions_open_with_what_the_piece_is_not_a_filler(pop_score):
    d = describe(pop_score)
    for seed in range(12):
        en, zh = caption(d, "en", seed=seed), caption(d, "zh", seed=seed)
        first = en.split(".")[0]
        assert not first.startswith(("This is", "Listen to", "Here is", "We hear")), en
        assert d.key in first, en  # with no label, the key (and the instruments) name the piece
        assert not zh.startswith(("这是一首", "这首", "一首")) and key_zh(d.key) in zh.split("，")[0], zh
    labelled = caption(d, "en", seed=1, labels={"style": "waltz", "composer": "Strauss"})
    assert labelled.startswith("A waltz") and "by Strauss" in labelled.split(".")[0]
