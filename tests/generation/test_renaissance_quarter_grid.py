"""Renaissance motets on the quarter grid at their style's own onsets (``GenerationConfig.style_shortest``
and ``style_texture``; issue #19, nineteenth session): a new motet's notes start on a quarter and last a
quarter or more, at most 3 starting in a sampled bar of 4/4; a chorale keeps the model's rhythm."""

from partita.generation.config import GenerationConfig
from partita.generation.planning import plan_request
from partita.generation.texture import ask_style_texture
from partita.pipelines import Generator

MOTET = "a Renaissance motet in G minor for four voices, 2 bars"


def _plan(gen: Generator, prompt: str, config: GenerationConfig):
    request = gen.request(prompt)
    ask_style_texture(request, config.style_texture.get(request.conditions.style or "", {}))
    return plan_request(request, gen.tokenizer, config, seed=0)


def test_a_motet_is_planned_on_the_quarter_grid_at_its_own_onsets_and_a_chorale_is_not():
    gen, config = Generator.debug(), GenerationConfig()
    motet = _plan(gen, MOTET, config).constraints
    assert motet.shortest == 1.0 and motet.max_onsets_per_bar == 3
    chorale = _plan(gen, "a chorale in G major for choir, 2 bars", config).constraints
    assert chorale.shortest == 0.0 and chorale.max_onsets_per_bar is None


def test_a_motet_has_no_note_under_a_quarter_nor_off_the_quarter_grid():
    gen = Generator.debug(seed=0)
    (cand, *_) = gen.generate(MOTET, n=1, seed=0, wav=False, selector=None)
    score = cand.score
    tpq = score.ticks_per_quarter
    notes = [n for t in score.tracks for n in t.notes]
    assert notes
    assert all(n.time % tpq == 0 for n in notes)
    assert all(n.duration >= tpq for n in notes)
    starts = {n.time for n in notes}
    for half in range(4):  # the two bars of 4/2, sampled as four of 4/4
        assert len([s for s in starts if half * 4 * tpq <= s < (half + 1) * 4 * tpq]) <= 3
