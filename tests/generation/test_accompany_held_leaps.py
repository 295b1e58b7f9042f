"""Chorale parts a musician would keep under a given soprano (issue 21): under BWV 269's soprano an alto was
held above the soprano for a bar (it started under it, the soprano moved down under it while it sounded),
the bass leapt by two octaves and started two notes at once, and the sampler wrote the parts' notes into the
pickup bar's empty beats, dropped afterwards. Now no voice holds a note over a lower soprano note starting
(rules/voice_order.py, ``held``), no voice leaps further than its bound (rules/leaps.py), the voices start
one note at a time, and the sampler is told of the upbeat (the plan's own pickup in the padded bar)."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from tests.generation.test_accompany_density_floor import quarters_melody
from tests.generation.test_accompany_pickup import UPBEAT, pickup_melody
from tests.generation.voice_masks import voice_order_masked

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, parts_settings, strike_with_melody
from partita.generation.planning import plan_request
from partita.generation.rules.leaps import Leaps
from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Track
from partita.generation.rules.voice_order import VoiceOrder
from partita.pipelines import Generator
from partita.pipelines import generator as pipeline

RES = 8  # positions per beat
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_8"],
    ["Program_53"],
    ["Program_54"],
    ["Program_48"],
    ["Pitch_48"],
    ["Pitch_60"],
    ["Pitch_62"],
    ["Pitch_64"],
    ["Pitch_65"],
    ["Velocity_79"],
    ["Duration_1.0.8"],
    ["Duration_4.0.8"],
    ["Pitch_64", "Velocity_79", "Duration_4.0.8"],
    ["Pitch_64", "Velocity_79", "Duration_1.0.8"],
]
NAME = [" ".join(t) for t in VOCAB]
ID = {n: i for i, n in enumerate(NAME)}
SOPRANO = [(0.0, 2.0, 67), (2.0, 4.0, 60)]  # G4 for two beats, then down to C4 under an alto's E4


def _voice_mask(tokens: list[str], held: bool):
    return voice_order_masked(VOCAB, RES, [53, 54, 48], tokens, above=SOPRANO, held=held)


def test_no_voice_holds_a_note_while_a_lower_soprano_note_starts():
    # the alto's E4 under the G4: held a beat it is fine, held for the bar the soprano's C4 starts under it
    bad = _voice_mask(["Bar_None", "Position_0", "Program_53", "Pitch_64", "Velocity_79"], held=True)
    assert "Duration_4.0.8" in bad and "Duration_1.0.8" not in bad
    # an id that starts the note and holds it in one
    bad = _voice_mask(["Bar_None", "Position_0", "Program_53"], held=True)
    assert "Pitch_64 Velocity_79 Duration_4.0.8" in bad
    assert not {"Pitch_64 Velocity_79 Duration_1.0.8", "Pitch_64", "Pitch_60"} & bad
    # a C4 held over the soprano's C4 is a unison, not above it
    bad = _voice_mask(["Bar_None", "Position_0", "Program_53", "Pitch_60", "Velocity_79"], held=True)
    assert "Duration_4.0.8" not in bad


def test_without_held_only_where_the_note_starts_is_judged():
    bad = _voice_mask(["Bar_None", "Position_0", "Program_53", "Pitch_64", "Velocity_79"], held=False)
    assert "Duration_4.0.8" not in bad


def _leap_mask(tokens: list[str], bounds: list[int]):
    rule = Leaps(VOCAB, RES, [53, 54, 48], bounds)
    row = rule.start()
    for t in tokens:
        row = rule.advance(row, ID[t])
    bad = rule.mask(row, Track(meter="4/4"), len(VOCAB))
    return set() if bad is None else {NAME[i] for i in bad.nonzero().flatten().tolist()}


def test_no_voice_leaps_further_than_its_bound():
    bass = ["Bar_None", "Position_0", "Program_48", "Pitch_48", "Velocity_79", "Duration_1.0.8", "Position_8"]
    bad = _leap_mask([*bass, "Program_48"], [9, 9, 12])
    assert {"Pitch_62", "Pitch_64", "Pitch_65"} <= bad  # a ninth and more over the C3
    assert "Pitch_60" not in bad and "Pitch_48" not in bad  # the octave, and the same note
    assert "Pitch_64 Velocity_79 Duration_1.0.8" in bad  # an id that starts its note in the open program
    assert not _leap_mask([*bass, "Program_53"], [9, 9, 12])  # the alto has sung nothing yet
    assert not _leap_mask([*bass, "Program_48"], [9, 9, 0])  # no bound on the bass
    alto = ["Bar_None", "Position_0", "Program_53", "Pitch_60", "Velocity_79", "Duration_1.0.8", "Program_53"]
    bad = _leap_mask(alto, [2, 9, 12])
    assert "Pitch_62" not in bad and "Pitch_64" in bad and "Pitch_48" in bad


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def _constraints(generator, melody):
    request, mel = accompaniment_request(melody, "a chorale")
    strike_with_melody(
        request, mel, generator.tokenizer.positions_per_beat, generator.tokenizer.time_signatures
    )
    config = dataclasses.replace(generator.config, **parts_settings(request))
    return request, mel, plan_request(request, generator.tokenizer, config).constraints


def test_the_plan_holds_the_voices_as_sung_lines(generator):
    _, _, c = _constraints(generator, quarters_melody())
    assert c.voice_order == [53, 54, 48] and c.voicing.held and c.voicing.max_leaps == [9, 9, 12]
    assert c.voicing.repeat_weight == 2.0
    assert set(c.voice_order) <= set(c.monophonic)  # one note at a time each
    assert c.pickup == 0  # on the downbeat: no upbeat to enter with


def test_the_plan_samples_the_upbeat_in_the_melodys_padded_bar(generator):
    request, mel, c = _constraints(generator, pickup_melody())
    assert request.pickup == 1 and request.pickup_in_bars
    assert c.pickup == 1 and c.bars == mel.bars  # the pickup bar is the melody's first, not one more


def test_the_sampler_writes_no_note_before_the_upbeat(generator, monkeypatch):
    sampled = []
    written = pipeline.with_melody

    def keep(melody, parts):
        sampled.append(parts)
        return written(melody, parts)

    monkeypatch.setattr(pipeline, "with_melody", keep)
    generator.accompany(pickup_melody(), "a chorale", n=2, seed=1, selector=None)
    assert len(sampled) == 2
    for parts in sampled:
        q = int(parts.ticks_per_quarter)
        starts = [int(n.time) * 480 // q for t in parts.tracks for n in t.notes]
        assert starts and min(starts) >= UPBEAT  # on the old code: 6 and 5 notes before it


def test_without_it_the_sampler_fills_the_pickup_bar(generator, monkeypatch):
    monkeypatch.setattr(accompany, "PICKUP_SAMPLED", False)
    request, _, c = _constraints(generator, pickup_melody())
    assert not request.pickup_in_bars and c.pickup == 0


def test_a_voice_starting_its_last_pitch_again_is_pulled_away():
    timeline = Timeline(VOCAB, RES, cap=8, meter_beats=4, within_bar=False)
    rule = VoiceOrder(VOCAB, RES, [53, 54, 48], timeline, repeat_weight=1.5)
    row = rule.start()
    for t in [
        "Bar_None",
        "Position_0",
        "Program_53",
        "Pitch_64",
        "Velocity_79",
        "Duration_1.0.8",
        "Program_53",
    ]:
        row = rule.advance(row, ID[t])
    logits = torch.zeros(len(VOCAB))
    rule.pull(row, Track(meter="4/4"), logits)
    again = {"Pitch_64", "Pitch_64 Velocity_79 Duration_1.0.8", "Pitch_64 Velocity_79 Duration_4.0.8"}
    assert {NAME[i] for i in (logits < 0).nonzero().flatten().tolist()} == again
    assert float(logits[ID["Pitch_64"]]) == -1.5
