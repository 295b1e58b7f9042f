"""Constrained decoding for REMI+ as composable rules: what can be guaranteed is guaranteed, by masking logits
while sampling.

Guarantees (each optional): the time signature, the number of bars, the instrument set, termination, tempo
tokens from the requested tempo bin, and on request pitches inside the key's scale and pitches from the
requested chord in each bar; softer rules shape density, polyphony and texture, and pulls favour what a
request asks for.

Each rule is a small class in a file of its own, speaking the protocol of
:mod:`~partita.generation.rules.base` (:class:`Rule`: ``start`` / ``advance`` a sequence's state, a ``mask``
of forbidden ids at its :class:`Tier`, an ``end`` verdict, a ``pull``). The rules read one shared tracker
(:mod:`~partita.generation.rules.tracker`: bars, notes, onsets, position, meter, tokens;
:mod:`~partita.generation.rules.timeline`: notes still sounding), which reads the per-id tables of
:mod:`~partita.generation.rules.tables`. :class:`RuleSet` composes them into the
logits processor that :func:`partita.generation.sampling.sample` calls::

    processor = RuleSet(tokenizer, Constraints(meter="3/4", bars=8, programs=[40], grammar=True))
    sample(model, prefix, logits_processor=processor)

Adding a rule: write ``rules/my_rule.py`` with a :class:`Rule` subclass (its ``tier``; ``build(ctx)``
returning ``None`` when ``ctx.constraints`` does not ask for it; the methods it needs; a module docstring
saying whether it is a hard mask or a soft pull and when it yields), then add its class to
:data:`~partita.generation.rules.ruleset.RULES` in :mod:`~partita.generation.rules.ruleset`, where its place
sets its turn among the soft rules and the pulls. A new setting goes into :class:`Constraints`.
:mod:`~partita.generation.rules.bar_count` is a complete example. A one-off rule needs no registration:
``RuleSet(tokenizer, constraints, rules=(*RULES, MyRule))``.
"""

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.chords import MISSING_TONE_BONUS, ChordMasks
from partita.generation.rules.constraints import Constraints
from partita.generation.rules.grammar import REMI_NEXT
from partita.generation.rules.rhythm import CHORD_WITH_RHYTHM
from partita.generation.rules.ruleset import RULES, RuleSet
from partita.generation.rules.tables import IdTables
from partita.generation.rules.token_budget import TOKENS_PER_NOTE, TOKENS_TO_CLOSE_A_BAR
from partita.generation.rules.tracker import Context, Track, parse_meter

__all__ = [
    "CHORD_WITH_RHYTHM",
    "MISSING_TONE_BONUS",
    "REMI_NEXT",
    "RULES",
    "TOKENS_PER_NOTE",
    "TOKENS_TO_CLOSE_A_BAR",
    "ChordMasks",
    "Constraints",
    "Context",
    "IdTables",
    "Rule",
    "RuleSet",
    "Tier",
    "Track",
    "parse_meter",
]
