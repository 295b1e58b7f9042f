"""Songs from lyrics: a vocal melody for words (one note per syllable), and a lyric template for a melody.

Everything here is a rule (see docs/SONGS.md) but pop's learned rhythm (``song_pop_rhythm``: POP909's, the
default for Chinese pop lyrics in 4/4, ``sing(..., learned=True)`` for any) and, on that rhythm, pop's learned
pitches (``song_pop_pitch``: POP909's intervals, the rules' line as their guide):

- **rhythm**: each lyric line is a phrase of whole bars (the same number of bars for every line of a
  section); the onsets of its syllables are chosen by dynamic programming over eighth-note slots, scoring a
  stressed syllable on a strong beat up, on an off-beat down, and odd durations and syncopations down; the
  last syllable gets a long note (a melisma of two notes when it lasts a bar or more); a light (neutral
  tone 5) Chinese syllable is pushed harder off the strong beats and toward an eighth note, and sung softer;
  a full-tone Chinese syllable is not placed as an unstressed one but drawn to the downbeat (a Chinese line
  begins on it); a style then varies it (``song_rhythm.STYLE_RHYTHM``): dotted quarters, phrase ends held
  with a breath after them, a passing note on some long syllables; a chorale sings a syllable a quarter;
- **pitch**: a simple progression per phrase (a chord a bar) ending on V (a half cadence) or I; the
  notes on strong beats are chord tones near an arch-shaped contour, the notes between them move stepwise;
  the last phrase of a section ends on the tonic (an authentic cadence);
- **leaps**: some notes after a quarter note or longer leap a fourth to a sixth to a chord tone and the line
  steps back the other way (gap-fill), as often as the style's real songs leap (``song_pitch.STYLE_LEAPS``);
  a line (not a section's first) starts from the previous line's last note, a leap away as often as the
  style's lines do (``LeapStyle.across``), else within a third;
- **range**: over the whole song, as wide as the style's real songs (``song_pitch.STYLE_RANGE``, measured:
  pop 18.6 semitones, chorales 11.7 ...; a song of verses only ``song_pitch.SECTION_SHARE`` of it), highest
  on a section's middle line and in a chorus; sung again a degree lower or higher until it spans that;
- **Mandarin tones**: in a Chinese line the direction from note to note follows the tone transitions where
  singability allows (a preference: :func:`tone_pitches`);
- **pinyin**: the MusicXML of a Chinese song has a second lyric line, the pinyin with tone marks of the
  surface readings (after tone sandhi) the melody followed;
- **recurrence**: a phrase's melody depends only on its syllables, its place (last line or not, its arch's
  height) and its length, so a chorus with the same words gets the same melody;
- **reprises**: in pop a line may re-use the tune of an earlier line of its section with the same cadence
  (lines 1 and 3: ABAB), a syllable more or fewer fitted by splitting or joining notes
  (``song_rhythm.RhythmStyle.reprise``), or the section's line form, ABAB or AABA, a line of another
  cadence sung to the tune with its own ending (``RhythmStyle.line_form``: ``song_reprise``).

:func:`lyric_template` goes the other way: the syllables per phrase of a melody and where the stresses fall.

The parts live in :mod:`partita.generation.song_rhythm` (meter, syllable placement),
:mod:`partita.generation.song_pitch` (harmony, pitch, range, Mandarin tones) and
:mod:`partita.generation.song_template` (the lyric template); their public names are importable from here.
"""

from __future__ import annotations

import logging
import math
import zlib
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import symusic

from partita.analysis.key import signature_fifths
from partita.generation.song_pitch import (
    MAJOR,
    MINOR,
    NO_LEAPS,
    LeapStyle,
    Register,
    chord_label,
    chord_span,
    leaps_for,
    line_pitches,
    melisma_last,
    phrase_roots,
    register_for,
    tone_pitches,
)
from partita.generation.song_pitch import midi_of_degree as _midi
from partita.generation.song_pop_pitch import PopPitch, learned_degrees, pitch_for, rules_runs
from partita.generation.song_reprise import form_line, reprise_line, varied
from partita.generation.song_rhythm import (
    PLAIN,
    SLOT,
    TPQ,
    RhythmStyle,
    anticipate,
    detach,
    eighth_baseline,
    held_end,
    is_strong,
    line_rhythm,
    parse_meter,
    phrase_bars,
    rhythm_for,
    rules_onsets,
    section_form,
    slot_weights,
    styled_times,
)
from partita.generation.song_template import PHRASE_CAP_BARS, TemplatePhrase, format_template, lyric_template
from partita.lyrics import Line, Lyrics, Syllable
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

