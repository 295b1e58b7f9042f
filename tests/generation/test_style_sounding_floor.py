"""A style's floor on the notes sounding at once (GenerationConfig.style_sounding_floor) reaches the plan's
constraints, never above the voices, and only for several voices with no polyphony asked for."""

import pytest

from partita.generation.planning import plan_request
from partita.pipelines import debug_generator


@pytest.fixture(scope="module")
def lm():
    return debug_generator()


@pytest.mark.parametrize(("floor", "expected"), [(3.5, 3.5), (4.0, 4.0), (6.0, 4.0)])
def test_a_chorale_for_four_voices_gets_its_style_floor_capped_by_the_voices(lm, floor, expected):
    request = lm.request("a chorale in G major for four voices, 4 bars")
    assert request.conditions.style == "chorale"
    plan = plan_request(request, lm.tokenizer, lm.config.update(style_sounding_floor={"chorale": floor}))
    assert plan.constraints.min_sounding == expected


def test_no_floor_by_default_nor_for_another_style_nor_for_one_voice(lm):
    chorale = lm.request("a chorale in G major for four voices, 4 bars")
    assert plan_request(chorale, lm.tokenizer, lm.config).constraints.min_sounding == 0
    other = lm.config.update(style_sounding_floor={"jig": 2.0})
    assert plan_request(chorale, lm.tokenizer, other).constraints.min_sounding == 0
    solo = lm.request("an Irish jig in D major for fiddle, 4 bars")
    assert solo.conditions.style == "jig"
    floor = lm.config.update(style_sounding_floor={"jig": 2.0})
    assert plan_request(solo, lm.tokenizer, floor).constraints.min_sounding == 0
