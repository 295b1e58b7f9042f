"""`partita prefs export | stats` and `partita tune --prefs` on the debug model: they work, and their errors
are one sentence."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import symusic
from click.testing import CliRunner

from partita.cli.main import cli
from partita.pipelines import Generator
from partita.training.preferences import Preference, add_preferences, model_version


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
def store(tmp_path_factory):
    """Three pairs and two ratings given on the debug model."""
    db = tmp_path_factory.mktemp("prefs") / "prefs.db"
    version = model_version(Generator.debug().model)
    steps, leaps = midi([60, 62, 64, 65, 67, 65]), midi([60, 67, 55, 72, 59, 69])
    kw = {"model": "debug", "model_version": version}
    add_preferences(
        db,
        [
            Preference("a piano piece in C major, 2 bars", steps, leaps, winner="a", **kw),
            Preference("a piano piece in C major, 2 bars", leaps, steps, winner="b", **kw),
            Preference("a waltz in F major", steps, leaps, winner="tie", **kw),
            Preference("a waltz in F major", steps, rating=5, **kw),
            Preference("a waltz in F major", leaps, rating=2, **kw),
        ],
    )
    return db


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_stats_and_export(store, tmp_path):
    code, out = run("prefs", "stats", "--db", str(store), "--json")
    assert code == 0, out
    s = json.loads(out)
    assert (s["pairs"], s["ratings"], s["winners"]) == (3, 2, {"a": 1, "b": 1, "tie": 1})
    code, out = run("prefs", "stats", "--db", str(store))
    assert code == 0 and "3 pairs" in out and "2 ratings (mean 3.50)" in out
    code, out = run("prefs", "export", str(tmp_path / "p.parquet"), "--db", str(store))
    assert code == 0 and "5 preferences" in out
    assert pq.read_table(tmp_path / "p.parquet").num_rows == 5


def test_tune_writes_a_folder_the_generator_loads(store, tmp_path):
    out = tmp_path / "tuned"
    code, text = run("tune", "--prefs", str(store), "-o", str(out), "--base", "debug", "--steps", "2")
    assert code == 0, text
    assert "3 pairs, 2 steps" in text  # two decided pairs and one rating gap; the tie makes none
    generator = Generator.from_pretrained(out)
    assert json.loads((out / "dpo_config.json").read_text())["steps"] == 2
    assert generator.card["init_from"] == "debug"
    assert model_version(generator.model) != model_version(Generator.debug().model)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["prefs", "stats", "--db", "{tmp}/absent.db"], "no preference store"),
        (["prefs", "export", "{tmp}/x.csv", "--db", "{store}"], "Parquet"),
        (["tune", "--prefs", "{tmp}/absent.db", "-o", "{tmp}/m", "--base", "debug"], "no preference store"),
        (["tune", "--prefs", "{store}", "-o", "{tmp}/m", "--base", "nonesuch"], "no model named"),
    ],
)
def test_errors_are_one_sentence(store, tmp_path, args, needle):
    args = [a.format(tmp=tmp_path, store=store) for a in args]
    code, out = run(*args)
    assert code != 0
    lines = [line for line in out.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out, out


def test_preferences_of_another_model_version_are_refused(tmp_path):
    db = tmp_path / "other.db"
    add_preferences(
        db, [Preference("a jig", midi([60, 62]), midi([60, 72]), winner="a", model_version="0ld")]
    )
    code, out = run("tune", "--prefs", str(db), "-o", str(tmp_path / "m"), "--base", "debug", "--steps", "1")
    assert code != 0 and "another model version (0ld (1))" in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()
    code, out = run(
        "tune", "--prefs", str(db), "-o", str(tmp_path / "m"), "--base", "debug", "--other-versions", "filter"
    )
    assert code != 0 and "no decided pairs" in out
