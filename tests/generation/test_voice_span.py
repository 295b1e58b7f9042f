"""Issue 21: the chorale bass keeps within a span of where it has been (``Voicing.spans``)."""

from __future__ import annotations

import dataclasses

from tests.generation.test_accompany_density_floor import quarters_melody

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, parts_settings, strike_with_melody
from partita.generation.planning import plan_request
from partita.generation.rules.ruleset import RULES
from partita.generation.rules.tracker import Track
from partita.generation.rules.voice_span import VoiceSpan
from partita.pipelines import Generator

RES = 8
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_8"],
    ["Program_53"],
    ["Program_48"],
    ["Pitch_40"],
    ["Pitch_45"],
    ["Pitch_48"],
    ["Pitch_55"],
    ["Pitch_60"],
    ["Velocity_79"],
    ["Duration_1.0.8"],
    ["Pitch_60", "Velocity_79", "Duration_1.0.8"],
]
NAME = [" ".join(t) for t in VOCAB]
ID = {n: i for i, n in enumerate(NAME)}
NOTE = ["Velocity_79", "Duration_1.0.8"]


def _span_mask(tokens: list[str], bounds: list[int]) -> set[str]:
    rule = VoiceSpan(VOCAB, RES, [53, 54, 48], bounds)
    row = rule.start()
    for t in tokens:
        row = rule.advance(row, ID[t])
    bad = rule.mask(row, Track(meter="4/4"), len(VOCAB))
    return set() if bad is None else {NAME[i] for i in bad.nonzero().flatten().tolist()}


def test_the_bass_keeps_within_its_span_of_where_it_has_been():
    bass = ["Bar_None", "Position_0", "Program_48", "Pitch_45", *NOTE, "Position_8", "Program_48", "Pitch_55"]
    bad = _span_mask([*bass, *NOTE, "Program_48"], [0, 0, 12])
    # A2 and G3 sung (10 apart): E2, 15 under G3, and C4, 15 over A2, are out of an octave's span
    assert {"Pitch_40", "Pitch_60", "Pitch_60 Velocity_79 Duration_1.0.8"} <= bad
    assert not {"Pitch_45", "Pitch_48", "Pitch_55"} & bad
    assert not _span_mask([*bass, *NOTE, "Program_48"], [0, 0, 0])  # no bound
    assert not _span_mask([*bass, *NOTE, "Program_53"], [0, 0, 12])  # the alto is not bounded
    assert not _span_mask([*bass, *NOTE, "Program_48"], [0, 0, 15])  # wide enough for both
    assert VoiceSpan in RULES


def test_the_plan_bounds_the_chorale_bass_span():
    generator = Generator.debug(seed=0)
    request, mel = accompaniment_request(quarters_melody(), "a chorale")
    strike_with_melody(
        request, mel, generator.tokenizer.positions_per_beat, generator.tokenizer.time_signatures
    )
    config = dataclasses.replace(generator.config, **parts_settings(request))
    c = plan_request(request, generator.tokenizer, config).constraints
    spans = accompany.PARTS_VOICING["chorale"]["spans"]
    assert c.voicing.spans == spans and spans[-1] > 0 and c.voice_order[-1] == 48  # the bass's
