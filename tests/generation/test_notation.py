"""Meters the vocabulary lacks (partita.generation.notation) and voices entering in turn
(partita.generation.entries), through the plan and a whole generation with the debug model."""

import pytest

from partita.generation.config import GenerationConfig
from partita.generation.entries import entry_plan
from partita.generation.notation import bar_quarters, rebar, sampled_meter
from partita.score import Score

KNOWN = ["1/4", "12/8", "2/4", "3/4", "3/8", "4/4", "5/4", "6/4", "6/8"]


@pytest.mark.parametrize(
    ("meter", "expected"),
    [("4/2", ("4/4", 2)), ("3/2", ("6/4", 1)), ("2/2", ("4/4", 1)), ("9/8", ("3/8", 3)), ("4/4", None)],
)
def test_a_meter_the_vocabulary_lacks_is_sampled_in_bars_that_fill_it(meter, expected):
    assert sampled_meter(meter, KNOWN) == expected
    if expected:
        assert bar_quarters(expected[0]) * expected[1] == bar_quarters(meter)


def test_meters_nothing_fits_and_non_meters_are_left_alone():
    assert sampled_meter("7/8", KNOWN) is None
    assert sampled_meter("x/4", KNOWN) is None and bar_quarters("0/4") is None


def test_rebar_leaves_one_time_signature():
    score = Score(480)
    assert rebar(score, "4/2").time_signatures[0].numerator == 4
    assert len(score.time_signatures) == 1 and score.time_signatures[0].denominator == 2


def test_entries_follow_the_voices_and_fit_in_the_first_half():
    assert entry_plan([52, 53, 54, 48], 16, [0, 2, 4, 6]) == {52: 0, 53: 2, 54: 4, 48: 6}
    assert entry_plan([52, 53, 54, 48, 49], 32, [0, 1]) == {52: 0, 53: 1, 54: 2, 48: 3, 49: 4}  # goes on
    squeezed = entry_plan([52, 53, 54, 48], 4, [0, 2, 4, 6])  # 6 bars of entries squeezed into 2
    assert list(squeezed.values()) == [0, 0, 1, 2]
    assert entry_plan([0, 1, 2], 8, [8, 0, 0]) == {0: 4, 1: 0, 2: 0}  # pop's melody after half the piece
    assert entry_plan([52, 53], 8, []) == {} and entry_plan([52], 8, [0, 1]) == {}


def test_the_entries_are_the_styles_for_its_own_voices_unless_set():
    config = GenerationConfig(style_entries={"renaissance": [0, 1, 2, 3]})
    assert config.entries_for("renaissance") == [0, 1, 2, 3] and config.entries_for("jig") == []
    assert config.entries_for("renaissance", own_voices=False) == []
    assert config.update(entries=[]).entries_for("renaissance") == []
    assert config.update(entries=[0, 2]).entries_for("jig", own_voices=False) == [0, 2]


def test_a_motet_in_4_2_is_sampled_in_4_4_and_written_in_4_2():
    from partita.evaluation.realism import count_bars
    from partita.generation.planning import plan_request
    from partita.pipelines import debug_generator, generate

    lm = debug_generator()
    request = lm.request("a Renaissance motet in G minor for four voices, 4 bars")
    assert request.conditions.meter == "4/2"
    plan = plan_request(request, lm.tokenizer, lm.config)
    if "4/4" not in lm.tokenizer.time_signatures:
        pytest.skip("the debug tokenizer has no 4/4")
    assert (plan.constraints.meter, plan.constraints.bars, plan.written_meter) == ("4/4", 8, "4/2")
    _, cands = generate(request, seed=3, model=lm, wav=False, selector=None, n=1)
    score = cands[0].score
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(4, 2)]
    assert count_bars(score) <= 4
    assert any("barred in 4/2" in note for note in request.notes)


def test_the_plan_keeps_a_voice_silent_until_its_entry():
    from partita.generation.planning import plan_request
    from partita.pipelines import debug_generator

    lm = debug_generator()
    request = lm.request("a Renaissance motet in G minor for four voices, 8 bars")
    plan = plan_request(request, lm.tokenizer, lm.config.update(entries=[0, 1, 2, 3]))
    entries = plan.constraints.entry_bars
    multiple = plan.bar_multiple
    assert sorted(entries.values()) == [0, multiple, 2 * multiple, 3 * multiple]
    assert any("enter in bars 1, 2, 3, 4" in note for note in plan.notes)
