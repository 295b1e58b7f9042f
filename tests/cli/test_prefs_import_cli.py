"""``partita prefs import``: pairs judged elsewhere (JSON, JSON Lines or CSV of piece A, piece B and the
winner or reward scores) stored under the model's version, all or none; a bad row is named in one sentence."""

from __future__ import annotations

import json

import pytest
import symusic
from click.testing import CliRunner

from partita.cli.main import cli
from partita.pipelines import Generator
from partita.pipelines.preferences import preference_pairs, read_preference_file
from partita.training.preferences import load_preferences, model_version, preference_stats


def write_piece(path, pitches) -> str:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 120.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    s.tracks.append(t)
    s.dump_midi(str(path))
    return path.name


@pytest.fixture
def folder(tmp_path):
    """Three pieces beside the file of pairs."""
    write_piece(tmp_path / "steps.mid", [60, 62, 64, 65, 67, 65, 64, 62])
    write_piece(tmp_path / "leaps.mid", [60, 67, 55, 72, 59, 69, 57, 71])
    write_piece(tmp_path / "calm.mid", [60, 60, 62, 62, 64, 64, 62, 60])
    (tmp_path / "not-music.mid").write_text("hello")
    return tmp_path


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_json_pairs_with_winners_or_reward_scores_are_stored_and_tuned_from(folder):
    rows = [
        {"prompt": "a piano piece in C major, 2 bars", "a": "steps.mid", "b": "leaps.mid", "winner": "a"},
        {"prompt": "a piano piece in C major, 2 bars", "a": "leaps.mid", "b": "calm.mid", "score_a": 0.2,
         "score_b": 0.9},
        {"prompt": "a waltz", "a": "calm.mid", "b": "steps.mid", "score_a": 1, "score_b": 1, "rater": "me"},
    ]  # fmt: skip
    (folder / "pairs.json").write_text(json.dumps({"pairs": rows}))
    db = folder / "prefs.db"
    code, out = run("prefs", "import", str(folder / "pairs.json"), "--model", "debug", "--db", str(db))
    assert code == 0, out
    assert "3 pairs (2 decided, 1 ties)" in out and "model debug" in out
    generator = Generator.debug()
    prefs = load_preferences(db, model_version=model_version(generator.model))  # tune reads them as its own
    assert [p.winner for p in prefs] == ["a", "b", "tie"]
    assert prefs[1].meta["scores"] == [0.2, 0.9] and prefs[1].meta["pieces"] == ["leaps.mid", "calm.mid"]
    assert [p.rater for p in prefs] == ["import:pairs.json", "import:pairs.json", "me"]
    assert len(preference_pairs(generator, prefs)) == 2  # the tie makes no training pair


def test_csv_and_json_lines_are_read_too(folder):
    (folder / "pairs.csv").write_text(
        "prompt,a,b,winner,score_a,score_b\na jig,steps.mid,leaps.mid,,3,1\na jig,calm.mid,leaps.mid,b,,\n"
    )
    rows, bad = read_preference_file(folder / "pairs.csv", "debug", "v1")
    assert [p.winner for p in rows] == ["a", "b"] and bad == [] and rows[0].meta["scores"] == [3.0, 1.0]
    (folder / "pairs.jsonl").write_text(
        json.dumps({"prompt": "a jig", "a": "steps.mid", "b": "calm.mid", "winner": "tie"}) + "\n\n"
    )
    rows, _ = read_preference_file(folder / "pairs.jsonl", "debug", "v1")
    assert len(rows) == 1 and rows[0].winner == "tie" and rows[0].model_version == "v1"


