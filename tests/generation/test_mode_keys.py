"""A mode asked without a key (a picture's minor, "a sad piano piece") gets a key in that mode at planning."""

from collections import Counter

import pytest

from partita.evaluation.adherence import controls_of
from partita.generation import mode_keys
from partita.generation.config import GenerationConfig
from partita.generation.mode_keys import key_for_mode, key_shares
from partita.generation.planning import plan_request
from partita.generation.prompt import project_prompt
from partita.pipelines import debug_generator, generate
from partita.tokens import MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


def test_the_draw_follows_the_style_s_keys_in_that_mode():
    jig = key_shares("jig", "minor")
    assert set(jig) <= {"E", "A", "G", "D", "B"} and abs(sum(jig.values()) - 1) < 0.01
    drawn = Counter(key_for_mode("jig", "minor", seed) for seed in range(400))
    assert set(drawn) <= set(jig)
    for tonic, share in jig.items():  # each tonic about as often as its share
        assert abs(drawn[tonic] / 400 - share) < 0.08
    # a style with too few pieces in a mode, or none: the whole corpus's keys in that mode
    corpus = mode_keys.mode_keys()[""]["minor"]
    assert key_shares("german_folk", "minor") == key_shares(None, "minor") == corpus
    assert key_for_mode(None, "dorian", 1) is None
    assert key_for_mode("pop", "minor", 7) == key_for_mode("pop", "minor", 7)  # the seed decides


def test_a_mode_alone_gets_a_key_in_that_mode(tok):
    request = project_prompt("a sad piano piece, 4 bars")
    assert request.conditions.mode == "minor" and request.conditions.key is None
    plan = plan_request(request, tok, GenerationConfig(), seed=3)
    key = request.conditions.key
    assert key in key_shares(None, "minor") and request.key_chosen
    assert plan.constraints.key == key and plan.constraints.mode == "minor"
    assert f"CondKey_{key}" in [tok.id_to_token(i) for i in tok.condition_ids(request.conditions)]
    assert any(f"no key given: chose {key} minor" in n for n in plan.notes)
    assert "chosen for the mode" in request.explain()
    # the adherence judges the mode asked (CM), not the key chosen
    controls = controls_of(request)
    assert controls.key is None and controls.mode == "minor"


def test_a_major_mood_and_a_style_draw_from_the_style(tok):
    request = project_prompt("a happy jig, 4 bars")
    plan_request(request, tok, GenerationConfig(), seed=5)
    assert request.conditions.mode == "major" and request.conditions.key in key_shares("jig", "major")


def test_planned_again_draws_again(tok):
    request = project_prompt("a sad piano piece, 4 bars")
    keys = set()
    for seed in range(12):
        plan_request(request, tok, GenerationConfig(), seed=seed)
        keys.add(request.conditions.key)
        assert request.key_chosen
    assert len(keys) > 1  # not the first draw kept as if asked


@pytest.mark.parametrize(
    "prompt, seed",
    [
        ("a sad piece in D minor, 4 bars", 3),  # a key asked stays, judged as a key
        ("a sad piano piece, 4 bars", None),  # no seed: nothing is drawn
        ("a sad piece with the progression i-iv-V-i, 4 bars", 3),  # chords were read in a key of their own
        ("a piano piece, 4 bars", 3),  # no mode asked: the model's
    ],
)
def test_left_alone(tok, prompt, seed):
    request = project_prompt(prompt)
    key = request.conditions.key
    plan_request(request, tok, GenerationConfig(), seed=seed)
    assert request.conditions.key == key and not request.key_chosen


def test_off_leaves_the_mode_alone(tok, monkeypatch):
    from partita.generation import planning

    monkeypatch.setattr(planning, "CHOOSE_KEY", False)
    request = project_prompt("a sad piano piece, 4 bars")
    plan_request(request, tok, GenerationConfig(), seed=3)
    assert request.conditions.key is None and not request.key_chosen


def test_generate_reports_the_mode_heard_not_the_key():
    request, cands = generate("a sad piano piece, 4 bars", n=1, seed=3, model=debug_generator(0), wav=False)
    assert request.key_chosen and request.conditions.key
    assert "CM" in cands[0].adherence and "CK" not in cands[0].adherence
    asked, cands = generate("a piece in E minor, 4 bars", n=1, seed=3, model=debug_generator(0), wav=False)
    assert not asked.key_chosen and "CK" in cands[0].adherence


def test_the_chosen_key_s_pulls_only_for_a_chosen_key(tok, monkeypatch):
    from partita.generation import planning

    monkeypatch.setattr(planning, "CHOSEN_TONIC_WEIGHT", 0.7)
    monkeypatch.setattr(planning, "CHOSEN_FINAL_WEIGHT", 1.5)
    chosen = plan_request(project_prompt("a sad piano piece, 4 bars"), tok, GenerationConfig(), seed=3)
    assert chosen.constraints.tonic_weight == 0.7 and chosen.constraints.final_weight == 1.5
    asked = plan_request(project_prompt("a sad piece in E minor, 4 bars"), tok, GenerationConfig(), seed=3)
    assert asked.constraints.tonic_weight == 0.0 and asked.constraints.final_weight == 0.0  # as before
    config = GenerationConfig(tonic_weight=1.0, final_weight=0.0)  # the config's own win
    own = plan_request(project_prompt("a sad piano piece, 4 bars"), tok, config, seed=3)
    assert own.constraints.tonic_weight == 1.0 and own.constraints.final_weight == 0.0


def test_by_default_a_chosen_minor_key_is_pulled_to_its_tonic_a_major_one_not(tok):
    minor = plan_request(project_prompt("a sad piano piece, 4 bars"), tok, GenerationConfig(), seed=3)
    major = plan_request(project_prompt("a happy piano piece, 4 bars"), tok, GenerationConfig(), seed=3)
    assert minor.constraints.tonic_weight > 0 and minor.constraints.key
    assert major.constraints.tonic_weight == 0 and major.constraints.key
