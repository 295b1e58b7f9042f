"""bench/song_pop909.py (issue 25): how a pop line starts (beat position, chord tone, leap from the previous
line's last note), read from a POP909-style folder built here and from a partita song. No model, no data."""

from __future__ import annotations

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from song_pop909 import pop909_ids, pop909_song_starts, song_starts, start_measures  # noqa: E402

BEAT = 0.5  # seconds: 120 quarter notes a minute


def _pop909_folder(root: Path, name: str = "002") -> Path:
    """A POP909-style song: 4 bars of 4/4; a line on beats 0-5, two beats' rest, a line from beat 11 (the
    third bar's last beat: a pickup) an octave above its last note, then 4 notes on eighths."""
    folder = root / name
    folder.mkdir()
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    track = symusic.Track("MELODY", 0, False)
    onsets = [(b, 60 + 2 * (b % 3)) for b in range(6)] + [(11, 76)] + [(12 + k / 2, 72) for k in range(4)]
    for beat, pitch in onsets:
        track.notes.append(symusic.Note(int(beat * 480), 240, pitch, 80))
    score.tracks.append(track)
    score.dump_midi(str(folder / f"{name}.mid"))
    rows = [f"{b * BEAT:.3f} {1.0 if b % 2 == 0 else 0.0} {1.0 if b % 4 == 0 else 0.0}" for b in range(20)]
    (folder / "beat_midi.txt").write_text("\n".join(rows) + "\n")
    (folder / "chord_midi.txt").write_text("0.0\t2.0\tC:maj\n2.0\t4.0\tF:maj\n4.0\t10.0\tC:maj\n")
    (folder / "key_audio.txt").write_text("0.0\t10.0\tC:maj\n")
    return folder


def test_a_line_after_a_rest_is_read_with_its_beat_chord_and_leap(tmp_path):
    starts = pop909_song_starts(_pop909_folder(tmp_path))
    assert len(starts) == 1  # the eighths of the second line do not start lines
    (s,) = starts
    assert s["on_beat"] and s["before_bar"] and not s["downbeat"]
    assert s["interval"] == 76 - 64 and s["chord_tone"] and s["third"]  # E over C major
    m = start_measures(starts)
    assert m["leap"] == 1.0 and m["line_starts"] == 1


def test_only_songs_up_to_800_are_read(tmp_path):
    for i in (799, 800, 801, 802):
        (tmp_path / f"{i:03d}").mkdir()
        (tmp_path / f"{i:03d}" / f"{i:03d}.mid").write_bytes(b"")
    assert [p.name for p in pop909_ids(tmp_path, "development")] == ["800"]
    assert [p.name for p in pop909_ids(tmp_path, "held_out")] == ["799"]


def test_partitas_line_starts_are_each_lines_first_note():
    from partita.generation.song import sing
    from partita.lyrics import read_lyrics

    text = "Morning trains are rolling through the rain\nEvery window shows a different name\n"
    song = sing(read_lyrics(text + "I keep your letter folded in my hand\n"), style="pop", seed=0)
    starts = song_starts(song)
    assert len(starts) == 2
    first_of_line2 = next(n for n in song.notes if n.line == 1)
    last_of_line1 = [n for n in song.notes if n.line == 0][-1]
    assert starts[0]["interval"] == first_of_line2.pitch - last_of_line1.pitch
    assert all(s["chord_tone"] is not None for s in starts)
