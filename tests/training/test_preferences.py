"""The preference store: round trip, all-or-nothing writes, schema checks, Parquet export, and the
one-sentence refusal of preferences given on another model version."""

from __future__ import annotations

import sqlite3

import pyarrow.parquet as pq
import pytest
import symusic

from partita.models.pretrained import debug_model
from partita.training.preferences import (
    SCHEMA_VERSION,
    Preference,
    add_preference,
    add_preferences,
    export_preferences,
    load_preferences,
    model_version,
    preference_stats,
)


def midi(pitches) -> bytes:
    s = symusic.Score(480)
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    s.tracks.append(t)
    return s.dumps_midi()


A, B = midi([60, 62, 64, 65]), midi([60, 67, 55, 72])


def pair(winner="a", version="v1", prompt="a jig in D") -> Preference:
    return Preference(prompt, A, B, winner=winner, model="debug", model_version=version)


def test_round_trip_keeps_every_field(tmp_path):
    db = tmp_path / "prefs.db"
    pid = add_preference(db, pair("b"))
    rid = add_preference(
        db, Preference("a waltz", A, rating=4, model="debug", model_version="v1", rater="me")
    )
    prefs = load_preferences(db)
    assert [p.id for p in prefs] == [pid, rid]
    p, r = prefs
    assert (p.kind, p.winner, p.prompt, p.piece_a, p.piece_b) == ("pair", "b", "a jig in D", A, B)
    assert (r.kind, r.rating, r.rater, r.piece_b) == ("rating", 4.0, "me", None)
    chosen, other = p.pieces()  # winner b first
    assert [n.pitch for n in chosen.tracks[0].notes] == [60, 67, 55, 72]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_batch_with_one_bad_row_stores_nothing(tmp_path):
    db = tmp_path / "prefs.db"
    add_preference(db, pair())
    with pytest.raises(ValueError, match="winner"):
        add_preferences(db, [pair(), pair(winner="maybe")])

    class Unwritable:
        def __str__(self) -> str:
            raise RuntimeError("interrupted while writing")

    bad = pair()
    bad.meta = {"x": Unwritable()}  # fails inside the transaction, after two good rows were inserted
    with pytest.raises(RuntimeError, match="interrupted"):
        add_preferences(db, [pair(), pair(), bad])
    assert len(load_preferences(db)) == 1


def test_refuses_a_piece_that_is_not_midi_and_a_rating_out_of_range(tmp_path):
    with pytest.raises(ValueError, match="MIDI"):
        add_preference(tmp_path / "p.db", Preference("x", b"not midi", B, winner="a", model_version="v"))
    with pytest.raises(ValueError, match="1 to 5"):
        add_preference(tmp_path / "p.db", Preference("x", A, rating=9, model_version="v"))


def test_other_model_version_is_refused_in_one_sentence_or_filtered(tmp_path):
    db = tmp_path / "prefs.db"
    add_preferences(db, [pair(version="old1"), pair(version="new2"), pair(version="new2")])
    with pytest.raises(ValueError) as err:
        load_preferences(db, model_version="new2")
    msg = str(err.value)
    assert "old1" in msg and "new2" in msg and "\n" not in msg and msg.count(". ") == 0
    kept = load_preferences(db, model_version="new2", other_versions="filter")
    assert len(kept) == 2 and {p.model_version for p in kept} == {"new2"}


def test_newer_schema_and_foreign_files_are_refused(tmp_path):
    newer = tmp_path / "newer.db"
    add_preference(newer, pair())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ValueError, match="newer partita"):
        load_preferences(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"hello, this is not sqlite at all" * 20)
    with pytest.raises(ValueError, match="not a preference store"):
        load_preferences(junk)
    with pytest.raises(FileNotFoundError, match="no preference store"):
        load_preferences(tmp_path / "absent.db")


def test_export_to_parquet_and_stats(tmp_path):
    db = tmp_path / "prefs.db"
    add_preferences(db, [pair("a"), pair("tie"), Preference("w", A, rating=2, model_version="v1")])
    out = tmp_path / "out.parquet"
    assert export_preferences(db, out) == 3
    table = pq.read_table(out)
    assert table.num_rows == 3
    assert table.column("winner").to_pylist() == ["a", "tie", None]
    assert table.column("piece_a").to_pylist()[0] == A
    with pytest.raises(ValueError, match="parquet"):
        export_preferences(db, tmp_path / "out.csv")
    s = preference_stats(db)
    assert (s["pairs"], s["ratings"], s["winners"]) == (2, 1, {"a": 1, "tie": 1})


def test_model_version_follows_the_weights():
    m1, m2 = debug_model(0), debug_model(0)
    assert model_version(m1) == model_version(m2)
    assert model_version(m1) != model_version(debug_model(1))