BAD_ROWS = [
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "winner": "c"}, "winner 'c': one of a, b, tie"),
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid"}, "no winner: give winner (a, b or tie) or score_a"),
    ({"prompt": "x", "a": "steps.mid", "b": "gone.mid", "winner": "a"}, "piece b: no file gone.mid"),
    ({"prompt": "x", "a": "not-music.mid", "b": "leaps.mid", "winner": "a"}, "does not read as a score"),
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "score_a": "high", "score_b": 1}, "'high' is not a"),
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "score_a": 1}, "give both score_a and score_b"),
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "winner": "a", "score_a": 0, "score_b": 2},
     "winner a but the scores say b (0 against 2)"),
    ({"a": "steps.mid", "b": "leaps.mid", "winner": "a"}, "no prompt"),
    ({"prompt": "x", "a": "steps.mid", "b": "steps.mid", "winner": "a"}, "a and b are the same file"),
    ({"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "winer": "a"}, "unknown field 'winer'"),
]  # fmt: skip


@pytest.mark.parametrize("row, message", BAD_ROWS)
def test_a_bad_row_refuses_the_file_in_one_sentence_and_stores_nothing(folder, row, message):
    good = {"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "winner": "a"}
    (folder / "pairs.json").write_text(json.dumps([good, row]))
    db = folder / "prefs.db"
    code, out = run("prefs", "import", str(folder / "pairs.json"), "--model", "debug", "--db", str(db))
    assert code != 0 and "Traceback" not in out
    lines = [line for line in out.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "pairs.json pair 2: " in lines[0] and message in lines[0], out
    assert "nothing imported" in lines[0] and not db.exists()


def test_skip_bad_imports_the_good_rows_and_names_the_bad(folder):
    rows = [{"prompt": "x", "a": "steps.mid", "b": "leaps.mid", "winner": "a"}, {"prompt": "x"}, [1, 2]]
    (folder / "pairs.json").write_text(json.dumps(rows))
    db = folder / "prefs.db"
    args = ["prefs", "import", str(folder / "pairs.json"), "--model", "debug", "--db", str(db), "--skip-bad"]
    code, out = run(*args)
    assert code == 0, out
    assert "skipped pairs.json pair 2: no piece a" in out and "skipped pairs.json pair 3: a row is an" in out
    assert "1 pairs (1 decided, 0 ties)" in out and "2 bad rows skipped" in out
    assert preference_stats(db)["pairs"] == 1


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("pairs.json", "{not json", "not JSON"),
        ("pairs.json", '{"rows": []}', "a JSON file of pairs is a list of objects"),
        ("pairs.json", "[]", "no pair to import"),
        ("pairs.csv", "x,y\n1,2\n", "needs a header with prompt, a, b"),
        ("absent.json", None, "no such file of pairs"),
    ],
)
def test_a_bad_file_is_one_sentence(folder, name, text, message):
    if text is not None:
        (folder / name).write_text(text)
    code, out = run("prefs", "import", str(folder / name), "--model", "debug", "--db", str(folder / "p.db"))
    lines = [line for line in out.strip().splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and message in lines[0] and "Traceback" not in out, out


def test_a_stored_piece_past_the_score_limits_skips_its_pair_not_the_tuning(folder):
    import dataclasses

    (folder / "pairs.json").write_text(
        json.dumps({"pairs": [{"prompt": "a jig", "a": "steps.mid", "b": "leaps.mid", "winner": "a"}] * 2})
    )
    prefs, bad = read_preference_file(folder / "pairs.json", "debug", "v1")
    assert len(prefs) == 2 and bad == []
    zero = symusic.Score(480)  # a store from before import checks may hold 0 ticks a beat
    track = symusic.Track("Piano", 0, False)
    track.notes.append(symusic.Note(0, 480, 60, 80))
    zero.tracks.append(track)
    midi = zero.dumps_midi()
    broken = midi[:12] + b"\x00\x00" + midi[14:]  # the header's 480 ticks a quarter -> 0
    prefs[1] = dataclasses.replace(prefs[1], piece_b=broken)
    generator = Generator.debug()
    assert len(preference_pairs(generator, prefs)) == 1  # the good pair stays, the other is skipped
