"""Edits by bar: cutting a piece at a bar line, holding its last notes to the end of the last bar."""

from symusic import Note, Score, TimeSignature, Track

from partita.score.bars import hold_last_notes, trim_to_bars


def _piece(tpq: int = 480) -> Score:
    score = Score(tpq)
    score.time_signatures.append(TimeSignature(0, 4, 4))
    upper, lower = Track(program=0), Track(program=0)
    for beat in range(7):  # quarter notes up to the last bar's third beat, where a final chord sounds
        upper.notes.append(Note(beat * tpq, tpq, 72 + beat % 3, 80))
    upper.notes.append(Note(6 * tpq, tpq // 2, 76, 80))
    lower.notes.append(Note(0, 2 * tpq, 48, 80))  # a voice that stops in the first bar
    score.tracks.extend([upper, lower])
    return score


def test_the_last_chord_is_held_to_the_end_of_the_bar():
    score = _piece()
    assert hold_last_notes(score, 2) == 2
    ends = sorted(n.time + n.duration for n in score.tracks[0].notes if n.time == 6 * 480)
    assert ends == [8 * 480, 8 * 480]
    assert [n.duration for n in score.tracks[0].notes[:6]] == [480] * 6  # the others are left as they are
    assert score.tracks[1].notes[0].duration == 960  # its last note is not in the last bar: left
    assert hold_last_notes(score, 2) == 0  # held already


def test_trim_then_hold_ends_exactly_at_the_bar_line():
    score = _piece()
    score.tracks[0].notes.append(Note(9 * 480, 480, 60, 80))  # past bar 2: cut
    assert trim_to_bars(score, 2) == 1
    hold_last_notes(score, 2)
    assert max(n.time + n.duration for t in score.tracks for n in t.notes) == 8 * 480
