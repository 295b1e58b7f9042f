"""Conversational discovery of passages: a request about a part of a piece is answered from the index's
segments (piece and bars, and why that part fits), and a follow-up refines from a passage shown."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.discovery.chat import ChatState, Conversation, apply_turn, parse_turn
from partita.discovery.index import DiscoveryIndex
from partita.discovery.segments import asks_for_part, clip_bars, meets

ABC = "X:{x}\nT:{title}\nR:reel\nM:4/4\nL:1/8\nQ:1/4={q}\nK:{key}\n{body}\n"
HIGH = "cdec gece | cdeg c'2 g2 | agfe dcBc | e2d2 c4 |]"
LOW_MINOR = "[K:Am] A,4 C4 | E,4 A,4 | D,4 F,4 | E,8 |]"
TUNES = [
    dict(title="High And Low", key="C", q=120, body=HIGH * 2 + LOW_MINOR * 2),
    dict(title="Steady Reel", key="D", q=100, body="DFAF dFAF | GBdB AFED | DFAF dfed | BdAF D4 |]" * 4),
    dict(title="Minor Air", key="Am", q=90, body="A2c2 e2a2 | a4 e4 | d2f2 a2f2 | e8 |]" * 4),
    dict(title="Quick Minor", key="Em", q=140, body="E2G2 B2e2 | e4 B4 | A2c2 e2c2 | B8 |]" * 4),
]


@pytest.fixture(scope="module")
def passages(tmp_path_factory):
    """(index with segments, index without) of four reels: one high in C major then low in A minor."""
    from partita.corpus import build_corpus, load_corpus
    from partita.discovery.index import build_index

    base = tmp_path_factory.mktemp("passages")
    (base / "abc").mkdir()
    text = "\n".join(ABC.format(x=i + 1, **t) for i, t in enumerate(TUNES))
    (base / "abc" / "reels.abc").write_text("%abc-2.1\n\n" + text)
    build_corpus("reels", [str(base / "abc")], out_dir=base / "corpus", workers=1)
    corpus = load_corpus(base / "corpus")
    build_index(corpus, base / "parts", segments=True)
    build_index(corpus, base / "whole")
    return DiscoveryIndex(base / "parts"), DiscoveryIndex(base / "whole")


@pytest.mark.parametrize(
    "text, part",
    [
        ("the part where the fiddle goes up high", True),
        ("a slow section in minor", True),
        ("the passages in the middle", True),
        ("a four-part chorale", False),
        ("a jig in D major", False),
    ],
)
def test_a_request_about_a_passage_is_told_apart(text, part):
    assert asks_for_part(text) is part
    assert parse_turn(text, False).part is part


def test_like_that_one_but_faster_is_a_refinement_of_the_piece_in_focus():
    turn = parse_turn("something like that one but faster", True)
    assert turn.intent == "more" and turn.piece == 0 and turn.moves == {"tempo": 1}
    assert "tempo" not in turn.attributes
    assert parse_turn("like that part, only slower", True).moves == {"tempo": -1}
    liked = parse_turn("I'd like it faster", True)  # no piece named: a refinement, not "more like"
    assert liked.intent == "add" and liked.attributes["tempo"] == (">", None)
    turn = parse_turn("more like 2, but higher and quieter", True)
    assert turn.piece == 2 and turn.moves == {"pitch": 1, "velocity": -1}
    state = ChatState(parts=True, shown=["a", "b"])
    state.shown_facts = [
        {"tempo": 100.0, "segment": 0, "bars": "1-8", "facts": {"tempo": 100.0, "pitch": 60.0}},
        {"tempo": 80.0, "segment": 3, "bars": "9-16", "facts": {"tempo": 80.0, "pitch": 70.0}},
    ]
    state.focus_on("b")
    assert state.focus == 2
    ack = apply_turn(state, parse_turn("like that one but faster", True))
    assert state.liked_parts == [("b", 3)] and state.liked == ["b"] and "bars 9-16" in ack
    assert state.conditions["tempo"][0] == ">" and state.conditions["tempo"][1] == pytest.approx(88.0)
    assert "tempo" not in state.filters  # a passage's tempo, not the piece's


def test_a_passage_key_and_tempo_condition_the_passages_not_the_pieces():
    state = ChatState()
    apply_turn(state, parse_turn("a section in E minor at 90 bpm", False))
    assert state.parts and state.conditions["key"] == ("=", "E minor")
    assert state.conditions["tempo"] == ("~", 90.0) and not state.filters
    slow = ChatState()
    apply_turn(slow, parse_turn("a slow section", False))  # said in words: slower than the rest
    assert slow.parts and "tempo" not in slow.conditions and "tempo" not in slow.filters
    piece = ChatState()
    apply_turn(piece, parse_turn("a slow piece in E minor", False))
    assert not piece.parts and piece.filters["key"] == ("=", "E minor") and not piece.conditions


def test_conditions_on_the_facts_of_segments():
    facts = {
        "key": ["A minor", "C major", "Bb major", ""],
        "tempo": [90.0, 120.0, 60.0, 0.0],
        "density": [1.0, 2.0, 3.0, 4.0],
        "pitch": [50.0, 70.0, 60.0, 65.0],
        "velocity": [80.0, 80.0, 80.0, 80.0],
    }
    assert meets({"key": ("like", "% minor")}, facts).tolist() == [True, False, False, False]
    assert meets({"key": ("=", "A# major")}, facts).tolist() == [False, False, True, False]
    assert meets({"tempo": ("~", 100.0)}, facts).tolist() == [True, True, False, False]
    assert meets({"tempo": ("<", 100.0), "pitch": (">", 55.0)}, facts).tolist() == [False, False, True, False]
    assert meets({"key": ("not like", "% minor")}, facts).tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match="unknown segment fact"):
        meets({"meter": ("=", "3/4")}, facts)


def test_clip_bars_plays_the_bars_alone():
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("melody", 0)
    for i in range(16 * 4):  # 16 bars of quarter notes, pitch = bar number
        track.notes.append(symusic.Note(i * 480, 400, 60 + i // 4, 90))
    score.tracks.append(track)
    part = clip_bars(score, "9-12")
    pitches = [n.pitch for n in part.tracks[0].notes]
    assert len(pitches) == 16 and set(pitches) == {68, 69, 70, 71}
    assert min(n.time for n in part.tracks[0].notes) == 0
    assert len(clip_bars(score, " 3 ").tracks[0].notes) == 4
    for bad in ("x", "12-9", "40-41"):
        with pytest.raises(ValueError, match="bars"):
            clip_bars(score, bad)


def test_a_passage_request_answers_with_pieces_and_bars(passages):
    parts, whole = passages
    talk = Conversation(parts, k=4)
    turn, ack, hits = talk.say("a section in minor")
    assert turn.intent == "new" and turn.part and "passages" in ack
    assert hits and all(h.fields["segment_facts"]["key"].endswith("minor") for h in hits)
    both = next(h for h in hits if h.fields["title"] == "High And Low")
    assert both.fields["start_bar"] > 0  # its minor half, not its opening
    assert both.fields["why"].startswith(f"bars {both.fields['bars']}") and "minor" in both.fields["why"]
    assert talk.state.shown_facts[0]["bars"] == hits[0].fields["bars"]
    # the same words with whole-piece answers: no bars, and the opening in C major is no reason to skip it
    plain = Conversation(whole, k=4)
    _, ack, flat = plain.say("a section in minor")
    assert "no segments" in ack and all("bars" not in h.fields for h in flat)


def test_the_part_where_it_goes_up_high(passages):
    parts, _ = passages
    _, _, hits = Conversation(parts, k=4).say("the part where it goes up high")
    top = hits[0].fields
    assert top["title"] == "High And Low" and top["start_bar"] == 0
    assert "higher than the rest" in top["segment_met"] and "higher than the rest" in top["why"]


def test_something_like_that_one_but_faster_refines_from_the_passage(passages):
    parts, _ = passages
    talk = Conversation(parts, k=4)
    _, _, hits = talk.say("a section in minor")
    slow = min(hits, key=lambda h: h.fields["segment_facts"]["tempo"])
    talk.state.focus_on(slow.piece_id)
    base = slow.fields["segment_facts"]["tempo"]
    turn, ack, again = talk.say("something like that one but faster")
    assert turn.intent == "more" and slow.fields["bars"] in ack
    assert talk.state.liked_parts == [(slow.piece_id, slow.fields["segment"])]
    assert again and slow.piece_id not in [h.piece_id for h in again]
    assert all(h.fields["segment_facts"]["tempo"] > base * 1.09 for h in again)
    assert all(h.fields["segment_facts"]["key"].endswith("minor") for h in again)
    vector = talk._vector()
    assert np.isclose(np.linalg.norm(vector), 1.0)
    lone = parts.segment_vectors_of([(slow.piece_id, slow.fields["segment"])])
    assert lone.shape == (1, vector.shape[0])
    segs = parts.segments_of(slow.piece_id)
    assert [s["segment"] for s in segs] == list(range(len(segs))) and segs[0]["bars"].startswith("1-")
    with pytest.raises(ValueError, match="not in the index"):
        parts.segment_vectors_of([("nothing", 0)])
