"""The preference store: the choices people make between candidates, kept in SQLite under ``$PARTITA_DATA``.

One row is either a **pair** (two pieces for one prompt and which was better: ``"a"``, ``"b"`` or ``"tie"``)
or a **rating** (one piece and a number from 1 to 5). Each row keeps the prompt, the pieces as MIDI bytes, the
model that made them (its name and :func:`model_version`, a hash of its config and weights), who chose (a
person, or a simulated rater's name) and when. Nothing leaves the machine: the store is one local file,
``partita prefs export`` writes it to Parquet for the person's own use.

A choice between pieces sampled with a learned concept (``partita serve --concept``) keeps the concept's
name, :func:`concept_version` and strength beside the base model's version: the model that made those
pieces is the base *with* the concept, so tuning the base leaves them out (:func:`split_by_concept`).

Every write is one transaction (:func:`add_preferences`: all rows or none), and the schema carries its
version in ``PRAGMA user_version``: a store written by a newer partita is refused, never half read. A store
of schema 1 (before concepts were recorded) is read as it is, and upgraded in place, in one transaction, on
its next write.

    store = data_dir() / "preferences.db"
    add_preference(store, Preference("a jig in D", midi_a, midi_b, winner="a", model="partita-small",
                                     model_version=model_version(model)))
    prefs = load_preferences(store, model_version=model_version(model))  # refuses other versions
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partita.atomic import atomic_path
from partita.paths import data_dir

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2
STORE_NAME = "preferences.db"
WINNERS = ("a", "b", "tie")
RATING_RANGE = (1.0, 5.0)
MAX_PIECE_BYTES = 4 * 2**20
"""The largest MIDI file the store keeps (a generated piece is a few kB)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS preferences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pair', 'rating')),
    prompt TEXT NOT NULL,
    piece_a BLOB NOT NULL,
    piece_b BLOB,
    winner TEXT CHECK (winner IS NULL OR winner IN ('a', 'b', 'tie')),
    rating REAL,
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    rater TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    concept TEXT NOT NULL DEFAULT '',
    concept_version TEXT NOT NULL DEFAULT '',
    concept_strength REAL
);
CREATE INDEX IF NOT EXISTS preferences_version ON preferences (model_version);
"""
_COLUMNS = (
    "id",
    "created",
    "kind",
    "prompt",
    "piece_a",
    "piece_b",
    "winner",
    "rating",
    "model",
    "model_version",
    "rater",
    "meta",
    "concept",
    "concept_version",
    "concept_strength",
)
CONCEPT_COLUMNS = {
    "concept": "TEXT NOT NULL DEFAULT ''",
    "concept_version": "TEXT NOT NULL DEFAULT ''",
    "concept_strength": "REAL",
}
"""The columns schema 2 added to schema 1 (a learned concept the pieces were sampled with)."""


def default_store() -> Path:
    """Where the studio and ``partita prefs`` keep preferences: ``$PARTITA_DATA/preferences.db``."""
    return data_dir() / STORE_NAME


@dataclass
class Preference:
    """One choice: a pair (``piece_b`` and ``winner`` given) or a rating (``rating`` of ``piece_a``)."""

    prompt: str
    piece_a: bytes
    piece_b: bytes | None = None
    winner: str | None = None
    rating: float | None = None
    model: str = ""
    model_version: str = ""
    rater: str = "person"
    created: float = field(default_factory=time.time)
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    concept: str = ""
    """The learned concept the pieces were sampled with (its name), or "" for the model alone."""
    concept_version: str = ""
    """:func:`concept_version` of that concept ("" without one)."""
    concept_strength: float | None = None
    """The strength it was applied at (None without one)."""

    @property
    def with_concept(self) -> bool:
        """Whether the pieces were sampled with a concept in place (at strength 0 a concept is the base
        model itself, seed for seed: such a choice counts as the base model's)."""
        return bool(self.concept) and self.concept_strength != 0

    @property
    def kind(self) -> str:
        return "pair" if self.piece_b is not None else "rating"

    def check(self) -> None:
        """Raise ValueError (one sentence) when this row cannot be stored."""
        if not isinstance(self.piece_a, bytes | bytearray) or not self.piece_a:
            raise ValueError("a preference needs the first piece as MIDI bytes")
        for piece in (self.piece_a, self.piece_b):
            if piece is not None and len(piece) > MAX_PIECE_BYTES:
                raise ValueError(f"a piece of {len(piece)} bytes is over the store's {MAX_PIECE_BYTES} limit")
            if piece is not None and not bytes(piece[:4]) == b"MThd":
                raise ValueError("a stored piece must be a MIDI file (it does not start with MThd)")
        if not self.model_version:
            raise ValueError("a preference needs the model_version of the model that made its pieces")
        if self.concept and not self.concept_version:
            raise ValueError(f"concept <{self.concept}>: a preference made with a concept needs its version")
        if self.kind == "pair":
            if self.winner not in WINNERS:
                raise ValueError(f"winner {self.winner!r}: a pair's winner is one of {', '.join(WINNERS)}")
            if self.rating is not None:
                raise ValueError("a pair has a winner, not a rating")
        else:
            low, high = RATING_RANGE
            if self.rating is None or not low <= float(self.rating) <= high:
                raise ValueError(f"rating {self.rating!r}: a rating is a number from {low:g} to {high:g}")
            if self.winner is not None:
                raise ValueError("a rating of one piece has no winner (give piece_b for a pair)")

    def pieces(self) -> tuple[Any, Any]:
        """The chosen and the other piece as scores (a pair's ``(winner, loser)``; a tie or rating: as
        stored)."""
        # symusic reads MIDI bytes; only when pieces are asked for
        from symusic import Score

        a = Score.from_midi(bytes(self.piece_a))
        b = Score.from_midi(bytes(self.piece_b)) if self.piece_b is not None else None
        return (b, a) if self.winner == "b" else (a, b)


def model_version(model: Any) -> str:
    """A short hash (16 hex digits) of a model's config and weights: preferences are tied to it.

    ``model`` is a :class:`~partita.models.MusicLM` (or anything with ``config.to_dict()`` and
    ``state_dict()``); the same weights give the same version wherever they are loaded.
    """
    h = hashlib.sha256()
    h.update(json.dumps(model.config.to_dict(), sort_keys=True, default=str).encode())
    for name, tensor in sorted(model.state_dict().items()):
        if name == "head.weight" and getattr(model.config, "tie_embeddings", False):
            continue
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def concept_version(concept: Any) -> str:
    """A short hash (16 hex digits) of a learned concept (:class:`partita.training.concept.Concept`): its
    name, method, the base model it was learned on and its tensors; the same concept gives the same version
    wherever it is loaded, whatever strength it is applied at."""
    c = concept.config
    h = hashlib.sha256()
    h.update(json.dumps([c.name, c.method, c.rank, c.alpha, c.base_hash, c.tokenizer_hash]).encode())
    for name, tensor in sorted(concept.tensors.items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def open_store(path: str | Path | None = None, create: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to the store at ``path`` (default :func:`default_store`), schema checked (and made when
    ``create``); closed on exit."""
    path = Path(path) if path is not None else default_store()
    if not path.exists() and not create:
        raise FileNotFoundError(f"{path}: no preference store there (choose candidates in the studio first)")
    if path.is_dir():
        raise ValueError(f"{path}: a folder, not a preference store")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
    try:
        _check_schema(conn, path, create)
        yield conn
    finally:
        conn.close()


def _check_schema(conn: sqlite3.Connection, path: Path, create: bool) -> None:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError:
        raise ValueError(f"{path}: not a preference store (not an SQLite database)") from None
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{path}: schema version {version} was written by a newer partita (this one reads "
            f"{SCHEMA_VERSION}); upgrade partita to read it"
        )
    if tables and "preferences" not in tables:
        raise ValueError(f"{path}: an SQLite database without a preferences table, not a preference store")
    if "preferences" in tables and version not in (1, SCHEMA_VERSION):
        raise ValueError(f"{path}: a preference store of unknown schema version {version}")
    if not tables:
        if not create:
            raise ValueError(f"{path}: an empty database, not a preference store")
        with _transaction(conn):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _missing_columns(conn: sqlite3.Connection) -> list[str]:
    """The concept columns a store of schema 1 lacks (none for schema 2)."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(preferences)")}
    return [c for c in CONCEPT_COLUMNS if c not in have]


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a store of schema 1 to schema 2 (inside the caller's transaction: all of it or nothing)."""
    missing = _missing_columns(conn)
    for column in missing:
        conn.execute(f"ALTER TABLE preferences ADD COLUMN {column} {CONCEPT_COLUMNS[column]}")
    if missing or conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        logger.info("upgraded the preference store to schema %d", SCHEMA_VERSION)


def add_preferences(path: str | Path | None, prefs: Iterable[Preference]) -> list[int]:
    """Store ``prefs`` in one transaction (every row, or none when one is refused); return their ids."""
    prefs = list(prefs)
    for p in prefs:
        p.check()
    ids = []
    with open_store(path) as conn, _transaction(conn):
        _upgrade(conn)
        for p in prefs:
            cur = conn.execute(
                "INSERT INTO preferences (created, kind, prompt, piece_a, piece_b, winner, rating, model, "
                "model_version, rater, meta, concept, concept_version, concept_strength) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    float(p.created),
                    p.kind,
                    str(p.prompt),
                    bytes(p.piece_a),
                    None if p.piece_b is None else bytes(p.piece_b),
                    p.winner,
                    None if p.rating is None else float(p.rating),
                    str(p.model),
                    str(p.model_version),
                    str(p.rater),
                    json.dumps(p.meta, sort_keys=True, default=str),
                    str(p.concept or ""),
                    str(p.concept_version or ""),
                    None if p.concept_strength is None else float(p.concept_strength),
                ),
            )
            p.id = int(cur.lastrowid)
            ids.append(p.id)
    logger.info("stored %d preferences in %s", len(ids), path)
    return ids


def add_preference(path: str | Path | None, pref: Preference) -> int:
    """Store one preference; return its id."""
    return add_preferences(path, [pref])[0]


def load_preferences(
    path: str | Path | None = None, model_version: str | None = None, other_versions: str = "refuse"
) -> list[Preference]:
    """The stored preferences, oldest first. With ``model_version``, rows given on another model version are
    refused (``other_versions="refuse"``: ValueError) or left out (``"filter"``)."""
    if other_versions not in ("refuse", "filter"):
        raise ValueError(f"other_versions {other_versions!r}: choose 'refuse' or 'filter'")
    with open_store(path, create=False) as conn:
        missing = set(_missing_columns(conn))  # a store of schema 1: read as made without a concept
        columns = [f"NULL AS {c}" if c in missing else c for c in _COLUMNS]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM preferences ORDER BY id").fetchall()
    prefs = [_row(r) for r in rows]
    if model_version is None:
        return prefs
    other = Counter(p.model_version for p in prefs if p.model_version != model_version)
    if other and other_versions == "refuse":
        names = ", ".join(f"{v} ({n})" for v, n in other.most_common(3))
        raise ValueError(
            f"{path or default_store()}: {sum(other.values())} of its {len(prefs)} preferences were given on "
            f"another model version ({names}), not {model_version}, the model being tuned: tune that model, "
            "or leave them out (--other-versions filter)"
        )
    return [p for p in prefs if p.model_version == model_version]


def _row(r: tuple) -> Preference:
    d = dict(zip(_COLUMNS, r, strict=True))
    return Preference(
        prompt=d["prompt"],
        piece_a=bytes(d["piece_a"]),
        piece_b=None if d["piece_b"] is None else bytes(d["piece_b"]),
        winner=d["winner"],
        rating=d["rating"],
        model=d["model"],
        model_version=d["model_version"],
        rater=d["rater"],
        created=d["created"],
        meta=json.loads(d["meta"] or "{}"),
        id=d["id"],
        concept=d["concept"] or "",
        concept_version=d["concept_version"] or "",
        concept_strength=d["concept_strength"],
    )


def split_by_concept(prefs: Iterable[Preference]) -> tuple[list[Preference], dict[str, int]]:
    """The preferences whose pieces the model alone made (no concept, or one at strength 0), and how many
    of the others each concept made (by ``<name> (version)``): tuning a model learns only from its own
    pieces."""
    own, other = [], Counter()
    for p in prefs:
        if p.with_concept:
            other[f"<{p.concept}> ({p.concept_version})"] += 1
        else:
            own.append(p)
    return own, dict(other)


def preference_stats(path: str | Path | None = None) -> dict[str, Any]:
    """Counts of a store: rows, pairs (by winner), ratings (mean), prompts, raters and model versions."""
    prefs = load_preferences(path)
    pairs = [p for p in prefs if p.kind == "pair"]
    ratings = [float(p.rating) for p in prefs if p.kind == "rating"]
    return {
        "store": str(path or default_store()),
        "schema_version": SCHEMA_VERSION,
        "preferences": len(prefs),
        "pairs": len(pairs),
        "winners": dict(Counter(p.winner for p in pairs)),
        "ratings": len(ratings),
        "mean_rating": sum(ratings) / len(ratings) if ratings else None,
        "prompts": len({p.prompt for p in prefs}),
        "raters": dict(Counter(p.rater for p in prefs)),
        "model_versions": dict(Counter(f"{p.model} {p.model_version}".strip() for p in prefs)),
        "concepts": dict(Counter(f"<{p.concept}> ({p.concept_version})" for p in prefs if p.with_concept)),
        "first": min((p.created for p in prefs), default=None),
        "last": max((p.created for p in prefs), default=None),
    }


def export_preferences(path: str | Path | None, out: str | Path) -> int:
    """Write every stored preference to the Parquet file ``out`` (atomically); return the row count."""
    # pyarrow is a dependency of the corpus layer; imported only to export
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise ValueError(f"{out}: the export is a Parquet file: name it *.parquet")
    prefs = load_preferences(path)
    table = pa.table(
        {
            "id": pa.array([p.id for p in prefs], pa.int64()),
            "created": pa.array([p.created for p in prefs], pa.float64()),
            "kind": pa.array([p.kind for p in prefs], pa.string()),
            "prompt": pa.array([p.prompt for p in prefs], pa.string()),
            "piece_a": pa.array([p.piece_a for p in prefs], pa.binary()),
            "piece_b": pa.array([p.piece_b for p in prefs], pa.binary()),
            "winner": pa.array([p.winner for p in prefs], pa.string()),
            "rating": pa.array([p.rating for p in prefs], pa.float64()),
            "model": pa.array([p.model for p in prefs], pa.string()),
            "model_version": pa.array([p.model_version for p in prefs], pa.string()),
            "rater": pa.array([p.rater for p in prefs], pa.string()),
            "meta": pa.array([json.dumps(p.meta, sort_keys=True) for p in prefs], pa.string()),
            "concept": pa.array([p.concept for p in prefs], pa.string()),
            "concept_version": pa.array([p.concept_version for p in prefs], pa.string()),
            "concept_strength": pa.array([p.concept_strength for p in prefs], pa.float64()),
        },
        metadata={"partita_preferences_schema": str(SCHEMA_VERSION)},
    )
    with atomic_path(out) as tmp:
        pq.write_table(table, str(tmp))
    return len(prefs)
