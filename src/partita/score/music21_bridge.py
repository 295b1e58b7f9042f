"""Conversion from music21 streams to partita's score type.

Written by hand rather than through music21's own MIDI export for three reasons seen here with music21 10:
its export writes every part as program 0 (so the four voices of a chorale become indistinguishable), it
puts a pickup bar at time 0 (so every later barline falls in the wrong place), and a round trip through MIDI
bytes is several times slower than reading offsets directly. Here each part becomes its own track with a
program and a name, and a pickup is padded so that bar lines in the MIDI fall where the score has them.
"""

from __future__ import annotations

import logging
import re
from fractions import Fraction

import symusic

from partita.score.errors import ScoreError
from partita.score.formats import DEFAULT_TPQ, Score

log = logging.getLogger(__name__)

VOICE_PROGRAM = 52  # General MIDI "Choir Aahs": the sound of a vocal part that names no instrument
DEFAULT_VELOCITY = 80
MAX_TICK = 2**31 - 1
"""symusic keeps times in 32 bits: a later event (a note of 100,000,000 whole notes in ABC) is refused."""
_DYNAMIC_VELOCITY = {"ppp": 24, "pp": 36, "p": 52, "mp": 68, "mf": 84, "f": 100, "ff": 112, "fff": 124}


def first_score(obj):
    """The first score of a music21 parse result (an Opus yields its first score), or None."""
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import stream

    if isinstance(obj, stream.Opus):
        scores = list(obj.scores)
        return scores[0] if scores else None
    if isinstance(obj, stream.Stream):
        return obj
    return None


def _program_of(part) -> int:
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import instrument

    inst = part.getInstrument(returnDefault=False)
    if inst is not None and inst.midiProgram is not None:
        return int(inst.midiProgram)
    # A generic Instrument: let music21 recognise the part's name ("Violin I", "Soprano", "Cantus", ...).
    for name in (getattr(inst, "instrumentName", None), part.partName):
        if not name:
            continue
        try:
            guess = instrument.fromString(str(name))
        except Exception:  # music21 raises InstrumentException for names it does not know
            continue
        if isinstance(guess, instrument.Vocalist):
            return VOICE_PROGRAM
        if guess.midiProgram is not None:
            return int(guess.midiProgram)
    if isinstance(inst, instrument.Vocalist):
        return VOICE_PROGRAM
    return 0


def _pickup_padding(part) -> float:
    """Quarter lengths missing from an incomplete first bar (an anacrusis), 0 if the first bar is full."""
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import stream

    measures = part.getElementsByClass(stream.Measure)
    if not measures:
        return 0.0
    m = measures[0]
    if m.paddingLeft:
        return float(m.paddingLeft)
    ts = m.timeSignature or m.getContextByClass("TimeSignature")
    if ts is None:
        return 0.0
    bar = float(ts.barDuration.quarterLength)
    have = float(m.highestTime)
    # Only a short first bar followed by more bars is a pickup; a one-bar fragment is left alone.
    if len(measures) > 1 and 0 < have < bar:
        return bar - have
    return 0.0


def _parts(s):
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import stream

    parts = list(s.parts) if hasattr(s, "parts") else []
    if parts:
        return parts
    if isinstance(s, stream.Stream):
        return [s]
    return []


def _track_groups(parts) -> list[tuple[str, int, list]]:
    """Parts grouped into tracks: the staves of one instrument (music21 ids ``P1-Staff1``, ``P1-Staff2``)
    join."""
    groups: dict[str, list] = {}
    for i, part in enumerate(parts):
        pid = part.id if isinstance(part.id, str) else f"part{i}"
        groups.setdefault(re.sub(r"-Staff\d+$", "", pid), []).append(part)
    out = []
    for i, group in enumerate(groups.values()):
        first = group[0]
        name = first.partName or (first.id if isinstance(first.id, str) else "") or f"Part {i + 1}"
        out.append((str(name), _program_of(first), group))
    return out


