"""Notes starting together at each position: the polyphony fader's (at least, at most). Firm, with
``notes_per_onset`` and ``grammar``: one of the per-bar rules that yield as a group where they would leave no
token.

Once ``most`` notes start at the open onset, time moves on; while fewer than ``fewest`` do, more notes start
there before time moves on (with ``min_sounding`` held notes count, against its floor instead), unless the bar
is full or the sounding cap is reached.
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track


class NotesPerOnset(Rule):
    tier = Tier.FIRM

    def __init__(self, ctx: Context) -> None:
        c = ctx.constraints
        self.fewest, self.most = c.notes_per_onset
        self.max_notes_per_bar = c.max_notes_per_bar
        self.timeline = ctx.timeline
        self.adds_to_onset, self.ends_onset = ctx.ids.adds_to_onset, ctx.ids.ends_onset

    @classmethod
    def build(cls, ctx: Context) -> NotesPerOnset | None:
        c = ctx.constraints
        return cls(ctx) if c.notes_per_onset and c.grammar else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if track.bars < 1 or track.onset_at_bar:
            return None
        if self.most is not None and track.onset >= self.most:
            return self.adds_to_onset[:width]  # enough notes start here: move on in time
        if self._few(track) and not self._full(track) and track.onset > 0 and not self._at_cap(track):
            return self.ends_onset[:width]  # more notes start here before time moves on
        return None

    def _few(self, track: Track) -> bool:
        line = self.timeline
        if line is not None and line.floor:  # held notes count
            return line.sounding_now(track.sounding) < line.floor_now(track.sounding)
        return track.onset < self.fewest

    def _full(self, track: Track) -> bool:
        most = self.max_notes_per_bar
        return most is not None and track.bars >= 1 and track.notes >= most

    def _at_cap(self, track: Track) -> bool:
        return self.timeline is not None and self.timeline.at_cap(track.sounding)
