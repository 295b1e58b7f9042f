import json
import random

import pytest
import symusic
from click.testing import CliRunner

from partita.cli.main import cli
from partita.corpus import build_corpus
from partita.models import MusicLM, MusicLMConfig
from partita.training import load_token_data, sequence_nll


@pytest.fixture(scope="module")
def token_folder(tmp_path_factory):
    """40 short random tunes: enough for the corpus's 80/10/10 split to give validation and test pieces."""
    tmp = tmp_path_factory.mktemp("model-eval")
    rng = random.Random(5)
    (tmp / "midi").mkdir()
    for i in range(40):
        score = symusic.Score(480)
        track = symusic.Track(program=rng.choice([0, 40, 73]))
        for k in range(16):
            track.notes.append(symusic.Note(k * 240, 240, rng.randrange(55, 80), 80))
        score.tracks.append(track)
        score.dump_midi(str(tmp / "midi" / f"tune{i:02d}.mid"))
    build_corpus("mini", [str(tmp / "midi")], out_dir=tmp / "corpus", workers=1)
    args = ["tokens", "build", str(tmp / "corpus"), str(tmp / "tokens"), "--workers", "1", "--copies", "1"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    return tmp / "tokens"


def _eval(*args):
    result = CliRunner().invoke(cli, ["model", "eval", *map(str, args)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_model_eval_scores_every_set_and_shards_reproduce_a_ddp_run(token_folder, tmp_path):
    data = load_token_data(str(token_folder))
    cfg = MusicLMConfig(
        vocab_size=data.vocab_size,
        block_size=64,
        n_layer=1,
        n_head=2,
        d_model=32,
        d_ff=64,
        dropout=0.0,
        attention_block=16,
        bos_id=data.bos_id,
        eos_id=data.eos_id,
    )
    model = MusicLM(cfg).eval()
    model.save_pretrained(tmp_path / "m")
    whole = _eval(tmp_path / "m", "--data", token_folder, "--max-tokens", 0)
    total, count = sequence_nll(model, data.valid, cfg.block_size)
    assert whole["valid_nll_per_token"] == pytest.approx(total / count, rel=1e-6)
    assert whole["valid_tokens"] == count and "test_nll_per_token" in whole
    assert any(
        k.startswith("valid_") and k.endswith("_nll_per_token") and k != "valid_nll_per_token" for k in whole
    )
    # with every token scored, dealing the sets out over two shards changes nothing
    halves = _eval(tmp_path / "m", "--data", token_folder, "--max-tokens", 0, "--shards", 2)
    assert halves["valid_nll_per_token"] == pytest.approx(whole["valid_nll_per_token"], rel=1e-6)
    capped = _eval(tmp_path / "m", "--data", token_folder, "--max-tokens", 40)
    assert 40 <= capped["valid_tokens"] < whole["valid_tokens"]


def test_model_eval_refuses_tokens_of_another_vocabulary(token_folder):
    result = CliRunner().invoke(cli, ["model", "eval", "debug", "--data", str(token_folder)])
    assert result.exit_code == 2 and "--tokenizer" in result.output and "Traceback" not in result.output
    empty = CliRunner().invoke(cli, ["model", "eval", "debug", "--data", str(token_folder.parent)])
    assert empty.exit_code == 2 and "valid.npy" in empty.output and "Traceback" not in empty.output
