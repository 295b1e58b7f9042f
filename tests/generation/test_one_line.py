"""One-line parts: a note ends where the next begins, and a folk tune on a chordal instrument is one line."""

from symusic import Note, Score, Track

from partita.generation.notation import one_line
from partita.pipelines import debug_generator, generate


def test_a_note_held_under_the_next_ends_where_it_begins():
    score = Score(480)
    line, chords = Track(program=73), Track(program=0)
    line.notes.extend([Note(0, 960, 72, 80), Note(480, 240, 74, 80), Note(720, 240, 76, 80)])
    chords.notes.extend([Note(0, 960, 60, 80), Note(480, 480, 64, 80)])
    score.tracks.extend([line, chords])
    assert one_line(score, {73}) == 1
    assert [(n.time, n.duration) for n in score.tracks[0].notes] == [(0, 480), (480, 240), (720, 240)]
    assert [n.duration for n in score.tracks[1].notes] == [960, 480]  # not a one-line part: left


def test_notes_starting_together_in_a_line_keep_the_one_nearest_the_line():
    score = Score(480)
    line = Track(program=0)
    # a chord at the start (the top note stays), then at 480 a chord whose 62 lies nearest the 64 before
    line.notes.extend(
        [Note(0, 480, 60, 80), Note(0, 480, 64, 80), Note(480, 480, 62, 80), Note(480, 480, 55, 80)]
    )
    score.tracks.append(line)
    assert one_line(score, {0}) == 2
    assert [(n.time, n.pitch) for n in score.tracks[0].notes] == [(0, 64), (480, 62)]


def test_a_single_line_style_writes_one_note_at_a_time():
    model = debug_generator(seed=0)
    prompt = "a Chinese folk tune in D major for guitar, 8 bars"
    _, cands = generate(
        prompt,
        n=2,
        seed=4,
        model=model,
        wav=False,
        selector=None,
        style_single_line=["chinese_folk"],
    )
    for cand in cands:
        notes = sorted((n.time, n.time + n.duration) for t in cand.score.tracks for n in t.notes)
        assert notes
        assert len({start for start, _ in notes}) == len(notes)  # no two notes start together
        assert all(end <= after for (_, end), (after, _) in zip(notes, notes[1:], strict=False))
    _, plain = generate(prompt, n=1, seed=4, model=model, wav=False, selector=None, style_single_line=[])
    starts = [n.time for t in plain[0].score.tracks for n in t.notes]
    assert len(set(starts)) < len(starts)  # the guitar alone plays chords
