"""Sources: what --source accepts, the items it yields, JSB and POP909 readers, JSB matching."""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic

from partita.corpus.pieces import _outer_voices, jsb_grid, jsb_score, pop909_labels
from partita.corpus.sources import (
    JSBError,
    iter_items,
    load_jsb,
    music21_collections,
    read_jsb,
    resolve_sources,
)
from partita.corpus.splits import assign_splits, jsb_fingerprints, match_jsb
from partita.paths import shared_data_dir


def test_music21_names_and_aliases():
    names = music21_collections()
    for expected in (
        "bach",
        "palestrina",
        "ryansMammoth",
        "oneills1850",
        "essenFolksong",
        "monteverdi",
        "trecento",
    ):
        assert expected in names
    assert "demos" not in names
    assert resolve_sources(["music21:ryans", "music21:oneill", "music21:essen", "music21:ryans"]) == [
        "music21:ryansMammoth",
        "music21:oneills1850",
        "music21:essenFolksong",
    ]
    assert len(resolve_sources(["music21:all"])) == len(names)
    with pytest.raises(ValueError, match="no source"):
        resolve_sources([])


def test_abc_collections_split_into_tunes_and_rntxt_become_analysis_refs():
    ryans = iter_items("music21:ryansMammoth")
    assert len(ryans) == 1059 and all(it.kind == "abc" for it in ryans)
    monteverdi = iter_items("music21:monteverdi")
    assert len(monteverdi) == 49  # the 48 .rntxt analyses are not pieces
    with_ref = [it for it in monteverdi if it.hints.get("analysis_ref")]
    assert len(with_ref) == 48
    assert all(it.hints["analysis_ref"].endswith(".rntxt") for it in with_ref)
    bach = {Path(it.path).name: it for it in iter_items("music21:bach")}
    assert "riemenschneider001.rntxt" in bach["bwv269.mxl"].hints["analysis_ref"]
    keys = [it.key for it in iter_items("music21:essenFolksong")]
    assert len(keys) == len(set(keys)) > 8000


def test_jsb_grid_holds_repeated_steps_as_one_note():
    grid = ((60, 55, 52, 48), (60, 55, 52, 48), (62, 55, -1, 47), (64, 57, 52, 45))
    score = jsb_score(grid)
    assert [t.name for t in score.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert all(t.program == 52 for t in score.tracks)
    soprano = [(n.time, n.duration, n.pitch) for n in score.tracks[0].notes]
    assert soprano == [(0, 240, 60), (240, 120, 62), (360, 120, 64)]
    alto = [(n.time, n.duration, n.pitch) for n in score.tracks[1].notes]
    assert alto == [(0, 360, 55), (360, 120, 57)]
    tenor = [(n.time, n.duration, n.pitch) for n in score.tracks[2].notes]
    assert tenor == [(0, 240, 52), (360, 120, 52)]  # the silent step splits the tenor


def _shared():
    root = shared_data_dir(required=False)
    if root is None:
        pytest.skip("the reference data is not available")
    return root


def test_pop909_annotations_become_timed_labels():
    labels = pop909_labels(_shared() / "pop909" / "001")
    assert labels["key"] == "Gb major"
    assert labels["key_segments"][0]["label"] == "Gb:maj"
    chords = labels["chord_segments"]
    assert len(chords) > 50 and all(c["end"] >= c["start"] for c in chords)
    assert chords[0] == {"start": pytest.approx(0.055333), "end": pytest.approx(0.721998), "label": "N"}
    assert 0 < len(labels["downbeats"]) < len(labels["beats"])


def test_jsb_matching_finds_a_transposed_chorale_and_its_split():
    _shared()
    jsb = load_jsb()
    fp = jsb_fingerprints(jsb)
    steps = jsb["test"][7]
    transposed = tuple(tuple(p + 3 if p >= 0 else p for p in s) for s in steps)
    top, bottom = _outer_voices(jsb_score(transposed))
    row = {
        "source_key": "folder:x:a.mid",
        "source": "folder:x",
        "composer": "J.S. Bach",
        "n_tracks": 4,
        "fp_top": top,
        "fp_bottom": bottom,
        "work_id": "bach:bwv999",
        "content_fp": None,
    }
    assert match_jsb([row], fp) == {"folder:x:a.mid": "test/007"}
    other = dict(row, source_key="folder:x:b.mid", composer="Someone Else", work_id="x:b")
    stats = assign_splits([row, other], fp)
    assert row["split"] == "test" and row["jsb_match"] == "test/007"
    assert other["jsb_match"] is None and other["split"] in ("train", "valid", "test")
    assert stats["jsb_candidates"] == 1 and stats["jsb_match_rate"] == 1.0


def test_jsb_grid_is_the_inverse_of_jsb_score():
    grid = ((60, 55, 52, 48), (60, 55, 52, 48), (62, 55, -1, 47), (64, 57, 52, 45))
    assert jsb_grid(jsb_score(grid)).tolist() == [list(s) for s in grid]
    assert jsb_grid(jsb_score(grid, ticks_per_quarter=96)).tolist() == [list(s) for s in grid]


def _track(name, notes, program=0, drum=False):
    t = symusic.Track(name, program, drum)
    for time, duration, pitch in notes:
        t.notes.append(symusic.Note(time, duration, pitch, 80))
    return t


def test_jsb_grid_quantises_and_places_voices_highest_first():
    s = symusic.Score(480)
    s.tracks.append(_track("low", [(0, 950, 40)]))  # 950 ticks: ends nearest step 8
    s.tracks.append(_track("high", [(10, 230, 72), (240, 240, 74), (240, 120, 79)]))  # a chord keeps its top
    s.tracks.append(_track("drums", [(0, 120, 36)], drum=True))
    grid = jsb_grid(s)
    assert grid.shape == (8, 4)
    assert grid[:, 0].tolist() == [72, 72, 79, 74, -1, -1, -1, -1]  # two tracks: soprano and bass
    assert grid[:, 3].tolist() == [40] * 8 and (grid[:, 1:3] == -1).all()
    many = symusic.Score(480)
    for i, pitch in enumerate((48, 55, 60, 64, 67)):
        many.tracks.append(_track(f"v{i}", [(0, 240, pitch)] + ([(240, 120, 72)] if i == 0 else [])))
    pooled = jsb_grid(many)  # five tracks: the top three and the lowest sounding pitch of each step
    assert pooled.tolist() == [[67, 64, 60, 48]] * 2 + [[72, -1, -1, -1]]


def test_one_jsb_reader_for_corpus_and_tokens(tmp_path):
    from partita.tokens import jsb

    assert jsb.read_jsb is read_jsb and jsb.JSBError is JSBError
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        read_jsb(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"train": [[[60, 61]]], "valid": [], "test": []}')
    with pytest.raises(JSBError, match=r"train\[0\]"):
        read_jsb(bad)
    _shared()
    grids, lists = read_jsb(), load_jsb()
    assert {k: len(v) for k, v in grids.items()} == {"train": 229, "valid": 76, "test": 77}
    assert all(g.tolist() == x for k in grids for g, x in zip(grids[k], lists[k], strict=True))
