"""Writing scores as MusicXML: partita's score type to an engraveable music21 score.

music21 can turn MIDI into MusicXML by itself, but with music21 10 that path loses what a reader needs: a
pickup bar moves to time 0 (so every later barline shifts), pitches are spelled without regard to the key (D#
in E-flat major), every part becomes a piano and the score is titled "Music21 Fragment". Here the notation is
built by hand from the tick-time score:

- bars fall exactly where the MIDI's time signatures put them; a leading bar that is mostly rest becomes a
  pickup (an ``implicit`` bar 0), which is how :func:`partita.score.from_music21` reads a pickup back;
- onsets and ends are quantized to the coarsest grid that fits the file (16ths, 16ths + triplets, or 32nds);
  performance MIDI that fits no grid exactly goes to 16ths, its small overlaps and early releases snapped to
  the next onset; durations are written as note values that show the beat, tied where needed;
- each track becomes a part named after the track with the General MIDI instrument of its program; a wide
  piano track becomes a grand staff (two staves braced); overlapping notes of one staff become voices;
- pitches are spelled on the line of fifths around the key signature (estimated with the Krumhansl-Schmuckler
  profiles when the file has none), and chromatic notes are respelled towards the notes sounding with them and
  their melodic neighbours (G# in an E major chord of C major, Db in a falling chromatic line);
- tempos, time and key signatures (with their mode) and the title are kept.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import zipfile
from bisect import bisect_left
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from partita.atomic import atomic_write_bytes
from partita.score.checks import DEFAULT_LIMITS, ScoreLimits, check_limits
from partita.score.errors import ScoreError
from partita.score.formats import Score

log = logging.getLogger(__name__)

MAX_VOICES = 4
"""Voices per staff; a note that would need a fifth voice shortens the voice that ends first."""
GRAND_STAFF_SPLIT = 60
"""Notes from middle C up go to the upper staff of a grand staff, lower notes to the lower staff."""
_GRIDS = (4, 12, 8)  # divisions per quarter tried in order: 16ths, 16ths + triplets, 32nds
_FIFTHS_LETTERS = "FCGDAEB"  # the line of fifths: position 0 is C, F is -1, G is +1


@dataclass
class _Note:
    on: int  # grid units
    off: int
    pitch: int
    velocity: int
    track: int
    fifths: int = 0  # spelling: position on the line of fifths (C=0, G=1, F=-1, F#=6, Bb=-2, ...)


@dataclass
class _Bar:
    start: int  # grid units
    length: int
    numerator: int
    denominator: int
    number: int = 0
    pickup: bool = False


# ---------------------------------------------------------------------------------------------- quantization


def _choose_grid(score: Score) -> tuple[int, bool]:
    """The divisions per quarter of the coarsest grid every onset and end fits, and whether one fitted."""
    tpq = score.ticks_per_quarter
    times = [t for tr in score.tracks for n in tr.notes for t in (n.time, n.time + n.duration)]
    times += [ts.time for ts in score.time_signatures]
    if not times:
        return 4, True
    tolerance = max(1, tpq // 96)
    for div in _GRIDS:
        step = tpq / div
        if all(abs(t - round(t / step) * step) <= tolerance for t in times):
            return div, True
    return 4, False


def _quantize_notes(score: Score, div: int, exact: bool) -> list[list[_Note]]:
    tpq = score.ticks_per_quarter
    tracks: list[list[_Note]] = []
    for i, tr in enumerate(score.tracks):
        best: dict[tuple[int, int], _Note] = {}
        for n in tr.notes:
            on = round(n.time * div / tpq)
            off = max(on + 1, round((n.time + n.duration) * div / tpq))
            prev = best.get((on, n.pitch))
            if prev is None or off > prev.off:  # a repeated key on one onset is one notated note
                best[(on, n.pitch)] = _Note(on, off, int(n.pitch), int(n.velocity), i)
        notes = sorted(best.values(), key=lambda x: (x.on, x.pitch))
        if not exact:
            _tidy_performance(notes, div)
        tracks.append(notes)
    return tracks


def _tidy_performance(notes: list[_Note], div: int) -> None:
    """Snap the small legato overlaps, early releases and ragged chord ends of played MIDI to the next onset.

    Left as played they would need extra voices, dotted notes and 16th rests everywhere.
    """
    onsets = sorted({n.on for n in notes})
    for n in notes:
        k = bisect_left(onsets, n.on + 1)
        # The last notes have no next onset: their release is measured against the next beat instead.
        nxt = onsets[k] if k < len(onsets) else -(-n.off // div) * div
        if nxt > n.on:
            slack = max(1, (n.off - n.on) // 4)
            if n.off > nxt and n.off - nxt <= slack:
                n.off = nxt  # a legato overlap
            elif n.off < nxt and nxt - n.off <= slack:
                n.off = nxt  # an early release: a quarter played as a dotted eighth is a quarter
    by_on: dict[int, list[_Note]] = {}
    for n in notes:
        by_on.setdefault(n.on, []).append(n)
    for group in by_on.values():
        ends = sorted({n.off for n in group})
        if len(ends) > 1 and ends[-1] - ends[0] <= 1:
            for n in group:
                n.off = ends[-1]


# ------------------------------------------------------------------------------------------- key and spelling


def _estimate_key(tracks: list[list[_Note]]) -> tuple[int, int] | None:
    """(sharps, tonality) of the best Krumhansl-Schmuckler key of the notes, weighted by duration."""
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21.analysis.discrete import KrumhanslSchmuckler

    # music21's own analysis wants a Stream; building one for thousands of notes only to count pitch classes
    # is slow, so the duration-weighted histogram is made here and correlated with music21's profiles.
    hist = np.zeros(12)
    for notes in tracks:
        for n in notes:
            hist[n.pitch % 12] += n.off - n.on
    if hist.sum() == 0:
        return None
    ks = KrumhanslSchmuckler()
    best = None
    for tonality, mode in ((0, "major"), (1, "minor")):
        profile = np.array(ks.getWeights(mode))
        for tonic in range(12):
            r = float(np.corrcoef(hist, np.roll(profile, tonic))[0, 1])
            if best is None or r > best[0]:
                best = (r, tonic, tonality)
    _, tonic, tonality = best
    major_tonic = (tonic + 3) % 12 if tonality else tonic
    sharps = (7 * major_tonic + 6) % 12 - 6  # F#/Gb major is written with 6 flats, C#/Db with 5 flats
    return sharps, tonality


_SINGLE_ACCIDENTALS = range(-8, 13)  # line-of-fifths positions from Fb to B#: no double sharps or flats


def _window_fifths(pc: int, sharps: int, tonality: int) -> int:
    """The spelling of pitch class ``pc`` within the key's 12-wide window of the line of fifths.

    The window (C major: Ab..C#, A minor: Eb..G#) follows the key; in keys of five or more accidentals it
    would reach double flats or sharps, so a spelling with one accidental at most, nearest the window, is
    taken.
    """
    low = sharps - (3 if tonality else 4)
    p0 = (7 * pc) % 12  # 7 is its own inverse mod 12: the fifths position of a pitch class, modulo 12
    candidates = [p for p in (p0 - 12, p0, p0 + 12) if p in _SINGLE_ACCIDENTALS]
    return min(candidates, key=lambda p: 0 if low <= p < low + 12 else min(abs(p - low), abs(p - low - 11)))


def _spell(tracks: list[list[_Note]], keys: list[tuple[int, int, int]]) -> None:
    """Set each note's fifths position from the key in force, then respell chromatic notes by their
    context."""
    starts = [k[0] for k in keys]

    def key_at(t: int) -> tuple[int, int]:
        i = max(0, bisect_left(starts, t + 1) - 1)
        return (keys[i][1], keys[i][2]) if keys else (0, 0)

    everyone = sorted((n for notes in tracks for n in notes), key=lambda n: n.on)
    for n in everyone:
        sharps, tonality = key_at(n.on)
        n.fifths = _window_fifths(n.pitch % 12, sharps, tonality)
    if not everyone:
        return
    onsets = [n.on for n in everyone]
    longest = max(n.off - n.on for n in everyone)
    neighbours: dict[int, tuple[_Note | None, _Note | None]] = {}
    for notes in tracks:
        track_onsets = [m.on for m in notes]
        for n in notes:
            neighbours[id(n)] = (
                _melodic(notes, track_onsets, n, before=True),
                _melodic(notes, track_onsets, n, False),
            )
    for n in everyone:
        sharps, tonality = key_at(n.on)
        if sharps - 1 <= n.fifths <= sharps + 5:
            continue  # diatonic: the key decides
        lo = bisect_left(onsets, n.on - longest)
        hi = bisect_left(onsets, n.off)
        context = [m.fifths for m in everyone[lo:hi] if m is not n and m.off > n.on and m.on < n.off]
        prev, nxt = neighbours[id(n)]
        context += [m.fifths for m in (prev, nxt) if m is not None]
        centre = sharps + 2

        def cost(p: int, n: _Note = n, context: list[int] = context, centre: int = centre, nxt=nxt) -> float:
            c = sum(abs(p - q) for q in context) + abs(p - centre)
            # A chromatic note leads by a diatonic semitone (two letters) to the next note: C# -> D, Db -> C.
            if nxt is not None and abs(nxt.pitch - n.pitch) == 1 and (p + 1) % 7 == (nxt.fifths + 1) % 7:
                c += 12
            return c

        for alternative in (n.fifths - 12, n.fifths + 12):
            if alternative in _SINGLE_ACCIDENTALS and cost(alternative) < cost(n.fifths):
                n.fifths = alternative


def _melodic(notes: list[_Note], onsets: list[int], n: _Note, before: bool) -> _Note | None:
    """The note of the same track just before (or after) ``n`` nearest to it in pitch: its melodic
    neighbour."""
    if before:
        i = bisect_left(onsets, n.on) - 1
        if i < 0:
            return None
    else:
        i = bisect_left(onsets, n.on + 1)
        if i >= len(notes):
            return None
    t = notes[i].on
    lo, hi = bisect_left(onsets, t), bisect_left(onsets, t + 1)
    return min(notes[lo:hi], key=lambda m: abs(m.pitch - n.pitch))


def _pitch(n: _Note):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import pitch

    letter = _FIFTHS_LETTERS[(n.fifths + 1) % 7]
    alter = (n.fifths + 1) // 7
    p = pitch.Pitch(letter)
    p.accidental = pitch.Accidental(alter) if alter else None
    # The octave follows from the MIDI number: B#3 sounds as C4, so its written octave is 3.
    p.octave = (n.pitch - alter) // 12 - 1
    if p.midi != n.pitch:  # never expected; keep the sounding pitch right whatever the spelling
        p = pitch.Pitch(midi=n.pitch)
    return p


# -------------------------------------------------------------------------------------------- bars and voices


def _bars(score: Score, div: int, end: int, max_bars: int | None = None) -> list[_Bar]:
    tpq = score.ticks_per_quarter
    sigs: list[tuple[int, int, int]] = []
    for ts in sorted(score.time_signatures, key=lambda t: t.time):
        if ts.numerator <= 0 or ts.denominator <= 0:
            continue
        t = round(ts.time * div / tpq)
        if sigs and sigs[-1][0] == t:
            sigs[-1] = (t, ts.numerator, ts.denominator)
        elif not sigs or sigs[-1][1:] != (ts.numerator, ts.denominator):
            sigs.append((t, ts.numerator, ts.denominator))
    if not sigs or sigs[0][0] > 0:
        sigs.insert(0, (0, 4, 4))
    bars: list[_Bar] = []
    t = 0
    i = 0
    while t < end or not bars:
        while i + 1 < len(sigs) and sigs[i + 1][0] <= t:
            i += 1
        _, num, den = sigs[i]
        length = max(1, round(num * 4 * div / den))
        if i + 1 < len(sigs) and sigs[i + 1][0] < t + length:
            # A signature change inside a bar cuts it short; the short bar gets a signature of its own length
            # (readers take a bar's length from its signature).
            length = sigs[i + 1][0] - t
            for d in (4, 8, 16, 32):
                if (length * d) % (4 * div) == 0:
                    num, den = length * d // (4 * div), d
                    break
        bars.append(_Bar(t, length, num, den, number=len(bars) + 1))
        t += length
        if max_bars is not None and len(bars) > max_bars:
            raise ScoreError(
                f"more than {max_bars} bars, over the limit of {max_bars} measures (bars x staves) "
                "for MusicXML",
                "too-large",
            )
    return bars


_GRAND_STAFF_PROGRAMS = frozenset(range(0, 24)) | {
    46
}  # General MIDI pianos, chromatic percussion, organs; harp


def _staves(notes: list[_Note], program: int) -> list[list[_Note]]:
    """One staff, or two (a grand staff) for a keyboard part or any part too wide for one clef."""
    if not notes:
        return [notes]
    span = max(n.pitch for n in notes) - min(n.pitch for n in notes)
    low = sum(1 for n in notes if n.pitch < GRAND_STAFF_SPLIT)
    enough = max(2, len(notes) // 10)
    if (program in _GRAND_STAFF_PROGRAMS and span >= 19 or span >= 30) and enough <= low <= len(
        notes
    ) - enough:
        return [
            [n for n in notes if n.pitch >= GRAND_STAFF_SPLIT],
            [n for n in notes if n.pitch < GRAND_STAFF_SPLIT],
        ]
    return [notes]


def _voices(notes: list[_Note]) -> list[list[list[_Note]]]:
    """Split one staff's notes into voices, each a list of non-overlapping chords (notes sharing on and
    off)."""
    chords: dict[tuple[int, int], list[_Note]] = {}
    for n in notes:
        chords.setdefault((n.on, n.off), []).append(n)
    order = sorted(chords.items(), key=lambda kv: (kv[0][0], -max(n.pitch for n in kv[1])))
    voices: list[list[list[_Note]]] = []
    for (on, _off), chord in order:
        free = [v for v in voices if v[-1][0].off <= on]
        if free:
            free[0].append(chord)
        elif len(voices) < MAX_VOICES:
            voices.append([chord])
        else:
            earlier = [v for v in voices if v[-1][0].on < on]
            if earlier:  # cut the voice that ends first short at this onset
                v = min(earlier, key=lambda v: v[-1][0].off)
                for n in v[-1]:
                    n.off = on
                v.append(chord)
            else:  # every voice starts a chord here: join the one that ends nearest, taking its duration
                v = min(voices, key=lambda v: abs(v[-1][0].off - chord[0].off))
                for n in chord:
                    n.off = v[-1][0].off
                v[-1].extend(chord)
            log.debug("more than %d voices at grid %d: a duration was changed", MAX_VOICES, on)
    return voices


def _clef_for(notes: list[_Note], staff: int, staves: int):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import clef

    if staves == 2:
        return clef.TrebleClef() if staff == 0 else clef.BassClef()
    if not notes:
        return clef.TrebleClef()
    mean = sum(n.pitch for n in notes) / len(notes)
    if mean >= 60:
        return clef.TrebleClef()
    if mean >= 55:
        return clef.Treble8vbClef()  # a tenor voice or a guitar
    return clef.BassClef()


# -------------------------------------------------------------------------------------------- music21 objects


def _instrument(program: int, name: str, is_drum: bool):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import instrument

    inst = None
    if is_drum:
        inst = instrument.Percussion()
    else:
        try:
            inst = instrument.instrumentFromMidiProgram(int(program))
        except Exception:  # music21 raises for the few programs it has no class for
            inst = None
    if inst is None:
        inst = instrument.Instrument()
    inst.midiProgram = int(program)
    # partita's scores hold sounding pitches and are notated at concert pitch; music21 would otherwise write a
    # <transpose> for a banjo, guitar or clarinet over sounding pitches, and readers would transpose them
    # again.
    inst.transposition = None
    if is_drum:
        inst.midiChannel = 9
    inst.partName = name
    # Later systems label the part with this; music21's default is the instrument's ("Ch" for every voice).
    short = name if len(name) <= 5 else name[:3].rstrip() + "."
    inst.partAbbreviation = short
    inst.instrumentAbbreviation = short
    return inst


def _element(chord_notes: list[_Note], length: int, div: int, tie: str | None):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import chord, note
    from music21 import tie as m21tie

    ql = Fraction(length, div)
    if len(chord_notes) == 1:
        el = note.Note(_pitch(chord_notes[0]), quarterLength=ql)
    else:
        el = chord.Chord([_pitch(n) for n in sorted(chord_notes, key=lambda n: n.pitch)], quarterLength=ql)
    el.volume.velocity = max(n.velocity for n in chord_notes)
    if tie:
        el.tie = m21tie.Tie(tie)
    return el


@functools.lru_cache(maxsize=16)
def _note_values(div: int) -> tuple[tuple[int, int], ...]:
    """(length, alignment) in grid units of the note values a grid can write, longest first.

    Plain values (16th to whole) start on a multiple of their length (a half or a whole on any beat), dotted
    ones on a multiple of a third of theirs, triplet values (on a grid divisible by 3) on a multiple of
    theirs.
    """
    values = []
    for k in range(-4, 3):  # 1/16 .. 4 quarters
        plain = Fraction(2) ** k * div
        for length, align in ((plain, min(plain, Fraction(div))), (plain * 3 / 2, plain / 2)):
            if length.denominator == 1 and align.denominator == 1 and length <= 6 * div:
                values.append((int(length), int(align)))
        triplet = plain * 2 / 3
        if k <= 1 and triplet.denominator == 1:
            values.append((int(triplet), int(triplet)))
    return tuple(sorted(set(values), reverse=True))


def _pieces(a: int, b: int, start: int, div: int, longest: int) -> list[tuple[int, int]]:
    """Split ``[a, b)`` (grid units, in a bar from ``start``) into writable note values: (onset, length)
    pairs.

    music21 can split a complex duration itself, but with music21 10 a tied chord split that way keeps a stray
    tie on its last piece (which then joins the next note of that pitch), so durations are split here.
    """
    out = []
    t = a
    values = [v for v in _note_values(div) if v[0] <= longest]
    while t < b:
        if any(n == b - t and (t - start) % align == 0 for n, align in values):
            limit = b  # the rest is one writable value
        else:  # fill up to the next beat first, so that the beat stays visible
            beat = start + ((t - start) // div + 1) * div
            limit = min(b, beat) if (t - start) % div else b
        length = next((n for n, align in values if n <= limit - t and (t - start) % align == 0), 1)
        out.append((t, length))
        t += length
    return out


def _rests(a: int, b: int, start: int, div: int, hidden: bool) -> list:
    """Rests from ``a`` to ``b`` (grid units, bar starting at ``start``), as (offset in the bar, rest) pairs.

    No rest is a whole note or longer: music21 reads any whole rest back as a rest of the full bar, which in
    5/4 or 12/8 moves everything after it.
    """
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import note

    out = []
    for t, n in _pieces(a, b, start, div, longest=4 * div - 1):
        rest = note.Rest(quarterLength=Fraction(n, div))
        rest.fullMeasure = False
        rest.style.hideObjectOnPrint = hidden
        out.append((t - start, rest))
    return out


def _bar_rest(start: int, end: int, div: int, pickup: bool) -> list:
    """The rest of an empty bar: one bar rest, or in a pickup bar, rests of its written length.

    Readers take a bar rest to last a full bar, which in a pickup would push the staff's notes late.
    """
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import note

    if pickup:
        return _rests(start, end, start, div, hidden=False)
    rest = note.Rest(quarterLength=Fraction(end - start, div))
    rest.fullMeasure = True
    return [(0, rest)]


def _voice_items(voice: list[list[_Note]], start: int, end: int, div: int, hide_rests: bool) -> list:
    """The notes, chords and rests of one voice between ``start`` and ``end`` (grid units), with ties."""
    items: list = []
    t = start
    for chord_notes in voice:
        on, off = chord_notes[0].on, chord_notes[0].off
        if off <= start or on >= end:
            continue
        a, b = max(on, start), min(off, end)
        items += _rests(t, a, start, div, hide_rests)
        pieces = _pieces(a, b, start, div, longest=6 * div)
        for i, (p, n) in enumerate(pieces):
            before, after = i > 0 or on < start, i < len(pieces) - 1 or off > end
            tie = "continue" if before and after else "stop" if before else "start" if after else None
            items.append((p - start, _element(chord_notes, n, div, tie)))
        t = b
    if items:
        items += _rests(t, end, start, div, hide_rests)
    return items


def _tempo_mark(qpm: float):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import tempo

    number: float = round(qpm) if abs(qpm - round(qpm)) < 0.01 else round(qpm, 2)
    return tempo.MetronomeMark(number=number)


def _key_object(sharps: int, tonality: int):
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import key

    return key.KeySignature(sharps).asKey("minor" if tonality else "major")


def _finish_bar(m, bar: _Bar, key_signature) -> None:
    """Beam a bar, bracket its tuplets and decide its accidentals while it stands alone.

    Done bar by bar before the bars join a part: music21's makeBeams otherwise searches the whole part for
    the time signature in force, for every bar (most of the writing time of a long piece).
    """
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import meter
    from music21.stream import makeNotation

    temporary = None
    if m.timeSignature is None:
        temporary = meter.TimeSignature(f"{bar.numerator}/{bar.denominator}")
        m.insert(0, temporary)
    try:
        makeNotation.makeBeams(m, inPlace=True, setStemDirections=False)
    except Exception as e:  # music21 cannot beam some tuplet and voice mixes; they stay unbeamed
        log.debug("no beams in bar %s: %s", m.number, e)
    if temporary is not None:
        m.remove(temporary)
    for holder in list(m.voices) or [m]:
        makeNotation.makeTupletBrackets(holder, inPlace=True)
        # Accidentals the key signature implies are not printed; a note tied over the bar line repeats none.
        tied_in = {
            p.nameWithOctave
            for el in holder.notes
            if el.offset == 0 and el.tie is not None and el.tie.type in ("stop", "continue")
            for p in el.pitches
        }
        holder.makeAccidentals(useKeySignature=key_signature, inPlace=True, tiePitchSet=tied_in)


def _staff_measures(
    voices: list[list[list[_Note]]],
    bars: list[_Bar],
    div: int,
    pickup_start: int,
    first_clef,
    keys: list[tuple[int, int, int]],
    tempos: list[tuple[int, float]],
    inst,
) -> list:
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import meter, stream
    from music21.stream.enums import ShowNumber

    measures = []
    prev_sig = None
    for bar in bars:
        m = stream.Measure(number=bar.number)
        start = bar.start
        if bar.pickup:
            start = pickup_start
            m.number = 0
            m.showNumber = ShowNumber.NEVER
            m.paddingLeft = float(Fraction(pickup_start - bar.start, div))
        end = bar.start + bar.length
        if bar is bars[0]:
            if inst is not None:
                m.insert(0, inst)
            m.insert(0, first_clef)
        if (bar.numerator, bar.denominator) != prev_sig:
            m.insert(0, meter.TimeSignature(f"{bar.numerator}/{bar.denominator}"))
            prev_sig = (bar.numerator, bar.denominator)
        for t, sharps, tonality in keys:
            if (bar is bars[0] and t <= start) or start < t < end or (t == start and bar is not bars[0]):
                m.insert(Fraction(max(0, t - start), div), _key_object(sharps, tonality))
        for t, qpm in tempos:
            if (bar is bars[0] and t <= start) or start < t < end or (t == start and bar is not bars[0]):
                m.insert(Fraction(max(0, t - start), div), _tempo_mark(qpm))
        per_voice = [_voice_items(v, start, end, div, hide_rests=j > 0) for j, v in enumerate(voices)]
        if len(voices) <= 1:
            if not voices or not per_voice[0]:
                for off, el in _bar_rest(start, end, div, bar.pickup):
                    m.insert(Fraction(off, div), el)
            else:
                for off, el in per_voice[0]:
                    m.insert(Fraction(off, div), el)
        else:
            # A staff with several voices writes all of them in every bar (an empty one as a hidden rest), so
            # that voice numbers stay the same from bar to bar, also after music21 numbers a grand staff's
            # voices through both staves: a note tied over a bar line is then found in the same voice on both
            # sides.
            for j, items in enumerate(per_voice):
                if not items and j == 0:
                    items = _bar_rest(start, end, div, bar.pickup)
                elif not items:
                    items = _rests(start, end, start, div, hidden=True)
                v = stream.Voice(id=str(j + 1))
                for off, el in items:
                    v.insert(Fraction(off, div), el)
                m.insert(0, v)
        in_force = [k for k in keys if k[0] <= start] or keys[:1] or [(0, 0, 0)]
        _finish_bar(m, bar, _key_object(in_force[-1][1], in_force[-1][2]))
        measures.append(m)
    return measures


def to_music21(score: Score, title: str | None = None, limits: ScoreLimits | None = None):
    """Build an engraveable :class:`music21.stream.Score` from a tick-time score (see the module notes).

    A score beyond ``limits`` (see :func:`partita.score.check_limits`), or whose bars x staves would exceed
    ``limits.max_measures``, is refused with a :class:`ScoreError` before any notation is built.
    """
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21 import layout, metadata, stream

    lim = limits or DEFAULT_LIMITS
    check_limits(score, None, lim)
    div, exact = _choose_grid(score)
    tracks = _quantize_notes(score, div, exact)
    if not any(tracks):
        raise ScoreError("the score has no notes to write", "no-notes")
    tpq = score.ticks_per_quarter
    end = max(n.off for notes in tracks for n in notes)
    bars = _bars(score, div, end, max_bars=lim.max_measures)
    staves_of = [
        ([notes] if tr.is_drum else _staves(notes, int(tr.program))) if notes else []
        for tr, notes in zip(score.tracks, tracks, strict=True)
    ]
    n_staves = sum(len(staves) for staves in staves_of)
    if len(bars) * n_staves > lim.max_measures:
        raise ScoreError(
            f"{len(bars)} bars x {n_staves} staves, over the limit of {lim.max_measures} measures "
            "(bars x staves) for MusicXML",
            "too-large",
        )
    first_on = min(n.on for notes in tracks for n in notes)
    pickup_start = 0
    b0 = bars[0]
    if len(bars) > 1 and b0.length >= 2 and b0.length / 2 <= first_on < b0.length:
        # A first bar that is mostly rest is a pickup: notate only its end, as an implicit bar 0.
        b0.pickup = True
        pickup_start = first_on
        for b in bars[1:]:
            b.number -= 1

    keys: list[tuple[int, int, int]] = []
    for ks in sorted(score.key_signatures, key=lambda k: k.time):
        t = round(ks.time * div / tpq)
        entry = (t, max(-7, min(7, int(ks.key))), 1 if int(ks.tonality) else 0)
        if keys and keys[-1][0] == t:
            keys[-1] = entry
        elif not keys or keys[-1][1:] != entry[1:]:
            keys.append(entry)
    drums = [bool(tr.is_drum) for tr in score.tracks]
    pitched = [notes for notes, drum in zip(tracks, drums, strict=True) if not drum]
    if not keys:
        guess = _estimate_key(pitched)
        if guess is not None:
            keys.append((0, *guess))
            log.debug("no key signature in the file: estimated %s", guess)
    elif keys[0][0] > 0:
        keys.insert(0, (0, keys[0][1], keys[0][2]))
    _spell(pitched, keys)
    # Drum notes name instruments, not pitches: they are written at their MIDI key, in C, without a key
    # signature (a percussion clef would misplace them: MusicXML's unpitched notes do not keep MIDI keys for
    # music21).
    _spell([notes for notes, drum in zip(tracks, drums, strict=True) if drum], [(0, 0, 0)])

    tempos: list[tuple[int, float]] = []
    for tp in sorted(score.tempos, key=lambda x: x.time):
        qpm = float(tp.qpm)
        if not 1 <= qpm <= 1000:
            continue
        t = round(tp.time * div / tpq)
        if tempos and tempos[-1][0] == t:
            tempos[-1] = (t, qpm)
        elif not tempos or abs(tempos[-1][1] - qpm) >= 0.05:
            tempos.append((t, qpm))

    out = stream.Score()
    out.metadata = metadata.Metadata()
    out.metadata.title = title or "Untitled score"
    out.metadata.movementName = out.metadata.title
    for i, (tr, notes, staves) in enumerate(zip(score.tracks, tracks, staves_of, strict=True)):
        if not notes:
            continue
        name = (
            str(tr.name).strip() or _instrument(tr.program, "", tr.is_drum).instrumentName or f"Track {i + 1}"
        )
        parts = []
        for s, staff_notes in enumerate(staves):
            part = stream.PartStaff() if len(staves) > 1 else stream.Part()
            part.partName = name
            part.id = f"P{i + 1}" + (f"-Staff{s + 1}" if len(staves) > 1 else "")
            inst = _instrument(tr.program, name, tr.is_drum)
            measures = _staff_measures(
                _voices(staff_notes),
                bars,
                div,
                pickup_start,
                _clef_for(staff_notes, s, len(staves)),
                [] if tr.is_drum else keys,
                tempos if not out.parts and s == 0 else [],
                inst,
            )
            for m in measures:
                part.append(m)
            out.insert(0, part)
            parts.append(part)
        if len(parts) > 1:
            out.insert(0, layout.StaffGroup(parts, name=name, symbol="brace", barTogether=True))
    return out


class _QuietChannels:
    """music21's exporter warns on stderr once per part beyond 15 ("we are out of midi channels! help!"):
    MusicXML has 16 MIDI channels, and a score of 40 staves is not an error. Such warnings go to the debug
    log; every other warning of the exporter is passed on."""

    def __init__(self, env) -> None:
        self._env = env

    def warn(self, msg, header=None) -> None:
        if "out of midi channels" in str(msg):
            log.debug("music21: %s", msg)
            return
        self._env.warn(msg, header)

    def __getattr__(self, name: str):
        return getattr(self._env, name)


def _quiet_channel_warnings() -> None:
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21.musicxml import m21ToXml

    if not isinstance(m21ToXml.environLocal, _QuietChannels):
        m21ToXml.environLocal = _QuietChannels(m21ToXml.environLocal)


def to_musicxml_bytes(score: Score, title: str | None = None, limits: ScoreLimits | None = None) -> bytes:
    """The uncompressed MusicXML text of ``score`` (see :func:`to_music21`, which checks ``limits``)."""
    # music21 takes ~0.3 s to import: only when MusicXML is written
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    _quiet_channel_warnings()
    exporter = GeneralObjectExporter(to_music21(score, title=title, limits=limits))
    # The bars, ties, beams and tuplets are already made; music21's makeNotation pass would only copy the
    # whole score and re-check it (two thirds of the export time for a pop song).
    exporter.makeNotation = False
    data = exporter.parse()
    # music21 names itself the composer when the score has none; a score partita writes has no known composer.
    return re.sub(rb"\s*<creator type=\"composer\">Music21</creator>", b"", data, count=1)


def write_musicxml(
    score: Score, path: str | os.PathLike, title: str | None = None, limits: ScoreLimits | None = None
) -> Path:
    """Write ``score`` as MusicXML (``.musicxml``/``.xml``) or compressed MusicXML (``.mxl``), atomically.

    The title defaults to the file's name. See :func:`to_music21` for how the notation is made; a score beyond
    ``limits`` is refused with a :class:`ScoreError` that names ``path``, before anything is written.
    """
    p = Path(path)
    try:
        data = to_musicxml_bytes(score, title=title or p.stem, limits=limits)
    except ScoreError as e:
        if e.path is None:
            raise ScoreError(str(e), e.reason, str(p)) from None
        raise
    if p.suffix.lower() == ".mxl":
        buf = io.BytesIO()
        inner = f"{p.stem or 'score'}.musicxml"
        container = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<container><rootfiles>'
            f'<rootfile full-path="{inner}" media-type="application/vnd.recordare.musicxml+xml"/>'
            "</rootfiles></container>\n"
        )
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("mimetype", "application/vnd.recordare.musicxml", compress_type=zipfile.ZIP_STORED)
            z.writestr("META-INF/container.xml", container)
            z.writestr(inner, data)
        data = buf.getvalue()
    atomic_write_bytes(p, data)
    return p
