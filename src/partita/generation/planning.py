"""From a :class:`~partita.generation.request.Request` to the rules sampling is held to: a :class:`Plan`.

The plan turns what was asked for into :class:`~partita.generation.rules.Constraints` (the meter, bars and
instruments, the tempo bin, the chords, and the bounds a density, rhythm or polyphony fader sets per bar and
per onset), chooses stand-in instruments (:mod:`partita.generation.instruments`) and the voices of an
ensemble, and says what it changed. :func:`partita.generation.candidates.sample_candidates` samples under it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from fractions import Fraction

from partita.generation.config import GenerationConfig
from partita.generation.entries import carried, entry_plan
from partita.generation.instruments import (
    StandIns,
    bass_program,
    monophonic_programs,
    stand_in_programs,
)
from partita.generation.mode_keys import key_for_mode
from partita.generation.notation import sampled_meter, single_meter, trained_frame
from partita.generation.request import Request
from partita.generation.rules import Constraints
from partita.generation.rules.constraints import Voicing
from partita.generation.scales import key_scale, style_scale
from partita.tokens import SteerableTokenizer, voice_programs
from partita.tokens.conditions import DENSITY_EDGES, POLYPHONY_EDGES, RHYTHM_EDGES, bin_index

NOTES_PER_ONSET: tuple[tuple[int, int | None], ...] = ((1, 1), (1, 2), (2, 2), (2, 3), (3, 5), (5, None))
"""(at least, at most) notes starting together, per polyphony bin
(:data:`partita.tokens.conditions.POLYPHONY_EDGES`: under 1.25, 1.25-1.75, 1.75-2.5, 2.5-3.5, 3.5-5, over 5
notes sounding together). A heuristic: notes held across onsets add to the measured polyphony, so the bounds
sit at or under each bin."""

CHOOSE_KEY = True
"""Where a new piece asks a mode and no key (a picture's minor, "a sad piano piece"), the plan chooses a key
in that mode (:func:`partita.generation.mode_keys.key_for_mode`, drawn with the seed), so that the model
reads a ``Key_`` token and the rules of an asked key apply; off: the model chooses (its ``Mode_`` token
alone, which partita-small barely follows: docs/PICTURES.md § A key for the mode)."""

CHOSEN_TONIC_WEIGHT = 0.5
"""The tonic pull (:mod:`partita.generation.rules.tonic`, ``GenerationConfig.tonic_weight``) of a piece whose
key the plan chose for its mode (:data:`CHOOSE_KEY`) in :data:`CHOSEN_TONIC_MODES`, where the config sets
none; 0: off. ``bench/bench_mode_key.py`` (docs/PICTURES.md § A key for the mode): with the key alone
partita-small often wrote in its relative major (E minor chosen, G major heard); with the pull minor asks
were heard minor (music21) 10 of 12 pictures against 7 of 12 without a key chosen, 14 of 16 and 10 of 16
mood-word prompts against 8 and 8, at a cost to the melody (steps among melodic intervals 0.29 -> 0.21 for the
pictures, 0.49 -> 0.37 for one prompt set; repeated notes up to +0.05; pitch-class entropy -0.1 to -0.24)."""
CHOSEN_TONIC_MODES = ("minor",)
"""The modes a chosen key gets the tonic pull in: minor only. partita-small leans to major (a major ask was
heard major about as often with the pull as without, 12 of 12 and 14 of 16, and its melodies lost steps)."""

CHOSEN_TONIC_ON_DOWNBEATS = False
"""The chosen key's tonic pull (:data:`CHOSEN_TONIC_WEIGHT`) on the notes that start a bar only
(``GenerationConfig.tonic_on_downbeats``), so that the melody elsewhere keeps all the scale's steps."""

CHOSEN_FINAL_WEIGHT = 0.0
"""The final pull (:mod:`partita.generation.rules.final`: the last bar towards the tonic) of a piece whose key
the plan chose for its mode (:data:`CHOOSE_KEY`), where neither the config nor the style sets one; 0: off."""

MAX_NOTES_PER_ONSET = 12
"""No more notes than this start together, whatever the request: a chord that never closes is a degenerate
loop (partita-small once stacked 370 notes on 7 onsets of a 16-bar reel until its token budget ran out, and
FluidSynth hung on the result)."""

MAX_SOUNDING: tuple[int, ...] = (1, 2, 3, 4, 5, MAX_NOTES_PER_ONSET)
"""At most this many notes sounding at once, per polyphony bin: each bin's upper edge rounded up (the top bin:
:data:`MAX_NOTES_PER_ONSET`). Polyphony is measured with held notes, so the notes starting together alone do
not bound it: a model asked for full chords once held 553 notes over 8 bars (90 sounding at once)."""

MIN_SOUNDING: tuple[float, ...] = (0, 1.25, 2, 3, 4, 5)
"""At least this many notes sounding from each onset to the next, per polyphony bin: the bin's lower edge
rounded up, so that the measured polyphony (a mean over time) lands inside the bin, not under it (with only
the notes starting together bounded, chords whose notes end early measured 1.55 in the 1.75-2.5 bin and 2.66
in 3.5-5). The second bin's edge is kept as a fraction, a floor for the mean (two notes while the piece so far
measures under 1.25, else none: 1.25 rounded up is the bin's upper edge); the lowest has none (a floor of one
would forbid rests)."""


def notes_per_bar_bounds(density: float | None, meter: str | None) -> tuple[int, int | None]:
    """(at least, at most) notes per bar for a requested density (notes per quarter, as the condition token
    bins it).

    The bounds are the edges of the requested bin (:data:`partita.tokens.conditions.DENSITY_EDGES`) times the
    quarters in a bar; at least one note in every bar whatever the density; no upper bound for the top bin.
    """
    return _per_bar_bounds(density, DENSITY_EDGES, meter)


def onsets_per_bar_bounds(rhythm: float | None, meter: str | None) -> tuple[int, int | None]:
    """(at least, at most) onsets (distinct note starts) per bar for a requested rhythmic density (onsets per
    quarter, :data:`partita.tokens.conditions.RHYTHM_EDGES`), as :func:`notes_per_bar_bounds` does for notes.
    """
    return _per_bar_bounds(rhythm, RHYTHM_EDGES, meter)


def _per_bar_bounds(
    value: float | None, edges: tuple[float, ...], meter: str | None
) -> tuple[int, int | None]:
    if value is None:
        return 1, None
    num, _, den = (meter or "4/4").partition("/")
    quarters = int(num) * 4 / int(den) if num.isdigit() and den.isdigit() and int(den) else 4.0
    b = bin_index(value, edges)
    lo = edges[b - 1] if b > 0 else 0.0
    hi = edges[b] if b < len(edges) else None
    at_least = max(1, math.floor(lo * quarters))
    return at_least, (max(at_least, math.ceil(hi * quarters)) if hi is not None else None)


def sounding_bounds(polyphony: float | None) -> tuple[float, int | None]:
    """The (fewest, most) notes sounding at once for a requested polyphony ((0, None): no bound)."""
    if polyphony is None:
        return 0, None
    b = bin_index(polyphony, POLYPHONY_EDGES)
    return MIN_SOUNDING[b], MAX_SOUNDING[b]


def notes_per_onset_bounds(polyphony: float | None) -> tuple[int, int]:
    """The (fewest, most) notes starting together for a requested polyphony (None: only the upper bound)."""
    if polyphony is None:
        return 0, MAX_NOTES_PER_ONSET
    fewest, most = NOTES_PER_ONSET[bin_index(polyphony, POLYPHONY_EDGES)]
    return fewest, MAX_NOTES_PER_ONSET if most is None else min(most, MAX_NOTES_PER_ONSET)


@dataclass
class Plan:
    """What sampling is held to for one request, and how the sampled programs are written back."""

    constraints: Constraints | None
    """None: unconstrained sampling (``GenerationConfig.constrain`` off)."""
    prefix_programs: list[int]
    """The programs the condition prefix names (stand-ins in place of the instruments they stand for)."""
    written: dict[int, int] = field(default_factory=dict)
    """Sampled program -> the program it is written as (a voice of an ensemble, a stand-in)."""
    refit: set[int] = field(default_factory=set)
    """The requested programs that had stand-ins (their tracks are moved into the instrument's range)."""
    notes: list[str] = field(default_factory=list)
    """What the plan changed or could not enforce, for the request's account."""
    tokens_per_bar: int = 64
    """Per bar sampled."""
    bar_multiple: int | Fraction = 1
    """Bars sampled per bar asked for (a meter the vocabulary lacks: 4/2 is sampled as two bars of 4/4, a new
    piece in 3/2 as a bar and a half of 4/4, its chords held for three half bars of it:
    :func:`~partita.generation.notation.trained_frame`)."""
    written_meter: str | None = None
    """The meter the sampled piece is barred in afterwards (:func:`partita.generation.notation.rebar`), where
    it was sampled in another."""
    lead_bars: int = 0
    """Bars sampled before the first bar asked for: 1 for a pickup bar."""

    def sampled_bars(self, bars: int) -> int:
        """The bars sampled for ``bars`` asked for (a pickup bar and a meter the vocabulary lacks counted)."""
        return math.ceil(bars * self.bar_multiple) + self.lead_bars


def plan_request(
    request: Request,
    tokenizer: SteerableTokenizer,
    config: GenerationConfig,
    prior: dict[int, float] | None = None,
    seed: int | None = None,
) -> Plan:
    """The :class:`Plan` for ``request`` under ``config``; ``prior`` is the model's program prior (for
    stand-ins, :func:`partita.generation.instruments.program_prior`; None: every instrument sampled
    literally); ``seed`` draws whether a new piece opens with a pickup (``GenerationConfig.style_pickups``;
    None: it does not)."""
    c = request.conditions
    drawn = _drawn_meter(request, config, tokenizer, seed)
    keyed = _chosen_key(request, config, seed)
    if config.constrain and config.stand_ins and prior is not None:
        stand = stand_in_programs(c.programs, prior)
    else:
        stand = StandIns(sampled=list(c.programs), prefix_programs=list(c.programs))
    if not config.constrain:
        fewest = notes_per_bar_bounds(c.density, c.meter)[0]
        tokens_per_bar = max(config.tokens_per_bar, 4 * fewest + 16)
        return Plan(None, list(stand.prefix_programs), dict(stand.written), tokens_per_bar=tokens_per_bar)
    notes = list(stand.notes) + [n for n in (drawn, keyed) if n]
    meter, multiple = _sampled_meter(request, tokenizer.time_signatures, notes)
    chords, chord_slots = _chords_in_sampled_bars(request, tokenizer.time_signatures, multiple, notes)
    fewest, most = notes_per_bar_bounds(c.density, meter)
    tokens_per_bar = max(config.tokens_per_bar, 4 * fewest + 16)
    # n voices of fewer instruments (a chorale's four parts for one choir) are written with the programs the
    # tokenizer gives such voices (separate_programs), and read back as the instrument they stand for
    programs = stand.sampled
    n_voices = request.n_tracks or 0
    voices = voice_programs(programs, n_voices) if len(programs) < n_voices else {}
    if voices and request.above_voices:  # the style's lower voices: those above are given (a soprano)
        over = voice_programs(programs, n_voices + int(request.above_voices))
        voices = dict(list(over.items())[int(request.above_voices) :])
    styled, kept = voices, _without_tacet(voices, request, config, seed, notes)
    presence = config.presence_weight_for(c.style)
    if len(kept) < len(voices) and config.tacet_presence_weight is not None:
        presence = float(config.tacet_presence_weight)  # the voices left carry the piece: pulled back in
    voices = kept
    # sampled program -> the program it is written as: a voice of its instrument, a stand-in for the one asked
    # for
    written = {q: stand.written.get(v, v) for q, v in voices.items()} or dict(stand.written)
    held = list(voices or programs)
    onsets = onsets_per_bar_bounds(c.rhythm, meter)
    least_sounding, most_sounding = sounding_bounds(c.polyphony)
    if c.polyphony is None and len(held) > 1:
        least_sounding = min(float(config.style_sounding_floor.get(c.style or "", 0.0)), float(len(held)))
    counted = _counted_pickup(request, meter, multiple, notes)
    pickup = counted if request.pickup_in_bars else _pickup(request, config, meter, multiple, seed, notes)
    lead = 1 if pickup and not request.pickup_in_bars else 0
    bars = math.ceil(request.bars * multiple) + lead if request.bars else request.bars
    steps = _kept_steps(config.entries_for(c.style, bool(voices)), list(styled), list(voices))
    entries = _entries(held, request.bars, bars, multiple, steps)
    if any(entries.values()):
        at = ", ".join(str(b // multiple + 1) for b in entries.values())
        notes.append(f"the voices do not all start at once: they enter in bars {at} (the style's entries)")
    constraints = Constraints(
        meter=meter,
        bars=bars,
        programs=held,
        drums=c.drums,
        key=c.key,
        mode=c.mode,
        in_key=config.in_key and c.key is not None,
        chords=chords,
        chord_slots=chord_slots,
        chord_tones_only=config.chord_tones_only,
        bass=bass_program(held, written) if request.chords else None,
        cadence=bool(c.key) and config.cadence,
        tonic_weight=_tonic_weight(request, config),
        tonic_on_downbeats=config.tonic_on_downbeats or _chosen_on_downbeats(request, config),
        tempo=c.tempo_bpm,
        min_notes_per_bar=fewest,
        max_notes_per_bar=most,
        min_onsets_per_bar=onsets[0] if c.rhythm is not None else 0,
        max_onsets_per_bar=onsets[1] if c.rhythm is not None else None,
        notes_per_onset=notes_per_onset_bounds(c.polyphony),
        min_sounding=least_sounding,
        max_sounding=most_sounding or MAX_NOTES_PER_ONSET,
        hold_within_bar=c.polyphony is not None,
        filled_beats=(c.style or "") in config.style_filled_beats,
        voice_order=list(voices) if len(voices) > 1 and (c.style or "") in config.style_voice_order else [],
        voices=list(voices) if len(voices) > 1 else [],
        event_positions=[(int(b), int(p)) for b, p in request.onsets],
        event_weight=float(config.event_weight),
        event_notes=int(config.event_notes) if request.onsets else 0,
        voicing=_voicing(request, config, list(styled), list(voices)),
        enter_all_programs=True,
        entry_bars=entries,
        pickup=pickup,
        paced_onset=int(config.style_paced_onset.get(c.style or "", 0)),
        ambitus=config.style_ambitus.get(c.style or "", 0) if len(held) == 1 and not c.drums else 0,
        shortest=config.style_shortest.get(c.style or "", 0.0) if meter and meter.endswith("/4") else 0.0,
        grammar=True,
        presence_weight=presence,
        repeat_weight=config.repeat_weight_for(c.style),
        loop_penalty=config.loop_penalty_for(c.style),
        step_weight=config.step_weight_for(c.style),
        step_scale=key_scale(c.key, c.mode),
        scale=style_scale(c.style, c.key, c.mode),
        scale_weight=config.scale_weight_for(c.style),
        mode_weight=float(config.mode_weight),
        final_weight=_final_weight(request, config),
        monophonic=_monophonic(
            held, written, c.style, config, voices if request.voicing.above and request.voicing.held else {}
        ),
    )
    return Plan(
        constraints,
        list(stand.prefix_programs),
        written,
        set(stand.written.values()),
        notes,
        tokens_per_bar,
        bar_multiple=multiple,
        written_meter=c.meter if multiple > 1 or (meter and meter != c.meter) else None,
        lead_bars=lead,
    )


def _drawn_meter(
    request: Request, config: GenerationConfig, tokenizer: SteerableTokenizer, seed: int | None
) -> str | None:
    """Set the meter of a new piece whose request names none from its style's (``GenerationConfig.
    style_meters``, drawn with ``seed``), in place: the condition prefix then names it and adherence
    measures it. Returns the note saying so, or None where nothing was drawn."""
    c = request.conditions
    if c.meter or request.given is not None or seed is None or not config.constrain:
        return None
    meter = config.meter_for(c.style, seed)
    if meter is None or meter not in tokenizer.time_signatures:
        return None
    c.meter = meter
    return f"written in {meter}, drawn from the meters real pieces of its style are in (none was asked for)"


def _chosen_key(request: Request, config: GenerationConfig, seed: int | None) -> str | None:
    """Set a key for a new piece that asks a mode and no key (:data:`CHOOSE_KEY`), in place, its tonic drawn
    with ``seed`` from the keys real pieces of its style are in, in that mode
    (:func:`~partita.generation.mode_keys.key_for_mode`): the condition prefix then names it and the rules
    of a key apply, while its adherence still judges the mode only (``Request.key_chosen``). Not where music
    is given (it has its key) or chords are (they were read in a key of their own). Returns the note saying
    so, or None. A request planned again (another seed) draws again."""
    c = request.conditions
    if request.key_chosen:  # chosen for an earlier call: drawn again
        c.key, request.key_chosen = None, False
    if not CHOOSE_KEY or c.key or c.mode not in ("major", "minor") or seed is None or not config.constrain:
        return None
    if request.given is not None or request.chords:
        return None
    tonic = key_for_mode(c.style, c.mode, seed)
    if tonic is None:
        return None
    c.key, request.key_chosen = tonic, True
    kind = f"real {c.style.replace('_', ' ')} pieces" if c.style else "real pieces"
    return f"no key given: chose {tonic} {c.mode} for the {c.mode} mode (drawn from the keys {kind} are in)"


def _tonic_weight(request: Request, config: GenerationConfig) -> float:
    """The tonic pull for ``request``: the config's with a key, or :data:`CHOSEN_TONIC_WEIGHT` for a key the
    plan chose for a mode of :data:`CHOSEN_TONIC_MODES` where the config sets none."""
    if not request.conditions.key:
        return 0.0
    if request.key_chosen and not config.tonic_weight:
        return float(CHOSEN_TONIC_WEIGHT) if request.conditions.mode in CHOSEN_TONIC_MODES else 0.0
    return float(config.tonic_weight)


def _chosen_on_downbeats(request: Request, config: GenerationConfig) -> bool:
    """Whether the tonic pull of a key the plan chose (:func:`_tonic_weight`) acts at the downbeats only."""
    return bool(CHOSEN_TONIC_ON_DOWNBEATS and request.key_chosen and not config.tonic_weight)


def _final_weight(request: Request, config: GenerationConfig) -> float:
    """The final pull for ``request``: the config's or its style's, else :data:`CHOSEN_FINAL_WEIGHT` for a
    key the plan chose for the mode."""
    weight = config.final_weight_for(request.conditions.style)
    if request.key_chosen and config.final_weight is None and not weight:
        return float(CHOSEN_FINAL_WEIGHT)
    return weight


def _monophonic(
    held: list[int],
    written: dict[int, int],
    style: str | None,
    config: GenerationConfig,
    sung: dict[int, int] | None = None,
) -> list[int]:
    """The programs that start one note at a time: by instrument, the one instrument of a piece in a style
    whose tunes are one line (``GenerationConfig.style_single_line``), or the voices ``sung`` under a given
    one (a chorale's alto, tenor and bass under its soprano: each sings one note at a time; sampled as
    program 48, 25 of the bass's 81 notes overlapped the one before under BWV 269's soprano)."""
    pitched = [q for q in held if q >= 0]
    if len(pitched) == 1 and (style or "") in config.style_single_line:
        return pitched
    own = monophonic_programs(held, written)
    return own + [q for q in pitched if q in (sung or {}) and q not in own]


def _counted_pickup(request: Request, meter: str | None, multiple: int | Fraction, notes: list[str]) -> int:
    """The beats of a pickup the bars asked for already hold (``Request.pickup_in_bars``: a melody's bar
    padded before its upbeat, whose chords and onsets count from it), sampled there as the plan's own pickup
    (its first notes on the upbeat, the bar's lower bounds its share): 0 where none is asked, the meter is
    sampled as bars of another, or the upbeat is more than half a bar (it is a bar of its own then)."""
    asked = int(request.pickup or 0)
    if not request.pickup_in_bars or not asked or not meter or multiple != 1:
        return 0
    if 2 * asked > int(meter.split("/")[0]):
        notes.append(f"the melody's upbeat of {asked} beats is more than half a bar: the parts fill its bar")
        return 0
    notes.append(f"the parts enter with the melody's upbeat ({asked} beat{'s' if asked != 1 else ''})")
    return asked


def _pickup(
    request: Request,
    config: GenerationConfig,
    meter: str | None,
    multiple: int,
    seed: int | None,
    notes: list[str],
) -> int:
    """The beats of the pickup a new piece opens with (0: none): the request's own (``Request.pickup``,
    "with an upbeat") or else drawn with ``seed`` from its style's pickups, for a new piece of whole bars in
    a meter the vocabulary has (without one asked for, a pickup of one beat at most: the model's meter is not
    known yet), sampled without a phrase form (whose returns count bars from the first) and with pickups on;
    what was done, or why an asked pickup was not, is added to ``notes``."""
    c = request.conditions
    in_bar = int(meter.split("/")[0]) if meter else 2
    asked = request.pickup
    blocked = _pickup_blocked(request, config, multiple)
    if asked:
        if blocked:
            notes.append(f"no pickup: {blocked}")
            return 0
        if 2 * asked > in_bar:
            fits, where = in_bar // 2, meter or "the meter the model writes"
            notes.append(
                f"a pickup of {asked} beats is more than half a bar of {where} (it would be a bar of its "
                f"own): {fits or 'none'} instead"
            )
            asked = fits
        return asked
    if asked == 0 or seed is None or blocked:
        return 0
    beats = config.pickup_beats(c.style, in_bar, seed)
    if not beats:
        return 0
    unit = "beat" if beats == 1 else "beats"
    notes.append(f"it opens with a pickup of {beats} {unit} (as real pieces of the style often do)")
    return beats


def _kept_steps(steps: list[float], styled: list[int], kept: list[int]) -> list[float]:
    """The style's entries (one a voice of ``styled``, in its order, carried on as
    :func:`~partita.generation.entries.entry_plan` carries them) for the voices ``kept`` after the tacet
    ones left: pop's melody entering late stays the melody's, not the next voice's."""
    if not steps or len(kept) == len(styled):
        return steps
    at = carried(steps, len(styled))
    return [at[i] for i, q in enumerate(styled) if q in kept]


def _voicing(request: Request, config: GenerationConfig, styled: list[int], kept: list[int]) -> Voicing:
    """The request's voicing, with its style's registers for the voices kept (``GenerationConfig.
    style_voice_ranges``, listed as ``styled``) where the request names none."""
    voicing = copy.deepcopy(request.voicing)
    table = config.style_voice_ranges.get(request.conditions.style or "", [])
    if table and request.given is None and not voicing.ranges and len(kept) > 1 and set(kept) <= set(styled):
        at = [styled.index(q) for q in kept]
        voicing.ranges = [(int(table[i][0]), int(table[i][1])) if i < len(table) else (0, 0) for i in at]
    return voicing


def _without_tacet(
    voices: dict[int, int], request: Request, config: GenerationConfig, seed: int | None, notes: list[str]
) -> dict[int, int]:
    """``voices`` less those silent throughout this piece (``GenerationConfig.style_tacet``, drawn with
    ``seed``): for a new piece whose voices its style implies, not a track count the prompt asked for."""
    asked = any(u.field == "tracks" for u in request.understood) or request.given is not None
    if not voices or seed is None or asked or not config.style_tacet:
        return voices
    tacet = config.tacet_voices(request.conditions.style, len(voices), seed)
    if not tacet:
        return voices
    kept = {q: v for i, (q, v) in enumerate(voices.items()) if i not in tacet}
    which = ", ".join(str(i + 1) for i in sorted(tacet))
    notes.append(
        f"voice {which} of the style's {len(voices)} rests throughout, as in real pieces of the style often "
        "(an intro: the tune in another voice)"
    )
    return kept


def _pickup_blocked(request: Request, config: GenerationConfig, multiple: int) -> str | None:
    """Why this request cannot open with a pickup bar, or None."""
    if request.given is not None:
        return "the piece starts from given music"
    if not request.bars:
        return "no bar count asked for"
    if request.chords:
        return "the chords are given one a bar from the first bar"
    if multiple != 1:
        return "the meter is sampled as bars of another (the vocabulary lacks it)"
    if config.form or not config.pickups:
        return "the piece follows a phrase form, whose sections count bars from the first"
    return None


def _entries(
    held: list[int], asked: int | None, bars: int | None, multiple: int | Fraction, steps: list[float]
) -> dict[int, int]:
    """The sampled bar each of ``held`` enters at (:func:`partita.generation.entries.entry_plan` over the
    ``bars`` sampled). In a meter sampled as bars of another (4/2, 3/2) the entries are placed in the
    piece's ``asked`` bars first and then moved to the sampled bar that starts there (or next): placed in
    the sampled bars, a four-voice motet of 4 bars of 4/2 had its second voice enter in the middle of bar 1
    (sampled bar 2 of 8), and its imitation put the voices' strong notes on the bar's third beat, not its
    first (``python scripts/meter-beats.py --meters 4/2 --tasks generate``)."""
    if multiple == 1 or not asked:
        return entry_plan(held, bars, [_in_sampled_bars(e, multiple) for e in steps])
    placed = entry_plan(held, asked, steps)
    return {p: int(_in_sampled_bars(b, multiple)) for p, b in placed.items()}


def _in_sampled_bars(bar: float, multiple: int | Fraction) -> float:
    """A bar of the piece (an entry: 0-based, may be fractional) in the bars sampled; in bars that straddle
    the piece's (3/2 in 4/4) the first sampled bar that starts in it."""
    return bar * multiple if isinstance(multiple, int) else math.ceil(bar * multiple)


def _chords_in_sampled_bars(
    request: Request, known: list[str], multiple: int | Fraction, notes: list[str]
) -> tuple[list[str], int]:
    """The request's chords (one a bar of the piece) as the chord rules count them in the bars sampled, and
    how many a sampled bar holds (:attr:`~partita.generation.rules.constraints.Constraints.chord_slots`):
    each held for ``multiple`` whole bars (4/2: two of 4/4), or, in bars that straddle the piece's (3/2 read
    in 4/4 as in training, :func:`partita.generation.notation.trained_frame`, a new piece's or a given
    one's), for as many parts of a sampled bar as make one of the piece's (3/2: three half bars of 4/4, so
    every other chord changes in mid-bar); what was done is added to ``notes``."""
    frame = Fraction(multiple)
    meter = request.conditions.meter
    given = request.given
    if request.chords and given is not None and given.read_in is None and single_meter(given.score) == meter:
        trained = trained_frame(meter, known) if meter else None
        frame = trained[1] if trained is not None else frame
    if not request.chords or frame.denominator == 1:
        return [chord for chord in request.chords for _ in range(int(frame))], 1
    parts = f"{frame.numerator} {'half bars' if frame.denominator == 2 else f'1/{frame.denominator} bars'}"
    notes.append(
        f"meter {meter} is read in 4/4 as the model read it: each chord is held for {parts} of 4/4 "
        "(every other one changes in mid-bar)"
    )
    return [chord for chord in request.chords for _ in range(frame.numerator)], frame.denominator


def _sampled_meter(request: Request, known: list[str], notes: list[str]) -> tuple[str | None, int | Fraction]:
    """The meter ``request`` is sampled in and how many of its bars make one bar asked for (a meter the
    vocabulary lacks, :func:`partita.generation.notation.sampled_meter`; only for a new piece, whose bars are
    all sampled); what was done is added to ``notes``."""
    meter = request.conditions.meter
    if not meter or not known or meter in known:
        return meter, 1
    fit = sampled_meter(meter, known) if request.given is None else None
    trained = trained_frame(meter, known) if request.given is None else None
    if trained is not None:  # 3/2 as the model read it: its beats on 4/4's half notes, not 6/4's
        notes.append(
            f"meter {meter} is sampled in 4/4 as the model read it ({trained[1]} bars of 4/4 a bar), "
            f"then barred in {meter}"
        )
        return trained
    if fit is None:  # enforcing it would leave no token to sample
        notes.append(f"meter {meter} is not in this model's vocabulary ({', '.join(known)}): not enforced")
        return None, 1
    sampled, multiple = fit
    bars = "a bar" if multiple == 1 else f"{multiple} bars"
    notes.append(
        f"meter {meter} is sampled as {bars} of {sampled} (as the model read it), then barred in {meter}"
    )
    return sampled, multiple
