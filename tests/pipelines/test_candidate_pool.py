"""A style whose Selector chooses among more candidates samples more and keeps the best as many as asked."""

import pytest

from partita.evaluation.selector import Selector
from partita.generation.config import GenerationConfig
from partita.pipelines.generator import Generator

PROMPT = "a German folk song for voice, 2 bars"


@pytest.fixture(scope="module")
def gen():
    return Generator.debug(seed=0)


def test_the_pool_is_sampled_and_the_selector_s_best_are_kept(gen):
    pooled = gen.generate(
        PROMPT, n=2, seed=3, wav=False, selector=Selector(), style_candidate_pool={"german_folk": 3}
    )
    assert len(pooled) == 2 and [c.rank for c in pooled] == [1, 2]
    assert all("best 2 of 6 sampled" in " ".join(c.remarks) for c in pooled)
    # the kept ones are the Selector's best of all six: none of the others ranks above them
    everything = gen.generate(PROMPT, n=6, seed=3, wav=False, selector=None)
    ranked = Selector().rank(everything, gen.request(PROMPT))
    best = [c.sample for c, _ in ranked[:2]]
    assert [c.sample for c in pooled] == best


def test_no_pool_without_a_selector_or_for_another_style(gen):
    pool = {"german_folk": 3}
    plain = gen.generate(PROMPT, n=2, seed=3, wav=False, selector=None, style_candidate_pool=pool)
    assert [c.sample for c in plain] == [1, 2]
    other = gen.generate(PROMPT, n=2, seed=3, wav=False, selector=Selector(), style_candidate_pool={"pop": 3})
    assert sorted(c.sample for c in other) == [1, 2]
    assert not any("sampled (sample" in " ".join(c.remarks) for c in other)


def test_a_pool_must_be_a_small_whole_number():
    assert GenerationConfig().candidate_pool_for("jig") == 1
    assert GenerationConfig().candidate_pool_for("pop") == 2
    with pytest.raises(ValueError, match="style_candidate_pool"):
        GenerationConfig(style_candidate_pool={"pop": 0})
    with pytest.raises(ValueError, match="style_candidate_pool"):
        GenerationConfig(style_candidate_pool={"pop": 1.5})
