"""A MusicXML file with no part says so (issue 20): it was refused in music21's own words, "unreadable
musicxml ('Score' object has no attribute 'partName')", also for 100,000 nested elements and no part."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.cli.main import main
from partita.score import ScoreError, read_score

NOTE = (
    "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>"
)
PART_LIST = "<part-list><score-part id='P1'><part-name>x</part-name></score-part></part-list>"


@pytest.mark.parametrize(
    "text",
    [
        "<?xml version='1.0'?><score-partwise><part-list/></score-partwise>",
        "<?xml version='1.0'?><score-partwise>" + "<a>" * 100_000 + "</a>" * 100_000 + "</score-partwise>",
        f"<?xml version='1.0'?><score-partwise>{PART_LIST}</score-partwise>",
    ],
    ids=["empty", "deep", "part-list-only"],
)
def test_no_part_is_said_in_plain_words(text: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.musicxml"
    path.write_text(text)
    with pytest.raises(ScoreError) as err:
        read_score(path)
    assert err.value.reason == "no-notes" and "holds no part" in str(err.value)
    assert "partName" not in str(err.value) and "object has no attribute" not in str(err.value)
    assert main(["describe", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "holds no part" in lines[0] and "Traceback" not in lines[0]


def test_a_score_with_a_part_deep_inside_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "x.musicxml"
    path.write_text(
        f"<?xml version='1.0'?><score-partwise>{PART_LIST}<part id='P1'><measure number='1'>"
        + "<a>" * 100_000
        + "</a>" * 100_000
        + f"{NOTE}</measure></part></score-partwise>"
    )
    assert read_score(path).note_num() == 1


def test_a_timewise_score_is_not_taken_for_one_without_parts(tmp_path: Path) -> None:
    path = tmp_path / "x.musicxml"
    path.write_text(
        f"<?xml version='1.0'?><score-timewise>{PART_LIST}<measure number='1'><part id='P1'>{NOTE}</part>"
        "</measure></score-timewise>"
    )
    with pytest.raises(ScoreError) as err:  # music21 reads only partwise MusicXML, and says so
        read_score(path)
    assert "score-timewise" in str(err.value) and "holds no part" not in str(err.value)
