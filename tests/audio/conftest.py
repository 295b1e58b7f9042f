"""Test material for the audio layer, made here: voice-like hums of known tunes (partita.audio.synth)."""

from __future__ import annotations

import pytest
import soundfile as sf
from hum_fixtures import TUNE

from partita.audio.synth import HumStyle, synthesize_hum


@pytest.fixture(scope="session")
def hum():
    """The tune hummed ("mm") at 96 bpm slowing by 6%, with vibrato, glides and breath noise."""
    return synthesize_hum(TUNE, HumStyle(seed=3, vowel="mm", tempo=96.0))


@pytest.fixture(scope="session")
def hum_wav(hum, tmp_path_factory):
    path = tmp_path_factory.mktemp("hum") / "hum.wav"
    sf.write(path, hum.samples, hum.sample_rate, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def hum_transcription(hum):
    from partita.audio import transcribe_audio

    return transcribe_audio(hum.samples, sample_rate=hum.sample_rate)
