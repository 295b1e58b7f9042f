"""ScoreLimits and check_limits: what one input may cost, refused with a reason; the readers' own bounds."""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from pathlib import Path

import pytest
import symusic

from partita.score import (
    ScoreError,
    ScoreLimits,
    check_limits,
    check_score,
    read_abc,
    read_score,
    unzip_musicxml,
)
from partita.score.musicxml import to_musicxml_bytes, write_musicxml


def one_note(tpq: int = 480, ticks: int = 480, qpm: float = 120.0, tracks: int = 1) -> symusic.Score:
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    for i in range(tracks):
        t = symusic.Track(f"T{i}", 0, False)
        t.notes.append(symusic.Note(0, ticks, 60 + i % 24, 80))
        s.tracks.append(t)
    return s


def reason(fn, *args, **kwargs) -> str:
    with pytest.raises(ScoreError) as err:
        fn(*args, **kwargs)
    return err.value.reason


def test_check_limits_names_each_limit_with_its_reason():
    check_limits(one_note())
    assert reason(check_limits, one_note(tpq=0), "zero.mid") == "zero-resolution"
    assert reason(check_limits, one_note(tracks=300)) == "too-many-tracks"
    small = dataclasses.replace(ScoreLimits(), max_notes=2)
    assert reason(check_limits, one_note(tracks=3), None, small) == "too-many-notes"
    # 78 hours in one note at 120 bpm; and 200,000 quarter notes at 100,000 bpm (2 minutes, but 50,000 bars)
    assert reason(check_limits, one_note(tpq=96, ticks=96 * 2 * 3600 * 78)) == "too-long"
    assert reason(check_limits, one_note(ticks=480 * 200_000, qpm=100_000)) == "too-long"
    with pytest.raises(ScoreError, match=r"long\.mid: 30\.0 hours long, over the limit of 2\.0 hours"):
        check_limits(one_note(tpq=96, ticks=96 * 2 * 3600 * 30), Path("long.mid"))
    with pytest.raises(ScoreError, match=r"days\.mid: 3 days long"):
        check_limits(one_note(tpq=96, ticks=96 * 2 * 3600 * 78), Path("days.mid"))


def test_check_score_keeps_its_music_checks_and_adds_the_cost_limits():
    assert reason(check_score, symusic.Score(480)) == "no-notes"
    assert reason(check_score, one_note(qpm=4.0)) == "absurd-tempo"
    assert reason(check_score, one_note(tracks=300)) == "too-many-tracks"
    assert reason(check_score, one_note(tpq=0)) == "zero-resolution"
    check_score(one_note())


def test_musicxml_refuses_instead_of_dividing_by_zero_or_writing_for_minutes(tmp_path):
    assert reason(to_musicxml_bytes, one_note(tpq=0)) == "zero-resolution"
    long_note = one_note(ticks=480 * 4 * 3000)  # 3,000 bars, 100 minutes: within the duration limit
    few = dataclasses.replace(ScoreLimits(), max_measures=1000)
    with pytest.raises(ScoreError, match="over the limit of 1000 measures") as err:
        write_musicxml(long_note, tmp_path / "x.musicxml", limits=few)
    assert err.value.reason == "too-large" and str(tmp_path / "x.musicxml") in str(err.value)
    assert not (tmp_path / "x.musicxml").exists()
    wide = dataclasses.replace(ScoreLimits(), max_measures=5000)  # 3,000 bars, but 2 x 3,000 measures
    two_staves = one_note(ticks=480 * 4 * 3000, tracks=2)
    with pytest.raises(ScoreError, match="3000 bars x 2 staves, over the limit of 5000 measures"):
        to_musicxml_bytes(two_staves, limits=wide)


def test_many_parts_write_no_channel_warnings(capfd):
    data = to_musicxml_bytes(one_note(tracks=20))
    assert data.count(b"<score-part ") == 20
    assert "out of midi channels" not in capfd.readouterr().err


def test_abc_note_beyond_what_a_score_holds_is_refused(tmp_path):
    p = tmp_path / "endless.abc"
    p.write_text("X:1\nL:1/1\nK:C\nC100000000|\n")
    with pytest.raises(ScoreError, match="endless.abc") as err:
        read_abc(p)
    assert err.value.reason == "too-long"


def test_compressed_musicxml_that_inflates_too_far_is_refused_unread():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("score.xml", b"<score-partwise>" + b" " * 2_000_000 + b"</score-partwise>")
    assert len(unzip_musicxml(buf.getvalue())) > 2_000_000
    with pytest.raises(ScoreError, match="inflates to 2 MiB, over the 1 MiB limit") as err:
        unzip_musicxml(buf.getvalue(), "bomb.mxl", max_bytes=2**20)
    assert err.value.reason == "too-large"


def test_links_folders_and_pipes_are_named_for_what_they_are(tmp_path):
    loop = tmp_path / "loop.mid"
    loop.symlink_to(loop.name)
    dangling = tmp_path / "dangling.mid"
    dangling.symlink_to("nowhere.mid")
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    cases = {
        loop: ("symlink-loop", "symbolic link loop"),
        dangling: ("missing", "does not exist"),
        tmp_path / "absent.mid": ("missing", "no such file"),
        tmp_path: ("not-music", "folder"),
        fifo: ("not-music", "not a regular file"),
    }
    for path, (code, words) in cases.items():
        with pytest.raises(ScoreError, match=words) as err:
            read_score(path)
        assert err.value.reason == code and str(path) in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_one_error(tmp_path):
    p = tmp_path / "locked.mid"
    p.write_bytes(b"MThd")
    p.chmod(0)
    with pytest.raises(ScoreError) as err:
        read_score(p)
    assert err.value.reason == "unreadable"
