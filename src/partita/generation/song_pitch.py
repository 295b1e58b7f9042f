"""The pitches of a vocal line: a chord a bar, chord tones near an arch on the strong beats, steps between, a
cadence at each phrase end, and Mandarin tone contours followed as a preference (issue 25).

Rules, nothing learned (docs/SONGS.md); :func:`partita.generation.song.sing` puts the rhythm
(:mod:`partita.generation.song_rhythm`) and the pitches together. Pitches are scale degrees here (0 = the
tonic, 7 = the octave above); :func:`midi_of_degree` turns them into MIDI notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from partita.generation.song_rhythm import slot_weights
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
ONE, TWO, FOUR, FIVE, SIX = 0, 1, 3, 4, 5  # chord roots as scale degrees: I, ii, IV, V, vi
FILL = (FOUR, ONE, SIX, TWO, FOUR, ONE)


# --- register: how wide a song's melody spans, by style -------------------------------------------------

STYLE_RANGE: dict[str, float] = {
    "chorale": 11.7,
    "german_folk": 12.6,
    "folk": 12.7,
    "chinese_folk": 14.0,
    "pop": 18.6,
}
"""The mean range (highest minus lowest note, semitones) of real song melodies by style, measured by
``python scripts/song-ranges.py``: the Bach chorales' sopranos (JSB train split, 229), Essen folk songs of
music21's corpus (German 5,979; Chinese 1,224; Lorraine, Luxembourg and Irish 1,180) and POP909's vocal
melodies (400 songs with even ids). A style without data (waltz, romantic ...) gets :data:`DEFAULT_RANGE`."""
DEFAULT_RANGE = 12.0
"""The range of a song with no style: the median of all the songs above (most of them span an octave)."""
LANGUAGE_STYLE = {"zh": "chinese_folk"}
"""The style whose range a song without one takes from its lyrics' language."""
ARCH_OTHER_LINES = 0.7
"""The height of a line's arch that is not a section's climax, as a share of the climax line's."""
CHORUS_LIFT = 0.15
"""Added to a line's arch share in a chorus or bridge: sung higher than a verse."""
HIGH_KINDS = ("chorus", "bridge", "refrain")
"""Section kinds sung higher than a verse: in a song that has both, they take the song's top."""
SECTION_SHARE = 0.85
"""The share of a song's range that one kind of section spans: a song of verses only (or of choruses only)
spans this share of its style's range, a song with verses and a chorus the whole range (the verses lower).
The style ranges are of whole tunes; a verse of text spans less (the first verses of music21's Bach chorales
that ``bench/bench_song_real.py`` reads span 9.9 semitones, the first 30 whole soprano parts 11.5). Fitted on
the development half of that benchmark's real songs (``--fit-share``), reported on the other half
(docs/SONGS.md)."""
WHOLE_RANGE_STYLES = ("chinese_folk",)
"""Styles whose verses span the style's whole range (:attr:`Register.share` 1): no Chinese song with lyrics
ships offline to fit a share on, and the Mandarin tone rule needs the room (``bench/bench_song_tones.py``:
tone-melody agreement on the Tang lines 0.967 with the whole 14 semitones, 0.942 with 0.85 of them)."""
LOWEST = -1
"""About the lowest degree a song reaches (the leading tone under the tonic): its span is counted from it."""


