"""An optional language model for the conversation: an OpenAI-compatible endpoint the user runs locally.

The conversation (:mod:`partita.discovery.chat`) reads each turn with rules and needs no language model. A
person who runs a chat server on their own machine (llama.cpp's ``llama-server``, Ollama, vLLM: anything that
answers ``POST {base}/chat/completions``) may let it read the turns instead: :class:`EndpointParser` sends
the turn with a system prompt asking for the rule parser's own structure (intent, attributes asked for and
ruled out, attribute kinds taken back, the piece pointed at, how the next pieces should differ, whether a
passage is asked for), as one JSON object, and checks the answer strictly: the intent among
:data:`~partita.discovery.chat.INTENTS`, each attribute a field the rule parser fills, each value one it could
have read (normalised by the rule parser's own reader: "E-flat major" -> ``Eb major``, "lively" -> 146 bpm),
no key outside the schema. On any failure (nothing listening, no answer within the timeout, an HTTP error,
an answer that is not that JSON object, an unknown intent, field or value) the turn is read by the rules,
with one warning saying why. Nothing is downloaded: the endpoint is the user's, and it is never required.

The words the text encoder gets (and the words that named each attribute) are the rule parser's reading of
the same turn: which words describe the music is a lexical matter, and a model's paraphrase could invent
some. The standard library's HTTP client is used (no new dependency); proxies are bypassed (the server is
local).
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from partita.discovery.chat import INTENTS, TUNE_TYPES, Turn, _composer, _negate, attributes_of, parse_turn
from partita.discovery.chat import REFINE as _REFINE

log = logging.getLogger(__name__)

ENDPOINT_ENV = "PARTITA_CHAT_ENDPOINT"
"""The environment variable naming the endpoint's base URL (``partita chat``, the studio's Discover view)."""
MODEL_ENV = "PARTITA_CHAT_MODEL"
"""The environment variable naming the model the endpoint serves."""
DEFAULT_MODEL = "default"
"""The model asked for when none is named (llama.cpp's server answers with the model it loaded)."""
DEFAULT_TIMEOUT = 15.0
MAX_ANSWER_BYTES = 1 << 20
MAX_COMPOSERS = 40
"""The index's most common composers named in the system prompt (any composer of the index is accepted)."""

GENRES = ("chorale", "pop", "mass")
COUNTRIES = {"china": "China", "chinese": "China", "germany": "Germany", "german": "Germany"}
FIELDS = ("tune_type", "genre", "country", "key", "meter", "tempo", "composer")
"""The attributes the rule parser reads (:func:`~partita.discovery.chat.attributes_of`): the only ones an
answer may name."""
CLEARABLE = ("key", "meter", "tempo", "style")
MOVES = tuple(_REFINE)
ANSWER_KEYS = {"intent", "attributes", "excluded", "cleared", "piece", "moves", "part"}

EXAMPLES = (
    ("I'm looking for a jig in D major", False),
    ("in 6/8 please", True),
    ("something faster", True),
    ("no jigs, a reel", True),
    ("any key is fine", True),
    ("more like 2 but faster", True),
    ("not the first one", True),
    ("I'll take 4", True),
    ("start over: a chorale in a minor key", True),
    ("a slow section in minor", False),
)
"""Turns whose rule-parsed answers (:func:`answer_of`) show the model the schema."""


class AnswerError(ValueError):
    """The endpoint's answer is not the structure asked for (the message says what is wrong)."""


@dataclass(frozen=True)
class ChatEndpoint:
    """Where a local OpenAI-compatible server listens: ``url`` its base (``http://localhost:8080/v1``; a URL
    ending in ``/chat/completions`` is taken as it is), ``model`` the model name it serves, ``timeout`` the
    seconds to wait for an answer."""

    url: str
    model: str = DEFAULT_MODEL
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"the chat endpoint {self.url!r} is not an http:// or https:// URL "
                "(e.g. http://localhost:8080/v1 for llama.cpp, http://localhost:11434/v1 for Ollama)"
            )
        if not self.model.strip():
            raise ValueError("the chat endpoint's model name is empty")
        if not 0 < self.timeout <= 600:
            raise ValueError(f"the chat endpoint's timeout must be within 0-600 s, not {self.timeout}")

    @property
    def completions_url(self) -> str:
        base = self.url.strip().rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"


