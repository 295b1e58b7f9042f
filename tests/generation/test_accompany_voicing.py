"""Chorale parts under a given soprano move as voices (issue 21): partita-small's parts under BWV 269's
soprano repeated one pitch for bars, the lower parts crossed, and a part sampled in the soprano's register
was moved down an octave under the others. The parts are now sampled as the chorale's lower voices, in
order, under the melody and clashing with none of its notes where they start, and no voice starts one pitch
more than ``max_repeats`` times running (rules/voice_order.py, accompany.PARTS_VOICING)."""

from __future__ import annotations

import dataclasses

import pytest
from tests.generation.test_accompany_density_floor import quarters_melody
from tests.generation.voice_masks import voice_order_masked

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, parts_settings, strike_with_melody
from partita.generation.planning import plan_request
from partita.pipelines import Generator

RES = 8  # positions per beat
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_8"],
    ["Position_16"],
    ["Program_53"],
    ["Program_54"],
    ["Pitch_60"],
    ["Pitch_64"],
    ["Pitch_65"],
    ["Pitch_72"],
    ["Velocity_79"],
    ["Duration_1.0.8"],
]
ID = {t[0]: i for i, t in enumerate(VOCAB)}
SOPRANO = [(0.0, 2.0, 67), (2.0, 3.0, 70)]  # G4 for two beats, then B-flat 4


def _mask(tokens: list[str], above=(), max_repeats: int = 0):
    masked = voice_order_masked(VOCAB, RES, [53, 54], tokens, above=list(above), max_repeats=max_repeats)
    return {name.split(" ")[0] for name in masked}


def _alto(pitch: int) -> list[str]:
    return ["Program_53", f"Pitch_{pitch}", "Velocity_79", "Duration_1.0.8"]


def test_no_voice_starts_above_the_given_note_or_clashes_with_one_starting_there():
    bad = _mask(["Bar_None", "Position_0", "Program_53"], above=SOPRANO)
    assert "Pitch_72" in bad  # over the soprano's G4
    assert "Pitch_65" in bad  # a second under it, where it starts
    assert not {"Pitch_60", "Pitch_64"} & bad  # a fifth and a third under it
    assert not _mask(["Bar_None", "Position_0", "Program_53"])  # no given voice: nothing to keep under


def test_between_the_given_notes_onsets_only_the_order_holds():
    bad = _mask(["Bar_None", "Position_8", "Program_53"], above=SOPRANO)  # the G4 sounds, started before
    assert "Pitch_72" in bad and "Pitch_65" not in bad
    bad = _mask(["Bar_None", "Position_16", "Program_53"], above=SOPRANO)  # the B-flat starts here
    assert {"Pitch_60", "Pitch_64", "Pitch_72"} <= bad and "Pitch_65" not in bad  # a seventh, a tritone


def test_a_voice_starts_its_pitch_at_most_max_repeats_times_running():
    three = ["Bar_None", "Position_0", *_alto(60), "Position_8", *_alto(60), "Position_16", *_alto(60)]
    assert "Pitch_60" in _mask([*three, "Program_53"], max_repeats=2)
    assert "Pitch_60" not in _mask([*three, "Program_53"], max_repeats=3)
    assert "Pitch_60" not in _mask([*three, "Program_53"])  # no bound asked
    assert "Pitch_60" not in _mask([*three, "Program_54"], max_repeats=2)  # another voice may take it
    moved = ["Bar_None", "Position_0", *_alto(60), "Position_8", *_alto(64), "Position_16", *_alto(60)]
    assert "Pitch_60" not in _mask([*moved, "Program_53"], max_repeats=1)


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def _planned(generator, prompt: str = "for choir"):
    melody = quarters_melody()
    request, mel = accompaniment_request(melody, prompt)
    strike_with_melody(
        request, mel, generator.tokenizer.positions_per_beat, generator.tokenizer.time_signatures
    )
    config = dataclasses.replace(generator.config, **parts_settings(request))
    return request, mel, plan_request(request, generator.tokenizer, config).constraints


@pytest.mark.parametrize("prompt", ["for choir", "a chorale"])
def test_parts_under_a_soprano_are_sampled_as_the_lower_voices_in_order(generator, prompt):
    request, mel, c = _planned(generator, prompt)
    assert request.n_tracks == 3 and request.above_voices == 1
    assert c.voice_order == [53, 54, 48]  # a chorale's alto, tenor and bass, not its soprano, alto, tenor
    assert c.voicing.above[:2] == [(0.0, 1.0, 72), (1.0, 2.0, 74)] and c.voicing.max_repeats == 1
    assert mel.gap == accompany.VOICES_GAP


def test_without_the_voicing_the_parts_are_as_before(generator, monkeypatch):
    monkeypatch.setattr(accompany, "PARTS_VOICING", {})
    request, mel, c = _planned(generator)
    assert request.n_tracks is None and not c.voice_order and not c.voicing.above and mel.gap == 5.0


def test_sampled_parts_keep_under_the_soprano_and_clash_with_none_of_its_onsets(generator, monkeypatch):
    # no repeat bound: with it the untrained model's draws leave the soft rules nothing to keep at times
    monkeypatch.setattr(accompany, "PARTS_VOICING", {"chorale": {"above": 1, "under": 1, "repeats": 0}})
    melody = quarters_melody(bars=2)
    _, cands = generator.accompany(melody, "for choir", n=2, seed=0, selector=None)
    for cand in cands:
        soprano = list(cand.score.tracks[0].notes)
        parts = [n for t in cand.score.tracks[1:] for n in t.notes]
        assert len(cand.score.tracks) == 4 and parts
        for n in parts:
            over = [m for m in soprano if m.time <= n.time < m.time + m.duration]
            assert all(n.pitch <= m.pitch for m in over)
            assert all((m.pitch - n.pitch) % 12 not in (1, 2, 6, 10, 11) for m in over if m.time == n.time)
