"""``partita transcribe``: an audio file to MIDI, end to end."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from partita.audio.synth import HumStyle, synthesize_hum
from partita.cli.main import main
from partita.score import read_score

TUNE = [(62, 1.0), (66, 1.0), (69, 1.0), (67, 0.5), (66, 0.5), (64, 1.0), (62, 2.0)]


@pytest.fixture(scope="module")
def take(tmp_path_factory):
    hum = synthesize_hum(TUNE, HumStyle(seed=2, vowel="ah", tempo=100))
    path = tmp_path_factory.mktemp("take") / "take.wav"
    sf.write(path, hum.samples, hum.sample_rate)
    return path


def test_transcribe_writes_midi(take, tmp_path, capsys):
    out = tmp_path / "take.mid"
    assert main(["transcribe", str(take), "-o", str(out)]) == 0
    score = read_score(out)
    assert {p for p, _ in TUNE} <= {n.pitch for n in score.tracks[0].notes}
    assert "bpm (estimated)" in capsys.readouterr().out


def test_transcribe_melody_writes_the_clean_theme(take, tmp_path, capsys):
    out = tmp_path / "theme.musicxml"
    assert main(["transcribe", str(take), "-o", str(out), "--melody"]) == 0
    score = read_score(out)
    assert [n.pitch for t in score.tracks for n in t.notes] == [p for p, _ in TUNE]
    assert "D major" in capsys.readouterr().out


def test_transcribe_default_output_is_beside_the_current_folder(take, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["transcribe", str(take), "--tempo", "90", "--program", "40"]) == 0
    score = read_score(tmp_path / "take.mid")
    assert score.tempos[0].qpm == pytest.approx(90) and score.tracks[0].program == 40


def test_bad_input_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8))
    assert main(["transcribe", str(bad), "-o", str(tmp_path / "x.mid")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("partita: error:") and "corrupt or truncated WAV" in err[-1]
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(22050, dtype=np.float32), 22050)
    assert main(["transcribe", str(silent), "-o", str(tmp_path / "s.mid")]) == 0
    assert "silent" in capsys.readouterr().err
    assert main(["transcribe", str(silent), "-o", str(tmp_path / "s.png")]) == 2
