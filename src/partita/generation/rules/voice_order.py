"""The voices of one choir keep their order: no voice starts a note above a higher voice's sounding note, or
below a lower one's. Soft, with ``voice_order`` (the voices' programs, top down) and a timeline: yields where
it would leave no token.

Bach's four-part chorales almost never cross (the corpus's held-out four-part chorales: 0.7% of the
sixteenths where two neighbouring voices both sound have the lower one above; training 0.7%); partita-small's
crossed 3.4% of the time, 12% of its selected chorales more than 5% (the tenor over the alto, the soprano
sinking under it: `the voices cross (the fourth voice is the highest)` was the first thing issue #19 saw).
Renaissance polyphony does cross (6.5-8% in the corpus), so the rule is asked for per style
(``GenerationConfig.style_voice_order``).

Each voice's sounding notes are followed with their pitches; before each draw the ids whose first note
starts a voice's pitch are checked against the notes still sounding where that note would land (the
:class:`~partita.generation.rules.timeline.Timeline`'s landing time, so an id that moves time on first is
judged where it lands; the note whose duration the id reads first ends where that duration says). Unisons
are allowed: real chorales have them.

Under a given voice (``Constraints.voicing.above``: a soprano kept as written, with parts added under it by
:mod:`partita.generation.accompany`) the voices keep under it too: no voice starts a note above the given
note sounding where it lands, nor a second, seventh or tritone (:data:`CLASHES`, in any octave) from a given
note starting there. The model does not hear the melody; sampled as a chorale's voices in the soprano's
register, a part went above it and was moved down an octave under the others afterwards, and on the beats
the parts clashed with 0.43 of the soprano's notes (real alto, tenor and bass 0.20).

With ``max_repeats`` no voice starts its last pitch again once it has started it that many times running:
partita-small's inner voices under a held-out soprano repeated one pitch for bars. Real inner voices of
Bach's chorales (200 training chorales, first 8 bars) start their last pitch again at 20% of their notes,
a third time running at 3.6%, a fourth or more at 2.1%; the bass 3.1%, 0.1%, 0.1%.

With chords by the beat (``Voicing.chords``: a chorale soprano harmonised as Bach harmonised his,
:mod:`partita.analysis.chorale_harmony`) a voice's note that lands where a chord starts is one of its tones,
one landing between its beats a tone of it or of the key's scale (a passing tone), and no note is held into a
chord it is not a tone of; with ``chord_pull`` the lowest voice is pulled to the chord's bass (its inversion)
and any voice to a tone of it nothing sounds yet.

With ``parallels`` (``Voicing.parallels``) a logit penalty, a pull and not a mask, for a voice's note landing
on a beat that moves in parallel perfect fifths, octaves or unisons with another voice, the given one
included, from the beat before (both move, the same way, the upper minus the lower 0 or 7 mod 12 at both
beats: the measure of ``bench/bench_accompany.py``'s ``parts_harmony``). Under 20 held-out chorale sopranos
the parts moved so at 0.104 of the moves where two voices both move, Bach's at 0.006: with chord tones asked
on each beat, the voices followed the soprano and each other through the chords in octaves and fifths.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.timeline import Timeline
from partita.generation.rules.tracker import Context, Track

NONE, INHERIT = -1, -2  # an id that starts no pitched note; a first pitch of the open program
CLASHES = (1, 2, 6, 10, 11)
"""Pitch-class distances from a given note starting where a voice's note lands that the voice may not take:
seconds, sevenths, the tritone (as :data:`partita.evaluation.accompaniment.CLASHES`)."""
_AT = 1e-6  # two times closer than this (beats) are one


def id_events(tokens: list[str], resolution: int) -> list[tuple[str, float]]:
    """An id's base tokens as (kind, value) events: bar lines, meters (beats), positions (beats into the
    bar), programs, pitches, drum hits, durations (beats)."""
    out: list[tuple[str, float]] = []
    for t in tokens:
        kind, _, value = t.partition("_")
        if kind == "Bar":
            out.append(("bar", 0.0))
        elif kind == "TimeSig":
            out.append(("meter", float(value.split("/")[0])))
        elif kind == "Position":
            out.append(("pos", int(value) / resolution))
        elif kind == "Program":
            out.append(("program", float(value)))
        elif kind == "Pitch":
            out.append(("pitch", float(value)))
        elif kind == "PitchDrum":
            out.append(("drum", 0.0))
        elif kind == "Duration":
            whole, ticks, res = (int(x) for x in value.split("."))
            out.append(("dur", whole + ticks / res))
    return out


def first_note(events: list[tuple[str, float]]) -> tuple[int, int]:
    """The program (or :data:`INHERIT`) and pitch of an id's first pitched note; (:data:`NONE`, -1)."""
    program = INHERIT
    for kind, x in events:
        if kind == "program":
            program = int(x)
        elif kind == "pitch":
            return program, int(x)
        elif kind == "drum":
            return NONE, -1
    return NONE, -1


