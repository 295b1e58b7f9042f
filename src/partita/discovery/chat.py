"""Conversational discovery (LP-MusicDialog's intents, MuseChat's reasons), with no language model.

Each turn of a person is parsed into an intent (:func:`parse_turn`; a language model the user runs locally
may read the turns instead, :mod:`partita.discovery.chat_endpoint`):

- ``new``: a first or fresh request ("I'm looking for a jig in D major"; "start over: a chorale");
- ``add``: one more attribute ("in 6/8 please", "something faster");
- ``remove``: an attribute taken back or excluded ("any key is fine", "no jigs", "not in 3/4");
- ``more``: more like a piece shown ("more like 2", "like the second one");
- ``reject``: not that piece ("not 3", "drop the first one");
- ``accept``: the person has found it ("I'll take 2", "perfect").

The attributes come from partita's prompt reader (:func:`partita.generation.prompt.project_prompt`: style,
key, mode, meter, tempo, instruments, mood) plus the composers the index holds. Labels the index stores
exactly (key, meter, tune type, genre, country, collection, composer; tempo as a range) become a cascade of
filters (a LanceDB ``where``); everything else (instruments, moods, free words) stays words for the text
encoder. The query vector is the text's vector plus the mean of the pieces asked "more like", each result
filtered, the rejected ones left out; each answer says why a piece fits (:func:`reasons`), from its labels
and description. ``Conversation(similar_weight=w)`` re-ranks, after a "more like" (whole pieces), the
:data:`LIKE_POOL` nearest that pass the filters by their cosine plus ``w`` times their similarity to the
pieces asked "more like" in the shipped similarity encoder's space (:mod:`partita.discovery.similarity`);
off by default (:data:`SIMILAR_WEIGHT`: measured, it did not help).

Passages: a request about a part of a piece ("the part where the fiddle goes up high", "a slow section in
minor": :func:`partita.discovery.segments.asks_for_part`) is answered from the index's segments when it has
them (:meth:`~partita.discovery.index.DiscoveryIndex.search_segments`): each hit names the piece and the bars
of its best part, and says what of the request that part meets. The key and tempo asked then filter the
parts (their own key and tempo), not the pieces; what is asked of a part against the rest of its piece
("goes up high", "slower") counts as the segment search counts it. "Something like that one but faster"
(``more``, with ``that one`` the piece in focus: the one last listened to, else the first) steers the query
by that passage's vector and asks the next passages to be faster (higher, busier, louder ...) than it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partita.discovery.index import Hit
from partita.discovery.segments import MOVES, asks_for_part, part_wish
from partita.generation.prompt import project_prompt

INTENTS = ("new", "add", "remove", "more", "reject", "accept")
TUNE_TYPES = {
    "jig": "jig", "irish_reel": "reel", "reel": "reel", "hornpipe": "hornpipe", "slip_jig": "slip jig",
    "strathspey": "strathspey", "march": "march", "polka": "polka", "air": "air",
}  # fmt: skip
STYLE_FILTERS = {  # prompt style -> (field, value) of the index's labels
    "chorale": ("genre", "chorale"),
    "pop": ("genre", "pop"),
    "chinese_folk": ("country", "China"),
    "german_folk": ("country", "Germany"),
    "waltz": ("meter", "3/4"),
}
KEYWORDS = {"slip jigs?": ("tune_type", "slip jig"), "mass(?:es)?": ("genre", "mass")}
"""Words for labels the prompt reader does not tell apart (it reads a slip jig as a jig)."""
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "last": -1}  # fmt: skip
_NUM = r"(?:#\s*)?(\d{1,2}|" + "|".join(ORDINALS) + r")"
_MORE = re.compile(
    rf"\b(?:more|something|anything|others?)?\s*(?:like|similar to)\s+(?:the\s+|number\s+)?{_NUM}\b"
)
_MORE_THAT = re.compile(
    r"\b(?:(?:more|something|anything|others?)\s+(?:like|similar to)\s+(?:that|this|it)\b"
    r"|(?:like|similar to)\s+(?:that|this)\s+(?:one|part|passage|section|piece|tune|bit)\b)"
)
"""More like "that one": the piece in focus (see :meth:`ChatState.focus_on`); "I'd like it faster" is not."""
_REJECT = re.compile(
    rf"\b(?:not|no|drop|skip|remove|without)\s+(?:the\s+|number\s+)?{_NUM}\b(?:\s*(?:one|piece|tune))?"
)
_ACCEPT = re.compile(
    rf"\b(?:i'?ll take|i take|that'?s it|perfect|great,? thanks|yes,? that one)\b(?:\s+{_NUM})?"
)
_NEW = re.compile(r"\b(?:start over|new search|something else entirely|forget (?:that|it|all that))\b")
_ANY = re.compile(r"\bany\s+(key|meter|time|tempo|speed|style|kind|type)\b")
_NEGATED = re.compile(r"\b(?:no|not|without|except|but not|anything but)\b")
_ANY_FIELDS = {"key": ["key"], "meter": ["meter"], "time": ["meter"], "tempo": ["tempo"], "speed": ["tempo"],
               "style": ["style"], "kind": ["style"], "type": ["style"]}  # fmt: skip


@dataclass
class Turn:
    """A parsed turn: its intent, the attributes it names (``field -> (op, value)``, the field names of
    :data:`partita.discovery.index.FIELDS` plus ``style``), the words left for the text encoder, the piece it
    points at (1-based, -1 the last) and the attribute kinds it takes back."""

    intent: str
    attributes: dict[str, tuple[str, Any]] = field(default_factory=dict)
    words: str = ""
    piece: int | None = None
    cleared: list[str] = field(default_factory=list)
    phrases: dict[str, str] = field(default_factory=dict)
    """The words that named each attribute (dropped from the search words when the attribute is)."""
    excluded: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """Attributes the turn rules out ("no jigs": ``tune_type != 'jig'``)."""
    part: bool = False
    """The turn asks for a passage of a piece rather than a whole piece."""
    moves: dict[str, int] = field(default_factory=dict)
    """What a ``more`` turn asks to differ from the piece or passage it points at ("but faster":
    ``tempo: +1``; the facts of :data:`partita.discovery.segments.MOVES`)."""


def _ordinal(token: str | None) -> int | None:
    """A piece's number (1-based) as said: "2", "second"; a said 0 is -1 (no such piece; 0 is "that one")."""
    if token is None:
        return None
    return (int(token) or -1) if token.isdigit() else ORDINALS.get(token)


