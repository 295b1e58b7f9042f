"""The corpus labels a query names, as a soft boost over the index's label columns (issue 23's "cascade of
filters", kept soft).

The learned text encoder ties a query to what the music encoder can infer from the notes (key, meter,
density, range); a kind ("reel", "chorale", "Liebes - Lied"), a composer ("by O'Carolan") or a collection
("O'Neill's") is a fact about a piece that the notes barely hold, so the encoder reads "a chorale by Bach"
as little more than its key and meter. The index stores those facts as label columns
(:data:`partita.discovery.features.LABEL_FIELDS`); :class:`LabelMatcher` reads the words of a query that
name one of their values, with the corpus's own vocabulary (the values the indexed pieces carry), and scores
each piece by the labels it shares with the query:

- ``tune_type``: a value said whole ("slip jig" before "jig"; plurals too);
- ``genre``, ``region``: a value, or one of its comma-separated parts ("Liebes - Lied", "Schlesien");
- ``composer``: a name word of four letters or more ("Bach", "O'Carolan", "Palestrina");
- ``collection``: the words of the collection's name ("O'Neill" for ``oneills1850``, "Ryan's Mammoth");
- ``country``: the name or its adjective ("Chinese", "German", "Irish");
- ``key`` ("D major", "d小调", "降B大调") and ``meter`` ("6/8", "拍号为6/8").

A label shared with the query adds its inverse document frequency over the indexed pieces
(``log(1 + N / n)``, ``n`` the pieces that carry it): a rare composer counts for more than G major. Words are
matched after lower-casing and dropping apostrophes and punctuation ("O'Neill" = "oneill"); a few Chinese
words for kinds, composers and countries are mapped to the corpus's labels (the Chinese captions keep the
labels untranslated). What the query says beyond the labels is left to the text encoder; a query naming no
label scores every piece 0.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

FIELDS = ("tune_type", "genre", "region", "country", "composer", "collection", "key", "meter")
"""The label columns a query can name."""
MAX_WORDS = 8
"""The longest label phrase looked up (in words)."""
GENERIC = {
    "song", "songs", "tune", "tunes", "piece", "pieces", "music", "lied", "lieder", "the", "and", "with",
    "from", "for", "von", "und", "der", "die", "das", "des", "den", "dem", "ein", "eine", "van", "del",
    "della", "collected", "anonymous", "anon", "unknown", "traditional", "trad", "irish", "scotch",
    "scottish", "english", "welsh", "opus", "folk", "misc", "dataset", "train", "test", "valid", "sheet",
    "lead", "airs", "book", "arranged", "arr", "old", "new", "dance", "time", "major", "minor",
}  # fmt: skip
"""Words that name no one label on their own (a composer word, a collection word or a part of a genre)."""
DEMONYMS = {
    "chinese": "china", "german": "germany", "irish": "ireland", "french": "france", "austrian": "austria",
    "swiss": "switzerland", "dutch": "netherlands", "hungarian": "hungary", "polish": "poland",
    "swedish": "sweden", "danish": "denmark", "italian": "italy", "english": "england", "american": "usa",
    "czech": "czechoslovakia", "romanian": "romania", "norwegian": "norway", "finnish": "finland",
    "greek": "greece", "belgian": "belgium", "luxembourgish": "luxembourg", "yugoslav": "yugoslavia",
    "yugoslavian": "yugoslavia", "russian": "ussr", "soviet": "ussr", "scottish": "scotch",
    "deutsch": "germany", "deutschland": "germany",
}  # fmt: skip
"""Adjectives (and a few other names) of the countries the corpus names, as the country label words."""
CHINESE = {
    "众赞歌": "chorale", "圣咏": "chorale", "弥撒": "mass", "牧歌": "madrigal", "流行": "pop",
    "吉格": "jig", "里尔": "reel", "号笛": "hornpipe", "进行曲": "march", "华尔兹": "waltz",
    "圆舞曲": "waltz",
    "波尔卡": "polka", "巴赫": "bach", "帕莱斯特里纳": "palestrina", "蒙特威尔第": "monteverdi",
    "贝多芬": "beethoven", "莫扎特": "mozart", "海顿": "haydn", "舒曼": "schumann", "肖邦": "chopin",
    "亨德尔": "handel", "中国": "china", "德国": "germany", "爱尔兰": "ireland", "法国": "france",
    "奥地利": "austria", "瑞士": "switzerland", "荷兰": "netherlands", "卢森堡": "luxembourg",
    "匈牙利": "hungary", "波兰": "poland", "山歌": "shange", "小调风格": "xiaodiao",
}  # fmt: skip
"""Chinese words for labels, mapped to the (English or romanised) words the labels use."""

_KEY = re.compile(r"(?<![a-z0-9])([a-g])(#|b|-flat| flat|-sharp| sharp)?[\s-]*(major|minor)(?![a-z])")
_ZH_KEY = re.compile(r"(降|升)?([A-Ga-g])(#|b)?\s*(大调|小调)")
_METER = re.compile(r"(?<![\d/])(\d{1,3})\s*/\s*(\d{1,2})(?![\d/])")
_WORD = re.compile(r"[^\W_]+")
_QUOTES = re.compile(r"['’`´]")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("O'Neill" -> "oneill"), other punctuation a space."""
    return " ".join(_WORD.findall(_CJK.sub(" ", _QUOTES.sub("", text.lower()))))


