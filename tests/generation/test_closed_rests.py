"""Rests inside a part closed by the note before (partita.generation.lines.closed_rests)."""

from __future__ import annotations

from symusic import Note, Score, Track

from partita.generation.lines import closed_rests


def _voice(*notes: tuple[int, int, int], drum: bool = False) -> Score:
    score = Score(480)
    track = Track(program=52, is_drum=drum)
    for time, duration, pitch in notes:
        track.notes.append(Note(time, duration, pitch, 80))
    score.tracks.append(track)
    return score


def test_a_short_rest_is_closed_and_a_long_one_kept():
    s = _voice((0, 480, 60), (960, 480, 62), (1440 + 2400, 480, 64))  # a half rest, then five quarters
    assert closed_rests(s, 960) == 1
    assert [(n.time, n.duration) for n in s.tracks[0].notes] == [(0, 960), (960, 480), (3840, 480)]


def test_starts_pitches_and_chords_stay_and_a_chord_is_held_whole():
    s = _voice((0, 480, 60), (0, 480, 64), (960, 960, 62), (960, 960, 65))
    before = sorted((n.time, n.pitch) for n in s.tracks[0].notes)
    assert closed_rests(s, 960) == 2
    assert sorted((n.time, n.pitch) for n in s.tracks[0].notes) == before
    assert sorted(n.duration for n in s.tracks[0].notes if n.time == 0) == [960, 960]


def test_overlaps_and_drums_are_left_alone():
    held = _voice((0, 1200, 60), (960, 480, 62))  # already sounding into the next: nothing to close
    assert closed_rests(held, 960) == 0
    drums = _voice((0, 120, 36), (480, 120, 38), drum=True)
    assert closed_rests(drums, 960) == 0
    assert [n.duration for n in drums.tracks[0].notes] == [120, 120]
