"""Inputs for the corpus tests, generated in code: small good scores and every kind of bad file."""

from __future__ import annotations

import struct
from pathlib import Path

import symusic

TUNE = "X:{x}\nT:{title}\nO:China, Shaanxi, Zizhou\nR:{rhythm}\nM:4/4\nL:1/8\nK:{key}\n{body}\n"
BODY = "GABc dedB | dedB dedB | c2ec B2dB | c2A2 A2BA | GABc dedB | dedB dedB | c2ec B2dB | A2F2 G4 |]"
BODY_D = "ABcd efec | efec efec | d2fd c2ec | d2B2 B2cB | ABcd efec | efec efec | d2fd c2ec | B2G2 A4 |]"


def midi_score(pitches: list[int], qpm: float = 120.0, tpq: int = 480, program: int = 0) -> symusic.Score:
    score = symusic.Score(tpq)
    score.tempos.append(symusic.Tempo(0, qpm=qpm))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Melody", program, False)
    for i, p in enumerate(pitches):
        track.notes.append(symusic.Note(i * tpq, tpq, p, 80))
    score.tracks.append(track)
    return score


def write_midi_file(path: Path, score: symusic.Score) -> Path:
    path.write_bytes(bytes(score.dumps_midi()))
    return path


def absurd_tempo_midi() -> bytes:
    """A valid MIDI file whose tempo event says 1 microsecond per quarter (60 million quarters a minute)."""
    track = (
        b"\x00\xff\x51\x03\x00\x00\x01" + b"\x00\x90\x3c\x40" + b"\x83\x60\x80\x3c\x00" + b"\x00\xff\x2f\x00"
    )
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track


def zero_track_midi() -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 1, 0, 480)
