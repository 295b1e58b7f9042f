"""The caps on the studio's temporary files and sessions: the oldest files go first, never what a waiting or
running request names, nor what was just written; Gradio keeps a bounded number of sessions."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from partita.web.limits import Limits, TempEntry, WorkDir, plan_prune, watch_gradio

NOW = 1_000_000.0


def entries(*ages: float, size: int = 100) -> list[TempEntry]:
    """One entry per age (seconds before NOW), named by its position."""
    return [TempEntry(Path(f"/t/{i}"), size, 1, NOW - age) for i, age in enumerate(ages)]


def names(chosen: list[TempEntry]) -> list[str]:
    return [e.path.name for e in chosen]


def test_the_cap_prunes_the_oldest_first_until_within_it():
    found = entries(50, 400, 300, 200, 100)  # 500 bytes; cap 250: the three oldest go, oldest first
    chosen = plan_prune(found, keep_seconds=3600, max_bytes=250, now=NOW)
    assert names(chosen) == ["1", "2", "3"]
    assert names(plan_prune(found, keep_seconds=3600, max_files=4, now=NOW)) == ["1"]
    assert plan_prune(found, keep_seconds=3600, max_bytes=500, max_files=5, now=NOW) == []
    # past keep_seconds everything goes, cap or not
    assert names(plan_prune(found, keep_seconds=250, now=NOW)) == ["1", "2"]


def test_the_cap_never_takes_what_is_in_use_or_just_written():
    found = entries(50, 400, 300, 200, 100)
    busy = {"1"}  # the oldest is named by a request still waiting: the next oldest go instead
    chosen = plan_prune(
        found, keep_seconds=3600, max_bytes=250, protected=lambda e: e.path.name in busy, now=NOW
    )
    assert names(chosen) == ["2", "3", "4"]
    # nothing younger than min_seconds: the cap is passed rather than delete an answer being fetched
    chosen = plan_prune(found, keep_seconds=3600, max_bytes=100, min_seconds=150, now=NOW)
    assert names(chosen) == ["1", "2", "3"]
    # a request in use outlives keep_seconds too
    assert names(plan_prune(found, keep_seconds=10, protected=lambda e: True, now=NOW)) == []


def request_folder(work: WorkDir, kind: str, size: int, age: float) -> Path:
    folder = work.new(kind)
    (folder / "out.wav").write_bytes(b"x" * size)
    os.utime(folder, (time.time() - age, time.time() - age))
    return folder


def test_workdir_keeps_its_files_under_the_caps_oldest_first(tmp_path):
    work = WorkDir(3600, tmp_path, max_bytes=2500, max_files=100, min_seconds=5)
    try:
        old = request_folder(work, "compose", 1000, 300)
        middle = request_folder(work, "analyze", 1000, 200)
        young = request_folder(work, "compose", 1000, 100)
        assert work.usage() == (3000, 3)
        assert work.prune() == 1 and not old.exists() and middle.exists() and young.exists()
        assert work.usage() == (2000, 2)
        fresh = work.new("corpus")  # new() prunes first: within the cap, nothing else goes
        (fresh / "roll.png").write_bytes(b"y" * 2000)  # just written: kept though over the cap
        assert work.prune() == 2 and fresh.exists() and not middle.exists() and not young.exists()
        assert work.deleted == 3
    finally:
        work.close()
    assert not work.path.exists()


def test_a_running_request_keeps_its_folder_however_old(tmp_path):
    context = pytest.importorskip("gradio.context")
    work = WorkDir(60, tmp_path, max_bytes=10, min_seconds=0)
    running: set[str] = set()
    work.pending = lambda: (set(running), set())
    try:
        token = context.LocalContext.event_id.set("event-1")  # as inside a Gradio handler
        try:
            mine = request_folder(work, "compose", 100, 600)  # older than keep_seconds, over the cap
        finally:
            context.LocalContext.event_id.reset(token)
        running.add("event-1")
        other = request_folder(work, "compose", 100, 30)
        assert work.prune() == 1 and mine.exists() and not other.exists()
        running.clear()  # answered: now it goes
        assert work.prune() == 1 and not mine.exists()
    finally:
        work.close()


def fake_gradio_app(tmp_path: Path, uploads: list[Path], pending_path: str) -> SimpleNamespace:
    """What watch_gradio reads of a Gradio app: its sets of temporary files and its queue's events."""
    event = SimpleNamespace(data=SimpleNamespace(data=[{"path": pending_path, "meta": {"_type": "x"}}]))
    queue = SimpleNamespace(event_ids_to_events={"event-9": event})
    return SimpleNamespace(temp_file_sets=[{str(p) for p in uploads}, set()], _queue=queue)


def test_gradio_uploads_count_against_the_cap_and_a_queued_upload_is_kept(tmp_path):
    gradio_dir = tmp_path / "gradio"
    uploads = []
    for i, age in enumerate((500, 400, 300)):
        path = gradio_dir / f"hash{i}" / f"piece{i}.mid"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"m" * 1000)
        os.utime(path, (time.time() - age, time.time() - age))
        uploads.append(path)
    work = WorkDir(3600, gradio_dir, max_bytes=1500, min_seconds=1)
    app = fake_gradio_app(tmp_path, uploads, pending_path=str(uploads[0]))
    watch_gradio(work, app, every=3600)
    try:
        assert work.usage() == (3000, 3)
        # the oldest upload waits in the queue: the next two go (oldest first), their folders with them
        assert work.prune() == 2
        assert uploads[0].exists() and not uploads[1].exists() and not uploads[2].exists()
        assert not uploads[1].parent.exists()
        assert app.temp_file_sets[0] == {str(uploads[0])}  # Gradio no longer lists what was deleted
    finally:
        work.close()


def test_the_studio_counts_gradio_files_and_bounds_sessions(tmp_path, monkeypatch):
    pytest.importorskip("gradio")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    from partita.web import build_app
    from partita.web.app import launch
    from partita.web.limits import upload_roots

    limits = Limits(max_temp_bytes=4096, max_temp_files=10, min_keep_seconds=1, max_sessions=7)
    app = build_app("debug", limits=limits, corpora_root=tmp_path / "none")
    try:
        work = app.studio.work
        # the request folders lie inside Gradio's folder: Gradio serves them without a copy
        assert upload_roots()[0] in work.path.parents
        assert (work.max_bytes, work.max_files, work.min_seconds) == (4096, 10, 1)
        upload = upload_roots()[0] / "abc123" / "tune.mid"
        upload.parent.mkdir(parents=True)
        upload.write_bytes(b"z" * 8000)
        os.utime(upload, (time.time() - 60, time.time() - 60))
        app.upload_file_set.add(str(upload))
        stray = upload_roots()[0] / "tmpab12cd34"  # what Gradio's upload parser leaves behind: counted
        stray.write_bytes(b"")
        os.utime(stray, (time.time() - 30, time.time() - 30))
        assert work.usage() == (8000, 2)
        assert work.prune() == 1 and not upload.exists()  # over the cap, not waited for: deleted
        work.max_files = 0
        assert work.prune() == 1 and not stray.exists()
        seen = {}
        app.launch = lambda **kw: seen.update(kw)  # what the server is started with
        launch(app, block=False, quiet=True)
        assert seen["state_session_capacity"] == 7
    finally:
        app.studio.close()
    with pytest.raises(ValueError, match="max_temp_bytes"):
        Limits(max_temp_bytes=0)
    with pytest.raises(ValueError, match="min_keep_seconds"):
        Limits(min_keep_seconds=0)
