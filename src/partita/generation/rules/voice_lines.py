"""Each voice of one choir in its own register, and held through the given voice's phrase ends. Soft, with
``voice_order`` (the voices' programs, top down) and ``Voicing.ranges`` or ``Voicing.holds``: each rule
yields on its own where it would leave no token.

:class:`Registers` (``Voicing.ranges``): no voice starts a note outside its (lowest, highest) pitch. Bach's
bass under his chorale sopranos (249 four-voice training chorales, first 8 bars) spans 15.5 semitones a
piece, its lowest note G#2 on average (MIDI 42.6) and its highest A#3 (58.1); 1% of his bass notes lie under
D2 (38), 0.5% over D4 (62). partita-small's bass under the development sopranos spanned 23 semitones a piece
(38.8-62.0): a pickup on C4 or E4, then down to C2 by the third bar.

:class:`PhraseHolds` (``Voicing.holds``: the given voice's phrase ends, (start, end) in quarters): a voice's
note that starts within one lasts to its end. Bach's alto, tenor and bass hold the chord under the soprano's
fermata: under the phrase ends of those training chorales (a soprano note of two beats or more and twice its
median, and its last note) a voice is silent 0.6% of the time, and every voice sounds throughout 99% of
them; partita-small's parts under the development sopranos 14.8% and 44%: they struck the chord and ended
on a quarter or an eighth and a rest, or moved under the held note.

Both read the same state as :class:`~partita.generation.rules.voice_order.VoiceOrder` (each voice's notes
and where the open note's duration is read): they are that rule's state with masks of their own, so that
each yields alone.
"""

from __future__ import annotations

import torch

from partita.generation.rules.tracker import Context, Track
from partita.generation.rules.voice_order import _AT, VoiceOrder


class _VoiceState(VoiceOrder):
    """:class:`VoiceOrder`'s state read by a rule with a mask of its own and no pull."""

    def pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        return None


class Registers(_VoiceState):
    """``ranges``: (lowest, highest) MIDI pitch of each voice, top down ((0, 0): any)."""

    def __init__(self, expansions: list[list[str]], resolution: int, voices: list[int], timeline, ranges):
        super().__init__(expansions, resolution, voices, timeline)
        bounds = [(int(lo), int(hi)) for lo, hi in ranges][: len(voices)]
        bounds += [(0, 0)] * (len(voices) - len(bounds))
        self.low = torch.tensor([lo if hi else -1 for lo, hi in bounds], dtype=torch.long)
        self.high = torch.tensor([hi if hi else 1 << 8 for lo, hi in bounds], dtype=torch.long)

    @classmethod
    def build(cls, ctx: Context) -> Registers | None:
        c = ctx.constraints
        ranges = [(int(lo), int(hi)) for lo, hi in c.voicing.ranges]
        if len(c.voice_order) < 2 or not c.grammar or ctx.timeline is None or not any(hi for _, hi in ranges):
            return None
        return cls(ctx.ids.expansions, ctx.ids.resolution, list(c.voice_order), ctx.timeline, ranges)

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        voiced = (rank >= 0) & (pitch >= 0)
        r = rank.clamp(min=0)
        bad = voiced & ((pitch < self.low[r]) | (pitch > self.high[r]))
        return bad if bool(bad.any()) else None


class PhraseHolds(_VoiceState):
    """``holds``: the given voice's phrase ends, (start, end) in quarters from the first bar line: a note
    struck within one ends with it."""

    def __init__(self, expansions: list[list[str]], resolution: int, voices: list[int], timeline, holds):
        super().__init__(expansions, resolution, voices, timeline)
        spans = sorted((float(a), float(b)) for a, b in holds)
        self.hold_start = torch.tensor([a for a, _ in spans], dtype=torch.float64)
        self.hold_end = torch.tensor([b for _, b in spans], dtype=torch.float64)

    @classmethod
    def build(cls, ctx: Context) -> PhraseHolds | None:
        c = ctx.constraints
        if len(c.voice_order) < 2 or not c.grammar or ctx.timeline is None or not c.voicing.holds:
            return None
        return cls(ctx.ids.expansions, ctx.ids.resolution, list(c.voice_order), ctx.timeline, c.voicing.holds)

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        if track.sounding is None:
            return None
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        when, _ = self.timeline.landing(track.sounding, width)
        bad = (rank >= 0) & (pitch >= 0) & self.off_end(when, when + self.lead_dur[:width])
        open_note = self._open_note(row, pitch)
        if open_note is not None:  # an id that reads the open note's duration first ends it there
            bad |= self.off_end(open_note[0], open_note[1])
        return bad if bool(bad.any()) else None

    def off_end(self, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
        """Per note sounding from ``start`` to ``end`` (``inf``: not known yet, not judged): it starts within
        a phrase end and does not end with it (before: a rest or a new note under the fermata; after: held
        into the next phrase's first notes)."""
        i = torch.searchsorted(self.hold_start, start + _AT, right=True) - 1
        has = i >= 0
        i = i.clamp(min=0)
        inside = has & (self.hold_end[i] > start + _AT)
        return inside & torch.isfinite(end) & ((end - self.hold_end[i]).abs() > _AT)
