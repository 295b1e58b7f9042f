"""Parts under a melody that opens with an upbeat keep silent before its first note (issue 21): the parts were
sampled over the whole pickup bar (readers pad it to a full bar of rest) and sounded in its empty beats,
where real accompaniment is silent (a chorale's alto, tenor and bass enter with the soprano's upbeat).
:func:`partita.generation.accompany.with_melody` starts no part note before it (``PICKUP_SILENT``)."""

from __future__ import annotations

import pytest
import symusic

from partita.generation import accompany
from partita.generation.accompany import melody_piece, with_melody
from partita.pipelines import Generator

UPBEAT = 3 * 480  # the melody's first note: the last beat of a padded bar of 4/4


def pickup_melody(bars: int = 2) -> symusic.Score:
    """A quarter-note upbeat on beat 4, then ``bars`` full bars of quarters (480 ticks a quarter)."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Soprano", 52, False)
    for k, t in enumerate(range(UPBEAT, (bars + 1) * 4 * 480, 480)):
        track.notes.append(symusic.Note(t, 480, 67 + (0, 5, 4, 2)[k % 4], 80))
    s.tracks.append(track)
    return s


def _parts() -> symusic.Score:
    """Parts sampled over the whole first bar: beats 1-2 alone, a note held over the upbeat, one on it."""
    s = symusic.Score(480)
    track = symusic.Track("Alto", 53, False)
    for t, d, p in ((0, 480, 60), (480, 480, 62), (0, 1920, 55), (UPBEAT, 480, 64), (1920, 480, 62)):
        track.notes.append(symusic.Note(t, d, p, 70))
    s.tracks.append(track)
    return s


def test_parts_start_nothing_in_the_pickup_bars_empty_beats():
    out = with_melody(melody_piece(pickup_melody()), _parts())
    notes = sorted((n.time, n.duration, n.pitch) for n in out.tracks[1].notes)
    assert min(t for t, _, _ in notes) == UPBEAT
    assert notes == [(UPBEAT, 480, 55), (UPBEAT, 480, 64), (1920, 480, 62)]  # the held note enters there


def test_without_it_the_parts_play_before_the_upbeat(monkeypatch):
    monkeypatch.setattr(accompany, "PICKUP_SILENT", False)
    out = with_melody(melody_piece(pickup_melody()), _parts())
    assert min(n.time for n in out.tracks[1].notes) == 0


def test_a_melody_on_the_downbeat_keeps_its_parts_as_sampled():
    melody = pickup_melody()
    for n in melody.tracks[0].notes:
        n.time -= UPBEAT
    out = with_melody(melody_piece(melody), _parts())
    assert len(out.tracks[1].notes) == 5


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_sampled_chorale_parts_enter_with_the_upbeat(generator):
    _, cands = generator.accompany(pickup_melody(), "a chorale", n=2, seed=1, selector=None)
    for cand in cands:
        parts = [n for t in cand.score.tracks[1:] for n in t.notes]
        assert parts and min(n.time for n in parts) >= UPBEAT
