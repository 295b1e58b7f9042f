"""read_music: the one entry point for a piece, a score file or an audio file."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf

from partita.audio import is_audio_file, read_music
from partita.score import ScoreError, read_score, to_midi_bytes


@pytest.mark.parametrize("name", ["two_tracks.mid", "reel_pickup.abc", "minuet.musicxml"])
def test_a_score_file_is_read_as_read_score_reads_it(fixtures, name):
    path = fixtures / "score" / name
    assert not is_audio_file(path)
    assert to_midi_bytes(read_music(path)) == to_midi_bytes(read_score(path))


def test_a_midi_file_named_wav_is_still_a_score(fixtures, tmp_path):
    path = tmp_path / "take.wav"
    shutil.copy(fixtures / "score" / "two_tracks.mid", path)
    assert to_midi_bytes(read_music(path)) == to_midi_bytes(read_score(path))


def test_an_audio_file_is_transcribed(hum, hum_wav, tmp_path):
    assert is_audio_file(hum_wav)
    score = read_music(hum_wav)
    pitches = {n.pitch for n in score.tracks[0].notes}
    assert {p for p, _ in [(67, 0), (64, 0), (65, 0), (72, 0), (71, 0), (69, 0)]} <= pitches
    renamed = tmp_path / "take.mid"  # audio under a score's name: its bytes decide
    shutil.copy(hum_wav, renamed)
    assert read_music(renamed).note_num() == score.note_num()


def test_silent_audio_is_an_empty_score_and_a_warning(tmp_path, caplog):
    path = tmp_path / "silence.flac"
    sf.write(path, np.zeros(22050, dtype=np.float32), 22050)
    with caplog.at_level("WARNING"):
        assert read_music(path).note_num() == 0
    assert "silent" in caplog.text


def test_neither_score_nor_audio_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("nothing musical here\n" * 10)
    with pytest.raises(ScoreError, match="neither a score file .* nor an audio file"):
        read_music(path)
    bad = tmp_path / "take.wav"
    bad.write_text("nothing musical here\n" * 10)
    with pytest.raises(ScoreError, match="not an audio file"):
        read_music(bad)
