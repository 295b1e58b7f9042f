"""Stray parts: a part the model opened for a few notes is dropped where it chose the parts itself."""

from symusic import Note, Score, Track

from partita.generation.strays import drop_stray_tracks
from partita.pipelines import debug_generator, generate


def _score(*counts: int) -> Score:
    score = Score(480)
    for k, count in enumerate(counts):
        track = Track(program=k)
        track.notes.extend([Note(480 * i, 480, 60 + k, 80) for i in range(count)])
        score.tracks.append(track)
    return score


def test_parts_under_one_note_a_bar_and_a_tenth_of_the_piece_go():
    score = _score(104, 2, 9, 1, 16)
    assert drop_stray_tracks(score, least=16) == 3
    assert [len(t.notes) for t in score.tracks] == [104, 16]


def test_a_small_part_of_a_small_piece_stays_and_the_last_part_always_stays():
    assert drop_stray_tracks(_score(20, 4), least=16) == 0  # 4 of 24 notes: more than a tenth
    alone = _score(3)
    assert drop_stray_tracks(alone, least=16) == 0
    assert len(alone.tracks) == 1


def test_named_instruments_keep_every_part():
    model = debug_generator(seed=0)
    kwargs = {"n": 2, "seed": 5, "model": model, "wav": False, "selector": None, "drop_strays": True}
    _, named = generate("a German folk song in C major for violin and guitar, 8 bars", **kwargs)
    assert all(not any("were dropped" in r for r in c.remarks) for c in named)
    _, chosen = generate("a German folk song in C major, 8 bars", **kwargs)
    for cand in chosen:
        counts = [len(t.notes) for t in cand.score.tracks]
        assert all(k >= 8 or k >= 0.1 * sum(counts) for k in counts)
