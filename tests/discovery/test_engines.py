"""The engines of long maps (partita.engines): local processes and Ray Data give the same corpus and the same
index; a missing Ray or an unknown engine is one clear line. The Ray tests share one small local Ray."""

from __future__ import annotations

import contextlib
import json
import math
import operator
import sys
from functools import partial

import numpy as np
import pyarrow.parquet as pq
import pytest

from partita.cli.main import main
from partita.corpus import build_corpus, load_corpus
from partita.discovery.index import DiscoveryIndex, build_index, embed_features
from partita.engines import EngineError, check_engine, engine_session, map_items, ray_session, require_ray


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs for this module (no dashboard), shut down after it."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(
        address="local",
        num_cpus=2,
        object_store_memory=200 * 1024**2,
        include_dashboard=False,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()


def _manifest(folder) -> list[dict]:
    rows = pq.read_table(folder / "manifest.parquet").to_pylist()
    return sorted(rows, key=lambda r: r["piece_id"])


def _timeless(description: str) -> dict:
    """A description without the one field that is a measurement of the run (seconds taken)."""
    return {k: v for k, v in json.loads(description).items() if k != "seconds_taken"}


def test_every_engine_maps_every_item_once():
    items = list(range(40))
    inline = dict(map_items(math.sqrt, items))
    pool = dict(map_items(math.sqrt, items, "process", workers=2, batch_size=3))
    assert inline == pool == {i: math.sqrt(i) for i in items}


def test_progress_counts_every_result():
    calls = []
    list(map_items(abs, [-3, 1, -2], progress=lambda d, t, m: calls.append((d, t))))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_unknown_engine_and_missing_ray_are_clear(monkeypatch, tiny_corpus, tmp_path, capsys):
    with pytest.raises(ValueError, match="unknown engine 'spark'; choose one of: process, ray"):
        check_engine("spark")
    with pytest.raises(ValueError, match="unknown engine"):
        map_items(abs, [1], "spark")  # at the call, not when the results are read
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ImportError, match=r"pip install 'partita\[ray\]'"):
        require_ray()
    code = main(["index", "build", str(tiny_corpus), "-o", str(tmp_path / "idx"), "--engine", "ray"])
    err = capsys.readouterr().err
    assert code != 0 and "pip install 'partita[ray]'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "idx" / "index.json").exists()


def test_an_unreachable_cluster_is_one_line(monkeypatch, tiny_corpus, tmp_path, capsys):
    ray = pytest.importorskip("ray")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # whatever Ray this process has started
    with pytest.raises(ConnectionError, match="nothing answers there"), ray_session("127.0.0.1:1"):
        pass
    source = str(tiny_corpus.parent / "tunes")
    args = ["corpus", "build", "t", "--source", source, "--out", str(tmp_path / "c"), "--engine", "ray"]
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    assert main(args) != 0
    err = capsys.readouterr().err
    assert (
        err.strip().splitlines()[-1].startswith("Error: cannot connect to the Ray cluster at '127.0.0.1:1'")
    )
    assert "Traceback" not in err


def _same_index(ours_path, theirs_path) -> None:
    ours = DiscoveryIndex(ours_path).table.to_arrow().sort_by("piece_id").to_pydict()
    theirs = DiscoveryIndex(theirs_path).table.to_arrow().sort_by("piece_id").to_pydict()
    assert ours["piece_id"] == theirs["piece_id"] and ours["features"] == theirs["features"]
    np.testing.assert_allclose(np.asarray(ours["vector"]), np.asarray(theirs["vector"]), atol=1e-6)


def test_an_unreachable_cluster_refuses_the_index_build(monkeypatch, tiny_corpus, tmp_path, capsys):
    ray = pytest.importorskip("ray")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    out = tmp_path / "idx"
    args = [
        "index",
        "build",
        str(tiny_corpus),
        "-o",
        str(out),
        "--engine",
        "ray",
        "--ray-address",
        "127.0.0.1:1",
    ]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert (
        err.strip().splitlines()[-1].startswith("Error: cannot connect to the Ray cluster at '127.0.0.1:1'")
    )
    assert "Traceback" not in err and "local processes" not in err  # refused, not run locally
    assert not (out / "index.json").exists() and not (out / "pending.parquet").exists()


