"""The Compose view's preferences: pick the better of two candidates or rate one, stored with the prompt,
both pieces and the model version; bad input is one message, and nothing is stored for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.training.preferences import load_preferences, model_version
from partita.web import Limits
from partita.web.compose import compose
from partita.web.limits import UserError, WorkDir
from partita.web.prefs import record_choice, record_rating
from partita.web.studio import Studio

PROMPT = "a piano piece in C major, 2 bars"


@pytest.fixture(scope="module")
def studio_once(studio_model, tmp_path_factory):
    """A studio of the taught debug model without a server (one for this module)."""
    root = tmp_path_factory.mktemp("prefs-studio")
    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(max_candidates=2, max_bars=4),
        work=WorkDir(600, root / "work"),
        corpora_root=root,
    )
    yield studio
    studio.close()


@pytest.fixture
def local(studio_once, tmp_path):
    """The studio with a preference store of this test's own."""
    studio_once.prefs_store = tmp_path / "prefs.db"
    return studio_once


@pytest.fixture(scope="module")
def answer(studio_once):
    """The page's state after one Compose answer of two candidates (as ComposeView's handler returns it)."""
    summary, _files, views = compose(studio_once, PROMPT, n=2, seed=3)
    return {"explain": summary["explain"], "candidates": views, "prompt": PROMPT}


def test_choice_is_stored_with_both_pieces_and_the_model_version(local, answer):
    said = record_choice(local, answer, "candidate 2")
    assert said.startswith("Stored: candidate 2 preferred")
    (pref,) = load_preferences(local.prefs_store)
    assert (pref.kind, pref.winner, pref.prompt, pref.model) == ("pair", "b", PROMPT, "debug")
    assert pref.model_version == model_version(local.model.model)
    first = answer["candidates"][0]["paths"]["midi"]
    assert pref.piece_a == Path(first).read_bytes() and pref.piece_b[:4] == b"MThd"
    assert pref.meta["seeds"] == [3, 3] and pref.meta["samples"] == [1, 2]
    record_choice(local, answer, "about the same")
    assert [p.winner for p in load_preferences(local.prefs_store)] == ["b", "tie"]


def test_rating_is_stored(local, answer):
    assert "rated 4 of 5" in record_rating(local, answer, 1, 4)
    (pref,) = load_preferences(local.prefs_store)
    assert (pref.kind, pref.rating, pref.piece_b) == ("rating", 4.0, None)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s, a: record_choice(s, {}, "candidate 1"), "generate candidates first"),
        (lambda s, a: record_choice(s, {**a, "candidates": a["candidates"][:1]}, "a"), "needs 2 candidates"),
        (lambda s, a: record_choice(s, a, "both!"), "choose candidate 1"),
        (lambda s, a: record_rating(s, a, 3, 4), "candidates 1 to 2"),
        (lambda s, a: record_rating(s, a, 1, 7), "rate from 1 to 5"),
        (lambda s, a: record_rating(s, a, "x", 2), "candidate's number"),
    ],
)
def test_bad_input_is_one_message_and_stores_nothing(local, answer, call, message):
    with pytest.raises(UserError, match=message) as err:
        call(local, answer)
    assert "\n" not in str(err.value)
    assert not local.prefs_store.exists() or not load_preferences(local.prefs_store)


def test_a_vanished_file_is_a_message(local, answer, tmp_path):
    gone = {**answer["candidates"][1], "paths": {"midi": str(tmp_path / "removed.mid")}}
    with pytest.raises(UserError, match="generate again"):
        record_choice(local, {**answer, "candidates": [answer["candidates"][0], gone]}, "candidate 1")
