"""WAV through FluidSynth: soundfont lookup, clear errors, and a non-silent file of the right length."""

from __future__ import annotations

import wave

import numpy as np
import pytest
import symusic

from partita.render import AudioUnavailable, audio_available, find_soundfont, write_wav
from partita.render import audio as audio_mod


def melody(qpm: float = 120.0) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    t = symusic.Track("Flute", 73, False)
    for i, p in enumerate([72, 74, 76, 77, 79, 81, 83, 84]):
        t.notes.append(symusic.Note(i * 480, 480, p, 90))
    s.tracks.append(t)
    return s


def test_soundfont_env_overrides_and_bad_path_is_named(tmp_path, monkeypatch):
    sf2 = tmp_path / "mine.sf2"
    sf2.write_bytes(b"RIFF")
    monkeypatch.setenv("PARTITA_SOUNDFONT", str(sf2))
    assert find_soundfont() == sf2
    monkeypatch.setenv("PARTITA_SOUNDFONT", str(tmp_path / "missing.sf2"))
    with pytest.raises(AudioUnavailable, match="PARTITA_SOUNDFONT .*missing.sf2.* is not a file"):
        find_soundfont()


def test_missing_soundfont_and_fluidsynth_name_the_debian_packages(monkeypatch, tmp_path):
    monkeypatch.delenv("PARTITA_SOUNDFONT", raising=False)
    monkeypatch.setattr(audio_mod, "SOUNDFONT_CANDIDATES", (tmp_path / "none.sf2",))
    with pytest.raises(AudioUnavailable, match="apt-get install fluidsynth fluid-soundfont-gm"):
        find_soundfont()
    monkeypatch.setattr(audio_mod.shutil, "which", lambda name: None)
    assert not audio_available()
    with pytest.raises(
        AudioUnavailable, match="fluidsynth program is not installed.*apt-get install fluidsynth"
    ):
        write_wav(melody(), tmp_path / "x.wav")


needs_audio = pytest.mark.skipif(
    not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing"
)


@pytest.mark.audio
@needs_audio
def test_wav_is_audible_and_lasts_as_long_as_the_music(tmp_path):
    path = write_wav(melody(qpm=120.0), tmp_path / "m.wav", sample_rate=22050)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050
        assert w.getnchannels() == 2
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float) / 32768
        seconds = w.getnframes() / w.getframerate()
    # 8 quarter notes at 120 qpm are 4 s of music; FluidSynth adds the release and reverb tail.
    assert 4.0 <= seconds <= 7.0
    rms = float(np.sqrt(np.mean(x**2)))
    assert rms > 0.01, f"RMS {rms:.4f}: the WAV is silent"
    assert float(np.abs(x).max()) < 1.0
    # The music sounds during the first 4 s, not only in a tail.
    head = x[: 2 * 22050 * 4]
    assert float(np.sqrt(np.mean(head**2))) > 0.01


@pytest.mark.audio
@needs_audio
def test_wav_refuses_an_empty_score(tmp_path):
    from partita.score import ScoreError

    with pytest.raises(ScoreError, match="no notes"):
        write_wav(symusic.Score(480), tmp_path / "e.wav")
    assert not (tmp_path / "e.wav").exists()
