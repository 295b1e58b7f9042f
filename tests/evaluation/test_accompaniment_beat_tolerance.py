"""A melody note counts as on the beat within a sixteenth either way (played, not quantised, melodies)."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.evaluation.accompaniment import beat_consonance, chord_tone_agreement, on_beats

TPQ = 480
CHORDS = [(48, 52, 55), (53, 57, 60), (55, 59, 62), (48, 52, 55)]  # C, F, G, C: a bar each, held
# four quarter notes a bar, some chord tones, some not (74 over C, 71 over F, 69 over G clash)
TUNE = [(72, 74, 76, 79), (77, 71, 72, 69), (74, 69, 71, 79), (72, 76, 79, 84)]


def _score(notes: list[tuple[int, int, int]], name: str) -> symusic.Score:
    s = symusic.Score(TPQ)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track(name, 0, False)
    for start, duration, pitch in notes:
        track.notes.append(symusic.Note(start, duration, pitch, 80))
    s.tracks.append(track)
    return s


def parts() -> symusic.Score:
    return _score([(b * 4 * TPQ, 4 * TPQ, p) for b, chord in enumerate(CHORDS) for p in chord], "Piano")


def melody(shift: int = 0, extra: list[tuple[int, int, int]] = ()) -> symusic.Score:
    notes = [
        ((b * 4 + i) * TPQ + shift, TPQ // 2, p) for b, bar in enumerate(TUNE) for i, p in enumerate(bar)
    ]
    return _score(notes + list(extra), "Flute")


def test_the_unshifted_tune_is_measured_and_is_not_trivially_one():
    tones = chord_tone_agreement(melody(), parts())
    consonance, count = beat_consonance(melody(), parts())
    assert count == 16 and tones is not None and consonance is not None
    assert 0.5 < tones < 1.0 and 0.5 < consonance < 1.0


def _shifted(score: symusic.Score, shift: int, name: str) -> symusic.Score:
    return _score([(n.time + shift, n.duration, n.pitch) for n in score.tracks[0].notes], name)


@pytest.mark.parametrize(
    "shift, parts_too",
    [(60, False), (119, False), (60, True), (4 * TPQ - 60, True)],  # the last: 60 ticks early, a bar on
)
def test_a_melody_a_constant_offset_off_the_beats_measures_as_the_unshifted_one(shift, parts_too):
    # the melody alone late, or the whole piece off the bar lines (a played, cropped POP909 song)
    mel, acc = melody(shift), _shifted(parts(), shift, "Piano") if parts_too else parts()
    assert chord_tone_agreement(mel, acc) == pytest.approx(chord_tone_agreement(melody(), parts()))
    assert beat_consonance(mel, acc) == pytest.approx(beat_consonance(melody(), parts()))


def test_a_tolerance_of_zero_counts_only_exact_beats():
    assert chord_tone_agreement(melody(60), parts(), tolerance=0) is None
    assert beat_consonance(melody(60), parts(), tolerance=0) == (None, 0)
    exact = beat_consonance(melody(), parts(), tolerance=0)
    assert exact == beat_consonance(melody(), parts()) and exact[1] == 16
    assert chord_tone_agreement(melody(), parts(), tolerance=0) == chord_tone_agreement(melody(), parts())


@pytest.mark.parametrize("offset", [240, 120, -120])
def test_a_note_half_a_beat_or_a_sixteenth_off_is_not_on_the_beat(offset):
    # a clashing, non-chord note (C#) added between beats: neither figure may move
    extra = [(2 * TPQ + offset, TPQ // 4, 73)]
    assert chord_tone_agreement(melody(extra=extra), parts()) == chord_tone_agreement(melody(), parts())
    assert beat_consonance(melody(extra=extra), parts()) == beat_consonance(melody(), parts())
    on, _ = on_beats(np.array([2 * TPQ + offset]), TPQ)
    assert not on.any()


def test_on_beats_gives_the_nearest_beat():
    on, nearest = on_beats(np.array([0, 59, 421, 480 + 240, 1000]), TPQ)
    assert on.tolist() == [True, True, True, False, True]
    assert nearest[on].tolist() == [0, 0, 1, 2]
