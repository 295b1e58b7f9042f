"""A build killed halfway finishes on the next run without redoing work or duplicating rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from corpus_inputs import BODY, TUNE

from partita.corpus import build_corpus
from partita.corpus.manifest import PartStore

N_TUNES = 24


def _collection(folder: Path) -> Path:
    folder.mkdir()
    notes = "GABcdefg"
    tunes = []
    for i in range(N_TUNES):
        # every tune differs (its own last bar), so none are grouped together
        body = BODY.replace("G4 |]", f"{notes[i % 8]}4 {notes[(i // 8) % 8]}4 |]")
        tunes.append(TUNE.format(x=i + 1, title=f"Tune number {i + 1}", rhythm="reel", key="G", body=body))
    (folder / "many.abc").write_text("\n".join(tunes))
    return folder


def test_killed_build_resumes_without_duplicates(tmp_path: Path):
    src = _collection(tmp_path / "src")
    out = tmp_path / "corpus"
    code = (
        "import sys; from partita.corpus import build_corpus; "
        "build_corpus('r', [sys.argv[1]], out_dir=sys.argv[2], workers=1, flush_items=1)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(src), str(out)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(list((out / "parts").glob("ok-*.parquet"))) >= 4:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the hardest interruption
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (out / "manifest.parquet").exists(), "the build finished before it could be interrupted"
    pieces, rejects = PartStore(out).read()
    done_before = len(pieces) + len(rejects)
    assert 4 <= done_before < N_TUNES

    summary = build_corpus("r", [str(src)], out_dir=out, workers=1)
    assert summary["skipped_done"] == done_before
    assert summary["processed_now"] == N_TUNES - done_before
    table = pq.read_table(out / "manifest.parquet")
    ids = table["piece_id"].to_pylist()
    assert len(ids) == len(set(ids)) == N_TUNES
    assert sorted(table["title"].to_pylist()) == sorted(f"Tune number {i + 1}" for i in range(N_TUNES))
    midi = list((out / "midi").rglob("*.mid"))
    assert len(midi) == N_TUNES
    assert not [p for p in (out / "midi").rglob(".*")], "temporary files were left behind"
    assert not (out / ".build.lock").exists()


def test_half_written_part_from_a_killed_writer_is_ignored(tmp_path: Path):
    store = PartStore(tmp_path)
    store.append([{"source_key": "a"}], [])
    # what atomic_path leaves behind when the process dies between mkstemp and rename
    (store.folder / ".ok-000001.parquet.x1y2z3.parquet").write_bytes(b"PAR1 half")
    reopened = PartStore(tmp_path)
    pieces, rejects = reopened.read()
    assert list(pieces) == ["a"] and rejects == {}
    assert not list(store.folder.glob(".*")), "the stale temp file is cleaned up"
    reopened.append([{"source_key": "b"}], [])
    assert set(PartStore(tmp_path).read()[0]) == {"a", "b"}
