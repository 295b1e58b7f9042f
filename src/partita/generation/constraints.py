"""Constrained decoding for REMI+: what can be guaranteed is guaranteed, by masking logits while sampling.

Guarantees (each optional): the time signature, the number of bars, the instrument set, termination, tempo tokens
from the requested tempo bin, and on request pitches inside the key's scale and pitches from the requested chord in
each bar.

Works with BPE: every vocabulary id is expanded once into its base tokens, and the expansion is summarised as
arrays (bars it opens, programs and pitches it plays, time signatures it sets), so that each sampling step is a
few vectorised mask operations rather than a walk over the vocabulary.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from partita.analysis.tempo import tempo_bin
from partita.generation.harmony import BassRoots, ChordMasks, chord_pitch_classes, scale_pitch_classes
from partita.generation.presence import PresencePull
from partita.generation.unisons import UnisonGuard
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC
from partita.tokens.tokenizer import MusicTokenizer

log = logging.getLogger(__name__)


@dataclass
class Constraints:
    """What to enforce; ``None`` or empty means not enforced."""

    meter: str | None = None
    bars: int | None = None
    programs: list[int] = field(default_factory=list)
    drums: bool = False
    key: str | None = None
    mode: str | None = None
    in_key: bool = False
    cadence: bool = False
    """With a key: the first and the last bar play only tones of the tonic triad (the piece opens and closes on
    its tonic, which is what a listener, and a key finder, hears as the key)."""
    tonic_weight: float = 0.0
    """With a key: a logit bonus for ids whose pitches are tones of the tonic triad (the tonic counts fully, the
    third and the fifth half), so that the tonic sounds longest and most often: a pull towards the key, not a
    guarantee."""
    tonic_on_downbeats: bool = False
    """With ``tonic_weight``: the bonus applies only to notes starting a bar (where a listener hears the harmony
    most), so the melody elsewhere keeps all the scale's tones."""
    chords: list[str] = field(default_factory=list)
    chord_tones_only: bool = False
    """With chords: every pitch in bar i is a tone of chord i (else notes between beats may also be tones of the
    key's scale; see :mod:`partita.generation.harmony`). The progression loops over the bars."""
    bass: int | None = None
    """(with chords) The program that plays the bass line: its first note in each bar is the chord's root
    (:class:`partita.generation.harmony.BassRoots`). Soft."""
    tempo: float | None = None
    """Tempo tokens only from the requested tempo's bin (Mustango's bins, :mod:`partita.analysis.tempo`)."""
    min_notes_per_bar: int = 0
    """A bar may not be closed (by the next bar line or the end) before it holds this many notes: no silent bars."""
    max_notes_per_bar: int | None = None
    """Once a bar holds this many notes no new note starts in it (with ``grammar``: the bar is closed next)."""
    min_onsets_per_bar: int = 0
    """(with ``grammar``) A bar may not be closed before this many of its positions start notes: the lower bound of
    the rhythmic-density fader (onsets per beat). Soft: yields where it would leave no token."""
    max_onsets_per_bar: int | None = None
    """(with ``grammar``) Once this many positions of a bar start notes, notes start only where one already does
    (the chord grows, time does not move inside the bar). Soft."""
    notes_per_onset: tuple[int, int | None] | None = None
    """(at least, at most) notes starting together at each position (with ``grammar``): the polyphony fader."""
    max_sounding: int | None = None
    """(with ``grammar``) At most this many pitched notes sound at once, held notes included: a note may start only
    where fewer than this are still sounding, and no note lasts longer than a bar (so that every bar has room for
    its notes). Yields where it would leave no token (a bar that still needs notes); ``notes_per_onset``'s lower
    bound yields to it."""
    hold_within_bar: bool = True
    """With ``max_sounding``: no note lasts longer than a bar (off: the cap only counts notes; a guard against
    degenerate pile-ups rather than a texture asked for)."""
    min_sounding: float = 0.0
    """(with ``grammar``) At least this many pitched notes sound from each onset to the next: held notes count
    towards ``notes_per_onset``'s lower bound (which this replaces), and time moves on no later than the moment
    fewer would still sound (no gap in the texture; a rest only where a bar could not be filled otherwise). Soft
    like ``max_sounding``. Polyphony is measured over time, so notes starting together are not enough when some
    of them end early. A fraction is a floor for the mean: the bound is the number rounded up while the piece's
    polyphony so far (the mean over the time anything sounds) is under it, else rounded down (1.25: two notes
    until the mean reaches 1.25, then no bound, and again when it falls under)."""
    enter_all_programs: bool = False
    """(with ``programs``) Every requested pitched program plays from the first bar on: while one has not played,
    the next program named is one not heard yet and the bar line waits for it (two instruments asked for are two
    instruments heard, not one). Soft: yields where the sounding cap or the grammar leaves nothing else."""
    presence_weight: float = 0.0
    """(with two or more pitched ``programs``) A logit bonus for the ids naming a requested program that has
    started no note in the open bar or the bar before (:mod:`partita.generation.presence`): a pull, not a rule."""
    monophonic: list[int] = field(default_factory=list)
    """(with ``grammar``) Programs that start one note at a time (a bass, a flute: the caller knows which). Soft."""
    token_budget: int | None = None
    """(with ``bars``) The music tokens the sampler will draw at most: once no more is left than the open bars need
    to close with their fewest notes, each bar gets only those, so the bar lines come before the budget ends
    (a hymn for organ stacked 221 notes in one voice and ran out of tokens after 11 of 16 bars)."""
    grammar: bool = False
    """Keep REMI+'s token order (:data:`REMI_NEXT`): e.g. after a position comes a tempo or a program, after a program
    a pitch. Without it a model that wants a program the request forbids wanders off into positions and durations."""