def _ray_that_cannot_start(monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "shutdown", lambda: None)  # leave the module's local Ray, if any, alone

    def init(*args, **kwargs):
        raise RuntimeError("simulated: no room for the object store\nmore detail")

    monkeypatch.setattr(ray, "init", init)


def test_a_local_ray_that_cannot_start_falls_back(monkeypatch, tiny_corpus, tiny_index, tmp_path, caplog):
    _ray_that_cannot_start(monkeypatch)
    with pytest.raises(EngineError, match="a local Ray could not start: simulated: no room"):
        list(map_items(abs, [-1, 2], "ray"))
    assert dict(map_items(abs, [-1, 2, -3], "ray", workers=2, fallback=True)) == {0: 1, 1: 2, 2: 3}
    with engine_session("ray") as engine:
        assert engine == "process"
    meta = build_index(load_corpus(tiny_corpus), tmp_path / "idx", workers=2, engine="ray")
    assert meta["count"] == 4 and meta["engine"] == "process"  # what actually ran
    assert (
        "a local Ray could not start: simulated: no room for the object store; running on local"
        in caplog.text
    )
    _same_index(tmp_path / "idx", tiny_index)


def test_the_cli_says_it_builds_locally(monkeypatch, tiny_corpus, tmp_path, capsys, caplog):
    _ray_that_cannot_start(monkeypatch)
    out = tmp_path / "idx"
    assert main(["index", "build", str(tiny_corpus), "-o", str(out), "--engine", "ray"]) == 0
    captured = capsys.readouterr()
    assert "indexed 4 pieces (4 new)" in captured.out
    assert "Traceback" not in captured.err
    warned = [r for r in caplog.records if "running on local processes instead" in r.getMessage()]
    assert warned and warned[0].levelname == "WARNING"  # shown by the CLI's logging at its default level
    assert json.loads((out / "index.json").read_text())["engine"] == "process"


def test_a_ray_lost_midway_leaves_the_rest_to_local_processes(
    monkeypatch, tiny_corpus, tiny_index, tmp_path, caplog
):
    import partita.engines as engines

    def lost_after_one(fn, items, workers, address, batch_size):
        yield 0, fn(items[0])
        raise EngineError("the Ray engine failed: a node was lost")

    monkeypatch.setattr(engines, "_ray_map", lost_after_one)
    monkeypatch.setattr(engines, "ray_session", lambda address, workers: contextlib.nullcontext())
    with pytest.raises(EngineError, match="a node was lost"):
        list(map_items(math.sqrt, range(6), "ray"))
    calls = []
    pairs = list(map_items(math.sqrt, range(6), "ray", 2, lambda d, t, m: calls.append(d), fallback=True))
    assert sorted(pairs) == [(i, math.sqrt(i)) for i in range(6)] and calls == list(range(1, 7))
    assert "mapping the 5 items left on local processes" in caplog.text
    meta = build_index(load_corpus(tiny_corpus), tmp_path / "idx", workers=2, engine="ray")
    assert meta["count"] == 4 and meta["engine"] == "ray"
    _same_index(tmp_path / "idx", tiny_index)


def test_a_failed_ray_leaves_the_rest_to_local_readers(monkeypatch, tiny_corpus, tmp_path, caplog):
    import partita.corpus.build as build

    def lost_after_one(fn, items, engine, workers, address=None):
        assert engine == "ray"
        yield 0, fn(items[0])
        raise EngineError("the Ray engine failed: a node was lost")

    monkeypatch.setattr(build, "map_items", lost_after_one)
    source = tiny_corpus.parent / "tunes"
    summary = build_corpus("tiny", [str(source)], out_dir=tmp_path / "c", workers=2, engine="ray")
    assert summary["pieces"] == 4 and summary["rejects"] == 0 and summary["processed_now"] == 4
    assert "reading the 3 pieces left in local processes" in caplog.text
    assert [r["piece_id"] for r in _manifest(tmp_path / "c")] == [
        r["piece_id"] for r in _manifest(tiny_corpus)
    ]