_NOT_NAMES = {"reel", "jig", "jigs", "reels", "tune", "tunes", "song", "air", "airs", "march", "dance",
              "irish", "scotch", "scottish", "english", "welsh", "old", "new", "traditional", "anon",
              "unknown"}  # fmt: skip


def _composer(text: str, composers: list[str]) -> str | None:
    """The first composer (``composers`` are the most common first) whose surname the text names."""
    low = text.lower()
    for name in composers:
        if not name[:1].isupper():
            continue
        last = re.sub(r"[^a-z' ]", "", name.lower()).split()
        if not last or len(last[-1]) < 4 or last[-1] in _NOT_NAMES:
            continue
        if re.search(rf"\b{re.escape(last[-1])}\b", low):
            return name
    return None


def attributes_of(
    text: str, composers: list[str] = (), phrases: dict[str, str] | None = None
) -> dict[str, tuple[str, Any]]:
    """The attributes a phrase names, as index filters (``field -> (op, value)``); ``phrases``, when given,
    receives the words that named each field."""
    req = project_prompt(text)
    found: dict[str, tuple[str, Any]] = {}
    said: dict[str, str] = {}
    mode = None
    for u in req.understood:
        name, value = None, None
        if u.field == "style" and u.value in TUNE_TYPES:
            name, value = "tune_type", ("=", TUNE_TYPES[u.value])
        elif u.field == "style" and u.value in STYLE_FILTERS:
            f, v = STYLE_FILTERS[u.value]
            name, value = f, ("=", v)
        elif u.field == "key" and " " in str(u.value):
            name, value = "key", ("=", str(u.value))
        elif u.field == "mode":
            mode, said["key"] = str(u.value), u.phrase
        elif u.field == "meter" and not u.note:  # "0/0" is read and noted as not a meter: no filter
            name, value = "meter", ("=", str(u.value))
        elif u.field == "tempo" and isinstance(u.value, int | float):
            name, value = "tempo", ("~", float(u.value))
        if name:
            found[name], said[name] = value, u.phrase
    for words, (name, value) in KEYWORDS.items():  # kinds the prompt reader folds into broader styles
        if m := re.search(rf"\b{words}\b", text, re.IGNORECASE):
            found[name], said[name] = ("=", value), m.group(0)
    if mode and "key" not in found:
        found["key"] = ("like", f"% {mode}")
    name = _composer(text, list(composers))
    if name:
        found["composer"] = ("=", name)
        said["composer"] = name.split()[-1]
    if phrases is not None:
        phrases.update({k: v for k, v in said.items() if k in found})
    return found