def _lead_duration(events: list[tuple[str, float]]) -> float:
    """The duration (beats) an id gives its own first pitched note (``inf``: read by a later id)."""
    seen = False
    for kind, x in events:
        if kind == "pitch" and not seen:
            seen = True
        elif seen and kind == "dur":
            return x
        elif seen and kind in ("pitch", "drum", "pos", "bar"):
            break
    return math.inf


class VoiceOrder(Rule):
    """``voices``: the programs of the voices, top down; ``timeline``: the shared one (landing times)."""

    tier = Tier.SOFT

    def __init__(
        self,
        expansions: list[list[str]],
        resolution: int,
        voices: list[int],
        timeline: Timeline,
        above: list[tuple[float, float, int]] | tuple = (),
        max_repeats: int = 0,
        held: bool = False,
        repeat_weight: float = 0.0,
        spacing: int = 0,
        chords: list[tuple[float, float, int, int, int]] | tuple = (),
        chord_pull: float = 0.0,
        parallels: float = 0.0,
    ):
        self.rank = {int(p): i for i, p in enumerate(voices)}
        given = sorted((float(a), float(b), int(k)) for a, b, k in above)
        self.above_start = torch.tensor([a for a, _, _ in given], dtype=torch.float64)
        self.above_end = torch.tensor([b for _, b, _ in given], dtype=torch.float64)
        self.above_pitch = torch.tensor([k for _, _, k in given], dtype=torch.long)
        self.clash = torch.zeros(12, dtype=torch.bool)
        self.clash[list(CLASHES)] = True
        self.max_repeats = int(max_repeats)
        self.held = bool(held)
        self.repeat_weight = float(repeat_weight)
        self.spacing = int(spacing)
        self.timeline = timeline
        beats = sorted((float(a), float(b), int(on), int(off), int(bass)) for a, b, on, off, bass in chords)
        self.chord_start = torch.tensor([c[0] for c in beats], dtype=torch.float64)
        self.chord_end = torch.tensor([c[1] for c in beats], dtype=torch.float64)
        self.chord_tones = torch.tensor([c[2] for c in beats], dtype=torch.long)
        self.chord_passing = torch.tensor([c[3] for c in beats], dtype=torch.long)
        self.chord_bass = torch.tensor([c[4] for c in beats], dtype=torch.long)
        self.chord_pull = float(chord_pull)
        self.parallels = float(parallels)
        self.events = [id_events(toks, resolution) for toks in expansions]
        leads = [first_note(ev) for ev in self.events]
        self.lead_program = torch.tensor([p for p, _ in leads], dtype=torch.long)
        self.lead_pitch = torch.tensor([k for _, k in leads], dtype=torch.long)
        # the rank of an id's first note's voice (-1: not a voice, or the open program's: filled per row)
        self.lead_rank = torch.tensor([self.rank.get(p, -1) for p, _ in leads], dtype=torch.long)
        self.inherits = self.lead_program == INHERIT
        self.lead_dur = torch.tensor([_lead_duration(ev) for ev in self.events], dtype=torch.float64)

    @classmethod
    def build(cls, ctx: Context) -> VoiceOrder | None:
        c = ctx.constraints
        if len(c.voice_order) < 2 or not c.grammar or ctx.timeline is None:
            return None
        return cls(
            ctx.ids.expansions,
            ctx.ids.resolution,
            list(c.voice_order),
            ctx.timeline,
            above=c.voicing.above,
            max_repeats=int(c.voicing.max_repeats),
            held=bool(c.voicing.held and c.voicing.above),
            repeat_weight=float(c.voicing.repeat_weight),
            spacing=int(c.voicing.spacing),
            chords=c.voicing.chords,
            chord_pull=float(c.voicing.chord_pull),
            parallels=float(c.voicing.parallels),
        )

    def start(self, track: Track | None = None) -> dict:
        """The voices' notes still sounding ([rank, pitch, end]; end ``inf`` until its duration is read) and
        the row's clock, as the timeline keeps it."""
        beats = float(self.timeline.meter_beats)
        return {
            "started": False,
            "beat0": 0.0,
            "beats": beats,
            "now": 0.0,
            "program": None,
            "notes": [],
            "pending": None,
            "last": {},  # rank -> [its last pitch, how many times running it started it]
            "past": [],  # (start, note) of the voices' notes that may sound a beat before now
        }

    def advance(self, row: dict, token: int, track: Track | None = None) -> dict:
        for kind, x in self.events[token] if token < len(self.events) else ():
            if kind in ("bar", "pos"):
                if kind == "bar":
                    row["beat0"] = row["beat0"] + row["beats"] if row["started"] else 0.0
                    row["started"], row["now"] = True, row["beat0"]
                else:
                    row["now"] = row["beat0"] + x
                row["notes"] = [n for n in row["notes"] if n[2] > row["now"]]
                row["past"] = [(a, n) for a, n in row["past"] if n[2] > row["now"] - 1.0 - _AT]
                row["pending"] = None if row["pending"] is None else _index(row["notes"], row["pending"])
            elif kind == "meter":
                row["beats"] = x
            elif kind == "program":
                row["program"] = int(x)
            elif kind == "pitch":
                rank = self.rank.get(row["program"], -1)
                note = [rank, int(x), math.inf]
                if rank >= 0:
                    row["notes"].append(note)
                    row["past"].append((row["now"], note))
                    last = row["last"].get(rank)
                    if last is not None and last[0] == int(x):
                        last[1] += 1
                    else:
                        row["last"][rank] = [int(x), 1]
                row["pending"] = note if rank >= 0 else None
            elif kind == "drum":
                row["pending"] = None
            elif kind == "dur" and row["pending"] is not None:
                row["pending"][2] = row["now"] + x
                row["pending"] = None
        return row

    def mask(self, row: dict, track: Track, width: int) -> torch.Tensor | None:
        given = len(self.above_pitch) > 0
        if (not row["notes"] and not given and not self.max_repeats) or track.sounding is None:
            return None
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        voiced = rank >= 0
        if not bool(voiced.any()):
            return None
        when, _ = self.timeline.landing(track.sounding, width)
        open_note = self._open_note(row, pitch)
        bad = torch.zeros(width, dtype=torch.bool)
        if given:
            bad |= voiced & self._against_above(when, pitch)
        if len(self.chord_start):  # on a chord's beat its tones, between its beats also the key's scale
            bad |= voiced & (pitch >= 0) & self._off_chord(when, pitch)
            bad |= voiced & (pitch >= 0) & self._held_into(when, when + self.lead_dur[:width], pitch)
            if open_note is not None:  # its duration: not held into a chord it is not of
                bad |= self._held_into(*open_note)
        if given and self.spacing:  # the top sampled voice within reach of the given one
            bad |= (rank == 0) & self._under_above(when, pitch)
        if given and self.held:
            bad |= voiced & self._held_over(when, when + self.lead_dur[:width], pitch)
            if open_note is not None:  # an id that reads its duration first ends it there
                bad |= self._held_over(*open_note)
        if self.max_repeats:
            for r, (last, times) in row["last"].items():
                if times > self.max_repeats:
                    bad |= (rank == r) & (pitch == last)
        for note in row["notes"]:
            r, p, end = note
            if note is row["pending"]:  # an id that reads its duration first ends it there
                lead = self.timeline.lead[:width]
                ends = torch.where(torch.isinf(lead), torch.full_like(lead, math.inf), row["now"] + lead)
            else:
                ends = torch.full((width,), float(end), dtype=torch.float64)
            active = voiced & (ends > when)
            bad |= active & (((rank < r) & (pitch < p)) | ((rank > r) & (pitch > p)))
            if self.spacing:  # neighbouring upper voices (not the lowest) within reach of each other
                upper = len(self.rank) - 1
                bad |= active & (rank == r + 1) & (rank < upper) & (pitch < p - self.spacing)
                bad |= active & (rank == r - 1) & (r < upper) & (pitch > p + self.spacing)
        return bad if bool(bad.any()) else None

    def pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        """With ``repeat_weight``: an id that starts a voice's last pitch again loses the weight; with
        ``chord_pull``, :meth:`_chord_pull`."""
        if self.chord_pull and len(self.chord_start) and track.sounding is not None:
            self._chord_pull(row, track, logits)
        if self.parallels and row["past"] and track.sounding is not None:
            self._parallel_pull(row, track, logits)
        if not self.repeat_weight or not row["last"]:
            return
        width = logits.shape[0]
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        again = torch.zeros(width, dtype=torch.bool)
        for r, (last, _) in row["last"].items():
            again |= (rank == r) & (pitch == last)
        logits[again] -= self.repeat_weight

    def _ranks(self, row: dict, width: int) -> torch.Tensor:
        """Per id: the rank of the voice its first note is of (an id that goes on the open track's program
        takes that voice's; -1: no voice)."""
        rank = self.lead_rank[:width].clone()
        rank[self.inherits[:width]] = self.rank.get(row["program"], -1)
        return rank

    def _open_note(self, row: dict, pitch: torch.Tensor) -> tuple[torch.Tensor, ...] | None:
        """The voice's note whose duration is read next, as (start, end, pitch) per id (an id that reads a
        duration first ends it there); None when there is none."""
        pending = row["pending"]
        if pending is None or pending[0] < 0:
            return None
        ends = row["now"] + self.timeline.lead[: len(pitch)]
        return torch.full_like(ends, row["now"]), ends, torch.full_like(pitch, pending[1])

    def _given_at(self, when: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per time in ``when``: the index of the given note at or before it (0 where none), and whether
        that note sounds there."""
        i = torch.searchsorted(self.above_start, when + _AT, right=True) - 1
        has = i >= 0
        i = i.clamp(min=0)
        return i, has & (self.above_end[i] > when + _AT)

    def _chord_at(self, when: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per landing time: the index of the chord sounding there, whether there is one, and whether it
        starts there."""
        i = torch.searchsorted(self.chord_start, when + _AT, right=True) - 1
        has = i >= 0
        i = i.clamp(min=0)
        has = has & (self.chord_end[i] > when + _AT)
        return i, has, (self.chord_start[i] - when).abs() < _AT

    def _off_chord(self, when: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Per id landing at ``when`` with first pitch ``pitch``: not a tone of the chord starting there, or
        between its beats not one of those it allows."""
        i, has, starts = self._chord_at(when)
        allowed = torch.where(starts, self.chord_tones[i], self.chord_passing[i])
        return has & (((allowed >> (pitch.clamp(min=0) % 12)) & 1) == 0)

    def _held_into(self, start: torch.Tensor, end: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Per id whose note of ``pitch`` sounds from ``start`` to ``end`` (``inf``: not known yet, not
        judged): held into a chord starting while it sounds that it is not a tone of."""
        pc = pitch.clamp(min=0) % 12
        return _starting_while(
            start,
            end,
            self.chord_start,
            lambda lo, hi, idx: ((self.chord_tones[lo:hi][None, :] >> pc[idx][:, None]) & 1) == 0,
        )

    def _chord_pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        """Where a chord starts: the lowest voice's note on its bass, and a note on a tone of it that neither
        the given voice nor a sampled one sounds there, get ``chord_pull``."""
        width = logits.shape[0]
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        when, _ = self.timeline.landing(track.sounding, width)
        i, has, starts = self._chord_at(when)
        on = (rank >= 0) & (pitch >= 0) & has & starts
        if not bool(on.any()):
            return
        pc = pitch.clamp(min=0) % 12
        lowest = len(self.rank) - 1
        bonus = (rank == lowest) & (pc == self.chord_bass[i])
        sounding = 0
        for _, p, end in row["notes"]:
            sounding |= 1 << (int(p) % 12) if end > row["now"] + _AT else 0
        j = int(torch.searchsorted(self.above_start, torch.tensor(row["now"] + _AT), right=True)) - 1
        if j >= 0 and float(self.above_end[j]) > row["now"] + _AT:
            sounding |= 1 << (int(self.above_pitch[j]) % 12)
        missing = self.chord_tones[i] & ~sounding
        bonus |= ((missing >> pc) & 1) == 1
        logits[on & bonus] += self.chord_pull

    def _parallel_pull(self, row: dict, track: Track, logits: torch.Tensor) -> None:
        """An id whose first note lands on a beat (a quarter) and moves its voice in parallel perfect fifths,
        octaves or unisons with another voice from the beat before loses ``parallels``: both voices' pitches
        sounding at the two beats known (a voice not yet sampled where the note lands is judged when it is),
        both move the same way, and the upper minus the lower is 0 or 7 (mod 12) at both, as
        ``bench/bench_accompany.py``'s ``parts_harmony`` counts them."""
        width = logits.shape[0]
        rank = self._ranks(row, width)
        pitch = self.lead_pitch[:width]
        when, _ = self.timeline.landing(track.sounding, width)
        beat = ((when - when.round()).abs() < _AT) & (when > 1.0 - _AT)
        cand = (rank >= 0) & (pitch >= 0) & beat
        if not bool(cand.any()):
            return
        before = when - 1.0
        voices = sorted(set(self.rank.values()))
        at = {v: (self._voice_at(row, v, before), self._voice_at(row, v, when)) for v in voices}
        if len(self.above_pitch):
            at[-1] = (self._above_at(before), self._above_at(when))
        p0 = torch.full_like(pitch, -1)
        for v in voices:
            p0 = torch.where(rank == v, at[v][0], p0)
        moves = cand & (p0 >= 0) & (p0 != pitch)
        if not bool(moves.any()):
            return
        bad = torch.zeros(width, dtype=torch.bool)
        for v, (q0, q1) in at.items():
            both = moves & (rank != v) & (q0 >= 0) & (q1 >= 0) & (q0 != q1) & ((pitch - p0) * (q1 - q0) > 0)
            upper = rank > v  # the other voice is the higher one: the interval read from it down
            d0 = torch.where(upper, q0 - p0, p0 - q0) % 12
            d1 = torch.where(upper, q1 - pitch, pitch - q1) % 12
            bad |= both & ((d0 == 0) | (d0 == 7)) & (d0 == d1)
        logits[bad] -= self.parallels

    def _voice_at(self, row: dict, voice: int, when: torch.Tensor) -> torch.Tensor:
        """Per time in ``when``: the highest pitch of ``voice``'s notes sounding there (-1: none)."""
        out = torch.full(when.shape, -1, dtype=torch.long)
        for start, (r, p, end) in row["past"]:
            if r == voice:
                here = (when > start - _AT) & (when < end - _AT)
                out = torch.where(here, out.clamp(min=int(p)), out)
        return out

    def _above_at(self, when: torch.Tensor) -> torch.Tensor:
        """Per time in ``when``: the given note's pitch sounding there (-1: none)."""
        i, sounding = self._given_at(when)
        return torch.where(sounding, self.above_pitch[i], torch.full_like(i, -1))

    def _against_above(self, when: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Per id landing at ``when`` with first pitch ``pitch``: above the given note sounding there, or a
        clash with one starting there."""
        i = torch.searchsorted(self.above_start, when + _AT, right=True) - 1
        has = i >= 0
        i = i.clamp(min=0)
        top, start, end = self.above_pitch[i], self.above_start[i], self.above_end[i]
        sounding = has & (end > when + _AT)
        starting = has & ((start - when).abs() < _AT)
        clash = self.clash[(top - pitch) % 12]
        return (sounding & (pitch > top)) | (starting & clash)

    def _under_above(self, when: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Per id landing at ``when`` with first pitch ``pitch``: more than :attr:`spacing` under the given
        note sounding there."""
        i, sounding = self._given_at(when)
        return sounding & (pitch < self.above_pitch[i] - self.spacing)

    def _held_over(self, start: torch.Tensor, end: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Per id whose note of ``pitch`` sounds from ``start`` to ``end`` (``inf``: not known yet, not
        judged): a given note lower than it starting while it still sounds."""
        return _starting_while(
            start,
            end,
            self.above_start,
            lambda lo, hi, idx: self.above_pitch[lo:hi][None, :] < pitch[idx][:, None],
        )


def _starting_while(
    start: torch.Tensor, end: torch.Tensor, times: torch.Tensor, judge: Callable[..., torch.Tensor]
) -> torch.Tensor:
    """Per note sounding from ``start`` to ``end`` (``inf``: not known yet, not judged): whether one of the
    events at ``times`` (sorted) that start while it sounds is one ``judge(lo, hi, idx)`` marks (a (notes,
    events) mask over the events ``lo:hi`` and the notes ``idx`` judged)."""
    out = torch.zeros(len(start), dtype=torch.bool)
    known = torch.isfinite(end) & (end > start + _AT)
    if not bool(known.any()):
        return out
    idx = known.nonzero().flatten()
    s, e = start[idx], end[idx]
    lo = int(torch.searchsorted(times, float(s.min()) + _AT, right=True))
    hi = int(torch.searchsorted(times, float(e.max()) - _AT))
    if hi <= lo:
        return out
    inside = (times[lo:hi][None, :] > s[:, None] + _AT) & (times[lo:hi][None, :] < e[:, None] - _AT)
    out[idx] = (inside & judge(lo, hi, idx)).any(dim=1)
    return out


def _index(notes: list[list], note: list) -> list | None:
    """``note`` if it is still among ``notes`` (by identity), else None."""
    return note if any(n is note for n in notes) else None
