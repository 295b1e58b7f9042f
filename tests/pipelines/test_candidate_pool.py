"""A style whose Selector's realism critic chooses among more candidates samples more and keeps the best as
many as asked; a Selector without a critic for the style samples as many as asked."""

import numpy as np
import pytest

from partita.evaluation.realism_critic import RealismCritic, StyleCritic, critic_vector
from partita.evaluation.selector import Selector
from partita.generation.config import GenerationConfig
from partita.pipelines.generator import Generator, candidates_sampled
from partita.score import Score

PROMPT = "a German folk song for voice, 2 bars"
REALISM = {"adherence": 1.0, "style": 0.0, "quality": 0.0, "realism": 1.0}


def critic_for(style: str) -> RealismCritic:
    """A critic for ``style`` with fixed weights (not what it prefers matters here, but that it ranks)."""
    dim = len(critic_vector(Score(480)))
    coef = np.random.default_rng(0).normal(size=dim)
    return RealismCritic({style: StyleCritic(np.zeros(dim), np.ones(dim), coef, 0.0)})


def realism_selector(style: str = "german_folk") -> Selector:
    return Selector(critic=critic_for(style), style_weights={style: REALISM})


@pytest.fixture(scope="module")
def gen():
    return Generator.debug(seed=0)


def test_the_pool_is_sampled_and_the_selector_s_best_are_kept(gen):
    selector = realism_selector()
    pooled = gen.generate(
        PROMPT, n=2, seed=3, wav=False, selector=selector, style_candidate_pool={"german_folk": 3}
    )
    assert len(pooled) == 2 and [c.rank for c in pooled] == [1, 2]
    assert all("best 2 of 6 sampled" in " ".join(c.remarks) for c in pooled)
    # the kept ones are the Selector's best of all six: none of the others ranks above them
    everything = gen.generate(PROMPT, n=6, seed=3, wav=False, selector=None)
    ranked = selector.rank(everything, gen.request(PROMPT))
    best = [c.sample for c, _ in ranked[:2]]
    assert [c.sample for c in pooled] == best


def test_no_pool_without_a_selector_or_for_another_style(gen):
    pool = {"german_folk": 3}
    plain = gen.generate(PROMPT, n=2, seed=3, wav=False, selector=None, style_candidate_pool=pool)
    assert [c.sample for c in plain] == [1, 2]
    other = gen.generate(
        PROMPT, n=2, seed=3, wav=False, selector=realism_selector(), style_candidate_pool={"pop": 3}
    )
    assert sorted(c.sample for c in other) == [1, 2]
    assert not any("sampled (sample" in " ".join(c.remarks) for c in other)


@pytest.mark.parametrize(
    "selector",
    [
        Selector(),  # adherence only
        Selector(critic=critic_for("pop"), style_weights={"pop": REALISM}),  # a critic of another style
        Selector(critic=critic_for("german_folk")),  # the critic there, its weight 0
    ],
    ids=["no-critic", "critic-of-pop", "critic-unweighted"],
)
def test_no_pool_where_the_selector_does_not_rank_the_style_by_realism(gen, selector):
    config = GenerationConfig(style_candidate_pool={"german_folk": 3})
    assert candidates_sampled(config, selector, "german_folk", 2) == 2
    picked = gen.generate(
        PROMPT, n=2, seed=3, wav=False, selector=selector, style_candidate_pool={"german_folk": 3}
    )
    assert sorted(c.sample for c in picked) == [1, 2]
    assert not any("sampled (sample" in " ".join(c.remarks) for c in picked)


def test_the_pool_counts_where_the_critic_ranks():
    config = GenerationConfig(style_candidate_pool={"german_folk": 3})
    assert candidates_sampled(config, realism_selector(), "german_folk", 2) == 6
    assert candidates_sampled(config, realism_selector(), "jig", 2) == 2
    assert candidates_sampled(config, None, "german_folk", 2) == 2


def test_a_pool_must_be_a_small_whole_number():
    assert GenerationConfig().candidate_pool_for("jig") == 1
    assert GenerationConfig().candidate_pool_for("pop") == 2
    with pytest.raises(ValueError, match="style_candidate_pool"):
        GenerationConfig(style_candidate_pool={"pop": 0})
    with pytest.raises(ValueError, match="style_candidate_pool"):
        GenerationConfig(style_candidate_pool={"pop": 1.5})
