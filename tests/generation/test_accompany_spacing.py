"""Chorale parts within reach of each other (issue 21): under BWV 269's soprano the alto sang an octave and
more under it (C4-E4 under G4-C5). With ``Voicing.spacing`` no sampled voice lands more than that many
semitones under the given voice (the top sampled voice) or the voice above it (the sampled voices but the
lowest: a bass may lie further under the tenor), as in Bach's four-part settings."""

from __future__ import annotations

from tests.generation.voice_masks import voice_order_masked

from partita.generation import accompany

RES = 8  # positions per beat
PITCHES = (43, 48, 55, 60, 64, 67)
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Program_53"],
    ["Program_54"],
    ["Program_48"],
    *[[f"Pitch_{p}"] for p in PITCHES],
    ["Velocity_79"],
    ["Duration_4.0.8"],
]
SOPRANO = [(0.0, 4.0, 72)]  # C5 for the bar
ALTO = ["Bar_None", "Position_0", "Program_53"]
TENOR = [*ALTO, "Pitch_64", "Velocity_79", "Duration_4.0.8", "Program_54"]
BASS = [*ALTO, "Pitch_67", "Velocity_79", "Duration_4.0.8", "Program_54", "Pitch_60", "Velocity_79",
        "Duration_4.0.8", "Program_48"]  # fmt: skip


def _masked(tokens: list[str], spacing: int) -> set[str]:
    return voice_order_masked(VOCAB, RES, [53, 54, 48], tokens, above=SOPRANO, spacing=spacing)


def test_the_top_voice_within_an_octave_of_the_given_one():
    assert {"Pitch_55", "Pitch_48", "Pitch_43"} <= _masked(ALTO, 12)
    assert not {"Pitch_60", "Pitch_64", "Pitch_67"} & _masked(ALTO, 12)  # an octave under at most
    assert "Pitch_55" not in _masked(ALTO, 0)  # off: the old rule lets it


def test_an_inner_voice_within_an_octave_of_the_voice_above():
    assert {"Pitch_48", "Pitch_43"} <= _masked(TENOR, 12)  # 16 and 21 under the alto's E4
    assert "Pitch_55" not in _masked(TENOR, 12)
    assert "Pitch_48" not in _masked(TENOR, 0)


def test_the_bass_may_lie_further_under():
    assert "Pitch_43" not in _masked(BASS, 12)  # 17 under the tenor's C4


def test_chorale_parts_ask_for_it():
    assert accompany.PARTS_VOICING["chorale"]["spacing"] == 12
