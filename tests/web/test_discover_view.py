"""The Discover view: a conversation over the index in the page; one session's state is its own; bad input and
a missing index are one sentence."""

from __future__ import annotations

import pytest

from partita.web import Limits
from partita.web.discover import IndexShelf, listen, say
from partita.web.limits import UserError, WorkDir
from partita.web.studio import Studio


@pytest.fixture(scope="module")
def shelf(corpora_root, tmp_path_factory):
    from partita.corpus import load_corpus
    from partita.discovery.index import build_index

    path = tmp_path_factory.mktemp("discover") / "idx"
    build_index(load_corpus(corpora_root / "tunes"), path)
    return IndexShelf(path)


def test_a_conversation_refines_and_keeps_its_own_state(shelf):
    history, rows, state = say(shelf, "a tune in G major", None, None)
    assert [r[1] for r in rows] == ["First Waltz"] and "key G major as asked" in rows[0][6]
    assert history[-1]["role"] == "assistant" and "(new)" in history[-1]["content"]
    history, rows, state = say(shelf, "any key is fine", history, state)
    assert {r[1] for r in rows} == {"First Waltz", "Second Waltz"} and len(history) == 4
    other_history, other_rows, other = say(shelf, "a tune in F major", None, None)  # another session
    assert [r[1] for r in other_rows] == ["Second Waltz"] and other is not state
    _, rows, state = say(shelf, "not the first one", history, state)
    assert len(rows) == 1


def test_bad_turns_and_a_missing_index_are_one_sentence(shelf, tmp_path):
    with pytest.raises(UserError, match="say what you are looking for"):
        say(shelf, "   ", None, None)
    with pytest.raises(UserError, match="characters long"):
        say(shelf, "x" * 400, None, None)
    with pytest.raises(UserError, match="partita index build"):
        say(IndexShelf(tmp_path / "none"), "a jig", None, None)


def test_listen_renders_a_shown_piece(shelf, studio_model, tmp_path):
    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(),
        work=WorkDir(60, tmp_path),
        corpora_root=tmp_path,
    )
    try:
        _, rows, _ = say(shelf, "a tune in G major", None, None)
        wav, roll, caption = listen(studio, shelf, rows[0][2])
        assert roll.endswith(".png") and caption
        with pytest.raises(UserError, match="no piece"):
            listen(studio, shelf, "nothing")
        with pytest.raises(UserError, match="choose a piece"):
            listen(studio, shelf, "")
    finally:
        studio.close()
