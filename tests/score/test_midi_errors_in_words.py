"""MIDI files symusic refuses in its own words are refused in partita's (issue 20): a header that counts time
in SMPTE frames (was "unreadable MIDI (MiniMidi: Division type is not ticks per quarter!)") and a note whose
pitch byte is over 127 (was "unreadable MIDI (Get pitch=200)")."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from partita.cli.main import main
from partita.score import ScoreError, read_score

TRACK = b"\x00\x90\x3c\x50\x28\x80\x3c\x00\x00\xff\x2f\x00"


def _midi(division: int, track: bytes = TRACK) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, division) + b"MTrk" + struct.pack(">I", len(track)) + track


@pytest.mark.parametrize(("division", "fps"), [(0xE728, 25), (0xE250, 30), (0xE828, 24)])
def test_smpte_division_is_named(division: int, fps: int, tmp_path: Path, capsys) -> None:
    path = tmp_path / "smpte.mid"
    path.write_bytes(_midi(division))
    with pytest.raises(ScoreError) as err:
        read_score(path)
    assert f"SMPTE frames ({fps} a second)" in str(err.value) and "MiniMidi" not in str(err.value)
    assert main(["describe", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "SMPTE" in lines[0]


def test_ticks_per_quarter_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "tpq.mid"
    path.write_bytes(_midi(480))
    assert read_score(path).note_num() == 1


def test_a_pitch_over_127_is_named(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pitch.mid"
    path.write_bytes(_midi(96, b"\x00\x90\xc8\x50\x00\xff\x2f\x00"))  # note on, pitch byte 200
    with pytest.raises(ScoreError, match="a note of pitch 200, outside MIDI's 0-127") as err:
        read_score(path)
    assert "Get pitch" not in str(err.value)
    assert main(["describe", str(path)]) == 2
    assert "pitch 200" in capsys.readouterr().err
