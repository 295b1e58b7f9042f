"""Songs from lyrics: a vocal melody for words (one note per syllable), and a lyric template for a melody.

Everything here is a rule, nothing is learned (see docs/SONGS.md):

- **rhythm**: each lyric line is a phrase of whole bars (the same number of bars for every line of a
  section); the onsets of its syllables are chosen by dynamic programming over eighth-note slots, scoring a
  stressed syllable on a strong beat up, on an off-beat down, and odd durations and syncopations down; the
  last syllable gets a long note (a melisma of two notes when it lasts a bar or more); a light (neutral
  tone 5) Chinese syllable is pushed harder off the strong beats and toward an eighth note, and sung softer;
  a full-tone Chinese syllable is not placed as an unstressed one but drawn to the downbeat (a Chinese line
  begins on it);
- **pitch**: a simple progression per phrase (a chord a bar) ending on V (a half cadence) or I; the
  notes on strong beats are chord tones near an arch-shaped contour, the notes between them move stepwise;
  the last phrase of a section ends on the tonic (an authentic cadence);
- **Mandarin tones**: in a Chinese line the direction from note to note follows the tone transitions where
  singability allows (a preference: :func:`tone_pitches`);
- **pinyin**: the MusicXML of a Chinese song has a second lyric line, the pinyin with tone marks of the
  surface readings (after tone sandhi) the melody followed;
- **recurrence**: a phrase's melody depends only on its syllables, its place (last line or not) and its
  length, so a chorus with the same words gets the same melody.

:func:`lyric_template` goes the other way: the syllables per phrase of a melody and where the stresses fall.
"""

from __future__ import annotations

import logging
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import symusic

from partita.lyrics import Line, Lyrics, Syllable
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

log = logging.getLogger(__name__)

TPQ = 480
SLOT = TPQ // 2  # an eighth note: the rhythm grid
PHRASE_CAP_BARS = 2
"""The longest phrase :func:`lyric_template` reads without a rest or long note (bars from its first note)."""
VOICE_PROGRAM = 53  # General MIDI "Voice Oohs" (0-based)
DEFAULT_TEMPO = 100.0
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
DURATION_SCORE = {1: -0.3, 2: 0.4, 3: -0.5, 4: -0.4, 6: -1.5}
STRESSED_AT = {3: 4.0, 2: 3.0, 1: 1.0, 0: -3.0}  # by metric weight: downbeat 3, mid-bar 2, beat 1, off-beat 0
UNSTRESSED_AT = {3: -2.0, 2: -1.0, 1: 0.3, 0: 0.5}
LIGHT_AT = {3: -5.0, 2: -3.5, 1: -0.5, 0: 1.0}
"""A light (neutral-tone) syllable by metric weight: short and unaccented, it belongs off the beat."""
FULL_AT = {3: 1.0, 2: -1.0, 1: 0.0, 0: 0.5}
"""A full-tone Chinese syllable (tones 1-4) by metric weight: not an unstressed English syllable, it is drawn
to the downbeat (a Chinese phrase begins on it: 92% of the Essen Chinese folk songs' phrases, against 26% of
the German ones), and a little off the mid-bar beat so that eighths stay (see docs/SONGS.md)."""
LIGHT_DURATION = {1: 0.8, 2: 0.0, 3: -1.5, 4: -2.0, 6: -3.0}
"""Added to :data:`DURATION_SCORE` for a light syllable's duration (eighths): an eighth note preferred."""
VELOCITY = 80
LIGHT_VELOCITY = 56
"""The MIDI velocity of a light syllable's note (others: :data:`VELOCITY`)."""
ONE, TWO, FOUR, FIVE, SIX = 0, 1, 3, 4, 5  # chord roots as scale degrees: I, ii, IV, V, vi
FILL = (FOUR, ONE, SIX, TWO, FOUR, ONE)


@dataclass(frozen=True)
class SungNote:
    """A note of the vocal line; ``syllable`` None is the continuation of a melisma."""

    onset: int
    duration: int
    pitch: int
    syllable: Syllable | None
    section: int
    line: int


