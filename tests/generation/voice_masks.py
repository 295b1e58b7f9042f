"""What :class:`~partita.generation.rules.voice_order.VoiceOrder` masks after a few tokens, on a small
vocabulary of the tests' own: shared by the voicing tests."""

from __future__ import annotations

import torch

from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Track
from partita.generation.rules.voice_order import VoiceOrder


def _after(
    vocab: list[list[str]],
    resolution: int,
    voices: list[int],
    tokens: list[str],
    rule_class: type[VoiceOrder] = VoiceOrder,
    **rule_options,
) -> tuple[VoiceOrder, dict, Track, list[str]]:
    """The rule (``rule_class``: VoiceOrder or a rule on its state), its row and the track after ``tokens``
    (names), in 4/4; the ids' names."""
    names = [" ".join(t) for t in vocab]
    ids = {n: i for i, n in enumerate(names)}
    timeline = Timeline(vocab, resolution, cap=8, meter_beats=4, within_bar=False)
    rule = rule_class(vocab, resolution, voices, timeline, **rule_options)
    track = Track(meter="4/4", sounding=timeline.start())
    row = rule.start(track)
    for t in tokens:
        timeline.advance(track.sounding, ids[t])
        row = rule.advance(row, ids[t], track)
    return rule, row, track, names


def voice_order_masked(
    vocab: list[list[str]],
    resolution: int,
    voices: list[int],
    tokens: list[str],
    rule_class: type[VoiceOrder] = VoiceOrder,
    **rule_options,
) -> set[str]:
    """The names (an id's tokens joined by spaces) of the ids the rule masks after ``tokens`` (names too),
    in 4/4, with the rule (``rule_class``) built on ``voices`` (programs, top down) and ``rule_options``."""
    rule, row, track, names = _after(vocab, resolution, voices, tokens, rule_class, **rule_options)
    bad = rule.mask(row, track, len(vocab))
    return set() if bad is None else {names[i] for i in bad.nonzero().flatten().tolist()}


def voice_order_pulled(
    vocab: list[list[str]], resolution: int, voices: list[int], tokens: list[str], **rule_options
) -> dict[str, float]:
    """The logit each id's name gets from the rule's pull after ``tokens`` (as :func:`voice_order_masked`)."""
    rule, row, track, names = _after(vocab, resolution, voices, tokens, **rule_options)
    logits = torch.zeros(len(vocab))
    rule.pull(row, track, logits)
    return {n: float(x) for n, x in zip(names, logits.tolist(), strict=True)}
