"""``partita transcribe``: an audio file to MIDI, end to end."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import partita.audio
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


# --melody --instrument: the instrument heard reaches the melody reading (MelodyConfig.for_instrument)


@pytest.fixture
def heard(monkeypatch):
    """The MelodyConfig each reading was given after the instrument's settings."""
    real, seen = partita.audio.read_hummed_melody, []

    def spy(path, config=None, transcription=None, progress=None, instrument=None):
        seen.append(partita.audio.MelodyConfig.for_instrument(instrument or "hum", config))
        return real(path, config, transcription, progress=progress, instrument=instrument)

    monkeypatch.setattr(partita.audio, "read_hummed_melody", spy)
    return seen


def test_the_instrument_heard_sets_the_reattack_cues(take, tmp_path, heard):
    assert main(["transcribe", str(take), "-o", str(tmp_path / "hum.mid"), "--melody"]) == 0
    out = tmp_path / "voice.mid"
    assert main(["transcribe", str(take), "-o", str(out), "--melody", "--instrument", "voice"]) == 0
    assert (
        main(["transcribe", str(take), "-o", str(tmp_path / "p.mid"), "--melody", "--instrument", "piano"])
        == 0
    )
    hum, voice, piano = heard
    assert hum.reattack_dip == 0 and hum.reattack_onset == 0
    assert voice.reattack_dip == pytest.approx(0.9) and piano.reattack_onset == pytest.approx(0.7)
    assert out.exists()


def test_an_unknown_instrument_is_refused_in_words(take, tmp_path, capsys):
    code = main(["transcribe", str(take), "-o", str(tmp_path / "x.mid"), "--melody", "--instrument", "oboe"])
    assert code == 2
    err = capsys.readouterr().err
    assert "oboe" in err and "Traceback" not in err
