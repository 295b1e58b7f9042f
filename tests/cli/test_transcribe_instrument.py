"""``partita transcribe --melody --instrument``: the instrument heard reaches the melody reading
(:meth:`partita.audio.MelodyConfig.for_instrument`), a hum by default; an unknown one is one clear line."""

from __future__ import annotations

import pytest
import soundfile as sf

import partita.audio
from partita.audio.synth import HumStyle, synthesize_hum
from partita.cli.main import main

TUNE = [(62, 1.0), (66, 1.0), (69, 1.0), (67, 0.5), (66, 0.5), (64, 1.0), (62, 2.0)]


@pytest.fixture(scope="module")
def take(tmp_path_factory):
    hum = synthesize_hum(TUNE, HumStyle(seed=2, vowel="ah", tempo=100))
    path = tmp_path_factory.mktemp("take") / "take.wav"
    sf.write(path, hum.samples, hum.sample_rate)
    return path


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
