"""`partita corpus build` and `partita corpus info`."""

from __future__ import annotations

import json
from pathlib import Path

from partita.cli.main import main


def test_build_then_info(bad_folder: Path, tmp_path: Path, capsys):
    out = tmp_path / "c"
    assert (
        main(["corpus", "build", "mixed", "--source", str(bad_folder), "--out", str(out), "--workers", "1"])
        == 0
    )
    text = capsys.readouterr().out
    assert "pieces 2" in text and "rejects 7" in text and "absurd-tempo 1" in text
    assert main(["corpus", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["pieces"] == 2 and info["rejects_by_reason"]["truncated"] == 1
    assert info["labels"]["meter"] == {"4/4": 2}


def test_info_by_name_under_the_data_dir(bad_folder: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("PARTITA_DATA", str(tmp_path / "data"))
    assert main(["corpus", "build", "mine", "--source", str(bad_folder), "--workers", "1"]) == 0
    assert (tmp_path / "data" / "corpora" / "mine" / "manifest.parquet").is_file()
    capsys.readouterr()
    assert main(["corpus", "info", "mine"]) == 0
    assert "corpus mine" in capsys.readouterr().out


def test_bad_source_is_one_line_and_exit_2(tmp_path: Path, capsys):
    assert main(["corpus", "build", "x", "--source", "music21:nosuch", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "unknown music21 collection" in err and "Traceback" not in err
    assert main(["corpus", "info", str(tmp_path / "nothing")]) == 2
    assert "no corpus" in capsys.readouterr().err


def test_negative_item_timeout_is_refused_by_name(bad_folder: Path, tmp_path: Path, capsys):
    args = ["corpus", "build", "x", "--source", str(bad_folder), "--out", str(tmp_path / "x")]
    assert main([*args, "--item-timeout", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--item-timeout" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
