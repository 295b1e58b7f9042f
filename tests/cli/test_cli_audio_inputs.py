"""``partita continue``, ``partita infill`` and ``partita generate --theme`` take a recording wherever they
take a score file: it is transcribed (every note for a piece, one clean line for a theme) before the model
loads; bad audio is one line naming the file, and nothing is written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from tests.web.test_audio_uploads import RATE, tones, write_wav

from partita.cli.main import main

TAKE = [60, 64, 67, 72, 67, 64, 60, 64]
"""Eight half-second tones: two bars at 120 beats a minute."""


def write_take(path: Path, pitches: list[int], rate: int = RATE, seconds: float = 0.5) -> Path:
    """Organ-like tones with soft edges, as a 16-bit mono WAV written with the standard library."""
    write_wav(path, tones(pitches, rate, seconds), rate)
    return path


@pytest.fixture(scope="module")
def take(tmp_path_factory) -> Path:
    return write_take(tmp_path_factory.mktemp("take") / "take.wav", TAKE)


def first_pitches(midi: Path, n: int) -> list[int]:
    from symusic import Score

    notes = sorted((note.time, note.pitch) for t in Score(str(midi)).tracks for note in t.notes)
    return [p for _, p in notes[:n]]


def test_continue_a_recording(take, tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "continue",
        str(take),
        "--model",
        "debug",
        "--n",
        "1",
        "--bars",
        "1",
        "--seed",
        "3",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    # 8 beats heard at about 120 a minute, the last note held into a third bar
    assert re.search(r"continuing take\.wav: bars 1-[23] given, [34]-[34] new", capsys.readouterr().out)
    assert first_pitches(out / "candidate-1.mid", 8) == TAKE  # the take as heard, then the new bar


def test_infill_a_recording(take, tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "infill",
        str(take),
        "--bars",
        "2-2",
        "--model",
        "debug",
        "--n",
        "1",
        "--seed",
        "1",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    assert "infilling bars 2-2 of take.wav" in capsys.readouterr().out
    assert first_pitches(out / "candidate-1.mid", 4) == TAKE[:4]  # bar 1 kept as heard


def test_generate_with_a_hummed_theme(take, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["generate", "a waltz", "--theme", str(take), "--model", "debug", "--n", "1", "--seed", "1"]
    assert main([*args, "--bars", "4", "-o", str(out)]) == 0
    assert "the theme as given" in capsys.readouterr().out
    assert json.loads((out / "generation.json").read_text())["candidates"]
    assert first_pitches(out / "candidate-1.mid", 8) == TAKE  # the theme, as one line in C major


@pytest.mark.parametrize("command", ["continue", "infill", "theme"])
def test_bad_recordings_are_one_line_and_nothing_is_written(command, tmp_path, capsys):
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(RATE))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8))
    for path, message in ((silent, "silent.wav: "), (broken, "broken.wav: a corrupt or truncated WAV")):
        out = tmp_path / "out"
        if command == "theme":
            args = ["generate", "a waltz", "--theme", str(path)]
        else:
            args = [command, str(path)] + (["--bars", "1-1"] if command == "infill" else [])
        assert main([*args, "--model", "debug", "-o", str(out)]) == 2
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]
        assert last.startswith("partita: error:") and message in last and "Traceback" not in err
        assert not out.exists()