def _voice_streams(part) -> list:
    """The part flattened, one stream per voice where measures hold several voices.

    Joining ties over a whole multi-voice part lets music21 tie a note of one voice to a note of another;
    splitting the voices first keeps every tie inside its own voice (:func:`_add_notes` joins them).
    """
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import stream

    if any(m.hasVoices() for m in part.getElementsByClass(stream.Measure)):
        try:
            return [p.flatten() for p in part.voicesToParts().parts]
        except Exception as e:  # music21 raises on some irregular voice layouts; fall back to the whole part
            log.debug("voices not separated: %s", e)
    return [part.flatten() if isinstance(part, stream.Stream) else part]


def tied_lengths(notes_and_rests: list) -> tuple[dict[int, float | Fraction], set[int]]:
    """Which notes music21's ``stripTies`` would join, without changing the stream: the length (quarter notes)
    of each note that starts a tie by its index, and the indices of the notes joined into an earlier one.

    ``notes_and_rests`` are a flat voice's notes, chords and rests of non-zero length in order. The rules are
    ``stripTies``'s (music21 10, ``matchByPitch=True``): a tie starts at a "start" (or a "continue" after
    none), goes on through a "continue" whose note or chord has the pitches of the one before, and ends at
    a note's "stop" (even after a rest) or at a note or chord of the same pitches as the one before.
    ``stripTies`` itself removes each joined note from its measure and scans every spanner for it, which took
    38-85 s of CPU on Beethoven's op. 133 against under a second here.
    """
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21.common.numberTools import opFrac

    lengths: dict[int, float | Fraction] = {}
    joined: set[int] = set()
    chain: list[int] = []
    for i, n in enumerate(notes_and_rests):
        tie = None if getattr(n, "tie", None) is None else n.tie.type
        if tie == "start":
            chain = chain + [i] if i > 0 and i - 1 in chain else [i]
            continue
        if tie == "continue":
            chain = chain + [i] if not chain or _tie_ends(n, notes_and_rests, i, chain) else [i]
            continue
        if not _tie_ends(n, notes_and_rests, i, chain):
            continue
        chain.append(i)
        if len(chain) >= 2:
            rest = 0
            for q in chain[1:]:
                rest += notes_and_rests[q].quarterLength
                joined.add(q)
            lengths[chain[0]] = opFrac(notes_and_rests[chain[0]].quarterLength + rest)
        chain = []
    return lengths, joined


def _tie_ends(n, notes_and_rests: list, i: int, chain: list[int]) -> bool:
    """``stripTies``'s end match: ``n`` (at ``i``) is a note with a "stop" tie, or follows a note of the chain
    with the same pitch, or a chord of the chain with as many pitches, each the same."""
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import chord, note

    if not isinstance(n, chord.Chord) and getattr(n, "tie", None) is not None and n.tie.type == "stop":
        return True
    if i == 0 or i - 1 not in chain:
        return False
    last = notes_and_rests[i - 1]
    if isinstance(last, chord.Chord) or isinstance(n, chord.Chord):
        same_note = False
    else:
        same_note = hasattr(last, "pitch") and hasattr(n, "pitch") and last.pitch == n.pitch
    if same_note:
        return True
    if isinstance(n, note.Note) or not (hasattr(last, "pitches") and hasattr(n, "pitches")):
        return False
    if len(last.pitches) != len(n.pitches):
        return False
    return all(a.step == b.step and a.isEnharmonic(b) for a, b in zip(last.pitches, n.pitches, strict=True))


def _has_repeats(s) -> bool:
    """Whether ``s`` holds anything music21's ``expandRepeats`` writes out: repeat bar lines, D.C., D.S.,
    segno, coda or fine marks, first- and second-ending brackets."""
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import repeat, spanner

    return any(True for _ in s.recurse().getElementsByClass((repeat.RepeatMark, spanner.RepeatBracket)))


