"""Preferences made with a learned concept: the store keeps the concept (name, version, strength) beside the
base model's version, exports it, and tells the base model's own choices from the concept's; a store of
schema 1 (before concepts) is read as it is and upgraded, all or nothing, on its next write."""

from __future__ import annotations

import sqlite3

import pyarrow.parquet as pq
import pytest
import symusic

from partita.pipelines import Generator
from partita.training.concept import ConceptConfig, learn_concept
from partita.training.preferences import (
    SCHEMA_VERSION,
    Preference,
    add_preference,
    add_preferences,
    concept_version,
    export_preferences,
    load_preferences,
    preference_stats,
    split_by_concept,
)


def midi(pitches) -> bytes:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 120.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    s.tracks.append(t)
    return s.dumps_midi()


A, B = midi([60, 62, 64, 65]), midi([60, 67, 55, 72])
PROMPT = "a piano piece in C major, 2 bars"


def pair(**kw) -> Preference:
    return Preference(PROMPT, A, B, winner="a", model="debug", model_version="0123456789abcdef", **kw)


@pytest.fixture(scope="module")
def two_concepts():
    """Two concepts learned in one step each on the debug model (different references)."""
    base = Generator.debug()
    out = []
    for name, pitches in (("jig-a", [60, 64, 67, 72]), ("jig-b", [62, 65, 69, 74])):
        ref = symusic.Score.from_midi(midi(pitches * 2))
        config = ConceptConfig(name=name, steps=1, batch=1)
        out.append(learn_concept([(f"{name}.mid", ref)], base.model, base.tokenizer, config))
    return out


def test_concept_version_names_the_concept_not_its_strength(two_concepts, tmp_path):
    a, b = two_concepts
    assert len(concept_version(a)) == 16 and concept_version(a) != concept_version(b)
    a.save_pretrained(tmp_path / "a")
    from partita.training.concept import load_concept

    again = load_concept(tmp_path / "a")
    again.config.strength = 0.5  # the default strength is not what the concept is
    assert concept_version(again) == concept_version(a)


def test_the_concept_is_stored_exported_and_told_apart(tmp_path):
    db = tmp_path / "prefs.db"
    add_preferences(
        db,
        [
            pair(),
            pair(concept="jig-a", concept_version="aaaa000011112222", concept_strength=1.0),
            pair(concept="jig-a", concept_version="aaaa000011112222", concept_strength=0.5),
            pair(concept="jig-b", concept_version="bbbb000011112222", concept_strength=0.0),
        ],
    )
    prefs = load_preferences(db, model_version="0123456789abcdef")  # one base version: none refused
    assert [(p.concept, p.concept_strength) for p in prefs] == [
        ("", None),
        ("jig-a", 1.0),
        ("jig-a", 0.5),
        ("jig-b", 0.0),
    ]
    own, skipped = split_by_concept(prefs)
    # at strength 0 a concept is the base model itself: that choice is the base model's own
    assert [p.id for p in own] == [prefs[0].id, prefs[3].id]
    assert skipped == {"<jig-a> (aaaa000011112222)": 2}
    assert preference_stats(db)["concepts"] == {"<jig-a> (aaaa000011112222)": 2}
    out = tmp_path / "prefs.parquet"
    assert export_preferences(db, out) == 4
    table = pq.read_table(out).to_pydict()
    assert table["concept"] == ["", "jig-a", "jig-a", "jig-b"]
    assert table["concept_version"][1] == "aaaa000011112222"
    assert table["concept_strength"] == [None, 1.0, 0.5, 0.0]


def test_a_concept_without_its_version_is_refused_and_nothing_is_stored(tmp_path):
    db = tmp_path / "prefs.db"
    with pytest.raises(ValueError, match=r"concept <jig-a>: a preference made with a concept needs its"):
        add_preferences(db, [pair(), pair(concept="jig-a")])
    assert not db.exists() or load_preferences(db) == []


def _schema_1_store(path) -> None:
    """A store as partita wrote it before concepts were recorded (schema 1)."""
    conn = sqlite3.connect(str(path))
    conn.executescript(
        """
        CREATE TABLE preferences (
            id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('pair', 'rating')), prompt TEXT NOT NULL,
            piece_a BLOB NOT NULL, piece_b BLOB,
            winner TEXT CHECK (winner IS NULL OR winner IN ('a', 'b', 'tie')), rating REAL,
            model TEXT NOT NULL, model_version TEXT NOT NULL, rater TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}');
        PRAGMA user_version = 1;
        """
    )
    conn.execute(
        "INSERT INTO preferences (created, kind, prompt, piece_a, piece_b, winner, rating, model, "
        "model_version, rater, meta) VALUES (1.0, 'pair', ?, ?, ?, 'b', NULL, 'debug', "
        "'0123456789abcdef', 'person', '{}')",
        (PROMPT, A, B),
    )
    conn.commit()
    conn.close()


def test_a_schema_1_store_is_read_and_upgraded_on_its_next_write(tmp_path):
    db = tmp_path / "old.db"
    _schema_1_store(db)
    (old,) = load_preferences(db)
    assert (old.winner, old.concept, old.concept_strength) == ("b", "", None)
    assert sqlite3.connect(str(db)).execute("PRAGMA user_version").fetchone()[0] == 1  # reading: unchanged
    add_preference(db, pair(concept="jig-a", concept_version="aaaa000011112222", concept_strength=1.0))
    assert sqlite3.connect(str(db)).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert [(p.winner, p.concept) for p in load_preferences(db)] == [("b", ""), ("a", "jig-a")]


def test_a_failed_write_leaves_a_schema_1_store_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    _schema_1_store(db)
    import partita.training.preferences as store

    def broken(conn):
        conn.execute("ALTER TABLE preferences ADD COLUMN concept TEXT NOT NULL DEFAULT ''")
        raise OSError("disk full")

    monkeypatch.setattr(store, "_upgrade", broken)
    with pytest.raises(OSError, match="disk full"):
        add_preference(db, pair())
    conn = sqlite3.connect(str(db))
    columns = {r[1] for r in conn.execute("PRAGMA table_info(preferences)")}
    assert "concept" not in columns and conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert len(load_preferences(db)) == 1
