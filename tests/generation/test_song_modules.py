"""The song's page and whole-song assembly live in their own modules; their names stay importable from
``partita.generation.song`` as before."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("song_musicxml", "song_page"),
        ("write_song_midi", "song_page"),
        ("line_pinyin", "song_page"),
        ("assemble", "song_sections"),
        ("section_score", "song_sections"),
    ],
)
def test_a_moved_name_is_the_same_object_from_song(name, home):
    import importlib

    from partita.generation import song

    assert getattr(song, name) is getattr(importlib.import_module(f"partita.generation.{home}"), name)


def test_an_unknown_name_is_an_attribute_error():
    from partita.generation import song

    with pytest.raises(AttributeError, match="no_such_name"):
        song.no_such_name  # noqa: B018