def _stem(word: str) -> str:
    """A possessive or plural ``s`` dropped from a name word of five letters or more ("oneills")."""
    return word[:-1] if len(word) >= 5 and word.endswith("s") and not word.endswith("ss") else word


def _name_words(value: str) -> set[str]:
    """The words of a composer's or a collection's name that can name it alone."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|[/_\-\d]+", " ", value)  # "ryansMammoth/op1" -> "ryans Mammoth op"
    words = {_stem(w) for w in normalise(spaced).split()}
    return {w for w in words if len(w) >= 4 and w not in GENERIC}


def _parts(value: str) -> set[str]:
    """A genre's or region's phrases: the value whole and its comma- or semicolon-separated parts."""
    phrases = {normalise(value)} | {normalise(p) for p in re.split(r"[,;/()]", value)}
    return {p for p in phrases if len(p) >= 3 and p not in GENERIC and not p.isdigit()}


def _key_value(tonic: str, accidental: str, mode: str) -> str:
    sign = {
        "#": "#",
        "b": "b",
        "-flat": "b",
        " flat": "b",
        "-sharp": "#",
        " sharp": "#",
        "降": "b",
        "升": "#",
    }
    return f"{tonic.upper()}{sign.get(accidental or '', '')} {mode}"


def _phrases(field: str, value: str) -> set[str]:
    """The normalised phrases that name a value of a field."""
    if field == "tune_type":
        base = normalise(value)
        return {base, base + "s", base + "es"} - GENERIC if base else set()
    if field in ("genre", "region"):
        return _parts(value)
    if field in ("composer", "collection"):
        return _name_words(value)
    if field == "country":
        base = normalise(value)
        return {base} - GENERIC if len(base) >= 3 else set()
    return set()


class LabelMatcher:
    """The labels of a set of pieces (one dict a piece, :data:`FIELDS` among its keys), looked up by the
    words of a query. :meth:`named` says what a query names; :meth:`scores` scores every piece."""

    def __init__(self, labels: Sequence[dict[str, str]], fields: Sequence[str] = FIELDS):
        self.n = len(labels)
        self.fields = tuple(fields)
        self.values: dict[str, np.ndarray] = {}
        self.phrases: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)
        """A normalised phrase -> (field, the pieces whose value of that field it names)."""
        for field in FIELDS:
            column = [str(r.get(field) or "") for r in labels]
            self.values[field] = np.asarray(column, dtype=object)
            if field in ("key", "meter"):
                continue
            rows: dict[str, list[int]] = defaultdict(list)
            by_value: dict[str, list[int]] = defaultdict(list)
            for i, v in enumerate(column):
                if v:
                    by_value[v].append(i)
            for v, pieces in by_value.items():
                for p in _phrases(field, v):
                    rows[p].extend(pieces)
            for p, pieces in rows.items():
                self.phrases[p].append((field, np.unique(np.asarray(pieces, dtype=np.int64))))
        self._exact = {f: self._by_value(self.values[f]) for f in ("key", "meter")}

    @staticmethod
    def _by_value(column: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(column):
            if v:
                out[v].append(i)
        return {v: np.asarray(p, dtype=np.int64) for v, p in out.items()}

    def idf(self, count: int) -> float:
        """The weight of a label ``count`` pieces carry."""
        return math.log(1.0 + self.n / max(count, 1))

    def named(self, text: str) -> list[tuple[str, str, np.ndarray]]:
        """What a query names: ``(field, phrase, pieces)`` for each label phrase found (a field's longest
        phrase first; a word serves one phrase of a field)."""
        found: list[tuple[str, str, np.ndarray]] = []
        low = text.lower()
        for m in _KEY.finditer(low):
            found.append(("key", m.group(0), self._exact["key"].get(_key_value(*m.groups()), _EMPTY)))
        for m in _ZH_KEY.finditer(text):
            accidental = m.group(1) or m.group(3) or ""
            value = _key_value(m.group(2), accidental, "major" if m.group(4) == "大调" else "minor")
            found.append(("key", m.group(0), self._exact["key"].get(value, _EMPTY)))
        for m in _METER.finditer(low):
            found.append(
                ("meter", m.group(0), self._exact["meter"].get(f"{m.group(1)}/{m.group(2)}", _EMPTY))
            )
        for zh, word in CHINESE.items():
            if zh in text:
                low += f" {word}"
        words = normalise(low).split()
        words += [DEMONYMS[w] for w in words if w in DEMONYMS]
        stems = [(i, s) for i, w in enumerate(words) if (s := _stem(w)) != w]  # "oneills": names only
        used: dict[str, set[int]] = defaultdict(set)
        for length in range(min(MAX_WORDS, len(words)), 0, -1):
            for start in range(len(words) - length + 1):
                phrase = " ".join(words[start : start + length])
                span = set(range(start, start + length))
                for field, pieces in self.phrases.get(phrase, ()):
                    if span & used[field]:
                        continue
                    used[field] |= span
                    found.append((field, phrase, pieces))
        for i, stem in stems:
            for field, pieces in self.phrases.get(stem, ()):
                if field in ("composer", "collection") and i not in used[field]:
                    used[field].add(i)
                    found.append((field, stem, pieces))
        return [f for f in found if len(f[2]) and f[0] in self.fields]

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Each query's label score of every piece (queries x pieces): the summed weights of the labels the
        piece shares with the query."""
        out = np.zeros((len(texts), self.n), dtype=np.float64)
        for q, text in enumerate(texts):
            for _, _, pieces in self.named(text):
                out[q, pieces] += self.idf(len(pieces))
        return out


_EMPTY = np.zeros(0, dtype=np.int64)


def with_estimated_keys(
    labels: list[dict[str, str]], described: Sequence[dict[str, str]]
) -> list[dict[str, str]]:
    """``labels`` (one dict a piece, with ``piece_id``) where a piece without a ``key`` label takes the key
    its description (``described``: rows of ``piece_id`` and ``description``, JSON) estimates: a chorale's
    manifest names no key, but "a chorale in G major" should still find the G major ones."""
    estimated = {r["piece_id"]: json.loads(r.get("description") or "{}").get("key") or "" for r in described}
    return [{**r, "key": r.get("key") or estimated.get(r.get("piece_id", ""), "")} for r in labels]
