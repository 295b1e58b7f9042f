"""The token budget spent over all the bars (``Constraints.paced_onset``,
:mod:`partita.generation.rules.budget_pace`): a bar past its share of what was left when it opened starts
one note at a time; a bar within its share, or a piece without the pace, keeps its chords."""

import pytest
import torch

from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.budget_pace import BudgetPace
from partita.tokens import Conditions, MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


def _row(tok, notes_at_onset: int) -> list[int]:
    """A bar line and one onset of ``notes_at_onset`` notes, the last one open for another note."""
    names = ["Bar_None", "TimeSig_4/4", "Position_0"]
    for k in range(notes_at_onset):
        names += ["Program_0", f"Pitch_{60 + 4 * k}", "Velocity_79", "Duration_1.0.8"]
    return tok.condition_ids(Conditions()) + [tok.miditok.vocab[t] for t in names]


def _forbids_a_second_note(tok, budget: int, paced: int) -> bool:
    c = Constraints(meter="4/4", bars=16, grammar=True, token_budget=budget, paced_onset=paced)
    logits = RuleSet(tok, c)([_row(tok, 1)], torch.zeros(1, tok.vocab_size))
    return bool(logits[0, tok.miditok.vocab["Program_0"]] == torch.finfo(logits.dtype).min)


def test_a_bar_past_its_share_starts_one_note_at_a_time(tok):
    # the bar has drawn 7 music tokens: over a share of 108 / 16 = 6.75, within 400 / 16 = 25 (108 leaves the
    # token budget's own rule room: 15 bars to come at 6 tokens and a note's 4)
    assert _forbids_a_second_note(tok, budget=108, paced=1)
    assert not _forbids_a_second_note(tok, budget=400, paced=1)


def test_without_the_pace_or_with_room_for_the_chord_nothing_changes(tok):
    assert not _forbids_a_second_note(tok, budget=108, paced=0)
    assert not _forbids_a_second_note(tok, budget=108, paced=2)  # two may start together


def test_the_rule_is_built_only_with_a_budget_and_bars(tok):
    def built(**kw):
        return any(isinstance(r, BudgetPace) for r in RuleSet(tok, Constraints(grammar=True, **kw)).rules)

    assert built(bars=4, token_budget=100, paced_onset=1)
    assert not built(bars=4, paced_onset=1)
    assert not built(token_budget=100, paced_onset=1)
    assert not built(bars=4, token_budget=100)
