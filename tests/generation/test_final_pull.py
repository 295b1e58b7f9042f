"""The final pull (rules/final.py): the last bar's notes on the asked tonic, the bars before untouched."""

from partita.evaluation.modal_key import final_pitch_class
from partita.generation.config import GenerationConfig
from partita.pipelines import Generator
from partita.score.bars import bar_lines

PROMPT = "a Chinese folk song in G major for flute, 2 bars"


def _last_bar_pitch_classes(score) -> set[int]:
    start = bar_lines(score, 2)[1]
    return {n.pitch % 12 for t in score.tracks for n in t.notes if n.time >= start}


def test_a_strong_final_pull_ends_every_candidate_on_the_tonic():
    gen = Generator.debug(seed=0)
    plain = gen.generate(PROMPT, n=3, seed=2, wav=False, selector=None, pickups=False)
    pulled = gen.generate(PROMPT, n=3, seed=2, wav=False, selector=None, pickups=False, final_weight=60.0)
    assert any(_last_bar_pitch_classes(c.score) - {7} for c in plain)  # an untrained model ends anywhere
    for cand in pulled:
        assert _last_bar_pitch_classes(cand.score) == {7} and final_pitch_class(cand.score) == 7


def test_the_final_weight_by_style():
    config = GenerationConfig(style_final_weights={"chinese_folk": 2.0})
    assert config.final_weight_for("chinese_folk") == 2.0 and config.final_weight_for("jig") == 0.0
    assert GenerationConfig(final_weight=0.0, style_final_weights={"jig": 3.0}).final_weight_for("jig") == 0.0
    assert GenerationConfig().final_weight_for("chinese_folk") == 0.0  # measured, not a default
