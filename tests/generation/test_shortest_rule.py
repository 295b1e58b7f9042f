"""The shortest note: no duration under it and no onset off its grid."""

import pytest

from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.shortest import _too_fine
from partita.tokens import MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


def test_durations_under_and_positions_off_the_grid_are_too_fine():
    assert _too_fine(["Duration_0.2.8"], 0.5, 8) and _too_fine(["Position_6"], 0.5, 8)
    assert not _too_fine(["Position_4", "Duration_0.4.8", "Duration_2.0.4"], 0.5, 8)


def test_a_piece_with_a_shortest_note_has_none_shorter(tok):
    from partita.pipelines import Generator

    gen = Generator.debug(seed=0)
    prompt = "a Renaissance motet in G minor for four voices, 2 bars"
    shortest = {"renaissance": 0.5}
    (cand, *_) = gen.generate(prompt, n=1, seed=0, wav=False, selector=None, style_shortest=shortest)
    score = cand.score
    tpq = score.ticks_per_quarter
    notes = [n for t in score.tracks for n in t.notes]
    assert notes
    assert all(n.duration >= tpq // 2 for n in notes)  # an eighth at least (4/2 is sampled in quarters)
    assert all(n.time % (tpq // 2) == 0 for n in notes)
    rules = RuleSet(tok, Constraints(meter="4/4", bars=2, shortest=0.5))
    sixteenth = tok.miditok.vocab["Duration_0.2.8"]
    assert bool(rules._static[sixteenth])
    assert not bool(RuleSet(tok, Constraints(meter="4/4", bars=2))._static[sixteenth])
