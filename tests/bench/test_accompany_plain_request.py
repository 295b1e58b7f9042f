"""bench_accompany's ablation: the plain request asks nothing of the parts' texture."""

from __future__ import annotations

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import plain_request  # noqa: E402
from partita.pipelines import Generator  # noqa: E402


def eighths(bars: int = 4) -> symusic.Score:
    """A melody in eighth notes, 4/4 (a texture for the parts to follow)."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("MELODY", 0, False)
    for k in range(bars * 8):
        track.notes.append(symusic.Note(k * 240, 240, 72 + (0, 4, 7, 4)[k % 4], 80))
    s.tracks.append(track)
    return s


def test_the_plain_request_clears_the_texture_the_accompaniment_asks():
    asked = Generator.accompaniment_of(eighths(), "a pop song for piano")[0]
    texture = ("density", "polyphony", "rhythm")
    assert any(getattr(asked.conditions, k) is not None for k in texture)  # the defaults were there
    request, melody = plain_request(Generator, eighths())
    assert all(getattr(request.conditions, k) is None for k in texture) and not request.faders
    assert request.chords == melody.chords and request.conditions.bars == melody.bars
