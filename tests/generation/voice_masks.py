"""What :class:`~partita.generation.rules.voice_order.VoiceOrder` masks after a few tokens, on a small
vocabulary of the tests' own: shared by the voicing tests."""

from __future__ import annotations

from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Track
from partita.generation.rules.voice_order import VoiceOrder


def voice_order_masked(
    vocab: list[list[str]], resolution: int, voices: list[int], tokens: list[str], **rule_options
) -> set[str]:
    """The names (an id's tokens joined by spaces) of the ids the rule masks after ``tokens`` (names too),
    in 4/4, with the rule built on ``voices`` (programs, top down) and ``rule_options``."""
    names = [" ".join(t) for t in vocab]
    ids = {n: i for i, n in enumerate(names)}
    timeline = Timeline(vocab, resolution, cap=8, meter_beats=4, within_bar=False)
    rule = VoiceOrder(vocab, resolution, voices, timeline, **rule_options)
    track = Track(meter="4/4", sounding=timeline.start())
    row = rule.start(track)
    for t in tokens:
        timeline.advance(track.sounding, ids[t])
        row = rule.advance(row, ids[t], track)
    bad = rule.mask(row, track, len(vocab))
    return set() if bad is None else {names[i] for i in bad.nonzero().flatten().tolist()}
