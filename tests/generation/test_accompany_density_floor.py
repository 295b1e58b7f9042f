"""The parts under a melody are asked for fewer notes a quarter than the voices' count times the melody's
(issue 21): the density bin's lower edge becomes the fewest notes a bar, and three voices in quarters sat on
the edge, so the model crammed short notes into the bar's last beat to meet it; and the script that measured
it counts the bars whose downbeat starts a note."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import symusic

from partita.generation import accompany
from partita.generation.accompany import (
    PARTS_DENSITY_SCALE,
    PARTS_VOICES,
    accompaniment_request,
    parts_texture,
)
from partita.generation.planning import plan_request
from partita.pipelines import Generator
from partita.tokens.conditions import Conditions

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "meter-beats.py"


def quarters_melody(meter: tuple[int, int] = (4, 4), bars: int = 4) -> symusic.Score:
    """A melody of quarter notes filling ``bars`` bars of ``meter`` (480 ticks a quarter)."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    track = symusic.Track("Soprano", 52, False)
    for k, t in enumerate(range(0, bars * meter[0] * 480, 480)):
        track.notes.append(symusic.Note(t, 480, 72 + (0, 2, 4, 2)[k % 4], 80))
    s.tracks.append(track)
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def _constraints(generator, score):
    request, _ = accompaniment_request(score, "for choir")
    return request, plan_request(request, generator.tokenizer, generator.config).constraints


@pytest.mark.parametrize("meter", [(4, 4), (3, 4)])
def test_the_voices_in_quarters_are_not_forced_past_what_they_play(generator, meter):
    request, c = _constraints(generator, quarters_melody(meter))
    voices_notes = PARTS_VOICES * meter[0]  # each voice a note a quarter
    assert request.conditions.density < PARTS_VOICES  # under the melody's notes times the voices
    # the floor of notes a bar lies under what the voices play, so no bar has to be filled at its end
    assert c.min_notes_per_bar < voices_notes <= c.max_notes_per_bar


def test_without_the_scale_the_floor_is_what_the_voices_play(generator, monkeypatch):
    monkeypatch.setattr(accompany, "PARTS_DENSITY_SCALE", 1.0)
    monkeypatch.setattr(accompany, "PARTS_TOGETHER", {})  # parts striking with the melody: their own scale
    _, c = _constraints(generator, quarters_melody())
    assert c.min_notes_per_bar == PARTS_VOICES * 4  # the floor the model crammed notes into bar ends to meet


def test_parts_texture_takes_the_scale():
    melody = Conditions(density=1.0, rhythm=1.0)
    assert parts_texture(melody, 3)["density"] == 3.0
    assert parts_texture(melody, 3, PARTS_DENSITY_SCALE)["density"] == pytest.approx(
        3.0 * PARTS_DENSITY_SCALE
    )
    assert parts_texture(melody, 3, 0.8)["rhythm"] == parts_texture(melody, 3)["rhythm"]  # onsets as before


@pytest.fixture(scope="module")
def meter_beats():
    spec = importlib.util.spec_from_file_location("meter_beats_struck", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_counts_struck_downbeats(meter_beats):
    notes = [
        (0, 480),  # bar 1: its downbeat struck
        (1680, 960),  # held over bar 2's downbeat, struck nowhere there
        (4320, 480),  # bar 3: a note on its second beat only
    ]
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    s.tracks.append(symusic.Track("parts", 52, False))
    s.tracks[0].notes.extend(symusic.Note(t, d, 50, 80) for t, d in notes)
    counts = meter_beats.onset_counts(s, 1, 3)
    assert (counts["bars"], counts["struck_bars"]) == (3, 1)
    assert meter_beats.shares(counts, 3)["struck_downbeats"] == pytest.approx(1 / 3, abs=1e-3)
