"""Pop parts under a melody in quarter-note beats write no note shorter than an eighth and start none off the
eighth grid (issue 21): they held their notes far shorter than POP909's own parts (a third of a quarter
against nine tenths) and wrote half as many again; other styles are asked as before."""

from __future__ import annotations

import pytest
import symusic
from tests.generation.test_accompany_density_floor import quarters_melody

from partita.generation import accompany
from partita.generation.accompany import PARTS_SHORTEST, accompaniment_request, parts_settings
from partita.generation.planning import plan_request
from partita.pipelines import Generator
from partita.score.bars import bar_lines


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def half_note_melody(meter: tuple[int, int] = (3, 2), bars: int = 4) -> symusic.Score:
    s = quarters_melody((4, 4), 1)
    s.time_signatures[0] = symusic.TimeSignature(0, *meter)
    track = s.tracks[0]
    track.notes.clear()
    for k in range(bars * meter[0]):
        track.notes.append(symusic.Note(k * 960, 960, 72 - (k % 3), 80))
    return s


def test_a_pop_melody_in_quarter_beats_asks_eighths_at_least(generator):
    request, _ = accompaniment_request(quarters_melody(), "a pop song for piano")
    settings = parts_settings(request)
    c = plan_request(request, generator.tokenizer, generator.config.update(**settings)).constraints
    assert PARTS_SHORTEST["pop"] == 0.5 and c.shortest == 0.5
    plain = plan_request(request, generator.tokenizer, generator.config).constraints
    assert plain.shortest == 0.0  # a new pop piece is not bounded


@pytest.mark.parametrize("prompt", ["for choir", "a jig for fiddle"])
def test_other_styles_are_asked_as_before(prompt):
    assert parts_settings(accompaniment_request(quarters_melody(), prompt)[0]) == {}


def test_half_note_melodies_and_an_unlisted_style_ask_nothing(monkeypatch):
    monkeypatch.setattr(accompany, "PARTS_SHORTEST", {"pop": 0.5, "": 0.5})
    request, _ = accompaniment_request(half_note_melody(), "for choir")
    assert request.conditions.meter == "3/2" and parts_settings(request) == {}
    assert parts_settings(accompaniment_request(quarters_melody(), "for choir")[0]) != {}
    monkeypatch.setattr(accompany, "PARTS_SHORTEST", {})
    assert parts_settings(accompaniment_request(quarters_melody(), "a pop song for piano")[0]) == {}


def _off_grid(score: symusic.Score, melody_tracks: int = 1) -> int:
    """Parts' notes of ``score`` starting off the eighth grid or shorter than an eighth (but at the end)."""
    eighth = int(score.ticks_per_quarter) // 2
    end = bar_lines(score, 4)[-1]
    bad = 0
    for track in score.tracks[melody_tracks:]:
        for n in track.notes:
            short = n.duration < eighth and n.time + n.duration < end
            bad += n.time % eighth != 0 or short
    return bad


def test_pop_parts_write_no_sixteenths(generator, monkeypatch):
    # the sampled parts (pop's default is a POP909 figure, whose sixteenths are the song's own)
    melody, prompt = quarters_melody(), "a pop song for piano"
    _, cands = generator.accompany(melody, prompt, n=2, seed=0, selector=None, figures=False)
    assert sum(len(t.notes) for c in cands for t in c.score.tracks[1:]) > 0
    assert sum(_off_grid(c.score) for c in cands) == 0
    monkeypatch.setattr(accompany, "PARTS_SHORTEST", {})  # as before: the debug model's sixteenths
    _, cands = generator.accompany(melody, prompt, n=2, seed=0, selector=None, figures=False)
    assert sum(_off_grid(c.score) for c in cands) > 0
