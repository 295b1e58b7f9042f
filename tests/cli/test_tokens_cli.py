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
