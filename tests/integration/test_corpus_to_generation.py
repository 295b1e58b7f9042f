"""The layers together: a corpus -> token arrays -> a trained debug model -> constrained generation -> a
score."""

import pytest

from partita.corpus import build_corpus, load_corpus
from partita.generation import sample
from partita.generation.rules import Constraints, RuleSet
from partita.models import MusicLM
from partita.tokens import Conditions, MiditokTokenizer
from partita.tokens.dataset import TokenizeConfig, tokenize_corpus
from partita.training import preset, train


@pytest.mark.slow
def test_corpus_tokens_training_and_constrained_generation(fixtures, tmp_path):
    summary = build_corpus("mini", [str(fixtures / "score")], out_dir=tmp_path / "corpus", workers=1)
    assert summary["pieces"] >= 4
    corpus = load_corpus(tmp_path / "corpus")
    # a handful of pieces lands in one split by the hash of its work: give every split something to hold
    cfg = TokenizeConfig(copies=3, chunk=2)
    meta = tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "tokens", cfg)
    assert meta["vocab_size"] > 500 and meta["splits"]["train"]["sequences"] >= 3
    # resumes: nothing is redone
    again = tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "tokens", cfg)
    assert again["sha256"] == meta["sha256"]
    with pytest.raises(ValueError, match="other settings"):
        tokenize_corpus(corpus, MiditokTokenizer(), tmp_path / "tokens", TokenizeConfig(copies=1))

    if "valid" not in meta["splits"]:  # too few pieces for a validation split: score on training tokens
        import shutil

        shutil.copy(tmp_path / "tokens" / "train.npy", tmp_path / "tokens" / "valid.npy")
    run = preset("debug", data=str(tmp_path / "tokens"), max_steps=6, eval_interval=3, checkpoint_interval=3)
    result = train(run, tmp_path / "run")
    model = MusicLM.from_pretrained(result.model_dir)
    assert model.config.vocab_size == meta["vocab_size"]
    tok = model.tokenizer
    assert isinstance(tok, MiditokTokenizer)

    c = Constraints(meter="3/4", bars=3, programs=[0])
    out = sample(
        model,
        tok.condition_ids(Conditions(meter="3/4", programs=[0])),
        max_new_tokens=400,
        seed=0,
        batch_size=2,
        logits_processor=RuleSet(tok, c, vocab_size=model.config.vocab_size),
    )
    for seq, reason in zip(out.tokens, out.stop_reasons, strict=True):
        toks = tok.tokens(seq)
        assert reason in ("stop_token", "max_tokens")
        if reason == "stop_token":
            assert toks.count("Bar_None") == 3
        assert {t for t in toks if t.startswith("TimeSig_")} <= {"TimeSig_3/4"}
        assert {t for t in toks if t.startswith("Program_")} <= {"Program_0"}
        tok.decode(seq)  # decodes to a score without raising
