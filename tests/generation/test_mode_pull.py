"""The mode pull (rules/mode_pull.py): a mode asked without a key is held over the tonic the model chose."""

import pytest
import torch

from partita.generation.config import GenerationConfig
from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules import mode_pull as mp
from partita.generation.rules.mode_pull import ModePull, chosen_tonic
from partita.generation.rules.tables import id_tables
from partita.generation.rules.tracker import Tracker, make_context
from partita.pipelines import Generator
from partita.tokens import Conditions, MiditokTokenizer

C_MAJOR_BAR = ["Bar_None", "Position_0", "Program_0", "Pitch_60", "Pitch_64", "Pitch_67", "Position_8"]
C_MAJOR_BAR += ["Program_0", "Pitch_72", "Position_16", "Program_0", "Pitch_65", "Pitch_69", "Pitch_59"]


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


W = mp.BENCHED_WEIGHT
"""The weight benched (the rule is off by default: docs/PICTURES.md)."""


def _ids(tok, names):
    return [tok.miditok.vocab[n] for n in names]


def test_off_by_default(tok):
    assert GenerationConfig().mode_weight == 0.0 and Constraints().mode_weight == 0.0
    assert ModePull.build(make_context(id_tables(tok), Constraints(mode="minor"))) is None


def test_built_only_for_minor_asked_without_a_key(tok):
    tables = id_tables(tok)
    assert ModePull.build(make_context(tables, Constraints(mode="minor", mode_weight=W))) is not None
    major = Constraints(mode="major", mode_weight=W)
    assert ModePull.build(make_context(tables, major)) is None  # the model's own leaning
    assert ModePull.build(make_context(tables, Constraints(key="C", mode="minor", mode_weight=W))) is None
    assert ModePull.build(make_context(tables, Constraints(mode_weight=W))) is None


def test_after_the_first_bar_the_other_modes_third_and_sixth_lose(tok):
    ctx = make_context(id_tables(tok), Constraints(mode="minor", mode_weight=W))
    rule, tracker = ModePull.build(ctx), Tracker(ctx)
    track = tracker.start()
    state = rule.start(track)
    vocab = tok.miditok.vocab
    for t in _ids(tok, C_MAJOR_BAR):  # the model plays a bar of C major: the tonic is not chosen yet
        tracker.advance(track, t)
        state = rule.advance(state, t, track)
    logits = torch.zeros(tok.vocab_size)
    rule.pull(state, track, logits)
    assert not logits.any()
    bar = vocab["Bar_None"]
    tracker.advance(track, bar)
    state = rule.advance(state, bar, track)  # the second bar opens: C is the tonic, asked minor
    rule.pull(state, track, logits)
    outside = [61, 64, 66, 69, 70]  # C#, E, F#, A, Bb: outside C harmonic minor
    assert all(logits[vocab[f"Pitch_{p}"]] == -W for p in outside)
    assert logits[vocab["Pitch_63"]] == mp.MODE_BONUS and logits[vocab["Pitch_68"]] == mp.MODE_BONUS  # Eb, Ab
    assert all(logits[vocab[f"Pitch_{p}"]] == 0 for p in (60, 62, 65, 67, 71))  # C D F G B: kept, no bonus
    assert logits[bar] == 0 and logits[vocab["Position_8"]] == 0


def test_the_tonic_is_the_best_keys_of_either_mode():
    import numpy as np

    from partita.analysis.key import key_templates

    a_minor = np.zeros(12)
    np.add.at(a_minor, [9, 0, 4, 9, 11, 2, 9, 5, 4], 1)  # A C E A B D A F E: A minor's notes, on A
    assert chosen_tonic(a_minor, key_templates(mp.PROFILE)) == 9
    d_major = np.zeros(12)
    np.add.at(d_major, [2, 6, 9, 2, 4, 1, 2, 7], 1)  # D F# A D E C# D G
    assert chosen_tonic(d_major, key_templates(mp.PROFILE)) == 2


def test_the_ruleset_pulls_a_row_asked_a_mode_and_leaves_one_asked_none(tok):
    music = _ids(tok, [*C_MAJOR_BAR, "Bar_None", "Position_0", "Program_0"])
    rows = [tok.condition_ids(Conditions(mode="minor")) + music]
    e = tok.miditok.vocab["Pitch_64"]
    pulled = RuleSet(tok, Constraints(mode="minor", mode_weight=W))(rows, torch.zeros(1, tok.vocab_size))
    plain = RuleSet(tok, Constraints(mode_weight=W))(rows, torch.zeros(1, tok.vocab_size))
    keyed = RuleSet(tok, Constraints(key="C", mode="minor", mode_weight=W))
    keyed = keyed(rows, torch.zeros(1, tok.vocab_size))
    assert pulled[0, e] < 0 and plain[0, e] == 0 and keyed[0, e] == 0


def _notes(cands):
    return [[(n.time, n.pitch, n.duration) for t in c.score.tracks for n in t.notes] for c in cands]


@pytest.mark.parametrize("prompt", ["a waltz for piano, 2 bars", "a piece in D minor for piano, 2 bars"])
def test_a_prompt_with_a_key_or_no_mode_samples_the_same_notes(prompt):
    gen = Generator.debug(seed=0)
    request = gen.request(prompt)
    assert request.conditions.key or not request.conditions.mode
    with_rule = _notes(gen.generate(prompt, n=2, seed=3, wav=False, selector=None, mode_weight=W))
    without = _notes(gen.generate(prompt, n=2, seed=3, wav=False, selector=None))
    assert with_rule == without


def test_a_mode_without_a_key_changes_what_is_sampled(monkeypatch):
    from partita.generation import planning

    monkeypatch.setattr(planning, "CHOOSE_KEY", False)  # else the plan chooses a key: the rule is not built
    gen = Generator.debug(seed=0)

    def minor(bars: int = 3):
        request = gen.request(f"a piece for piano, {bars} bars")
        request.conditions.mode = "minor"
        return request

    pulled = gen.generate(minor(), n=2, seed=3, wav=False, selector=None, mode_weight=60.0)
    plain = gen.generate(minor(), n=2, seed=3, wav=False, selector=None)
    assert _notes(pulled) != _notes(plain)
