"""``partita infill --tracks``: named tracks written anew from the command line; bad input is one line."""

from __future__ import annotations

import json

from tests.generation.test_tracks_infill import chorale

from partita.cli.main import main
from partita.score import read_midi, write_midi


def test_partita_infill_tracks_writes_the_piece_with_the_track_anew(tmp_path, capsys):
    path = write_midi(chorale(), tmp_path / "bach.mid")
    out = tmp_path / "out"
    argv = ["infill", str(path), "--tracks", "bass", "--bars", "2-3", "--model", "debug", "--n", "1"]
    assert main([*argv, "--seed", "1", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "track 4 (Bass) written anew over bars 2-3" in said and "chords recognised" in said
    assert "other tracks kept as written" in said
    piece = read_midi(out / "candidate-1.mid")
    assert [len(t.notes) for t in piece.tracks[:3]] == [16, 16, 16]
    used = json.loads((out / "generation.json").read_text())
    assert "track infill" in json.dumps(used)


def test_bad_tracks_are_one_line_and_nothing_is_written(tmp_path, capsys):
    path = write_midi(chorale(drums=True), tmp_path / "bach.mid")
    for spec, message in (
        ("tuba", "no track matches 'tuba'"),
        ("drums", "is drums: partita writes pitched tracks anew"),
        ("1,2,3,4", "would keep no pitched track"),
    ):
        out = tmp_path / spec.replace(",", "")
        assert main(["infill", str(path), "--tracks", spec, "--model", "debug", "-o", str(out)]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert not out.exists()
    out = tmp_path / "outside"
    assert main(["infill", str(path), "--tracks", "bass", "--bars", "3-9", "-o", str(out)]) == 1
    assert "bars 3-9 are outside it: it has 4 bars" in capsys.readouterr().err and not out.exists()


def test_infill_without_bars_or_tracks_is_a_usage_error(tmp_path, capsys):
    path = write_midi(chorale(), tmp_path / "bach.mid")
    assert main(["infill", str(path), "--model", "debug"]) == 2
    assert "give --bars FIRST-LAST" in capsys.readouterr().err
