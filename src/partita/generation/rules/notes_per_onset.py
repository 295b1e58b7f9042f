"""Notes starting together at each position: the polyphony fader's (at least, at most). Firm, with
``notes_per_onset`` and ``grammar``: one of the per-bar rules that yield as a group where they would leave no
token.

Once ``most`` notes start at the open onset, time moves on; while fewer than ``fewest`` do, more notes start
there before time moves on (with ``min_sounding`` held notes count, against its floor instead), unless the bar
is full or the sounding cap is reached.

With ``event_notes``, at a position of ``event_positions`` (a given melody's onsets, under which the parts of
an accompaniment are sampled) at least that many notes start before time moves on, held notes not counted:
the parts strike together with the melody, as a chorale's lower voices move with its soprano, where the
sounding floor alone let one voice move while the others held.
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
        self.inner, self.bar_ids, self.eos = ctx.ids.inner_position, ctx.ids.bar_ids, ctx.ids.eos
        self.together = int(c.event_notes) if c.event_positions else 0
        self.asked: dict[int, set[int]] = {}
        for b, p in c.event_positions if self.together else ():
            self.asked.setdefault(int(b), set()).add(int(p))

    @classmethod
    def build(cls, ctx: Context) -> NotesPerOnset | None:
        c = ctx.constraints
        return cls(ctx) if c.notes_per_onset and c.grammar else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        if track.bars < 1:
            return None
        out = None if track.onset_at_bar else self._onset(track, width)
        skip = self._skipping(track, width) if self.together else None
        if skip is None:
            return out
        return skip if out is None else out | skip

    def _onset(self, track: Track, width: int) -> torch.Tensor | None:
        if self.most is not None and track.onset >= self.most:
            return self.adds_to_onset[:width]  # enough notes start here: move on in time
        if self._few(track) and not self._full(track) and track.onset > 0 and not self._at_cap(track):
            return self.ends_onset[:width]  # more notes start here before time moves on
        return None

    def _skipping(self, track: Track, width: int) -> torch.Tensor | None:
        """The ids that would pass over the open bar's next asked position with no onset on it (a later
        position, a bar line, the end), unless the bar is full; and where the notes the bar has left are
        those its asked positions still need, the ids that would spend one elsewhere (an onset before the
        next asked position, a note more at an onset that is not asked)."""
        asked = self.asked.get(track.bars - 1, ())
        ahead = sorted(p for p in asked if p > track.pos)
        if not ahead or self._full(track):
            return None
        inner = self.inner[:width]
        out = (inner > ahead[0]) | self.bar_ids[:width]
        if self.eos < width:
            out[self.eos] = True
        most = self.max_notes_per_bar
        if most is not None and most - track.notes - 1 < self.together * len(ahead):  # no note to spare
            out |= (inner >= 0) & (inner != ahead[0])
            if not track.onset_at_bar and track.onset > 0 and track.pos not in asked:
                out |= self.adds_to_onset[:width]
        return out

    def _few(self, track: Track) -> bool:
        if self.together and track.pos in self.asked.get(track.bars - 1, ()):
            return track.onset < self.together  # the melody strikes here: the parts strike with it
        line = self.timeline
        if line is not None and line.floor:  # held notes count
            return line.sounding_now(track.sounding) < line.floor_now(track.sounding)
        return track.onset < self.fewest

    def _full(self, track: Track) -> bool:
        most = self.max_notes_per_bar
        return most is not None and track.bars >= 1 and track.notes >= most

    def _at_cap(self, track: Track) -> bool:
        return self.timeline is not None and self.timeline.at_cap(track.sounding)
