"""Segments: a piece's sections with bars, captions and vectors; the index that finds the part a query
describes; `partita search --segments`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import symusic

from partita.cli.main import main
from partita.discovery.features import N_FEATURES
from partita.discovery.segments import (
    PartWish,
    part_bonus,
    part_wish,
    piece_bonus,
    piece_segments,
    rank_segments,
    read_segments,
    section_blocks,
    write_segments,
)

MAJOR = [0, 4, 7, 12, 7, 4, 0, 4]
MINOR = [0, 3, 7, 12, 7, 3, 0, 3]  # A minor arpeggios from A3


def _two_moods(bars: int = 8, slow_minor_second: bool = True) -> symusic.Score:
    """``bars`` bars of C major eighth notes (high, loud), then ``bars`` bars of A minor half notes (low,
    soft)."""
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("melody", 0)
    for i in range(bars * 8):
        track.notes.append(symusic.Note(i * 240, 220, 72 + MAJOR[i % 8], 100))
    if slow_minor_second:
        start = bars * 4 * 480
        for i in range(bars * 2):
            track.notes.append(symusic.Note(start + i * 960, 900, 57 + MINOR[i % 8], 50))
    score.tracks.append(track)
    return score


def test_segments_cover_the_piece_in_order_with_bars_and_captions():
    segs = piece_segments(_two_moods())
    assert len(segs) >= 2
    assert segs[0].start_bar == 0 and segs[-1].end_bar == 16
    assert all(
        a.end_bar == b.start_bar and a.end_tick == b.start_tick for a, b in zip(segs, segs[1:], strict=False)
    )
    assert all(s.features.shape == (N_FEATURES,) and np.isfinite(s.features).all() for s in segs)
    assert segs[0].caption.startswith(f"bars {segs[0].bars} ")
    assert "A minor" in segs[-1].caption and "C major" in segs[0].caption
    assert not np.allclose(segs[0].features, segs[-1].features)
    first, last = segs[0].facts, segs[-1].facts
    assert last["key"] == "A minor" and last["pitch"] < first["pitch"] - 6
    assert last["velocity"] < first["velocity"] and last["density"] < first["density"]


def test_a_repeated_section_reuses_its_vector_and_many_sections_are_joined():
    score = _two_moods(slow_minor_second=False)  # 8 bars that repeat every 2: A A A A ...
    segs = piece_segments(score)
    by_label: dict[str, list] = {}
    for s in segs:
        by_label.setdefault(s.label, []).append(s)
    repeated = [v for v in by_label.values() if len(v) > 1]
    assert repeated and all(np.array_equal(v[0].features, w.features) for v in repeated for w in v)
    blocks, lines = section_blocks(_two_moods(bars=32), limit=2)
    assert len(blocks) <= 2 and blocks[0][0] == 0 and blocks[-1][1] == len(lines) - 1
    assert "+" in blocks[0][2]


def test_an_empty_score_has_no_segments():
    assert piece_segments(symusic.Score(480)) == []


def test_rank_segments_adds_the_best_segment_to_the_whole_piece():
    query = np.array([1.0, 0.0])
    pieces = np.array([[0.5, 0.5], [0.9, 0.1], [0.0, 1.0]])
    where = np.array([0, 0, 2])
    segs = np.array([[0.2, 0.8], [1.0, 0.0], [0.1, 0.9]])
    score, best = rank_segments(query, pieces, where, segs)
    assert best.tolist() == [1, -1, 2]
    assert score == pytest.approx([0.5 + 1.0, 0.9 * 2, 0.0 + 0.1])
    score, best = rank_segments(query, pieces, np.zeros(0, dtype=np.int64), np.zeros((0, 2)))
    assert best.tolist() == [-1, -1, -1] and score == pytest.approx([1.0, 1.8, 0.0])


def test_a_query_says_what_it_asks_of_a_part():
    assert part_wish("the slow minor section") == PartWish(mode="minor", moves={"tempo": -1})
    assert part_wish("a section in E minor, quieter than the rest") == PartWish(
        key=(4, "minor"), moves={"velocity": -1}
    )
    # a key said of the piece is the piece's
    wish = part_wish("a piece in G major with a part in Bb major")
    assert wish.key == (10, "major") and wish.piece_key == (7, "major") and len(wish) == 2
    assert part_wish("in G major, with a busier part") == PartWish(
        moves={"density": 1}, piece_key=(7, "major")
    )
    assert part_wish("a G major piece that turns to F# minor").key == (6, "minor")
    assert len(part_wish("a reel by O'Carolan")) == 0


def test_the_part_bonus_compares_a_segment_with_the_rest_of_its_piece():
    facts = {
        "key": ["C major", "A minor", "C major", "A minor"],
        "tempo": [120.0, 60.0, 120.0, 60.0],
        "density": [4.0, 1.0, 4.0, 1.0],
        "pitch": [72.0, 60.0, 72.0, 60.0],
        "velocity": [90.0, 50.0, 90.0, 50.0],
    }
    piece = np.array([0, 0, 1, 2])  # piece 2 has one segment: nothing to compare it with
    lengths = np.ones(4)
    bonus = part_bonus(part_wish("the slow section in A minor"), facts, piece, lengths)
    assert bonus.tolist() == [0.0, 1.0, 0.0, 0.5]
    bonus = part_bonus(part_wish("a louder, higher passage"), facts, piece, lengths)
    assert bonus.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert part_bonus(PartWish(), facts, piece, lengths).tolist() == [0.0] * 4
    score, best = rank_segments(np.array([1.0]), np.ones((3, 1)), piece, np.zeros((4, 1)), bonus)
    assert best.tolist() == [0, 2, 3] and score.tolist() == [2.0, 1.0, 1.0]
    wish = part_wish("a piece in A minor with a louder part")
    assert piece_bonus(wish, ["A minor", "C major", "a minor"]).tolist() == [0.5, 0.0, 0.5]
    assert piece_bonus(part_wish("a louder part"), ["A minor"]).tolist() == [0.0]
    score, _ = rank_segments(np.array([1.0]), np.ones((3, 1)), piece, np.zeros((4, 1)), bonus, np.ones(3))
    assert score.tolist() == [3.0, 2.0, 2.0]


def test_segments_round_trip_through_parquet(tmp_path):
    rows = {
        "a": [
            {
                "start_bar": 0,
                "end_bar": 8,
                "start_tick": 0,
                "end_tick": 3840,
                "label": "A",
                "caption": "bars 1-8 (A): x",
                "features": [0.5] * N_FEATURES,
                "key": "D major",
                "tempo": 100.0,
                "density": 2.0,
                "pitch": 64.0,
                "velocity": 80.0,
            }
        ],
        "b": [],
    }
    write_segments(rows, tmp_path / "s.parquet")
    back = read_segments(tmp_path / "s.parquet")
    assert back["b"] == [] and back["a"][0]["end_tick"] == 3840 and back["a"][0]["label"] == "A"
    assert back["a"][0]["features"] == pytest.approx([0.5] * N_FEATURES)
    assert back["a"][0]["key"] == "D major" and back["a"][0]["tempo"] == 100.0


@pytest.fixture(scope="module")
def segment_index(tiny_corpus, tmp_path_factory):
    from partita.corpus import load_corpus
    from partita.discovery.index import build_index

    path = tmp_path_factory.mktemp("segments") / "idx"
    meta = build_index(load_corpus(tiny_corpus), path, segments=True)
    return path, meta


def test_the_index_stores_segments_and_a_hit_says_which_bars(segment_index):
    from partita.discovery.index import DiscoveryIndex

    path, meta = segment_index
    assert meta["segments"] >= 4
    hits = DiscoveryIndex(path).search_segments("a section in A minor in 3/4 time", k=4)
    assert len(hits) == 4 and hits[0].fields["title"] == "Minor Waltz"
    for h in hits:
        f = h.fields
        assert 0 <= f["start_bar"] < f["end_bar"] and f["bars"] == f"{f['start_bar'] + 1}-{f['end_bar']}"
        assert f["segment_caption"].startswith(f"bars {f['bars']} ")
        assert f["start_tick"] < f["end_tick"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    only = DiscoveryIndex(path).search_segments("a tune", k=10, where="meter = '6/8'")
    assert [h.fields["title"] for h in only] == ["Little Jig"]


def test_a_rebuild_keeps_the_segments_without_reading_them_again(segment_index, tiny_corpus, tmp_path):
    import shutil

    from partita.corpus import load_corpus
    from partita.discovery.index import PENDING_SEGMENTS, build_index

    path, meta = segment_index
    copy = tmp_path / "idx"
    shutil.copytree(path, copy)
    again = build_index(load_corpus(tiny_corpus), copy)  # segments=None: as the index was
    assert again["segments"] == meta["segments"] and again["added"] == 0
    assert not (copy / PENDING_SEGMENTS).exists()
    dropped = build_index(load_corpus(tiny_corpus), copy, segments=False)
    assert dropped["segments"] == 0


def test_an_index_without_segments_says_how_to_build_one(tiny_index):
    from partita.discovery.index import DiscoveryIndex

    with pytest.raises(ValueError, match="--segments"):
        DiscoveryIndex(tiny_index).search_segments("a slow section")
    with pytest.raises(ValueError, match="empty query"):
        DiscoveryIndex(tiny_index).search_segments("  ")


def test_search_segments_on_the_command_line(segment_index, tiny_index, capsys):
    path, _ = segment_index
    assert main(["search", "a section in A minor", "-k", "2", "--segments", "--index", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[1].strip().startswith("bars ")
    assert main(["search", "a jig", "--segments", "--json", "-k", "1", "--index", str(path)]) == 0
    assert "bars" in json.loads(capsys.readouterr().out)[0]
    assert main(["search", "a jig", "--segments", "--index", str(tiny_index)]) != 0
    err = capsys.readouterr().err
    assert "--segments" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
