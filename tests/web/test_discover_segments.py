"""The Discover view with passages: rows give the bars, Listen plays those bars alone and makes the passage
"that one" of a follow-up; the view's events are wired to the discovery API."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.web.discover import HEADERS, IndexShelf, listen, pick, say
from partita.web.limits import UserError

SONGS = """%abc-2.1

X:1
T:Up Then Down
M:4/4
L:1/8
Q:1/4=110
K:G
gabg d'bge | gabg d'2b2 | c'bag fgaf | g4 g4 |]gabg d'bge | gabg d'2b2 | c'bag fgaf | g4 g4 |]
[K:Em] E,4 G,4 | B,,4 E,4 | A,,4 C,4 | B,,8 |]E,4 G,4 | B,,4 E,4 | A,,4 C,4 | B,,8 |]

X:2
T:Even Hornpipe
M:4/4
L:1/8
Q:1/4=90
K:A
A2ce a2ec | B2dB A2F2 | A2ce a2ec | e2B2 A4 |]A2ce a2ec | B2dB A2F2 | A2ce a2ec | e2B2 A4 |]

X:3
T:Fast Lament
M:4/4
L:1/8
Q:1/4=150
K:Dm
D2F2 A2d2 | d4 A4 | G2B2 d2B2 | A8 |]D2F2 A2d2 | d4 A4 | G2B2 d2B2 | A8 |]
"""


@pytest.fixture(scope="module")
def parts_shelf(tmp_path_factory):
    from partita.corpus import build_corpus, load_corpus
    from partita.discovery.index import build_index

    base = tmp_path_factory.mktemp("discover-parts")
    (base / "songs").mkdir()
    (base / "songs" / "songs.abc").write_text(SONGS)
    build_corpus("songs", [str(base / "songs")], out_dir=base / "corpus", workers=1)
    build_index(load_corpus(base / "corpus"), base / "idx", segments=True)
    return IndexShelf(base / "idx")


def test_a_passage_request_lists_pieces_with_their_bars(parts_shelf):
    history, rows, state = say(parts_shelf, "a section in minor", None, None)
    assert HEADERS[7] == "bars" and rows and all(r[7] for r in rows)
    assert "passages (piece and bars)" in history[-1]["content"]
    low = next(r for r in rows if r[1] == "Up Then Down")
    assert not low[7].startswith("1-") and low[6].startswith(f"bars {low[7]}")
    _, whole, _ = say(parts_shelf, "start over: a hornpipe in A major", history, state)
    assert whole and all(r[7] == "" for r in whole)  # a whole-piece request: no bars
    assert pick(rows, 0) == (rows[0][2], rows[0][7]) and pick(whole, 0) == (whole[0][2], "")
    with pytest.raises(UserError, match="choose a row"):
        pick(rows, len(rows))


def test_listen_plays_the_bars_and_a_follow_up_refines_from_them(parts_shelf, local):
    _, rows, state = say(parts_shelf, "the part where it goes up high", None, None)
    top = next(r for r in rows if r[1] == "Up Then Down")
    wav, roll, caption = listen(local, parts_shelf, top[2], top[7], state)
    assert Path(roll).name.endswith(f"bars-{top[7]}-pianoroll.png")
    assert caption.startswith(f"bars {top[7]} ")
    assert state.focus == rows.index(top) + 1
    _, whole_roll, whole_caption = listen(local, parts_shelf, top[2], "", None)
    assert whole_caption != caption and "bars" not in Path(whole_roll).name
    history, again, state = say(parts_shelf, "something like that one but lower", [], state)
    assert "(more)" in history[-1]["content"] and top[7] in history[-1]["content"]
    assert top[2] not in [r[2] for r in again]
    with pytest.raises(UserError, match="bars"):
        listen(local, parts_shelf, top[2], "90-99", state)


@pytest.mark.filterwarnings("error::UserWarning")  # Gradio warns when a handler's arguments do not match
def test_the_view_wires_the_passage_events(studio_model, tmp_path):
    from partita.web import build_app

    app = build_app(studio_model, corpora_root=tmp_path)
    try:
        names = {d.get("api_name"): d for d in app.config["dependencies"]}
        assert {"discover_say", "discover_piece", "discover_pick"} <= set(names)
        assert len(names["discover_piece"]["inputs"]) == 3 and len(names["discover_say"]["outputs"]) == 6
    finally:
        app.studio.close()