def endpoint_from_env(environ: dict[str, str] | None = None) -> ChatEndpoint | None:
    """The endpoint ``$PARTITA_CHAT_ENDPOINT`` names (model ``$PARTITA_CHAT_MODEL``), or None when unset."""
    env = os.environ if environ is None else environ
    url = (env.get(ENDPOINT_ENV) or "").strip()
    if not url:
        return None
    return ChatEndpoint(url, (env.get(MODEL_ENV) or "").strip() or DEFAULT_MODEL)


def answer_of(turn: Turn) -> dict[str, Any]:
    """A parsed turn as the JSON object the endpoint is asked for (the inverse of :func:`turn_of`)."""

    def value(name: str, op: str, v: Any) -> Any:
        if name == "tempo":
            return {">": "faster", "<": "slower"}.get(op.removeprefix("not "), v)
        return str(v).removeprefix("% ") if op.removeprefix("not ") == "like" else v

    return {
        "intent": turn.intent,
        "attributes": {k: value(k, op, v) for k, (op, v) in turn.attributes.items()},
        "excluded": {k: value(k, op, v) for k, (op, v) in turn.excluded.items()},
        "cleared": list(turn.cleared),
        "piece": turn.piece,
        "moves": dict(turn.moves),
        "part": turn.part,
    }


def system_prompt(composers: Sequence[str] = ()) -> str:
    """The instructions: the schema, the fields and values the rule parser knows, and examples."""
    named = [c for c in composers if _composer(c, [c])][:MAX_COMPOSERS]
    examples = "\n".join(
        f"{user_message(text, shown)}\n{json.dumps(answer_of(parse_turn(text, shown)))}"
        for text, shown in EXAMPLES
    )
    return f"""You read one turn of a person looking for a piece of music in a catalogue, and answer with \
one JSON object and nothing else, with these keys:
- "intent": one of "new" (a first or a fresh request: "start over: ..."), "add" (one more attribute), \
"remove" (something taken back or ruled out: "any key is fine", "no jigs"; such a turn may add too), \
"more" (more like a piece shown: "more like 2"), "reject" (not that piece: "not 3"), "accept" (the person \
takes a piece: "I'll take 2").
- "attributes": what the turn asks for, field -> value; "excluded": what it rules out, field -> value. Only \
these fields, only such values, and only what the turn says:
  tune_type: {", ".join(sorted(set(TUNE_TYPES.values())))}
  genre: {", ".join(GENRES)}
  country: China (a Chinese folk song), Germany (a German folk song)
  key: a tonic and a mode ("D major", "F# minor", "Bb major"), or the mode alone ("minor")
  meter: a time signature ("6/8"; a waltz is "3/4")
  tempo: beats per minute (a number), a tempo word ("slow", "lively", "allegro"), or "faster" / "slower" \
(than the pieces shown)
  composer: a composer's name{": " + "; ".join(named) if named else ""}
  Moods, instruments and other words are no field: leave them out.
- "cleared": the kinds of attribute the turn takes back ("any key is fine": ["key"]): {", ".join(CLEARABLE)}.
- "piece": the piece a more / reject / accept turn points at: its number in the last answer (1 the first, \
-1 the last, 0 "that one"); null otherwise.
- "moves": in a "more" turn, how the next pieces should differ from that piece: {", ".join(MOVES)} -> 1 \
(faster, busier, higher, louder) or -1 (slower, sparser, lower, quieter).
- "part": true when the turn asks for a passage of a piece ("the part where the fiddle goes up high", "a \
slow section") rather than a whole piece.

Examples:
{examples}"""


@functools.lru_cache(maxsize=8)
def _prompt_for(composers: tuple[str, ...]) -> str:
    return system_prompt(composers)


def user_message(text: str, has_results: bool) -> str:
    return f"pieces shown: {'yes' if has_results else 'no'}; turn: {text}"


def _strip(content: str) -> str:
    """The answer's text without a reasoning block or a Markdown code fence around the JSON object."""
    content = re.sub(r"<think>.*?</think>", "", content, flags=re.DOTALL).strip()
    if m := re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", content, flags=re.DOTALL):
        content = m.group(1)
    return content


def _only(reading: dict[str, tuple[str, Any]], name: str, raw: Any) -> tuple[str, Any]:
    if set(reading) != {name}:
        raise AnswerError(f"{name} {raw!r} is not a {name} partita reads")
    return reading[name]


