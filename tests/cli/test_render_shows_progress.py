"""``partita render`` names each output as it makes it (a long performance took 35-65 s with nothing shown),
and a file refused before any work still gets its one line and no bar."""

from __future__ import annotations

from pathlib import Path

from partita.cli.main import main
from partita.score import write_midi


def test_render_reports_its_progress(tmp_path: Path, scale_score, capsys) -> None:
    piece = write_midi(scale_score, tmp_path / "piece.mid")
    assert main(["render", str(piece), "--musicxml", "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "render" in err and "1/1" in err and "done" in err, err
    assert (tmp_path / "out" / "piece.musicxml").is_file()


def test_a_refused_file_gets_one_line_and_no_bar(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    assert main(["render", str(empty), "--musicxml", "-o", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "render:" not in err and str(empty) in err, err
