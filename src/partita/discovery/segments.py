"""Segments: the parts of a piece a query can describe ("the slow section in E minor"), each with its bars,
its own music vector and a caption, so a search returns a piece *and* where in it.

A piece's segments are the analysis layer's sections (:func:`partita.analysis.structure.find_sections`:
phrase-length blocks labelled A, B, A', ...), in order, covering the piece; a piece with more than
:data:`MAX_SEGMENTS` sections has neighbouring sections joined so that it keeps at most that many. Each
segment gets the feature vector a whole piece gets, computed on its bars alone
(:func:`partita.discovery.sections.clip_features`, the same recipe as the pooled sections), and a caption of
those bars (``bars 17-24 (B): A slow piece in E minor ...``, :func:`partita.analysis.captions.caption` of
the segment's description). A section that repeats an earlier one exactly (the same label) reuses its
vector and caption rather than describing the same music again.

:func:`corpus_segments` computes them for a built corpus (processes or Ray) with a parquet cache;
:func:`segment_rows` turns them into the rows of an index's ``segments`` table.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from partita.atomic import atomic_path
from partita.discovery.features import N_FEATURES
from partita.discovery.sections import cached_map, clip_features

MAX_SEGMENTS = 16
"""The most segments a piece keeps (a longer piece's neighbouring sections are joined)."""
FACTS = ("key", "tempo", "density", "pitch", "velocity")
"""The facts of a segment a query can compare with the rest of its piece."""


@dataclass
class Segment:
    """One part of a piece: bars ``start_bar`` (0-based, the first) to ``end_bar`` (exclusive), in ticks
    ``start_tick`` to ``end_tick`` of the score as read, with its label, caption and music features."""

    start_bar: int
    end_bar: int
    start_tick: int
    end_tick: int
    label: str
    caption: str
    features: np.ndarray
    facts: dict[str, Any] = field(default_factory=dict)
    """What :func:`part_bonus` compares: ``key`` (the analysis layer's), ``tempo`` (bpm), ``density``
    (onsets a second), ``pitch`` (mean MIDI pitch) and ``velocity`` (mean)."""

    @property
    def bars(self) -> str:
        """The bars as a musician counts them: ``"17-24"`` (1-based, inclusive)."""
        return f"{self.start_bar + 1}-{self.end_bar}"


def section_blocks(score, limit: int = MAX_SEGMENTS) -> tuple[list[tuple[int, int, str]], np.ndarray]:
    """The analysis layer's sections of a Score as ``(start_bar, end_bar, label)`` (at most ``limit``:
    neighbours joined, labels ``A+B``) and the bar lines in ticks they index."""
    from partita.analysis.structure import find_sections
    from partita.analysis.timeline import beat_grid, note_arrays

    notes = note_arrays(score)
    if not len(notes):
        return [], np.zeros(1, dtype=np.int64)
    grid = beat_grid(score, notes, int(notes.end.max()))
    blocks = find_sections(notes, grid.bars)
    size = math.ceil(len(blocks) / limit) if blocks else 1
    if size > 1:
        blocks = [
            (
                blocks[i][0],
                blocks[min(i + size, len(blocks)) - 1][1],
                "+".join(b[2] for b in blocks[i : i + size]),
            )
            for i in range(0, len(blocks), size)
        ]
    return blocks, grid.bars


def piece_segments(score, limit: int = MAX_SEGMENTS) -> list[Segment]:
    """The segments of a Score (tick time), in order; none for a score without notes."""
    from partita.analysis.captions import caption

    score = score if "Tick" in str(getattr(score, "ttype", "Tick")) else score.to("tick")
    blocks, lines = section_blocks(score, limit)
    seen: dict[str, tuple[np.ndarray, str, dict[str, Any]]] = {}
    out = []
    for a, b, label in blocks:
        start, end = int(lines[a]), int(lines[min(b, len(lines) - 1)])
        if label not in seen:
            clipped = clip_features(score, start, end)
            if clipped is None:
                continue
            features, d = clipped
            facts = {
                "key": d.key or "",
                "tempo": float(d.tempo or 0.0),
                "density": float(d.onset_density or 0.0),
                "pitch": _mean_pitch(score, start, end),
                "velocity": float(d.velocity_mean or 0.0),
            }
            seen[label] = (features, caption(d, lang="en", seed=0), facts)
        features, text, facts = seen[label]
        out.append(
            Segment(a, b, start, end, label, f"bars {a + 1}-{b} ({label}): {text}", features, dict(facts))
        )
    return out


def _mean_pitch(score, start: int, end: int) -> float:
    pitches = [
        a["pitch"][(a["time"] >= start) & (a["time"] < end)]
        for t in score.tracks
        if not t.is_drum and len(t.notes)
        for a in [t.notes.numpy()]
    ]
    joined = np.concatenate(pitches) if pitches else np.zeros(0)
    return float(joined.mean()) if joined.size else 0.0


def _segments_task(task: tuple[str, str]) -> tuple[str, list[dict[str, Any]], str]:
    from partita.score import read_midi

    piece_id, path = task
    try:
        return piece_id, [_as_row(s) for s in piece_segments(read_midi(path))], ""
    except Exception as e:  # an unreadable piece has no segments; its whole-piece vector still counts
        return piece_id, [], f"{type(e).__name__}: {e}"[:300]


def _as_row(s: Segment) -> dict[str, Any]:
    return {
        "start_bar": s.start_bar,
        "end_bar": s.end_bar,
        "start_tick": s.start_tick,
        "end_tick": s.end_tick,
        "label": s.label,
        "caption": s.caption,
        "features": np.asarray(s.features, dtype=np.float32).tolist(),
        **{k: s.facts.get(k, "" if k == "key" else 0.0) for k in FACTS},
    }


_SEGMENT = pa.struct(
    [
        ("start_bar", pa.int32()),
        ("end_bar", pa.int32()),
        ("start_tick", pa.int64()),
        ("end_tick", pa.int64()),
        ("label", pa.string()),
        ("caption", pa.string()),
        ("features", pa.list_(pa.float32())),
        ("key", pa.string()),
        *((name, pa.float64()) for name in FACTS[1:]),
    ]
)


def write_segments(segments: dict[str, list[dict[str, Any]]], path: Path) -> None:
    """Write the segments of pieces (piece id -> segment rows) to a parquet file atomically."""
    table = pa.Table.from_pylist(
        [{"piece_id": k, "segments": v} for k, v in segments.items()],
        schema=pa.schema([("piece_id", pa.string()), ("segments", pa.list_(_SEGMENT))]),
    )
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)


