"""A style's implied voices count the melody as one of them (issue 21): "a chorale" under a soprano asked for
four more voices (five in all); a chorale's parts under its soprano are the alto, tenor and bass."""

from __future__ import annotations

from tests.generation.test_accompany_density_floor import quarters_melody

from partita.generation.accompany import accompaniment_request
from partita.generation.prompt import project_prompt


def test_a_chorale_under_a_soprano_asks_three_parts():
    assert project_prompt("a chorale").n_tracks == 4  # a new chorale: four voices
    request, _ = accompaniment_request(quarters_melody(), "a chorale")
    assert request.n_tracks == 3
    assert any("the melody one of them" in n for n in request.notes)
    assert not any(n == "4 voices implied by the style" for n in request.notes)


def test_a_count_in_the_words_is_kept():
    request, _ = accompaniment_request(quarters_melody(), "a chorale in four parts")
    assert request.n_tracks == 4


def test_instruments_keep_the_styles_count():
    request, _ = accompaniment_request(quarters_melody(), "a pop song for piano")
    assert request.n_tracks == project_prompt("a pop song for piano").n_tracks
