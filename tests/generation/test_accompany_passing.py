"""The chorale bass's passing eighths (issue 21): partita's bass under held-out sopranos moved in quarters by
leaps (19% of its notes an eighth after the last, 45% steps; Bach's 43% and 67%). A quarter on the beat that
leaps a third to the next beat is sung as two eighths, the second the scale tone between
(``partita.generation.passing``, asked by ``accompany.BASS_PASSING``, written by ``with_melody``)."""

from __future__ import annotations

from symusic import Note, Score, TimeSignature, Track

from partita.generation import accompany
from partita.generation.passing import Passing, passing_eighths, passing_tone

Q = 480
C_MAJOR = frozenset({0, 2, 4, 5, 7, 9, 11})


def _track(name: str, notes: list[tuple[float, float, int]]) -> Track:
    t = Track(name, 52, False)
    for start, quarters, pitch in notes:
        t.notes.append(Note(round(start * Q), round(quarters * Q), pitch, 80))
    return t


def _chorale(tenor: int = 60, soprano: list[tuple[float, float, int]] | None = None) -> Score:
    """A soprano, a tenor held on ``tenor`` and a bass C3 E3 G3 C3 in quarters (leaps of a third, a third
    and a fifth) in a bar of 4/4."""
    s = Score(Q)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    s.tracks.append(_track("Soprano", soprano or [(0, 4, 72)]))
    s.tracks.append(_track("Tenor", [(0, 4, tenor)]))
    s.tracks.append(_track("Bass", [(0, 1, 48), (1, 1, 52), (2, 1, 55), (3, 1, 48)]))
    return s


def _bass(score: Score) -> list[tuple[int, int, int]]:
    return [(int(n.time), int(n.duration), int(n.pitch)) for n in score.tracks[2].notes]


def test_a_third_between_beats_is_filled_with_a_passing_eighth():
    score = _chorale()
    assert passing_eighths(score, [1, 2], Passing([(0.0, 4.0, C_MAJOR)], [])) == 2
    assert _bass(score) == [
        (0, 240, 48),
        (240, 240, 50),  # D3 between C3 and E3
        (480, 240, 52),
        (720, 240, 53),  # F3 between E3 and G3
        (960, 480, 55),  # a fifth: left as it is
        (1440, 480, 48),
    ]


def test_the_passing_tone_is_in_the_scale_and_between():
    assert passing_tone(57, 60, frozenset({9, 11, 0})) == 59  # A-C: B
    assert passing_tone(64, 60, C_MAJOR) == 62  # falling E-C: D
    assert passing_tone(60, 63, frozenset({0, 3})) is None  # no tone of the set between


def test_no_passing_tone_under_a_phrase_end_over_the_tenor_or_against_a_struck_note():
    held = _chorale()
    assert passing_eighths(held, [1, 2], Passing([(0.0, 4.0, C_MAJOR)], [(0.0, 1.0)])) == 1
    assert (240, 240, 50) not in _bass(held)  # the fermata's beat keeps its quarter
    high = _chorale(tenor=50)  # the tenor on D3: a passing D3 or F3 would reach it
    assert passing_eighths(high, [1, 2], Passing([(0.0, 4.0, C_MAJOR)], [])) == 0
    struck = _chorale(soprano=[(0, 0.5, 72), (0.5, 3.5, 73)])  # C#5 struck with the passing D3
    assert passing_eighths(struck, [1, 2], Passing([(0.0, 4.0, C_MAJOR)], [])) == 1


def test_with_melody_writes_the_passing_eighths_and_block_chords_do_not():
    score = _chorale(soprano=[(0, 1, 72), (1, 1, 72), (2, 1, 71), (3, 1, 72)])  # its last note a phrase end
    melody_score = score.copy()
    melody_score.tracks = [score.tracks[0].copy()]
    parts = score.copy()
    parts.tracks = [t.copy() for t in score.tracks[1:]]
    melody = accompany.melody_piece(melody_score)
    melody.gap = accompany.VOICES_GAP
    melody.beat_chords = [(float(b), float(b + 1), "C:maj") for b in range(4)]
    assert len(accompany.with_melody(melody, parts).tracks[2].notes) == 4  # no passing asked: as sampled
    melody.passing = accompany.bass_passing(melody, "C", "major")
    assert melody.passing is not None
    out = accompany.with_melody(melody, parts)
    assert [int(n.pitch) for n in out.tracks[2].notes] == [48, 50, 52, 53, 55, 48]
    melody.chords = ["C:maj"]
    block = accompany.block_chords(melody)
    assert all(int(n.time) % Q == 0 for t in block.tracks[1:] for n in t.notes)


def test_the_chorale_bass_passes_by_default(monkeypatch):
    from tests.generation.test_accompany_density_floor import quarters_melody

    request, mel = accompany.accompaniment_request(quarters_melody(bars=2), "for choir")
    assert accompany.strike_with_melody(request, mel, 8, ["4/4", "3/4"]) == 3
    assert mel.passing is not None and mel.passing.holds and len(mel.passing.tones) == 8
    monkeypatch.setattr(accompany, "BASS_PASSING", False)
    request, mel = accompany.accompaniment_request(quarters_melody(bars=2), "for choir")
    accompany.strike_with_melody(request, mel, 8, ["4/4", "3/4"])
    assert mel.passing is None
