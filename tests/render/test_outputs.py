"""render() and the `partita render` / `partita convert` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic

from partita.cli.main import main
from partita.render import AudioUnavailable, audio_available, render, title_of
from partita.render import audio as audio_mod
from partita.score import read_score

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REEL = FIXTURES / "score" / "reel_pickup.abc"


def test_render_writes_every_output_it_is_asked_for(tmp_path):
    paths = render(REEL, tmp_path, wav=False)
    names = sorted(p.name for p in paths)
    assert names == [
        "reel_pickup-pianoroll.png",
        "reel_pickup-score.png",
        "reel_pickup-score.svg",
        "reel_pickup.musicxml",
    ]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert "Test Reel with a Pickup" in (tmp_path / "reel_pickup-score.svg").read_text()
    only = render(
        read_score(REEL),
        tmp_path / "b",
        pianoroll=False,
        score_svg=False,
        score_png=False,
        wav=False,
        name="x",
    )
    assert [p.name for p in only] == ["x.musicxml"]
    images = render(
        read_score(REEL), tmp_path / "c", png=True, svg=False, wav=False, musicxml=False, name="y"
    )
    assert [p.name for p in images] == ["y-pianoroll.png", "y-score.png"]


def test_title_of_reads_the_files_own_title(tmp_path):
    assert title_of(REEL) == "Test Reel with a Pickup"
    mid = tmp_path / "song.mid"
    s = symusic.Score(480)
    s.dump_midi(str(mid))
    assert title_of(mid) == "song"


def test_wav_requested_without_audio_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(audio_mod.shutil, "which", lambda name: None)
    with pytest.raises(AudioUnavailable, match="apt-get install fluidsynth"):
        render(REEL, tmp_path, wav=True)
    # Without --wav the other outputs are still written on a machine without audio.
    assert main(["render", str(REEL), "-o", str(tmp_path / "c"), "--png"]) == 0
    assert main(["render", str(REEL), "-o", str(tmp_path / "d"), "--wav"]) == 2
    assert "apt-get install fluidsynth fluid-soundfont-gm" in capsys.readouterr().err


@pytest.mark.audio
@pytest.mark.skipif(not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing")
def test_cli_render_default_includes_wav(tmp_path, capsys):
    assert main(["render", str(REEL), "-o", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert str(tmp_path / "reel_pickup.wav") in printed and len(printed) == 5


def test_cli_convert_between_formats(tmp_path, capsys):
    xml = tmp_path / "reel.musicxml"
    assert main(["convert", str(REEL), str(xml)]) == 0
    assert "<movement-title>Test Reel with a Pickup</movement-title>" in xml.read_text()
    mid = tmp_path / "reel.mid"
    assert main(["convert", str(xml), str(mid)]) == 0
    a, b = read_score(REEL), read_score(mid)
    assert [(n.time, n.pitch, n.duration) for n in a.tracks[0].notes] == [
        (n.time, n.pitch, n.duration) for n in b.tracks[0].notes
    ]
    assert (
        main(["convert", str(FIXTURES / "score" / "two_tunes.abc"), str(tmp_path / "t2.mid"), "--tune", "2"])
        == 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "{reel}", "{tmp}/x.wav"], "use `partita render`"),
        (["convert", "{tmp}/missing.mid", "{tmp}/x.mid"], "no such file"),
        (["convert", "{reel}", "{tmp}/x.mid", "--tune", "7"], "no tune X:7"),
        (["render", "{tmp}/notes.txt"], "not a score file"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, args, message):
    (tmp_path / "notes.txt").write_text("just text\n")
    argv = [a.format(reel=REEL, tmp=tmp_path) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_cli_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    # refused before any work by the output folder check (cli._errors.check_writable), as every command is
    assert main(["render", str(REEL), "-o", str(blocker / "sub"), "--musicxml"]) == 1
    err = capsys.readouterr().err.strip()
    assert "cannot write" in err and "is not a folder" in err and len(err.splitlines()) == 1
    assert blocker.read_text() == ""


def test_cli_render_writes_to_the_current_folder_not_beside_the_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["render", str(REEL), "--musicxml"]) == 0
    assert (tmp_path / "reel_pickup.musicxml").exists()
    assert not (REEL.parent / "reel_pickup.musicxml").exists()
