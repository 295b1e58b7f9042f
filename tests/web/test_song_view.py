"""The Song view: pasted lyrics (English or Chinese) to a vocal line with the words under the notes, as
MusicXML, MIDI, an engraved page and a piano roll; bad lyrics are one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.web import Limits
from partita.web.limits import UserError, WorkDir
from partita.web.song import MAX_LYRICS_CHARS, SongView, song
from partita.web.studio import Studio

TWINKLE = (
    "[verse]\nTwinkle, twinkle, little star,\nHow I wonder what you are!\n"
    "[chorus]\nUp above the world so high"
)


@pytest.fixture
def local(tmp_path):
    """A studio without a server (the song view samples no model)."""
    studio = Studio(
        model=object(),
        model_name="none",
        limits=Limits(max_candidates=2, max_bars=4),
        work=WorkDir(60, tmp_path),
        corpora_root=tmp_path,
    )
    yield studio
    studio.close()


def test_english_lyrics_in_the_key_and_tempo_the_words_name(local):
    import mido

    summary, files, paths = song(local, TWINKLE, "in G major, slow", seed=0)
    assert summary["language"] == "en" and summary["key"] == "G major" and summary["tempo"] < 100
    assert summary["sections"] == ["verse", "chorus"] and summary["title"] == "Twinkle, twinkle, little star"
    assert summary["syllables"] == 21 and summary["sung_notes"] >= 21
    assert summary["lines"][0].startswith("Twin(")
    xml = Path(paths["musicxml"]).read_text()
    assert "<lyric" in xml and "<text>Twin</text>" in xml and "<fifths>1</fifths>" in xml
    midi = mido.MidiFile(paths["midi"])
    assert [m.text for t in midi.tracks for m in t if m.type == "lyrics"][:2] == ["Twin-", "kle"]
    for kind in ("pianoroll", "score"):
        assert Path(paths[kind]).stat().st_size > 2000
    assert paths["musicxml"] in files and paths["midi"] in files
    assert set(files) <= {paths[k] for k in ("musicxml", "midi", "wav") if k in paths}


def test_chinese_lyrics_one_character_a_syllable(local):
    summary, _, paths = song(local, "小星星亮晶晶\n满天都是小星星", "3/4", seed=1)
    assert summary["language"] == "zh" and summary["syllables"] == 13 and summary["meter"] == "3/4"
    assert any("Chinese" in n for n in summary["notes"])
    assert "<text>星</text>" in Path(paths["musicxml"]).read_text(encoding="utf-8")
    assert Path(paths["midi"]).name == "song.mid"  # plain file names


def test_a_one_line_text_is_sung_never_read_as_a_file(local, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("classified words here")
    summary, _, paths = song(local, str(secret))
    assert "classified" not in Path(paths["musicxml"]).read_text()
    assert summary["syllables"] >= 2


def test_bad_lyrics_are_one_sentence(local):
    with pytest.raises(UserError, match="write the lyrics"):
        song(local, "   \n ")
    with pytest.raises(UserError, match=f"at most {MAX_LYRICS_CHARS}"):
        song(local, "la " * MAX_LYRICS_CHARS)
    with pytest.raises(UserError, match="Cyrillic script"):
        song(local, "Калинка, калинка моя")
    with pytest.raises(UserError, match="Hangul"):
        song(local, "Twinkle star 반짝반짝")
    with pytest.raises(UserError, match="no words to sing"):
        song(local, "[verse]\n!!! ...")
    with pytest.raises(UserError, match="seed"):
        song(local, TWINKLE, seed="x")


def test_the_view_builds_with_its_endpoint(local):
    import gradio as gr

    with gr.Blocks() as demo:
        SongView().build(local)
    assert SongView.name == "song" and SongView.title == "Song"
    assert "song" in {d.api_name for d in demo.fns.values()}
