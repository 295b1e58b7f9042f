"""Limits and safety without a server: uploads read by content and only from the upload folder, time limits,
temporary folders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from partita.web.limits import Deadline, Limits, RequestTimeout, UserError, WorkDir, read_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "score"


@pytest.fixture
def uploads(tmp_path) -> Path:
    d = tmp_path / "uploads"
    d.mkdir()
    return d


def test_upload_is_judged_by_content_not_by_name(uploads):
    limits = Limits()
    midi_as_txt = uploads / "notes.txt"
    midi_as_txt.write_bytes((FIXTURES / "two_tracks.mid").read_bytes())
    score, fmt = read_upload(midi_as_txt, limits, roots=[uploads])
    assert fmt == "midi" and score.note_num() > 0
    abc_as_mid = uploads / "tune.mid"
    abc_as_mid.write_text((FIXTURES / "reel_pickup.abc").read_text())
    assert read_upload(abc_as_mid, limits, roots=[uploads])[1] == "abc"
    html_as_mid = uploads / "song.mid"
    html_as_mid.write_text("<html><body>not music</body></html>")
    with pytest.raises(UserError, match="song.mid: not a score file"):
        read_upload(html_as_mid, limits, roots=[uploads])
    (uploads / "empty.mid").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        read_upload(uploads / "empty.mid", limits, roots=[uploads])


def test_upload_size_limit_and_damaged_files(uploads):
    big = uploads / "big.mid"
    big.write_bytes(b"MThd" + os.urandom(3000))
    with pytest.raises(UserError, match="over the 0 MiB limit"):
        read_upload(big, Limits(max_upload_bytes=1000), roots=[uploads])
    with pytest.raises(UserError) as e:  # a MIDI header and garbage: refused with the file's own name
        read_upload(big, Limits(), roots=[uploads])
    assert "big.mid" in str(e.value) and str(uploads) not in str(e.value)


def test_no_path_outside_the_upload_folder_is_opened(uploads, tmp_path):
    outside = tmp_path / "secret.mid"
    outside.write_bytes((FIXTURES / "two_tracks.mid").read_bytes())
    for path in (outside, uploads / ".." / "secret.mid", "/etc/passwd"):
        with pytest.raises(UserError, match="not uploaded to this server"):
            read_upload(path, Limits(), roots=[uploads])
    link = uploads / "link.mid"
    link.symlink_to(outside)  # a link inside the folder that points out of it is refused too
    with pytest.raises(UserError, match="not uploaded"):
        read_upload(link, Limits(), roots=[uploads])
    with pytest.raises(UserError, match="no file was uploaded"):
        read_upload(None, Limits(), roots=[uploads])


def test_deadline_stops_a_forward_pass_after_its_time():
    import torch

    model = torch.nn.Linear(2, 2)
    deadline = Deadline(model)
    x = torch.zeros(1, 2)
    with deadline.limit(5):
        model(x)  # within its time
    with deadline.limit(0.01):
        time.sleep(0.05)
        with pytest.raises(RequestTimeout, match="0.01 s limit"):
            model(x)
    model(x)  # outside a limit nothing is checked
    deadline.remove()
    with deadline.limit(0.0001):
        time.sleep(0.01)
        model(x)  # the hook is gone


def test_workdir_prunes_old_requests_and_removes_everything_on_close(tmp_path):
    work = WorkDir(keep_seconds=60, parent=tmp_path)
    old, new = work.new("compose"), work.new("analyze")
    (old / "a.mid").write_bytes(b"x")
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert work.prune() == 1 and not old.exists() and new.exists()
    work.close()
    assert work.closed and not work.path.exists()


def test_limits_are_checked():
    with pytest.raises(ValueError, match="max_candidates"):
        Limits(max_candidates=0)
    with pytest.raises(ValueError, match="request_seconds"):
        Limits(request_seconds=0)
