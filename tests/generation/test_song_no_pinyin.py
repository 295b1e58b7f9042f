"""The engraved pinyin line under Chinese lyrics is optional: ``--no-pinyin`` in the CLI, ``pinyin=False``
in the library (issue 25)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from partita.cli.song import song as song_cli
from partita.generation.song import sing, song_musicxml, write_song_musicxml
from partita.lyrics import read_lyrics

pytest.importorskip("pypinyin")

WORDS = "[verse]\n床前明月光\n疑是地上霜\n"


def lyric_numbers(xml: str) -> list[str]:
    return re.findall(r'<lyric[^>]*number="(\d+)"', xml)


def test_the_library_leaves_the_pinyin_out_when_asked(tmp_path):
    song = sing(read_lyrics(WORDS))
    assert lyric_numbers(song_musicxml(song)).count("2") == 10
    assert set(lyric_numbers(song_musicxml(song, pinyin=False))) == {"1"}
    write_song_musicxml(song, tmp_path / "s.musicxml", pinyin=False)
    xml = (tmp_path / "s.musicxml").read_text()
    assert lyric_numbers(xml) == ["1"] * 10 and "chuáng" not in xml and "床" in xml


@pytest.mark.parametrize(("flag", "second_line"), [([], 10), (["--no-pinyin"], 0), (["--pinyin"], 10)])
def test_cli_song_melody_pinyin_switch(tmp_path, flag, second_line):
    words = tmp_path / "jingyesi.txt"
    words.write_text(WORDS, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(song_cli, ["melody", str(words), "-o", str(out), "--no-png", *flag])
    assert result.exit_code == 0, result.output
    xml = (out / "jingyesi.musicxml").read_text(encoding="utf-8")
    assert lyric_numbers(xml).count("1") == 10
    assert lyric_numbers(xml).count("2") == second_line
    assert ("guāng" in xml) == bool(second_line)