__all__ = [  # the rhythm, pitch and template modules' public names stay importable from here
    "DEFAULT_TEMPO",
    "LIGHT_VELOCITY",
    "MAJOR",
    "MINOR",
    "PHRASE_CAP_BARS",
    "SLOT",
    "TPQ",
    "VELOCITY",
    "VOICE_PROGRAM",
    "Song",
    "SungNote",
    "TemplatePhrase",
    "alignment",
    "chord_label",
    "eighth_baseline",
    "format_template",
    "is_strong",
    "line_pitches",
    "line_rhythm",
    "lyric_template",
    "sing",
    "slot_weights",
    "song_from_prompt",
    "song_onsets",
    "song_score",
    "stress_on_strong",
    "tone_pitches",
]

log = logging.getLogger(__name__)

VOICE_PROGRAM = 53  # General MIDI "Voice Oohs" (0-based)
DEFAULT_TEMPO = 100.0
VELOCITY = 80
LIGHT_VELOCITY = 56
"""The MIDI velocity of a light syllable's note (others: :data:`VELOCITY`)."""

_MOVED = {
    **dict.fromkeys(
        ("line_pinyin", "song_music21", "song_musicxml", "write_song_midi", "write_song_musicxml"),
        "partita.generation.song_page",
    ),
    **dict.fromkeys(
        ("assemble", "first_statements", "section_chords", "section_score"),
        "partita.generation.song_sections",
    ),
}
"""Names that moved to :mod:`~partita.generation.song_page` (the page and files) and
:mod:`~partita.generation.song_sections` (a whole song with parts): still importable from here (those modules
import this one, so they are read on first use, PEP 562)."""


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SungNote:
    """A note of the vocal line; ``syllable`` None is the continuation of a melisma."""

    onset: int
    duration: int
    pitch: int
    syllable: Syllable | None
    section: int
    line: int
    sounding: int | None = None
    """How long the note is sung (ticks), where shorter than written (``RhythmStyle.sounding``: pop's
    notes detached as POP909's are): the MIDI and :attr:`Song.score` carry it, the engraved score the
    written ``duration``. None: as written."""


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


# --- a song ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    onsets: list[int]
    degrees: list[int]
    total: int
    roots: list[int]
    times: list[tuple[int, int]]
    """(start, end) ticks from the phrase start of each syllable (``song_rhythm.styled_times``)."""
    passing: frozenset[int] = frozenset()
    """Syllables sung to two notes, the second a passing or neighbour tone toward the next syllable."""
    cadence_melisma: bool = True
    """Whether a long last syllable is sung as two notes (a step above, then the cadence note)."""
    runs: tuple[tuple[tuple[int, int], ...], ...] = ()
    """A learned rhythm's melismas (``RhythmStyle.learned``): for each syllable the (start, end) ticks from
    the phrase start of the notes after its first (empty: none)."""
    sung: tuple[tuple[int, ...], ...] = ()
    """Learned pitches (``song_pop_pitch``): for each syllable the degrees of all its notes (empty: the
    rules' pitches, a melisma stepping toward the next syllable)."""

    @property
    def last_degree(self) -> int:
        """The degree of the phrase's last note."""
        return self.sung[-1][-1] if self.sung else self.degrees[-1]


