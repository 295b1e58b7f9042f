"""A voice of a style's own texture silent throughout (GenerationConfig.style_tacet): POP909's intros."""

from partita.generation.config import GenerationConfig
from partita.generation.planning import plan_request
from partita.pipelines import Generator

ALWAYS = {"pop": {"0": 1.0}}


def test_the_tacet_draw_follows_the_shares_and_never_silences_every_voice():
    config = GenerationConfig(style_tacet={"pop": {"0": 0.3}})
    drawn = [config.tacet_voices("pop", 3, seed) for seed in range(400)]
    share = sum(1 for t in drawn if t == {0}) / len(drawn)
    assert 0.22 < share < 0.38 and all(t in (set(), {0}) for t in drawn)
    assert GenerationConfig(style_tacet={"pop": {"0": 1.0, "1": 1.0}}).tacet_voices("pop", 2, 0) == set()
    assert config.tacet_voices("jig", 3, 0) == set()
    assert GenerationConfig(style_tacet={}).tacet_voices("pop", 3, 0) == set()
    assert GenerationConfig().style_tacet == {"pop": {"0": 0.3}}  # measured on the realism bench


def test_the_plan_leaves_a_tacet_voice_out_only_where_the_style_implies_the_voices():
    gen = Generator.debug()
    config = GenerationConfig(style_tacet=ALWAYS)
    implied = plan_request(gen.request("a pop piano song in C major, 4 bars"), gen.tokenizer, config, seed=1)
    assert implied.constraints.programs == [1, 2]  # the BRIDGE and PIANO voices; MELODY rests
    assert any("rests throughout" in note for note in implied.notes)
    asked = gen.request("a pop piano song in C major, 3 voices, 4 bars")
    assert plan_request(asked, gen.tokenizer, config, seed=1).constraints.programs == [0, 1, 2]
    no_seed = plan_request(gen.request("a pop piano song, 4 bars"), gen.tokenizer, config)
    assert no_seed.constraints.programs == [0, 1, 2]


def test_a_generated_piece_has_only_the_voices_left():
    gen = Generator.debug(seed=0)
    cands = gen.generate("a pop piano song in C major, 2 bars", n=2, seed=0, wav=False, selector=None,
                         style_tacet=ALWAYS)  # fmt: skip
    for cand in cands:
        assert {t.program for t in cand.sampled.tracks} <= {1, 2}


def test_the_voices_left_may_be_pulled_back_in():
    gen = Generator.debug()
    config = GenerationConfig(style_tacet=ALWAYS, tacet_presence_weight=1.5)
    implied = plan_request(gen.request("a pop piano song in C major, 4 bars"), gen.tokenizer, config, seed=1)
    assert implied.constraints.presence_weight == 1.5
    asked = gen.request("a pop piano song in C major, 3 voices, 4 bars")  # no tacet voice: the style's pull
    assert plan_request(asked, gen.tokenizer, config, seed=1).constraints.presence_weight == 0.0
