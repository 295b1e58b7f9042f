"""`partita slices train | query | keys` on a folder of MIDI files whose chords walk round the circle of
fifths."""

from __future__ import annotations

import json

import numpy as np
import pytest
import symusic
from click.testing import CliRunner

from partita.analysis.slices import chord_word, parse_slice
from partita.cli.main import cli, main

DEGREES = ((0, "maj"), (5, "maj"), (7, "maj"), (2, "min"), (4, "min"), (9, "min"))


@pytest.fixture(scope="module")
def midi_folder(tmp_path_factory):
    """40 pieces of 32 one-beat triads (plus a drum track), the key moving by fifths."""
    folder = tmp_path_factory.mktemp("walk")
    rng = np.random.default_rng(0)
    for i in range(40):
        key = int(rng.integers(12))
        s = symusic.Score(480)
        s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
        piano, kit = symusic.Track("Piano", 0, False), symusic.Track("Drums", 0, True)
        for b in range(32):
            if rng.random() < 0.1:
                key = (key + (7 if rng.random() < 0.5 else 5)) % 12
            degree, quality = DEGREES[int(rng.integers(len(DEGREES)))]
            for pc in parse_slice(chord_word(key + degree, quality)):
                piano.notes.append(symusic.Note(b * 480, 480, 48 + pc, 80))
            kit.notes.append(symusic.Note(b * 480, 120, 42, 100))
        s.tracks.extend([piano, kit])
        s.dump_midi(str(folder / f"piece{i:02d}.mid"))
    return folder


@pytest.fixture(scope="module")
def model_dir(midi_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "walk"
    args = ["slices", "train", str(midi_folder), "-o", str(out), "--min-count", "1", "--vector-size", "16"]
    result = CliRunner().invoke(cli, [*args, "--epochs", "20", "--window", "3"])
    assert result.exit_code == 0, result.output
    assert "40 pieces" in result.output and "rho" in result.output
    return out


def test_train_writes_a_model_that_query_and_keys_read(model_dir):
    card = json.loads((model_dir / "card.json").read_text())
    assert card["pieces"] == 40 and card["measures"]["rho_triad_major"] > 0.7
    result = CliRunner().invoke(cli, ["slices", "query", str(model_dir), "C:maj", "-k", "4", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["word"] == "0-4-7" and answer["name"] == "C:maj" and len(answer["nearest"]) == 4
    diatonic = {chord_word(r, q) for r, q in ((5, "maj"), (7, "maj"), (2, "min"), (4, "min"), (9, "min"))}
    assert sum(row["word"] in diatonic for row in answer["nearest"]) >= 3
    text = CliRunner().invoke(cli, ["slices", "query", str(model_dir), "2-7-11"])
    assert text.exit_code == 0 and "G:maj" in text.output
    keys = CliRunner().invoke(cli, ["slices", "keys", str(model_dir)])
    assert keys.exit_code == 0 and "major  keys, tonic triads" in keys.output and "nearest key" in keys.output
    as_json = json.loads(CliRunner().invoke(cli, ["slices", "keys", str(model_dir), "--json"]).output)
    assert as_json["rho"]["triad_major"]["rho"] > 0.7 and as_json["nearest"]


@pytest.mark.parametrize(
    "word, message",
    [
        ("0-1-2-3-4", "not in the vocabulary"),
        ("4-0-7", "not a slice word"),
        ("C:major", "unknown chord quality"),
    ],
)
def test_query_errors_are_one_line(model_dir, word, message):
    result = CliRunner().invoke(cli, ["slices", "query", str(model_dir), word])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_model_and_empty_corpus_are_one_line(tmp_path, capsys):
    assert main(["slices", "keys", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert "no slice model" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    assert main(["slices", "train", str(tmp_path / "empty"), "-o", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert "no piece" in err and "Traceback" not in err
    assert main(["slices", "train", "no-such-corpus-or-source", "-o", str(tmp_path / "m")]) == 1
    assert "unknown source" in capsys.readouterr().err and not (tmp_path / "m").exists()
