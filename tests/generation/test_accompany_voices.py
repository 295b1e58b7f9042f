"""The parts under a melody counted as the voices under it (issue 21): as many sounding together as there are
voices, each moving about as often as the melody, not a whole piece's texture of 3-5-note blocks; the words
and options still win, and melodies in half-note beats keep their own faders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import symusic

from partita.generation import accompany
from partita.generation.accompany import (
    HALF_NOTE_FADERS,
    PARTS_DENSITY,
    PARTS_VOICES,
    accompaniment_request,
    parts_texture,
)
from partita.generation.planning import plan_request
from partita.generation.prompt import project_prompt
from partita.pipelines import Generator
from partita.tokens.conditions import Conditions

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "meter-beats.py"


def melody(quarters: float, meter: tuple[int, int] = (4, 4), bars: int = 4) -> symusic.Score:
    """A melody of notes ``quarters`` long filling ``bars`` bars of ``meter`` (480 ticks a quarter)."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    track = symusic.Track("Soprano", 52, False)
    step, end = round(quarters * 480), bars * meter[0] * 4 * 480 // meter[1]
    for k, t in enumerate(range(0, end, step)):
        track.notes.append(symusic.Note(t, step, 72 + (0, 2, 4, 2)[k % 4], 80))
    s.tracks.append(track)
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def _plan(generator, score, prompt="for choir", **options):
    request, _ = accompaniment_request(score, prompt, **options)
    return request, plan_request(request, generator.tokenizer, generator.config).constraints


@pytest.mark.parametrize("meter", [(4, 4), (3, 4), (6, 8)])
def test_the_parts_are_planned_as_the_voices_under_the_melody_not_as_blocks(generator, meter):
    request, c = _plan(generator, melody(1.0, meter))
    assert request.conditions.polyphony == PARTS_VOICES
    # at most as many notes start together as there are voices; the floor of notes sounding no higher
    # (a whole piece's texture asked 3-5 an onset with 4 or more sounding: five-note clusters under a melody)
    assert c.notes_per_onset[1] <= PARTS_VOICES
    assert c.min_sounding <= PARTS_VOICES
    assert c.max_sounding <= PARTS_VOICES + 1


def test_parts_move_about_as_often_as_their_melody(generator):
    _, slow = _plan(generator, melody(2.0))
    _, busy = _plan(generator, melody(0.5))
    assert slow.max_notes_per_bar is not None and slow.max_notes_per_bar < busy.min_notes_per_bar
    assert slow.max_onsets_per_bar is not None and slow.max_onsets_per_bar < busy.min_onsets_per_bar


def test_parts_texture_scales_the_melodys_own_and_stays_in_range():
    quarter = parts_texture(Conditions(density=1.0, rhythm=1.0), 3)
    assert quarter["polyphony"] == 3.0 and quarter["density"] == 3.0
    assert quarter["rhythm"] == pytest.approx(accompany.PARTS_RHYTHM)
    assert parts_texture(Conditions(density=9.0), 3)["density"] == PARTS_DENSITY[1]
    assert parts_texture(Conditions(density=0.05), 3)["density"] == PARTS_DENSITY[0]
    assert set(parts_texture(Conditions(), 3)) == {"polyphony"}  # nothing measured, nothing derived


def test_words_and_options_still_set_the_texture():
    tune = melody(1.0)
    sparse, _ = accompaniment_request(tune, "sparse, for choir")
    assert sparse.conditions.density == project_prompt("sparse, for choir").conditions.density
    thick, _ = accompaniment_request(tune, "for choir", polyphony=0.9, density=0.9)
    own = project_prompt("for choir", polyphony=0.9, density=0.9).conditions
    assert (thick.conditions.polyphony, thick.conditions.density) == (own.polyphony, own.density)


def test_without_voices_the_faders_come_back(monkeypatch):
    monkeypatch.setattr(accompany, "PARTS_VOICES", None)
    request, _ = accompaniment_request(melody(1.0), "for choir")
    faders = project_prompt("for choir", **accompany.ACCOMPANIMENT_FADERS).conditions
    assert (request.conditions.density, request.conditions.polyphony) == (faders.density, faders.polyphony)


def test_half_note_melodies_keep_their_faders():
    request, _ = accompaniment_request(melody(2.0, (3, 2)), "for choir")
    faders = project_prompt("for choir", **HALF_NOTE_FADERS).conditions
    assert (request.conditions.density, request.conditions.polyphony) == (faders.density, faders.polyphony)
    assert request.conditions.rhythm is None


def test_the_script_counts_notes_per_onset_and_sounding():
    spec = importlib.util.spec_from_file_location("meter_beats", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("parts", 52, False)
    for p in (48, 52, 55, 60):  # a block of four for the bar's first half, then one note for the second
        track.notes.append(symusic.Note(0, 960, p, 80))
    track.notes.append(symusic.Note(960, 960, 50, 80))
    s.tracks.append(track)
    counts = module.onset_counts(s, 1, 1)
    shares = module.shares(counts, 1)
    assert (counts["notes"], counts["onsets"], counts["thick"]) == (5, 2, 1)
    assert shares["notes_per_onset"] == 2.5 and shares["thick_onsets"] == 0.5
    assert shares["sounding"] == 2.5  # four for half the bar, one for the other half
