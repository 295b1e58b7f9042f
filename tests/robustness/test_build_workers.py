"""The reader processes of a corpus build die with it, even when the build is killed with ``kill -9``.

A build runs in a child process over a tiny folder source, with its reader function replaced by one that
sleeps (so that both readers are busy when the build is killed); the build is killed with SIGKILL, and no
reader may survive it. Once through the kernel's parent-death signal (Linux), once through the fallback that
polls the parent's pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import symusic

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")

BUILD = textwrap.dedent(
    """
    import sys, time
    import partita.corpus.build as build

    def slow_reader(item, out, timeout=None):
        time.sleep(120)

    build.process_item = slow_reader
    build._USE_PRCTL = sys.argv[3] == "prctl"
    build.PARENT_POLL_SECONDS = 0.1
    build.build_corpus("w", [sys.argv[1]], out_dir=sys.argv[2], workers=2)
    """
)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None and st[1] == pid and st[0] != "Z":
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    st = _stat(pid)  # a zombie (Z) has exited: only its entry waits for a reaper
    return st is not None and st[0] not in ("Z", "X")


@pytest.mark.parametrize("mechanism", ["prctl", "poll"])
def test_readers_do_not_outlive_a_killed_build(tmp_path: Path, mechanism: str) -> None:
    if mechanism == "prctl" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        s = symusic.Score(480)
        t = symusic.Track("Piano", 0, False)
        t.notes.append(symusic.Note(0, 480, 60 + i, 80))
        s.tracks.append(t)
        (src / f"piece{i}.mid").write_bytes(bytes(s.dumps_midi()))
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(src), str(tmp_path / "corpus"), mechanism],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    readers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            readers = _children(proc.pid)
            if len(readers) >= 2:
                break
            time.sleep(0.05)
        assert len(readers) >= 2, f"the build did not start its readers (exit code {proc.poll()})"
        time.sleep(0.3)  # let the readers run their initializer
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid) for pid in readers):
            time.sleep(0.05)
        survivors = [pid for pid in readers if _alive(pid)]
        assert not survivors, f"readers {survivors} outlived the build"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in readers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
