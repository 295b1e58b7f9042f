import json

from analysis_scores import progression_score
from click.testing import CliRunner

from partita.cli.main import main
from partita.score import write_midi


def test_describe_and_caption_commands(tmp_path, capsys):
    path = write_midi(progression_score(["C", "Am", "F", "G"] * 4, drums=True), tmp_path / "song.mid")
    assert main(["describe", str(path)]) == 0
    out = capsys.readouterr().out
    assert "C major" in out and "Andante" in out and "4/4" in out
    assert main(["describe", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key"] == "C major"
    assert main(["caption", str(path), "--n", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0] != lines[1]
    assert main(["caption", str(path), "--segments", "--lang", "zh"]) == 0
    assert "总结" in capsys.readouterr().out


def test_bad_file_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert main(["describe", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a score file" in err and "Traceback" not in err
    assert main(["caption", str(tmp_path / "missing.mid")]) == 2


def test_corpus_caption_command(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from partita.cli.analysis import corpus_caption

    folder = tmp_path / "c"
    (folder / "midi").mkdir(parents=True)
    write_midi(progression_score(["C", "G"] * 4), folder / "midi" / "a.mid")
    pq.write_table(
        pa.Table.from_pylist([{"piece_id": "a", "midi_path": "midi/a.mid", "split": "train"}]),
        folder / "manifest.parquet",
    )
    result = CliRunner().invoke(corpus_caption, [str(folder), "--n", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (folder / "captions.parquet").is_file()
