"""An ABC tune with a zero unit length or meter is refused in words (issue 20); before, Python's own:
"unreadable abc (float division by zero)"."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.cli.main import main
from partita.score import ScoreError, read_score


@pytest.mark.parametrize("field", ["L:1/0", "M:0/0"])
def test_a_zero_length_or_meter_is_named(field: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "zero.abc"
    path.write_text(f"X:1\nT:zero\n{field}\nK:C\nCDEF|\n")
    with pytest.raises(ScoreError, match="a note length or meter of zero") as err:
        read_score(path)
    assert "division by zero" not in str(err.value)
    assert main(["convert", str(path), str(tmp_path / "x.mid")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "meter of zero" in lines[0]
    assert not (tmp_path / "x.mid").exists()


def test_a_plain_tune_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "tune.abc"
    path.write_text("X:1\nT:tune\nL:1/8\nM:4/4\nK:C\nCDEF GABc|\n")
    assert read_score(path).note_num() == 8
