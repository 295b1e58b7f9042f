"""Texture words and faders read within the style named (partita.generation.texture)."""

from __future__ import annotations

import pytest

from partita.generation.prompt import project_prompt
from partita.generation.texture import STYLE_TEXTURE, style_texture_value


@pytest.mark.parametrize("style", sorted(STYLE_TEXTURE))
@pytest.mark.parametrize("measure", ["density", "rhythm", "polyphony"])
def test_a_fader_runs_through_the_styles_own_range_in_order(style, measure):
    table = STYLE_TEXTURE[style][measure]
    values = [style_texture_value(style, measure, f) for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert values == sorted(values)
    assert values[0] == pytest.approx(table[0]) and values[-1] == pytest.approx(table[-1])
    assert values[2] == pytest.approx(table[2])  # 0.5: the style's median


def test_a_style_without_a_table_keeps_the_absolute_bins():
    assert style_texture_value("polka", "density", 0.5) is None
    assert style_texture_value(None, "rhythm", 0.5) is None


def test_flowing_asks_a_madrigal_for_what_real_madrigals_do():
    r = project_prompt("a bright madrigal in D minor for four voices, flowing, 8 bars")
    high = STYLE_TEXTURE["renaissance"]["rhythm"][-1]
    assert r.faders["rhythm"] == pytest.approx(0.6)
    assert STYLE_TEXTURE["renaissance"]["rhythm"][2] <= r.conditions.rhythm <= high
    assert any("read within the renaissance style" in n for n in r.notes)


def test_the_same_word_asks_more_of_pop_than_of_a_motet():
    motet = project_prompt("a busy Renaissance motet, 8 bars").conditions
    pop = project_prompt("a busy pop song, 8 bars").conditions
    assert pop.density > 2 * motet.density and pop.rhythm > 2 * motet.rhythm


def test_without_a_style_a_fader_is_read_on_the_absolute_bins():
    sparse, dense = project_prompt("a sparse piece").conditions, project_prompt("a dense piece").conditions
    assert sparse.density < dense.density
    assert not any("read within" in n for n in project_prompt("a sparse piece").notes)


def test_a_note_value_counts_its_onsets_whatever_the_style():
    plain = project_prompt("a melody in eighth notes, 8 bars").conditions.rhythm
    motet = project_prompt("a Renaissance motet in eighth notes, 8 bars").conditions.rhythm
    assert motet == pytest.approx(plain)
    assert motet > STYLE_TEXTURE["renaissance"]["rhythm"][-1]
