"""The rule protocol: what one rule of constrained decoding is, and how strongly it binds.

A rule sees each sequence token by token and, before each draw, says which ids it forbids and which it
favours:

* :meth:`Rule.start` makes the rule's state for a new sequence (``None`` for a stateless rule);
* :meth:`Rule.advance` moves that state on by one token id (it returns the new state: mutate it in place and
  return it, or return a new value);
* :meth:`Rule.mask` is the rule's mask: the ids it forbids before the next draw (a bool tensor of the logits'
  width), or ``None`` when it forbids nothing now; how strongly it binds is the rule's :attr:`Rule.tier`;
* :attr:`Rule.forbidden` is a static mask, ids the rule forbids at every step whatever its tier (an id that
  plays a pitch outside the key, say);
* :meth:`Rule.end` is the rule's say on the end of the piece (the EOS id), which the bar count decides rather
  than the masks: ``False`` forbids it, ``True`` allows it whatever the hard masks say, ``None`` is no say;
* :meth:`Rule.pull` adds a logit bonus to the row's logits, in place (a pull, not a mask).

Every rule reads the shared :class:`~partita.generation.rules.tracker.Track` of its sequence (bars opened, the
notes and onsets of the open bar, its position, the last token's type, the meter, the tokens drawn, and the
notes still sounding), which the :class:`~partita.generation.rules.ruleset.RuleSet` computes once per token
from per-id tables; a rule keeps in its own state only what no other rule needs.

How the masks of one step combine (:class:`Tier`), for each sequence:

1. ``HARD`` masks and all static masks are always applied; then the end verdicts: the end is forbidden where a
   rule says ``False``, else allowed where one says ``True``, else as the hard masks have it.
2. ``FIRM`` masks (the per-bar rules: the chord, the cadence, the notes a bar and an onset need) apply as one
   group, and yield as a whole where together with the hard masks they would leave no token: the bars a piece
   was asked for come before the counts and pitch sets of one bar.
3. ``SOFT`` masks apply one by one in the order the rules are registered, each only if it still leaves a
   token.
4. ``BONUS`` rules have no mask, only a pull. Pulls of all tiers are added in registration order, before any
   mask (the bar count's pull, moving the bar line's mass to the end, reads the bonuses added before it).

If nothing is left at all, the sequence ends (only EOS stays).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from partita.generation.rules.tracker import Context, Track


class Tier(enum.IntEnum):
    """How strongly a rule's :meth:`Rule.mask` binds (see the module docstring for the order of play)."""

    HARD = 0
    """Always applied."""
    FIRM = 1
    """Per-bar rules: applied as one group, which yields as a whole where it would leave no token."""
    SOFT = 2
    """Applied one by one in registration order, each only where it leaves a token."""
    BONUS = 3
    """No mask: a pull only."""


class Rule:
    """One rule of constrained decoding; the defaults do nothing, so a rule overrides only what it uses.

    A rule class registered in :data:`partita.generation.rules.ruleset.RULES` is made by :meth:`build` from
    the shared :class:`~partita.generation.rules.tracker.Context`; it returns ``None`` when the constraints do
    not ask for the rule.
    """

    tier: Tier = Tier.HARD
    forbidden: torch.Tensor | None = None

    @classmethod
    def build(cls, ctx: Context) -> Rule | None:
        """The rule for ``ctx.constraints``, or ``None`` when they do not ask for it."""
        return cls()

    def start(self, track: Track) -> Any:
        """The rule's state at the start of a new sequence."""
        return None

    def advance(self, state: Any, token: int, track: Track) -> Any:
        """The state after ``token`` (``track`` has already taken it in)."""
        return state

    def mask(self, state: Any, track: Track, width: int) -> torch.Tensor | None:
        """The ids (of ``width``) the rule forbids before the next draw, or ``None``."""
        return None

    def end(self, state: Any, track: Track) -> bool | None:
        """May the piece end now: ``False`` no, ``True`` yes whatever the hard masks say, ``None`` no say."""
        return None

    def pull(self, state: Any, track: Track, logits: torch.Tensor) -> None:
        """Add the rule's bonus to one row of next-token ``logits`` (1-D), in place."""
