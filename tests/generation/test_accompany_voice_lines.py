"""The chorale voices in Bach's registers and held at the soprano's phrase ends (issue 21): under held-out
sopranos the bass spanned wider than Bach's (40.4-59.3 a piece against 43.7-58.3) and the parts ended
phrases on an eighth and a rest where Bach's hold the fermata's chord. ``Voicing.ranges`` and
``Voicing.holds`` (rules/voice_lines.py), asked by ``PARTS_VOICING["chorale"]``."""

from __future__ import annotations

from symusic import Note, Score, TimeSignature, Track
from tests.generation.voice_masks import voice_order_masked

from partita.generation import accompany
from partita.generation.rules.voice_lines import PhraseHolds, Registers

RES = 8
NAMES = "Bar_None Position_0 Position_8 Position_16 Program_53 Program_54 Velocity_79"
VOCAB = [[t] for t in NAMES.split()] + [[f"Pitch_{p}"] for p in (40, 43, 48, 55, 60, 64)]
VOCAB += [[f"Duration_{d}.8"] for d in ("0.4", "1.0", "2.0")]
BASS = ["Bar_None", "Position_0", "Program_54"]


def test_each_voice_starts_only_pitches_of_its_range():
    ranges = [(0, 0), (43, 60)]  # the alto any, the bass G2-C4
    got = voice_order_masked(VOCAB, RES, [53, 54], BASS, Registers, ranges=ranges)
    assert got == {"Pitch_40", "Pitch_64"}
    alto = voice_order_masked(
        VOCAB, RES, [53, 54], ["Bar_None", "Position_0", "Program_53"], Registers, ranges=ranges
    )
    assert alto == set()


def test_a_note_struck_under_a_phrase_end_lasts_to_its_end():
    holds = [(0.0, 2.0)]  # the soprano's half note on the downbeat
    struck = ["Bar_None", "Position_0", "Program_53", "Pitch_60", "Velocity_79"]
    got = voice_order_masked(VOCAB, RES, [53, 54], struck, PhraseHolds, holds=holds)
    assert got == {"Duration_0.4.8", "Duration_1.0.8"}  # a quarter and a rest: not under the fermata
    inside = ["Bar_None", "Position_8", "Program_53", "Pitch_60", "Velocity_79"]  # on its second beat
    got = voice_order_masked(VOCAB, RES, [53, 54], inside, PhraseHolds, holds=holds)
    assert got == {"Duration_0.4.8", "Duration_2.0.8"}  # it ends with the phrase end, not past it
    after = ["Bar_None", "Position_16", "Program_53", "Pitch_60", "Velocity_79"]
    assert voice_order_masked(VOCAB, RES, [53, 54], after, PhraseHolds, holds=holds) == set()


def _soprano(notes: list[tuple[int, int]]) -> accompany.Melody:
    s = Score(480)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    t = Track("Soprano", 52, False)
    at = 0
    for quarters, pitch in notes:
        t.notes.append(Note(at, quarters * 480, pitch, 80))
        at += quarters * 480
    s.tracks.append(t)
    return accompany.melody_piece(s)


def test_phrase_ends_are_the_long_notes_and_the_last_and_their_chord_is_held():
    melody = _soprano([(1, 67), (1, 69), (1, 71), (1, 72), (2, 71), (1, 69), (1, 67), (1, 69), (1, 67)])
    spans = accompany.phrase_spans(melody)
    assert spans == [(4.0, 6.0), (9.0, 10.0)]
    chords = [(4.0, 5.0, "G:maj"), (5.0, 6.0, "D:7"), (6.0, 7.0, "C:maj")]
    assert accompany.held_chords(chords, spans) == [
        (4.0, 5.0, "G:maj"),
        (5.0, 6.0, "G:maj"),
        (6.0, 7.0, "C:maj"),
    ]


def test_the_chorale_asks_the_bass_range_and_the_holds():
    voicing = accompany.PARTS_VOICING["chorale"]
    assert voicing["holds"]
    low, high = voicing["ranges"][-1]
    assert 36 <= low < high <= 64
