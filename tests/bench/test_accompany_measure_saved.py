"""bench_accompany's chorale run in parts: sopranos sampled with --skip, saved as they finish, and
read back by --measure (a soprano missing from a set is left out, and its seconds with it)."""

from __future__ import annotations

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_accompany import read_chorale_sets, save_sets, write_seconds  # noqa: E402
from partita.score.formats import read_midi  # noqa: E402


def _piece(pitch: int) -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    for p in (pitch + 12, pitch):
        track = symusic.Track("Voice", 52, False)
        track.notes.append(symusic.Note(0, 480, p, 80))
        s.tracks.append(track)
    return s


def test_sopranos_saved_in_parts_are_read_back_in_order(tmp_path):
    pieces = [_piece(48 + i) for i in range(3)]
    for k in (0, 2):  # soprano 1 not finished
        sets = {name: [_piece(50 + k)] for name in ("partita", "partita, arm", "block")}
        sets["real"] = [pieces[k]]
        save_sets(sets, tmp_path, first=k)
        seconds = {"partita": [1.0 + k], "partita, arm": [2.0], "sampled before the melody": {}}
        seconds["sampled before the melody"] = {"partita": float(k), "partita, arm": 0.0}
        write_seconds(seconds, tmp_path / f"seconds-{k:02d}.json")
    assert read_midi(tmp_path / "partita-arm" / "02.mid").tracks[1].notes[0].pitch == 52
    found, seconds = read_chorale_sets(tmp_path, pieces)
    assert [len(v) for v in found.values()] == [2, 2, 2, 2]
    assert found["real"] == [pieces[0], pieces[2]]
    assert [s.tracks[1].notes[0].pitch for s in found["partita"]] == [50, 52]
    assert seconds["partita"] == [1.0, 3.0] and seconds["sampled before the melody"]["partita"] == 1.0
