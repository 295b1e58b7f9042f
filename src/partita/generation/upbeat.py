"""An upbeat a MIDI melody does not pad: its bar lines read from its notes (issue 21).

MIDI has no pickup bar. partita pads a pickup to a full bar when it reads MusicXML or ABC, which state their
bars, but a MIDI file written by music21 (and by most tools) starts an upbeat melody at tick 0, and its bars
read from tick 0 fall a beat or more off. :func:`place_pickup` reads where the first bar line falls under the
file's meter (:func:`partita.analysis.meter_inference.bar_phase`) and, when the reading is confident, pads
the pickup to a full bar of rest, as partita's own files have it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from pathlib import Path

import numpy as np
import symusic

from partita.analysis.meter_inference import (
    PHASE_MODEL_FILE,
    SLOTS_PER_QUARTER,
    BarPhase,
    bar_phase,
    beat_accents,
    phase_counts,
    phase_posterior,
    score_meters,
    triple_periodicity,
)
from partita.analysis.timeline import note_arrays
from partita.progress import ProgressCallback
from partita.score import Score
from partita.score.errors import ScoreError
from partita.score.formats import sniff_format

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.9
"""The posterior a bar line other than the file's needs before the melody is moved (a file whose first note
starts at tick 0)."""
MIN_CONFIDENCE_LATE = 1.01
"""The same for a file whose first note starts after tick 0: it placed its first note itself (partita's own
files pad a pickup so), and is never moved by a guess."""

MIN_BARS = 2
"""A melody shorter than this many bars is never moved by a guess: too few bars to tell their lines by."""

AUTO = "auto"


def parse_pickup(value: str | float | int | None) -> str | float:
    """``--pickup``: ``auto`` (read from the notes), or a number of beats (the meter's denominator note: a
    quarter in 3/4, an eighth in 6/8; 0: the file's bars as they are). A clear ValueError otherwise."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", AUTO)):
        return AUTO
    try:
        beats = float(str(value).strip().removesuffix("beats").removesuffix("beat").strip())
    except ValueError:
        raise ValueError(f"--pickup {value}: give auto, 0 or a number of beats (1, 2, 0.5)") from None
    if not 0 <= beats <= 64 or beats != beats:
        raise ValueError(f"--pickup {value}: give auto, 0 or a number of beats (1, 2, 0.5)")
    return beats


def _meter(score: Score) -> tuple[int, int]:
    sigs = sorted(score.time_signatures, key=lambda t: t.time)
    if sigs and int(sigs[0].time) == 0 and sigs[0].numerator > 0 and sigs[0].denominator > 0:
        return int(sigs[0].numerator), int(sigs[0].denominator)
    return 4, 4


def _beats(ticks: int, unit: float) -> str:
    n = ticks / unit
    text = f"{n:g}" if abs(n - round(n, 2)) < 1e-9 else f"{n:.2f}"
    return f"{text} beat{'' if text == '1' else 's'}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def pad_score(score: Score, ticks: int) -> Score:
    """``score`` with every event ``ticks`` later, its opening time signature, tempo and key kept at 0."""
    if ticks <= 0:
        return score
    out = score.shift_time(int(ticks), inplace=False)
    for events in (out.time_signatures, out.tempos, out.key_signatures):
        if len(events) and int(events[0].time) == int(ticks):
            events[0].time = 0
    return out


def place_pickup(score: Score, pickup: str | float = AUTO) -> tuple[Score, str | None]:
    """``score`` (a melody read from MIDI, which has no pickup bar) with its upbeat padded to a full bar of
    rest, and a one-line note saying so (None when nothing changed).

    ``pickup``: ``auto`` reads the bar lines from the notes (:func:`bar_phase`) and pads only when a bar line
    other than the file's is at least :data:`MIN_CONFIDENCE` likely, and only in a melody of
    :data:`MIN_BARS` bars or more whose first note starts at tick 0 (one starting later placed it itself:
    partita's own files pad so); a number of beats (the meter's denominator note) makes the first notes
    that long a pickup; 0 leaves the file as it is."""
    pickup = parse_pickup(pickup)
    notes = note_arrays(score)
    pitched = notes.select(~notes.drum)
    if pickup == 0 or len(pitched) == 0:
        return score, None
    num, den = _meter(score)
    tpq = int(score.ticks_per_quarter)
    bar, unit = num * 4 * tpq / den, 4 * tpq / den
    first = int(pitched.start.min())
    if pickup == AUTO:
        if int(pitched.end.max()) - first < MIN_BARS * bar:
            return score, None
        guess = bar_phase(notes, tpq, num, den)
        need = MIN_CONFIDENCE if first == 0 else MIN_CONFIDENCE_LATE
        if guess is None or guess.bar_line == 0 or guess.confidence < need:
            if guess is not None:
                log.info("bar phase: the file's bars kept (%.2f likely; best %s)", guess.kept, guess)
            return score, None
        ticks, confidence = guess.pickup, f" ({guess.confidence:.0%} likely)"
    else:
        ticks, confidence = int(round(float(pickup) * unit)), ""
        if ticks >= bar:
            raise ValueError(f"--pickup {pickup:g}: a pickup is shorter than the bar ({num}/{den})")
    pad = int(round((bar - ticks - first) % bar))
    if pad == 0:
        return score, None
    where = (
        f"on the melody's {_ordinal(int(ticks / unit) + 1)} beat"
        if ticks % unit == 0
        else f"{_beats(ticks, unit)} after its first note"
    )
    note = (
        f"read an upbeat of {_beats(ticks, unit)}{confidence}: the first bar line falls {where}; "
        "--pickup 0 keeps the file's bars"
    )
    return pad_score(score, pad), note


TRANSCRIBED_WEIGHTS = (0.5, 0.0, 0.5, 1.0)
"""Onsets, long notes, the end, the pickup's length: their weights in a transcribed line's bar phase
(:data:`partita.analysis.meter_inference.PHASE_WEIGHTS`, for written notes, is 0.3, 0.3, 2, 1). Long notes
are left out: in a transcription they are mostly repeated notes merged into one (a legato flute, a hum) and
fall anywhere; alone they put the first bar line right in 4 of 78 upbeat melodies of
``bench/bench_transcribe_bars.py --split valid`` (24 of 78 on the same melodies' written notes). The end
weighs little: the transcribed line's last note drifts by a tatum or more (alone it puts the first bar line
right in 20 of 78 upbeat melodies and none of 12 downbeat starts, against 44 and 9 on the written notes).
With :data:`TRANSCRIBED_CONFIDENCE`, chosen on the validation split and the test split's development half
(137 melodies, a grid of the weights, the noise and the threshold, by the mean of the upbeats read right and
the downbeat starts left alone): upbeats read right 49 -> 57 of 119, downbeat starts padded 5 -> 2 of 18,
bars right 62 -> 73 (onsets 1, the end 2, the pickup's length 1 at 90%, before)."""
TRANSCRIBED_CONFIDENCE = 0.8
"""How likely the upbeat :func:`transcribed_phase` reads must be before it is padded to a full bar (see
:data:`TRANSCRIBED_WEIGHTS`; 0.9 before)."""
TRANSCRIBED_NOISE = {"onset": 0.5, "end": 0.3}
"""The share of the fitted onset and end profiles left to chance for a transcribed line: a downbeat whose
onset was dropped or merged (the profile says 0.99 there) or a last note held long must not rule a bar line
out."""


@functools.cache
def _profiles() -> dict:
    return json.loads(PHASE_MODEL_FILE.read_text())["meters"] if PHASE_MODEL_FILE.exists() else {}


def transcribed_phase(
    notes, tpq: int, numerator: int, denominator: int, weights: tuple = TRANSCRIBED_WEIGHTS
) -> BarPhase | None:
    """:func:`bar_phase` for a quantised transcription (``notes``: its NoteArrays): the profiles fitted on
    written melodies, part of their onsets and end left to chance (:data:`TRANSCRIBED_NOISE`) and long notes
    unweighted (:data:`TRANSCRIBED_WEIGHTS`); None where :func:`bar_phase` gives none."""
    profile = _profiles().get(f"{numerator}/{denominator}")
    counts = phase_counts(notes, tpq, numerator, denominator)
    if profile is None or counts is None or len(profile["onset"]) != counts["bar"]:
        return None
    noisy = dict(profile)
    for cue in ("onset", "end"):
        p = np.asarray(profile[cue], dtype=float)
        chance = p.mean() if cue == "onset" else 1.0 / len(p)
        noisy[cue] = (1 - TRANSCRIBED_NOISE[cue]) * p + TRANSCRIBED_NOISE[cue] * chance
    post = phase_posterior(counts, noisy, weights)
    line = int(post.argmax())
    slot = tpq / SLOTS_PER_QUARTER
    first = int(notes.select(~notes.drum).start.min())
    tick = int(round(line * slot))
    return BarPhase(
        tick, int(round((tick - first) % (counts["bar"] * slot))), float(post[line]), float(post[0])
    )


def is_midi_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds MIDI (by its content), which states no pickup bar."""
    try:
        with open(path, "rb") as f:
            return sniff_format(f.read(64)) == "midi"
    except OSError:
        return False


def read_melody(
    path: str | os.PathLike,
    pickup: str | float | None = AUTO,
    snap: bool = True,
    progress: ProgressCallback | None = None,
) -> tuple[Score, str | None]:
    """A melody or theme from any file, as :func:`partita.generation.hummed.read_theme` reads it, with a MIDI
    file's upbeat padded (:func:`place_pickup`; MusicXML, ABC and audio never: their bars are stated or
    quantised from the first note) and the note saying so."""
    from partita.generation.hummed import read_theme

    chosen = parse_pickup(pickup)
    score = read_theme(path, snap=snap, progress=progress)
    if not is_midi_file(path):
        return score, None
    try:
        return place_pickup(score, chosen)
    except ValueError as e:
        raise ScoreError(str(e), "bad-pickup", Path(path).name) from None


MELODY_THREE_MARGIN = 1.5
"""How much evidence (:func:`meter_evidence`) a transcribed melody needs before 3/4 is written. With
:data:`MELODY_PERIODICITY` chosen on ``bench/bench_transcribe_bars.py``'s validation split and the test
split's development half (a logistic fit of the two cues, rounded; 3/4 read right, 4/4 kept right, dev then
valid): the accents alone by 0.8 (the reading before) 9/15 31/32, 14/30 52/60; weight 3 by 1.0 11/15 30/32,
20/30 52/60; weight 5 by 1.5 10/15 32/32, 19/30 57/60; weight 6 by 0.8 13/15 20/32, 23/30 44/60."""
MELODY_PERIODICITY = 5.0
"""The weight of the rhythm's periodicity (:func:`partita.analysis.meter_inference.triple_periodicity`)
beside the accents in :func:`meter_evidence`. Why the accents alone read few waltzes: they tell 3/4 from 4/4
on the written notes (ROC AUC 0.98 on the development half, 0.95 on the validation split) but less on the
transcriptions (0.89, 0.79), since they are read on the quarter grid from the first note, which an upbeat of
half a beat (11 of the 45 waltzes) or an onset lost or late puts off the beat; the periodicity needs no
phase (both, as weighed here: 0.89, 0.85)."""


def meter_evidence(score: Score, periodicity: float = MELODY_PERIODICITY) -> float | None:
    """How much a quantised melody says 3/4 rather than 4/4: how much more its accents fall every third beat
    than every second (``infer_meter``'s scores, in standard deviations, on the quarter-note grid from its
    first note), plus ``periodicity`` times how much more its rhythm repeats every 3 and 6 quarters than
    every 4 and 8 (:func:`triple_periodicity`, which needs no beat phase). None for fewer than 8 quarters."""
    notes = note_arrays(score)
    tpq = int(score.ticks_per_quarter)
    if len(notes) == 0 or not (~notes.drum).any():
        return None
    beats = np.arange(int(notes.start.min()), int(notes.end.max()) + tpq, tpq)
    if len(beats) < 9:
        return None
    scores = score_meters(beat_accents(notes, beats), candidates=(2, 3))
    best = {m: max(v for (k, _), v in scores.items() if k == m) for m in (2, 3)}
    return best[3] - best[2] + periodicity * triple_periodicity(notes, tpq)


def read_meter(
    score: Score, margin: float = MELODY_THREE_MARGIN, periodicity: float = MELODY_PERIODICITY
) -> tuple[tuple[int, int], str | None]:
    """3/4 when a quantised melody's accents and rhythm say so by ``margin`` (:func:`meter_evidence`), else
    4/4; and what was read, for the user. ``periodicity=0, margin=0.8`` is the reading before (issue 24:
    accents alone), which read 3/4 in 10 of 30 validation melodies."""
    evidence = meter_evidence(score, periodicity)
    if evidence is None or evidence <= margin:
        return (4, 4), None
    return (3, 4), f"read 3/4 (the accents and the rhythm repeat every third beat, {evidence:.1f})"


def _transcribed_upbeat(
    score: Score,
    num: int,
    den: int,
    weights: tuple = TRANSCRIBED_WEIGHTS,
    confidence: float = TRANSCRIBED_CONFIDENCE,
) -> tuple[Score, str | None]:
    """``score`` (a quantised transcription under ``num/den``) with the upbeat :func:`transcribed_phase`
    reads (with the cues' ``weights``) padded to a full bar, when it is ``confidence`` likely in two bars or
    more; an upbeat of part-beats is rounded to whole beats (a half down) by moving the first note's start,
    since it is the transcription's first note that is off: the notes after it sound late together, which
    lengthens it by half a beat in about one upbeat melody in five (none in the written ones). None (no
    note): unchanged."""
    notes = note_arrays(score)
    tpq = int(score.ticks_per_quarter)
    bar, beat = num * 4 * tpq // den, 4 * tpq // den
    if len(notes) == 0 or int(notes.end.max()) - int(notes.start.min()) < MIN_BARS * bar:
        return score, None
    guess = transcribed_phase(notes, tpq, num, den, weights)
    if guess is None or guess.bar_line == 0 or guess.confidence < confidence:
        return score, None
    beats = int(np.floor(guess.pickup / beat + 0.5 - 1e-9))  # whole beats, a half down
    if not 0 < beats < num:
        return score, None
    padded = pad_score(score, int(round((bar - guess.pickup - int(notes.start.min())) % bar)))
    first = min((n for t in padded.tracks for n in t.notes), key=lambda n: n.time)
    start, end = first.time + guess.pickup - beats * beat, first.time + first.duration
    if start >= end:
        return score, None
    cut = (
        ""
        if start == first.time
        else f", its first note cut from {_beats(end - first.time, beat)} to {_beats(end - start, beat)}"
    )
    first.time, first.duration = start, end - start
    note = (
        f"read an upbeat of {_beats(beats * beat, beat)} ({guess.confidence:.0%} likely): the first bar line "
        f"falls on the melody's {_ordinal(beats + 1)} beat{cut}"
    )
    return padded, note


def place_bars(
    score: Score,
    meter: str | None = None,
    pickup: str | float = AUTO,
    *,
    weights: tuple = TRANSCRIBED_WEIGHTS,
    confidence: float = TRANSCRIBED_CONFIDENCE,
) -> tuple[Score, str | None]:
    """A quantised transcription (first note at tick 0) with its bars where its notes put them: ``meter``
    (``"3/4"``; None: read, :func:`read_meter`) written, then its upbeat padded to a full bar (``pickup``
    auto: read, :func:`_transcribed_upbeat`, whole beats only; 0 or beats: :func:`place_pickup`); and one
    line saying what was read (None when 4/4 from the first note is kept). ``weights`` and ``confidence``:
    the upbeat reading's (:data:`TRANSCRIBED_WEIGHTS`, :data:`TRANSCRIBED_CONFIDENCE`)."""
    if meter is None:
        (num, den), read = read_meter(score)
    else:
        num, den = map(int, meter.split("/"))
        read = None
    score = score.copy()
    score.time_signatures = [symusic.TimeSignature(0, num, den)]
    try:
        if parse_pickup(pickup) == AUTO:
            score, upbeat = _transcribed_upbeat(score, num, den, weights, confidence)
        else:
            score, upbeat = place_pickup(score, pickup)
    except ValueError as e:
        raise ScoreError(str(e), "bad-pickup") from None
    if upbeat:
        upbeat = upbeat.removesuffix("; --pickup 0 keeps the file's bars")
        read = f"{read}; {upbeat}" if read else f"{upbeat[0].upper()}{upbeat[1:]}"
    if read:
        read += " (--meter and --pickup set them)"
    return score, read
