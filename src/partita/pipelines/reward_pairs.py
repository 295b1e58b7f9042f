"""Pairs nobody rated, labelled by a reward model (MusicRL's use of one), for ``partita tune --reward-pairs``.

A reward model (:mod:`partita.training.reward`) is trained on the stored choices (decided pairs, and
ratings of one prompt at least a point apart) over each piece's realism features, where it sits in pitch,
and its adherence to the prompt (:func:`piece_features`: the automatic signals). Then candidate pairs for
the stored prompts, sampled from the base model (or given, e.g. unlabelled candidates kept elsewhere), are
labelled by it: the piece it scores higher wins, and only pairs it separates by at least ``margin``
(reward difference, log-odds) are kept. They become :class:`~partita.training.dpo.TokenPair`\\ s marked
``source="reward"`` with a ``weight`` below 1 by default, so that DPO learns from them beside the stored
choices, which stay the ground truth.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

REWARD_EPOCHS = 300
REWARD_HIDDEN = 0
"""The reward model's width for ``--reward-pairs``: linear. Trained on 16 choices (bench_tune's rated
choices, 3 seeds) it was right on held-out pairs 0.72-0.75 of the time (register rater) and 0.81-0.84
(stepwise), against 0.59-0.72 and 0.72-0.78 for the 32-wide MLP; docs/PREFERENCES.md."""
REWARD_L1: float | None = None
"""The linear reward model's L1 penalty for ``--reward-pairs``: None, chosen by leave-one-out on the stored
choices themselves (:func:`partita.training.reward.choose_l1`), so that the features the choices do not
separate (tracks, notes at an onset, ...) get weight 0 and do not decide the labels; docs/PREFERENCES.md."""


@dataclass
class CandidatePair:
    """Two pieces (symusic Scores) sampled for one prompt under its conditions, not rated by anyone."""

    prompt: str
    conditions: dict | None
    a: Any
    b: Any
    meta: dict = field(default_factory=dict)


def register_features(score) -> dict[str, float]:
    """Where the piece sits: the mean pitch of its notes (drums aside) and its 10th and 90th percentiles (0
    for a silent piece). The realism features hold no absolute pitch (they compare styles)."""
    import numpy as np

    pitches = [n.pitch for t in score.tracks if not t.is_drum for n in t.notes]
    if not pitches:
        return {"pitch_mean": 0.0, "pitch_low": 0.0, "pitch_high": 0.0}
    low, high = np.percentile(pitches, [10, 90])
    return {"pitch_mean": float(np.mean(pitches)), "pitch_low": float(low), "pitch_high": float(high)}


def piece_features(request, score) -> dict[str, float]:
    """What the reward model reads of a piece: its realism features, where it sits
    (:func:`register_features`) and its mean adherence to ``request``."""
    from partita.evaluation.adherence import candidate_adherence
    from partita.evaluation.realism import realism_features
    from partita.generation.candidates import adherence_mean

    out = realism_features(score)
    out.update(register_features(score))
    out["adherence"] = adherence_mean(candidate_adherence(request, score)) or 0.0
    return out


def request_for(generator, prompt: str, conditions: dict | None) -> Any:
    """The request ``prompt`` is sampled from under the stored ``conditions`` (the form's controls)."""
    from partita.tokens.conditions import Conditions

    request = generator.request(prompt)
    if conditions:
        request.conditions = Conditions.from_dict(conditions)
    return request


def _score(midi: bytes):
    """The stored piece as a Score, or None when it does not read or is past the score limits."""
    from symusic import Score

    from partita.score import check_limits

    try:
        score = Score.from_midi(midi)
        check_limits(score, "a stored piece")
    except Exception as e:  # symusic and the limits raise assorted errors on a bad piece: skip it
        logger.warning("a stored piece skipped (%s: %s)", type(e).__name__, e)
        return None
    return score


def stored_choices(prefs: Sequence, min_gap: float = 1.0) -> list[tuple[str, dict | None, bytes, bytes]]:
    """(prompt, conditions, winner's MIDI, loser's MIDI) of each decided pair and each two ratings of one
    prompt at least ``min_gap`` apart (the choices :func:`partita.pipelines.preferences.preference_pairs`
    tunes on)."""
    out, rated = [], {}
    for p in prefs:
        conditions = p.meta.get("conditions") or None
        if p.kind == "rating":
            rated.setdefault(json.dumps([p.prompt, conditions], sort_keys=True), []).append(p)
        elif p.winner in ("a", "b"):
            good, bad = (p.piece_a, p.piece_b) if p.winner == "a" else (p.piece_b, p.piece_a)
            out.append((p.prompt, conditions, good, bad))
    for items in rated.values():
        for i, x in enumerate(items):
            for y in items[i + 1 :]:
                if abs(x.rating - y.rating) >= min_gap:
                    good, bad = (x, y) if x.rating > y.rating else (y, x)
                    out.append((good.prompt, good.meta.get("conditions") or None, good.piece_a, bad.piece_a))
    return out


def train_reward_on_prefs(generator, prefs: Sequence, config=None, where: str = "the store") -> tuple:
    """A reward model trained on the stored choices of ``prefs`` (:func:`stored_choices`) over
    :func:`piece_features`, and its training figures. Fewer than
    :data:`~partita.training.reward.MIN_CHOICES` readable choices: a ValueError of one sentence naming
    ``where``."""
    from partita.training.reward import RewardConfig, check_enough_choices, train_reward

    choices = stored_choices(prefs)
    check_enough_choices(len(choices), where)
    requests: dict[str, Any] = {}
    winners, losers = [], []
    for prompt, conditions, good, bad in choices:
        key = json.dumps([prompt, conditions], sort_keys=True)
        if key not in requests:
            requests[key] = request_for(generator, prompt, conditions)
        a, b = _score(good), _score(bad)
        if a is not None and b is not None:
            winners.append(piece_features(requests[key], a))
            losers.append(piece_features(requests[key], b))
    check_enough_choices(len(winners), where)
    config = config or RewardConfig(
        features=sorted(winners[0]), hidden=REWARD_HIDDEN, epochs=REWARD_EPOCHS, l1=REWARD_L1, clip=True
    )
    if not config.features:
        config.features = sorted(winners[0])
    model, info = train_reward(winners, losers, config)
    return model, {**info, "choices": len(winners)}


def sample_candidate_pairs(generator, prefs: Sequence, n: int, seed: int = 0) -> list[CandidatePair]:
    """``n`` pairs sampled from ``generator`` (two candidates a pair, no selector) for the stored prompts,
    taken in turn (each distinct prompt and conditions of ``prefs``, in the order first stored)."""
    from symusic import Score

    prompts: dict[str, tuple[str, dict | None]] = {}
    for p in prefs:
        conditions = p.meta.get("conditions") or None
        prompts.setdefault(json.dumps([p.prompt, conditions], sort_keys=True), (p.prompt, conditions))
    if not prompts or n < 1:
        return []
    order = list(prompts.values())
    out = []
    for i in range(n):
        prompt, conditions = order[i % len(order)]
        cands = generator.generate(
            request_for(generator, prompt, conditions), n=2, seed=seed + 7919 * i, selector=None
        )
        a, b = (Score.from_midi(c.score.dumps_midi()) for c in cands[:2])  # as a stored piece reads back
        out.append(CandidatePair(prompt, conditions, a, b, {"seed": seed + 7919 * i}))
    return out


def reward_labelled_pairs(
    generator,
    reward,
    candidates: Sequence[CandidatePair],
    margin: float = 1.0,
    weight: float = 0.5,
) -> tuple[list, dict[str, Any]]:
    """The :class:`~partita.training.dpo.TokenPair`\\ s of the ``candidates`` the reward model ``reward``
    separates by at least ``margin`` (its higher-scored piece chosen), marked ``source="reward"`` with
    ``weight``; and what was done (``candidates``, ``kept``, ``margin``, ``weight``, ``labels``: per kept
    pair its candidate index, winner and reward gap)."""
    from partita.pipelines.preferences import condition_prefix, piece_tokens
    from partita.training.dpo import TokenPair
    from partita.training.reward import label_by_reward

    requests: dict[str, Any] = {}
    prefixes: dict[str, list[int]] = {}
    fa, fb = [], []
    for c in candidates:
        key = json.dumps([c.prompt, c.conditions], sort_keys=True)
        if key not in requests:
            requests[key] = request_for(generator, c.prompt, c.conditions)
            prefixes[key] = condition_prefix(generator, c.prompt, c.conditions)
        fa.append(piece_features(requests[key], c.a))
        fb.append(piece_features(requests[key], c.b))
    labels = label_by_reward(reward, fa, fb, margin)
    pairs = []
    for label in labels:
        c = candidates[label.index]
        good, bad = (c.a, c.b) if label.winner == "a" else (c.b, c.a)
        key = json.dumps([c.prompt, c.conditions], sort_keys=True)
        pairs.append(
            TokenPair(
                prefixes[key],
                piece_tokens(generator, good),
                piece_tokens(generator, bad),
                source="reward",
                weight=float(weight),
            )
        )
    info = {
        "candidates": len(candidates),
        "kept": len(pairs),
        "margin": float(margin),
        "weight": float(weight),
        "labels": [(lb.index, lb.winner, round(lb.margin, 4)) for lb in labels],
    }
    return pairs, info
