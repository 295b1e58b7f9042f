"""Self-play pairs: the real piece in the prompt's key beside the model's own, both cut to the same bars
within the block; and a LoRA expert tuned by DPO on them that moves towards the real pieces."""

import pytest
import torch
from symusic import Note, Score, Track

from partita.evaluation.realism import count_bars
from partita.pipelines.generator import Generator
from partita.pipelines.preferences import condition_prefix
from partita.pipelines.spin_pairs import RealPiece, nearest_shift, same_bars, spin_pairs
from partita.training.dpo import DPOConfig, reference_logprobs
from partita.training.dpo_expert import tune_expert

PROMPT = "a pop song for piano in D major, 2 bars"
TPQ = 480


def piece(pitches, bars: int = 4, step: int = TPQ) -> Score:
    """One piano track of ``bars`` bars of 4/4, a note every ``step`` ticks cycling through ``pitches``."""
    score = Score(TPQ)
    track = Track("piano", program=0)
    n = bars * 4 * TPQ // step
    for i in range(n):
        track.notes.append(Note(i * step, step, pitches[i % len(pitches)], 80))
    score.tracks.append(track)
    return score


@pytest.fixture(scope="module")
def gen():
    return Generator.debug(seed=0)


@pytest.mark.parametrize(("a", "b", "shift"), [("C", "D", 2), ("C", "G", -5), ("C", "F", 5), ("C", "F#", -6)])
def test_the_real_piece_moves_the_shorter_way(a, b, shift):
    assert nearest_shift(a, b) == shift


def test_a_pair_holds_the_prompt_s_prefix_the_real_piece_in_its_key_and_the_model_s_own(gen):
    real = RealPiece(piece([60, 64, 67, 72]), "C", "real-1")
    own = piece([50, 51], step=TPQ // 2)
    (pair,) = spin_pairs(gen, PROMPT, [own], [real, real], bars=2)
    assert pair.prefix == condition_prefix(gen, PROMPT)
    assert pair.source == "spin"
    tok = gen.tokenizer
    assert pair.chosen[-1] == tok.eos_id and pair.rejected[-1] == tok.eos_id  # both whole: both end
    chosen = tok.decode(pair.chosen[:-1])
    pitches = sorted({n.pitch for t in chosen.tracks for n in t.notes})
    assert pitches == [62, 66, 69, 74]  # C E G C moved up a tone to D major
    assert count_bars(chosen) == 2  # cut to the bars asked, as the model's piece
    rejected = tok.decode(pair.rejected[:-1])
    assert sorted({n.pitch for t in rejected.tracks for n in t.notes}) == [50, 51]


def test_long_pieces_are_cut_to_the_same_bars_that_fit(gen):
    tok = gen.tokenizer
    real, own = piece([60, 62], bars=8, step=TPQ // 4), piece([70], bars=8)
    whole, _, bars = same_bars(tok, real, own, 8, room=10_000)
    assert bars == 8 and whole[-1] == tok.eos_id
    chosen, rejected, bars = same_bars(tok, real, own, 8, room=len(whole) // 2)
    assert 1 <= bars < 8
    assert max(len(chosen), len(rejected)) + 1 <= len(whole) // 2
    assert chosen[-1] != tok.eos_id and rejected[-1] != tok.eos_id  # a cut piece does not end
    assert count_bars(tok.decode(chosen)) == bars


def test_too_few_real_pieces_are_refused(gen):
    with pytest.raises(ValueError, match="need as many real ones"):
        spin_pairs(gen, PROMPT, [piece([60]), piece([62])], [RealPiece(piece([60]), "C")], bars=2)


def test_an_expert_tuned_on_the_pairs_moves_towards_the_real_pieces_and_leaves_the_base(gen):
    torch.manual_seed(0)
    real = [RealPiece(piece([60, 64, 67, 72]), "C"), RealPiece(piece([62, 65, 69]), "D")]
    own = [piece([50, 51], step=TPQ // 2), piece([80], step=TPQ // 4)]
    pairs = spin_pairs(gen, PROMPT, own, real, bars=2)
    before = {k: v.clone() for k, v in gen.model.state_dict().items()}
    reference = reference_logprobs(gen.model, pairs)
    config = DPOConfig(steps=6, lr=5e-3, batch_size=2, warmup=1, loss="ipo")
    expert, result = tune_expert(gen.model, pairs, "pop", config, rank=4, base_model="debug")
    assert expert.config.style == "pop" and expert.config.rank == 4 and expert.config.steps == 6
    assert result["summary"]["steps"] == 6
    now = reference_logprobs(expert.apply(gen.model), pairs)
    margin = (now[:, 0] - reference[:, 0]) - (now[:, 1] - reference[:, 1])
    assert float(margin.mean()) > 0  # the real pieces gained on the model's own
    assert all(torch.equal(before[k], v) for k, v in gen.model.state_dict().items())  # the base untouched


def test_a_second_self_play_round_starts_from_the_first_expert_and_gains_on_it(gen):
    real = [RealPiece(piece([60, 62, 64, 65]), "D", f"real-{k}") for k in range(2)]
    own = [piece([50, 51], step=TPQ // 2), piece([80], step=TPQ // 4)]
    pairs = spin_pairs(gen, PROMPT, own, real, bars=2)
    config = DPOConfig(steps=4, lr=5e-3, batch_size=2, warmup=1, loss="ipo")
    first, _ = tune_expert(gen.model, pairs, "pop", config, rank=4)
    after_first = reference_logprobs(first.apply(gen.model), pairs)
    still = DPOConfig(steps=1, lr=1e-12, batch_size=2, warmup=1)
    second, _ = tune_expert(gen.model, pairs, "pop", still, rank=4, init=first)
    assert torch.allclose(reference_logprobs(second.apply(gen.model), pairs), after_first, atol=1e-4)
    second, _ = tune_expert(gen.model, pairs, "pop", config, rank=4, init=first)
    now = reference_logprobs(second.apply(gen.model), pairs)
    margin = (now[:, 0] - after_first[:, 0]) - (now[:, 1] - after_first[:, 1])
    assert float(margin.mean()) > 0  # the round moved on from the first expert, not from the base
    with pytest.raises(ValueError, match="same style, rank"):
        tune_expert(gen.model, pairs, "pop", config, rank=8, init=first)
