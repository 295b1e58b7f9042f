"""The rhythmic-density fader's lower bound: a bar may not close before ``min_onsets_per_bar`` of its
positions start notes, nor fall behind the pace it needs; and with either onset bound no more than
:data:`CHORD_WITH_RHYTHM` notes start together. Soft, with ``grammar`` and either onset bound, once the first
bar is open: yields where it would leave no token.

After a share x of the bar, at least x of its onsets (one less than that allowed): a model that holds back and
then crams its onsets into the bar's last positions stacks chords there. Where the onsets can no longer fit,
the lower bound is dropped (forbidding the bar line would only pile notes onto the last onset). Where the bar
line or a new onset is refused, a model adds notes to its chord instead: hence the cap on chords.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.pickup import in_open_bar
from partita.generation.rules.tracker import Context, Track

CHORD_WITH_RHYTHM = 4
"""With the rhythmic-density fader's bounds no more notes than this start together (more if the polyphony
fader needs more): partita-small, refused the bar line or a new onset in 6/8, stacked 12-note chords on every
onset."""


class Rhythm(Rule):
    tier = Tier.SOFT

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.fewest, self.positions, self.eos = c.min_onsets_per_bar, ctx.bar_positions, ids.eos
        self.tallest = max(CHORD_WITH_RHYTHM, (c.notes_per_onset or (0, None))[0])
        self.onsets_before_bar, self.inner_position = ids.onsets_before_bar, ids.inner_position
        self.bar_ids, self.adds_to_onset = ids.bar_ids, ids.adds_to_onset
        self.pickup = c.pickup

    @classmethod
    def build(cls, ctx: Context) -> Rhythm | None:
        c = ctx.constraints
        return cls(ctx) if c.grammar and (c.min_onsets_per_bar or c.max_onsets_per_bar is not None) else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if not track.bars:
            return None
        sparse = self._sparse(track, width)
        if track.onset >= self.tallest:  # the bar needs onsets (or is full of them), not a taller chord
            tall = self.adds_to_onset[:width]
            sparse = tall if sparse is None else sparse | tall
        return sparse

    def _sparse(self, track: Track, width: int) -> torch.Tensor | None:
        """Ids that would close the bar with too few onsets (the end included) or fall behind its pace."""
        positions = self.positions
        fewest = in_open_bar(self.fewest, track, self.pickup)
        missing = fewest - track.onsets
        room = positions - 1 - track.pos if track.pos >= 0 else positions
        if not 0 < missing <= room:
            return None
        added = self.onsets_before_bar[:width] + track.onsets
        first = self.inner_position[:width]
        behind = (first >= 0) & (
            (track.onsets + 1 < fewest * first / positions - 1)  # behind the pace
            | (positions - first < missing)  # the onsets still needed no longer fit
        )
        sparse = (self.bar_ids[:width] & (added < fewest)) | behind
        if 0 <= self.eos < width:
            sparse[self.eos] = True
        return sparse