def _phrase(
    line: Line,
    bars: int,
    meter: str,
    end: str,
    seed: int,
    tones: bool = True,
    light: bool = True,
    full: bool = True,
    height: float | None = None,
    bounds: tuple[int, int] = (-3, 9),
    rhythm: RhythmStyle = PLAIN,
    leaps: LeapStyle = NO_LEAPS,
    start_from: int | None = None,
    pickup: bool = False,
    pitch: PopPitch | None = None,
    mode: str = "major",
) -> _Phrase:
    from partita.lyrics.mandarin import LIGHT

    stresses = [s.stressed for s in line.syllables]
    lights = [light and s.tone == LIGHT for s in line.syllables]
    fulls = [full and s.tone in (1, 2, 3, 4) for s in line.syllables]
    total = bars * len(slot_weights(meter))
    rng = np.random.default_rng(seed)
    rhythm_rng = np.random.default_rng([seed, 1])  # apart from the pitches' draws: PLAIN keeps them as before
    runs: tuple = ()
    if _learned(rhythm, meter):
        onsets, times, runs = _learned_times(stresses, lights, bars, rhythm, rhythm_rng, pickup)
        melisma = False
    else:
        table = dict(rhythm.durations) if rhythm.durations else None
        onsets = rules_onsets(stresses, bars, meter, lights, fulls, table, rhythm, rhythm_rng)
        times = styled_times(onsets, stresses, total, meter, rhythm, rhythm_rng)
        hold = held_end(onsets, total, meter, rhythm, rhythm_rng)
        if hold is not None:
            times[-1] = (times[-1][0], times[-1][0] + round(hold * SLOT))
        if rhythm.anticipate > 0.0:  # syncopations: own draws, so the rest of the line is as without
            times = anticipate(times, meter, rhythm.anticipate, np.random.default_rng([seed, 6]))
        melisma = hold is None and melisma_last(onsets, total)
    roots = phrase_roots(total, meter, end)
    line_tones = [s.tone for s in line.syllables]
    toned = tones and any(t is not None for t in line_tones)  # a Chinese line keeps its low cadence
    leaps_here = None if toned else leaps  # a Chinese line's leaps are the tone rule's
    lengths = [(stop - start) / SLOT for start, stop in times]
    if runs:  # a leap may follow a syllable whose last note (its melisma's) lasts a quarter or more
        nexts = [t[0] for t in times[1:]] + [total * SLOT]
        lengths = [(b - (r[-1][0] if r else t[0])) / SLOT for t, r, b in zip(times, runs, nexts, strict=True)]
    degrees = line_pitches(
        onsets, total, meter, end, rng, height, bounds, not toned, leaps_here, lengths, start_from, mode
    )
    if runs and pitch is not None:  # learned pitches: every note drawn from POP909's intervals
        guide = line_pitches(onsets, total, meter, end, rng, height, bounds, not toned, None, lengths)
        sung = learned_degrees(times, runs, guide, roots, bounds, rng, pitch, line_tones if toned else None,
                                start_from, mode)  # fmt: skip
        return _Phrase(onsets, [d[0] for d in sung], total, roots, times, frozenset(), False, runs, sung)
    if toned:
        degrees = tone_pitches(onsets, degrees, total, meter, end, line_tones, bounds, lift=melisma)
    passing = frozenset() if runs else _passing(times, degrees, rhythm, rhythm_rng)
    if pitch is not None and pitch.rules_rhythm and not runs and not toned:
        # the rules' rhythm (English pop), its passing tones and cadence melisma kept, sung by the table
        times, runs = rules_runs(times, passing, melisma, SLOT)
        guide = line_pitches(onsets, total, meter, end, rng, height, bounds, True, None, lengths)
        rules = replace(pitch, correct=pitch.correct_rules or pitch.correct, melisma_repeats=False)
        sung = learned_degrees(times, runs, guide, roots, bounds, rng, rules, None, start_from, mode)
        return _Phrase(onsets, [d[0] for d in sung], total, roots, times, frozenset(), False, runs, sung)
    return _Phrase(onsets, degrees, total, roots, times, passing, melisma, runs)


def _learned(rhythm: RhythmStyle, meter: str) -> bool:
    """Whether ``rhythm`` draws its lines from POP909's (``RhythmStyle.learned``, in 4/4 only)."""
    return rhythm.learned and meter == "4/4"


