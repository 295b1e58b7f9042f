"""Infilling with a model trained to fill in the middle: the bars after the gap are in its prompt."""

from __future__ import annotations

import pytest
from tests.generation.test_given import chorale
from tests.generation.test_infill import notes_outside

from partita.generation import candidates as candidates_module
from partita.generation.given import given_music, read_given
from partita.generation.infill import after_music, infill_markers, infill_request
from partita.models import MusicLMConfig, debug_model
from partita.models.fim import FimIds
from partita.pipelines import Generator
from partita.score.bars import notated_bars
from partita.tokens import MiditokTokenizer


def fim_generator(seed: int = 0) -> Generator:
    """The debug generator's tiny model with the two fill-in-the-middle markers after its vocabulary."""
    tok = MiditokTokenizer()
    model = debug_model(
        seed,
        vocab_size=tok.vocab_size + 2,
        block_size=256,
        max_relative_distance=64,
        attention_block=MusicLMConfig.attention_block,
        bos_id=tok.bos_id,
        eos_id=tok.eos_id,
        pad_id=tok.pad_id,
        fim_hole_id=tok.vocab_size,
    )
    return Generator(model, tok)


def test_the_markers_are_the_last_two_ids_of_a_model_trained_for_them():
    gen = fim_generator()
    assert FimIds.of_model(gen.model.config) == FimIds(gen.tokenizer.vocab_size, gen.tokenizer.vocab_size + 1)
    assert FimIds.of_model(Generator.debug().model.config) is None
    assert infill_markers(gen.model, "rescore") is None
    with pytest.raises(ValueError, match="trained to fill in the middle"):
        infill_markers(Generator.debug().model, "fim")


def test_the_bars_after_the_gap_are_read_as_the_bars_before_it_were():
    tok = MiditokTokenizer()
    request = infill_request(chorale(bars=6), 3, 4)
    after = after_music(tok, request.given, {}, limit=40)
    assert 0 < len(after) <= 40 and after[0] in tok.bar_ids
    programs = {t for t in tok.tokens(after) if t.startswith("Program_")}
    before = {t for t in tok.tokens(given_music(tok, request.given, {})) if t.startswith("Program_")}
    assert programs == before and len(programs) == 4  # four voices, each as the model read it before the gap
    whole = after_music(tok, request.given, {}, limit=1000)
    assert sum(t in tok.bar_ids for t in whole) == 2  # bars 5-6, all of them when they fit


@pytest.mark.parametrize("mode", ["fim", "fim+rescore", "auto"])
def test_a_fim_model_fills_the_gap_with_what_follows_in_its_prompt(tmp_path, monkeypatch, mode):
    seen = []
    real_sample = candidates_module.sample

    def spy(model, prompt, **kw):
        seen.append((list(prompt), kw["keep_prefix"], kw.get("batch_size")))
        return real_sample(model, prompt, **kw)

    monkeypatch.setattr(candidates_module, "sample", spy)
    piece = chorale(bars=6)
    gen = fim_generator()
    request = Generator.infill_of(piece, "3-4")
    cands = gen.generate(request, n=2, seed=3, infill=mode)
    fim = FimIds.of_model(gen.model.config)
    prompt, keep, batch = seen[0]
    assert prompt.count(fim.hole) == 1 and prompt.count(fim.fill) == 1
    assert keep == prompt.index(fim.fill) + 1  # the prefix and the bars after the gap stay in view
    assert batch == (2 if mode == "fim" else 4)  # auto: fill in the middle and rescore
    kept = sorted(notes_outside(piece, 3, 4))
    for cand in cands:
        assert sorted(notes_outside(cand.score, 3, 4)) == kept
        assert notated_bars(cand.score) == 6
    assert any("fill in the middle" in note for note in request.notes)


def test_rescore_mode_samples_left_to_right_even_with_a_fim_model(monkeypatch):
    seen = []
    real_sample = candidates_module.sample

    def spy(model, prompt, **kw):
        seen.append(list(prompt))
        return real_sample(model, prompt, **kw)

    monkeypatch.setattr(candidates_module, "sample", spy)
    gen = fim_generator()
    gen.generate(Generator.infill_of(chorale(bars=5), "3-3"), n=1, seed=1, infill="rescore")
    fim = FimIds.of_model(gen.model.config)
    assert fim.hole not in seen[0] and fim.fill not in seen[0]


def test_a_plain_model_cannot_be_asked_to_fill_in_the_middle():
    with pytest.raises(ValueError, match="infill='fim' needs a model trained to fill in the middle"):
        Generator.debug().generate(Generator.infill_of(chorale(bars=5), "3-3"), n=1, seed=1, infill="fim")


def test_the_reading_of_the_bars_before_the_gap_is_unchanged_by_the_layout():
    tok = MiditokTokenizer()
    request = infill_request(chorale(bars=6), 3, 4)
    reading = read_given(tok, request.given, {}, 4, tok.condition_ids(request.conditions))
    assert reading.bars == 2 and reading.end_bar == 4
