"""The score index of `partita identify` (partita.discovery.score_index): a round trip, the same ranking as
the full search, the first pass against windows encoded here, and the refusals (missing, damaged, empty,
another matcher's, an interrupted write)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import symusic
import torch
from tests.audio.test_audio_score import _tune

from partita.discovery import audio_score as A
from partita.discovery import score_index as S
from partita.score import write_score


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _sine(score: symusic.Score, factor: float = 1.0) -> np.ndarray:
    sr = A.SAMPLE_RATE
    sec = score.to("second")
    y = np.zeros(int((sec.end() / factor + 1.0) * sr), np.float32)
    for track in sec.tracks:
        for n in track.notes:
            a, length = int(n.time / factor * sr), int(n.duration / factor * sr)
            t = np.arange(length) / sr
            f0 = 440.0 * 2 ** ((n.pitch - 69) / 12)
            y[a : a + length] += 0.1 * (np.sin(2 * np.pi * f0 * t) * np.exp(-2.0 * t)).astype(np.float32)
    return y


def _matcher(seed: int = 0) -> A.AudioScoreModel:
    """A tiny untrained matcher: the index must reproduce whatever it computes."""
    torch.manual_seed(seed)
    return A.AudioScoreModel(A.AudioScoreConfig(frames=16, hidden=8, segments=2, dim=8)).eval()


PIECES = [(f"p{i}", _tune(i, bars=6 + i % 3, qpm=100.0 + 10 * i)) for i in range(6)]


def test_round_trip_and_the_same_ranking_as_the_full_search(tmp_path):
    model = _matcher()
    index = S.build_score_index(PIECES, model, max_seconds=60.0)
    folder = S.save_score_index(index, tmp_path / "idx")
    assert sorted(p.name for p in folder.iterdir()) == [S.INDEX_CONFIG, S.INDEX_TENSORS]
    again = S.load_score_index(folder, model)
    assert again.names == [n for n, _ in PIECES] and again.windows == index.windows
    for key, value in index.arrays.items():
        assert np.array_equal(again.arrays[key], value), key
    cands = A.candidates_of(PIECES, 60.0)
    for i, cand in enumerate(cands):  # the piano roll and the bars come back without the score
        back = again.candidate(i)
        assert np.array_equal(back.snippet.roll, cand.snippet.roll)
        assert [back.bar(s) for s in (0.0, 2.3, 7.9, 30.0)] == [
            A.bar_at(cand.score, s) for s in (0.0, 2.3, 7.9, 30.0)
        ]
    query = A.audio_snippet(_sine(PIECES[3][1], 1.1)[A.SAMPLE_RATE : 6 * A.SAMPLE_RATE], A.SAMPLE_RATE)
    for method in ("combined", "learned", "dtw"):
        full = A.rank(query, cands, method, model)
        fast = S.rank_indexed(query, again, method, model, shortlist=len(PIECES))
        assert [m.name for m in fast] == [m.name for m in full], method
        assert [m.bar for m in fast] == [m.bar for m in full]
        assert np.allclose([m.similarity for m in fast], [m.similarity for m in full], atol=1e-6)
    # a shortlist of 3: its pieces ranked as by the full search when they hold the full search's best 3
    short = S.rank_indexed(query, again, "learned", model, shortlist=3)
    full = A.rank(query, cands, "learned", model)
    if {m.name for m in short[:3]} == {m.name for m in full[:3]}:
        assert [m.name for m in short[:3]] == [m.name for m in full[:3]]
    assert {m.method for m in short[3:]} == {"index"} and len(short) == len(PIECES)


def test_the_first_pass_is_the_full_search_on_the_cropped_query():
    model = _matcher(1)
    index = S.build_score_index(PIECES, model, max_seconds=60.0)
    grid = index.grid
    assert np.allclose(np.diff(np.log(grid["lengths"])), np.log(grid["step"]))
    query = A.audio_snippet(_sine(PIECES[1][1])[: int(5.5 * A.SAMPLE_RATE)], A.SAMPLE_RATE)
    sims, where = index.first_pass(model, query)
    crop = max(c for c in grid["crops"] if c <= query.seconds)
    qv = model.encode_audio(A.window_bins(query.roll, [0.0], [crop * A.FPS], 16))[0]
    for i, cand in enumerate(A.candidates_of(PIECES, 60.0)):
        best = -1.0
        for g in model.config.ratios:  # the windows the full search would encode for a query of `crop` s
            length = crop * g
            starts = np.arange(0.0, max(0.0, cand.snippet.seconds - length) + 1e-6, 1.0)
            win = A.window_bins(cand.snippet.roll, starts * A.FPS, np.full(len(starts), length * A.FPS), 16)
            best = max(best, float((model.encode_score(win) @ qv).max()))
        assert abs(sims[i] - best) < 5e-3  # float16 vectors
        assert 0.0 <= where[i, 0] <= cand.snippet.seconds


def test_the_refusals_are_one_sentence(tmp_path, monkeypatch):
    model = _matcher()
    folder = S.save_score_index(S.build_score_index(PIECES[:2], model, 30.0), tmp_path / "idx")
    with pytest.raises(S.ScoreIndexError, match="there is no score index there"):
        S.load_score_index(tmp_path / "nowhere")
    with pytest.raises(S.ScoreIndexError, match="built with the matcher built in code .* not with this one"):
        S.load_score_index(folder, _matcher(7))
    odd = _matcher()
    odd.config.ratios = [0.7, 1.0, 1.6]
    with pytest.raises(S.ScoreIndexError, match="not a geometric grid: it cannot be indexed"):
        S.build_score_index(PIECES[:1], odd)
    silent = symusic.Score(480)
    with pytest.raises(S.ScoreIndexError, match="none of the 1 scores has a pitched note: there is nothing"):
        S.build_score_index([("empty", silent)], model)
    # an interrupted write leaves the index that was there, and no half index
    from safetensors import numpy as stn

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(stn, "save", broken)
    with pytest.raises(KeyboardInterrupt):
        S.save_score_index(S.build_score_index(PIECES, model, 30.0), folder)
    monkeypatch.undo()
    assert S.load_score_index(folder, model).names == ["p0", "p1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]
    killed = tmp_path / ".idx.partial-999999999"  # what a build killed mid-write leaves: removed, not loaded
    killed.mkdir()
    (killed / S.INDEX_CONFIG).write_text("{")
    S.save_score_index(S.build_score_index(PIECES[:2], model, 30.0), folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]
    # damaged: truncated tensors, bad JSON, a missing file, an empty list of pieces
    data = (folder / S.INDEX_TENSORS).read_bytes()
    (folder / S.INDEX_TENSORS).write_bytes(data[: len(data) // 2])
    with pytest.raises(S.ScoreIndexError, match="is damaged or does not match"):
        S.load_score_index(folder)
    (folder / S.INDEX_TENSORS).write_bytes(data)
    meta = json.loads((folder / S.INDEX_CONFIG).read_text())
    (folder / S.INDEX_CONFIG).write_text(json.dumps({**meta, "names": ["p0", "p1", "p2"]}))
    with pytest.raises(S.ScoreIndexError, match="is damaged or does not match"):
        S.load_score_index(folder)
    (folder / S.INDEX_CONFIG).write_text(json.dumps({**meta, "names": []}))
    with pytest.raises(S.ScoreIndexError, match="the index holds no scores"):
        S.load_score_index(folder)
    (folder / S.INDEX_CONFIG).write_text("{not json")
    with pytest.raises(S.ScoreIndexError, match="score_index.json is damaged"):
        S.load_score_index(folder)
    (folder / S.INDEX_CONFIG).unlink()
    with pytest.raises(S.ScoreIndexError, match="not a complete score index"):
        S.load_score_index(folder)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(S.ScoreIndexError, match="holds other files"):
        S.save_score_index(S.build_score_index(PIECES[:1], model, 30.0), other)


def test_identify_index_cli_builds_and_searches(tmp_path, capsys):
    from partita.cli.main import main

    model = _matcher()
    matcher = model.save_pretrained(tmp_path / "matcher")
    scores = tmp_path / "scores"
    scores.mkdir()
    for name, s in PIECES[:4]:
        write_score(s, scores / f"{name}.mid")
    idx = tmp_path / "idx"
    assert main(["identify-index", str(scores), "-o", str(idx), "--model", str(matcher)]) == 0
    assert "indexed 4 scores" in capsys.readouterr().out
    take = tmp_path / "take.wav"
    sf.write(take, _sine(PIECES[2][1])[: 5 * A.SAMPLE_RATE], A.SAMPLE_RATE)
    args = ["identify", str(take), "--model", str(matcher), "-k", "4", "--json"]
    assert main([*args, "--scores", str(scores)]) == 0
    full = json.loads(capsys.readouterr().out)
    assert main([*args, "--scores", str(idx)]) == 0
    fast = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in fast] == [m["name"] for m in full]
    assert [m["bar"] for m in fast] == [m["bar"] for m in full]
    torch.manual_seed(3)
    other = A.AudioScoreModel(model.config).save_pretrained(tmp_path / "other")
    assert main(["identify", str(take), "--scores", str(idx), "--model", str(other)]) == 2
    err = capsys.readouterr().err
    assert "was built with the matcher matcher" in err and "Traceback" not in err
    (idx / S.INDEX_TENSORS).write_bytes(b"\0" * 10)
    assert main(["identify", str(take), "--scores", str(idx), "--model", str(matcher)]) == 2
    assert "is damaged" in capsys.readouterr().err


def test_merged_indexes_are_the_index_of_all_their_scores():
    model = _matcher()
    whole = S.build_score_index(PIECES, model, 60.0)
    parts = [S.build_score_index(PIECES[a:b], model, 60.0) for a, b in ((0, 2), (2, 3), (3, 6))]
    merged = S.merge_score_indexes(parts)
    assert merged.names == whole.names and merged.windows == whole.windows
    for key, value in whole.arrays.items():
        assert merged.arrays[key].dtype == value.dtype and np.array_equal(merged.arrays[key], value), key
    with pytest.raises(S.ScoreIndexError, match="p0 is in two of the indexes"):
        S.merge_score_indexes([parts[0], parts[0]])
    with pytest.raises(S.ScoreIndexError, match="differ in their matcher"):
        S.merge_score_indexes([parts[0], S.build_score_index(PIECES[4:], _matcher(1), 60.0)])
    with pytest.raises(S.ScoreIndexError, match="differ in their max seconds"):
        S.merge_score_indexes([parts[0], S.build_score_index(PIECES[4:], model, 30.0)])


def test_identify_index_adds_and_finishes_an_interrupted_build(tmp_path, capsys, monkeypatch):
    from partita.cli.main import main

    matcher = _matcher().save_pretrained(tmp_path / "matcher")
    scores = tmp_path / "scores"
    scores.mkdir()
    for name, s in PIECES[:4]:
        write_score(s, scores / f"{name}.mid")
    build = ["identify-index", str(scores), "--model", str(matcher), "--save-every", "2"]
    assert main([*build, "-o", str(tmp_path / "whole")]) == 0
    whole = S.load_score_index(tmp_path / "whole")

    real = S.build_score_index
    calls = []

    def interrupted(named, *args, **kwargs):  # Ctrl-C while indexing the second chunk
        calls.append([n for n, _ in named])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(named, *args, **kwargs)

    idx = tmp_path / "idx"
    monkeypatch.setattr(S, "build_score_index", interrupted)
    assert main([*build, "-o", str(idx)]) == 1
    err = capsys.readouterr().err
    assert "interrupted after 2 of 4 scores" in err and "holds 2 scores" in err and "--add" in err
    assert "Traceback" not in err
    partial = S.load_score_index(idx)
    assert partial.names == ["p0.mid", "p1.mid"] and partial.meta["pending"] == 2
    take = tmp_path / "take.wav"
    sf.write(take, _sine(PIECES[1][1])[: 5 * A.SAMPLE_RATE], A.SAMPLE_RATE)
    assert main(["identify", str(take), "--scores", str(idx), "--model", str(matcher)]) == 0
    assert "build was interrupted with 2 scores still to index" in capsys.readouterr().err

    monkeypatch.setattr(S, "build_score_index", real)
    assert main([*build, "-o", str(idx), "--add"]) == 0
    out = capsys.readouterr()
    assert "2 of the scores are in the index already" in out.err and "indexed 4 scores" in out.out
    done = S.load_score_index(idx)
    assert done.names == whole.names and done.meta["pending"] == 0
    for key, value in whole.arrays.items():
        assert np.array_equal(done.arrays[key], value), key
    assert main([*build, "-o", str(tmp_path / "none"), "--add"]) == 2
    assert "there is no score index" in capsys.readouterr().err
    assert main([*build, "-o", str(idx), "--add", "--max-seconds", "30"]) == 2
    assert "give the same --max-seconds" in capsys.readouterr().err