_CLAUSE = re.compile(r"\s*(?:[,;]|\bbut\b|\binstead\b|\brather\b)\s*", re.IGNORECASE)
_FASTER = re.compile(r"\b(?:faster|quicker|livelier|more lively|speed it up)\b")
_SLOWER = re.compile(r"\b(?:slower|calmer|more relaxed|slow it down)\b")


def _negate(attrs: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    return {k: ("!=", v) if op == "=" else ("not " + op, v) for k, (op, v) in attrs.items()}


def parse_turn(text: str, has_results: bool, composers: list[str] = ()) -> Turn:
    """The intent and content of one turn (``has_results``: the conversation is under way).

    A turn is read clause by clause ("no jigs, a reel"): a clause with a negation excludes what it names, the
    others add; a turn that takes anything back is a ``remove`` (and may add too)."""
    low = " ".join(text.lower().split())
    if m := _ACCEPT.search(low):
        return Turn("accept", piece=_ordinal(m.group(1)))
    if has_results and (m := _MORE.search(low) or _MORE_THAT.search(low)):
        piece = _ordinal(m.group(1)) if m.re is _MORE else 0
        rest = f"{low[: m.start()]} {low[m.end() :]}"
        attrs = {k: v for k, v in attributes_of(rest, composers).items() if k != "tempo"}
        moves = {MOVES[w][0]: MOVES[w][1] for w in re.findall(r"[a-z]+", rest) if w in MOVES}
        return Turn("more", attrs, piece=piece, part=asks_for_part(rest), moves=moves)
    if has_results and (m := _REJECT.search(low)):
        return Turn("reject", piece=_ordinal(m.group(1)))
    fresh = bool(_NEW.search(low)) or not has_results
    body = _NEW.sub(" ", text).strip(" :,.")
    adds, excluded, phrases, words = {}, {}, {}, []
    for clause in (c for c in _CLAUSE.split(body) if c and c.strip()):
        said: dict[str, str] = {}
        attrs = attributes_of(clause, composers, said)
        if attrs and _NEGATED.search(clause.lower()) and not fresh:
            excluded.update(_negate(attrs))
        else:
            adds.update(attrs)
            phrases.update(said)
            words.append(clause.strip())
    if has_results and "tempo" not in adds:
        if _FASTER.search(low):
            adds["tempo"] = (">", None)
        elif _SLOWER.search(low):
            adds["tempo"] = ("<", None)
    cleared = [f for kind in _ANY.findall(low) for f in _ANY_FIELDS[kind]]
    intent = "remove" if (excluded or cleared) and not fresh else "new" if fresh else "add"
    return Turn(intent, adds, " ".join(words), None, cleared, phrases, excluded, asks_for_part(body))


def _quote(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _clause(name: str, op: str, value: Any) -> str:
    if op in ("~", "not ~"):  # a tempo asked in words: within a band around it
        low, high = float(value) * 0.8, float(value) * 1.25
        inside = f"(tempo >= {low:.1f} AND tempo <= {high:.1f})"
        return inside if op == "~" else f"NOT {inside}"
    if op in (">", "<"):
        return f"{name} {op} {float(value):.1f}"
    if op in ("like", "not like"):
        return f"{name} {'NOT ' if op.startswith('not') else ''}LIKE {_quote(value)}"
    return f"{name} {op} {_quote(value)}"


@dataclass
class ChatState:
    """What the conversation has established so far."""

    filters: dict[str, tuple[str, Any]] = field(default_factory=dict)
    exclusions: list[tuple[str, str, Any]] = field(default_factory=list)
    words: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Each turn's words for the text encoder, with the words in it that named each attribute."""
    liked: list[str] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    shown: list[str] = field(default_factory=list)
    shown_tempo: float | None = None
    """The median tempo of the pieces last shown (for "faster" / "slower")."""
    accepted: str | None = None
    parts: bool = False
    """The conversation asks for passages (answered from the index's segments)."""
    conditions: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """What the passages must meet, on their own facts (:func:`partita.discovery.segments.meets`)."""
    liked_parts: list[tuple[str, int]] = field(default_factory=list)
    """The passages asked "more like" (piece id, segment number)."""
    shown_facts: list[dict[str, Any]] = field(default_factory=list)
    """Of each piece last shown: its tempo, and for a passage its segment number, bars and facts."""
    focus: int | None = None
    """The number (1-based) of the shown piece last chosen (listened to): what "that one" means."""

    def where(self) -> str | None:
        """The cascade of filters as one SQL ``where`` (None: no filter)."""
        parts = [_clause(k, op, v) for k, (op, v) in self.filters.items()]
        parts += [_clause(k, op, v) for k, op, v in self.exclusions]
        return " AND ".join(parts) or None

    def focus_on(self, piece_id: str) -> None:
        """Make a shown piece the one "that one" means (no change for a piece not shown)."""
        if piece_id in self.shown:
            self.focus = self.shown.index(piece_id) + 1


def apply_turn(state: ChatState, turn: Turn) -> str:
    """Update ``state`` with a parsed turn; returns a short acknowledgement of what changed."""
    pick, i = None, -1
    if turn.piece is not None and turn.piece < 0:
        return "there is no piece 0: the pieces of an answer are numbered from 1"
    if turn.piece is not None and state.shown:
        number = turn.piece or state.focus or 1  # 0: "that one", the piece in focus
        i = number - 1 if number > 0 else len(state.shown) - 1
        pick = state.shown[i] if 0 <= i < len(state.shown) else None
        if pick is None:
            return f"there is no piece {number} in the last answer (it had {len(state.shown)})"
    if turn.intent == "new":
        state.__init__()
    if turn.intent in ("new", "add", "remove"):
        state.parts = state.parts or turn.part
        gone = set(turn.excluded)
        for f in turn.cleared:
            gone.update((f, *(_STYLE_FIELDS if f == "style" else ())))
        for k in gone:
            state.filters.pop(k, None)
            state.conditions.pop(k, None)
        state.words = [_without(w, named, gone) for w, named in state.words]
        state.exclusions += [(k, op, v) for k, (op, v) in turn.excluded.items()]
        said = _add(state, turn)
        if turn.words and (turn.intent != "remove" or turn.attributes):
            state.words.append((turn.words, dict(turn.phrases)))
        said += [f"not {k} {v}" for k, (_, v) in turn.excluded.items()] + [f"any {f}" for f in turn.cleared]
        what = "passages" if state.parts else "pieces"
        return f"looking for {what}: " + (", ".join(said) if said else f"{what} that match those words")
    if turn.intent == "more" and pick:
        return _more_like(state, turn, pick, i)
    if turn.intent == "reject" and pick:
        state.rejected.add(pick)
        return f"leaving out {pick}"
    if turn.intent == "accept":
        state.accepted = pick or (state.shown[0] if state.shown else None)
        return f"enjoy {state.accepted}" if state.accepted else "nothing has been shown yet"
    return "say which piece: a number from the last answer"


_STYLE_FIELDS = ("tune_type", "genre", "country", "collection")
PART_FIELDS = ("key", "tempo")
"""The attributes that, asked of a passage, filter the passages (their own key and tempo), not the pieces."""
REFINE = {
    "tempo": ("ratio", 1.1),
    "density": ("ratio", 1.2),
    "pitch": ("step", 2.0),
    "velocity": ("step", 8.0),
}
"""How far "faster", "busier", "higher", "louder" ... than a passage shown the next passages must be."""


def _part_fields(state: ChatState, turn: Turn) -> set[str]:
    """The attributes of a turn that are said of the passage: key and tempo in a conversation about passages,
    but a key said of the whole piece ("a piece in G major with a slow section") filters pieces, and with
    keys said of both only the segment search's own reading of the words counts."""
    if not state.parts:
        return set()
    wish = part_wish(turn.words)
    if wish.piece_key is not None:
        return {"tempo"} | ({"key"} if wish.key is not None or wish.mode else set())
    return set(PART_FIELDS)


def _add(state: ChatState, turn: Turn) -> list[str]:
    """Add a turn's attributes to the filters (or, said of a passage, to the passages' conditions); what
    was added, in words."""
    of_part = _part_fields(state, turn)
    both = state.parts and "key" in of_part and part_wish(turn.words).piece_key is not None
    said = []
    for k, (op, v) in turn.attributes.items():
        if (k == "key" and both) or (k in of_part and _soft(turn, k)):
            continue  # the segment search reads the words (a "slow section": slower than the rest)
        target = state.conditions if k in of_part else state.filters
        target[k] = (op, v if v is not None else _relative(state, op))
        state.exclusions = [e for e in state.exclusions if e[0] != k]
        said.append(f"{'a part in ' if k in of_part and k == 'key' else ''}{k} {_shown(*target[k])}")
    return said


def _soft(turn: Turn, name: str) -> bool:
    """Whether an attribute of a passage is left to the segment search's reading of the words: a tempo said
    in words ("slow": slower than the rest), not as a number ("70 bpm")."""
    return name == "tempo" and not re.search(r"\d", turn.phrases.get(name, ""))


def _more_like(state: ChatState, turn: Turn, pick: str, i: int) -> str:
    """A ``more`` turn: steer by the piece (or the passage) shown at ``i``, asked to differ from it as the
    turn says ("but faster")."""
    ref = state.shown_facts[i] if i < len(state.shown_facts) else {}
    state.liked.append(pick)
    passage = state.parts and ref.get("segment") is not None
    if passage:
        state.liked_parts.append((pick, int(ref["segment"])))
    said = [f"more like {pick}" + (f" bars {ref['bars']}" if passage else "")]
    for fact, sign in turn.moves.items():
        base = float((ref.get("facts") or {}).get(fact) or 0.0) if passage else float(ref.get(fact) or 0.0)
        if base <= 0 or (not passage and fact != "tempo"):
            continue
        how, step = REFINE[fact]
        value = base * step**sign if how == "ratio" else base + sign * step
        target = state.conditions if passage else state.filters
        target[fact] = (">" if sign > 0 else "<", value)
        shown = _shown(*target[fact]) if fact == "tempo" else f"{target[fact][0]} {value:.0f}"
        said.append(f"{fact} {shown}")
    said += _add(state, turn)
    return ", ".join(said)


def _relative(state: ChatState, op: str) -> float:
    """ "Faster" / "slower" than the pieces just shown (their median tempo; 100 bpm before any)."""
    base = state.shown_tempo or 100.0
    return base * (1.1 if op == ">" else 0.9)


def _shown(op: str, value: Any) -> str:
    if op in (">", "<"):
        return f"{'above' if op == '>' else 'below'} {float(value):.0f} bpm"
    if op == "~":
        return f"about {float(value):.0f} bpm"
    return str(value).replace("% ", "")


def _without(words: str, named: dict[str, str], gone: set[str]) -> tuple[str, dict[str, str]]:
    """A turn's words without the phrases that asked for attributes now dropped (they no longer steer)."""
    for f in gone.intersection(named):
        words = re.sub(re.escape(named[f]), " ", words, flags=re.IGNORECASE)
    return " ".join(words.split()), {f: p for f, p in named.items() if f not in gone}


def reasons(fields: dict[str, Any], state: ChatState, liked_fields: list[dict[str, Any]] = ()) -> str:
    """Why a piece fits the conversation, from its labels and description (MuseChat's explanation)."""
    out = _part_reasons(fields, state) if fields.get("bars") else []
    for k, (op, v) in state.filters.items():
        value = fields.get(k)
        if op == "=" and value == v:
            out.append(f"{k.replace('_', ' ')} {value} as asked")
        elif op == "~" and fields.get("tempo"):
            out.append(f"{float(fields['tempo']):.0f} bpm (asked about {float(v):.0f})")
        elif op == "like" and value:
            out.append(f"in {value}")
    for other in liked_fields:
        shared = [
            f
            for f in ("key", "meter", "tune_type", "genre", "collection")
            if other.get(f) and other.get(f) == fields.get(f)
        ]
        if shared:
            out.append(f"like {other.get('title') or other.get('piece_id')}: same {', '.join(shared)}")
    try:
        description = json.loads(fields.get("description") or "{}")
    except ValueError:
        description = {}
    if not out and description:
        out.append(f"{description.get('key') or 'no key'}, {description.get('tempo_term') or ''}".strip(", "))
    caption = (fields.get("caption") or "").split(". ")[0]
    if fields.get("bars"):  # the passage's own caption
        caption = re.sub(r"^bars [^:]*:\s*", "", fields.get("segment_caption") or "").split(". ")[0]
    return "; ".join(out + ([caption] if caption else []))


def _part_reasons(fields: dict[str, Any], state: ChatState) -> list[str]:
    """Why a passage fits: its bars, what of the words it meets against the rest of its piece, and the
    conditions on its own key and tempo."""
    facts = fields.get("segment_facts") or {}
    keyed = "key" in state.conditions  # said below, with the part's own key
    met = [m for m in fields.get("segment_met") or [] if not (keyed and m.startswith("in "))]
    for k, (op, v) in state.conditions.items():
        value = facts.get(k)
        if k == "key" and value:
            met.append(f"in {value}" + (" as asked" if op in ("=", "like") else ""))
        elif k == "tempo" and value:
            met.append(f"{float(value):.0f} bpm ({_shown(op, v)} asked)")
        elif value:
            met.append(f"{k} {float(value):.0f} ({op} {float(v):.0f} asked)")
    return [f"bars {fields['bars']}" + (": " + ", ".join(dict.fromkeys(met)) if met else "")]


SIMILAR_WEIGHT = 0.0
"""How much the similarity encoder's cosine to the pieces asked "more like" adds to a candidate's cosine to
the query (0: the query alone). Measured, not shipped: on the valid-split dialogues (bench/bench_chat.py
``--split valid``) no weight found the target more often than 0 (1 tied it), and weight 1 on the test
dialogues found it less often (Recall@10 0.728 -> 0.707 on 92 "more like" turns; docs/DISCOVERY.md)."""
LIKE_POOL = 100
"""The candidates (nearest the query, through the filters) that the similarity re-ranks."""


@functools.cache
def _similarity_encoder():
    from partita.discovery.similarity import SimilarityEncoder

    return SimilarityEncoder.from_pretrained()


def rerank_by_similarity(index, hits: list[Hit], liked: list[str], weight: float) -> list[Hit]:
    """``hits`` ordered by their score plus ``weight`` times the similarity encoder's cosine of each to the
    mean of the ``liked`` pieces (indexed piece ids); a hit's score becomes that sum."""
    ids = list(dict.fromkeys([*liked, *(h.piece_id for h in hits)]))
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in ids)
    rows = index.table.search().where(f"piece_id IN ({quoted})").select(["piece_id", "features"])
    features = {r["piece_id"]: r["features"] for r in rows.limit(len(ids)).to_list()}
    mine = [features[p] for p in liked if features.get(p) is not None]
    if not mine or not hits:
        return hits
    encoder = _similarity_encoder()
    centre = encoder.encode_features(np.asarray(mine, dtype=np.float32)).mean(0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    own = [features.get(h.piece_id) for h in hits]
    known = [i for i, f in enumerate(own) if f is not None]
    near = np.zeros(len(hits), dtype=np.float32)
    if known:
        near[known] = encoder.encode_features(np.asarray([own[i] for i in known], dtype=np.float32)) @ centre
    for h, s in zip(hits, near, strict=True):
        h.score = float(h.score + weight * s)
    return sorted(hits, key=lambda h: -h.score)


class Conversation:
    """A conversation over a :class:`~partita.discovery.index.DiscoveryIndex`: :meth:`say` a turn, get the
    pieces (hits) with the reason each fits. ``similar_weight``: how much the similarity encoder re-ranks
    after a "more like" (:func:`rerank_by_similarity`; 0: not at all, as before it)."""

    def __init__(
        self,
        index,
        k: int = 10,
        like_weight: float = 1.0,
        state: ChatState | None = None,
        parser: Callable[[str, bool, list[str]], Turn] | None = None,
        similar_weight: float = SIMILAR_WEIGHT,
    ) -> None:
        self.index, self.k, self.like_weight = index, k, like_weight
        self.similar_weight = similar_weight
        self.parser = parser or parse_turn
        """What reads a turn: the rules (:func:`parse_turn`), or a local language model
        (:class:`partita.discovery.chat_endpoint.EndpointParser`)."""
        self.state = state or ChatState()
        self.started = bool(state and (state.words or state.filters or state.shown or state.liked))
        """A turn has been taken (a refinement is read as one even when the last answer was empty)."""
        self.composers = index.label_values("composer")
        self.segments = bool(index.meta.get("segments"))
        """The index has segments: a request about a passage is answered with passages."""

    def say(self, text: str) -> tuple[Turn, str, list]:
        """One turn: its parse, the acknowledgement and the new answer (hits with ``fields['why']``; a
        passage's hit also has its ``bars``, see :meth:`DiscoveryIndex.search_segments`)."""
        if not text or not text.strip():
            raise ValueError("say something: what you are looking for, or 'more like 2', 'not 3'")
        turn = self.parser(text, self.started, self.composers)
        self.started = turn.intent != "accept"
        whole = turn.part and not self.segments
        turn.part = turn.part and self.segments
        ack = apply_turn(self.state, turn)
        if whole:
            ack += (
                " (this index has no segments, so whole pieces: "
                "build it with `partita index build CORPUS --segments` to find passages)"
            )
        if turn.intent == "accept":
            return turn, ack, []
        hits = self.answer()
        return turn, ack, hits

    def answer(self) -> list:
        """The pieces that fit the state now, each with the reason it fits in ``fields['why']``."""
        vector = self._vector()
        wanted = self.k + len(self.state.rejected) + len(self.state.liked)
        if self.state.parts and self.segments:
            text = " ".join(w for w, _ in self.state.words).strip() or "a passage of music"
            hits = self.index.search_segments(
                text, wanted, self.state.where(), vector=vector, conditions=self.state.conditions or None
            )
        elif self.state.liked and self.similar_weight:
            pool = self.index.search_vector(vector, max(wanted, LIKE_POOL), self.state.where())
            hits = rerank_by_similarity(self.index, pool, self.state.liked, self.similar_weight)
        else:
            hits = self.index.search_vector(vector, wanted, self.state.where())
        hits = [
            h for h in hits if h.piece_id not in self.state.rejected and h.piece_id not in self.state.liked
        ]
        hits = hits[: self.k]
        liked = list(self.index.fields_of(self.state.liked).values())
        for h in hits:
            h.fields["why"] = reasons(h.fields, self.state, liked)
        self.state.shown = [h.piece_id for h in hits]
        self.state.shown_facts = [_facts_of(h.fields) for h in hits]
        self.state.focus = None
        tempos = [f["tempo"] for f in self.state.shown_facts if f["tempo"]]
        self.state.shown_tempo = float(np.median(tempos)) if tempos else self.state.shown_tempo
        return hits

    def _vector(self) -> np.ndarray:
        parts = []
        text = " ".join(w for w, _ in self.state.words).strip()
        if text:
            parts.append(self.index.model.encode_text([text])[0])
        if self.state.liked:
            parts.append(self.like_weight * self._liked().mean(0))
        if not parts:  # nothing left to steer by: any piece, as the filters allow
            parts.append(self.index.model.encode_text(["a piece of music"])[0])
        v = np.sum(parts, axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def _liked(self) -> np.ndarray:
        """The vectors of what was asked "more like": a passage's own vector, else its piece's."""
        passages = dict(self.state.liked_parts) if self.segments else {}
        whole = [p for p in self.state.liked if p not in passages]
        rows = [self.index.vectors_of(whole)] if whole else []
        if passages:
            rows.append(self.index.segment_vectors_of(list(passages.items())))
        return np.concatenate(rows)


def _facts_of(fields: dict[str, Any]) -> dict[str, Any]:
    """What a later turn may refer to of a shown hit: its tempo (a passage's own, else the piece's), and for
    a passage its segment number, bars and facts."""
    facts = fields.get("segment_facts") or {}
    out: dict[str, Any] = {"tempo": float(facts.get("tempo") or fields.get("tempo") or 0.0)}
    if fields.get("bars"):
        out.update(segment=fields.get("segment"), bars=fields["bars"], facts=dict(facts))
    return out
