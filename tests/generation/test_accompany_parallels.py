"""No parallel fifths or octaves under a chorale soprano (issue 21): 20 held-out sopranos' parts moved in
parallel perfect fifths, octaves or unisons at 0.104 of the beat-to-beat moves where two voices both move,
Bach's at 0.006 (``bench/bench_accompany.py``'s ``parts_harmony``). ``Voicing.parallels`` is a logit penalty
on a note that would (rules/voice_order.py)."""

from __future__ import annotations

from tests.generation.voice_masks import voice_order_pulled

from partita.generation import accompany

RES = 8
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_4"],
    ["Position_8"],
    ["Program_53"],
    ["Program_54"],
    *[[f"Pitch_{p}"] for p in (53, 55, 57, 59, 60, 62, 64, 65, 67)],
    ["Velocity_79"],
    ["Duration_1.0.8"],
]
SOPRANO = [(0.0, 1.0, 72), (1.0, 2.0, 74)]  # C5 -> D5


def _pulled(tokens: list[str], **options) -> dict[str, float]:
    return voice_order_pulled(VOCAB, RES, [53, 54], tokens, above=SOPRANO, **options)


ALTO_C4 = ["Bar_None", "Position_0", "Program_53", "Pitch_60", "Velocity_79", "Duration_1.0.8"]


def test_octaves_and_fifths_with_the_soprano_lose_the_penalty():
    got = _pulled([*ALTO_C4, "Position_8", "Program_53"], parallels=6.0)
    assert got["Pitch_62"] == -6.0  # C4 -> D4 under C5 -> D5: octaves
    assert got["Pitch_64"] == got["Pitch_59"] == got["Pitch_60"] == 0.0  # a third, contrary, held
    fifth = ["Bar_None", "Position_0", "Program_53", "Pitch_65", "Velocity_79", "Duration_1.0.8"]
    got = _pulled([*fifth, "Position_8", "Program_53"], parallels=6.0)
    assert got["Pitch_67"] == -6.0  # F4 -> G4 under C5 -> D5: fifths
    assert got["Pitch_64"] == 0.0


def test_between_sampled_voices_and_only_on_the_beat():
    tokens = [*ALTO_C4, "Program_54", "Pitch_53", "Velocity_79", "Duration_1.0.8"]  # tenor F3: a fifth
    tokens += ["Position_8", "Program_53", "Pitch_64", "Velocity_79", "Duration_1.0.8", "Program_54"]
    got = _pulled(tokens, parallels=6.0)  # alto C4 -> E4: the tenor's F3 -> A3 is fifths with it
    assert got["Pitch_57"] == -6.0
    assert got["Pitch_55"] == -6.0  # F3 -> G3: fifths with the soprano
    assert got["Pitch_59"] == got["Pitch_53"] == 0.0
    half = _pulled([*ALTO_C4, "Position_4", "Program_53"], parallels=6.0)
    assert set(half.values()) == {0.0}


def test_no_setting_no_penalty_and_the_chorale_asks_it():
    got = _pulled([*ALTO_C4, "Position_8", "Program_53"])
    assert set(got.values()) == {0.0}
    assert accompany.PARTS_VOICING["chorale"]["parallels"] > 0
