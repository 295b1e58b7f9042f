"""Track infill: the named tracks of a piece written anew, every other track kept exactly as written.

``partita infill piece.mid --tracks bass [--bars 9-12]`` (:meth:`partita.Generator.refill_tracks`):

1. the tracks to write anew are chosen by name (a track's own name, "Bass" in a chorale; or an instrument word
   of the prompt lexicon, "piano", "violin", matching the tracks that play it) or by number, 1 first
   (:func:`select_tracks`); a name that matches nothing, a drum track, or a choice that would keep no
   pitched track is one clear sentence;
2. the harmony is read from the KEPT tracks, one chord a bar (:func:`kept_chords`): a texture that states
   its chords (two or more notes sounding on average) through partita's chord recogniser
   (:func:`partita.analysis.chords.estimate_chords`), a thinner one (a melody and a bass line) harmonised
   like a melody to accompany (:func:`partita.generation.accompany.harmonized_chords`);
3. the tracks are sampled as the model reads them inside the piece (the programs the tokenizer gives them
   there: a chorale's bass is its fourth voice, program 48; POP909's piano its third piano, 2), in the
   piece's key, meter and tempo, with the tracks' own texture (notes and onsets per beat, voices, mean pitch)
   and under the chord rules with chord tones only (the accompaniment's settings);
4. each candidate is the kept tracks as written with the sampled notes over the bars asked for, the rest of
   the named tracks as written (:func:`with_tracks`; a sampled part is moved by whole octaves to its
   track's own register), ranked by how well the new notes agree with the kept tracks' chords
   (:func:`new_and_kept`, measured by :func:`partita.evaluation.accompaniment.chord_tone_agreement`) and by
   the Selector; the model's NLL of the whole merged piece over those bars
   (:func:`piece_nll`: the model hears the kept tracks when it ranks, not when it samples) is measured for
   each and counts with ``nll_weight`` (off by default: :data:`NLL_WEIGHT`).

:func:`block_fill` is the rule baseline: each bar's chord held, one tone for a one-voice track, all tones
for a chordal one, in the track's register.

A piece in a meter the model's vocabulary lacks (4/2, 3/2, 2/2, 9/8: :mod:`partita.generation.notation`)
has its tracks sampled as the model reads such a piece, in bars of a meter it has that fill one of the
piece's (4/2: two bars of 4/4), with the chords, the given bars and the bars after them in those bars
(:func:`in_vocabulary`; 3/2 in 4/4 as the model read it in training, a bar and a half of it a bar); the new
notes go back into the piece's own bars, which stay as written.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from symusic import Note

from partita.analysis.chords import chords_per_bar, estimate_chords, merge_labels
from partita.analysis.features import mean_polyphony
from partita.analysis.timeline import note_arrays
from partita.generation.accompany import ACCOMPANIMENT_SETTINGS, harmonized_chords
from partita.generation.given import given_piece, in_model_bars
from partita.generation.harmony import chord_pitch_classes, root_pitch_class
from partita.generation.lexicon import INSTRUMENT_WORDS, NON_GM_INSTRUMENTS
from partita.generation.notation import rebar, sampling_frame, single_meter, trained_frame
from partita.generation.request import Request
from partita.models import MusicLM
from partita.score import Score
from partita.score.bars import bar_lines, notated_bars
from partita.score.errors import ScoreError
from partita.score.general_midi import gm_program_names, gm_program_of
from partita.tokens import SteerableTokenizer, distinct_programs
from partita.tokens.dataset import piece_conditions

MAX_PIECE_BARS = 256
"""The most bars of a piece whose tracks partita refills at once."""
TEXTURE_CHORDS = 2.0
"""Kept tracks sounding at least this many notes together on average state their chords: the recogniser
reads them; thinner ones are harmonised like a melody."""
NLL_WEIGHT = 0.0
"""How much the model's NLL of the merged piece (nats per token) counts against the chord-tone agreement
(a share, 0-1) when ranking. Off by default: in ``bench/bench_tracks.py`` (24 held-out POP909 songs and 24
chorales over two runs) weight 1 lowered the NLL it ranks by (about 0.2 nats per token) and cost 0.05-0.08
of chord-tone agreement; of the measures it does not rank by, the pitch-range overlap with the real track
rose a little in all 4 comparisons, the mean-pitch gap and the notes-per-bar error grew in 3 of 4 each.
``refill_tracks(..., nll_weight=1)`` turns it on."""
TRACK_SETTINGS = {**ACCOMPANIMENT_SETTINGS, "stand_ins": False}
"""Generation settings of the refilled tracks unless the caller overrides them: the accompaniment's (chord
tones only), and every track sampled as itself (the piece shows the model its instruments)."""


@dataclass
class TrackRefill:
    """What :func:`tracks_request` builds: the request for the tracks to write anew, the piece as written,
    which tracks and bars are new, and the chords they are sampled over."""

    request: Request
    score: Score
    tracks: list[int]
    """The 0-based indices (into ``score.tracks``) of the tracks written anew."""
    first: int
    last: int
    """The bars written anew, 1-based and inclusive."""
    total_bars: int
    chords: list[str]
    chords_from: str
    """"given", "recognised" (the kept texture's chords) or "harmonised" (chosen for the kept lines)."""
    sampled_programs: list[int]
    """The program each new track is sampled as (its place in the piece as the tokenizer reads it)."""
    source: str = ""
    context: bool = False
    """Whether the new bars are sampled after the named tracks' own bars before them (and chosen by how well
    their bars after fit: the bar infill's machinery, :mod:`partita.generation.infill`)."""
    sampled_in: tuple[str, int] | None = None
    """For a piece in a meter the vocabulary lacks, once :func:`in_vocabulary` has framed the request: the
    meter the tracks are sampled in and how many of its bars make one of the piece's (None: its own)."""

    @property
    def kept(self) -> Score:
        """The kept tracks alone (on the piece's ticks, tempo and meter)."""
        out = self.score.copy()
        out.tracks = [t.copy() for i, t in enumerate(self.score.tracks) if i not in self.tracks]
        return out

    @property
    def named(self) -> Score:
        """The tracks written anew, as the piece has them."""
        out = self.score.copy()
        out.tracks = [self.score.tracks[i].copy() for i in self.tracks]
        return out

    def describe(self) -> str:
        names = ", ".join(_track_label(self.score, i) for i in self.tracks)
        where = (
            "the whole piece"
            if (self.first, self.last) == (1, self.total_bars)
            else (f"bars {self.first}-{self.last}")
        )
        heard = f", sampled on from their bars 1-{self.first - 1}" if self.context else ""
        return f"{names} written anew over {where}{heard}; chords {self.chords_from}: {' '.join(self.chords)}"


def _track_label(score: Score, i: int) -> str:
    track = score.tracks[i]
    name = track.name.strip() or ("Drums" if track.is_drum else gm_program_names()[int(track.program)])
    return f"track {i + 1} ({name})"


def _instrument_programs(word: str) -> list[int] | None:
    """The programs an instrument word names (the prompt lexicon's, or a General MIDI name), or None."""
    key = word.strip().lower()
    if key in INSTRUMENT_WORDS:
        value = INSTRUMENT_WORDS[key]
        return None if isinstance(value, str) else [int(value)]
    if key in NON_GM_INSTRUMENTS:
        return [NON_GM_INSTRUMENTS[key][0]]
    program = gm_program_of(key)
    return None if program is None else [program]


def select_tracks(score: Score, tracks: str | Sequence[str | int], source: str = "") -> list[int]:
    """The 0-based indices of the tracks ``tracks`` names ("bass,piano", "2,3", ["Alto", 4]): a number is a
    track (1 first), a name a track of that name, else the tracks playing that instrument (its program, else
    its General MIDI family). A clear :class:`ScoreError` for a name that matches no track, a drum track, or
    a choice that would keep no pitched track."""
    name = source or "the piece"
    items = [s.strip() for s in tracks.split(",")] if isinstance(tracks, str) else list(tracks)
    items = [s for s in items if str(s).strip()]
    if not items:
        raise ValueError("--tracks: name the tracks to write anew, e.g. --tracks bass or --tracks 2,3")
    chosen: list[int] = []
    for item in items:
        found = _matching(score, str(item).strip())
        if not found:
            listed = ", ".join(_track_label(score, i) for i in range(len(score.tracks))) or "none"
            raise ScoreError(f"no track matches {str(item)!r}: its tracks are {listed}", "no-track", name)
        chosen += [i for i in found if i not in chosen]
    for i in chosen:
        if score.tracks[i].is_drum:
            raise ScoreError(
                f"{_track_label(score, i)} is drums: partita writes pitched tracks anew", "drums", name
            )
    kept = [i for i, t in enumerate(score.tracks) if i not in chosen and not t.is_drum and len(t.notes)]
    if not kept:
        raise ScoreError(
            "writing " + ", ".join(_track_label(score, i) for i in chosen) + " anew would keep no pitched "
            "track with notes: there would be nothing to fit the new parts to (use partita generate)",
            "no-kept-track",
            name,
        )
    return sorted(chosen)


def _matching(score: Score, item: str) -> list[int]:
    """The tracks one item of ``--tracks`` names (see :func:`select_tracks`)."""
    if re.fullmatch(r"\d+", item):
        k = int(item) - 1
        return [k] if 0 <= k < len(score.tracks) else []
    word = item.lower()
    by_name = [i for i, t in enumerate(score.tracks) if t.name.strip().lower() == word]
    if by_name:
        return by_name
    programs = _instrument_programs(word)
    if word in ("drums", "drum kit", "percussion"):
        return [i for i, t in enumerate(score.tracks) if t.is_drum]
    if programs is None:
        return []
    pitched = [(i, int(t.program)) for i, t in enumerate(score.tracks) if not t.is_drum]
    exact = [i for i, p in pitched if p in programs]
    return exact or [i for i, p in pitched if p // 8 in {q // 8 for q in programs}]


def kept_chords(
    kept: Score, bars: int, key: str, mode: str | None, method: str = "auto"
) -> tuple[list[str], str]:
    """One chord a bar over ``bars`` bars for the kept tracks, and how it was found: "recognised" (a texture
    that sounds at least :data:`TEXTURE_CHORDS` notes together: partita's chord recogniser, the chord
    sounding longest in each bar) or "harmonised" (thinner: the key's chords that fit its notes best). A
    silent bar holds the chord before it. ``method`` "recognise" or "harmonise" forces one."""
    if method not in ("auto", "recognise", "harmonise"):
        raise ValueError(f"method {method!r}: use 'auto', 'recognise' or 'harmonise'")
    notes = note_arrays(kept)
    notes = notes.select(~notes.drum)
    if not len(notes):
        return [], "harmonised"
    lines = np.asarray(bar_lines(kept, bars))
    texture = mean_polyphony(notes.start, notes.end) or 1.0
    if method == "harmonise" or (method == "auto" and texture < TEXTURE_CHORDS):
        return harmonized_chords(kept, bars, key, mode), "harmonised"
    beat = int(kept.ticks_per_quarter) or 480
    beats = np.arange(0, int(lines[-1]) + beat, beat)
    labels = chords_per_bar(merge_labels(estimate_chords(notes, beats), beats), lines)
    filled, last = [], None
    for label in labels:
        last = label if label != "N" else last
        filled.append(last)
    first = next((x for x in filled if x is not None), f"{key}:{'min' if mode == 'minor' else 'maj'}")
    return [x or first for x in filled], "recognised"


def tracks_request(
    score: Score,
    tracks: str | Sequence[str | int],
    bars: tuple[int, int] | None = None,
    prompt: str = "",
    source: str = "",
    context: bool = True,
    **options,
) -> TrackRefill:
    """The request to write the tracks ``tracks`` names (:func:`select_tracks`) anew over bars ``bars``
    (first, last; None: the whole piece): the piece's key, meter and tempo and the tracks' own texture unless
    ``prompt`` (or ``options``, as for :func:`partita.generation.prompt.project_prompt`) says otherwise, the
    kept tracks' chords (or ``chords=``). With ``context`` and bars before the ones asked for, the named
    tracks' own bars before them are given (sampled on from, as a continuation) and their bars after them
    choose among twice the candidates (as the bar infill does); else the tracks are sampled from bar 1 to the
    last one asked for and only the bars asked for are kept."""
    from partita.generation.prompt import project_prompt

    name = source or "the piece"
    if not any(len(t.notes) for t in score.tracks):
        raise ScoreError("it has no notes: there are no tracks to keep", "no-notes", name)
    if not any(len(t.notes) for t in score.tracks if not t.is_drum):
        raise ScoreError("it has only drums: partita writes pitched tracks anew", "drums-only", name)
    total = notated_bars(score)
    if total > MAX_PIECE_BARS:
        raise ScoreError(f"it has {total} bars: partita refills at most {MAX_PIECE_BARS}", "too-long", name)
    first, last = bars if bars is not None else (1, total)
    if not 1 <= first <= last:
        raise ValueError(f"bars {first}-{last}: the bars run from bar 1 up, first to last, e.g. 9-12")
    if last > total:
        raise ScoreError(f"bars {first}-{last} are outside it: it has {total} bars", "bars-outside", name)
    chosen = select_tracks(score, tracks, source)
    options.pop("bars", None)
    words = {k: v for k, v in options.items() if k != "instruments"}
    request = project_prompt(prompt, **words)
    refill = TrackRefill(request, score, chosen, first, last, total, [], "", [], source)
    _conditions(refill, options)
    _chords(refill)
    if context:
        _context(refill)
    request.notes[:] = [
        n for n in request.notes if not n.startswith("empty prompt") and "usual length" not in n
    ]
    request.notes.append(f"{name}: {refill.describe()}; every other track kept as written")
    return refill


def _conditions(refill: TrackRefill, options: dict) -> None:
    """The request's conditions: the piece's key, meter and tempo and the named tracks' texture where the
    words and options say nothing; the named tracks' programs as the tokenizer reads them in the piece."""
    request, score = refill.request, refill.score
    asked, whole, own = request.conditions, piece_conditions(score), piece_conditions(refill.named)
    said = {u.field for u in request.understood} | {k for k, v in options.items() if v is not None}
    for fld, word in (("key", "key"), ("meter", "meter"), ("tempo_bpm", "tempo")):
        if word not in said and getattr(whole, fld) is not None:
            setattr(asked, fld, getattr(whole, fld))
            if fld == "key":
                asked.mode = whole.mode
            request.notes[:] = [n for n in request.notes if not n.startswith((f"{word} ", "no mode given"))]
    if asked.mode is None:
        asked.mode = whole.mode
    for fld in ("density", "polyphony", "rhythm", "mean_pitch"):
        if fld.split("_")[0] not in request.faders and getattr(own, fld) is not None:
            setattr(asked, fld, getattr(own, fld))
    if asked.programs or asked.drums or options.get("instruments"):
        request.notes.append(
            "the tracks written anew keep their own instruments: instruments asked for ignored"
        )
    pitched = [i for i, t in enumerate(score.tracks) if not t.is_drum and len(t.notes)]
    roles = dict(
        zip(pitched, distinct_programs([int(score.tracks[i].program) for i in pitched]), strict=True)
    )
    refill.sampled_programs = [roles.get(i, int(score.tracks[i].program)) for i in refill.tracks]
    asked.programs, asked.drums = list(dict.fromkeys(refill.sampled_programs)), False
    asked.bars = refill.last
    asked.style = asked.style or whole.style


def _chords(refill: TrackRefill) -> None:
    """The chords the new tracks are sampled over: those given (in the prompt or ``chords=``), else the kept
    tracks' (:func:`kept_chords`), one a bar over the whole piece; the request gets bars 1 to ``last``."""
    request, c = refill.request, refill.request.conditions
    if request.chords:
        refill.chords, refill.chords_from = list(request.chords), "given"
    else:
        refill.chords, refill.chords_from = kept_chords(refill.kept, refill.total_bars, c.key or "C", c.mode)
    request.chords = [refill.chords[b % len(refill.chords)] for b in range(refill.last)]


def _context(refill: TrackRefill) -> None:
    """Give the request the named tracks' own bars before the bars asked for (and after them, as an infill's
    bars after the gap), each track under the program it is sampled as; nothing where the bars start at bar 1
    or a named track is silent before them."""
    if refill.first == 1:
        return
    lines = bar_lines(refill.score, refill.total_bars)
    named = refill.named
    for track, program in zip(named.tracks, refill.sampled_programs, strict=True):
        track.program = program
    before = named.clip(0, lines[refill.first - 1], clip_end=True)
    if any(not len(t.notes) for t in before.tracks):
        refill.request.notes.append("a track written anew is silent before the bars asked for: no context")
        return
    given = given_piece(before, refill.source)
    given.bars = refill.first - 1
    if refill.last < refill.total_bars:
        after = named.clip(lines[refill.last], lines[-1] + 1, clip_end=False)
        given.after, given.after_bars = after.shift_time(-lines[refill.last]), refill.total_bars - refill.last
    refill.request.given, refill.context = given, True
    refill.request.conditions.bars = refill.last + given.after_bars
    refill.request.chords = [refill.chords[b % len(refill.chords)] for b in range(refill.total_bars)]


def in_vocabulary(refill: TrackRefill, meters: Sequence[str]) -> TrackRefill:
    """``refill`` to be sampled by a model whose vocabulary writes ``meters`` (its tokenizer's time
    signatures): as it is for a piece in one of them, else (a piece in one meter it lacks, such as 4/2) a copy
    whose request is in bars of a meter it has that fill one of the piece's
    (:func:`partita.generation.notation.sampling_frame`: 4/2 as two bars of 4/4, 3/2 as one of 6/4), each
    chord held for those bars (:func:`partita.generation.given.in_model_bars`, as for a continuation, a bar
    infill or an accompaniment), the given bars and the bars after them barred the same way, so that the
    chord rules and the bar count read the model's bars (:func:`with_tracks` puts the notes back). A piece in
    3/2 is left as it is (:func:`partita.generation.notation.trained_frame`): refilled from its first bar,
    the plan samples it in 4/4 as the model read 3/2 in training, as an accompaniment (in 6/4 the refilled
    lower voices of held-out Palestrina put 0.35 of their onsets on the half-note beats, now 0.79, real 0.94:
    ``python scripts/meter-beats.py --meters 3/2 --tasks refill --pieces 3``); with bars before the range,
    the tracks' own bars are read in 4/4 as a continuation's (:func:`partita.generation.given.read_given`)
    and the plan holds each chord for three half bars of it. Read in 6/4 those bars put the new ones on
    6/4's dotted halves: 12 held-out pieces, bars 4-6 refilled, onsets on the half-note beats 0.56 -> 0.82
    (real 0.90), struck downbeats 0.49 -> 0.96 (1.00), ``python scripts/meter-beats.py --meters 3/2 --tasks
    refill --refill-bars 4-6 --pieces 12``."""
    meter = single_meter(refill.score)
    frame = sampling_frame(refill.score, tuple(meters))
    if refill.sampled_in is not None or frame is None or refill.request.conditions.meter != meter:
        return refill
    if trained_frame(meter, tuple(meters)) is not None:
        return refill  # 3/2: read and sampled in 4/4 as the model read it (the plan; a given's read_given)
    sampled, k = frame
    request = in_model_bars(refill.request, meters, frame)  # each chord held for k bars
    request = copy.deepcopy(request) if request is refill.request else request
    c = request.conditions
    c.meter, c.bars = sampled, (c.bars or refill.last) * k
    given = request.given
    if given is not None:
        given.score, given.bars = rebar(given.score.copy(), sampled), given.bars * k
        if given.after is not None:
            given.after, given.after_bars = rebar(given.after.copy(), sampled), given.after_bars * k
    bars = "a bar" if k == 1 else f"{k} bars"
    request.notes.append(
        f"meter {meter} is not in this model's vocabulary: the tracks are sampled in {bars} of {sampled} for "
        f"each bar of it (as the model reads such a piece) and written back into its bars of {meter}"
    )
    return replace(refill, request=request, sampled_in=frame)


def with_tracks(refill: TrackRefill, sampled: Score) -> tuple[Score, list[str]]:
    """The piece as written with the notes of ``sampled`` (a piece of the new tracks, bar 1 at tick 0) that
    start in the bars asked for put into the tracks they were sampled as, bar by bar (a note starting in
    sampled bar k lands in bar k of the piece at the same offset, cut at that bar's end), each moved by
    whole octaves to its track's own register; outside those bars the tracks stay as written. The bars are
    the ones sampled (:attr:`TrackRefill.sampled_in`: for a piece in 4/2, sampled bars 2k-1 and 2k of 4/4
    land in its bar k). Returns the piece and what was done, for the candidate's remarks."""
    out = refill.score.copy()
    first, last, lines = _sampled_bars(refill)
    a, b = lines[first], lines[last]
    own = bar_lines(sampled, last)
    scale = int(out.ticks_per_quarter) / max(1, int(sampled.ticks_per_quarter))
    by_program = {int(t.program): t for t in sampled.tracks if not t.is_drum and len(t.notes)}
    below = note_arrays(refill.kept)
    below = below.select(~below.drum)
    remarks = []
    for index, program in zip(refill.tracks, refill.sampled_programs, strict=True):
        track = out.tracks[index]
        kept = [n for n in track.notes if n.time < a or n.time >= b]
        for n in kept:
            if n.time < a and n.time + n.duration > a:
                n.duration = a - n.time
        new = []
        source = by_program.get(program)
        for n in source.notes if source is not None else []:
            k = int(np.searchsorted(own, n.time, side="right")) - 1
            if not first <= k < last:
                continue
            start = lines[k] + round((n.time - own[k]) * scale)
            end = min(lines[k + 1], start + max(1, round(n.duration * scale)))
            if start < lines[k + 1]:
                new.append(Note(start, max(1, end - start), int(n.pitch), int(n.velocity)))
        moved = _to_register(new, [n.pitch for n in refill.score.tracks[index].notes])
        under = _under_kept(new, refill, index, below)
        track.notes.clear()
        track.notes.extend(sorted([*kept, *new], key=lambda n: (n.time, n.pitch)))
        label = _track_label(out, index)
        if not new:
            remarks.append(f"{label}: the model wrote no notes in these bars")
        elif moved:
            remarks.append(f"{label}: moved {moved:+d} octave(s) to its own register")
        if under:
            remarks.append(f"{label}: {under} note(s) an octave down, under the kept parts (a bass line)")
    return out, remarks


def _sampled_bars(refill: TrackRefill) -> tuple[int, int, list[int]]:
    """The bars written anew as sampled (0-based first, end) and the piece's bar lines in the sampled bars
    (:attr:`TrackRefill.sampled_in`; the piece's own bars where it is sampled in its own meter)."""
    if refill.sampled_in is None:
        return refill.first - 1, refill.last, bar_lines(refill.score, refill.total_bars)
    meter, k = refill.sampled_in
    lines = bar_lines(rebar(refill.score.copy(), meter), refill.total_bars * k)
    return (refill.first - 1) * k, refill.last * k, lines


def _under_kept(notes: list[Note], refill: TrackRefill, index: int, below) -> int:
    """For a bass line (a named track of one voice whose written notes lie under every kept track's on
    average), move each of ``notes`` that would sound above the lowest kept note sounding at its onset down
    by octaves (in place), no lower than an octave under the track's lowest written note (nor E1); the model
    does not hear the kept parts and its bass wanders up into the tenor. Returns the notes moved."""
    own = [n.pitch for n in refill.score.tracks[index].notes]
    if not notes or not own or not len(below.start) or _voices(refill.score.tracks[index].notes) >= 1.5:
        return 0
    means = [
        float(np.mean([n.pitch for n in t.notes]))
        for i, t in enumerate(refill.score.tracks)
        if i not in refill.tracks and not t.is_drum and len(t.notes)
    ]
    if not means or float(np.mean(own)) >= min(means):
        return 0
    floor, moved = max(28, min(own) - 12), 0
    for n in notes:
        sounding = below.pitch[(below.start <= n.time) & (below.end > n.time)]
        if not len(sounding):
            continue
        shift = 0
        while n.pitch + shift > int(sounding.min()) and n.pitch + shift - 12 >= floor:
            shift -= 12
        if shift:
            n.pitch += shift
            moved += 1
    return moved


def _to_register(notes: list[Note], pitches: list[int]) -> int:
    """Move ``notes`` (in place) by the whole octaves that bring their mean pitch nearest the mean of
    ``pitches`` (the track as written), staying inside MIDI 0-127; the octaves moved."""
    if not notes or not pitches:
        return 0
    gap = float(np.mean(pitches)) - float(np.mean([n.pitch for n in notes]))
    octaves = int(round(gap / 12))
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    octaves = max(-(low // 12), min((127 - high) // 12, octaves))
    for n in notes:
        n.pitch += 12 * octaves
    return octaves


def new_notes(refill: TrackRefill, piece: Score) -> Score:
    """The named tracks of ``piece`` (a candidate) over the bars written anew, alone."""
    lines = bar_lines(piece, refill.total_bars)
    out = piece.clip(lines[refill.first - 1], lines[refill.last], clip_end=False)
    out.tracks = [out.tracks[i] for i in refill.tracks]
    return out


def new_and_kept(refill: TrackRefill, piece: Score) -> tuple[Score, Score]:
    """``piece`` (a candidate) over the bars written anew as (its named tracks, its kept tracks): what
    :func:`partita.evaluation.accompaniment.chord_tone_agreement` compares, the new notes' on-beat pitches
    against the chord the kept tracks play there (the issue's chord-tone agreement)."""
    lines = bar_lines(piece, refill.total_bars)
    kept = piece.clip(lines[refill.first - 1], lines[refill.last], clip_end=False)
    kept.tracks = [t for i, t in enumerate(kept.tracks) if i not in refill.tracks]
    return new_notes(refill, piece), kept


@torch.no_grad()
def piece_nll(
    model: MusicLM, tokenizer: SteerableTokenizer, piece: Score, first: int = 1, last: int | None = None
) -> float:
    """Nats per token the model gives the music of bars ``first``-``last`` of ``piece`` (all its tracks),
    reading everything before them after the piece's own condition prefix (its key, meter, tempo,
    instruments and texture: :func:`partita.tokens.dataset.piece_conditions`). A piece longer than the
    model's context is scored half a context at a time, each half with the half before it in view. A piece
    in a meter the vocabulary lacks is read in bars of one it has, as it is sampled (:func:`in_vocabulary`:
    bars 2-3 of a piece in 4/2 are bars 3-6 of 4/4; one in 3/2 as the tokenizer reads it, in 4/4, over the
    bars of 4/4 that hold the bars asked for: bars 2-3 of 3/2 are in bars 2-5 of 4/4)."""
    meter = single_meter(piece)
    trained = trained_frame(meter, tokenizer.time_signatures) if meter else None
    frame = sampling_frame(piece, tokenizer.time_signatures) if trained is None else None
    if frame is not None:
        piece, k = rebar(piece.copy(), frame[0]), frame[1]
        first, last = (first - 1) * k + 1, None if last is None else last * k
    elif trained is not None:
        k = trained[1]
        first, last = math.floor((first - 1) * k) + 1, None if last is None else math.ceil(last * k)
    prefix = list(tokenizer.condition_ids(piece_conditions(piece)))
    music = list(tokenizer.encode_music(piece))
    bars = [i for i, t in enumerate(music) if t in tokenizer.bar_ids]
    start = bars[first - 1] if len(bars) >= first else len(music)
    end = bars[last] if last is not None and len(bars) > last else len(music)
    window = model.config.block_size - len(prefix)
    if end <= start or window < 2:
        return float("inf")
    total, pos = 0.0, start
    while pos < end:
        stop = min(end, pos + max(1, window // 2))
        context = max(0, stop - window)
        nll = model.token_nll([*prefix, *music[context:stop]])
        total += float(nll[len(prefix) + pos - context - 1 :].sum())
        pos = stop
    return total / (end - start)


def block_fill(refill: TrackRefill, velocity: int = 70) -> Score:
    """The rule baseline: in the bars asked for, each named track holds each bar's chord (of
    ``refill.chords``), its root alone for a track of one voice, all its tones for a chordal one, placed
    nearest the track's own mean pitch; everything else as written."""
    out = refill.score.copy()
    lines = bar_lines(out, refill.total_bars)
    a, b = lines[refill.first - 1], lines[refill.last]
    for index in refill.tracks:
        track = out.tracks[index]
        pitches = [n.pitch for n in track.notes] or [60]
        centre = float(np.mean(pitches))
        chordal = _voices(refill.score.tracks[index].notes) >= 1.5
        kept = [n for n in track.notes if n.time < a or n.time >= b]
        for n in kept:
            if n.time < a and n.time + n.duration > a:
                n.duration = a - n.time
        for bar in range(refill.first - 1, refill.last):
            label = refill.chords[bar % len(refill.chords)] if refill.chords else "N"
            tones = (
                sorted(chord_pitch_classes(label))
                if chordal
                else ([root_pitch_class(label)] if label not in ("N", "X", "") else [])
            )
            for pc in tones:
                pitch = int(pc + 12 * round((centre - pc) / 12))
                kept.append(Note(lines[bar], lines[bar + 1] - lines[bar], max(0, min(127, pitch)), velocity))
        track.notes.clear()
        track.notes.extend(sorted(kept, key=lambda n: (n.time, n.pitch)))
    return out


def _voices(notes) -> float:
    """The mean notes sounding together in one track's ``notes`` (1 for none)."""
    if not len(notes):
        return 1.0
    start = np.array([n.time for n in notes])
    end = start + np.array([max(1, n.duration) for n in notes])
    return float(mean_polyphony(start, end) or 1.0)


def whole_request(refill: TrackRefill) -> Request:
    """The request the whole piece (kept and new tracks) is measured against: the refill's, with every
    pitched track's instrument, all its bars and no given piece."""
    whole = copy.deepcopy(refill.request)
    whole.given = None
    c = whole.conditions
    c.programs = sorted({int(t.program) for t in refill.score.tracks if not t.is_drum and len(t.notes)})
    c.drums = any(t.is_drum and len(t.notes) for t in refill.score.tracks)
    c.bars = refill.total_bars
    if refill.sampled_in is not None:  # measured in the piece's own meter, not the one sampled
        c.meter = single_meter(refill.score)
    whole.chords = list(refill.chords)
    return whole
