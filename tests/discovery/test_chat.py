"""Conversational discovery: turns parsed into intents, a state of filters, answers with reasons."""

from __future__ import annotations

import pytest

from partita.discovery.chat import ChatState, Conversation, apply_turn, attributes_of, parse_turn
from partita.discovery.index import DiscoveryIndex


@pytest.mark.parametrize(
    ("text", "shown", "intent", "piece"),
    [
        ("I'm looking for a jig in D major", False, "new", None),
        ("in 6/8 please", True, "add", None),
        ("something faster", True, "add", None),
        ("more like 2", True, "more", 2),
        ("like the second one", True, "more", 2),
        ("not the first one", True, "reject", 1),
        ("drop 3", True, "reject", 3),
        ("any key is fine", True, "remove", None),
        ("no jigs", True, "remove", None),
        ("I'll take 4", True, "accept", 4),
        ("start over: a chorale", True, "new", None),
    ],
)
def test_intents(text, shown, intent, piece):
    turn = parse_turn(text, has_results=shown)
    assert turn.intent == intent
    assert turn.piece == piece


def test_a_meter_that_is_not_one_is_no_filter():
    assert "meter" not in attributes_of("a jig in 0/0")
    assert "meter" not in attributes_of("something in 7/3")
    assert attributes_of("a reel in 4/4")["meter"] == ("=", "4/4")


def test_attributes_become_filters():
    found = attributes_of("a lively jig in D major, 6/8, by O'Carolan", composers=["O'Carolan", "Bach"])
    assert found["tune_type"] == ("=", "jig") and found["key"] == ("=", "D major")
    assert found["meter"] == ("=", "6/8") and found["composer"] == ("=", "O'Carolan")
    assert found["tempo"][0] == "~"
    assert attributes_of("something in a minor key")["key"] == ("like", "% minor")
    assert attributes_of("a chorale")["genre"] == ("=", "chorale")


def test_state_cascade_and_removal():
    state = ChatState()
    apply_turn(state, parse_turn("a jig in D major", False))
    apply_turn(state, parse_turn("in 6/8", True))
    where = state.where()
    assert "tune_type = 'jig'" in where and "key = 'D major'" in where and "meter = '6/8'" in where
    apply_turn(state, parse_turn("any key is fine", True))
    assert "key" not in state.filters and "tune_type" in state.filters
    assert not any("D major" in w for w, _ in state.words)  # the words that asked for it are dropped too
    assert any("jig" in w for w, _ in state.words)
    apply_turn(state, parse_turn("no jigs", True))
    assert "tune_type != 'jig'" in state.where() and "tune_type = 'jig'" not in state.where()
    state.shown = ["a", "b"]
    assert "no piece 5" in apply_turn(state, parse_turn("more like 5", True))
    for said in ("I'll take 0", "more like 0", "not 0"):  # 0 is no piece, not "that one"
        assert "no piece 0" in apply_turn(state, parse_turn(said, True))
    assert not state.rejected and state.accepted is None
    apply_turn(state, parse_turn("not 2", True))
    assert state.rejected == {"b"}
    apply_turn(state, parse_turn("start over: a chorale", True))
    assert state.filters == {"genre": ("=", "chorale")} and not state.rejected


def test_a_conversation_over_the_index(tiny_index):
    talk = Conversation(DiscoveryIndex(tiny_index), k=3)
    turn, _, hits = talk.say("a tune in 6/8")
    assert turn.intent == "new" and [h.fields["title"] for h in hits] == ["Little Jig"]
    assert "meter 6/8 as asked" in hits[0].fields["why"]
    turn, _, hits = talk.say("any meter")
    assert turn.intent == "remove" and len(hits) == 3
    first = hits[0].piece_id
    turn, _, hits = talk.say("not the first one")
    assert turn.intent == "reject" and first not in [h.piece_id for h in hits]
    turn, _, hits = talk.say("more like 1")
    assert turn.intent == "more" and hits and all(h.piece_id not in talk.state.liked for h in hits)
    turn, ack, hits = talk.say("I'll take 1")
    assert turn.intent == "accept" and talk.state.accepted and hits == []
    with pytest.raises(ValueError, match="say something"):
        talk.say("  ")
