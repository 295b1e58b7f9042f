"""The rules composed: :class:`RuleSet`, the logits processor :func:`partita.generation.sampling.sample`
calls.

:data:`RULES` registers the rules in the order they play (see :mod:`partita.generation.rules.base` for the
tiers): the soft rules yield one by one in this order, and the pulls are added in it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from partita.generation.rules.ambitus import Ambitus
from partita.generation.rules.bar_count import BarCount
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.bass_roots import BassRoots
from partita.generation.rules.budget_pace import BudgetPace
from partita.generation.rules.cadence import Cadence
from partita.generation.rules.carry_over import CarryOver
from partita.generation.rules.chord_complete import ChordComplete
from partita.generation.rules.chords import ChordTones
from partita.generation.rules.constraints import Constraints
from partita.generation.rules.enter_programs import EnterAllPrograms
from partita.generation.rules.event_pull import EventPull
from partita.generation.rules.filled_beats import FilledBeats
from partita.generation.rules.final import FinalPull
from partita.generation.rules.grammar import Grammar
from partita.generation.rules.key_scale import InKey
from partita.generation.rules.leaps import Leaps
from partita.generation.rules.loops import LoopGuard
from partita.generation.rules.meter import Meter
from partita.generation.rules.mode_pull import ModePull
from partita.generation.rules.music import MusicOnly
from partita.generation.rules.notes_per_bar import NotesPerBar
from partita.generation.rules.notes_per_onset import NotesPerOnset
from partita.generation.rules.onset_cap import OnsetCap
from partita.generation.rules.past_bar import PastBar
from partita.generation.rules.pickup import Pickup
from partita.generation.rules.presence import PresencePull
from partita.generation.rules.programs import Programs
from partita.generation.rules.repeat import RepeatPull
from partita.generation.rules.rhythm import Rhythm
from partita.generation.rules.scale_pull import ScalePull
from partita.generation.rules.shortest import Shortest
from partita.generation.rules.sounding_cap import SoundingCap
from partita.generation.rules.sounding_floor import SoundingFloor
from partita.generation.rules.steps import StepPull
from partita.generation.rules.tables import id_tables
from partita.generation.rules.tempo import TempoBin
from partita.generation.rules.token_budget import TokenBudget
from partita.generation.rules.tonic import TonicPull
from partita.generation.rules.tracker import Track, Tracker, make_context
from partita.generation.rules.unisons import UnisonGuard
from partita.generation.rules.voice_lines import PhraseHolds, Registers, Sustain
from partita.generation.rules.voice_order import VoiceOrder
from partita.generation.rules.voice_span import VoiceSpan
from partita.models.fim import FimIds
from partita.tokens.base import SteerableTokenizer

log = logging.getLogger(__name__)

RULES: tuple[type[Rule], ...] = (
    # hard
    MusicOnly,
    Meter,
    Programs,
    TempoBin,
    InKey,
    Shortest,
    Grammar,
    # firm: the per-bar group
    Cadence,
    ChordTones,
    NotesPerBar,
    NotesPerOnset,
    # bonus: pulls, added in this order (the bar count's own pull comes after these)
    TonicPull,
    PresencePull,
    RepeatPull,
    LoopGuard,
    StepPull,
    ScalePull,
    ModePull,
    FinalPull,
    EventPull,
    # hard, with an end verdict and a pull
    BarCount,
    # soft: each yields on its own, in this order
    Pickup,
    TokenBudget,
    BudgetPace,
    Ambitus,
    UnisonGuard,
    VoiceOrder,
    Leaps,
    VoiceSpan,
    Registers,
    PhraseHolds,
    Sustain,
    PastBar,
    CarryOver,
    SoundingCap,
    SoundingFloor,
    FilledBeats,
    EnterAllPrograms,
    ChordComplete,
    BassRoots,
    Rhythm,
    OnsetCap,
)
"""The registered rules, in the order they play: a new rule is a file and a line here."""


@dataclass
class _Sequence:
    """One sequence's state: its track, each rule's state, where its music starts, the tokens already read."""

    track: Track
    states: list[Any]
    start: int
    seen: int = 0


def _overrides(rule: Rule, method: str) -> bool:
    return getattr(type(rule), method, None) is not getattr(Rule, method)


class RuleSet:
    """A logits processor for :func:`partita.generation.sampling.sample` that enforces :class:`Constraints`.

    Call it as ``ruleset(rows, logits)`` with the token rows generated so far (prompt included) and the
    next-token logits of shape ``(batch, vocab)``; it returns masked logits. It keeps a state per sequence and
    reads only the tokens added since the last call; when finished rows leave the batch, :meth:`select` keeps
    the states of those that stay (:func:`~partita.generation.sampling.sample` calls it). A batch of another
    size without :meth:`select` starts every row anew. ``rules`` replaces :data:`RULES`: rule classes (built
    with :meth:`Rule.build`) or rule instances. ``fim``: the rows are fill-in-the-middle prompts
    (:mod:`partita.models.fim`) whose markers are never drawn.
    """

    def __init__(
        self,
        tokenizer: SteerableTokenizer,
        constraints: Constraints,
        vocab_size: int | None = None,
        *,
        rules: Sequence[type[Rule] | Rule] | None = None,
        fim: FimIds | None = None,
    ) -> None:
        self.c = constraints
        self.fim = fim
        self.ids = id_tables(tokenizer, vocab_size)
        self.vocab, self.eos = self.ids.vocab, self.ids.eos
        self._registry = tuple(RULES if rules is None else rules)
        self._seqs: list[_Sequence] = []
        self._build()

    def _build(self) -> None:
        ctx = make_context(self.ids, self.c)
        self.tracker = Tracker(ctx)
        built = [r if isinstance(r, Rule) else r.build(ctx) for r in self._registry]
        self.rules: list[Rule] = [r for r in built if r is not None]
        static = torch.zeros(self.vocab, dtype=torch.bool)
        if self.fim is not None:  # the markers are the prompt's, never drawn
            static[[i for i in (self.fim.hole, self.fim.fill) if i < self.vocab]] = True
        for r in self.rules:
            if r.forbidden is not None:
                static |= r.forbidden
        self._static = static
        indexed = list(enumerate(self.rules))
        self._advancing = [(i, r) for i, r in indexed if _overrides(r, "advance")]
        self._pulling = [(i, r) for i, r in indexed if _overrides(r, "pull")]
        self._ending = [(i, r) for i, r in indexed if _overrides(r, "end")]
        masking = [(i, r) for i, r in indexed if _overrides(r, "mask")]
        self._tiers = {tier: [(i, r) for i, r in masking if r.tier == tier] for tier in Tier}

    def reset(self, token_budget: int | None = None) -> None:
        """Forget the rows seen so far (a new batch follows); ``token_budget`` replaces the constraints'
        budget."""
        self._seqs = []
        if token_budget is not None and token_budget != self.c.token_budget:
            self.c = replace(self.c, token_budget=int(token_budget))
            self._build()

    def select(self, keep: Sequence[int]) -> None:
        """Keep the sequences of batch rows ``keep`` (in that order): the others have finished."""
        self._seqs = [self._seqs[int(k)] for k in keep]

    def __call__(self, rows: list[list[int]], logits: torch.Tensor) -> torch.Tensor:
        self._update(rows)
        out = logits.clone()
        neg = torch.finfo(out.dtype).min
        for b, seq in enumerate(self._seqs):
            row = out[b]
            bad = self._mask(b, seq, row)
            row[bad] = neg
        return out

    def _update(self, rows: list[list[int]]) -> None:
        if len(self._seqs) != len(rows):
            self._seqs = [self._new(r) for r in rows]
        for seq, r in zip(self._seqs, rows, strict=True):
            first = max(seq.seen, seq.start)
            seq.track.tokens += max(0, len(r) - first)
            for t in r[first:]:
                if 0 <= t < self.vocab:
                    self._advance(seq, t)
            seq.seen = len(r)

    def _new(self, row: list[int]) -> _Sequence:
        """A new sequence; its music starts after CondEnd (or at 0 when there is no prefix), and in a
        fill-in-the-middle prompt after FILL (the bars after the gap, before it, are not its music)."""
        cond_end = self.ids.cond_end_id
        start = row.index(cond_end) + 1 if cond_end in row else 0
        if self.fim is not None and self.fim.fill in row[start:]:
            start = row.index(self.fim.fill, start) + 1
        track = self.tracker.start()
        return _Sequence(track, [r.start(track) for r in self.rules], start)

    def _advance(self, seq: _Sequence, token: int) -> None:
        self.tracker.advance(seq.track, token)
        states, track = seq.states, seq.track
        for i, rule in self._advancing:
            states[i] = rule.advance(states[i], token, track)

    def _mask(self, b: int, seq: _Sequence, row: torch.Tensor) -> torch.Tensor:
        """The ids forbidden in row ``b`` (``row``, its logits, takes the pulls in place)."""
        track, states, width = seq.track, seq.states, row.shape[0]
        for i, rule in self._pulling:
            rule.pull(states[i], track, row)
        bad = self._static[:width].clone()
        for i, rule in self._tiers[Tier.HARD]:
            m = rule.mask(states[i], track, width)
            if m is not None:
                bad |= m
        verdicts = [rule.end(states[i], track) for i, rule in self._ending]
        if any(v is False for v in verdicts):
            bad[self.eos] = True
        elif any(v is True for v in verdicts):
            bad[self.eos] = False
        firm = None
        for i, rule in self._tiers[Tier.FIRM]:
            m = rule.mask(states[i], track, width)
            if m is not None:
                firm = m if firm is None else firm | m
        if firm is not None:
            if bool((bad | firm).all()):
                log.debug("row %d: the bar rules would leave no token; they yield for this step", b)
            else:
                bad |= firm
        for i, rule in self._tiers[Tier.SOFT]:
            m = rule.mask(states[i], track, width)
            if m is not None and not bool((bad | m).all()):
                bad |= m
        if bool(bad.all()):
            log.warning("constraints left no token: ending the sequence")
            bad = torch.ones_like(bad)
            bad[self.eos] = False
        return bad
