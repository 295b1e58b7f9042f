"""The optional local language model of the conversation: a fake OpenAI-compatible server on localhost reads
the turns; a good answer becomes the Turn it says, anything else falls back to the rules with one warning."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from partita.discovery.chat import Conversation, parse_turn
from partita.discovery.chat_endpoint import (
    EXAMPLES,
    AnswerError,
    ChatEndpoint,
    EndpointParser,
    answer_of,
    endpoint_from_env,
    turn_of,
)
from partita.discovery.index import DiscoveryIndex

COMPOSERS = ["Johann Sebastian Bach", "Turlough O'Carolan"]


class FakeServer:
    """A chat-completions server in a thread: ``reply`` (the message content, a status code, or "sleep")
    is what it answers; ``requests`` holds (path, body) of each request."""

    def __init__(self) -> None:
        self.reply: object = "{}"
        self.requests: list[tuple[str, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, body))
                if fake.reply == "sleep":
                    time.sleep(1.0)
                if isinstance(fake.reply, int):
                    self.send_response(fake.reply)
                    self.end_headers()
                    return
                if callable(fake.reply):
                    data = json.dumps({"choices": [{"message": {"content": fake.reply(body)}}]}).encode()
                elif isinstance(fake.reply, bytes):
                    data = fake.reply
                else:
                    content = fake.reply if isinstance(fake.reply, str) else json.dumps(fake.reply)
                    data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
                    data = data.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def server():
    fake = FakeServer()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


@pytest.fixture()
def parser(server):
    server.requests.clear()
    return EndpointParser(ChatEndpoint(server.url, "tiny-model", timeout=0.3))


def test_a_good_answer_is_the_turn(server, parser, caplog):
    server.reply = {"intent": "add", "attributes": {"key": "E-flat major", "meter": "6/8", "tempo": "lively"}}
    with caplog.at_level(logging.WARNING):
        turn = parser("in E flat major and 6/8, something lively", True, COMPOSERS)
    assert turn.intent == "add" and parser.read == 1 and parser.fell_back == 0 and not caplog.records
    assert turn.attributes == {"key": ("=", "Eb major"), "meter": ("=", "6/8"), "tempo": ("~", 146.0)}
    path, body = server.requests[-1]
    assert path == "/v1/chat/completions" and body["model"] == "tiny-model" and body["temperature"] == 0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert (
        "Bach" in body["messages"][0]["content"] and "turn: in E flat major" in body["messages"][1]["content"]
    )
    # where the rules misread a turn, the model's reading is the one used
    server.reply = "```json\n" + json.dumps({"intent": "accept", "piece": 2}) + "\n```"
    assert parse_turn("I will have the second", True).intent == "add"
    turn = parser("I will have the second", True, COMPOSERS)
    assert (turn.intent, turn.piece) == ("accept", 2)
    server.reply = {"intent": "more", "piece": 0, "attributes": {"tempo": "faster"}}
    turn = parser("something like that, only quicker", True, COMPOSERS)
    assert (turn.intent, turn.piece, turn.moves, turn.attributes) == ("more", 0, {"tempo": 1}, {})
    server.reply = {"intent": "remove", "excluded": {"tune_type": "jigs"}, "cleared": ["key"]}
    turn = parser("no jigs and any key", True, COMPOSERS)
    assert turn.excluded == {"tune_type": ("!=", "jig")} and turn.cleared == ["key"]
    server.reply = {"intent": "new", "attributes": {"composer": "O'Carolan", "genre": "chorale"}}
    turn = parser("a chorale by o'carolan", False, COMPOSERS)
    assert turn.attributes == {"composer": ("=", "Turlough O'Carolan"), "genre": ("=", "chorale")}


@pytest.mark.parametrize(("text", "shown"), EXAMPLES)
def test_the_rules_answer_reads_back_as_the_rules_turn(text, shown):
    rules = parse_turn(text, shown, COMPOSERS)
    assert turn_of(json.loads(json.dumps(answer_of(rules))), text, shown, COMPOSERS) == rules


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("Sure! You want a jig in D major.", "not JSON"),
        (500, "HTTP 500"),
        ("sleep", "no answer within 0.3 s"),
        (b"<html>not a completion</html>", "not an OpenAI chat completion"),
        ({"intent": "find", "attributes": {}}, "unknown intent 'find'"),
        ('["add"]', "not a JSON object"),
    ],
)
def test_a_failure_falls_back_to_the_rules(server, parser, caplog, reply, why):
    server.reply = reply
    text = "a jig in D major"
    with caplog.at_level(logging.WARNING, logger="partita.discovery.chat_endpoint"):
        turn = parser(text, False, COMPOSERS)
    assert turn == parse_turn(text, False, COMPOSERS)
    assert parser.fell_back == 1 and parser.read == 0 and why in parser.last_error
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "read by the rules" in warnings[0].getMessage()


def test_nothing_listening_falls_back(caplog):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    parser = EndpointParser(ChatEndpoint(f"http://127.0.0.1:{port}/v1", timeout=0.5))
    with caplog.at_level(logging.WARNING, logger="partita.discovery.chat_endpoint"):
        turn = parser("more like 2", True)
    assert turn == parse_turn("more like 2", True) and parser.fell_back == 1
    assert len(caplog.records) == 1 and "refused" in parser.last_error.lower()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"intent": "add", "attributes": {"instrument": "fiddle"}}, "unknown attribute 'instrument'"),
        ({"intent": "add", "attributes": {"mood": "sad"}}, "unknown attribute 'mood'"),
        ({"intent": "add", "attributes": {"tune_type": "waltz"}}, "unknown tune type"),
        ({"intent": "add", "attributes": {"genre": "jazz"}}, "unknown genre"),
        ({"intent": "add", "attributes": {"key": "D"}}, "is not a key"),
        ({"intent": "add", "attributes": {"key": "H dorian"}}, "is not a key"),
        ({"intent": "add", "attributes": {"meter": "6/7"}}, "is not a meter"),
        ({"intent": "add", "attributes": {"tempo": 2000}}, "tempo"),
        ({"intent": "add", "attributes": {"composer": "Mozart"}}, "not in the index"),
        ({"intent": "add", "excluded": {"tempo": "faster"}}, "cannot be ruled out"),
        ({"intent": "remove", "cleared": ["mood"]}, "cleared"),
        ({"intent": "more", "piece": "two"}, "not a piece's number"),
        ({"intent": "reject"}, "must name a piece"),
        ({"intent": "more", "piece": 1, "moves": {"tempo": 5}}, "moves"),
        ({"intent": "add", "part": "yes"}, "part"),
        ({"intent": "add", "reason": "because"}, "unknown key(s) reason"),
    ],
)
def test_an_answer_outside_what_the_rules_know_is_rejected(answer, message):
    with pytest.raises(AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        turn_of(answer, "some turn", True, COMPOSERS)


def test_an_unknown_attribute_falls_back(server, parser, caplog):
    server.reply = {"intent": "new", "attributes": {"tune_type": "reel", "instrument": "fiddle"}}
    with caplog.at_level(logging.WARNING, logger="partita.discovery.chat_endpoint"):
        turn = parser("a fiddle reel", False, COMPOSERS)
    assert turn == parse_turn("a fiddle reel", False, COMPOSERS) and parser.fell_back == 1
    assert "unknown attribute 'instrument'" in caplog.records[0].getMessage()


def test_the_endpoint_is_checked_and_taken_from_the_environment():
    with pytest.raises(ValueError, match="not an http"):
        ChatEndpoint("localhost:8080")
    assert ChatEndpoint("http://h:1/v1/").completions_url == "http://h:1/v1/chat/completions"
    assert ChatEndpoint("http://h:1/v1/chat/completions").completions_url == "http://h:1/v1/chat/completions"
    assert endpoint_from_env({}) is None
    found = endpoint_from_env(
        {"PARTITA_CHAT_ENDPOINT": "http://localhost:11434/v1", "PARTITA_CHAT_MODEL": "q"}
    )
    assert found == ChatEndpoint("http://localhost:11434/v1", "q")


def test_a_conversation_through_the_endpoint(server, parser, tiny_index):
    talk = Conversation(DiscoveryIndex(tiny_index), k=3, parser=parser)
    server.reply = {"intent": "new", "attributes": {"meter": "6/8"}}
    turn, _, hits = talk.say("a tune in six-eight")  # the rules read no meter in these words
    assert "meter" not in parse_turn("a tune in six-eight", False).attributes
    assert turn.intent == "new" and [h.fields["title"] for h in hits] == ["Little Jig"]
    server.reply = 503
    turn, _, hits = talk.say("any meter")  # read by the rules
    assert turn.intent == "remove" and len(hits) == 3 and parser.fell_back == 1


def test_the_chat_command_takes_an_endpoint(server, tiny_index, capsys, monkeypatch):
    from partita.cli.main import main

    server.reply = {"intent": "new", "attributes": {"meter": "6/8"}}
    monkeypatch.setenv("PARTITA_CHAT_ENDPOINT", server.url)
    assert main(["chat", "--say", "a tune in six-eight", "--index", str(tiny_index), "-k", "2"]) == 0
    captured = capsys.readouterr()
    assert "Little Jig" in captured.out and f"turns read by {server.url}" in captured.err
    assert server.requests[-1][1]["model"] == "default"
    assert main(["chat", "--say", "a jig", "--endpoint", "nowhere", "--index", str(tiny_index)]) != 0
    err = capsys.readouterr().err
    assert "not an http" in err and "Traceback" not in err


def rules_echo(body: dict) -> str:
    """A fake model that reads the turn as the rules do."""
    said = body["messages"][-1]["content"]
    shown, text = said.removeprefix("pieces shown: ").split("; turn: ", 1)
    return json.dumps(answer_of(parse_turn(text, shown == "yes")))


def test_the_bench_plays_the_same_dialogue_through_the_endpoint(server, parser, tiny_index):
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_chat import run_dialogue

    index = DiscoveryIndex(tiny_index)
    rows = index.table.to_arrow().select(["piece_id", "title"]).to_pylist()
    target = next(r["piece_id"] for r in rows if r["title"] == "Little Jig")
    labels = {"tune_type": "jig", "key": "G major", "meter": "6/8"}
    labels_of = {r["piece_id"]: r["piece_id"] for r in rows}
    server.reply = rules_echo
    alone, with_endpoint = random.Random(3), random.Random(3)
    ruled, none = run_dialogue(index, target, labels, labels_of, alone)
    again, read = run_dialogue(index, target, labels, labels_of, with_endpoint, parser)
    assert none is None and again == ruled and alone.getstate() == with_endpoint.getstate()
    assert parser.read == len(read) >= 3 and parser.fell_back == 0
    assert [(t["gold"], t["parsed"], t["chat"]) for t in read] == [
        (t["gold"], t["parsed"], t["chat"]) for t in ruled
    ]


def test_the_studio_reads_the_endpoint_from_the_environment(server, tiny_index, monkeypatch, caplog):
    from partita.web.discover import IndexShelf, say

    monkeypatch.setenv("PARTITA_CHAT_ENDPOINT", server.url)
    monkeypatch.setenv("PARTITA_CHAT_MODEL", "studio-model")
    server.reply = {"intent": "new", "attributes": {"meter": "6/8"}}
    _, rows, _ = say(IndexShelf(tiny_index), "a tune in six-eight", None, None)
    assert [r[1] for r in rows] == ["Little Jig"] and server.requests[-1][1]["model"] == "studio-model"
    monkeypatch.setenv("PARTITA_CHAT_ENDPOINT", "ftp://nowhere")
    with caplog.at_level(logging.WARNING, logger="partita.web.discover"):
        assert IndexShelf(tiny_index).parser is None
    assert "not an http" in caplog.records[0].getMessage()
    monkeypatch.delenv("PARTITA_CHAT_ENDPOINT")
    assert IndexShelf(tiny_index).parser is None
