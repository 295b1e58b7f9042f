"""Accompaniment parts striking with the melody's onsets (issue 21): chorale parts under a soprano wrote
fewer notes together than the real alto, tenor and bass (1.8 notes an onset against 2.3), one voice moving
where the others held, because the onset rule let a single note start wherever held notes met the sounding
floor. With ``event_notes`` (rules/notes_per_onset.py) the sampler writes an onset at each of the melody's
onsets (accompany.strike_with_melody) and starts that many notes there, held notes not counted."""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from tests.generation.test_accompany_density_floor import quarters_melody
from tests.generation.test_accompany_shortest import half_note_melody

from partita.generation import accompany
from partita.generation.accompany import (
    accompaniment_request,
    melody_onsets,
    parts_settings,
    parts_together,
    strike_with_melody,
)
from partita.generation.planning import plan_request
from partita.generation.rules import Constraints, RuleSet
from partita.pipelines import Generator
from partita.tokens import Conditions, MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def _forbidden(tok, constraints: Constraints, tokens: list[str]) -> set[str]:
    """The base tokens the rules forbid after ``tokens`` (the music after the condition prefix)."""
    vocab = tok.miditok.vocab
    row = tok.condition_ids(Conditions()) + [vocab[t] for t in tokens]
    masked = RuleSet(tok, constraints)([row], torch.zeros(1, tok.vocab_size))[0]
    names = {i: t for t, i in vocab.items()}
    return {names[i] for i in torch.nonzero(masked < -1e30).flatten().tolist() if i in names}


def _note(pitch: int, beats: int = 1) -> list[str]:
    return ["Program_52", f"Pitch_{pitch}", "Velocity_79", f"Duration_{beats}.0.8"]


def _asked(**kw) -> Constraints:
    c = dict(meter="4/4", bars=2, programs=[52], notes_per_onset=(1, 3), grammar=True)
    return Constraints(**{**c, **kw})


def test_notes_start_together_on_an_asked_onset_only(tok):
    asked = _asked(event_positions=[(0, 0), (0, 16)], event_notes=2)
    one = ["Bar_None", "TimeSig_4/4", "Position_0", *_note(60)]
    assert {"Position_8", "Bar_None"} <= _forbidden(tok, asked, one)  # a second note first
    assert "Position_8" not in _forbidden(tok, _asked(), one)  # without it one note may start alone
    two = [*one, *_note(64)]
    assert "Position_8" not in _forbidden(tok, asked, two) and "Program_52" not in _forbidden(tok, asked, two)
    between = [*two, "Position_8", *_note(62)]  # an onset the melody does not strike: one note is enough
    assert "Position_12" not in _forbidden(tok, asked, between)


def test_an_asked_onset_is_not_skipped(tok):
    asked = _asked(event_positions=[(0, 0), (0, 16)], event_notes=2)
    two = ["Bar_None", "TimeSig_4/4", "Position_0", *_note(60), *_note(64)]
    gone = _forbidden(tok, asked, two)
    assert {"Position_24", "Bar_None"} <= gone and "Position_16" not in gone  # 16 comes first
    done = [*two, "Position_16", *_note(62), *_note(67)]
    assert "Bar_None" not in _forbidden(tok, asked, done)


def test_the_notes_the_asked_onsets_need_are_kept_for_them(tok):
    asked = _asked(event_positions=[(0, 0), (0, 16)], event_notes=2, max_notes_per_bar=4)
    two = ["Bar_None", "TimeSig_4/4", "Position_0", *_note(60), *_note(64)]
    gone = _forbidden(tok, asked, two)  # 2 notes left, both needed at 16: no onset between
    assert "Position_8" in gone and "Position_16" not in gone
    roomy = _asked(event_positions=[(0, 0), (0, 16)], event_notes=2, max_notes_per_bar=8)
    assert "Position_8" not in _forbidden(tok, roomy, two)


def test_the_melody_onsets_on_the_sampler_grid():
    melody = quarters_melody(bars=2)
    melody.tracks[0].notes[1].time += 1  # off the grid: left out
    request, mel = accompaniment_request(melody, "for choir")
    got = melody_onsets(mel, 8)
    assert got[:2] == [(0, 0), (0, 16)] and (1, 24) in got and len(got) == 7


def test_strike_is_asked_only_where_a_style_is_listed(generator, monkeypatch):
    meters = generator.tokenizer.time_signatures
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {})
    request, mel = accompaniment_request(quarters_melody(), "for choir")
    assert strike_with_melody(request, mel, 8, meters) == 0 and not request.onsets
    assert "event_notes" not in parts_settings(request)
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {"chorale": 3})
    assert strike_with_melody(request, mel, 8, meters) == 3 and len(request.onsets) == 16
    settings = parts_settings(request)
    assert settings["event_notes"] == 3
    c = plan_request(request, generator.tokenizer, generator.config.update(**settings)).constraints
    assert c.event_notes == 3 and (3, 24) in c.event_positions
    half, mel = accompaniment_request(half_note_melody(), "for choir")  # sampled in other bars: not asked
    assert strike_with_melody(half, mel, 8, meters) == 0 and not half.onsets


@pytest.mark.parametrize(
    ("prompt", "asked"), [("for choir", 3), ("a chorale", 3), ("for piano", 0), ("a jig for fiddle", 0)]
)
def test_chorale_parts_only(monkeypatch, prompt, asked):
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {"chorale": 3})
    request, _ = accompaniment_request(quarters_melody(), prompt)
    assert parts_together(request) == asked


def _struck(score) -> tuple[int, int, int]:
    """(the melody's onsets, those a part's note starts at, the parts' notes starting at them) of an
    accompaniment (the melody first)."""
    melody = {int(n.time) for n in score.tracks[0].notes}
    parts = Counter(int(n.time) for t in score.tracks[1:] for n in t.notes)
    return len(melody), sum(1 for t in melody if parts[t]), sum(parts[t] for t in melody)


def test_the_parts_strike_with_the_melody(generator, monkeypatch):
    melody = quarters_melody(bars=2)
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {"chorale": 2})
    (cand,) = generator.accompany(melody, "for choir", n=1, seed=0, selector=None)[1]
    onsets, struck, notes = _struck(cand.score)
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {})
    (plain,) = generator.accompany(melody, "for choir", n=1, seed=0, selector=None)[1]
    _, struck_before, notes_before = _struck(plain.score)
    assert onsets == struck == 8 and notes > onsets  # every melody onset struck, some by two notes
    assert struck_before < 4 and notes_before < onsets  # the debug model's parts went their own way


def test_choir_parts_ask_their_own_density():
    choir, _ = accompaniment_request(quarters_melody(), "for choir")
    piano, _ = accompaniment_request(quarters_melody(), "for piano")
    ratio = accompany.TOGETHER_DENSITY_SCALE / accompany.PARTS_DENSITY_SCALE
    assert choir.conditions.density == pytest.approx(piano.conditions.density * ratio)
