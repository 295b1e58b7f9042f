import json

from click.testing import CliRunner

from partita.cli.main import cli
from partita.corpus import build_corpus
from partita.training import load_token_data, preset


def test_tokens_build_with_bpe_feeds_training(fixtures, tmp_path):
    build_corpus("mini", [str(fixtures / "score")], out_dir=tmp_path / "corpus", workers=1)
    out = tmp_path / "tokens"
    args = ["tokens", "build", str(tmp_path / "corpus"), str(out), "--bpe", "800", "--workers", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text())
    assert meta["vocab_size"] == 800
    assert json.loads((out / "tokenizer" / "partita_tokenizer.json").read_text())["bpe_vocab_size"] == 800
    again = CliRunner().invoke(
        cli, args
    )  # a rerun resumes with the saved tokenizer and gives the same tokens
    assert again.exit_code == 0 and json.loads((out / "meta.json").read_text())["sha256"] == meta["sha256"]
    if (out / "valid.npy").exists():
        data = load_token_data(str(out))
        assert data.vocab_size == 800 and data.tokenizer_dir.endswith("tokenizer")
    assert preset("small", data=str(out)).data == str(out)


def test_tokens_build_with_a_models_tokenizer_keeps_its_vocabulary(fixtures, tmp_path):
    build_corpus("mini", [str(fixtures / "score")], out_dir=tmp_path / "corpus", workers=1)
    first = tmp_path / "first"
    args = ["tokens", "build", str(tmp_path / "corpus"), str(first), "--bpe", "760", "--workers", "1"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    again = tmp_path / "again"
    args = ["tokens", "build", str(tmp_path / "corpus"), str(again), "--tokenizer", str(first / "tokenizer")]
    result = CliRunner().invoke(cli, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    same = [json.loads((d / "meta.json").read_text()) for d in (first, again)]
    assert same[0]["vocab_size"] == same[1]["vocab_size"] == 760
    assert same[0]["sha256"] == same[1]["sha256"]  # the same tokenizer and seed give the same tokens
    assert (again / "tokenizer" / "tokenizer.json").read_text() == (
        first / "tokenizer" / "tokenizer.json"
    ).read_text()


def test_tokens_build_refuses_an_unknown_tokenizer_and_tokenizer_with_bpe(fixtures, tmp_path):
    build_corpus("mini", [str(fixtures / "score")], out_dir=tmp_path / "corpus", workers=1)
    base = ["tokens", "build", str(tmp_path / "corpus"), str(tmp_path / "t"), "--workers", "1"]
    unknown = CliRunner().invoke(cli, [*base, "--tokenizer", "no-such-model"])
    assert unknown.exit_code == 2 and "no-such-model" in unknown.output and "Traceback" not in unknown.output
    small = CliRunner().invoke(cli, [*base, "--bpe", "100"])
    assert small.exit_code == 2 and "base vocabulary" in small.output and "Traceback" not in small.output
    both = CliRunner().invoke(cli, [*base, "--tokenizer", "partita-small", "--bpe", "900"])
    assert both.exit_code == 2 and "not both" in both.output