@dataclass(frozen=True)
class Register:
    """How wide a song's melody spans (``semitones``: the whole song's range, a style's target) and where
    its anchors may lie (scale degrees, 0 = the tonic). ``shift`` moves every section's top by whole
    degrees: :func:`partita.generation.song.sing` sets it so that the sung song spans its target."""

    semitones: float = DEFAULT_RANGE
    shift: int = 0
    share: float = SECTION_SHARE
    """The share of :attr:`semitones` one kind of section spans (:data:`SECTION_SHARE`)."""

    @property
    def degrees(self) -> int:
        return max(4, round(self.semitones * 7 / 12))

    def song_semitones(self, kinds: tuple[str, ...] = ("verse",)) -> float:
        """The range the whole song should span: all of :attr:`semitones` with both verses and a chorus
        (``kinds``: its sections' kinds), :data:`SECTION_SHARE` of it with one kind of section only."""
        high = [k in HIGH_KINDS for k in kinds]
        return self.semitones if any(high) and not all(high) else self.semitones * self.share

    def top(self, kind: str = "verse", kinds: tuple[str, ...] = ("verse",)) -> int:
        """The highest degree a strong-beat note of a section of ``kind`` may take: the song's top for a
        chorus (or bridge) of a song with verses, :data:`SECTION_SHARE` of the range above the lowest note
        for the rest."""
        high = [k in HIGH_KINDS for k in kinds]
        mixed = any(high) and not all(high)
        semis = self.semitones if mixed and kind in HIGH_KINDS else self.semitones * self.share
        return max(3, LOWEST + round(semis * 7 / 12) + self.shift)

    @property
    def bounds(self) -> tuple[int, int]:
        """The lowest and highest degree a chord tone on a strong beat of a verse may take."""
        return -3, self.top()

    def section_bounds(self, kind: str, kinds: tuple[str, ...]) -> tuple[int, int]:
        """:attr:`bounds` for a section of ``kind`` in a song of sections ``kinds``."""
        return -3, self.top(kind, kinds)

    def arch(self, line: int, lines: int, kind: str = "verse", kinds: tuple[str, ...] = ("verse",)) -> float:
        """The height of a line's arch (degrees from its base, about 1.5, to its peak): up to the section's
        top on its climax line (the middle one: line 2 of 4, 2 of 3, 1 of 2), :data:`ARCH_OTHER_LINES` of
        that elsewhere (:data:`CHORUS_LIFT` more in a chorus or bridge)."""
        share = 1.0 if line == lines // 2 else ARCH_OTHER_LINES
        if kind in HIGH_KINDS:
            share = min(1.0, share + CHORUS_LIFT)
        return round((self.top(kind, kinds) - 1.5) * share, 1)


def register_for(
    style: str | None = None, language: str | None = None, semitones: float | None = None
) -> Register:
    """The register of a song: ``semitones`` if given (the whole song spans it), else its ``style``'s
    :data:`STYLE_RANGE`, else the style of its lyrics' ``language`` (:data:`LANGUAGE_STYLE`), else
    :data:`DEFAULT_RANGE` (a song of one kind of section spans :data:`SECTION_SHARE` of a style's range)."""
    if semitones is not None:
        if not 4 <= semitones <= 36:
            raise ValueError(f"a vocal range of {semitones:g} semitones: give 4 to 36")
        return Register(float(semitones), share=1.0)  # asked: the song spans it, verses only or not
    style = style if style in STYLE_RANGE else LANGUAGE_STYLE.get(language or "")
    share = 1.0 if style in WHOLE_RANGE_STYLES else SECTION_SHARE
    return Register(STYLE_RANGE.get(style or "", DEFAULT_RANGE), share=share)


# --- harmony and pitch -----------------------------------------------------------------------------------


def _chords(halves: int, end: int) -> list[int]:
    """Chord roots (scale degrees) for ``halves`` harmonic spans ending on ``end`` (ONE or FIVE)."""
    if halves == 1:
        return [end]
    before = FIVE if end == ONE else FOUR
    middle = [FILL[i % len(FILL)] for i in range(max(0, halves - 3))]
    return ([ONE] + middle + [before, end])[-halves:] if halves >= 3 else [before, end]


def chord_span(meter: str) -> int:
    """Slots per chord: one chord a bar (as partita's accompaniment plays them)."""
    return len(slot_weights(meter))


def phrase_roots(total: int, meter: str, end: str) -> list[int]:
    """The chord roots (scale degrees, one a bar) of a phrase of ``total`` slots ending on ``end``."""
    return _chords(math.ceil(total / chord_span(meter)), ONE if end in ("tonic", "mediant") else FIVE)


