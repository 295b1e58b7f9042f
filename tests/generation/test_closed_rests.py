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


def test_top_only_closes_the_rests_of_the_highest_part_alone():
    s = _voice((0, 480, 48), (960, 480, 50))  # a low part with a quarter rest
    high = Track(program=52)
    for time, pitch in ((0, 72), (960, 74)):  # a high part with the same rest
        high.notes.append(Note(time, 480, pitch, 80))
    s.tracks.append(high)
    assert closed_rests(s, 960, top_only=True) == 1
    assert [n.duration for n in s.tracks[1].notes] == [960, 480]  # the top part is held over its rest
    assert [n.duration for n in s.tracks[0].notes] == [480, 480]  # the low one keeps it
    assert closed_rests(Score(480), 960, top_only=True) == 0  # nothing to close in an empty piece


def test_a_styles_top_part_has_no_short_rest_left_in_a_new_piece():
    import dataclasses

    from partita.pipelines import debug_generator, generate

    model = debug_generator()
    model.config = dataclasses.replace(model.config, style_closed_top_rests={"renaissance": 2.0})
    _, cands = generate("a Renaissance motet for four voices, 4 bars", n=2, seed=5, model=model, wav=False)
    for c in cands:
        parts = [t for t in c.score.tracks if len(t.notes)]
        top = max(parts, key=lambda t: sum(n.pitch for n in t.notes) / len(t.notes))
        tpq = c.score.ticks_per_quarter
        starts = sorted({n.time for n in top.notes})
        after = dict(zip(starts, starts[1:], strict=False))
        gaps = [after[n.time] - n.time - n.duration for n in top.notes if n.time in after]
        assert not [g for g in gaps if 0 < g <= 2 * tpq]
