"""A melody over chords, measured as CM-HRNN measures it: chord tones on strong beats, repetition, tension.

Guo, Makris and Herremans, "Hierarchical recurrent neural networks for conditional melody generation with
long-term structure" (CM-HRNN, 2020), generate a lead-sheet melody over given chords and judge it with three
measures, all computed here on a melody (every pitched note of the score given, normally one track) and its
chords:

- **chord-tone ratio on strong beats** (:func:`chord_tone_ratio`): of the strong beats at which a melody note
  sounds (one that starts there, or is held across it) and a chord is given, the share whose note is a tone
  of that chord. Strong beats per meter (:data:`STRONG_BEATS`): beats 1 and 3 of 4/4 (and 4/2, 4/8), beat 1 of
  2/4 and 3/4 (and of 9/8), the two dotted beats of 6/8, beats 1 and 3 of the four dotted beats of 12/8; any
  other meter: the downbeat only. :class:`ChordTones` also gives the share of the notes *starting* on a
  strong beat that are chord tones, and the share of all notes (a chord tone of the chord at their onset).
- **compression ratio**: COSIATEC on the melody (:func:`partita.evaluation.compression.compression_ratio`),
  how much of it repeats at any transposition and time shift.
- **tonal tension**: Herremans and Chew's spiral-array measures
  (:func:`partita.evaluation.tension.tonal_tension`), one window a bar, against the key. Measured twice:
  on the melody with its chords sounding as block chords (one chord track: the chord's tones from C3 up, for
  as long as the chord lasts), what a listener hears of the lead sheet, and on the melody alone. The chords
  are the same for a generated melody and the real one written over them, so the first shows the melody's
  share of the tension diluted by the common chords; the second isolates it.

Chords are given as per-bar symbols (``"C Am F G"`` or ``["C", "A:min"]``: bar *i* has chord *i* mod *n*,
the progression looping over the melody's bars, as ``partita generate --chords`` reads them) or as
``(start_tick, end_tick, label)`` spans in the melody's ticks (POP909's annotations, converted). Labels are
chord symbols (``Am7``, read as ``partita generate --chords`` reads them) or mir_eval / Harte labels
(``A:min7``, ``C:maj/3``, ``G:sus4(b7)``, read by mir_eval, extensions and the bass included); ``N`` is no
chord (its beats are not counted).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import symusic

from partita.analysis.timeline import NoteArrays, note_arrays
from partita.evaluation.compression import compression_ratio
from partita.evaluation.tension import tonal_tension
from partita.score import Score
from partita.score.bars import bar_lines, notated_bars

log = logging.getLogger(__name__)

ChordSpan = tuple[int, int, str]
Chords = str | Sequence[str] | Sequence[ChordSpan]

STRONG_BEATS: dict[int, tuple[int, ...]] = {2: (0,), 3: (0,), 4: (0, 2), 6: (0, 3), 9: (0,), 12: (0, 6)}
"""The strong beats of a bar by its time signature's numerator, as offsets in the denominator's note value
(0 = the downbeat): 4/4 beats 1 and 3, 3/4 beat 1, 6/8 the two dotted beats (eighths 1 and 4), 12/8 dotted
beats 1 and 3; a numerator not listed: the downbeat only."""

CHORD_OCTAVE = 48
"""The lowest pitch of the block chords the tension of a lead sheet is measured with (C3)."""

NO_CHORD = ("N", "X", "")


@dataclass
class ChordTones:
    """How a melody sits on its chords (:func:`chord_tones_of`); NaN where nothing was counted."""

    strong_beats: float
    """Share of the strong beats with a sounding melody note (and a chord) whose note is a chord tone: the
    chord-tone ratio."""
    strong_onsets: float
    """Share of the notes starting on a strong beat that are chord tones."""
    all_notes: float
    """Share of all notes that are a tone of the chord sounding at their onset."""
    counted: int
    """Strong beats counted (a melody note sounding and a chord given)."""


@dataclass
class LeadsheetReport:
    """CM-HRNN's measures of one melody over its chords (:func:`leadsheet_report`)."""

    key: str
    notes: int
    bars: int
    chord_tone_ratio: float
    """Chord tones on strong beats (:attr:`ChordTones.strong_beats`)."""
    chord_tones: ChordTones
    compression_ratio: float
    tension: dict[str, float] = field(default_factory=dict)
    """Mean cloud diameter, cloud momentum and tensile strain of the melody with its chords as block
    chords."""
    melody_tension: dict[str, float] = field(default_factory=dict)
    """The same of the melody alone."""

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------- the chords


