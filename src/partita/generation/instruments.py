"""Stand-in instruments: sample a requested instrument the model barely knows as one it knows, then write it
back.

partita's corpus is mostly piano-roll music: music21 exports its folk tunes, chorales and motets as program 0
(or as a choir), and POP909 is piano. Asked for "a jig for fiddle", a model conditioned on ``Program_40`` and
held to program 40 by constrained decoding is far outside what it learned: it plays about one note a bar (the
benchmark's c01 had 19 notes in 16 bars). An arranger would take the tune the model knows how to write and
give it to the fiddle. This module does that:

1. :func:`program_prior` reads the model's own prior over the condition prefix's ``Program`` slot, given the
   style, key, meter and tempo asked for: how often pieces like this came with each instrument in training.
2. :func:`stand_in_programs` keeps every requested program the prior gives at least :data:`MIN_PROGRAM_SHARE`,
   and samples each other one as the most likely program of the prior (made distinct, as
   :func:`partita.tokens.distinct_programs` does for two pianos of one piece: programs 0 and 1).
3. After sampling, the tracks are given back their requested programs and moved by octaves into the
   instrument's range (:func:`fit_to_range`, with music21's instrument ranges).

``partita.generate(..., stand_ins=False)`` (or ``GenerationConfig(stand_ins=False)``) samples every instrument
literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import torch

from partita.models import MusicLM
from partita.score import Score
from partita.score.general_midi import gm_program_name, gm_program_names
from partita.tokens import SteerableTokenizer, distinct_programs
from partita.tokens.conditions import Conditions, condition_tokens

MIN_PROGRAM_SHARE = 0.05
"""A requested program is sampled as itself when the model's prior gives it at least this share of the
``Program`` slot. The prior of partita-small is all but binary (its corpus knows piano, choir and a few
strings: shares near 1 or under 0.01, see ``scripts/check-stand-ins.py``), so the value matters little between
0.02 and 0.3."""


@dataclass
class StandIns:
    """Which program each requested one is sampled as; ``written`` maps a sampled program back."""

    sampled: list[int]
    """The programs sampling is held to (distinct), in the order of the request."""
    prefix_programs: list[int]
    """The programs the condition prefix names."""
    written: dict[int, int] = field(default_factory=dict)
    """Sampled program -> the requested program it is written as (only for stand-ins)."""
    notes: list[str] = field(default_factory=list)


def program_prior(lm: MusicLM, tokenizer: SteerableTokenizer, conditions: Conditions) -> dict[int, float]:
    """The model's distribution over the first ``Program`` condition token, given the fields the prefix puts
    before it (style, region, key, mode, meter, tempo bin), renormalised over the 128 programs."""
    ids_of = {p: i for p in range(128) if (i := tokenizer.condition_token_id(f"CondProgram_{p}")) is not None}
    if not ids_of:
        return {}
    head = Conditions(
        style=conditions.style,
        region=conditions.region,
        key=conditions.key,
        mode=conditions.mode,
        meter=conditions.meter,
        tempo_bpm=conditions.tempo_bpm,
    )
    head_ids = [tokenizer.condition_token_id(t) for t in condition_tokens(head)]
    prefix = [tokenizer.bos_id, *(i for i in head_ids if i is not None)]
    with torch.no_grad():
        logits, _ = lm(torch.tensor([prefix], device=next(lm.parameters()).device))
    probs = torch.softmax(logits[0, -1].float(), dim=-1)
    share = {p: float(probs[i]) for p, i in ids_of.items()}
    total = sum(share.values())
    return {p: v / total for p, v in share.items()} if total > 0 else {}


def voices_prior(lm: MusicLM, tokenizer: SteerableTokenizer, conditions: Conditions) -> dict[int, float]:
    """:func:`program_prior` given the style and region alone: the prior for several voices of one
    instrument, which the style decides. Read with the key and tempo, partita-small's prior for "a
    Renaissance motet in D major for choir" names the piano (0.96, against 0.998 choir with no tempo: the
    corpus's motets with a tempo mark came as keyboard scores), and four voices sampled as four pianos came
    out as one voice and three that sang one note each (8 of the realism benchmark's 32 motet prompts)."""
    return program_prior(lm, tokenizer, Conditions(style=conditions.style, region=conditions.region))


def stand_in_programs(
    requested: list[int], prior: dict[int, float], min_share: float = MIN_PROGRAM_SHARE
) -> StandIns:
    """Keep the requested programs the prior knows; sample each other as the prior's most likely program."""
    requested = [int(p) for p in requested]
    if not requested or not prior:
        return StandIns(sampled=list(requested), prefix_programs=list(requested))
    best = max(prior, key=prior.get)
    if prior[best] < min_share:  # a prior with no favourite (an untrained model) knows no better instrument
        return StandIns(sampled=list(requested), prefix_programs=list(requested))
    known = [prior.get(p, 0.0) >= min_share for p in requested]
    chosen = [p if ok else best for p, ok in zip(requested, known, strict=True)]
    # the known programs keep their own; the stand-ins take the next voices of the likeliest (0, then 1, ...)
    kept = [p for p, ok in zip(requested, known, strict=True) if ok]
    extra = iter(distinct_programs(kept + [best] * known.count(False))[len(kept) :])
    sampled = [p if ok else next(extra) for p, ok in zip(requested, known, strict=True)]
    out = StandIns(sampled=sampled, prefix_programs=sorted(set(chosen)))
    for want, got, share in zip(requested, sampled, (prior.get(p, 0.0) for p in requested), strict=True):
        if got != want:
            out.written[got] = want
            out.notes.append(
                f"{gm_program_name(want)} ({want}) is rare in what this model learned for such a piece "
                f"(prior {share:.3f} < {min_share:g}): sampled as {gm_program_name(got)} ({got}) "
                "and written for "
                f"{gm_program_name(want)} (by whole octaves into its range where it lay outside)"
            )
    return out


MONOPHONIC_PROGRAMS: frozenset[int] = frozenset([*range(32, 44), *range(56, 61), *range(64, 88), 110, 111])
"""General MIDI programs that play one note at a time: the basses (32-39), violin, viola, cello and contrabass
(40-43), the solo brass (trumpet, trombone, tuba, muted trumpet, French horn: 56-60), the reeds and pipes
(64-79), the synth leads (80-87), fiddle and shanai (110, 111). Double stops and multiphonics exist, but a
part written for these is a line; ensembles (strings, brass section, choir) and keyboards, guitars and harps
are not in it."""


def monophonic_programs(sampled: list[int], written: dict[int, int]) -> list[int]:
    """The sampled programs whose instrument (what each is written back as) plays one note at a time."""
    return [q for q in sampled if q >= 0 and written.get(q, q) in MONOPHONIC_PROGRAMS]


BASS_PROGRAMS: frozenset[int] = frozenset([*range(32, 40), 43, 58])
"""General MIDI programs that play a bass line: the basses (32-39), the contrabass and the tuba."""


def bass_program(sampled: list[int], written: dict[int, int]) -> int | None:
    """The sampled program that plays the bass line (the first whose instrument is a bass), or None."""
    return next((q for q in sampled if q >= 0 and written.get(q, q) in BASS_PROGRAMS), None)


COMPASS = 36
"""Semitones of a part's range where music21 gives only one end of the instrument's."""


@lru_cache(maxsize=128)
def instrument_range(program: int) -> tuple[int, int]:
    """The lowest and highest MIDI pitch of a General MIDI program's instrument, from music21. Where music21
    gives one bound only (its basses, violins and guitars have no highest note) the other is three octaves
    (:data:`COMPASS`) away: a part, not every note the instrument can reach (a bass at C5 is "in range"
    otherwise); 0-127 where it gives neither."""
    # music21 takes ~0.3 s to import: only when an instrument range is first looked up (then cached)
    from music21 import instrument

    try:
        inst = instrument.instrumentFromMidiProgram(int(program))
    except Exception:  # music21 raises its own errors for programs it has no class for
        return 0, 127
    low = inst.lowestNote.midi if getattr(inst, "lowestNote", None) is not None else None
    high = inst.highestNote.midi if getattr(inst, "highestNote", None) is not None else None
    if low is None and high is None:
        return 0, 127
    low = max(0, high - COMPASS) if low is None else low
    high = min(127, low + COMPASS) if high is None else high
    return int(low), int(high)


def fit_to_range(track, program: int) -> int:
    """Move ``track`` by whole octaves so that the fewest notes fall outside ``program``'s range (the smaller
    move on a tie); returns the semitones moved."""
    pitches = [n.pitch for n in track.notes]
    if not pitches:
        return 0
    low, high = instrument_range(program)

    def outside(shift: int) -> int:
        return sum(1 for p in pitches if not low <= p + shift <= high or not 0 <= p + shift <= 127)

    shift = min((12 * k for k in range(-4, 5)), key=lambda s: (outside(s), abs(s)))
    if shift:
        track.shift_pitch(shift, inplace=True)
    return shift


def write_back(
    score: Score, written: dict[int, int], refit: set[int] | frozenset[int] = frozenset()
) -> Score:
    """Give each pitched track sampled as a key of ``written`` the program it maps to, and move the tracks
    that land on a program of ``refit`` (the instruments that had stand-ins) into its range; in place. Each
    such track is named after its instrument ("Acoustic Bass", "Choir Aahs 2"), not the program it was sampled
    as."""
    names = gm_program_names()
    taken: set[str] = set()
    for track in score.tracks:
        if not track.is_drum and int(track.program) in written:
            track.program = written[int(track.program)]
            if int(track.program) in refit:
                fit_to_range(track, int(track.program))
    _voices_from_the_top(score)
    for track in score.tracks:
        if not track.is_drum and int(track.program) in written.values():
            name, k = names[int(track.program)], 1
            while name in taken:
                k += 1
                name = f"{names[int(track.program)]} {k}"
            track.name = name
        taken.add(track.name)
    return score


def _voices_from_the_top(score: Score) -> None:
    """Order the tracks of one instrument (a choir's voices) from the highest to the lowest by mean pitch, in
    the places those tracks hold, so that a chorale reads soprano, alto, tenor, bass down the score; in place.
    """
    groups: dict[tuple[int, bool], list[int]] = {}
    for i, track in enumerate(score.tracks):
        groups.setdefault((int(track.program), bool(track.is_drum)), []).append(i)
    tracks = list(score.tracks)
    moved = False
    for (_, drum), places in groups.items():
        if drum or len(places) < 2:
            continue
        mean = {i: sum(n.pitch for n in tracks[i].notes) / max(1, len(tracks[i].notes)) for i in places}
        order = sorted(places, key=lambda i: -mean[i])
        moved |= order != places
        for place, i in zip(places, order, strict=True):
            tracks[place] = score.tracks[i]
    if moved:
        score.tracks = tracks


def with_programs(conditions: Conditions, programs: list[int]) -> Conditions:
    """A copy of ``conditions`` naming ``programs`` (the request itself is left as understood)."""
    return replace(conditions, programs=list(programs))
