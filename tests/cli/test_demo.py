"""`partita demo` (what `make demo` runs) on a machine without the reference data folder."""

from __future__ import annotations

import json
from pathlib import Path

from partita.cli.main import main


def test_demo_without_reference_data_uses_music21_chorales(tmp_path: Path, monkeypatch, capsys):
    import partita.paths

    monkeypatch.setattr(partita.paths, "shared_data_dir", lambda required=True: None)
    monkeypatch.setenv("PARTITA_DATA", str(tmp_path / "data"))
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--model", "debug", "--n", "1", "--prompt", "a piano piece, 2 bars"]
    assert main([*args, "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "music21's bundled Bach chorales" in text
    summary = json.loads((out / "demo.json").read_text())
    assert summary["real"]["files"] and (out / "real").is_dir()
    corpus = json.loads((tmp_path / "data" / "corpora" / "demo-music21" / "corpus.json").read_text())
    assert corpus["pieces"] == 40