TOKENS_TO_CLOSE_A_BAR = 2
"""Tokens a bar line and a position take (REMI+ without BPE; BPE ids hold as much in fewer)."""
TOKENS_PER_NOTE = 4
"""Tokens one note takes at most in REMI+ without BPE (program, pitch, velocity, duration)."""

CHORD_WITH_RHYTHM = 4
"""With the rhythmic-density fader's bounds no more notes than this start together (more if the polyphony fader
needs more): partita-small, refused the bar line or a new onset in 6/8, stacked 12-note chords on every onset."""


REMI_NEXT: dict[str, set[str]] = {
    "Bar": {"TimeSig", "Position", "Bar", "EOS"},
    "TimeSig": {"Position", "Bar", "EOS"},
    "Position": {"Tempo", "Program", "Pitch", "PitchDrum"},
    "Tempo": {"Program", "Pitch", "PitchDrum"},
    "Program": {"Pitch", "PitchDrum"},
    "Pitch": {"Velocity"},
    "PitchDrum": {"Velocity"},
    "Velocity": {"Duration"},
    "Duration": {"Program", "Position", "Bar", "Pitch", "PitchDrum", "EOS"},
}
"""The token types that may follow each REMI+ token type in miditok 3's REMI with programs (one stream); types not
listed (and anything after them) are not restricted. A tempo change is kept where notes start (after a position, as
miditok writes it: a tempo straight after a bar line let notes pile up at an onset no bound counted); positions rise
within a bar."""