def _add_notes(track, flat, tick) -> None:
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import dynamics, note

    velocity = DEFAULT_VELOCITY
    sounding = [el for el in flat.notesAndRests if el.quarterLength > 0]
    lengths, joined = tied_lengths(sounding)
    length_of = {id(sounding[i]): ql for i, ql in lengths.items()}
    skip = {id(sounding[i]) for i in joined}
    events = sorted(
        flat.getElementsByClass([note.Note, note.NotRest, dynamics.Dynamic]), key=lambda e: float(e.offset)
    )
    for el in events:
        if isinstance(el, dynamics.Dynamic):
            velocity = _DYNAMIC_VELOCITY.get(str(el.value), velocity)
            continue
        ql = float(length_of.get(id(el), el.duration.quarterLength))
        if ql <= 0 or isinstance(el, note.Unpitched) or id(el) in skip:
            continue
        start = tick(el.offset)
        dur = max(1, tick(float(el.offset) + ql) - start)
        vel = int(el.volume.velocity) if el.volume.velocity is not None else velocity
        for p in getattr(el, "pitches", ()):
            midi = int(p.midi)
            if 0 <= midi <= 127:
                track.notes.append(symusic.Note(start, dur, midi, vel))


def from_music21(
    s, expand_repeats: bool = True, ticks_per_quarter: int = DEFAULT_TPQ, in_place: bool = False
) -> Score:
    """Convert a music21 Score (or Part) into a tick-time :class:`symusic.Score`.

    Repeats are written out when ``expand_repeats`` (MIDI describes a performance); where music21 cannot
    expand them the score is kept as notated. Tied notes become one note; chords become simultaneous notes;
    grace notes (which have no notated duration) are left out; unpitched percussion is left out.

    ``s`` is left as it was: ties are joined as music21's ``stripTies`` would (:func:`tied_lengths`) without
    changing the stream (``in_place`` is accepted for callers that allowed that, and no longer needed). A
    score with repeats is copied once by ``expandRepeats``; one without is not expanded at all (music21
    would copy it whole to find nothing to write out).
    """
    # music21 takes ~0.3 s to import and partita.score imports this module: only on use
    from music21 import key, meter, tempo

    if expand_repeats and _has_repeats(s):
        try:
            expanded = s.expandRepeats()
            if expanded is not None and expanded.highestTime > 0:
                s = expanded
        except Exception as e:  # music21 raises on malformed repeat structures; keep the notated form
            log.debug("repeats not expanded: %s", e)

    tpq = int(ticks_per_quarter)
    out = symusic.Score(tpq)
    parts = _parts(s)
    if not parts:
        raise ScoreError("the score has no parts", "no-notes")
    shift = _pickup_padding(parts[0])

    def tick(offset) -> int:
        t = int(round((float(Fraction(offset)) + shift) * tpq))
        if abs(t) > MAX_TICK:
            raise ScoreError(
                f"an event at quarter note {float(Fraction(offset)):.0f}, beyond the {MAX_TICK // tpq:,} "
                "quarter notes a score can hold",
                "too-long",
            )
        return t

    first = parts[0].flatten()
    for ts in first.getElementsByClass(meter.TimeSignature):
        t = 0 if float(ts.offset) == 0 else tick(ts.offset)
        sig = (int(ts.numerator), int(ts.denominator))
        if (
            not len(out.time_signatures)
            or (out.time_signatures[-1].numerator, out.time_signatures[-1].denominator) != sig
        ):
            out.time_signatures.append(symusic.TimeSignature(t, *sig))
    for ks in first.getElementsByClass(key.KeySignature):
        tonality = 1 if isinstance(ks, key.Key) and ks.mode == "minor" else 0
        t = 0 if float(ks.offset) == 0 else tick(ks.offset)
        if not len(out.key_signatures) or (out.key_signatures[-1].key, out.key_signatures[-1].tonality) != (
            int(ks.sharps),
            tonality,
        ):
            out.key_signatures.append(symusic.KeySignature(t, int(ks.sharps), tonality))
    seen_tempo = set()
    for part in parts:
        for mm in part.flatten().getElementsByClass(tempo.MetronomeMark):
            qpm = mm.getQuarterBPM()
            if qpm is None or qpm <= 0:
                continue
            t = 0 if float(mm.offset) == 0 else tick(mm.offset)
            if t not in seen_tempo:
                seen_tempo.add(t)
                out.tempos.append(symusic.Tempo(t, qpm=float(qpm)))

    for name, program, group in _track_groups(parts):
        track = symusic.Track(name, program, False)
        for flat in (v for part in group for v in _voice_streams(part)):
            _add_notes(track, flat, tick)
        if len(track.notes):
            track.notes.sort(key=lambda n: (n.time, n.pitch))
            out.tracks.append(track)
    return out