def _nearest(options: list[int], target: float, prev: int | None) -> int:
    near = [d for d in options if prev is None or abs(d - prev) <= 4] or options
    return min(near, key=lambda d: (abs(d - target), abs(d - (prev if prev is not None else target))))


def line_pitches(
    onsets: list[int],
    total: int,
    meter: str,
    end: str,
    rng: np.random.Generator,
    height: float | None = None,
    bounds: tuple[int, int] = (-3, 9),
    high_cadence: bool = True,
    leaps: LeapStyle | None = None,
    lengths: list[float] | None = None,
    start_from: int | None = None,
    mode: str = "major",
) -> list[int]:
    """Scale degrees (0 = tonic) for a phrase's onsets: chord tones on strong beats, steps between.

    The strong-beat notes follow an arch from a base (1-2) up to ``height`` degrees above it, give or take a
    degree (:meth:`Register.arch`; None: 1-4 degrees, the old fixed arch), within ``bounds``. With
    ``high_cadence`` the cadence note may be an octave up, where the line ends high (no leap down to it).
    ``leaps`` (None: none) then turns some notes after a long one into leaps to a chord tone (:func:`leap`;
    ``lengths``: each note's length in eighths, None: to the next onset). ``start_from``: the previous
    line's last degree, from which a style with :attr:`LeapStyle.across` starts the line (:func:`line_start`).
    ``mode`` ("major" or "minor"): which degrees a style's :attr:`LeapStyle.pentatonic` moves off.
    """
    weights = slot_weights(meter)
    span = chord_span(meter)
    roots = phrase_roots(total, meter, end)
    if height is None:
        peak, base = float(rng.integers(3, 6)), float(rng.integers(1, 3))
    else:
        base = float(rng.integers(1, 3))
        peak = base + height + float(rng.integers(-1, 2))
    degrees: list[int | None] = [None] * len(onsets)
    prev = None
    for i, p in enumerate(onsets):
        last = i == len(onsets) - 1
        if not (last or i == 0 or weights[p % len(weights)] >= 2):
            continue
        root = roots[min(p // span, len(roots) - 1)]
        tones = [root + k + 7 * o for o in (-1, 0, 1) for k in (0, 2, 4)]
        tones = [d for d in tones if bounds[0] <= d <= bounds[1]]
        if last:  # the cadence note, an octave up where a line ends high (no leap down to it)
            low = {"tonic": [0], "mediant": [2], "dominant": [1, 4]}[end]
            tones = low + [d + 7 for d in low if high_cadence and d + 7 <= bounds[1]]
        target = (
            base + (peak - base) * math.sin(math.pi * min(1.0, p / max(1, total - 4))) + rng.normal(0, 1.0)
        )
        if i == 0 and not last and start_from is not None and leaps is not None and leaps.across is not None:
            tones = line_start(tones, start_from, leaps, rng)
        degrees[i] = prev = _nearest(tones, target, prev)
    out = _fill_steps(degrees)
    if leaps is None:
        return out
    if lengths is None:
        lengths = [float(b - a) for a, b in zip(onsets, [*onsets[1:], total], strict=True)]
    if leaps.repeat > 0.0:
        out = repeat_notes(out, degrees, leaps.repeat, rng)
    anchors = [i for i, d in enumerate(degrees) if d is not None]
    bounds = (min(out), bounds[1])
    out = leap(out, anchors, onsets, lengths, roots, chord_span(meter), bounds, leaps, rng)
    if leaps.pentatonic > 0.0:
        out = pentatonic(out, degrees, leaps.pentatonic, rng, OFF_PENTATONIC[mode])
    return out


def _fill_steps(degrees: list[int | None]) -> list[int]:
    """Fill the notes between anchors by steps from one anchor toward the next (a neighbour tone if equal)."""
    out = list(degrees)
    anchors = [i for i, d in enumerate(degrees) if d is not None]
    for a, b in zip(anchors, anchors[1:], strict=False):
        m = b - a - 1
        for k in range(m):
            step = round((out[b] - out[a]) * (k + 1) / (m + 1))
            if step == 0 and k % 2 == 0:
                step = 1
            out[a + k + 1] = out[a] + step
    return [int(d) for d in out]


def repeat_notes(
    out: list[int], anchors: list[int | None], chance: float, rng: np.random.Generator
) -> list[int]:
    """``out`` with some notes between strong-beat notes (``anchors[i]`` None) sung again at the note
    before's pitch: with ``chance`` each, where the notes on either side lie a step apart or at one pitch
    (so that no new leap is made), never the line's first or last note. A long syllable so repeated may
    then take a neighbour tone (``song_rhythm.RhythmStyle.passing``): more melismas in pop."""
    out = list(out)
    for i in range(1, len(out) - 1):
        if anchors[i] is not None or out[i] == out[i - 1] or abs(out[i + 1] - out[i - 1]) > 1:
            continue
        if rng.random() < chance:
            out[i] = out[i - 1]
    return out


OFF_PENTATONIC = {"major": (3, 6), "minor": (1, 5)}
"""The scale degrees (0 = tonic) outside the key's pentatonic scale: the fourth and seventh of a major key,
the second and sixth of a minor one (its relative major's fourth and seventh). POP909's melodies sing the
fourth and seventh of a major key 0.043 and 0.050 of the time, the sixth of a minor one 0.029
(``bench/song_pitch_fit.py``)."""


def pentatonic(
    out: list[int],
    anchors: list[int | None],
    chance: float,
    rng: np.random.Generator,
    off: tuple[int, int] = OFF_PENTATONIC["major"],
) -> list[int]:
    """``out`` with some notes between strong-beat notes (``anchors[i]`` None; never the line's first or
    last) that fall on a degree of ``off`` moved a step, with ``chance`` each: on the way the line came
    (up after a lower note, down after a higher one; either way, drawn, after the same note), else the
    other way, to a degree within a third of the notes on either side (no new leap); left where neither
    is."""
    out = list(out)
    for i in range(1, len(out) - 1):
        if anchors[i] is not None or out[i] % 7 not in off or rng.random() >= chance:
            continue
        way = 1 if out[i] > out[i - 1] else -1 if out[i] < out[i - 1] else int(rng.choice((-1, 1)))
        for d in (out[i] + way, out[i] - way):
            if d % 7 not in off and abs(d - out[i + 1]) <= 2 and abs(d - out[i - 1]) <= 2:
                out[i] = d
                break
    return out


# --- leaps: after a long note, to a chord tone, and back by step (gap-fill) ------------------------------

LONG, HELD = 2, 4
"""A note of :data:`LONG` eighths or more (a quarter) may be followed by a leap, one of :data:`HELD` or more
(a half) more often: in the real songs of ``bench/bench_song_real.py`` (development half) a leap over a
major third follows 0.36 of the notes of a half or more, 0.10 of the quarters and almost no eighth."""


TRITONE = {3, 6}
"""The fourth and the seventh degree: a tritone apart (in major, and in minor on V), never a leap."""


@dataclass(frozen=True)
class LeapStyle:
    """How often a vocal line leaps (a fourth or more, to a chord tone, the line stepping back after it):
    ``after_long`` the chance at each note that follows a quarter note or longer, ``after_held`` one that
    follows a half note or longer (a phrase's last note is never changed), ``widest`` the widest leap in
    scale steps (3 a fourth, 4 a fifth, 5 a sixth). A chance is of trying: a note leaps only where a chord
    tone lies that far away and the line can step back from it to its next strong-beat note (:func:`leap`).
    """

    after_long: float = 0.0
    after_held: float = 0.0
    widest: int = 4
    up: float = 0.5
    """The chance that a note that may leap either way leaps up."""
    across: float | None = None
    """The chance that a line (not a section's first) starts with a leap from the previous line's last note
    (to a chord tone three to ``widest`` degrees away, the nearest to its arch); otherwise it starts within
    a third of that note (:func:`line_start`). None: a line's first note follows its own arch alone."""
    onward: float = 0.0
    """The chance that a leap goes on the same way to a chord tone of the next note's bar, a third to
    ``widest`` degrees further (an arpeggio), where the line can still step back from there to its next
    strong-beat note (:func:`leap`; that note may be the one that goes on, kept a chord tone).
    0 in every style: fitted on the development half (``--fit-leaps``), English and the chorales read 0
    (their real songs go on after 1 of 26 and 0 of 26 leaps, partita's lines already 0.03 and 0); the
    lied's fit (1.0: Schubert goes on after 4 of 16, partita reaches 0.04) moved the held-out lied away from
    its real share (0.06 against 0 of 3) and was not kept (docs/SONGS.md). At 0 no chance is drawn: the
    lines are the same as without the field."""
    repeat: float = 0.0
    """The chance that a note between strong-beat notes that turns back or passes by a step (the notes on
    either side of it a step apart or the same) repeats the note before it instead: a line sung on one
    pitch for a few syllables, as pop verses are (:func:`repeat_notes`). 0: no chance is drawn and the
    lines are the same as without the field."""
    pentatonic: float = 0.0
    """The chance that a note between strong-beat notes on the fourth or seventh degree of a major key (the
    second or sixth of a minor one: :data:`OFF_PENTATONIC`) moves a step on, past it, to the pentatonic
    degree the line was heading for (E F G sung E G G, a third where the scale stepped), or back where
    that would leap (:func:`pentatonic`): POP909's melodies lean on the pentatonic scale. 0: no chance is
    drawn and the lines are the same as without the field."""


NO_LEAPS = LeapStyle()
"""The lines as the arch and the steps give them (before leaps were added; Chinese lines)."""
STYLE_LEAPS: dict[str, LeapStyle] = {
    "pop": LeapStyle(after_long=0.7, after_held=1.0, widest=5, up=0.5, across=0.0, repeat=1.0),
    "chorale": LeapStyle(after_long=0.3, after_held=0.9, widest=4, up=0.8, across=0.3),
    "chinese_folk": NO_LEAPS,
}
"""Each style's leaps, chosen on the development half of ``bench/bench_song_real.py``'s real songs (every
other song: 2 English sung as "pop", 15 Bach chorales as "chorale", 1 German lied with no style:
:data:`DEFAULT_LEAPS`) and reported on the other half (docs/SONGS.md), by ``--fit-leaps`` averaged over
four seeds: first ``across``, the value of 0 to 1 whose share of lines starting with a leap over a major
third came nearest the real songs' (English 0 of 11 lines, chorales 0.26, Schubert 0.28; the German Essen
folk songs' phrases 0.27), then with it ``after_long``, the value of 0.1 to 0.8 (``after_held`` three
times it, at most 1) whose share of leaps over a major third among all intervals came nearest; ``widest``
and ``up`` follow the development half's leaps (English: sixths common, up as often as down; chorales:
fourths and fifths, four in five up; Schubert: two in three up). Chinese lines keep none: the tone rule
(:func:`tone_pitches`) chooses their leaps. ``onward`` (arpeggios) is 0 everywhere
(:attr:`LeapStyle.onward`); the lied's fit of it (1.0, then ``after_long`` 0.8) was not kept. Pop's
``across`` fitted on POP909's melodies instead (``bench_song_real.py --fit-pop-starts``: 0.3, whose lines
start with a leap 0.36 of the time against 0.387 on the development half and 0.366 held out) was not kept:
it moved the held-out English songs' range from the real one (docs/SONGS.md). Pop's ``repeat`` (1.0: every
note between strong-beat notes that may repeat the one before does) was chosen on the development halves of
``bench/bench_song_realism.py --fit-repeat`` (POP909's melodies: repeated notes 0.226 of intervals, partita
0.122 with none, 0.234 with 1.0; 0 to 1 by 0.25 tried over eight seeds) and of this benchmark's English songs
(0.208; partita 0.066 and 0.206 over four seeds); held out: POP909 0.238 against 0.234, the English pair 0.138
against 0.227 (docs/SONGS.md). The other styles repeat none (0)."""
DEFAULT_LEAPS = LeapStyle(after_long=0.7, after_held=1.0, widest=4, up=0.7, across=0.7)
"""The leaps of a style without its own (German lieder in the benchmark, waltzes, folk songs ...)."""


def leaps_for(style: str | None = None, language: str | None = None) -> LeapStyle:
    """The leaps of ``style`` (:data:`STYLE_LEAPS`), else none for Chinese lyrics, else
    :data:`DEFAULT_LEAPS`."""
    if style in STYLE_LEAPS:
        return STYLE_LEAPS[style]
    return NO_LEAPS if language == "zh" and style is None else DEFAULT_LEAPS


def line_start(tones: list[int], start_from: int, style: LeapStyle, rng: np.random.Generator) -> list[int]:
    """The chord tones (of ``tones``) a line may start on after a line that ended on ``start_from``: with
    ``style.across``'s chance those a leap away (three to ``style.widest`` degrees, never a tritone, or an
    octave: the real songs' lines start a fourth, a fifth or an octave from the last note where they leap),
    else those within a third (a step, a third or the same note); all of ``tones`` where none lies so."""
    leap_ = rng.random() < (style.across or 0.0)
    near = [d for d in tones if abs(d - start_from) <= 2]
    far = [
        d
        for d in tones
        if (3 <= abs(d - start_from) <= style.widest or abs(d - start_from) == 7)
        and {d % 7, start_from % 7} != TRITONE
    ]
    return (far if leap_ else near) or near or tones


def _leap_to(
    prev: int, target: int, moves: int, root: int, bounds: tuple[int, int], style: LeapStyle, rng
) -> int | None:
    """A chord tone of ``root`` three to ``style.widest`` degrees from ``prev`` (up with ``style.up``'s
    chance where both ways are open), within ``bounds``, past which the line turns back to ``target`` in
    ``moves`` notes, by steps (a third on the last move at most); None if there is none."""
    options = [
        d
        for d in range(bounds[0], bounds[1] + 1)
        if (d - root) % 7 in (0, 2, 4)
        and 3 <= abs(d - prev) <= style.widest
        and {d % 7, prev % 7} != TRITONE
        and (target - d) * (d - prev) < 0
        and abs(target - d) <= moves + 1
    ]
    ups, downs = [d for d in options if d > prev], [d for d in options if d < prev]
    if ups and downs:
        options = ups if rng.random() < style.up else downs
    return int(rng.choice(options)) if options else None


def _arpeggio(
    prev: int, target: int, moves: int, roots: tuple[int, int], bounds: tuple[int, int], style: LeapStyle, rng
) -> tuple[int, int] | None:
    """A leap and a move on the same way from ``prev`` (an arpeggio): a chord tone of ``roots[0]`` three to
    ``style.widest`` degrees away, then one of ``roots[1]`` two (a third) to ``style.widest`` degrees
    further (never a tritone), within ``bounds``, past which the line turns back to ``target`` in ``moves``
    notes by steps (a third on the last move at most); up with ``style.up``'s chance where both ways are
    open; None if there are none."""
    lo, hi = bounds

    def on(a: int, root: int, least: int) -> list[int]:
        return [
            d
            for d in range(lo, hi + 1)
            if (d - root) % 7 in (0, 2, 4)
            and least <= abs(d - a) <= style.widest
            and {d % 7, a % 7} != TRITONE
        ]

    pairs = [
        (d1, d2)
        for d1 in on(prev, roots[0], 3)
        for d2 in on(d1, roots[1], 2)
        if (d2 - d1) * (d1 - prev) > 0 and (target - d2) * (d2 - d1) < 0 and abs(target - d2) <= moves + 1
    ]
    ups, downs = [p for p in pairs if p[0] > prev], [p for p in pairs if p[0] < prev]
    if ups and downs:
        pairs = ups if rng.random() < style.up else downs
    return pairs[int(rng.integers(len(pairs)))] if pairs else None


def _step_back(out: list[int], start: int, end: int) -> None:
    """Fill the notes after ``start`` up to ``end`` (excluded) a step a note from ``out[start]`` toward
    ``out[end]``."""
    way = 1 if out[end] > out[start] else -1
    for k in range(start + 1, end):
        out[k] = out[start] + way * min(abs(out[end] - out[start]), k - start)


def _root_at(roots: list[int], onset: int, span: int) -> int:
    return roots[min(onset // span, len(roots) - 1)]


def leap(
    degrees: list[int],
    anchors: list[int],
    onsets: list[int],
    lengths: list[float],
    roots: list[int],
    span: int,
    bounds: tuple[int, int],
    style: LeapStyle,
    rng: np.random.Generator,
) -> list[int]:
    """``degrees`` with leaps where real songs have them: a note (not a line's first or last) after one of
    a quarter or more (``lengths``: each note's, in eighths) leaps, with ``style``'s chance, three or more
    degrees to a chord tone of its bar (an arpeggio; never a tritone), up or down, and the notes after it
    step back the other way, a step a note, to the next strong-beat note (``anchors``: the gap filled; the
    last move a third at most); the next leap comes at that strong-beat note or later. With
    ``style.onward``'s chance a leap goes on the same way first (:func:`_arpeggio`: the next note, not the
    line's last, a chord tone of its bar, even where it is a strong-beat note), then the line steps back.
    The leaps stay within ``bounds`` (the line's lowest note and its section's top)."""
    out = list(degrees)
    i = 1
    while i < len(out) - 1:
        gap = lengths[i - 1]
        chance = style.after_held if gap >= HELD else style.after_long if gap >= LONG else 0.0
        if chance <= 0.0 or rng.random() >= chance:
            i += 1
            continue
        if style.onward > 0.0 and i + 1 < len(out) - 1 and rng.random() < style.onward:
            j = next(a for a in anchors if a > i + 1)
            pair = (_root_at(roots, onsets[i], span), _root_at(roots, onsets[i + 1], span))
            both = _arpeggio(out[i - 1], out[j], j - i - 1, pair, bounds, style, rng)
            if both is not None:
                out[i], out[i + 1] = both
                _step_back(out, i + 1, j)
                i = max(i + 3, j)
                continue
        j = next(a for a in anchors if a > i)
        got = _leap_to(out[i - 1], out[j], j - i, _root_at(roots, onsets[i], span), bounds, style, rng)
        if got is None:
            i += 1
            continue
        out[i] = got
        _step_back(out, i, j)  # back toward the next strong-beat note, a step a note
        i = max(i + 2, j)
    return out


# --- Mandarin tones: the melody's direction follows the tone transitions, as a preference ---------------

TONE_MISS = 1.5
"""Cost of a step whose direction the tone pair does not prefer (see :mod:`partita.lyrics.mandarin`)."""
TONE_CONTRARY = 1.0
"""Added when the step moves against the preferred direction (down where up is preferred, ...)."""
LEAP_COST = {0: 0.4, 1: 0.0, 2: 0.2, 3: 0.7, 4: 1.2}
"""Cost of a melodic interval in scale steps; a leap over a fifth (more than 4 steps) is not allowed."""
DRIFT_COST = 0.35
"""Cost per scale step away from the tone-blind melody (its arch, anchors and cadence)."""


def melisma_last(onsets: list[int], total: int) -> bool:
    return total - onsets[-1] >= 6  # as _phrase_notes: a long last note is sung a step above, then itself


def tone_pitches(
    onsets: list[int],
    degrees: list[int],
    total: int,
    meter: str,
    end: str,
    tones: list[int | None],
    bounds: tuple[int, int] = (-3, 9),
    lift: bool | None = None,
) -> list[int]:
    """Scale degrees for a phrase whose direction from syllable to syllable agrees with the Mandarin tone
    transitions where it can (a dynamic programme over the degrees within ``bounds``, -3..9 by default).

    Singability comes first: the notes on strong beats (and the first) stay chord tones, the last note is
    the tone-blind melody's cadence note, no leap is over a fifth, larger leaps and drift from the
    tone-blind melody ``degrees`` cost more; a step against the tones costs :data:`TONE_MISS` (and
    :data:`TONE_CONTRARY` more when it moves the other way). The direction is measured on the note each
    syllable lands on (the first note of a melisma); ``lift``: whether the last syllable is sung a step
    above its cadence note first (None: when it is long, :func:`melisma_last`).
    """
    from partita.lyrics.mandarin import LEVEL, direction, preferred_directions

    n = len(degrees)
    wants = [preferred_directions(tones[i], tones[i + 1]) for i in range(n - 1)]
    if not any(wants):
        return list(degrees)
    weights = slot_weights(meter)
    span = chord_span(meter)
    roots = phrase_roots(total, meter, end)
    span_degrees = list(range(bounds[0], bounds[1] + 1))
    options: list[list[int]] = []
    for i, p in enumerate(onsets):
        if i == n - 1:
            options.append([degrees[i]])
        elif i == 0 or weights[p % len(weights)] >= 2:
            root = roots[min(p // span, len(roots) - 1)]
            options.append([d for d in span_degrees if (d - root) % 7 in (0, 2, 4)])
        else:
            options.append(span_degrees)
    lift = int(melisma_last(onsets, total) if lift is None else lift)  # the last syllable: the step above

    def sung(i: int, d: int) -> int:
        return d + lift if i == n - 1 else d

    cost = [{d: DRIFT_COST * abs(d - degrees[0]) for d in options[0]}]
    back: list[dict[int, int]] = [{}]
    for i in range(1, n):
        here: dict[int, float] = {}
        came: dict[int, int] = {}
        for d in options[i]:
            for q, c in cost[i - 1].items():
                leap = abs(d - q)
                if leap > 4:
                    continue
                total_cost = c + LEAP_COST[leap] + DRIFT_COST * abs(d - degrees[i])
                want = wants[i - 1]
                if want:
                    step = direction(sung(i - 1, q), sung(i, d))
                    if step not in want:
                        total_cost += TONE_MISS + (TONE_CONTRARY if step != LEVEL and -step in want else 0.0)
                if d not in here or total_cost < here[d]:
                    here[d], came[d] = total_cost, q
        if not here:  # no way within a fifth (cannot happen with these options): keep the tone-blind line
            return list(degrees)
        cost.append(here)
        back.append(came)
    d = min(cost[-1], key=cost[-1].get)
    out = [d]
    for i in range(n - 1, 0, -1):
        d = back[i][d]
        out.append(d)
    return out[::-1]


def midi_of_degree(degree: int, tonic_midi: int, scale: tuple[int, ...], raise_seventh: bool) -> int:
    pc = scale[degree % 7] + (1 if raise_seventh and degree % 7 == 6 and scale == MINOR else 0)
    return tonic_midi + pc + 12 * (degree // 7)


PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def chord_label(root: int, tonic: str, mode: str) -> str:
    """The mir_eval label of the triad on scale degree ``root`` (V major in minor: harmonic minor)."""
    scale = MINOR if mode == "minor" else MAJOR
    pc = PITCH_CLASS_OF_TONIC.get(tonic, 0)
    third = (scale[(root + 2) % 7] - scale[root]) % 12
    fifth = (scale[(root + 4) % 7] - scale[root]) % 12
    if mode == "minor" and root == FIVE:
        third = 4
    quality = "dim" if fifth == 6 else "maj" if third == 4 else "min"
    return f"{PC_NAMES[(pc + scale[root]) % 12]}:{quality}"