def _value(name: str, raw: Any, composers: Sequence[str]) -> tuple[str, Any]:
    """An attribute's value as the rule parser would hold it (``(op, value)``), or AnswerError."""
    if name not in FIELDS:
        raise AnswerError(f"unknown attribute {name!r} (known: {', '.join(FIELDS)})")
    if name == "tempo" and isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = f"{raw} bpm"
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 100:
        raise AnswerError(f"{name}: {raw!r} is not a value")
    low = " ".join(raw.lower().split())
    if name == "tune_type":
        kind = TUNE_TYPES.get(low.replace(" ", "_"), low if low in TUNE_TYPES.values() else None)
        kind = kind or TUNE_TYPES.get(low.removesuffix("s").replace(" ", "_"))
        if kind is None:
            raise AnswerError(f"unknown tune type {raw!r}")
        return "=", kind
    if name == "genre":
        if low not in GENRES:
            raise AnswerError(f"unknown genre {raw!r} (known: {', '.join(GENRES)})")
        return "=", low
    if name == "country":
        if low not in COUNTRIES:
            raise AnswerError(f"unknown country {raw!r} (known: China, Germany)")
        return "=", COUNTRIES[low]
    if name == "key":
        return _only(attributes_of(f"in {raw.strip()}"), "key", raw)
    if name == "meter":
        if not re.fullmatch(r"\d{1,2}/\d{1,2}", low):
            raise AnswerError(f"meter {raw!r} is not a time signature")
        return _only(attributes_of(f"in {low}"), "meter", raw)
    if name == "tempo":
        if low in ("faster", "slower"):
            return (">" if low == "faster" else "<"), None
        if re.fullmatch(r"\d{1,3}(?:\.\d+)?(?: ?bpm)?", low):
            low = low.removesuffix("bpm").strip() + " bpm"
        op, bpm = _only(attributes_of(low), "tempo", raw)
        if not 20 <= float(bpm) <= 400:
            raise AnswerError(f"tempo {raw!r} is out of range (20-400 bpm)")
        return op, bpm
    found = next((c for c in composers if c.lower() == low), None) or _composer(raw, list(composers))
    if found is None:
        raise AnswerError(f"composer {raw!r} is not in the index")
    return "=", found


def _fields(answer: dict, key: str, composers: Sequence[str]) -> dict[str, tuple[str, Any]]:
    given = answer.get(key) or {}
    if not isinstance(given, dict):
        raise AnswerError(f"{key!r} is not an object")
    return {name: _value(name, raw, composers) for name, raw in given.items()}


