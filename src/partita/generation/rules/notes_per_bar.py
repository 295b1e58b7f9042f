"""Notes per bar: no bar closes (by the next bar line or the end) before it holds ``min_notes_per_bar`` notes,
and once it holds ``max_notes_per_bar`` no new note starts in it (the note being written is finished, then the
bar closes). Firm, with either bound: one of the per-bar rules that yield as a group where they would leave no
token. A pickup bar needs only its share of the lower bound
(:func:`~partita.generation.rules.pickup.in_open_bar`). With the lower bound, an id that opens and closes a
whole bar with too few notes inside is refused always (hard).
"""

from __future__ import annotations

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.pickup import in_open_bar
from partita.generation.rules.tracker import Context, Track


class NotesPerBar(Rule):
    tier = Tier.FIRM

    def __init__(self, ctx: Context) -> None:
        c, ids = ctx.constraints, ctx.ids
        self.fewest, self.most, self.eos = c.min_notes_per_bar, c.max_notes_per_bar, ids.eos
        self.bar_ids, self.notes_before_bar = ids.bar_ids, ids.notes_before_bar
        self.starts_note = ids.starts_note
        self.pickup = c.pickup
        if self.fewest:
            self.forbidden = torch.tensor(
                [_empty_inner_bar(toks, self.fewest) for toks in ids.expansions], dtype=torch.bool
            )

    @classmethod
    def build(cls, ctx: Context) -> NotesPerBar | None:
        c = ctx.constraints
        return cls(ctx) if c.min_notes_per_bar or c.max_notes_per_bar is not None else None

    def mask(self, state: None, track: Track, width: int) -> torch.Tensor | None:
        bad = None
        fewest = in_open_bar(self.fewest, track, self.pickup)
        if short(track, fewest):  # nor may the piece end on a bar without its notes
            bad = self.bar_ids[:width] & (self.notes_before_bar[:width] + track.notes < fewest)
            bad[self.eos] = True
        if self.most is not None and track.bars >= 1 and track.notes >= self.most:
            full = self.starts_note[:width]  # the bar is full: finish the note being written, then close it
            bad = full if bad is None else bad | full
        return bad


def short(track: Track, fewest: int) -> bool:
    """The open bar still needs notes (fewer than ``fewest``)."""
    return track.bars >= 1 and track.notes < fewest


def _empty_inner_bar(tokens: list[str], fewest: int) -> bool:
    """The id opens and closes a bar with fewer than ``fewest`` notes inside."""
    run, bars_seen = 0, 0
    for t in tokens:
        if t.startswith(("Pitch_", "PitchDrum_")):
            run += 1
        elif t == "Bar_None":
            if bars_seen and run < fewest:
                return True
            bars_seen, run = bars_seen + 1, 0
    return False