def chord_label(symbol: str) -> str:
    """A chord as a mir_eval label: ``"Am7"`` -> ``"A:min7"`` (partita's chord-symbol reading, as ``--chords``
    reads it), a label with a colon or ``N`` as it is; a clear ValueError for anything else."""
    symbol = str(symbol).strip()
    if symbol in NO_CHORD or ":" in symbol:
        return symbol or "N"
    from partita.generation.prompt import project_prompt  # the one reader of chord symbols

    return project_prompt("", chords=[symbol]).chords[0]


@functools.lru_cache(maxsize=1024)
def chord_pitch_classes(label: str) -> frozenset[int]:
    """The pitch classes of a chord (a symbol or a mir_eval label; its bass and extensions included); empty
    for ``N``. A clear ValueError for a label mir_eval cannot read."""
    import mir_eval

    label = chord_label(label)
    if label in NO_CHORD:
        return frozenset()
    try:
        root, bitmap, bass = mir_eval.chord.encode(label, reduce_extended_chords=True)
    except mir_eval.chord.InvalidChordException as e:
        raise ValueError(f"not a chord label: {label!r} ({e})") from None
    tones = {(root + i) % 12 for i in np.flatnonzero(bitmap).tolist()}
    return frozenset(tones | {(root + bass) % 12})


def chord_spans(chords: Chords, score: Score, bars: int | None = None) -> list[ChordSpan]:
    """``chords`` as ``(start_tick, end_tick, label)`` spans of ``score``: per-bar symbols loop over its
    ``bars`` bars (default: its notated bars), spans are checked and returned sorted."""
    if isinstance(chords, str):
        chords = chords.replace(",", " ").replace("|", " ").split()
    items = list(chords)
    if not items:
        raise ValueError(
            "no chords given: give per-bar symbols such as 'C Am F G' or (start, end, label) spans"
        )
    if all(isinstance(c, str) for c in items):
        n_bars = bars if bars is not None else max(1, notated_bars(score))
        lines = bar_lines(score, n_bars)
        return [(lines[i], lines[i + 1], chord_label(items[i % len(items)])) for i in range(n_bars)]
    spans = []
    for c in items:
        if isinstance(c, str) or len(c) != 3:
            raise ValueError(f"{c!r}: give chords either all as symbols or all as (start, end, label) spans")
        start, end, label = int(c[0]), int(c[1]), chord_label(c[2])
        if end <= start:
            raise ValueError(f"chord {label} from tick {start} to {end}: a chord must end after it starts")
        spans.append((start, end, label))
    return sorted(spans)


def _chord_at(spans: list[ChordSpan], times: np.ndarray) -> list[frozenset[int] | None]:
    """The pitch classes of the chord sounding at each time (the latest starting there); None: no chord."""
    starts = np.array([s for s, _, _ in spans], dtype=np.int64)
    i = np.searchsorted(starts, times, side="right") - 1
    out: list[frozenset[int] | None] = []
    for k, t in zip(i.tolist(), times.tolist(), strict=True):
        tones = chord_pitch_classes(spans[k][2]) if k >= 0 and t < spans[k][1] else frozenset()
        out.append(tones or None)
    return out


# ----------------------------------------------------------------------------------------- the strong beats


def strong_beat_offsets(numerator: int, denominator: int, tpq: int) -> list[int]:
    """The ticks of a bar's strong beats from its downbeat (:data:`STRONG_BEATS`)."""
    unit = tpq * 4 / max(int(denominator), 1)
    return [round(b * unit) for b in STRONG_BEATS.get(int(numerator), (0,))]


def strong_beat_times(score: Score, bars: int) -> np.ndarray:
    """The ticks of the strong beats of the first ``bars`` bars, each bar by the time signature in force at
    its start (4/4 before the first)."""
    lines = bar_lines(score, bars)
    signatures = sorted((int(t.time), int(t.numerator), int(t.denominator)) for t in score.time_signatures)
    tpq = max(int(score.ticks_per_quarter), 1)
    out = []
    for b in range(bars):
        num, den = 4, 4
        for time, n, d in signatures:
            if time <= lines[b] and n > 0 and d > 0:
                num, den = n, d
        out += [lines[b] + o for o in strong_beat_offsets(num, den, tpq) if lines[b] + o < lines[b + 1]]
    return np.array(out, dtype=np.int64)


# ------------------------------------------------------------------------------------------- the measures


def melody_notes(score: Score) -> NoteArrays:
    """The pitched notes of ``score`` (its melody); a clear ValueError when it has none."""
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    if len(notes) == 0:
        raise ValueError("the melody has no pitched notes: there is nothing to measure against the chords")
    return notes


