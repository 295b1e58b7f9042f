import pyarrow.parquet as pq
import pytest
from analysis_scores import progression_score

from partita.analysis.corpus_captions import CAPTIONS_FILE, caption_corpus, caption_labels, load_captions
from partita.score import write_midi


@pytest.fixture
def tiny_corpus(tmp_path):
    """A corpus folder as partita.corpus lays it out: a manifest.parquet and its MIDI files."""
    import pyarrow as pa

    folder = tmp_path / "tiny"
    (folder / "midi").mkdir(parents=True)
    rows = []
    for i, chords in enumerate((["C", "F", "G", "C"], ["Am", "Dm", "E", "Am"], ["G", "C", "Dm", "G"])):
        write_midi(progression_score(chords * 4), folder / "midi" / f"p{i}.mid")
        rows.append(
            {"piece_id": f"p{i}", "midi_path": f"midi/p{i}.mid", "split": "train", "tune_type": "reel"}
        )
    pq.write_table(pa.Table.from_pylist(rows), folder / "manifest.parquet")
    return folder


def test_caption_corpus_writes_and_resumes(tiny_corpus):
    calls = []
    out = caption_corpus(tiny_corpus, n=2, workers=1, limit=2, progress=lambda d, t, m: calls.append((d, t)))
    assert out == tiny_corpus / CAPTIONS_FILE
    assert pq.read_table(out).num_rows == 2
    assert calls[-1] == (2, 2)
    # the rerun does only the missing piece
    calls.clear()
    caption_corpus(tiny_corpus, n=2, workers=1, progress=lambda d, t, m: calls.append((d, t)))
    assert calls[0] == (2, 3)
    rows = load_captions(tiny_corpus)
    assert len(rows) == 3 and not any(r["error"] for r in rows)
    for r in rows:
        assert len(r["captions_en"]) == 2 and len(r["captions_zh"]) == 2
        assert r["description"]["key"] == r["key"]
        assert r["segments_en"].splitlines()[-1].startswith("Summary:")
    assert [r["key"] for r in sorted(rows, key=lambda r: r["piece_id"])] == ["C major", "A minor", "G major"]
    assert any("reel" in c for r in rows for c in r["captions_en"])
    assert not (tiny_corpus / "captions.parts").exists()


def test_labels_from_a_manifest_row():
    row = {"genre": None, "tune_type": "reel", "country": "Ireland", "composer": None}
    assert caption_labels(row) == {"genre": "reel", "style": "reel", "region": "Ireland"}


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no corpus"):
        caption_corpus(tmp_path / "nothing")


def test_parallel_workers_give_the_same_rows(tiny_corpus):
    import pyarrow as pa

    rows = pq.read_table(tiny_corpus / "manifest.parquet").to_pylist()
    more = [dict(r, piece_id=f"{r['piece_id']}-{k}") for k in range(3) for r in rows]
    pq.write_table(pa.Table.from_pylist(more), tiny_corpus / "manifest.parquet")
    caption_corpus(tiny_corpus, n=1, workers=2)
    got = {r["piece_id"]: r for r in load_captions(tiny_corpus)}
    assert len(got) == 9
    assert got["p0-0"]["captions_en"] == got["p0-2"]["captions_en"]
