"""The step pull: a program's next note a step from its previous one gets the bonus."""

import dataclasses

import pytest
import torch

from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.steps import StepPull
from partita.generation.rules.tables import id_tables
from partita.tokens import MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


@pytest.fixture(scope="module")
def ids(tok):
    return {tok.id_to_token(i): i for i in range(tok.vocab_size)}


def _run(pull: StepPull, seq: list[int]) -> dict:
    row = pull.start()
    for t in seq:
        pull.advance(row, t)
    return row


def _note(ids: dict, program: int, pitch: int) -> list[int]:
    return [ids[f"Program_{program}"], ids[f"Pitch_{pitch}"], ids["Velocity_79"], ids["Duration_1.0.8"]]


def test_after_a_note_the_steps_are_favoured_and_far_leaps_held_back(tok, ids):
    pull = StepPull(id_tables(tok).expansions, weight=2.0)
    seq = [ids["Bar_None"], ids["Position_0"], *_note(ids, 0, 60), ids["Position_8"], ids["Program_0"]]
    row = _run(pull, seq)
    logits = torch.zeros(tok.vocab_size)
    pull.pull(row, None, logits)
    favoured = {tok.id_to_token(i) for i in torch.nonzero(logits > 0).flatten().tolist()}
    assert favoured == {"Pitch_58", "Pitch_59", "Pitch_61", "Pitch_62"}  # steps; the repeated C4 is not
    assert logits[ids["Pitch_60"]] == 0 and logits[ids["Pitch_67"]] == 0
    assert logits[ids["Pitch_73"]] == -2.0 and logits[ids["Pitch_47"]] == -2.0  # beyond an octave
    assert logits[ids["Pitch_72"]] == 0  # an octave itself is no penalty
    assert logits[ids["Position_12"]] == 0 and logits[ids["Program_0"]] == 0


def test_each_program_follows_its_own_line(tok, ids):
    pull = StepPull(id_tables(tok).expansions, weight=1.0)
    seq = [ids["Bar_None"], ids["Position_0"], *_note(ids, 0, 72), *_note(ids, 1, 48)]
    seq += [ids["Position_8"], ids["Program_1"]]
    logits = torch.zeros(tok.vocab_size)
    pull.pull(_run(pull, seq), None, logits)
    assert logits[ids["Pitch_50"]] == 1.0  # program 1 plays next: a step from its C3
    assert logits[ids["Pitch_74"]] == -1.0  # a step from program 0's C5, but far from program 1's C3
    assert logits[ids["Pitch_61"]] == -1.0 and logits[ids["Pitch_60"]] == 0  # 13 and 12 semitones above


def test_a_chord_note_at_the_open_onset_and_a_chord_before_are_not_pulled(tok, ids):
    pull = StepPull(id_tables(tok).expansions, weight=1.0)
    base = [ids["Bar_None"], ids["Position_0"], *_note(ids, 0, 60)]
    logits = torch.zeros(tok.vocab_size)
    pull.pull(_run(pull, [*base, ids["Program_0"]]), None, logits)
    assert not logits.any()  # the same onset: a chord note, not the next note of the line
    chord = [*base, *_note(ids, 0, 64), ids["Position_8"], ids["Program_0"]]
    pull.pull(_run(pull, chord), None, logits)
    assert not logits.any()  # after a chord there is no single line to follow


def test_bpe_ids_carrying_a_position_or_program_before_the_pitch():
    expansions = [
        [],
        ["Position_0", "Program_0", "Pitch_60"],  # 1: opens an onset, program 0, C4
        ["Pitch_62", "Velocity_79"],  # 2: a pitch of the open program
        ["Position_4", "Program_0", "Pitch_61"],  # 3: a new onset of program 0 with C#4
        ["Program_1", "Pitch_61"],  # 4: program 1's C#4 (program 1 has no note yet)
        ["Program_-1", "PitchDrum_36"],  # 5: drums, not followed
    ]
    pull = StepPull(expansions, weight=1.0)
    row = _run(pull, [1])  # program 0 plays C4 at the open onset
    logits = torch.zeros(6)
    pull.pull(row, None, logits)
    # id 3 closes the onset first: C#4 is a step from C4; ids 2 (a chord note of the open onset) and 4 are not
    assert logits.tolist() == [0, 0, 0, 1.0, 0, 0]


def test_the_step_pull_is_built_only_when_asked_and_reaches_the_constraints(tok, monkeypatch):
    from partita.pipelines import debug_generator, generate

    assert not any(isinstance(r, StepPull) for r in RuleSet(tok, Constraints(bars=4, grammar=True)).rules)
    asked = Constraints(bars=4, grammar=True, step_weight=1.0)
    assert any(isinstance(r, StepPull) for r in RuleSet(tok, asked).rules)
    seen = []
    init = RuleSet.__init__

    def spy(self, tokenizer, constraints, **kw):
        seen.append(constraints.step_weight)
        init(self, tokenizer, constraints, **kw)

    monkeypatch.setattr(RuleSet, "__init__", spy)
    model = debug_generator()
    generate("a waltz in G, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a waltz in G, 2 bars", n=1, seed=1, model=model, wav=False, step_weight=1.5)
    assert seen == [0.0, 1.5]


def test_with_a_key_only_steps_to_tones_of_its_scale_are_favoured(tok, ids):
    c_major = (0, 2, 4, 5, 7, 9, 11)
    pull = StepPull(id_tables(tok).expansions, weight=1.0, scale=c_major)
    seq = [ids["Bar_None"], ids["Position_0"], *_note(ids, 0, 64), ids["Position_8"], ids["Program_0"]]
    logits = torch.zeros(tok.vocab_size)
    pull.pull(_run(pull, seq), None, logits)
    favoured = {tok.id_to_token(i) for i in torch.nonzero(logits > 0).flatten().tolist()}
    assert favoured == {"Pitch_62", "Pitch_65"}  # from E4: D4 and F4; D#4 and F#4 are chromatic
    assert logits[ids["Pitch_77"]] == -1.0  # the far leap is held back whatever its scale


def test_a_style_step_weight_reaches_the_constraints_with_the_keys_scale(monkeypatch):
    from partita.pipelines import debug_generator, generate

    seen = []
    init = RuleSet.__init__

    def spy(self, tokenizer, constraints, **kw):
        seen.append((constraints.step_weight, constraints.step_scale))
        init(self, tokenizer, constraints, **kw)

    monkeypatch.setattr(RuleSet, "__init__", spy)
    model = debug_generator()
    model.config = dataclasses.replace(model.config, style_step_weights={"jig": 0.75})
    generate("an Irish jig in D major, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a waltz in G, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("an Irish jig in D major, 2 bars", n=1, seed=1, model=model, wav=False, step_weight=0.0)
    assert seen[0] == (0.75, (1, 2, 4, 6, 7, 9, 11))  # D major
    assert seen[1][0] == 0.0 and seen[2][0] == 0.0