def test_ray_maps_like_the_process_pool(local_ray):
    items = list(range(50))
    fn = partial(operator.mul, 3)
    assert dict(map_items(fn, items, "ray", workers=2, batch_size=4)) == {i: 3 * i for i in items}
    with pytest.raises(ValueError, match="math domain error"):  # the function's own error, as it was raised
        list(map_items(math.sqrt, [4, -1], "ray", workers=1))
    assert local_ray.is_initialized()  # the caller's Ray is left running


def test_corpus_build_on_ray_is_the_same_corpus(local_ray, tiny_corpus, tmp_path):
    source = tiny_corpus.parent / "tunes"
    calls = []
    summary = build_corpus(
        "tiny",
        [str(source)],
        out_dir=tmp_path / "ray",
        workers=2,
        engine="ray",
        progress=lambda d, t, m: calls.append((d, t)),
    )
    assert summary["pieces"] == 4 and summary["processed_now"] == 4
    assert calls[-1] == (4, 4)
    theirs, ours = _manifest(tiny_corpus), _manifest(tmp_path / "ray")
    assert [r["piece_id"] for r in ours] == [r["piece_id"] for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert {k: v for k, v in a.items() if k != "source"} == {k: v for k, v in b.items() if k != "source"}
        assert (tmp_path / "ray" / a["midi_path"]).read_bytes() == (tiny_corpus / b["midi_path"]).read_bytes()
    again = build_corpus(
        "tiny", [str(source)], out_dir=tmp_path / "ray", engine="ray"
    )  # resumes: nothing left
    assert again["processed_now"] == 0 and again["pieces"] == 4


def test_index_build_on_ray_is_the_same_index(local_ray, tiny_corpus, tiny_index, tmp_path):
    meta = build_index(load_corpus(tiny_corpus), tmp_path / "idx", workers=2, engine="ray")
    assert meta["count"] == 4 and meta["engine"] == "ray"
    ours = DiscoveryIndex(tmp_path / "idx").table.to_arrow().sort_by("piece_id").to_pydict()
    theirs = DiscoveryIndex(tiny_index).table.to_arrow().sort_by("piece_id").to_pydict()
    assert ours["piece_id"] == theirs["piece_id"]
    assert ours["features"] == theirs["features"] and ours["caption"] == theirs["caption"]
    assert [_timeless(d) for d in ours["description"]] == [_timeless(d) for d in theirs["description"]]
    np.testing.assert_allclose(np.asarray(ours["vector"]), np.asarray(theirs["vector"]), atol=1e-6)
    hits = DiscoveryIndex(tmp_path / "idx").search("a piece in A minor in 3/4 time", k=1)
    assert hits[0].fields["title"] == "Minor Waltz"


def test_embedding_on_ray_matches_in_process(local_ray, tiny_index, monkeypatch):
    import partita.discovery.index as index_module

    index = DiscoveryIndex(tiny_index)
    features = np.asarray(index.table.to_arrow()["features"].to_pylist(), dtype=np.float32)
    features = np.concatenate([features] * 5)  # 20 rows in chunks of 3: several Ray tasks
    monkeypatch.setattr(index_module, "EMBED_CHUNK", 3)
    here = embed_features(index.model, features)
    there = embed_features(index.model, features, engine="ray", workers=2)
    assert here.shape == there.shape == (20, index.model.config.dim)
    np.testing.assert_allclose(here, there, atol=1e-6)


def test_cli_builds_an_index_on_ray(local_ray, tiny_corpus, tmp_path, capsys):
    out = tmp_path / "idx"
    assert (
        main(["index", "build", str(tiny_corpus), "-o", str(out), "--engine", "ray", "--workers", "2"]) == 0
    )
    assert "indexed 4 pieces (4 new)" in capsys.readouterr().out
    assert json.loads((out / "index.json").read_text())["engine"] == "ray"
