"""Pairs nobody rated, labelled by a reward model trained on the stored choices (``partita tune
--reward-pairs``): the piece the reward model scores higher is chosen, pairs it does not separate by the
margin are left out, the pairs are marked and weighted, and too few stored choices are one sentence."""

from __future__ import annotations

import pytest
import symusic
import torch

from partita.models.pretrained import debug_model
from partita.pipelines import Generator
from partita.pipelines.preferences import piece_tokens
from partita.pipelines.reward_pairs import (
    CandidatePair,
    piece_features,
    request_for,
    reward_labelled_pairs,
    stored_choices,
    train_reward_on_prefs,
)
from partita.training.dpo import (
    DPOConfig,
    TokenPair,
    batch_loss,
    dpo_loss,
    select_pairs,
    sequence_logprobs,
)
from partita.training.preferences import Preference
from partita.training.reward import RewardConfig, RewardModel, label_by_reward

PROMPT = "a piano piece in C major, 2 bars"

pytestmark = pytest.mark.usefixtures("one_thread")


def score(pitches) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, 120.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    s.tracks.append(t)
    return s


def tune(base: int) -> list[int]:
    """A little tune around ``base``: the same shape at every height."""
    return [base + d for d in (0, 2, 4, 5, 4, 2, 0, 7)]


@pytest.fixture(scope="module")
def generator():
    return Generator.debug()


def prefs_higher_wins(count: int) -> list[Preference]:
    """``count`` choices where the higher of two tunes won (each stored once as a, once as b)."""
    out = []
    for i in range(count):
        high, low = score(tune(64 + i % 5)), score(tune(50 + i % 4))
        a, b, winner = (high, low, "a") if i % 2 else (low, high, "b")
        out.append(Preference(PROMPT, a.dumps_midi(), b.dumps_midi(), winner=winner, model="debug"))
    return out


def linear_reward(weights: dict[str, float]) -> RewardModel:
    """A linear reward model with the given weights over raw features (no standardisation)."""
    model = RewardModel(RewardConfig(features=list(weights), hidden=0))
    with torch.no_grad():
        model.net[0].weight.copy_(torch.tensor([list(weights.values())]))
        model.net[0].bias.zero_()
    return model.eval()


def test_label_by_reward_keeps_the_order_and_the_margin():
    model = linear_reward({"x": 1.0})
    fa = [{"x": 3.0}, {"x": 0.0}, {"x": 1.0}, {"x": 2.0}]
    fb = [{"x": 1.0}, {"x": 0.5}, {"x": 4.0}, {"x": 2.0}]
    got = [(lb.index, lb.winner, lb.margin) for lb in label_by_reward(model, fa, fb, margin=1.0)]
    assert got == [(0, "a", 2.0), (2, "b", 3.0)]  # gap 0.5 and the tie are left out
    assert [lb.index for lb in label_by_reward(model, fa, fb, margin=0.0)] == [0, 1, 2]
    assert label_by_reward(model, fa, fb, margin=2.5)[0].index == 2


def test_reward_pairs_follow_the_reward_models_order(generator):
    prefs = prefs_higher_wins(10)
    reward, info = train_reward_on_prefs(generator, prefs)
    assert info["choices"] == 10 and info["train_accuracy"] == 1.0
    high, low = score(tune(70)), score(tune(48))
    candidates = [
        CandidatePair(PROMPT, None, high, low),
        CandidatePair(PROMPT, None, low, high),
        CandidatePair(PROMPT, None, high, score(tune(70))),  # the same piece twice: no gap
    ]
    pairs, done = reward_labelled_pairs(generator, reward, candidates, margin=0.5, weight=0.25)
    assert done["candidates"] == 3 and done["kept"] == 2 == len(pairs)
    assert [(i, w) for i, w, _ in done["labels"]] == [(0, "a"), (1, "b")]
    for p in pairs:  # the higher tune chosen both times, marked as the reward model's at the weight asked
        assert p.chosen == piece_tokens(generator, high) and p.rejected == piece_tokens(generator, low)
        assert p.source == "reward" and p.weight == 0.25
    # the reward model's margin decides what is kept: none at a margin beyond its largest gap
    top = max(m for _, _, m in done["labels"])
    again, none = reward_labelled_pairs(generator, reward, candidates, margin=top + 1.0)
    assert again == [] and none["kept"] == 0


def test_too_few_stored_choices_is_one_sentence(generator):
    prefs = prefs_higher_wins(3) + [Preference(PROMPT, b"x", b"y", winner="tie", model="debug")]
    assert len(stored_choices(prefs)) == 3  # a tie is no choice
    with pytest.raises(ValueError) as e:
        train_reward_on_prefs(generator, prefs, where="prefs.db")
    msg = str(e.value)
    assert msg.startswith("prefs.db: 3 decided choices to train the reward model on, and it needs at least 8")
    assert "\n" not in msg and "--reward-pairs" in msg


def test_a_reward_pair_weighs_its_weight_in_the_loss():
    prefix, good, bad = [1, 5, 6], [10, 11, 12, 2], [40, 41, 42, 2]
    model = debug_model(0)
    ref = torch.tensor([[-5.0, -4.0]])
    config = DPOConfig(beta=0.1)
    with torch.no_grad():
        stored, _ = batch_loss(model, [TokenPair(prefix, good, bad)], ref, config)
        half, _ = batch_loss(model, [TokenPair(prefix, good, bad, source="reward", weight=0.5)], ref, config)
    assert float(half) == pytest.approx(0.5 * float(stored), rel=1e-5)
    with torch.no_grad():
        lp, _ = sequence_logprobs(model, [prefix, prefix], [good, bad])
    by_hand, _ = dpo_loss(lp[:1], lp[1:], ref[:, 0], ref[:, 1], 0.1)
    assert float(stored) == pytest.approx(float(by_hand[0]), rel=1e-5)
    # extremes rank the stored pairs only; the reward-labelled ones are kept as they are
    reward_pair = TokenPair(prefix, bad, good, source="reward", weight=0.5)
    chosen = select_pairs(
        [TokenPair(prefix, good, bad), reward_pair], DPOConfig(pairs="extremes", extremes=1)
    )
    assert chosen[-1] is reward_pair and len(chosen) == 2


def test_the_default_reward_model_is_sparse_and_does_not_extrapolate(generator):
    """``--reward-pairs`` trains its reward model linear and sparse (the L1 penalty chosen by leave-one-out on
    the stored choices) with each feature held to the rated pieces' range."""
    reward, info = train_reward_on_prefs(generator, prefs_higher_wins(10))
    assert reward.config.clip and reward.config.hidden == 0
    assert info["l1"] > 0 and 0 < len(info["weights"]) < len(reward.config.features)
    assert {k for k, _ in info["weights"]} <= {"pitch_mean", "pitch_low", "pitch_high", "adherence"}
    # the same tune with an octave below every note: notes at an onset never varied in the choices
    plain, doubled = score(tune(60)), score(tune(60))
    for n in list(doubled.tracks[0].notes):
        doubled.tracks[0].notes.append(symusic.Note(n.time, n.duration, n.pitch - 12, 80))
    request = request_for(generator, PROMPT, None)
    plain, doubled = piece_features(request, plain), piece_features(request, doubled)
    assert doubled["notes_at_onset"] > plain["notes_at_onset"]
    texture = {**doubled, **{k: plain[k] for k in ("pitch_mean", "pitch_low", "pitch_high", "adherence")}}
    assert texture != plain  # it differs from the plain tune in its texture features only: no reward for it
    assert reward.score([texture]) == pytest.approx(reward.score([plain]))
