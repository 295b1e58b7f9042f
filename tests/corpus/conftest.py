"""Fixtures of the corpus tests: folders of generated inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus_inputs import BODY, BODY_D, TUNE, absurd_tempo_midi, midi_score, write_midi_file, zero_track_midi


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    """Two good MIDI files and one file of each kind of bad input."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = write_midi_file(folder / "good_a.mid", midi_score([60, 62, 64, 65, 67, 69, 71, 72] * 4))
    write_midi_file(folder / "good_b.mid", midi_score([72, 71, 69, 67, 65, 64, 62, 60] * 2, tpq=96))
    data = good.read_bytes()
    (folder / "truncated.mid").write_bytes(data[: len(data) // 2])
    (folder / "garbage.mid").write_bytes(os.urandom(5000))
    (folder / "empty.mid").write_bytes(b"")
    (folder / "huge.mid").write_bytes(os.urandom(10 * 1024 * 1024))
    (folder / "zero_tracks.mid").write_bytes(zero_track_midi())
    (folder / "absurd_tempo.mid").write_bytes(absurd_tempo_midi())
    (folder / "not_music.xml").write_text("<html><body>hello</body></html>")
    (folder / "readme.txt").write_text("not a score")
    return folder


@pytest.fixture
def abc_folder(tmp_path: Path) -> Path:
    """One ABC collection: a reel, the same reel transposed and retitled, and a jig."""
    folder = tmp_path / "tunes"
    folder.mkdir()
    tunes = [
        TUNE.format(x=1, title="The Merry Reel", rhythm="reel", key="G", body=BODY),
        TUNE.format(x=2, title="Another Name Entirely", rhythm="Reel", key="A", body=BODY_D),
        TUNE.format(
            x=3,
            title="Jig of Slurs",
            rhythm="double jig",
            key="D",
            body="d2c BAG | FGA D3 | d2c BAG | A3 D3 |]",
        ),
    ]
    (folder / "collection.abc").write_text("%abc-2.1\n\n" + "\n".join(tunes))
    return folder