@dataclass
class Song:
    """A vocal line for lyrics: the notes with their syllables, and the key, meter and tempo."""

    lyrics: Lyrics
    notes: list[SungNote]
    tonic: str = "C"
    mode: str = "major"
    meter: str = "4/4"
    tempo: float = DEFAULT_TEMPO
    program: int = VOICE_PROGRAM
    chords: list[str] = field(default_factory=list)
    """One chord a bar (mir_eval labels, ``"G:maj"``): the progression the melody was written over."""
    section_bars: list[tuple[int, int]] = field(default_factory=list)
    """(first bar, bars) of each section."""
    light: bool = True
    """Whether light (neutral-tone) syllables are sung softer (:data:`LIGHT_VELOCITY`)."""

    @property
    def seconds(self) -> float:
        end = max((n.onset + n.duration for n in self.notes), default=0)
        return end / TPQ * 60.0 / self.tempo

    @property
    def score(self) -> symusic.Score:
        """The vocal line as a score: one voice track with lyric meta events, section markers, key, meter."""
        return song_score(self)


# --- meter -----------------------------------------------------------------------------------------------


def _meter(meter: str) -> tuple[int, int]:
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        return 4, 4
    return (num, den) if num > 0 and den in (2, 4, 8) else (4, 4)


def slot_weights(meter: str) -> list[int]:
    """Metric weight of each eighth-note slot of a bar: 3 downbeat, 2 mid-bar strong beat, 1 beat, 0 off."""
    num, den = _meter(meter)
    if den == 8:
        weights = [1 if i % 3 == 0 else 0 for i in range(num)]
        if num % 6 == 0:
            weights[num // 2] = 2
    else:
        per_beat = 2 if den == 4 else 4
        weights = [1 if i % per_beat == 0 else 0 for i in range(num * per_beat)]
        if num == 4:
            weights[2 * per_beat] = 2
    weights[0] = 3
    return weights


def is_strong(tick: int, meter: str) -> bool:
    """Whether ``tick`` falls on a strong beat (the downbeat or a mid-bar strong beat) of ``meter``."""
    w = slot_weights(meter)
    return tick % SLOT == 0 and w[(tick // SLOT) % len(w)] >= 2


# --- rhythm ----------------------------------------------------------------------------------------------


def _phrase_bars(n: int, bar: int) -> int:
    need = n * 1.6 + 3
    bars = math.ceil(need / bar)
    return bars if bars <= 1 else 2 * math.ceil(bars / 2)


def _syllable_score(stressed: bool, weight: int, light: bool = False, full: bool = False) -> float:
    table = LIGHT_AT if light else STRESSED_AT if stressed else FULL_AT if full else UNSTRESSED_AT
    return table[weight]


def line_rhythm(
    stresses: list[bool],
    bars: int,
    meter: str,
    light: list[bool] | None = None,
    full: list[bool] | None = None,
) -> list[int]:
    """Onset slots (eighths from the phrase start) of each syllable of a line of ``bars`` bars (a DP).

    ``light`` marks light (neutral-tone) syllables: kept off the strong beats harder than unstressed ones
    (:data:`LIGHT_AT`) and given an eighth note where the rhythm allows (:data:`LIGHT_DURATION`; the
    last syllable keeps its long cadence note). ``full`` marks full-tone Chinese syllables (tones 1-4), scored
    by :data:`FULL_AT` instead of as unstressed ones."""
    weights = slot_weights(meter)
    bar, n = len(weights), len(stresses)
    light = list(light) if light is not None else [False] * n
    full = list(full) if full is not None else [False] * n
    total = bars * bar
    w = [weights[p % bar] for p in range(total)]
    best = np.full((n, total), -np.inf)
    back = np.zeros((n, total), dtype=int)
    for p in range(min(bar, total)):
        best[0, p] = _syllable_score(stresses[0], w[p], light[0], full[0]) - 0.1 * p
    for i in range(1, n):
        for p in range(i, total):
            here = _syllable_score(stresses[i], w[p], light[i], full[i])
            for d, cost in DURATION_SCORE.items():
                q = p - d
                if q < 0 or best[i - 1, q] == -np.inf:
                    continue
                if light[i - 1]:
                    cost = cost + LIGHT_DURATION[d]
                tied = q // bar != p // bar and p % bar != 0  # the note would be tied over the bar line
                s = (
                    best[i - 1, q]
                    + here
                    + cost
                    - (2.5 if w[q] == 0 and d >= 2 else 0.0)
                    - (3.0 if tied else 0.0)
                )
                if s > best[i, p]:
                    best[i, p], back[i, p] = s, q
    final = [
        best[n - 1, p] + 0.5 * min(total - p, 8) / 4 + (1.0 if w[p] == 3 else 0.0)
        if total - p >= 3 and w[p] >= 1
        else -np.inf
        for p in range(total)
    ]
    p = int(np.argmax(final))
    if final[p] == -np.inf:
        raise ValueError(f"{n} syllables do not fit {bars} bars of {meter}")
    onsets = [p]
    for i in range(n - 1, 0, -1):
        p = int(back[i, p])
        onsets.append(p)
    return onsets[::-1]


# --- harmony and pitch -----------------------------------------------------------------------------------


def _chords(halves: int, end: int) -> list[int]:
    """Chord roots (scale degrees) for ``halves`` harmonic spans ending on ``end`` (ONE or FIVE)."""
    if halves == 1:
        return [end]
    before = FIVE if end == ONE else FOUR
    middle = [FILL[i % len(FILL)] for i in range(max(0, halves - 3))]
    return ([ONE] + middle + [before, end])[-halves:] if halves >= 3 else [before, end]


def _span(meter: str) -> int:
    """Slots per chord: one chord a bar (as partita's accompaniment plays them)."""
    return len(slot_weights(meter))


def _nearest(options: list[int], target: float, prev: int | None) -> int:
    near = [d for d in options if prev is None or abs(d - prev) <= 4] or options
    return min(near, key=lambda d: (abs(d - target), abs(d - (prev if prev is not None else target))))


def line_pitches(onsets: list[int], total: int, meter: str, end: str, rng: np.random.Generator) -> list[int]:
    """Scale degrees (0 = tonic) for a phrase's onsets: chord tones on strong beats, steps between."""
    weights = slot_weights(meter)
    span = _span(meter)
    roots = _chords(math.ceil(total / span), ONE if end in ("tonic", "mediant") else FIVE)
    peak, base = float(rng.integers(3, 6)), float(rng.integers(1, 3))
    degrees: list[int | None] = [None] * len(onsets)
    prev = None
    for i, p in enumerate(onsets):
        last = i == len(onsets) - 1
        if not (last or i == 0 or weights[p % len(weights)] >= 2):
            continue
        root = roots[min(p // span, len(roots) - 1)]
        tones = [root + k + 7 * o for o in (-1, 0, 1) for k in (0, 2, 4)]
        tones = [d for d in tones if -3 <= d <= 9]
        if last:
            tones = {"tonic": [0], "mediant": [2], "dominant": [1, 4]}[end]
        target = (
            base + (peak - base) * math.sin(math.pi * min(1.0, p / max(1, total - 4))) + rng.normal(0, 1.0)
        )
        degrees[i] = prev = _nearest(tones, target, prev)
    return _fill_steps(degrees)


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


# --- Mandarin tones: the melody's direction follows the tone transitions, as a preference ---------------

TONE_MISS = 1.5
"""Cost of a step whose direction the tone pair does not prefer (see :mod:`partita.lyrics.mandarin`)."""
TONE_CONTRARY = 1.0
"""Added when the step moves against the preferred direction (down where up is preferred, ...)."""
LEAP_COST = {0: 0.4, 1: 0.0, 2: 0.2, 3: 0.7, 4: 1.2}
"""Cost of a melodic interval in scale steps; a leap over a fifth (more than 4 steps) is not allowed."""
DRIFT_COST = 0.35
"""Cost per scale step away from the tone-blind melody (its arch, anchors and cadence)."""


def _melisma_last(onsets: list[int], total: int) -> bool:
    return total - onsets[-1] >= 6  # as _phrase_notes: a long last note is sung a step above, then itself


def tone_pitches(
    onsets: list[int], degrees: list[int], total: int, meter: str, end: str, tones: list[int | None]
) -> list[int]:
    """Scale degrees for a phrase whose direction from syllable to syllable agrees with the Mandarin tone
    transitions where it can (a dynamic programme over degrees -3..9).

    Singability comes first: the notes on strong beats (and the first) stay chord tones, the last note is
    the tone-blind melody's cadence note, no leap is over a fifth, larger leaps and drift from the
    tone-blind melody ``degrees`` cost more; a step against the tones costs :data:`TONE_MISS` (and
    :data:`TONE_CONTRARY` more when it moves the other way). The direction is measured on the note each
    syllable lands on (the first note of a melisma).
    """
    from partita.lyrics.mandarin import LEVEL, direction, preferred_directions

    n = len(degrees)
    wants = [preferred_directions(tones[i], tones[i + 1]) for i in range(n - 1)]
    if not any(wants):
        return list(degrees)
    weights = slot_weights(meter)
    span = _span(meter)
    roots = _chords(math.ceil(total / span), ONE if end in ("tonic", "mediant") else FIVE)
    span_degrees = list(range(-3, 10))
    options: list[list[int]] = []
    for i, p in enumerate(onsets):
        if i == n - 1:
            options.append([degrees[i]])
        elif i == 0 or weights[p % len(weights)] >= 2:
            root = roots[min(p // span, len(roots) - 1)]
            options.append([d for d in span_degrees if (d - root) % 7 in (0, 2, 4)])
        else:
            options.append(span_degrees)
    lift = 1 if _melisma_last(onsets, total) else 0  # the last syllable lands on the step above

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


def _midi(degree: int, tonic_midi: int, scale: tuple[int, ...], raise_seventh: bool) -> int:
    pc = scale[degree % 7] + (1 if raise_seventh and degree % 7 == 6 and scale == MINOR else 0)
    return tonic_midi + pc + 12 * (degree // 7)


# --- a song ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    onsets: list[int]
    degrees: list[int]
    total: int
    roots: list[int]


def _phrase(
    line: Line,
    bars: int,
    meter: str,
    end: str,
    seed: int,
    tones: bool = True,
    light: bool = True,
    full: bool = True,
) -> _Phrase:
    from partita.lyrics.mandarin import LIGHT

    stresses = [s.stressed for s in line.syllables]
    lights = [light and s.tone == LIGHT for s in line.syllables]
    fulls = [full and s.tone in (1, 2, 3, 4) for s in line.syllables]
    onsets = line_rhythm(stresses, bars, meter, lights, fulls)
    total = bars * len(slot_weights(meter))
    rng = np.random.default_rng(seed)
    roots = _chords(math.ceil(total / _span(meter)), ONE if end in ("tonic", "mediant") else FIVE)
    degrees = line_pitches(onsets, total, meter, end, rng)
    line_tones = [s.tone for s in line.syllables]
    if tones and any(t is not None for t in line_tones):
        degrees = tone_pitches(onsets, degrees, total, meter, end, line_tones)
    return _Phrase(onsets, degrees, total, roots)


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


def _bar_chords(ph: _Phrase, meter: str, tonic: str, mode: str) -> list[str]:
    """One chord a bar: a bar's first chord, but the cadence chord in the phrase's last bar."""
    per_bar = len(slot_weights(meter)) // _span(meter)
    bars = ph.total // len(slot_weights(meter))
    picks = [
        ph.roots[min(len(ph.roots) - 1, b * per_bar + (per_bar - 1 if b == bars - 1 else 0))]
        for b in range(bars)
    ]
    return [chord_label(r, tonic, mode) for r in picks]


def _ending(i: int, n: int) -> str:
    if i == n - 1:
        return "tonic"
    return "dominant" if i % 2 == 0 else "mediant"


def _phrase_notes(ph: _Phrase, line: Line, start: int, pitch, where: tuple[int, int]) -> list[SungNote]:
    out = []
    for j, (p, d) in enumerate(zip(ph.onsets, ph.degrees, strict=True)):
        on = start + p * SLOT
        end_slot = ph.onsets[j + 1] if j + 1 < len(ph.onsets) else ph.total
        dur = (end_slot - p) * SLOT
        syl = line.syllables[j]
        if j == len(ph.onsets) - 1 and end_slot - p >= 6:  # a melisma: a step above, then the cadence note
            out.append(SungNote(on, 2 * SLOT, pitch(d + 1), syl, *where))
            out.append(SungNote(on + 2 * SLOT, dur - 2 * SLOT, pitch(d), None, *where))
        else:
            out.append(SungNote(on, dur, pitch(d), syl, *where))
    return out


def _tonic_midi(tonic: str) -> int:
    pc = PITCH_CLASS_OF_TONIC.get(tonic, 0)
    return 60 + pc if pc <= 5 else 48 + pc  # tonic between F#3 and F4: the line spans about a 12th


def sing(
    lyrics: Lyrics,
    tonic: str = "C",
    mode: str = "major",
    meter: str = "4/4",
    tempo: float = DEFAULT_TEMPO,
    seed: int = 0,
    recur: bool = True,
    tones: bool = True,
    light: bool = True,
    full: bool = True,
) -> Song:
    """A vocal melody for ``lyrics``, one note per syllable (a two-note melisma on long phrase ends).

    With ``recur`` (the default) a line's melody depends only on its words and place, so repeated choruses
    get the same melody; ``recur=False`` seeds each line by its position instead (a baseline). With
    ``tones`` (the default) a line with Mandarin tones gets a melody whose direction follows them where
    singability allows (:func:`tone_pitches`); lines without tones (English) are not touched. With
    ``light`` (the default) a light (neutral-tone) syllable gets a short note off the strong beats where the
    rhythm allows (:func:`line_rhythm`) and is sung softer (:data:`LIGHT_VELOCITY`). With ``full`` (the
    default) a full-tone Chinese syllable (tones 1-4) is placed by :data:`FULL_AT`, free to fall on a strong
    beat; ``full=False`` places it as an unstressed English syllable (as before).
    """
    meter = "/".join(map(str, _meter(meter)))
    scale = MINOR if mode == "minor" else MAJOR
    tonic_midi = _tonic_midi(tonic)
    bar = len(slot_weights(meter))
    notes: list[SungNote] = []
    chords: list[str] = []
    section_bars: list[tuple[int, int]] = []
    start = 0
    for si, section in enumerate(lyrics.sections):
        bars = max(_phrase_bars(len(line.syllables), bar) for line in section.lines)
        section_bars.append((len(chords), bars * len(section.lines)))
        for li, line in enumerate(section.lines):
            end = _ending(li, len(section.lines))
            key = f"{line.text}|{end}|{bars}" if recur else f"{si}.{li}"
            ph = _phrase(line, bars, meter, end, seed * 7919 + zlib.crc32(key.encode()), tones, light, full)
            roots_v = end == "dominant"

            def pitch(d: int, _v: bool = roots_v) -> int:
                return _midi(d, tonic_midi, scale, _v or d % 7 == 6)

            notes += _phrase_notes(ph, line, start, pitch, (si, li))
            chords += _bar_chords(ph, meter, tonic, mode)
            start += ph.total * SLOT
    song = Song(
        lyrics, notes, tonic, mode, meter, tempo, chords=chords, section_bars=section_bars, light=light
    )
    log.info("song: %d syllables, %d notes, %.0f s", len(lyrics.syllables), len(notes), song.seconds)
    return song


def song_from_prompt(
    lyrics: Lyrics,
    prompt: str = "",
    seed: int = 0,
    recur: bool = True,
    tones: bool = True,
    light: bool = True,
    full: bool = True,
) -> Song:
    """:func:`sing` with the key, mode, meter and tempo read from ``prompt`` (defaults C major, 4/4, 100)."""
    from partita.generation.prompt import project_prompt

    c = project_prompt(prompt or "").conditions
    return sing(
        lyrics,
        tonic=c.key or "C",
        mode=c.mode or "major",
        meter=c.meter if c.meter in ("2/4", "3/4", "4/4", "6/8", "3/8", "2/2") else "4/4",
        tempo=float(c.tempo_bpm or DEFAULT_TEMPO),
        seed=seed,
        recur=recur,
        tones=tones,
        light=light,
        full=full,
    )


# --- outputs ---------------------------------------------------------------------------------------------


def _fifths(tonic: str, mode: str) -> int:
    pc = PITCH_CLASS_OF_TONIC.get(tonic, 0)
    major_pc = (pc + 3) % 12 if mode == "minor" else pc
    fifths = (major_pc * 7) % 12
    fifths = fifths - 12 if fifths > 6 else fifths
    return -6 if fifths == 6 and "b" in tonic else fifths


def _velocity(syllable: Syllable) -> int:
    from partita.lyrics.mandarin import LIGHT

    return LIGHT_VELOCITY if syllable.tone == LIGHT else VELOCITY


def song_score(song: Song) -> symusic.Score:
    """The vocal line as a symusic score with lyric meta events (``"twin-"``) and section markers."""
    score = symusic.Score(TPQ)
    num, den = _meter(song.meter)
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    score.tempos.append(symusic.Tempo(0, song.tempo))
    score.key_signatures.append(
        symusic.KeySignature(0, _fifths(song.tonic, song.mode), int(song.mode == "minor"))
    )
    track = symusic.Track(name="Voice", program=song.program)
    velocity = VELOCITY
    for n in song.notes:
        if n.syllable is not None:  # a melisma's continuation keeps its syllable's velocity
            velocity = _velocity(n.syllable) if song.light else VELOCITY
        track.notes.append(symusic.Note(n.onset, n.duration, n.pitch, velocity))
        if n.syllable is not None:
            track.lyrics.append(symusic.TextMeta(n.onset, n.syllable.sung))
    score.tracks.append(track)
    bar = len(slot_weights(song.meter)) * SLOT
    for section, (first, _) in zip(song.lyrics.sections, song.section_bars, strict=False):
        score.markers.append(symusic.TextMeta(first * bar, section.label))
    return score


def _heads(part) -> list:
    from music21 import note as m21note

    return [
        n
        for n in part.recurse().notes
        if isinstance(n, m21note.Note) and not (n.tie and n.tie.type != "start")
    ]


def _marked(syllable: str, tone: int | None) -> str:
    """Pinyin with a tone mark (``"lv", 3`` -> ``"lǚ"``); a light or unknown tone unmarked (``"le"``)."""
    if tone in (1, 2, 3, 4):
        from pypinyin.contrib.tone_convert import to_tone

        return to_tone(f"{syllable}{tone}")
    return syllable.replace("v", "ü")


def line_pinyin(line: Line) -> list[str | None]:
    """The pinyin with tone marks of each syllable of ``line``: the surface reading (after tone sandhi, the
    tone in ``Syllable.tone``, the one the melody followed; a light syllable unmarked); None for a syllable
    that is not a Chinese character, or one pypinyin cannot read (or without pypinyin)."""
    from partita.lyrics.mandarin import readings_at

    readings = [r for _, r in sorted(readings_at(line.text).items())]
    out: list[str | None] = []
    k = 0
    for s in line.syllables:
        if k < len(readings) and s.text == readings[k].char:
            r = readings[k]
            k += 1
            out.append(_marked(r.syllable, s.tone) if r.syllable and s.tone is not None else None)
        else:
            out.append(None)
    return out


def _pinyin_of_notes(song: Song) -> list[str | None]:
    """:func:`line_pinyin` for each note of the song (None for a melisma's continuation)."""
    lines = {
        (si, li): iter(line_pinyin(line))
        for si, section in enumerate(song.lyrics.sections)
        for li, line in enumerate(section.lines)
    }
    return [next(lines[(n.section, n.line)], None) if n.syllable is not None else None for n in song.notes]


def song_music21(
    song: Song, title: str | None = None, score: symusic.Score | None = None, pinyin: bool = True
):
    """An engraveable music21 score of the vocal line (or of ``score``, the vocal line with parts under it,
    as :func:`assemble` makes) with each syllable under its note of the vocal line (MusicXML lyrics).

    With ``pinyin`` (the default) a Chinese syllable has a second lyric line under it: its pinyin with tone
    marks, the surface reading the melody followed (:func:`line_pinyin`)."""
    from music21 import note as m21note

    from partita.score.musicxml import to_music21

    m21 = to_music21(score if score is not None else song.score, title=title)
    pitches = [n.pitch for n in song.notes]
    voice = next((h for h in map(_heads, m21.parts) if [n.pitch.midi for n in h] == pitches), None)
    if voice is None:
        raise ValueError("the notation has no part with the sung notes")
    spoken = _pinyin_of_notes(song) if pinyin and song.lyrics.language in ("zh", "mixed") else []
    for i, (head, sung) in enumerate(zip(voice, song.notes, strict=True)):
        if sung.syllable is not None:
            head.lyrics = [m21note.Lyric(text=sung.syllable.text, number=1, syllabic=sung.syllable.position)]
            if i < len(spoken) and spoken[i]:
                head.lyrics.append(m21note.Lyric(text=spoken[i], number=2))
    return m21


def song_musicxml(
    song: Song, title: str | None = None, score: symusic.Score | None = None, pinyin: bool = True
) -> str:
    """MusicXML text of the vocal line (or of ``score``, with parts) with its lyrics (and the pinyin of
    Chinese ones: ``pinyin``)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return GeneralObjectExporter(song_music21(song, title, score, pinyin)).parse().decode("utf-8")


def write_song_musicxml(song: Song, path, title: str | None = None, pinyin: bool = True) -> None:
    """Write the vocal line with its lyrics (and the pinyin of Chinese ones) as MusicXML (atomically)."""
    from partita.atomic import atomic_write_text

    atomic_write_text(path, song_musicxml(song, title, pinyin=pinyin))


def write_song_midi(song: Song, path) -> None:
    """Write the vocal line as MIDI with a lyric meta event at each syllable (atomically)."""
    from partita.atomic import atomic_path

    with atomic_path(path) as tmp:
        song.score.dump_midi(str(tmp))


# --- measures --------------------------------------------------------------------------------------------


def alignment(song: Song) -> dict[str, int]:
    """Syllables, notes, syllables with a note, melisma continuations, notes without a syllable."""
    sung = [n.syllable for n in song.notes if n.syllable is not None]
    return {
        "syllables": len(song.lyrics.syllables),
        "with_note": len(sung),
        "notes": len(song.notes),
        "melisma": sum(1 for n in song.notes if n.syllable is None),
        "orphan": 0
        if len(sung) == len(song.lyrics.syllables)
        else abs(len(song.lyrics.syllables) - len(sung)),
    }


def stress_on_strong(onsets: list[int], syllables: list[Syllable], meter: str) -> tuple[float, float]:
    """Share of stressed syllables on strong beats, and of unstressed ones (ticks at :data:`TPQ`)."""
    hit = [is_strong(t, meter) for t in onsets]
    st = [h for h, s in zip(hit, syllables, strict=True) if s.stressed]
    un = [h for h, s in zip(hit, syllables, strict=True) if not s.stressed]
    return (float(np.mean(st)) if st else float("nan"), float(np.mean(un)) if un else float("nan"))


def song_onsets(song: Song) -> list[int]:
    """The onset of each syllable's (first) note."""
    return [n.onset for n in song.notes if n.syllable is not None]


def eighth_baseline(lyrics: Lyrics, meter: str = "4/4") -> list[int]:
    """The baseline rhythm: one syllable per eighth note in order, each line starting on a new bar."""
    bar = len(slot_weights(meter))
    out, start = [], 0
    for line in lyrics.lines:
        out += [start + i * SLOT for i in range(len(line.syllables))]
        start += math.ceil((len(line.syllables) + 1) / bar) * bar * SLOT
    return out


# --- melody to lyrics template ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplatePhrase:
    """A phrase of a melody as a lyric template: one syllable per note, stressed where the note is strong."""

    bar: int
    stresses: tuple[bool, ...]

    @property
    def syllables(self) -> int:
        return len(self.stresses)

    def __str__(self) -> str:
        return " ".join("DUM" if s else "da" for s in self.stresses)


def _melody(score: symusic.Score) -> list[tuple[int, int]]:
    """(onset, end) of the top voice of the first pitched track with notes (ticks)."""
    for track in score.tracks:
        if track.is_drum or not track.notes:
            continue
        top: dict[int, tuple[int, int]] = {}
        for n in track.notes:
            if n.time not in top or n.pitch > top[n.time][0]:
                top[n.time] = (n.pitch, n.time + n.duration)
        return [(t, top[t][1]) for t in sorted(top)]
    return []


def lyric_template(score: symusic.Score) -> list[TemplatePhrase]:
    """The syllables per phrase of a melody and where the stresses fall (notes on strong beats).

    A phrase ends after a note followed by a rest of at least a beat, or a note of at least twice the
    median length that lasts a beat or more, or before a note :data:`PHRASE_CAP_BARS` bars after its first.
    """
    tpq = score.ticks_per_quarter
    sigs = score.time_signatures
    num, den = (sigs[0].numerator, sigs[0].denominator) if len(sigs) else (4, 4)
    meter = f"{num}/{den}"
    scale = TPQ / tpq
    notes = [(int(round(a * scale)), int(round(b * scale))) for a, b in _melody(score)]
    if not notes:
        return []
    bar_ticks = len(slot_weights(meter)) * SLOT
    beat = TPQ * 4 // den * (3 if den == 8 else 1)
    median = float(np.median([b - a for a, b in notes]))
    phrases, cur, start_bar = [], [], notes[0][0] // bar_ticks
    phrase_on = notes[0][0]
    for i, (on, off) in enumerate(notes):
        cur.append(is_strong(on, meter))
        nxt = notes[i + 1][0] if i + 1 < len(notes) else None
        long_note = off - on >= max(2 * median, beat)
        too_long = nxt is not None and nxt - phrase_on >= PHRASE_CAP_BARS * bar_ticks
        if nxt is None or nxt - off >= beat or long_note or too_long:
            phrases.append(TemplatePhrase(start_bar + 1, tuple(cur)))
            cur = []
            start_bar = nxt // bar_ticks if nxt is not None else 0
            phrase_on = nxt if nxt is not None else 0
    return phrases


def format_template(phrases: list[TemplatePhrase]) -> str:
    """A template as text: ``da DUM da da DUM | DUM da ...``, phrases separated by ``|``."""
    return " | ".join(str(p) for p in phrases)


# --- a whole song: the vocal line with accompaniment, section by section ---------------------------------


def first_statements(song: Song) -> list[int]:
    """For each section, the index of the first section with the same words (itself if none before)."""
    first: dict[tuple[str, ...], int] = {}
    return [first.setdefault(s.words, i) for i, s in enumerate(song.lyrics.sections)]


def _section_span(song: Song, index: int) -> tuple[int, int]:
    bar = len(slot_weights(song.meter)) * SLOT
    first, bars = song.section_bars[index]
    return first * bar, (first + bars) * bar


def section_score(song: Song, index: int) -> symusic.Score:
    """The vocal line of one section, from tick 0 (with the song's tempo, meter and key): the melody to
    accompany."""
    start, end = _section_span(song, index)
    whole = song.score
    out = symusic.Score(TPQ)
    out.time_signatures = whole.time_signatures.copy()
    out.tempos = whole.tempos.copy()
    out.key_signatures = whole.key_signatures.copy()
    track = symusic.Track(name="Voice", program=song.program)
    for n in whole.tracks[0].notes:
        if start <= n.time < end:
            track.notes.append(symusic.Note(n.time - start, n.duration, n.pitch, n.velocity))
    out.tracks.append(track)
    return out


def section_chords(song: Song, index: int) -> list[str]:
    """The chords (one a bar) of one section."""
    first, bars = song.section_bars[index]
    return song.chords[first : first + bars]


def assemble(song: Song, parts: dict[int, symusic.Score]) -> symusic.Score:
    """The vocal line (with its lyric events) and, under each section, the accompaniment of its first
    statement (``parts[i]``: a score from tick 0 whose first track is the section's melody, as
    :func:`partita.generation.accompany.with_melody` returns): a repeated chorus gets the same parts."""
    out = song.score
    tracks: dict[tuple[int, bool, str], symusic.Track] = {}
    for i, first in enumerate(first_statements(song)):
        start, end = _section_span(song, i)
        part = parts[first]
        scale = TPQ / part.ticks_per_quarter
        for tr in list(part.tracks)[1:]:
            key = (int(tr.program), bool(tr.is_drum), tr.name)
            new = tracks.setdefault(
                key, symusic.Track(name=tr.name, program=int(tr.program), is_drum=tr.is_drum)
            )
            for n in tr.notes:
                on = start + round(n.time * scale)
                if on < end:
                    dur = min(end - on, max(1, round(n.duration * scale)))
                    new.notes.append(symusic.Note(on, dur, n.pitch, n.velocity))
    for tr in tracks.values():
        out.tracks.append(tr)
    return out
