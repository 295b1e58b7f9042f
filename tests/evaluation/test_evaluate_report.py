import json
import math

import pytest
from evaluation_fixtures import make_score, random_notes

from partita.cli.main import main
from partita.score import write_midi


def _write_set(folder, rng, n, qpm=120.0, shift=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        notes = [(s, d, p + shift) for s, d, p in random_notes(rng, 30)]
        write_midi(make_score(notes, qpm=qpm), folder / f"piece_{i}.mid")
    return folder


def _strict_json(path):
    def refuse(x):
        raise ValueError(f"non-standard JSON constant {x}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_evaluate_command_writes_a_complete_report(tmp_path, rng, capsys):
    gen = _write_set(tmp_path / "gen", rng, 3, qpm=100)
    ref = _write_set(tmp_path / "ref", rng, 4)
    (gen / "notes.txt").write_text("not a score, ignored")
    (gen / "broken.mid").write_bytes(b"MThd\x00\x00")
    prompts = tmp_path / "prompts.jsonl"
    lines = [
        {
            "file": f"piece_{i}.mid",
            "tempo": 100,
            "time_signature": "4/4",
            "instruments": [0],
            "density": 2 + i,
        }
        for i in range(3)
    ]
    prompts.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "report"
    args = ["evaluate", str(gen), "--reference", str(ref), "--prompts", str(prompts), "-o", str(out)]
    code = main([*args, "--compression-window", "64"])
    assert code == 0
    assert "mean overlapped area" in capsys.readouterr().out
    report = _strict_json(out / "report.json")
    assert report["n_generated"] == 3 and report["n_reference"] == 4
    assert report["settings"]["compression_window"] == 64
    assert len(report["sources"]["skipped_generated"]) == 1  # the truncated MIDI, with its reason
    assert set(report["metrics"]["generated"]) >= {"scale_consistency", "compression_ratio", "tensile_strain"}
    assert 0 < report["distribution"]["mean_oa"] <= 1
    adh = report["adherence"]["scores"]
    assert adh["TB"]["mean"] == 1.0 and adh["meter"]["mean"] == 1.0 and adh["instrument_f1"]["mean"] == 1.0
    assert len(report["adherence"]["per_piece"]) == 3
    md = (out / "report.md").read_text()
    for text in (
        "## Per-piece metrics",
        "| scale_consistency |",
        "Yang & Lerch",
        "| TB |",
        "overlap_area.png",
    ):
        assert text in md
    for png in ("pitch_class_histograms.png", "overlap_area.png", "distance_distributions.png"):
        data = (out / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_evaluate_without_reference(tmp_path, rng):
    gen = _write_set(tmp_path / "gen", rng, 2)
    out = tmp_path / "r"
    assert main(["evaluate", str(gen), "-o", str(out), "--no-compression", "--no-tension"]) == 0
    report = _strict_json(out / "report.json")
    assert "distribution" not in report and "compression_ratio" not in report["metrics"]["generated"]
    assert (out / "pitch_class_histograms.png").exists()


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t: ["evaluate", str(t / "missing")], "no corpus"),
        (lambda t: ["evaluate", str(t / "empty")], "no score files"),
        (lambda t: ["evaluate", str(t / "gen"), "--prompts", str(t / "bad.jsonl")], "bad.jsonl:1: not JSON"),
        (lambda t: ["evaluate", str(t / "gen"), "--prompts", str(t / "wrong.jsonl")], "tempo"),
        (
            lambda t: ["evaluate", str(t / "gen"), "--prompts", str(t / "other.jsonl")],
            "not among the generated",
        ),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, rng, capsys, make_args, message):
    _write_set(tmp_path / "gen", rng, 2)
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    (tmp_path / "wrong.jsonl").write_text('{"file": "piece_0.mid", "tempo": "fast"}\n')
    (tmp_path / "other.jsonl").write_text('{"file": "nope.mid", "key": "C major"}\n')
    code = main(make_args(tmp_path))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_report_json_has_no_nan(tmp_path, rng):
    from partita.evaluation import evaluate, write_report

    empty = make_score([])
    one = make_score(random_notes(rng, 10))
    result = evaluate([("empty", empty), ("one", one)], compression=False)
    write_report(result, tmp_path)
    report = _strict_json(tmp_path / "report.json")
    assert report["pieces"]["generated"][0]["pitch_entropy"] is None
    assert not math.isnan(report["metrics"]["generated"]["pitch_entropy"]["mean"])


def test_reference_from_a_corpus_name(tmp_path, rng, monkeypatch):
    """A name that is not a file or folder goes to partita.corpus.load_corpus (stubbed here: NAME:SPLIT
    kept)."""
    import partita.corpus
    from partita.evaluation import read_scores

    seen = {}

    class FakeCorpus:
        def iter_scores(self):
            for i in range(5):
                yield {"piece_id": f"p{i}"}, make_score(random_notes(rng, 12))

    def fake_load(spec):
        seen["spec"] = spec
        return FakeCorpus()

    monkeypatch.setattr(partita.corpus, "load_corpus", fake_load)
    monkeypatch.chdir(tmp_path)
    scores, skipped = read_scores("bach:test", limit=3)
    assert seen["spec"] == "bach:test"
    assert [n for n, _ in scores] == ["p0", "p1", "p2"] and skipped == []


def test_one_generated_piece_says_why_there_is_no_set_comparison(tmp_path, rng):
    from partita.evaluation import evaluate, write_report

    one = [("a", make_score(random_notes(rng, 10)))]
    ref = [(f"r{i}", make_score(random_notes(rng, 10))) for i in range(3)]
    write_report(evaluate(one, ref, compression=False, tension=False), tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "Not computed: the set comparison needs at least 2 pieces on each side" in md