def _learned_times(
    stresses: list[bool],
    lights: list[bool],
    bars: int,
    rhythm: RhythmStyle,
    rng: np.random.Generator,
    pickup: bool,
) -> tuple[list[int], list[tuple[int, int]], tuple]:
    """A line's onsets (eighths: a syllable on a sixteenth off-beat counts from the eighth before it, a
    pickup from the first bar's downbeat), each syllable's first note (start, end) and its melisma's notes
    (ticks, a pickup's negative) from :func:`partita.generation.song_pop_rhythm.pop_line`."""
    from partita.generation.song_pop_rhythm import pop_line

    line = pop_line(stresses, bars, rng, lights, rhythm.melisma, rhythm.stress, rhythm.detached, pickup)
    tick = SLOT // 2
    onsets = [max(0, p // 2) for p in line.firsts]
    times = [(n[0][0] * tick, n[0][1] * tick) for n in line.notes]
    runs = tuple(tuple((a * tick, b * tick) for a, b in n[1:]) for n in line.notes)
    return onsets, times, runs


def _passing(
    times: list[tuple[int, int]], degrees: list[int], rhythm: RhythmStyle, rng: np.random.Generator
) -> frozenset[int]:
    """The syllables (not the last) of a quarter note or more on a beat, moving by a third or staying, that
    ``rhythm`` sings to two notes (a passing or neighbour tone in the second half)."""
    out = set()
    for i in range(len(times) - 1):
        start, stop = times[i]
        long_on_beat = stop - start >= 2 * SLOT and start % TPQ == 0
        if long_on_beat and abs(degrees[i + 1] - degrees[i]) in (0, 2) and rng.random() < rhythm.passing:
            out.add(i)
    return frozenset(out)


def _bar_chords(ph: _Phrase, meter: str, tonic: str, mode: str) -> list[str]:
    """One chord a bar: a bar's first chord, but the cadence chord in the phrase's last bar."""
    per_bar = len(slot_weights(meter)) // chord_span(meter)
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


def _run_degrees(d: int, after: int | None, count: int) -> list[int]:
    """The degrees of a syllable's melisma of ``count`` notes after its first (degree ``d``): toward the next
    syllable's degree ``after`` by steps, a neighbour and back where it is reached; the line's last
    syllable (``after`` None) runs down to its own degree from as many steps above it."""
    if after is None:
        return [d + count - 1 - k for k in range(count)]  # the first note is lifted: see _phrase_notes
    way = 1 if after > d else -1 if after < d else 0
    out, here = [], d
    for _ in range(count):
        nxt = here + way
        here = nxt if way and nxt != after else (d - (way or -1) if here == d else d)
        out.append(here)
    return out


def _phrase_notes(ph: _Phrase, line: Line, start: int, pitch, where: tuple[int, int]) -> list[SungNote]:
    out = []
    last = len(ph.onsets) - 1
    for j, ((on, off), d) in enumerate(zip(ph.times, ph.degrees, strict=True)):
        on, dur, syl = start + on, off - on, line.syllables[j]
        run = ph.runs[j] if ph.runs else ()
        if ph.sung:  # learned pitches: the syllable's notes as drawn
            out.append(SungNote(on, dur, pitch(ph.sung[j][0]), syl, *where))
            for (a, b), k in zip(run, ph.sung[j][1:], strict=True):
                out.append(SungNote(start + a, b - a, pitch(k), None, *where))
        elif run:  # a learned melisma: the syllable's first note, then the run's
            after = ph.degrees[j + 1] if j < last else None
            first = d + len(run) if after is None else d
            out.append(SungNote(on, dur, pitch(first), syl, *where))
            for (a, b), k in zip(run, _run_degrees(d, after, len(run)), strict=True):
                out.append(SungNote(start + a, b - a, pitch(k), None, *where))
        elif j == last and ph.cadence_melisma:  # a melisma: a step above, then the cadence note
            out.append(SungNote(on, 2 * SLOT, pitch(d + 1), syl, *where))
            out.append(SungNote(on + 2 * SLOT, dur - 2 * SLOT, pitch(d), None, *where))
        elif j in ph.passing:  # a passing (or neighbour) tone toward the next syllable's note
            step = ph.degrees[j + 1] - d
            half = math.ceil(dur / 2 / SLOT) * SLOT
            out.append(SungNote(on, half, pitch(d), syl, *where))
            out.append(SungNote(on + half, dur - half, pitch(d + (step // 2 if step else 1)), None, *where))
        else:
            out.append(SungNote(on, dur, pitch(d), syl, *where))
    return out


def _tonic_midi(tonic: str) -> int:
    pc = PITCH_CLASS_OF_TONIC.get(tonic, 0)
    return 60 + pc if pc <= 5 else 48 + pc  # tonic between F#3 and F4: the line spans about a 12th


def _sung(
    lyrics: Lyrics,
    register: Register,
    rhythm: RhythmStyle,
    pitch_of,
    meter: str,
    tonic: str,
    mode: str,
    seed: int,
    recur: bool,
    flags: tuple[bool, bool, bool],
    leaps: LeapStyle = NO_LEAPS,
    pitch: PopPitch | None = None,
) -> tuple[list[SungNote], list[str], list[tuple[int, int]]]:
    """The notes, chords (one a bar) and (first bar, bars) of each section of a song in ``register``."""
    bar = len(slot_weights(meter))
    kinds = tuple(s.kind for s in lyrics.sections)
    notes: list[SungNote] = []
    chords: list[str] = []
    section_bars: list[tuple[int, int]] = []
    start = 0
    for si, section in enumerate(lyrics.sections):
        bars = max(_line_bars(len(line.syllables), bar, rhythm, meter) for line in section.lines)
        section_bars.append((len(chords), bars * len(section.lines)))
        bounds = register.section_bounds(section.kind, kinds)
        last = None  # the previous line's last degree: a line starts from it (LeapStyle.across)
        earlier: list[tuple[str, _Phrase, int]] = []  # the section's lines so far: (ending, phrase, seed)
        took: list[int | None] = [None] * len(section.lines)  # whose tune each line sings
        form = [[s.stressed for s in ln.syllables] for ln in section.lines] if rhythm.line_form else []
        form = section_form(form, rhythm.retext > 0.0) if form else []
        for li, line in enumerate(section.lines):
            end = _ending(li, len(section.lines))
            height = register.arch(li, len(section.lines), section.kind, kinds)
            key = f"{line.text}|{end}|{bars}|{height}|{bounds}" if recur else f"{si}.{li}"
            seed_here = seed * 7919 + zlib.crc32(key.encode())
            # a pickup into a line after a section's first: a repeated section keeps its notes
            ph = _phrase(line, bars, meter, end, seed_here, *flags, height, bounds, rhythm, leaps, last,
                         li > 0, pitch, mode)  # fmt: skip
            toneless = all(s.tone is None for s in line.syllables)  # a Chinese line follows its own tones
            if (
                rhythm.reprise > 0.0
                and ph.sung
                and toneless
                and np.random.default_rng([seed_here, 3]).random() < rhythm.reprise
            ):
                got, seed_got = ph, seed_here
                if rhythm.line_form:  # ABAB or AABA: the tune of the line the form names
                    args = (meter, end, flags, height, bounds, rhythm, leaps, pitch, mode)
                    tail = partial(_tail, args, line, seed_here) if rhythm.retext > 0.0 else None
                    first = np.random.default_rng([seed_here, 5]).random() < rhythm.retext
                    got, seed_got = form_line(earlier, form[li], end, ph, seed_here, line, meter, tail, first)
                    took[li] = form[li] if got is not ph else None
                if got is ph:  # else the nearest earlier line with the same cadence (not AABA's B)
                    got, seed_got = reprise_line(earlier, end, ph, seed_here, line, meter, took)
                if got is not ph and rhythm.vary > 0.0:  # nearly the same tune: a few notes a step away
                    got = varied(got, rhythm.vary, meter, np.random.default_rng([seed_here, 4]))
                ph, seed_here = got, seed_got
            earlier.append((end, ph, seed_here))
            last = ph.last_degree
            new = _phrase_notes(ph, line, start, pitch_of(end == "dominant"), (si, li))
            if rhythm.sounding > 0.0 and not _learned(rhythm, meter):
                spans = detach([(n.onset, n.duration) for n in new], rhythm.sounding,
                               np.random.default_rng([seed_here, 2]))  # fmt: skip
                new = [
                    replace(n, sounding=d) if d < n.duration else n
                    for n, (_, d) in zip(new, spans, strict=True)
                ]
            notes = _before(notes, new[0].onset) + new if new else notes
            chords += _bar_chords(ph, meter, tonic, mode)
            start += ph.total * SLOT
    return notes, chords, section_bars


def _tail(args: tuple, line: Line, seed: int, k: int, bars: int, degree: int) -> _Phrase | None:
    """``line``'s syllables from ``k`` sung anew over ``bars`` bars from ``degree`` (the rest of a retexted
    line: ``song_reprise.retexted``); ``args``: :func:`_phrase`'s meter, ending, flags, height, bounds,
    rhythm, leaps, pitch and mode. None where they do not fit."""
    meter, end, flags, height, bounds, rhythm, leaps, pitch, mode = args
    sub = replace(line, syllables=line.syllables[k:])
    try:
        return _phrase(sub, bars, meter, end, seed + k, *flags, height, bounds, rhythm, leaps, degree, False,
                       pitch, mode)  # fmt: skip
    except ValueError:
        return None


def _before(notes: list[SungNote], onset: int) -> list[SungNote]:
    """``notes`` ending by ``onset`` (a learned rhythm's pickup into the next line: the held note before it
    is cut short)."""
    return [
        n if n.onset + n.duration <= onset else replace(n, duration=max(1, onset - n.onset), sounding=None)
        for n in notes
    ]


def _line_bars(syllables: int, bar: int, rhythm: RhythmStyle, meter: str) -> int:
    """Bars of a line: :func:`partita.generation.song_pop_rhythm.pop_bars` for a learned rhythm, else
    :func:`phrase_bars`."""
    if _learned(rhythm, meter):
        from partita.generation.song_pop_rhythm import pop_bars

        return pop_bars(syllables)
    return phrase_bars(syllables, bar)


RANGE_TRIES = 5
"""How many registers :func:`sing` tries (one degree higher or lower each time) for the song's range."""


def _span(notes: list[SungNote]) -> int:
    pitches = [n.pitch for n in notes]
    return max(pitches) - min(pitches)


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
    style: str | None = None,
    semitones: float | None = None,
    varied: bool = True,
    leaps: bool = True,
    learned: bool | None = None,
) -> Song:
    """A vocal melody for ``lyrics``, one note per syllable (two on some long syllables: melismas).

    With ``recur`` (the default) a line's melody depends only on its words and place, so repeated choruses
    get the same melody; ``recur=False`` seeds each line by its position instead (a baseline). With
    ``tones`` (the default) a line with Mandarin tones gets a melody whose direction follows them where
    singability allows (:func:`tone_pitches`); lines without tones (English) are not touched. With
    ``light`` (the default) a light (neutral-tone) syllable gets a short note off the strong beats where the
    rhythm allows (:func:`line_rhythm`) and is sung softer (:data:`LIGHT_VELOCITY`). With ``full`` (the
    default) a full-tone Chinese syllable (tones 1-4) is placed by :data:`FULL_AT`, free to fall on a strong
    beat; ``full=False`` places it as an unstressed English syllable (as before).

    **Range**: the whole song spans about ``semitones`` (4 to 36), else the range of real songs of ``style``
    (``song_pitch.STYLE_RANGE``: "pop" 18.6, "chorale" 11.7 ...; else by the lyrics' language, else 12), a
    song of verses only ``song_pitch.SECTION_SHARE`` of it: each section's middle line climbs highest, a
    chorus higher than a verse (``song_pitch.Register``), and the song is sung again a degree lower or
    higher (up to :data:`RANGE_TRIES` times) until its highest and lowest notes are that far apart.
    **Rhythm**: with ``varied`` (the default) the style's dotted notes, held phrase ends and melismas on
    long syllables (``song_rhythm.STYLE_RHYTHM``); ``varied=False`` keeps the plain eighth-and-quarter
    rhythm with a melisma on each long phrase end. ``learned``: pop's rhythm learned from POP909 in 4/4
    (``song_rhythm.LEARNED_RHYTHM``: sixteenths, pickups, syncopations, melismas where a line is short);
    None (the default) for Chinese lyrics only (English pop keeps the rules: its real songs place stresses
    on the strong beats far more often than POP909's rhythm does, docs/SONGS.md).
    **Leaps**: with ``leaps`` (the default) some notes after a quarter note or longer leap a fourth to a
    sixth to a chord tone and the line steps back after them, as often as the style's real songs leap
    (``song_pitch.STYLE_LEAPS``; Chinese lines: the tone rule's leaps only), and a line after a section's
    first starts a leap away from the previous line's last note with the style's chance (``across``), else
    within a third of it; ``leaps=False`` keeps the arch and the steps, each line's first note chosen by its
    own arch (a baseline).
    """
    register = register_for(style, lyrics.language, semitones)
    rhythm = rhythm_for(style, lyrics.language, learned) if varied else PLAIN
    leap_style = leaps_for(style, lyrics.language) if leaps else NO_LEAPS
    meter = "/".join(map(str, parse_meter(meter)))
    scale = MINOR if mode == "minor" else MAJOR
    tonic_midi = _tonic_midi(tonic)

    def pitch_of(on_v: bool):
        return lambda d: _midi(d, tonic_midi, scale, on_v or d % 7 == 6)

    target = register.song_semitones(tuple(s.kind for s in lyrics.sections))
    pitch = pitch_for(style) if _learned(rhythm, meter) or (varied and meter == "4/4") else None
    args = (rhythm, pitch_of, meter, tonic, mode, seed, recur, (tones, light, full), leap_style, pitch)
    best, tried = None, {}
    for _ in range(RANGE_TRIES):
        got = tried[register.shift] = _sung(lyrics, register, *args)
        miss = _span(got[0]) - target
        if best is None or abs(miss) < abs(_span(best[0]) - target):
            best = got
        if abs(miss) <= 1.0:
            break
        step = -1 if miss > 0 else 1
        if register.shift + step in tried:  # one degree moves it past the target either way
            break
        register = Register(register.semitones, register.shift + step, register.share)
    notes, chords, section_bars = best
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
    """:func:`sing` with the key, mode, meter, tempo and style (the melody's range) read from ``prompt``
    (defaults C major, 4/4, 100 bpm, the range of the lyrics' language or 12 semitones)."""
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
        style=c.style,
    )


# --- outputs ---------------------------------------------------------------------------------------------


def _velocity(syllable: Syllable) -> int:
    from partita.lyrics.mandarin import LIGHT

    return LIGHT_VELOCITY if syllable.tone == LIGHT else VELOCITY


def song_score(song: Song, written: bool = False) -> symusic.Score:
    """The vocal line as a symusic score with lyric meta events (``"twin-"``) and section markers; each note
    as long as it is sung (``SungNote.sounding``), or as written with ``written`` (the engraved score)."""
    score = symusic.Score(TPQ)
    num, den = parse_meter(song.meter)
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    score.tempos.append(symusic.Tempo(0, song.tempo))
    score.key_signatures.append(
        symusic.KeySignature(0, signature_fifths(song.tonic, song.mode), int(song.mode == "minor"))
    )
    track = symusic.Track(name="Voice", program=song.program)
    velocity = VELOCITY
    for n in song.notes:
        if n.syllable is not None:  # a melisma's continuation keeps its syllable's velocity
            velocity = _velocity(n.syllable) if song.light else VELOCITY
        length = n.duration if written or n.sounding is None else n.sounding
        track.notes.append(symusic.Note(n.onset, length, n.pitch, velocity))
        if n.syllable is not None:
            track.lyrics.append(symusic.TextMeta(n.onset, n.syllable.sung))
    score.tracks.append(track)
    bar = len(slot_weights(song.meter)) * SLOT
    for section, (first, _) in zip(song.lyrics.sections, song.section_bars, strict=False):
        score.markers.append(symusic.TextMeta(first * bar, section.label))
    return score


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
