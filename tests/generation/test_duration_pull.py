"""Longer notes in the parts that accompany (``GenerationConfig.style_held_parts``,
:mod:`partita.generation.rules.duration_pull`): the durations of the accompanying programs tilt towards the
longer values; the melody's, and a style not listed, keep the model's."""

import numpy as np
import pytest
import torch

from partita.generation.candidates import accompanying_programs
from partita.generation.config import GenerationConfig
from partita.generation.planning import plan_request
from partita.generation.rules import RULES, Constraints, RuleSet
from partita.generation.rules.duration_pull import DurationPull
from partita.pipelines import Generator
from partita.tokens import Conditions, MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


def _logits(tok, program: int, weight: float = 1.0) -> torch.Tensor:
    """The logits (all 0 before the rules) for the duration of a note of ``program``."""
    names = ["Bar_None", "TimeSig_4/4", "Position_0", f"Program_{program}", "Pitch_60", "Velocity_79"]
    row = tok.condition_ids(Conditions()) + [tok.miditok.vocab[t] for t in names]
    rules = (*RULES, DurationPull.configured(weight, [1, 2]))
    c = Constraints(meter="4/4", bars=4, grammar=True)
    return RuleSet(tok, c, rules=rules)([row], torch.zeros(1, tok.vocab_size))[0]


def test_an_accompanying_part_tilts_towards_longer_notes(tok):
    v = tok.miditok.vocab
    held = _logits(tok, 1)
    assert held[v["Duration_2.0.8"]] - held[v["Duration_1.0.8"]] == pytest.approx(1.0)
    assert held[v["Duration_0.4.8"]] - held[v["Duration_1.0.8"]] == pytest.approx(-1.0)
    assert held[v["Duration_8.0.4"]] == pytest.approx(2.0)  # capped at four beats
    tune = _logits(tok, 0)  # the melody's program: untouched
    assert tune[v["Duration_2.0.8"]] == tune[v["Duration_0.4.8"]] == 0


def test_the_accompanying_programs_are_the_voices_after_the_melody():
    gen = Generator.debug()
    config = GenerationConfig()
    request = gen.request("a pop piano song in C major, 4 bars")
    assert accompanying_programs(request, plan_request(request, gen.tokenizer, config, seed=2)) == [1, 2]
    tacet = GenerationConfig(style_tacet={"pop": {"0": 1.0}})
    request = gen.request("a pop piano song in C major, 4 bars")
    assert accompanying_programs(request, plan_request(request, gen.tokenizer, tacet, seed=2)) == [1, 2]
    solo = gen.request("a waltz for violin in G major, 4 bars")
    assert accompanying_programs(solo, plan_request(solo, gen.tokenizer, config, seed=2)) == []


def _accompaniment_durations(**options) -> float:
    gen = Generator.debug(seed=0)
    cands = gen.generate(
        "a pop piano song in C major, 2 bars", n=2, seed=3, wav=False, selector=None, **options
    )
    tpq = cands[0].sampled.ticks_per_quarter
    durs = [
        n.duration / tpq
        for cand in cands
        for track in cand.sampled.tracks
        if track.program in (1, 2)
        for n in track.notes
    ]
    assert durs
    return float(np.mean(np.log2(durs)))


def test_a_pop_piece_holds_its_accompaniment_longer():
    plain = _accompaniment_durations(style_held_parts={})
    held = _accompaniment_durations(style_held_parts={"pop": 3.0})
    assert held > plain + 0.3  # log2 quarters: 0.87 -> 1.16 quarters (the last notes end with the piece)


def test_a_pop_piece_by_default_holds_its_accompaniment_and_may_rest_across_a_beat():
    """The shipped defaults (twenty-fifth session): pop's BRIDGE and PIANO pulled towards longer notes at
    0.1, and no note forced onto every beat (``style_filled_beats`` without pop); Chinese tunes keep it."""
    from partita.generation.candidates import _rules

    gen = Generator.debug()
    config = GenerationConfig()
    request = gen.request("a pop piano song in C major, 4 bars")
    plan = plan_request(request, gen.tokenizer, config, seed=2)
    assert not plan.constraints.filled_beats
    pulls = [r for r in _rules(request, plan, config) if issubclass(r, DurationPull)]
    assert [(r.weight, sorted(r.programs)) for r in pulls] == [(0.1, [1, 2])]
    tune = gen.request("a Chinese folk song in D major, 4 bars")
    assert plan_request(tune, gen.tokenizer, config, seed=2).constraints.filled_beats
