"""Building corpora from folders: bad input becomes rejects, labels, splits, the manifest and the reading
API."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from partita.corpus import MANIFEST_SCHEMA, build_corpus, corpus_info, load_corpus
from partita.corpus.pieces import _process as _real_process
from partita.corpus.sources import music21_corpus_root
from partita.score import DEFAULT_TPQ


def test_bad_files_are_rejected_with_reasons_and_never_stop_the_build(bad_folder: Path, tmp_path: Path):
    out = tmp_path / "c"
    summary = build_corpus("mixed", [str(bad_folder)], out_dir=out, workers=1)
    assert summary["pieces"] == 2
    rejects = {
        Path(r["origin_path"]).name: r["reason"] for r in pq.read_table(out / "rejects.parquet").to_pylist()
    }
    assert rejects == {
        "truncated.mid": "truncated",
        "garbage.mid": "not-music",
        "empty.mid": "empty",
        "huge.mid": "too-large",
        "zero_tracks.mid": "no-notes",
        "absurd_tempo.mid": "absurd-tempo",
        "not_music.xml": "not-music",
    }
    assert summary["rejects"] == 7
    assert summary["rejects_by_reason"]["not-music"] == 2
    assert summary["ignored_files"] == {".txt": 1}
    saved = json.loads((out / "corpus.json").read_text())
    assert saved["pieces"] == 2 and saved["rejects"] == 7


def test_manifest_schema_midi_and_reading_api(bad_folder: Path, tmp_path: Path):
    out = tmp_path / "c"
    build_corpus("mixed", [str(bad_folder)], out_dir=out, workers=1)
    table = pq.read_table(out / "manifest.parquet")
    assert table.schema.remove_metadata() == MANIFEST_SCHEMA
    assert len(set(table["piece_id"].to_pylist())) == table.num_rows == 2
    corpus = load_corpus(out)
    assert len(corpus) == 2
    for row, score in corpus.iter_scores():
        assert score.ticks_per_quarter == DEFAULT_TPQ  # good_b was written at 96 ticks per quarter
        assert sum(len(t.notes) for t in score.tracks) == row["n_notes"]
        assert (out / row["midi_path"]).is_file()
        assert row["split"] in ("train", "valid", "test")
        assert row["meter"] == "4/4" and row["tempo_qpm"] == pytest.approx(120.0)
    pid = corpus.ids()[0]
    assert corpus.labels(pid)["piece_id"] == pid
    assert corpus.read_piece(pid).note_num() == corpus.labels(pid)["n_notes"]
    durations = sorted(r["duration_s"] for r in corpus)
    assert durations == pytest.approx([8.0, 16.0])  # 16 and 32 quarter notes at 120 qpm
    total = sum(len(corpus.split(s)) for s in ("train", "valid", "test"))
    assert total == 2
    for s in ("train", "valid", "test"):
        assert load_corpus(f"{out}:{s}").ids() == corpus.split(s).ids()
    info = corpus_info(out)
    assert info["pieces"] == 2 and info["rejects"] == 7 and info["notes"] == 48
    assert info["rejects_by_reason"]["too-large"] == 1
    with pytest.raises(ValueError, match="unknown split"):
        corpus.split("training")
    with pytest.raises(KeyError, match="no piece"):
        corpus.labels("nope")


def test_rebuild_reads_nothing_again_and_gives_the_same_manifest(bad_folder: Path, tmp_path: Path):
    out = tmp_path / "c"
    first = build_corpus("mixed", [str(bad_folder)], out_dir=out, workers=1)
    before = pq.read_table(out / "manifest.parquet").to_pylist()
    second = build_corpus("mixed", [str(bad_folder)], out_dir=out, workers=1)
    assert first["processed_now"] == 9 and second["processed_now"] == 0 and second["skipped_done"] == 9
    assert pq.read_table(out / "manifest.parquet").to_pylist() == before
    assert len(list((out / "parts").glob("*.parquet"))) <= 2  # compacted


def test_abc_collection_labels_and_work_grouping(abc_folder: Path, tmp_path: Path):
    out = tmp_path / "c"
    summary = build_corpus("tunes", [str(abc_folder)], out_dir=out, workers=2)
    rows = {r["title"]: r for r in load_corpus(out)}
    assert summary["pieces"] == 3, summary
    reel, copy, jig = rows["The Merry Reel"], rows["Another Name Entirely"], rows["Jig of Slurs"]
    assert reel["tune_type"] == "reel" and jig["tune_type"] == "jig"
    assert reel["country"] == "China" and reel["province"] == "Shaanxi"
    assert reel["work_id"] == "tune:merry"  # the tune type is no part of the work's name
    assert reel["tune_ref"] == "1"
    assert reel["key"] == "G major" and copy["key"] == "A major" and reel["abc_key"] == "G"
    # the transposed, retitled copy is joined to the original's work group and split
    assert copy["work_id"] != reel["work_id"]
    assert copy["work_group"] == reel["work_group"] and copy["split"] == reel["split"]
    assert jig["work_group"] != reel["work_group"]


def test_unknown_sources_are_named(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown music21 collection 'music21:nosuch'"):
        build_corpus("x", ["music21:nosuch"], out_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="not a folder"):
        build_corpus("x", [str(tmp_path / "missing")], out_dir=tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="no corpus"):
        load_corpus(tmp_path / "nothing-here")


def test_music21_chorale_matches_jsb_and_takes_its_split(tmp_path: Path):
    from partita.paths import shared_data_dir

    if shared_data_dir(required=False) is None:
        pytest.skip("the JSB reference data is not available")
    folder = tmp_path / "bach"
    folder.mkdir()
    shutil.copy(music21_corpus_root() / "bach" / "bwv10.7.mxl", folder)
    summary = build_corpus("b", [str(folder)], out_dir=tmp_path / "c", workers=1)
    (row,) = load_corpus(tmp_path / "c").records()
    assert row["work_id"] == "bach:bwv10.7"
    assert row["jsb_match"] == "valid/025" and row["split"] == "valid"
    assert summary["jsb_match_rate"] == 1.0


def _dies_on_boom(item, out_dir, timeout=None):
    from partita.corpus.pieces import process_item

    if "boom" in item.path:
        os._exit(3)  # a reader process dying inside a parser, as a segfault would
    return process_item(item, out_dir, timeout)


def _folder_with_one_bad(tmp_path: Path, good: int, bad_name: str) -> Path:
    """``good`` small MIDI files and one more named ``bad_name`` (bad only by what a test makes of its
    name)."""
    from corpus_inputs import midi_score, write_midi_file

    folder = tmp_path / "src"
    folder.mkdir()
    for i in range(good):
        write_midi_file(folder / f"ok{i}.mid", midi_score([60 + i, 62, 64, 65] * 8))
    write_midi_file(folder / bad_name, midi_score([60, 61] * 8))
    return folder


def test_a_reader_process_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch):
    import partita.corpus.build as build_module

    folder = _folder_with_one_bad(tmp_path, 5, "boom.mid")
    monkeypatch.setattr(build_module, "process_item", _dies_on_boom)
    summary = build_corpus("crash", [str(folder)], out_dir=tmp_path / "c", workers=2)
    assert summary["pieces"] == 5
    assert summary["rejects_by_reason"] == {"crash": 1}
    (reject,) = pq.read_table(tmp_path / "c" / "rejects.parquet").to_pylist()
    assert reject["origin_path"].endswith("boom.mid")


def test_utf16_musicxml_is_read_and_rejects_can_be_retried(tmp_path: Path, monkeypatch):
    import partita.corpus.pieces as pieces_module

    folder = tmp_path / "src"
    folder.mkdir()
    xml = (music21_corpus_root() / "trecento" / "PMFC_12_24-Benedicamus.xml").read_bytes()
    assert xml[:2] == b"\xff\xfe"  # UTF-16, as 26 files of music21's trecento collection are
    (folder / "benedicamus.xml").write_bytes(xml)
    # a reader that refuses the file (as partita's sniffer once refused UTF-16) makes a reject to retry
    monkeypatch.setattr(pieces_module, "sniff_format", lambda data: None)
    first = build_corpus("u", [str(folder)], out_dir=tmp_path / "c", workers=1)
    assert first["rejects_by_reason"] == {"not-music": 1}
    monkeypatch.undo()
    assert build_corpus("u", [str(folder)], out_dir=tmp_path / "c", workers=1)["processed_now"] == 0
    again = build_corpus("u", [str(folder)], out_dir=tmp_path / "c", workers=1, retry_rejects=True)
    assert again["processed_now"] == 1 and again["pieces"] == 1 and again["rejects"] == 0
    (row,) = load_corpus(tmp_path / "c").records()
    assert row["format"] == "musicxml" and row["n_notes"] > 50


def _hangs_on_slow(item, out_dir):
    import time

    if "slow" in item.path:
        time.sleep(60)
    return _real_process(item, out_dir)


def test_a_piece_that_takes_too_long_is_rejected_as_timeout(tmp_path: Path, monkeypatch):
    import time

    import partita.corpus.pieces as pieces_module

    folder = _folder_with_one_bad(tmp_path, 3, "slow.mid")
    monkeypatch.setattr(pieces_module, "_process", _hangs_on_slow)  # the forked readers inherit it
    t0 = time.monotonic()
    summary = build_corpus("t", [str(folder)], out_dir=tmp_path / "c", workers=2, item_timeout=1.0)
    assert time.monotonic() - t0 < 30
    assert summary["pieces"] == 3 and summary["rejects_by_reason"] == {"timeout": 1}
    (reject,) = pq.read_table(tmp_path / "c" / "rejects.parquet").to_pylist()
    assert reject["origin_path"].endswith("slow.mid") and "1 s limit" in reject["message"]


def test_links_that_lead_nowhere_are_counted_among_the_rejects(bad_folder: Path, tmp_path: Path):
    """A symbolic link loop and a dangling link in a source folder were skipped unseen: each is a reject
    now."""
    folder = tmp_path / "src"
    shutil.copytree(bad_folder, folder)
    os.symlink(folder / "loop.mid", folder / "loop.mid")
    os.symlink(folder / "gone.mid", folder / "dangling.mid")
    build_corpus("links", [str(folder)], out_dir=tmp_path / "c", workers=1)
    rejects = {
        Path(r["origin_path"]).name: r["reason"]
        for r in pq.read_table(tmp_path / "c" / "rejects.parquet").to_pylist()
    }
    assert rejects["loop.mid"] == "symlink-loop" and rejects["dangling.mid"] == "missing"
