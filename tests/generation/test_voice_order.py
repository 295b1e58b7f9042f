"""The voices of one choir keep their order (partita.generation.rules.voice_order): driven token by token
over a small vocabulary, and through the plan."""

import pytest

from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Track
from partita.generation.rules.voice_order import VoiceOrder

RES = 8  # positions per beat
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_8"],
    ["Position_16"],
    ["Program_52"],
    ["Program_53"],
    ["Pitch_60"],
    ["Pitch_67"],
    ["Pitch_72"],
    ["Velocity_79"],
    ["Duration_2.0.8"],
    ["Position_8", "Program_53", "Pitch_72"],  # 11: moves to beat 1, then the alto above the soprano
    ["Position_16", "Program_53", "Pitch_72"],  # 12: the same at beat 2, where the soprano has ended
    ["Program_53", "Pitch_60"],  # 13: the alto below the soprano
]
ID = {tuple(t): i for i, t in enumerate(VOCAB)}


def _id(*tokens: str) -> int:
    return ID[tokens]


def _run(tokens: list[int], voices=(52, 53)):
    timeline = Timeline(VOCAB, RES, cap=8, meter_beats=4, within_bar=False)
    rule = VoiceOrder(VOCAB, RES, list(voices), timeline)
    track = Track(meter="4/4", sounding=timeline.start())
    row = rule.start(track)
    for t in tokens:
        timeline.advance(track.sounding, t)
        row = rule.advance(row, t, track)
    return rule.mask(row, track, len(VOCAB))


SOPRANO_G4_HALF = ["Bar_None", "Position_0", "Program_52", "Pitch_67", "Velocity_79", "Duration_2.0.8"]


def test_a_lower_voice_may_not_start_above_the_higher_ones_sounding_note():
    bad = _run([_id(t) for t in SOPRANO_G4_HALF] + [_id("Program_53")])
    assert bad is not None
    assert bad[_id("Pitch_72")]  # the alto over the soprano's G4
    assert not bad[_id("Pitch_67")] and not bad[_id("Pitch_60")]  # a unison, or below
    assert bad[_id("Position_8", "Program_53", "Pitch_72")]  # lands at beat 1: the G4 still sounds
    assert not bad[_id("Position_16", "Program_53", "Pitch_72")]  # lands at beat 2: the G4 has ended
    assert not bad[_id("Program_53", "Pitch_60")]


def test_once_the_higher_note_has_ended_the_lower_voice_is_free():
    tokens = [_id(t) for t in SOPRANO_G4_HALF] + [_id("Position_16"), _id("Program_53")]
    bad = _run(tokens)
    assert bad is None or not bad[_id("Pitch_72")]


def test_a_higher_voice_may_not_start_below_a_lower_ones_sounding_note():
    alto_g4 = ["Bar_None", "Position_0", "Program_53", "Pitch_67", "Velocity_79", "Duration_2.0.8"]
    bad = _run([_id(t) for t in alto_g4] + [_id("Program_52")])
    assert bad is not None and bad[_id("Pitch_60")] and not bad[_id("Pitch_72")]


def test_programs_that_are_not_the_voices_are_not_held():
    bad = _run([_id(t) for t in SOPRANO_G4_HALF] + [_id("Program_53")], voices=(40, 41))
    assert bad is None


def test_the_plan_orders_a_chorales_voices_only_for_the_styles_asked():
    from partita.generation.planning import plan_request
    from partita.pipelines import debug_generator

    lm = debug_generator()
    request = lm.request("a chorale in G major for choir, 4 bars")
    on = plan_request(request, lm.tokenizer, lm.config.update(style_voice_order=["chorale"]))
    assert len(on.constraints.voice_order) == 4 and on.constraints.voice_order == on.constraints.programs
    off = plan_request(request, lm.tokenizer, lm.config.update(style_voice_order=["renaissance"]))
    assert off.constraints.voice_order == []


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_chorale_has_no_voice_start_above_the_voice_over_it(seed):
    from partita.pipelines import debug_generator, generate

    lm = debug_generator()
    _, cands = generate(
        "a chorale in G major for choir, 4 bars",
        n=1,
        seed=seed,
        model=lm,
        wav=False,
        selector=None,
        style_voice_order=["chorale"],
    )
    tracks = [t for t in cands[0].score.tracks if t.notes]
    crossed = 0
    for upper, lower in zip(tracks, tracks[1:], strict=False):
        for n in lower.notes:
            over = [m for m in upper.notes if m.time <= n.time < m.time + m.duration]
            crossed += any(n.pitch > m.pitch for m in over)
    assert crossed == 0