def chord_tones_of(melody: Score, chords: Chords, tolerance: int | None = None) -> ChordTones:
    """The melody's notes against its chords (see the module docstring). A note counts as on a beat when it
    starts within ``tolerance`` ticks of it (default a 48th of a whole note: the timing of a played
    melody); at a strong beat, the notes sounding ``tolerance`` ticks after it are the ones heard there."""
    notes = melody_notes(melody)
    tpq = max(int(melody.ticks_per_quarter), 1)
    tol = tpq // 12 if tolerance is None else int(tolerance)
    bars = max(1, notated_bars(melody))
    spans = chord_spans(chords, melody, bars)
    beats = strong_beat_times(melody, bars)
    hits = counted = 0
    for t, tones in zip(beats.tolist(), _chord_at(spans, beats + tol), strict=True):
        if tones is None:
            continue
        sounding = (notes.start <= t + tol) & (notes.end > t + tol)
        for pitch in notes.pitch[sounding].tolist():
            counted += 1
            hits += int(pitch) % 12 in tones
    nearest, distance = _nearest(beats, notes.start)
    onset_beat = distance <= tol
    at_onset = _chord_at(spans, np.where(onset_beat, nearest, notes.start))  # a note played early: its beat's
    return ChordTones(
        strong_beats=hits / counted if counted else math.nan,
        strong_onsets=_share(
            notes.pitch[onset_beat], [c for c, b in zip(at_onset, onset_beat.tolist(), strict=True) if b]
        ),
        all_notes=_share(notes.pitch, at_onset),
        counted=counted,
    )


def _nearest(beats: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest strong beat to each time (either side) and the ticks to it."""
    if not len(beats):
        return np.asarray(times), np.full(len(times), np.iinfo(np.int64).max)
    i = np.searchsorted(beats, times)
    before, after = beats[np.clip(i - 1, 0, len(beats) - 1)], beats[np.clip(i, 0, len(beats) - 1)]
    nearest = np.where(np.abs(times - before) <= np.abs(times - after), before, after)
    return nearest, np.abs(times - nearest)


def _share(pitches: np.ndarray, chords: list[frozenset[int] | None]) -> float:
    """Share of the pitches (with a chord) that are tones of their chord; NaN when none has a chord."""
    pairs = [(int(p) % 12, c) for p, c in zip(pitches.tolist(), chords, strict=True) if c is not None]
    return sum(p in c for p, c in pairs) / len(pairs) if pairs else math.nan


def chord_tone_ratio(melody: Score, chords: Chords, tolerance: int | None = None) -> float:
    """CM-HRNN's chord-tone ratio: the share of the strong beats with a sounding melody note whose note is a
    tone of the chord there (:func:`chord_tones_of`); NaN when no strong beat has a note and a chord."""
    return chord_tones_of(melody, chords, tolerance).strong_beats


def with_chords(melody: Score, chords: Chords) -> Score:
    """A copy of ``melody`` with its chords added as a track of block chords: each chord's pitch classes
    from :data:`CHORD_OCTAVE` up, sounding for as long as the chord lasts."""
    out = melody.copy()
    track = symusic.Track("chords", 0, False)
    for start, end, label in chord_spans(chords, melody, max(1, notated_bars(melody))):
        for pc in sorted(chord_pitch_classes(label)):
            track.notes.append(symusic.Note(int(start), int(end - start), CHORD_OCTAVE + pc, 60))
    track.notes.sort()
    out.tracks.append(track)
    return out


def leadsheet_tension(melody: Score, chords: Chords | None, key: str | None = None) -> dict[str, float]:
    """The mean tension measures (cloud diameter, momentum, tensile strain; one window a bar) of the melody
    with its chords as block chords (:func:`with_chords`), or of the melody alone when ``chords`` is None;
    against ``key`` (estimated from the notes when None). NaNs when no key can be found."""
    score = with_chords(melody, chords) if chords is not None else melody
    tension = tonal_tension(score, key=key)
    if tension is None:
        return {"cloud_diameter": math.nan, "cloud_momentum": math.nan, "tensile_strain": math.nan}
    return tension.summary()


def leadsheet_report(melody_score: Score, chords: Chords, key: str | None = None) -> LeadsheetReport:
    """CM-HRNN's three measures of a melody over its chords (see the module docstring): chord tones on
    strong beats, COSIATEC compression ratio, tonal tension with and without the chords. ``key`` (``"D
    major"``, ``"Eb:maj"``) is the key tension is measured against; None: estimated from the melody with its
    chords. A clear ValueError for a melody without notes or a chord that does not read."""
    notes = melody_notes(melody_score)
    tones = chord_tones_of(melody_score, chords)
    if key is None:
        found = tonal_tension(with_chords(melody_score, chords))
        key = found.key if found is not None else None
    report = LeadsheetReport(
        key=key or "",
        notes=len(notes),
        bars=notated_bars(melody_score),
        chord_tone_ratio=tones.strong_beats,
        chord_tones=tones,
        compression_ratio=compression_ratio(melody_score),
        tension=leadsheet_tension(melody_score, chords, key),
        melody_tension=leadsheet_tension(melody_score, None, key),
    )
    log.debug("lead sheet: %s", report)
    return report
