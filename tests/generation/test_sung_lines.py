"""Sung lines: a voice sings one note at a time, each held until its next; chordal parts are left alone."""

from symusic import Note, Score, Track

from partita.generation.lines import is_line, sung_lines
from partita.pipelines import debug_generator, generate


def _spans(track) -> list[tuple[int, int, int]]:
    return [(n.time, n.duration, n.pitch) for n in track.notes]


def test_gaps_close_overlaps_end_and_a_voice_keeps_one_note_per_start():
    score = Score(480)
    voice = Track(program=52)
    voice.notes.extend(
        [
            Note(0, 360, 67, 80),  # an eighth short of the next: held to it
            Note(480, 720, 69, 80),  # held under the next: ends where it begins
            Note(960, 480, 71, 80),
            Note(960, 480, 55, 80),  # a second note at the same start: the one far from the line goes
            Note(1440, 240, 72, 80),
            Note(2880, 480, 74, 80),  # after a rest of two and a half beats: the rest stays
            *(Note(3360 + 480 * k, 480, 72, 80) for k in range(5)),  # one start in ten is a chord: a voice
        ]
    )
    score.tracks.append(voice)
    changed = sung_lines(score, max_gap=480)
    assert _spans(score.tracks[0]) == [
        (0, 480, 67),
        (480, 480, 69),
        (960, 480, 71),
        (1440, 240, 72),
        (2880, 480, 74),
        *((3360 + 480 * k, 480, 72) for k in range(5)),
    ]
    assert changed == 3  # one dropped, one held longer, one shortened


def test_a_longer_allowance_closes_the_longer_rest():
    score = Score(480)
    voice = Track(program=52)
    voice.notes.extend([Note(0, 240, 60, 80), Note(1440, 480, 62, 80)])
    score.tracks.append(voice)
    assert sung_lines(score, max_gap=480) == 0
    assert sung_lines(score, max_gap=4 * 480) == 1
    assert _spans(score.tracks[0])[0] == (0, 1440, 60)


def test_chordal_parts_and_drums_are_left_alone():
    score = Score(480)
    organ, drums = Track(program=19), Track(program=0, is_drum=True)
    organ.notes.extend([Note(t, 240, p, 80) for t in (0, 480, 960) for p in (48, 55, 64)])
    drums.notes.extend([Note(0, 60, 36, 80), Note(480, 60, 38, 80)])
    score.tracks.extend([organ, drums])
    before = [_spans(t) for t in score.tracks]
    assert not is_line(list(organ.notes))
    assert sung_lines(score, max_gap=480) == 0
    assert [_spans(t) for t in score.tracks] == before


def test_a_style_with_sung_lines_sounds_every_voice_through_its_notes():
    model = debug_generator(seed=0)
    prompt = "a chorale in G major for choir, 4 bars"
    kwargs = {"n": 2, "seed": 3, "model": model, "wav": False, "selector": None}
    _, sung = generate(prompt, style_sung_lines={"chorale": 1.0}, **kwargs)
    for cand in sung:
        for track in cand.score.tracks:
            notes = sorted(track.notes, key=lambda n: n.time)
            if len(notes) < 2 or not is_line(notes):
                continue
            assert len({n.time for n in notes}) == len(notes)
            tpq = cand.score.ticks_per_quarter
            for a, b in zip(notes, notes[1:], strict=False):
                gap = b.time - (a.time + a.duration)
                assert gap == 0 or gap > tpq  # held until the next, or a rest longer than a beat
        assert any("sung as one line" in r for r in cand.remarks) or not any(
            is_line(list(t.notes)) for t in cand.score.tracks
        )
    _, plain = generate(prompt, style_sung_lines={}, **kwargs)
    assert all(not any("sung as one line" in r for r in c.remarks) for c in plain)
