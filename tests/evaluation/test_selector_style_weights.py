"""A style's own Selector weights: a request of that style is ranked by them, any other by the defaults."""

from types import SimpleNamespace

import pytest

from partita.evaluation.selector import Selector, choose_selector
from partita.generation.config import GenerationConfig


def _request(style):
    return SimpleNamespace(conditions=SimpleNamespace(style=style))


def test_a_style_with_weights_of_its_own_is_combined_by_them():
    selector = Selector(
        weights={"adherence": 0.5, "quality": 0.5}, style_weights={"chinese_folk": {"adherence": 1.0}}
    )
    scores = {"adherence": 0.9, "quality": 0.1}
    assert selector.combine(scores, selector.weights_for(_request("chinese_folk"))) == pytest.approx(0.9)
    assert selector.combine(scores, selector.weights_for(_request("jig"))) == pytest.approx(0.5)
    assert selector.weights_for(None) == selector.weights
    assert selector.describe()["style_weights"]["chinese_folk"]["adherence"] == 1.0


def test_the_style_weights_travel_from_the_config_to_the_selector():
    config = GenerationConfig()
    chosen = choose_selector("adherence", None, config.selector_weights, 8, config.style_selector_weights)
    assert chosen.weights_for(_request("chinese_folk"))["adherence"] == 1.0
    assert chosen.weights_for(_request("chinese_folk"))["style"] == 0.0


def test_unknown_scores_in_a_style_s_weights_are_named():
    with pytest.raises(ValueError, match="style_selector_weights\\['pop'\\].*'beauty'"):
        GenerationConfig(style_selector_weights={"pop": {"beauty": 1.0}})
    with pytest.raises(ValueError, match="unknown scores"):
        Selector(style_weights={"pop": {"beauty": 1.0}})