class RemiConstraintProcessor:
    """A logits processor for :func:`partita.generation.sampling.sample` that enforces :class:`Constraints`.

    Call it as ``processor(rows, logits)`` with the token rows generated so far (prompt included) and the
    next-token logits of shape ``(batch, vocab)``; it returns masked logits.
    """

    def __init__(
        self, tokenizer: MusicTokenizer, constraints: Constraints, vocab_size: int | None = None
    ) -> None:
        if tokenizer.config.kind != "remi":
            raise ValueError("constrained decoding is implemented for REMI+ tokenizers")
        self.c = constraints
        self.tok = tokenizer
        v = int(vocab_size or tokenizer.vocab_size)
        self.vocab = v
        self.eos = tokenizer.eos_id
        n_bars = np.zeros(v, dtype=np.int32)
        sets_meter = np.zeros(v, dtype=bool)
        bad_meter = np.zeros(v, dtype=bool)
        bad_program = np.zeros(v, dtype=bool)
        bad_tempo = np.zeros(v, dtype=bool)
        want_bin = tempo_bin(constraints.tempo) if constraints.tempo else None
        starts_with_meter = np.zeros(v, dtype=bool)
        starts_with_bar = np.zeros(v, dtype=bool)
        starts_with_pitch = np.zeros(v, dtype=bool)
        ends_with_program = np.zeros(v, dtype=bool)
        pitch_classes = np.zeros((v, 12), dtype=bool)  # pitched notes the id plays (drums excluded)
        has_pitch = np.zeros(v, dtype=bool)
        # notes the id plays before its first bar line, and after its last one (or all, with no bar line)
        notes_before_bar = np.zeros(v, dtype=np.int32)
        notes_after_bar = np.zeros(v, dtype=np.int32)
        empty_inner_bar = np.zeros(v, dtype=bool)  # the id opens and closes a bar with too few notes inside
        # onsets (positions; each starts a note in REMI) the id adds to the open bar, and after its last bar line
        onsets_before_bar = np.zeros(v, dtype=np.int32)
        onsets_after_bar = np.zeros(v, dtype=np.int32)
        # the type of the id's first and last base token (the grammar; BPE ids are legal inside by construction)
        self.first_kind: list[str] = [""] * v
        self.last_kind: list[str] = [""] * v
        # the value of the id's first token when it is a position; its last position after its last bar line
        # (-2: it ends in a new bar with no position yet; -1: no position at all)
        first_position = np.full(v, -1, dtype=np.int64)
        inner_position = np.full(v, -1, dtype=np.int64)
        backwards = np.zeros(v, dtype=bool)
        top_position = np.full(v, -1, dtype=np.int64)  # the id's highest position (-1: none)
        self.meter_of: list[str | None] = [None] * v  # the time signature an id sets (its last), if any
        resolution = max(r for _, _, r in tokenizer.config.beat_resolution)  # positions per beat
        bar_positions = parse_meter(constraints.meter)[0] * resolution if constraints.meter else None
        self.last_position = np.full(v, -1, dtype=np.int64)
        # onsets: the notes after the id's last position or bar line (-1: it has none), whether that was a bar
        # line, and the notes of an id without either
        self.notes_after_onset = np.full(v, -1, dtype=np.int64)
        self.onset_is_bar = np.zeros(v, dtype=bool)
        self.onset_extra = np.zeros(v, dtype=np.int64)
        self.special = np.zeros(v, dtype=bool)
        allowed_programs = set(constraints.programs)
        entering = (
            sorted({int(p) for p in constraints.programs if int(p) >= 0})
            if constraints.enter_all_programs
            else []
        )
        names_entering = np.zeros((len(entering), v), dtype=bool)  # id i names requested program k
        want_meter = f"TimeSig_{constraints.meter}" if constraints.meter else None
        cond_ids = set(tokenizer._cond_ids.values())
        base_vocab = tokenizer.miditok.vocab  # the base tokens (BPE ids expand into these)
        expansions: list[list[str]] = [[] for _ in range(v)]  # each id's base tokens (none for special ids)
        for i in range(min(v, tokenizer.vocab_size)):
            if i in cond_ids or i in (tokenizer.bos_id, tokenizer.pad_id, tokenizer.cond_end_id):
                self.special[i] = True
                continue
            toks = tokenizer._bpe_tokens(i) if tokenizer.miditok.is_trained else [tokenizer.miditok[i]]
            if not toks or any(t not in base_vocab for t in toks):
                # an id that decodes to no known token (partita-small's BPE has one, decoding to ""): the grammar
                # cannot place it, and left allowed it kept every soft bound from yielding
                self.special[i] = True
                continue
            expansions[i] = toks
            starts_with_bar[i] = bool(toks) and toks[0] == "Bar_None"
            starts_with_pitch[i] = bool(toks) and toks[0].startswith(("Pitch_", "PitchDrum_"))
            ends_with_program[i] = bool(toks) and toks[-1].startswith("Program_")
            if toks:
                self.first_kind[i], self.last_kind[i] = toks[0].split("_")[0], toks[-1].split("_")[0]
                if toks[0].startswith("Position_"):
                    first_position[i] = int(toks[0].split("_")[1])
            # positions inside the id: the first before any bar line, and whether they run forward and stay in
            # the bar (BPE merges such as "Duration Position_8 ... Position_16" carry positions past their start)
            seg: list[int] = []
            for t in toks:
                if t == "Bar_None":
                    seg = [-1]
                elif t.startswith("Position_"):
                    at = int(t.split("_")[1])
                    if not seg and inner_position[i] < 0:
                        inner_position[i] = at
                    backwards[i] |= bool(seg) and at <= seg[-1]
                    top_position[i] = max(top_position[i], at)
                    seg.append(at)
            run, bars_seen, onsets = 0, 0, 0
            for j, t in enumerate(toks):
                if t.startswith("Position_"):
                    onsets += 1
                if t.startswith(("Pitch_", "PitchDrum_")):
                    run += 1
                    if self.notes_after_onset[i] >= 0:
                        self.notes_after_onset[i] += 1
                    else:
                        self.onset_extra[i] += 1
                elif t == "Bar_None" or t.startswith("Position_"):
                    self.notes_after_onset[i], self.onset_is_bar[i] = 0, t == "Bar_None"
                    self.last_position[i] = -2 if t == "Bar_None" else int(t.split("_")[1])
                if t == "Bar_None":
                    if bars_seen == 0:
                        notes_before_bar[i], onsets_before_bar[i] = run, onsets
                    elif run < constraints.min_notes_per_bar:
                        empty_inner_bar[i] = True
                    bars_seen, run, onsets = bars_seen + 1, 0, 0
                    n_bars[i] += 1
                elif t.startswith("TimeSig_"):
                    sets_meter[i] = True
                    self.meter_of[i] = t.split("_", 1)[1]
                    if want_meter and t != want_meter:
                        bad_meter[i] = True
                    elif not want_meter and constraints.bars is not None and t.startswith("TimeSig_1/"):
                        bad_meter[i] = True  # a bar of one beat is a pickup: the bars asked for are full bars
                    if j == 0 and t == want_meter:
                        starts_with_meter[i] = True
                elif t.startswith("Program_") and (allowed_programs or constraints.drums):
                    p = int(t.split("_")[1])
                    if (p == -1 and not constraints.drums) or (p >= 0 and p not in allowed_programs):
                        bad_program[i] = True
                    elif p in entering:
                        names_entering[entering.index(p), i] = True
                elif t.startswith("PitchDrum_") and allowed_programs and not constraints.drums:
                    bad_program[i] = True  # a drum hit is program -1, which the request leaves out
                elif t.startswith("Pitch_"):
                    pitch_classes[i, int(t.split("_")[1]) % 12] = True
                    has_pitch[i] = True
                elif t.startswith("Tempo_") and want_bin is not None:
                    bad_tempo[i] |= tempo_bin(float(t.split("_")[1])) != want_bin
            notes_after_bar[i] = run
            onsets_after_bar[i] = onsets
            if not n_bars[i]:
                onsets_before_bar[i] = onsets
        self.n_bars = torch.from_numpy(n_bars)
        self.notes_before_bar = torch.from_numpy(notes_before_bar)
        self.notes_after_bar = notes_after_bar
        self.onsets_before_bar = torch.from_numpy(onsets_before_bar)
        self.onsets_after_bar = onsets_after_bar
        self.bar_positions = bar_positions or 4 * resolution  # positions in a bar (4 beats without a meter)
        static = bad_meter | bad_program | bad_tempo | self.special
        self.static_bad = torch.from_numpy(
            static | empty_inner_bar if constraints.min_notes_per_bar else static
        )
        # enter_all_programs (with two or more): the requested programs each id names; rows keep a bit per program
        self.names_entering = torch.from_numpy(names_entering) if len(entering) > 1 else None
        self.entering_of = (
            [tuple(int(k) for k in np.flatnonzero(names_entering[:, i])) for i in range(v)]
            if self.names_entering is not None
            else None
        )
        self.starts_with_meter = torch.from_numpy(starts_with_meter)
        self.starts_with_bar = torch.from_numpy(starts_with_bar)
        self.starts_with_pitch = torch.from_numpy(starts_with_pitch)
        self.ends_with_program = ends_with_program
        self.guard_programs = bool(allowed_programs or constraints.drums)
        self.sets_meter = torch.from_numpy(sets_meter)
        # with no meter asked for, the first one the piece writes (4/4 until it writes one) is kept: a German folk
        # song going 4/4, 3/4 after two bars was one in seven pieces, and its bars were no longer the bars asked for
        self.other_meter: dict[str, torch.Tensor] = {}
        if not constraints.meter:
            for m in {m for m in self.meter_of if m} | {"4/4"}:
                self.other_meter[m] = torch.tensor([x is not None and x != m for x in self.meter_of])
        self.pitch_classes = torch.from_numpy(pitch_classes)
        self.has_pitch = torch.from_numpy(has_pitch)
        if constraints.in_key and constraints.key:
            scale = scale_pitch_classes(constraints.key, constraints.mode)
            out_of_key = torch.tensor([pc not in scale for pc in range(12)])
            self.static_bad |= (self.pitch_classes & out_of_key).any(dim=1)
        self.tonic_bad: torch.Tensor | None = None
        if constraints.cadence and constraints.key:
            triad = chord_pitch_classes(
                f"{constraints.key}:{'min' if constraints.mode == 'minor' else 'maj'}"
            )
            off_triad = torch.tensor([pc not in triad for pc in range(12)])
            self.tonic_bad = (self.pitch_classes & off_triad).any(dim=1)
        self.tonic_bonus: torch.Tensor | None = None
        if constraints.tonic_weight and constraints.key:
            self.tonic_bonus = _tonic_bonus(self.pitch_classes, constraints.key, constraints.mode)
            self.tonic_bonus *= float(constraints.tonic_weight)
        self.chords: ChordMasks | None = None
        if constraints.chords:
            scale = None
            if not constraints.chord_tones_only and constraints.key:
                scale = scale_pitch_classes(constraints.key, constraints.mode)
            self.chords = ChordMasks(expansions, constraints.chords, resolution, scale)
        self.bass_roots: BassRoots | None = None
        if constraints.chords and constraints.bass is not None:
            self.bass_roots = BassRoots(expansions, constraints.chords, int(constraints.bass))
        self.bar_ids = self.n_bars > 0
        if 0 <= self.eos < v:
            self.first_kind[self.eos] = "EOS"
        self.first_position = torch.from_numpy(first_position)
        self.inner_position = torch.from_numpy(inner_position)
        if constraints.grammar:  # time runs forward inside a bar, and stays inside the requested meter's bar
            self.static_bad |= torch.from_numpy(backwards)
        # positions past the bar of the row's time signature (the requested one, else the one the model wrote, 4/4
        # before it writes one): a position past it is decoded in a later bar, which bar lines do not count
        self.past_bar: dict[str, torch.Tensor] = {}
        if constraints.grammar:
            meters = [constraints.meter] if constraints.meter else {m for m in self.meter_of if m} | {"4/4"}
            for m in meters:
                beyond = top_position >= parse_meter(m)[0] * resolution
                if beyond.any():
                    self.past_bar[m] = torch.from_numpy(beyond)
        first = np.array(self.first_kind)
        # ids that start a new note (or a new onset) inside the open bar: no bar line before their first note
        opens_in_bar = np.isin(first, ["Position", "Program", "Pitch", "PitchDrum", "Tempo"])
        # ...or anywhere before their first bar line (a BPE id "Velocity Duration Position Program" ends where a
        # pitch must follow: allowed into a full bar, it left no token to sample)
        in_bar_note = np.array(
            [any(t.split("_")[0] in _NOTE_OPENERS for t in _before_bar(toks)) for toks in expansions]
        )
        self.starts_note = torch.from_numpy((opens_in_bar & ~starts_with_bar) | in_bar_note)
        self.adds_to_onset = torch.from_numpy(np.isin(first, ["Program", "Pitch", "PitchDrum"]))
        if self.tonic_bonus is not None:  # (elsewhere, at the downbeat): chosen per step, built once here
            bonus = self.tonic_bonus
            if constraints.tonic_on_downbeats:
                opens = self.first_position == 0
                self.tonic_bonus = torch.stack(
                    [torch.where(opens, bonus, 0.0), torch.where(opens | self.adds_to_onset, bonus, 0.0)]
                )
            else:
                self.tonic_bonus = torch.stack([bonus, bonus])
        self.ends_onset = torch.from_numpy(np.isin(first, ["Position", "Bar", "EOS"]))
        self.grammar_bad = {
            kind: torch.from_numpy(~np.isin(first, sorted(nxt)) & (first != ""))
            for kind, nxt in REMI_NEXT.items()
        }
        self.sounding: _Sounding | None = None
        if (constraints.max_sounding is not None or constraints.min_sounding) and constraints.grammar:
            beats = bar_positions // resolution if bar_positions is not None else 4
            cap = int(constraints.max_sounding) if constraints.max_sounding is not None else 1 << 30
            self.sounding = _Sounding(expansions, resolution, cap, beats, floor=float(constraints.min_sounding),
                                      within_bar=constraints.hold_within_bar)  # fmt: skip
        self.unisons = UnisonGuard(expansions, constraints.monophonic) if constraints.grammar else None
        pull = PresencePull(expansions, constraints.programs, constraints.presence_weight)
        self.presence = pull if pull.active else None
        self._state: list[dict] = []
        self._start: list[int] = []

    def reset(self, token_budget: int | None = None) -> None:
        """Forget the rows seen so far (a new batch follows); ``token_budget`` replaces the constraints' budget."""
        self._state, self._start = [], []
        if token_budget is not None:
            self.c = replace(self.c, token_budget=int(token_budget))

    def _update(self, rows: list[list[int]]) -> None:
        if len(self._state) != len(rows):
            self._state = [
                {
                    "bars": 0,
                    "tokens": 0,
                    "meter_set": False,
                    "seen": 0,
                    "after_program": False,
                    "notes": 0,
                    "onsets": 0,
                    "kind": "",
                    "pos": -1,
                    "onset": 0,
                    "onset_at_bar": True,
                    "entered": 0,
                    "chord": 0,
                    "meter": self.c.meter or "4/4",
                    "bass": self.bass_roots.new_row() if self.bass_roots is not None else None,
                    "unison": self.unisons.new_row() if self.unisons is not None else None,
                    "sounding": self.sounding.new_row() if self.sounding is not None else None,
                    "presence": self.presence.new_row() if self.presence is not None else None,
                }
                for _ in rows
            ]
            self._start = []
            for r in rows:  # the music starts after CondEnd (or at 0 when there is no prefix)
                cut = r.index(self.tok.cond_end_id) + 1 if self.tok.cond_end_id in r else 0
                self._start.append(cut)
        for st, r, start in zip(self._state, rows, self._start, strict=True):
            first = max(st["seen"], start)
            st["tokens"] += max(0, len(r) - first)
            for t in r[first:]:
                if 0 <= t < self.vocab:
                    opened = int(self.n_bars[t])
                    st["notes"] = int(self.notes_after_bar[t]) + (0 if opened else st["notes"])
                    st["onsets"] = int(self.onsets_after_bar[t]) + (0 if opened else st["onsets"])
                    st["bars"] += opened
                    st["meter_set"] |= bool(self.sets_meter[t])
                    if self.meter_of[t] and not self.c.meter:
                        st["meter"] = self.meter_of[t]
                    st["after_program"] = bool(self.ends_with_program[t])
                    st["kind"] = self.last_kind[t]
                    if self.notes_after_onset[t] >= 0:
                        st["onset"], st["onset_at_bar"] = (
                            int(self.notes_after_onset[t]),
                            bool(self.onset_is_bar[t]),
                        )
                    else:
                        st["onset"] += int(self.onset_extra[t])
                    moved = int(self.last_position[t])
                    st["pos"] = -1 if moved == -2 else (moved if moved >= 0 else st["pos"])
                    if self.sounding is not None:
                        self.sounding.advance(st["sounding"], t)
                    if self.chords is not None:
                        st["chord"] = self.chords.played(st["chord"], t)
                    if self.bass_roots is not None:
                        self.bass_roots.advance(st["bass"], t)
                    if self.unisons is not None:
                        self.unisons.advance(st["unison"], t)
                    if self.presence is not None:
                        self.presence.advance(st["presence"], t)
                    if self.entering_of is not None:
                        for k in self.entering_of[t]:
                            st["entered"] |= 1 << k
            st["seen"] = len(r)

    def __call__(self, rows: list[list[int]], logits: torch.Tensor) -> torch.Tensor:
        self._update(rows)
        out = logits.clone()
        neg = torch.finfo(out.dtype).min
        width = out.shape[1]
        for b, st in enumerate(self._state):
            bad = self.static_bad[:width].clone()
            bars = st["bars"]
            if bars == 0:
                bad |= ~self.starts_with_bar[
                    :width
                ]  # REMI music opens with a bar line: nothing may come before it
            if self.guard_programs and not st["after_program"]:
                # REMI+ names the program before each pitch; a pitch without one would decode as piano
                bad |= self.starts_with_pitch[:width]
            if self.c.meter and bars >= 1 and not st["meter_set"]:
                bad |= ~self.starts_with_meter[:width]  # the first bar must open with the requested meter
            if self.other_meter and (st["meter_set"] or bars > 1 or st["pos"] >= 0):
                bad |= self.other_meter[st["meter"]][:width]  # one meter for the whole piece
            # the rules below are hard, yet yield as a whole where with them no token would be left: the bars the
            # piece was asked for (a structural guarantee) come before the counts and pitch sets of one bar
            rules = torch.zeros_like(bad)
            if self.chords is not None:
                rules |= self.chords.bad(bars, st["pos"])[:width]
            if self.tonic_bad is not None and (
                bars == 1 or (self.c.bars is not None and bars >= int(self.c.bars))
            ):
                rules |= self.tonic_bad[:width]
            if self.c.grammar:
                if st["kind"] in self.grammar_bad:
                    bad |= self.grammar_bad[st["kind"]][:width]
                if st["pos"] >= 0:  # time runs forward inside a bar
                    fp = self.inner_position[:width]
                    bad |= (fp >= 0) & (fp <= st["pos"])
            short = bars >= 1 and st["notes"] < self.c.min_notes_per_bar  # the open bar needs more notes
            if short:
                rules |= self.bar_ids[:width] & (
                    self.notes_before_bar[:width] + st["notes"] < self.c.min_notes_per_bar
                )
            full = (
                self.c.max_notes_per_bar is not None and bars >= 1 and st["notes"] >= self.c.max_notes_per_bar
            )
            at_cap = self.sounding is not None and self.sounding.at_cap(st["sounding"])
            if self.c.notes_per_onset and self.c.grammar and bars >= 1 and not st["onset_at_bar"]:
                fewest, most = self.c.notes_per_onset
                if self.sounding is not None and self.sounding.floor:  # held notes count
                    few = self.sounding.sounding_now(st["sounding"]) < self.sounding.floor_now(st["sounding"])
                else:
                    few = st["onset"] < fewest
                if most is not None and st["onset"] >= most:
                    rules |= self.adds_to_onset[:width]  # enough notes start here: move on in time
                elif few and not full and st["onset"] > 0 and not at_cap:
                    rules |= self.ends_onset[:width]  # more notes start here before time moves on
            if full:  # the bar is full: finish the note being written, then close it
                rules |= self.starts_note[:width]
            row = out[b]
            if self.tonic_bonus is not None:
                # with tonic_on_downbeats: ids that open the bar's first onset, or (there) add a note to it
                at_downbeat = st["pos"] == 0 or (st["pos"] == -1 and bars >= 1)
                row += self.tonic_bonus[int(at_downbeat)][:width].to(row.dtype)
            pull = self.presence.bonus(st["presence"], width) if self.presence is not None else None
            if pull is not None:
                row += pull.to(row.dtype)
            if self.c.bars is not None:
                target = int(self.c.bars)
                # Never open more than the requested number of bars (an id that opens several counts them all).
                over = (self.n_bars[:width] + bars) > target
                if bars >= target:
                    # The bar is full: where the model would open bar target+1, it ends the piece instead.
                    bar_mass = torch.logsumexp(row[self.bar_ids[:width]], dim=0)
                    row[self.eos] = torch.logaddexp(row[self.eos], bar_mass)
                else:
                    bad[self.eos] = True  # no early end: the piece has the bars it was asked for
                bad |= over
            bad[self.eos] = bool(bad[self.eos]) and not (self.c.bars is not None and bars >= int(self.c.bars))
            rules[self.eos] |= short  # nor may the piece end on a bar without its notes
            if self.c.grammar and st["kind"] in self.grammar_bad:
                bad[self.eos] |= bool(self.grammar_bad[st["kind"]][self.eos])  # nor halfway through a note
            if bool((bad | rules).all()):
                log.debug("row %d: the bar rules would leave no token; they yield for this step", b)
            else:
                bad |= rules
            if self.c.token_budget is not None and self.c.bars is not None and bars < int(self.c.bars):
                # once no more tokens are left than the bars to come need with their fewest notes, each bar gets
                # only its fewest: no new note in a bar that has them, so its bar line comes
                per_bar = TOKENS_TO_CLOSE_A_BAR + TOKENS_PER_NOTE * max(1, self.c.min_notes_per_bar)
                low = int(self.c.token_budget) - st["tokens"] <= (int(self.c.bars) - bars) * per_bar + TOKENS_PER_NOTE
                if low and not short and not bool((bad | self.starts_note[:width]).all()):
                    bad |= self.starts_note[:width]
            # soft: a position past the bar, then the sounding cap, yield to the bars and the notes a bar needs
            # (a bar's first note placed on its last position, and the bar needs another)
            past = self.past_bar[st["meter"]][:width] if st["meter"] in self.past_bar else None
            crowded = self.sounding.bad(st["sounding"], width) if self.sounding is not None and bars else None
            gap = self.sounding.gap(st["sounding"], width) if self.sounding is not None and bars else None
            sparse, busy = self._rhythm_bad(st, width) if self.c.grammar and bars else (None, None)
            enter = self._enter_bad(st, width) if self.names_entering is not None and bars else None
            unheard = None
            unfinished = self.chords.unfinished(bars, st["chord"], width) if self.chords is not None else None
            if unfinished is not None:
                unheard, bonus = unfinished
                if 0 <= self.eos < width:
                    unheard[self.eos] = True
                row += bonus.to(row.dtype)
            again = self.unisons.bad(st["unison"], width) if self.unisons is not None else None
            rootless = self.bass_roots.bad(st["bass"], bars, width) if self.bass_roots is not None else None
            for soft in (again, past, crowded, gap, enter, unheard, rootless, sparse, busy):
                if soft is not None and not bool((bad | soft).all()):
                    bad |= soft
            if bool(bad.all()):
                log.warning("constraints left no token: ending the sequence")
                bad = torch.ones_like(bad)
                bad[self.eos] = False
            row[bad] = neg
        return out

    def _enter_bad(self, st: dict, width: int) -> torch.Tensor | None:
        """While a requested program has not played: ids naming only programs already heard, the bar line and
        the end (``enter_all_programs``)."""
        n = self.names_entering.shape[0]
        missing = [k for k in range(n) if not st["entered"] >> k & 1]
        if not missing:
            return None
        heard = [k for k in range(n) if st["entered"] >> k & 1]
        bad = self.bar_ids[:width].clone()
        if heard:
            bad |= (
                self.names_entering[heard].any(dim=0)[:width]
                & ~self.names_entering[missing].any(dim=0)[:width]
            )
        if 0 <= self.eos < width:
            bad[self.eos] = True
        return bad

    def _rhythm_bad(self, st: dict, width: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The rhythmic-density bounds of the open bar: ids that would close it with too few onsets (the end
        included) or fall behind the pace the bar needs (after a share x of the bar, at least x of its onsets, one
        less than that allowed: a model that holds back and then crams its onsets into the bar's last positions
        stacks chords there), and ids that would start more onsets in it than allowed. With either bound no more than
        :data:`CHORD_WITH_RHYTHM` notes start together: where the bar line or a new onset is refused, a model adds
        notes to its chord instead. Where the onsets can no
        longer fit, the lower bound is dropped (forbidding the bar line would only pile notes onto the last
        onset)."""
        added = self.onsets_before_bar[:width] + st["onsets"]
        sparse = busy = None
        fewest = self.c.min_onsets_per_bar
        missing = fewest - st["onsets"]
        room = self.bar_positions - 1 - st["pos"] if st["pos"] >= 0 else self.bar_positions
        if 0 < missing <= room:
            first = self.inner_position[:width]
            behind = (first >= 0) & (
                (st["onsets"] + 1 < fewest * first / self.bar_positions - 1)  # behind the pace
                | (self.bar_positions - first < missing)  # the onsets still needed no longer fit
            )
            sparse = (self.bar_ids[:width] & (added < fewest)) | behind
            if 0 <= self.eos < width:
                sparse[self.eos] = True
        if self.c.max_onsets_per_bar is not None:
            busy = added > self.c.max_onsets_per_bar
        if (fewest or self.c.max_onsets_per_bar is not None) and st["onset"] >= max(
            CHORD_WITH_RHYTHM, (self.c.notes_per_onset or (0, None))[0]
        ):  # the bar needs onsets (or is full of them), not a taller chord
            tall = self.adds_to_onset[:width]
            sparse = tall if sparse is None else sparse | tall
        return sparse, busy


class _Sounding:
    """The notes still sounding in each row, and where each id would start its next note: behind ``max_sounding``.

    Time is counted in the beats of the time signature's denominator, as REMI's positions (``resolution`` per beat)
    and durations (``beats.ticks.resolution``) are; a pitch sounds until its duration is read (``inf`` before).
    """

    def __init__(
        self,
        expansions: list[list[str]],
        resolution: int,
        cap: int,
        meter_beats: int,
        floor: float = 0.0,
        within_bar: bool = True,
    ) -> None:
        v = len(expansions)
        self.cap, self.meter_beats, self.floor, self.within_bar = cap, meter_beats, floor, within_bar
        self.events: list[list[tuple[str, float]]] = []
        longest = np.zeros(v)
        lead = np.full(v, np.inf)  # the duration that closes the pending note, when the id starts with it
        land_bars = np.zeros(v, dtype=np.int64)  # bar lines before the id's first pitched note (or loose end)
        land_pos = np.full(v, -1.0)  # the beat inside the bar of that note (-1: where the row already is)
        land_notes = np.zeros(v, dtype=np.int64)  # pitched notes the id starts there
        lands = np.zeros(v, dtype=bool)  # the id starts a pitched note, or ends where a note must come next
        for i, toks in enumerate(expansions):
            ev: list[tuple[str, float]] = []
            for t in toks:
                kind, _, value = t.partition("_")
                if kind == "Bar":
                    ev.append(("bar", 0.0))
                elif kind == "TimeSig":
                    ev.append(("meter", float(value.split("/")[0])))
                elif kind == "Position":
                    ev.append(("pos", int(value) / resolution))
                elif kind == "Pitch":
                    ev.append(("note", 0.0))
                elif kind == "PitchDrum":
                    ev.append(("drum", 0.0))
                elif kind == "Duration":
                    whole, ticks, res = (int(x) for x in value.split("."))
                    ev.append(("dur", whole + ticks / res))
                    longest[i] = max(longest[i], whole + ticks / res)
                elif kind in ("Tempo", "Program"):
                    ev.append(("hold", 0.0))
            self.events.append(ev)
            for j, (kind, x) in enumerate(ev):
                if kind == "dur" and lead[i] == np.inf and not land_bars[i] and land_pos[i] < 0:
                    lead[i] = x
                if kind == "bar":
                    land_bars[i], land_pos[i] = land_bars[i] + 1, -1.0
                elif kind == "pos":
                    land_pos[i] = x
                elif kind == "drum":
                    break
                elif kind == "note":
                    rest = [k for k, _ in ev[j:]]
                    cut = [n for n, k in enumerate(rest) if k in ("pos", "bar")]
                    land_notes[i] = rest[: cut[0] if cut else len(rest)].count("note")
                    lands[i] = not land_bars[i] or land_pos[i] >= 0
                    break
            else:
                lands[i] = (
                    bool(ev) and ev[-1][0] in ("pos", "hold") and (not land_bars[i] or land_pos[i] >= 0)
                )
        self.longest = torch.from_numpy(longest)
        self.lead = torch.from_numpy(lead)
        self.land_bars = torch.from_numpy(land_bars).double()
        self.land_pos = torch.from_numpy(land_pos)
        self.need = torch.from_numpy(np.maximum(land_notes, 1))
        self.lands = torch.from_numpy(lands)
        self.moves = (self.land_bars > 0) | (
            self.land_pos >= 0
        )  # the id moves time on before any note of its own

    def new_row(self) -> dict:
        return {"started": False, "beat0": 0.0, "beats": float(self.meter_beats), "now": 0.0, "ends": [],
                "pending": False, "area": 0.0, "span": 0.0}  # fmt: skip

    def advance(self, row: dict, token: int) -> None:
        for kind, x in self.events[token] if token < len(self.events) else ():
            if kind == "bar":
                row["beat0"] = row["beat0"] + row["beats"] if row["started"] else 0.0
                self._pass(row, row["beat0"])
                row["started"], row["now"] = True, row["beat0"]
                row["ends"] = [e for e in row["ends"] if e > row["now"]]
            elif kind == "meter":
                row["beats"] = x
            elif kind == "pos":
                self._pass(row, row["beat0"] + x)
                row["now"] = row["beat0"] + x
                row["ends"] = [e for e in row["ends"] if e > row["now"]]
            elif kind == "note":
                row["ends"].append(math.inf)
                row["pending"] = True
            elif kind == "drum":
                row["pending"] = False  # the duration read next is the drum's
            elif kind == "dur" and row["pending"]:
                row["ends"][-1] = row["now"] + x
                row["pending"] = False

    def at_cap(self, row: dict) -> bool:
        """As many notes sound at the row's onset as the cap allows."""
        return self.sounding_now(row) >= self.cap

    def sounding_now(self, row: dict) -> int:
        """The pitched notes sounding at the row's onset (the one being written included)."""
        return sum(e > row["now"] for e in row["ends"])

    def _landing(self, row: dict, width: int) -> tuple[torch.Tensor, list[float]]:
        """Per id, the time its first note (or its loose end) lands at; the ends of the settled notes."""
        beats = row["beats"]
        next_bar = row["beat0"] + beats if row["started"] else 0.0
        bars, pos = self.land_bars[:width], self.land_pos[:width]
        when = torch.where(
            bars > 0,
            next_bar + (bars - 1) * beats + pos.clamp(min=0),  # a bar line alone lands on its downbeat
            torch.where(pos >= 0, row["beat0"] + pos, torch.full_like(pos, row["now"])),
        )
        return when, row["ends"][:-1] if row["pending"] else row["ends"]

    def bad(self, row: dict, width: int) -> torch.Tensor:
        """Ids that would start a note where the cap is reached, or hold a note longer than a bar."""
        beats = row["beats"]
        when, ends = self._landing(row, width)
        sounding = (torch.tensor(ends, dtype=torch.float64)[None, :] > when[:, None]).sum(dim=1)
        if row["pending"]:
            sounding += (row["now"] + self.lead[:width]) > when
        crowded = self.lands[:width] & (sounding + self.need[:width] > self.cap)
        return crowded | (self.longest[:width] > beats) if self.within_bar else crowded

    def gap(self, row: dict, width: int) -> torch.Tensor | None:
        """Ids that would move time on past the moment fewer than ``floor`` notes still sound (None: no floor, or
        fewer sound already, which the onset's lower bound mends)."""
        floor = self.floor_now(row)
        if floor < 2 or self.sounding_now(row) < floor:
            return None
        when, ends = self._landing(row, width)
        held = (torch.tensor(ends, dtype=torch.float64)[None, :] >= when[:, None]).sum(dim=1)
        if row["pending"]:
            held += (row["now"] + self.lead[:width]) >= when
        return self.moves[:width] & (held < floor)

    def floor_now(self, row: dict) -> int:
        """The fewest notes that must sound now: the floor, or for a fractional one its ceiling while the mean so
        far is under it (its integer part once the mean has reached it)."""
        x = self.floor
        if x <= 0 or x == int(x):
            return int(x)
        under = row["span"] <= 0 or row["area"] / row["span"] < x
        return math.ceil(x) if under else math.floor(x)

    @staticmethod
    def _pass(row: dict, until: float) -> None:
        """Add the time from the row's onset to ``until`` to its running polyphony (area, and time anything
        sounds)."""
        now = row["now"]
        if until <= now:
            return
        held = [min(e, until) - now for e in row["ends"] if e > now]
        row["area"] += sum(held)
        row["span"] += max(held, default=0.0)


_NOTE_OPENERS = frozenset({"Position", "Program", "Pitch", "PitchDrum"})


def _before_bar(tokens: list[str]) -> list[str]:
    """The base tokens of an id before its first bar line."""
    return tokens[: tokens.index("Bar_None")] if "Bar_None" in tokens else tokens


def _tonic_bonus(pitch_classes: torch.Tensor, key: str, mode: str | None) -> torch.Tensor:
    """Per id: the mean over its pitch classes of 1 (tonic), 0.5 (third, fifth) or 0; ids without pitch get 0."""
    tonic = PITCH_CLASS_OF_TONIC[key]
    weight = torch.zeros(12)
    weight[tonic] = 1.0
    weight[(tonic + (3 if mode == "minor" else 4)) % 12] = 0.5
    weight[(tonic + 7) % 12] = 0.5
    pcs = pitch_classes.float()
    count = pcs.sum(dim=1)
    return torch.where(count > 0, pcs @ weight / count.clamp(min=1), torch.zeros_like(count))


def parse_meter(meter: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)/(\d+)", meter)
    if not m:
        raise ValueError(f"not a meter: {meter!r}")
    return int(m.group(1)), int(m.group(2))