def read_segments(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The segments of a parquet file written by :func:`write_segments`."""
    return {r["piece_id"]: r["segments"] for r in pq.read_table(path).to_pylist()}


def corpus_segments(
    corpus,
    records: list[dict[str, Any]] | None = None,
    cache: str | os.PathLike | None = None,
    **options: Any,
) -> dict[str, list[dict[str, Any]]]:
    """The segment rows (dicts of :class:`Segment` fields) of ``records`` (default: all) of a loaded
    corpus, by piece id: read from ``cache`` where it has them, computed (and added to it) otherwise;
    ``options``: ``workers``, ``progress``, ``engine``, ``address`` of
    :func:`partita.discovery.sections.cached_map`."""
    return cached_map(
        corpus, records, _segments_task, (read_segments, write_segments), cache, what="segments", **options
    )


def segment_matrix(rows: list[dict[str, Any]]) -> np.ndarray:
    """The features of segment rows as one (segments x features) float32 array."""
    return np.asarray([r["features"] for r in rows], dtype=np.float32).reshape(-1, N_FEATURES)


def segment_rows(segments: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows of an index's ``segments`` table (piece id, segment number, bars, ticks, label, caption,
    features), pieces in the order given."""
    return [
        {"piece_id": piece_id, "segment": i, **row}
        for piece_id, rows in segments.items()
        for i, row in enumerate(rows)
    ]


def rank_segments(
    query: np.ndarray,
    piece_vectors: np.ndarray,
    segment_piece: np.ndarray,
    segment_vectors: np.ndarray,
    bonus: np.ndarray | None = None,
    pieces_bonus: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each piece's match to a query vector — the cosine with the whole piece (plus ``pieces_bonus``,
    :func:`piece_bonus`) plus the score of its best segment (the segment's cosine plus its ``bonus``,
    :func:`part_bonus`; a piece without segments counts its whole vector twice) — and the row of that best
    segment (-1 when the piece has none). ``segment_piece`` gives each segment row's piece (a row of
    ``piece_vectors``)."""
    whole = piece_vectors @ query
    best = np.full(len(whole), -1, dtype=np.int64)
    part = whole.copy()
    if len(segment_vectors):
        cos = segment_vectors @ query + (0.0 if bonus is None else bonus)
        order = np.lexsort((-cos, segment_piece))  # by piece, the best segment first
        pieces, first = np.unique(segment_piece[order], return_index=True)
        best[pieces] = order[first]
        part[pieces] = cos[order[first]]
    return whole + part + (0.0 if pieces_bonus is None else pieces_bonus), best


_KEY = re.compile(r"\b([a-g])(?:\s*(#|♯|b|♭|-sharp|-flat| sharp| flat))?[\s-]+(major|minor)\b")
_WORD = re.compile(r"[a-z]+")
PART_WORDS = frozenset(
    ("section", "part", "passage", "passages", "bars", "bar", "middle", "bridge", "chorus", "verse")
    + ("episode", "segment", "strain", "trio", "turns", "turn", "moves", "move", "modulates", "modulate")
    + ("goes", "go", "shifts", "shift")
)
"""Words that name a part of a piece (a key right after or nearest before one is the part's)."""
PIECE_WORDS = frozenset(("piece", "tune", "song", "work", "melody", "chorale", "movement", "composition"))
MOVES = {
    **dict.fromkeys(("slower", "slow", "slows", "slowing"), ("tempo", -1)),
    **dict.fromkeys(("faster", "fast", "quicker", "quick"), ("tempo", 1)),
    **dict.fromkeys(("sparser", "sparse", "thinner", "thin", "calmer"), ("density", -1)),
    **dict.fromkeys(("busier", "busy", "denser", "dense"), ("density", 1)),
    **dict.fromkeys(("higher", "high"), ("pitch", 1)),
    **dict.fromkeys(("lower", "low"), ("pitch", -1)),
    **dict.fromkeys(("louder", "loud"), ("velocity", 1)),
    **dict.fromkeys(("quieter", "quiet", "softer", "soft"), ("velocity", -1)),
}
"""Words that ask a part to differ from the rest of its piece: (fact, direction)."""
THRESHOLDS = {"tempo": 0.03, "density": 0.1, "pitch": 1.0, "velocity": 3.0}
"""How far a part must differ from the rest to count (log ratio of tempo or density; semitones; velocity)."""


@dataclass
class PartWish:
    """What a query asks of a part: its key (``(pitch class, mode)``) or only its mode, and how it differs
    from the rest of the piece (fact -> +1 / -1); and the key of the whole piece, when it names one."""

    key: tuple[int, str] | None = None
    mode: str | None = None
    moves: dict[str, int] = field(default_factory=dict)
    piece_key: tuple[int, str] | None = None

    def __len__(self) -> int:
        part = int(self.key is not None or self.mode is not None) + len(self.moves)
        return part + int(self.piece_key is not None)


def _key_class(name: str) -> tuple[int, str] | None:
    """``(pitch class, mode)`` of a key name (``"Bb major"``, ``"f# minor"``); None when not one."""
    from partita.discovery.features import _pc

    m = _KEY.search(name.lower())
    if not m:
        return None
    letter, accidental, mode = m.groups()
    shift = {"#": 1, "♯": 1, "-sharp": 1, " sharp": 1, "b": -1, "♭": -1, "-flat": -1, " flat": -1}
    pc = _pc(letter.upper())
    return None if pc is None else ((pc + shift.get(accidental or "", 0)) % 12, mode)


def _owner(words: list[tuple[int, str]], at: int, end: int) -> str:
    """Whether the key or mode found at characters ``[at, end)`` is the part's or the whole piece's: the
    noun right after it, else the nearest such noun before it, else the piece's when a part is named later."""
    after = next((w for i, w in words if i >= end), "")
    if after in PIECE_WORDS or after in PART_WORDS:
        return "piece" if after in PIECE_WORDS else "part"
    before = next((w for i, w in reversed(words) if i < at and (w in PART_WORDS or w in PIECE_WORDS)), "")
    if before:
        return "piece" if before in PIECE_WORDS else "part"
    return "piece" if any(w in PART_WORDS for i, w in words if i >= end) else "part"


def part_wish(text: str) -> PartWish:
    """What a query asks of a part (:class:`PartWish`), by rule: a key or mode the part is said to be in,
    the comparatives of :data:`MOVES`, and a key said of the whole piece ("a piece in G major with ...")."""
    low = text.lower()
    words = [(m.start(), m.group()) for m in _WORD.finditer(low)]
    wish = PartWish()
    for m in _KEY.finditer(low):
        if _owner(words, m.start(), m.end()) == "part":
            wish.key = _key_class(m.group())
        else:
            wish.piece_key = _key_class(m.group())
    if wish.key is None:
        for i, w in words:
            in_key = any(k.start() <= i < k.end() for k in _KEY.finditer(low))
            if w in ("major", "minor") and not in_key and _owner(words, i, i + len(w)) == "part":
                wish.mode = w
    for _, w in words:
        if w in MOVES:
            fact, sign = MOVES[w]
            wish.moves[fact] = sign
    return wish


def piece_bonus(wish: PartWish, keys: list[str]) -> np.ndarray:
    """What each piece (its key, as the analysis layer names it) adds to its score for a wish: its share of
    the wish (``1 / len(wish)``) when the wish names the piece's key and the piece is in it, else 0."""
    if wish.piece_key is None:
        return np.zeros(len(keys))
    return _in_key(keys, wish.piece_key).astype(np.float64) / len(wish)


def _in_key(keys: list[str], want: tuple[int, str]) -> np.ndarray:
    """Whether each key name is the key ``want`` (each distinct name parsed once)."""
    classes = {k: _key_class(k or "") for k in set(keys)}
    return np.asarray([classes[k] == want for k in keys], dtype=bool)


def part_checks(
    wish: PartWish, facts: dict[str, Any], segment_piece: np.ndarray, lengths: np.ndarray
) -> dict[str, np.ndarray]:
    """Which segments meet each thing a wish asks of a part, by what it asks (``"in E minor"``, ``"slower
    than the rest"``): its key (or mode), and each comparative against the rest of its own piece (the
    length-weighted mean of its other segments; a piece of one segment meets none)."""
    checks: dict[str, np.ndarray] = {}
    if wish.key is not None:
        checks[f"in {_key_name(wish.key)}"] = _in_key(facts["key"], wish.key)
    elif wish.mode:
        checks[f"in {wish.mode}"] = np.asarray([(k or "").endswith(wish.mode) for k in facts["key"]], bool)
    w = np.asarray(lengths, dtype=np.float64)
    for fact, sign in wish.moves.items():
        v = np.asarray(facts[fact], dtype=np.float64)
        total = np.bincount(segment_piece, w * v)[segment_piece]
        rest_w = np.bincount(segment_piece, w)[segment_piece] - w
        rest = (total - w * v) / np.maximum(rest_w, 1e-9)
        if fact in ("tempo", "density"):
            diff = np.log(np.maximum(v, 1e-9) / np.maximum(rest, 1e-9))
        else:
            diff = v - rest
        said = f"{COMPARATIVES[fact][sign > 0]} than the rest"
        checks[said] = (rest_w > 0) & (sign * diff > THRESHOLDS[fact])
    return checks


COMPARATIVES = {
    "tempo": ("slower", "faster"),
    "density": ("sparser", "busier"),
    "pitch": ("lower", "higher"),
    "velocity": ("quieter", "louder"),
}
"""How a part that differs from the rest is said: (below, above)."""
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _key_name(key: tuple[int, str]) -> str:
    return f"{_NAMES[key[0] % 12]} {key[1]}"


def part_bonus(
    wish: PartWish, facts: dict[str, Any], segment_piece: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """The share of a wish each segment meets (0 to 1; all 0 for a wish of nothing): :func:`part_checks`
    summed over the wish's size."""
    n = len(segment_piece)
    if not len(wish) or not n:
        return np.zeros(n)
    met = np.zeros(n)
    for passed in part_checks(wish, facts, segment_piece, lengths).values():
        met += passed
    return met / len(wish)


_PASSAGE = re.compile(
    r"(?<![-\d])\b(?:sections?|parts?|passages?|bars|bridge|chorus|verse|episode|segments?|strain|bits?"
    r"|moment|middle eight)\b"
)


def asks_for_part(text: str) -> bool:
    """Whether a request is about a passage of a piece ("the part where the fiddle goes up high", "a slow
    section in minor") rather than a whole piece (a "four-part chorale" is a whole piece)."""
    return bool(_PASSAGE.search(text.lower()))


def meets(conditions: dict[str, tuple[str, Any]], facts: dict[str, list]) -> np.ndarray:
    """Which segments meet every condition on their facts (``fact -> (op, value)``; ops ``=``, ``!=``,
    ``like`` / ``not like`` (a key's ``'% minor'``), ``~`` / ``not ~`` (a tempo within 0.8 to 1.25 times the
    value), ``>``, ``<``): the filters of a conversation, said of a part instead of a piece."""
    n = len(facts[FACTS[0]])
    ok = np.ones(n, dtype=bool)
    for fact, (op, value) in conditions.items():
        if fact not in FACTS:
            raise ValueError(f"unknown segment fact {fact!r}; facts: {', '.join(FACTS)}")
        v = facts[fact]
        if fact == "key":
            if "like" in op:
                hit = [(k or "").lower().endswith(str(value).lower().removeprefix("% ")) for k in v]
            else:
                want = _key_class(str(value))
                hit = _in_key(list(v), want) if want else [(k or "") == value for k in v]
        else:
            x = np.asarray(v, dtype=np.float64)
            hit = {
                "~": (x >= 0.8 * float(value)) & (x <= 1.25 * float(value)),
                ">": x > float(value),
                "<": (x < float(value)) & (x > 0),
                "=": x == float(value),
            }.get(op.removeprefix("not ").replace("!=", "="))
            if hit is None:
                raise ValueError(f"unknown condition {op!r} on {fact}")
        hit = np.asarray(hit, dtype=bool)
        ok &= ~hit if op.startswith("not") or op == "!=" else hit
    return ok


def clip_bars(score, bars: str):
    """The bars ``"17-24"`` (1-based, inclusive; ``"5"`` one bar) of a Score, moved to start at 0, with the
    tempo and meter in force there: a passage to play. The bar lines are those the segments were cut at."""
    from partita.analysis.timeline import beat_grid, note_arrays

    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", str(bars or ""))
    if not m:
        raise ValueError(f"bars {bars!r}: say them as first-last, e.g. 17-24")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    score = score if "Tick" in str(getattr(score, "ttype", "Tick")) else score.to("tick")
    notes = note_arrays(score)
    if not len(notes):
        raise ValueError("the piece has no notes")
    lines = beat_grid(score, notes, int(notes.end.max())).bars
    if not 1 <= first <= last or first > len(lines) - 1:
        raise ValueError(f"bars {bars!r}: the piece has bars 1-{len(lines) - 1}")
    start, end = int(lines[first - 1]), int(lines[min(last, len(lines) - 1)])
    return score.clip(start, end, clip_end=False).shift_time(-start)
