"""Several voices of one instrument: whether the model knows the instrument is read from the style alone
(partita.generation.instruments.voices_prior)."""

from __future__ import annotations

import dataclasses

import pytest

from partita import Generator
from partita.generation import candidates, instruments
from partita.generation.config import GenerationConfig
from partita.generation.instruments import stand_in_programs


@pytest.fixture(scope="module")
def gen():
    return Generator.debug(seed=0)


def _heads(monkeypatch, gen, prompt, config):
    """The conditions each program prior was read with for ``prompt``."""
    seen = []

    def prior(lm, tokenizer, conditions):
        seen.append(conditions)
        return {}

    monkeypatch.setattr(candidates, "program_prior", prior)
    monkeypatch.setattr(instruments, "program_prior", prior)
    candidates.planned_prefix(gen.model, gen.tokenizer, gen.request(prompt), config)
    return seen


def test_four_voices_read_the_prior_of_the_style_not_of_the_key_and_tempo(monkeypatch, gen):
    (head,) = _heads(
        monkeypatch, gen, "a Renaissance motet in D major for choir, moderato, 8 bars", gen.config
    )
    assert head.style == "renaissance"
    assert head.key is None and head.tempo_bpm is None and head.meter is None


def test_one_instrument_reads_the_prior_of_the_whole_request(monkeypatch, gen):
    (head,) = _heads(monkeypatch, gen, "an Irish jig in D major for fiddle, moderato, 8 bars", gen.config)
    assert head.key == "D" and head.tempo_bpm is not None


def test_voices_by_style_off_reads_the_whole_request(monkeypatch, gen):
    config = GenerationConfig(voices_by_style=False)
    (head,) = _heads(monkeypatch, gen, "a Renaissance motet in D major for choir, moderato, 8 bars", config)
    assert head.key == "D" and head.tempo_bpm is not None


def test_a_choir_the_style_knows_is_sampled_as_itself():
    # the prior of the style alone (as partita-small gives it for a motet): the choir is kept
    kept = stand_in_programs([52], {52: 0.94, 48: 0.02, 0: 0.003})
    assert kept.sampled == [52] and not kept.written
    # read with a tempo, the same model named the piano: a stand-in
    stood = stand_in_programs([52], {0: 0.96, 52: 0.03})
    assert stood.written == {0: 52}


def test_the_voices_a_style_implies_are_drawn_as_real_pieces_have_them():
    config = GenerationConfig(style_voices={"renaissance": {"4": 0.4, "5": 0.42, "6": 0.18}})
    drawn = [config.voices_for("renaissance", 4, seed) for seed in range(600)]
    for voices, share in ((4, 0.4), (5, 0.42), (6, 0.18)):
        assert abs(drawn.count(voices) / len(drawn) - share) < 0.06
    assert {config.voices_for("chorale", 4, seed) for seed in range(50)} == {4}
    assert {GenerationConfig(style_voices={}).voices_for("renaissance", 4, s) for s in range(50)} == {4}


def test_a_number_of_voices_asked_for_stands(gen):
    config = GenerationConfig(style_voices={"renaissance": {"4": 0.4, "5": 0.42, "6": 0.18}})
    asked = [gen.request("a Renaissance motet in G minor for four voices, 8 bars") for _ in range(12)]
    for seed, request in enumerate(asked):
        candidates._draw_voices(request, config, seed)
    assert {r.n_tracks for r in asked} == {4}
    implied = [gen.request("a Renaissance motet in G minor for choir, 8 bars") for _ in range(12)]
    for seed, request in enumerate(implied):
        candidates._draw_voices(request, config, seed)
    assert {r.n_tracks for r in implied} > {4}
    assert all(any("voices, not 4" in n for n in r.notes) for r in implied if r.n_tracks != 4)


def test_by_default_a_motet_for_choir_is_in_four_to_six_voices_and_a_chorale_in_four(gen):
    motets = [gen.request("a Renaissance motet in G minor for choir, 8 bars") for _ in range(40)]
    for seed, request in enumerate(motets):
        candidates._draw_voices(request, GenerationConfig(), seed)
    assert {r.n_tracks for r in motets} == {4, 5, 6}
    chorales = [gen.request("a chorale in G major for choir, 8 bars") for _ in range(12)]
    for seed, request in enumerate(chorales):
        candidates._draw_voices(request, GenerationConfig(), seed)
    assert {r.n_tracks for r in chorales} == {4}


def test_a_voice_the_style_drew_loses_its_part_when_it_barely_sings(gen):
    config = GenerationConfig()
    drawn = gen.request("a Renaissance motet in G minor for choir, 8 bars")
    candidates._draw_voices(drawn, config, seed=3)
    assert drawn.voices_drawn and candidates.drops_strays(drawn, config)
    asked = gen.request("a Renaissance motet in G minor for four voices, 8 bars")
    candidates._draw_voices(asked, config, seed=3)
    assert not asked.voices_drawn and not candidates.drops_strays(asked, config)
    chorale = gen.request("a chorale in G major for choir, 8 bars")
    candidates._draw_voices(chorale, config, seed=3)
    assert not chorale.voices_drawn and not candidates.drops_strays(chorale, config)
    free = dataclasses.replace(config, constrain=False)
    assert not candidates.drops_strays(drawn, free)
