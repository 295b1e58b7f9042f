"""CM-HRNN's lead-sheet measures: chord tones on strong beats, compression and tension over chords."""

from __future__ import annotations

import math

import pytest
import symusic

from partita.evaluation.leadsheet import (
    chord_pitch_classes,
    chord_spans,
    chord_tone_ratio,
    chord_tones_of,
    leadsheet_report,
    strong_beat_times,
    with_chords,
)


def melody(notes: list[tuple[float, float, int]], meter: tuple[int, int] = (4, 4), tpq: int = 480):
    """A one-track flute melody of (start in quarters, length in quarters, pitch) notes."""
    s = symusic.Score(tpq)
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    t = symusic.Track("melody", 73, False)
    for start, length, pitch in notes:
        t.notes.append(symusic.Note(round(start * tpq), round(length * tpq), pitch, 80))
    s.tracks.append(t)
    return s


# C Am F G, one bar each: on beats 1 and 3 a chord tone, on beats 2 and 4 a non-chord tone
CHORD_TONES = [(60, 64), (69, 72), (65, 69), (67, 71)]
PASSING = [62, 71, 67, 69]  # D over C, B over Am, G over F, A over G: none a chord tone


def four_four(shift: int = 0):
    notes = []
    for bar, ((a, b), p) in enumerate(zip(CHORD_TONES, PASSING, strict=True)):
        at = 4 * bar
        notes += [(at, 1, a + shift), (at + 1, 1, p + shift), (at + 2, 1, b + shift), (at + 3, 1, p + shift)]
    return melody(notes)


def test_chord_tones_on_the_strong_beats_of_four_four_give_one():
    tones = chord_tones_of(four_four(), "C Am F G")
    assert tones.strong_beats == 1.0 and tones.strong_onsets == 1.0
    assert tones.counted == 8  # beats 1 and 3 of four bars
    assert tones.all_notes == 0.5  # the passing tones on beats 2 and 4 are not chord tones


def test_a_semitone_higher_no_strong_beat_is_a_chord_tone():
    assert chord_tone_ratio(four_four(shift=1), "C Am F G") == 0.0


def test_symbols_labels_and_spans_give_the_same_answer():
    m = four_four()
    spans = [
        (i * 1920, (i + 1) * 1920, label) for i, label in enumerate(["C:maj", "A:min", "F:maj", "G:maj"])
    ]
    assert chord_tone_ratio(m, ["C", "Am", "F", "G"]) == chord_tone_ratio(m, spans) == 1.0
    # a progression shorter than the melody loops over its bars
    assert [label for *_, label in chord_spans("C G", m)] == ["C:maj", "G:maj", "C:maj", "G:maj"]


def test_three_four_has_one_strong_beat_a_bar():
    # bar 1 over C: E on beat 1 (chord tone), F on 2 and 3; bar 2 over G: F# on beat 1 (not), then G, B
    m = melody([(0, 1, 64), (1, 1, 65), (2, 1, 65), (3, 1, 66), (4, 1, 67), (5, 1, 71)], meter=(3, 4))
    assert strong_beat_times(m, 2).tolist() == [0, 1440]
    tones = chord_tones_of(m, "C G")
    assert tones.strong_beats == 0.5 and tones.counted == 2
    assert tones.all_notes == pytest.approx(3 / 6)  # E, G, B of six notes


def test_a_note_held_across_a_strong_beat_is_heard_there():
    # C (chord tone) on beat 1 of a C bar, then D from the second half of beat 2 held over beat 3
    m = melody([(0, 1.5, 60), (1.5, 2.5, 62)])
    tones = chord_tones_of(m, "C")
    assert tones.counted == 2 and tones.strong_beats == 0.5
    assert tones.strong_onsets == 1.0  # only the C starts on a strong beat


def test_no_chord_beats_are_not_counted_and_harte_labels_are_read():
    m = four_four()
    assert chord_tones_of(m, "N N N N").counted == 0 and math.isnan(chord_tone_ratio(m, "N N N N"))
    assert chord_pitch_classes("G:sus4(b7)") == {7, 0, 2, 5}
    assert chord_pitch_classes("C:maj/b7") == {0, 4, 7, 10}  # the bass is heard
    assert chord_pitch_classes("Am7") == {9, 0, 4, 7}


def test_an_empty_melody_and_bad_chords_are_named():
    with pytest.raises(ValueError, match="no pitched notes"):
        chord_tone_ratio(melody([]), "C Am F G")
    with pytest.raises(ValueError, match="no chords given"):
        chord_tone_ratio(four_four(), "")
    with pytest.raises(ValueError, match="chord"):
        chord_tone_ratio(four_four(), "C Hm")
    with pytest.raises(ValueError, match="must end after it starts"):
        chord_tone_ratio(four_four(), [(100, 100, "C:maj")])


def test_the_report_measures_compression_and_tension():
    m = four_four()
    report = leadsheet_report(m, "C Am F G", key="C major")
    assert report.chord_tone_ratio == 1.0 and report.notes == 16 and report.bars == 4
    assert report.key == "C major" and report.compression_ratio >= 1.0
    assert set(report.tension) == {"cloud_diameter", "cloud_momentum", "tensile_strain"}
    # a pedal C alone is one point on the spiral (diameter 0); with its chords the clouds widen
    pedal = leadsheet_report(melody([(4 * b, 4, 60) for b in range(4)]), "C Am F G", key="C major")
    assert pedal.melody_tension["cloud_diameter"] == 0.0 < pedal.tension["cloud_diameter"]
    assert len(with_chords(m, "C Am F G").tracks) == 2
    # a melody that repeats a bar four times compresses more than one that does not
    loop = melody([(4 * b + i, 1, p) for b in range(4) for i, p in enumerate([60, 62, 64, 67])])
    assert leadsheet_report(loop, "C").compression_ratio > report.compression_ratio
    assert leadsheet_report(m, "C Am F G").key  # estimated when not given