def _piece(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not -1 <= raw <= 100:
        raise AnswerError(f"piece {raw!r} is not a piece's number (1-100, -1 the last, 0 that one)")
    return raw


def _phrases(text: str, attributes: dict[str, tuple[str, Any]], known: dict[str, str]) -> dict[str, str]:
    """The words of the turn that named each attribute: the rule parser's, else the value as said."""
    out = {}
    for name, (_, value) in attributes.items():
        if name in known:
            out[name] = known[name]
        elif value is not None and (m := re.search(re.escape(str(value)), text, re.IGNORECASE)):
            out[name] = m.group(0)
    return out


def turn_of(answer: Any, text: str, has_results: bool, composers: Sequence[str] = ()) -> Turn:
    """The :class:`Turn` an endpoint's answer (the parsed JSON object) says, checked strictly against what
    the rule parser knows; AnswerError says what is wrong."""
    if not isinstance(answer, dict):
        raise AnswerError("the answer is not a JSON object")
    if extra := set(answer) - ANSWER_KEYS:
        raise AnswerError(f"unknown key(s) {', '.join(sorted(map(str, extra)))} in the answer")
    intent = answer.get("intent")
    if intent not in INTENTS:
        raise AnswerError(f"unknown intent {intent!r} (known: {', '.join(INTENTS)})")
    attributes = _fields(answer, "attributes", composers)
    excluded = _fields(answer, "excluded", composers)
    if any(op in (">", "<") for op, _ in excluded.values()):
        raise AnswerError("'faster' / 'slower' cannot be ruled out")
    cleared = answer.get("cleared") or []
    if not isinstance(cleared, list) or any(c not in CLEARABLE for c in cleared):
        raise AnswerError(f"cleared {cleared!r} names a kind other than {', '.join(CLEARABLE)}")
    moves = answer.get("moves") or {}
    if not isinstance(moves, dict) or any(
        m not in MOVES or isinstance(s, bool) or s not in (-1, 1) for m, s in moves.items()
    ):
        raise AnswerError(f"moves {moves!r}: only {', '.join(MOVES)} -> 1 or -1")
    moves = dict(moves)
    part = answer.get("part")
    if part is not None and not isinstance(part, bool):
        raise AnswerError(f"part {part!r} is not true or false")
    piece = _piece(answer.get("piece"))
    if intent in ("more", "reject") and (not has_results or piece is None):
        raise AnswerError(f"a {intent!r} turn must name a piece shown")
    rules = parse_turn(text, has_results, list(composers))
    if intent == "more":
        for name, (op, _) in attributes.items():  # "more like 2 but faster": a move, not a tempo filter
            if name == "tempo" and op in (">", "<"):
                moves.setdefault("tempo", 1 if op == ">" else -1)
        attributes = {k: v for k, v in attributes.items() if k != "tempo"}
    elif intent in ("add", "remove") and not has_results:
        intent = "new"  # the first turn of a conversation is a request, as the rules read it
    if intent in ("more", "reject", "accept"):
        excluded, cleared = {}, []
        attributes = attributes if intent == "more" else {}
    else:
        piece, moves = None, {}
    words = rules.words if intent in ("new", "add", "remove") else ""
    return Turn(
        intent,
        attributes,
        words,
        piece,
        list(dict.fromkeys(cleared)),
        _phrases(words, attributes, rules.phrases),
        _negate(excluded),
        rules.part if part is None else part,
        dict(moves),
    )


def ask(endpoint: ChatEndpoint, text: str, has_results: bool, composers: Sequence[str] = ()) -> Any:
    """The endpoint's answer to one turn: the JSON object in its first choice's message (OSError,
    http.client.HTTPException or AnswerError when there is none)."""
    body = {
        "model": endpoint.model,
        "messages": [
            {"role": "system", "content": _prompt_for(tuple(composers[:1000]))},
            {"role": "user", "content": user_message(text, has_results)},
        ],
        "temperature": 0,
        "max_tokens": 300,
        "stream": False,
        "response_format": {"type": "json_object"},
    }
    request = urllib.request.Request(
        endpoint.completions_url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server: no proxy
    with opener.open(request, timeout=endpoint.timeout) as response:
        raw = response.read(MAX_ANSWER_BYTES + 1)
    if len(raw) > MAX_ANSWER_BYTES:
        raise AnswerError(f"the answer is over {MAX_ANSWER_BYTES} bytes")
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise AnswerError("the reply is not an OpenAI chat completion") from None
    if not isinstance(content, str):
        raise AnswerError("the reply's message has no text")
    try:
        return json.loads(_strip(content))
    except ValueError:
        raise AnswerError(f"the answer is not JSON: {content[:80]!r}") from None


def _why(error: BaseException, endpoint: ChatEndpoint) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.timeout | TimeoutError):
        return f"no answer within {endpoint.timeout:g} s"
    return str(reason) or type(reason).__name__


class EndpointParser:
    """Reads a turn through a :class:`ChatEndpoint`, as :func:`~partita.discovery.chat.parse_turn` does
    (same arguments, same :class:`Turn`): a failed or malformed answer is read by the rules, with one
    warning. ``read`` and ``fell_back`` count the turns of each kind; ``last_error`` says why the last
    fallback happened."""

    def __init__(self, endpoint: ChatEndpoint) -> None:
        self.endpoint = endpoint
        self.read = 0
        self.fell_back = 0
        self.last_error: str | None = None

    def __call__(self, text: str, has_results: bool, composers: Sequence[str] = ()) -> Turn:
        try:
            turn = turn_of(ask(self.endpoint, text, has_results, composers), text, has_results, composers)
        except (OSError, http.client.HTTPException, AnswerError) as e:
            self.fell_back += 1
            self.last_error = _why(e, self.endpoint)
            log.warning(
                "chat endpoint %s: %s; this turn is read by the rules", self.endpoint.url, self.last_error
            )
            return parse_turn(text, has_results, list(composers))
        self.read += 1
        return turn
