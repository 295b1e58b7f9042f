"""New pieces of styles that keep one tempo keep it (GenerationConfig.style_steady_tempo)."""

from __future__ import annotations

import pytest
from symusic import Note, Score, Tempo, Track

from partita import Generator
from partita.generation import candidates


def _piece(*qpms: float) -> Score:
    s = Score(480)
    t = Track(program=52)
    for i in range(8):
        t.notes.append(Note(i * 480, 480, 60 + i, 80))
    s.tracks.append(t)
    for i, q in enumerate(qpms):
        s.tempos.append(Tempo(i * 960, q))
    return s


def test_sampled_tempo_changes_give_way_to_the_asked_tempo():
    s = _piece(117.8, 126.2, 135.1)
    assert candidates._hold_tempo(s, 76.0)
    assert [(t.time, round(t.qpm, 1)) for t in s.tempos] == [(0, 76.0)]


def test_without_an_asked_tempo_the_first_is_held():
    s = _piece(98.0, 140.0)
    assert candidates._hold_tempo(s, None)
    assert [round(t.qpm, 1) for t in s.tempos] == [98.0]


def test_one_tempo_is_left_as_it_is():
    s = _piece(90.0)
    assert not candidates._hold_tempo(s, 120.0)
    assert [round(t.qpm, 1) for t in s.tempos] == [90.0]


@pytest.mark.parametrize(
    "prompt",
    [
        "a Renaissance motet for four voices, 2 bars, 80 bpm",
        "a chorale for choir, 2 bars, 80 bpm",
        "a pop song for piano in C major, 2 bars, 80 bpm",
    ],
)
def test_a_new_piece_of_a_steady_style_has_one_tempo(prompt):
    gen = Generator.debug(seed=0)
    for candidate in gen.generate(gen.request(prompt), n=2, seed=3, selector=None, wav=False):
        assert len(candidate.score.tempos) <= 1


def test_pop_keeps_one_tempo_by_default():
    """Pop's scores carried a tempo marking every few beats where the model sampled POP909's recorded tempo
    maps (twenty-fifth session); its new pieces now keep one, as the other styles but the jig's do."""
    from partita.generation.config import GenerationConfig

    assert "pop" in GenerationConfig().style_steady_tempo
    assert "jig" not in GenerationConfig().style_steady_tempo
