"""Each voice of one choir in its own register, held through the given voice's phrase ends, and sounding
until it can go on. Soft, with ``voice_order`` (the voices' programs, top down) and ``Voicing.ranges``,
``Voicing.holds`` or ``Voicing.sustain``: each rule yields on its own where it would leave no token.

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

:class:`Sustain` (``Voicing.sustain``, with the given voice's onsets asked of the parts): a voice's note
does not end inside the bar where no note of the parts may start. The parts strike with the soprano's
onsets, and the bar's most notes (the density's bound) are kept for what the onsets still ahead need
(``notes_per_onset``'s ``event_notes``): a note between them is refused once the bar has none to spare.
Under the development sopranos (4 candidates each, every rule's mask recorded) a part rested under a sounding
soprano note 204 times; at 203 the note before the rest had the model's own duration (mostly an eighth on the
beat, a longer one allowed), and the note that would have followed it was refused by the bar's budget at 194
(``notes_per_onset`` keeping the bar's last notes for the soprano's onsets, 163; the bar full, 31). The parts
were silent 6% of the time under the held-out sopranos, Bach's 0.06%.

All three read the same state as :class:`~partita.generation.rules.voice_order.VoiceOrder` (each voice's
notes and where the open note's duration is read): they are that rule's state with masks of their own, so that
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
        voices = list(c.voice_order or c.voices)  # a style's registers hold without an order (pop's voices)
        if len(voices) < 2 or not c.grammar or ctx.timeline is None or not any(hi for _, hi in ranges):
            return None
        return cls(ctx.ids.expansions, ctx.ids.resolution, voices, ctx.timeline, ranges)

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


class Sustain(_VoiceState):
    """``sustain`` (with the given voice's onsets asked of the parts, ``asked``: (bar, position) pairs, bars
    from 0 and positions of ``resolution`` a beat; ``together`` notes at each; a bar's ``most`` notes): a
    voice's note in the open bar does not end inside it where no note of the parts may start: off the asked
    positions while the bar has no note to spare beyond those they still need."""

    def __init__(
        self,
        expansions: list[list[str]],
        resolution: int,
        voices: list[int],
        timeline,
        asked: list[tuple[int, int]],
        together: int,
        most: int,
    ):
        super().__init__(expansions, resolution, voices, timeline)
        self.resolution, self.together, self.most = int(resolution), int(together), int(most)
        self.asked: dict[int, list[int]] = {}
        for bar, pos in sorted(set(asked)):
            self.asked.setdefault(int(bar), []).append(int(pos))
        # per id: the notes it starts before a bar line (those that count in the open bar)
        self.id_notes = torch.tensor([_notes_in_bar(toks) for toks in expansions], dtype=torch.long)

    @classmethod
    def build(cls, ctx: Context) -> Sustain | None:
        c = ctx.constraints
        if len(c.voice_order) < 2 or not c.grammar or ctx.timeline is None or not c.voicing.sustain:
            return None
        if not c.event_positions or not c.event_notes or c.max_notes_per_bar is None:
            return None
        return cls(
            ctx.ids.expansions, ctx.ids.resolution, list(c.voice_order), ctx.timeline, c.event_positions,
            c.event_notes, c.max_notes_per_bar,
        )  # fmt: skip

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        line = track.sounding
        if line is None or track.bars < 1 or not line["started"]:
            return None
        asked = self.asked.get(track.bars - 1, [])
        beat0, end = line["beat0"], line["beat0"] + line["beats"]
        pos = torch.full((width,), float(max(track.pos, 0)), dtype=torch.float64)
        now = self._tight(asked, pos, track.notes, torch.full((width,), track.onset, dtype=torch.long))
        when, _ = self.timeline.landing(line, width)
        moved = self.timeline.land_pos[:width] >= 0
        at = torch.where(moved, ((when - beat0) * self.resolution).round(), pos)
        notes = self.id_notes[:width]
        onset = torch.where(moved, notes.clamp(min=1), track.onset + notes)
        landing = (self.timeline.land_bars[:width] == 0) & self._tight(asked, at, track.notes + notes, onset)
        bad = torch.zeros(width, dtype=torch.bool)
        if bool(landing.any()):
            rank = self._ranks(row, width)
            pitch = self.lead_pitch[:width]
            ends = when + self.lead_dur[:width]
            bad |= landing & (rank >= 0) & (pitch >= 0) & self._stops(ends, beat0, end, asked)
        open_note = self._open_note(row, self.lead_pitch[:width])
        if open_note is not None and now:  # an id that reads the open note's duration first ends it there
            bad |= self._stops(open_note[1], beat0, end, asked)
        return bad if bool(bad.any()) else None

    def _tight(self, asked: list[int], at: torch.Tensor, started, onset: torch.Tensor):
        """Per id landing at position ``at`` of the open bar, with ``started`` notes in it and ``onset`` at
        that onset: whether the bar has no note to spare beyond those its asked positions still need (a
        bool where ``started`` is a number)."""
        need = torch.zeros(at.shape, dtype=torch.long)
        for p in asked:
            need += torch.where(at < p, self.together, 0)
            need += torch.where(at == p, (self.together - onset).clamp(min=0), 0)
        tight = self.most - started - need < 1
        return bool(tight.all()) if isinstance(started, int) else tight

    def _stops(self, ends: torch.Tensor, beat0: float, end: float, asked: list[int]) -> torch.Tensor:
        """Per note end (``inf``: not known yet, not judged): inside the open bar and off its asked
        positions."""
        inside = torch.isfinite(ends) & (ends < end - _AT)
        pos = ((ends.clamp(max=end) - beat0) * self.resolution).round()
        free = torch.zeros_like(inside)
        for p in asked:
            free |= pos == p
        return inside & ~free


def _notes_in_bar(tokens: list[str]) -> int:
    """The pitched notes an id starts before its first bar line."""
    out = 0
    for t in tokens:
        if t == "Bar_None":
            break
        out += t.startswith("Pitch_")
    return out
