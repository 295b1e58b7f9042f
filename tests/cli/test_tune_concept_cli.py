"""`partita tune --prefs` learns only from the pieces the model it tunes made: choices between pieces a
learned concept made are left out and counted; `partita prefs stats` and `export` show the concept."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
import symusic
from click.testing import CliRunner

from partita.cli.main import cli
from partita.pipelines import Generator
from partita.training.preferences import Preference, add_preferences, model_version

PROMPT = "a piano piece in C major, 2 bars"
WITH_A = {"concept": "jig-a", "concept_version": "aaaa000011112222", "concept_strength": 1.0}


def midi(pitches) -> bytes:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 120.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    s.tracks.append(t)
    return s.dumps_midi()


@pytest.fixture(scope="module")
def pieces():
    return midi([60, 62, 64, 65, 67, 65]), midi([60, 67, 55, 72, 59, 69])


@pytest.fixture(scope="module")
def version():
    return model_version(Generator.debug().model)


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_tune_skips_the_concepts_pairs_and_says_how_many(tmp_path, pieces, version):
    steps, leaps = pieces
    db = tmp_path / "prefs.db"
    kw = {"model": "debug", "model_version": version}
    add_preferences(
        db,
        [
            Preference(PROMPT, steps, leaps, winner="a", **kw),
            Preference(PROMPT, leaps, steps, winner="b", **kw),
            Preference(PROMPT, steps, leaps, winner="b", **kw, **WITH_A),
            Preference(PROMPT, leaps, steps, winner="a", **kw, **WITH_A),
            Preference(PROMPT, leaps, steps, winner="a", **kw, **{**WITH_A, "concept_strength": 0.0}),
        ],
    )
    code, out = run(
        "tune", "--prefs", str(db), "-o", str(tmp_path / "tuned"), "--base", "debug", "--steps", "1"
    )
    assert code == 0, out
    assert "skipped 2 preferences made with a learned concept (2 with <jig-a> (aaaa000011112222))" in out
    assert "3 pairs, 1 steps" in out  # the base model's two and the concept's at strength 0 (the base itself)
    code, out = run("prefs", "stats", "--db", str(db))
    assert code == 0 and "with the concept <jig-a> (aaaa000011112222): 2" in out
    code, out = run("prefs", "export", str(tmp_path / "p.parquet"), "--db", str(db))
    assert code == 0, out
    assert pq.read_table(tmp_path / "p.parquet").column("concept").to_pylist().count("jig-a") == 3


def test_a_store_of_the_concepts_pairs_only_is_one_sentence(tmp_path, pieces, version):
    steps, leaps = pieces
    db = tmp_path / "prefs.db"
    kw = {"model": "debug", "model_version": version}
    add_preferences(db, [Preference(PROMPT, steps, leaps, winner="a", **kw, **WITH_A)])
    code, out = run(
        "tune", "--prefs", str(db), "-o", str(tmp_path / "tuned"), "--base", "debug", "--steps", "1"
    )
    assert code != 0 and "Traceback" not in out
    assert "no decided pairs or rating gaps for model debug" in out
    assert "(1 more were made with a concept, left out)" in out
    assert not (tmp_path / "tuned").exists()
