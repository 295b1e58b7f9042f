"""Preference pairs as token sequences for DPO (``partita tune``): each stored choice scored under the
condition prefix that sampling builds for its prompt (:func:`condition_prefix`), so that the tuned model
learns what was preferred for that request. Ratings of one prompt become pairs (the higher-rated piece over
the lower, a gap of at least one point); ties are left out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence


def condition_prefix(generator, prompt: str, conditions: dict | None = None, **options) -> list[int]:
    """The condition prefix ``generator`` samples ``prompt`` from (its stand-in instruments included), as
    :func:`partita.generation.candidates.planned_prefix` builds it for sampling. ``conditions`` (a request's
    ``conditions.to_dict()``, as the studio stores it) or ``options`` (as ``Generator.request`` takes them)
    stand for the form's controls."""
    from partita.generation.candidates import planned_prefix
    from partita.tokens.conditions import Conditions

    request = generator.request(prompt, **options)
    if conditions:
        request.conditions = Conditions.from_dict(conditions)
    return planned_prefix(generator.model, generator.tokenizer, request, generator.config)[1]


def piece_tokens(generator, score) -> list[int]:
    """The music tokens of ``score`` as the generator's tokenizer writes them, EOS last."""
    return [*generator.tokenizer.encode_music(score), int(generator.tokenizer.eos_id)]


def preference_pairs(generator, prefs: Sequence, min_gap: float = 1.0) -> list:
    """:class:`~partita.training.dpo.TokenPair`\\ s of stored preferences: each decided pair, and each two
    ratings of one prompt at least ``min_gap`` apart (higher over lower)."""
    from partita.training.dpo import TokenPair

    prefixes: dict[str, list[int]] = {}
    tokens: dict[bytes, list[int]] = {}

    def prefix(pref) -> list[int]:
        conditions = pref.meta.get("conditions") or None
        key = json.dumps([pref.prompt, conditions], sort_keys=True)
        if key not in prefixes:
            prefixes[key] = condition_prefix(generator, pref.prompt, conditions)
        return prefixes[key]

    def music(midi: bytes) -> list[int]:
        if midi not in tokens:
            from symusic import Score

            tokens[midi] = piece_tokens(generator, Score.from_midi(midi))
        return tokens[midi]

    out = []
    rated: dict[str, list] = defaultdict(list)
    for p in prefs:
        if p.kind == "rating":
            rated[json.dumps([p.prompt, p.meta.get("conditions")], sort_keys=True)].append(p)
        elif p.winner in ("a", "b"):
            good, bad = (p.piece_a, p.piece_b) if p.winner == "a" else (p.piece_b, p.piece_a)
            out.append(TokenPair(prefix(p), music(good), music(bad)))
    for items in rated.values():
        for i, x in enumerate(items):
            for y in items[i + 1 :]:
                if abs(x.rating - y.rating) >= min_gap:
                    good, bad = (x, y) if x.rating > y.rating else (y, x)
                    out.append(TokenPair(prefix(good), music(good.piece_a), music(bad.piece_a)))
    return out
