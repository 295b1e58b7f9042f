"""The rhythm of a vocal line: the meter's strong beats and where a lyric line's syllables fall (issue 25).

A lyric line is a phrase of whole bars; the onsets of its syllables are chosen by dynamic programming over
eighth-note slots (:func:`line_rhythm`), scoring a stressed syllable on a strong beat up, on an off-beat down,
and odd durations and syncopations down; a light (neutral-tone 5) Chinese syllable is pushed harder off the
strong beats and toward an eighth note; a full-tone Chinese syllable is drawn to the downbeat. Rules, nothing
learned (docs/SONGS.md), but :data:`LEARNED_RHYTHM` (pop's, from POP909: ``song_pop_rhythm``).
:func:`partita.generation.song.sing` puts the rhythm and the pitches together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from partita.lyrics import Lyrics

TPQ = 480
SLOT = TPQ // 2  # an eighth note: the rhythm grid
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


# --- meter -----------------------------------------------------------------------------------------------


def parse_meter(meter: str) -> tuple[int, int]:
    """(numerator, denominator) of ``"6/8"``; 4/4 for anything partita's vocal line does not set."""
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        return 4, 4
    return (num, den) if num > 0 and den in (2, 4, 8) else (4, 4)


def slot_weights(meter: str) -> list[int]:
    """Metric weight of each eighth-note slot of a bar: 3 downbeat, 2 mid-bar strong beat, 1 beat, 0 off."""
    num, den = parse_meter(meter)
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


def phrase_bars(n: int, bar: int) -> int:
    """Bars of a phrase of ``n`` syllables (``bar`` eighths a bar): about 1.6 eighths a syllable and a long
    last note; 1, 2, 4, 6 ... bars."""
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
    durations: dict[int, float] | None = None,
    first_from: int = 0,
) -> list[int]:
    """Onset slots (eighths from the phrase start) of each syllable of a line of ``bars`` bars (a DP).

    ``light`` marks light (neutral-tone) syllables: kept off the strong beats harder than unstressed ones
    (:data:`LIGHT_AT`) and given an eighth note where the rhythm allows (:data:`LIGHT_DURATION`; the
    last syllable keeps its long cadence note). ``full`` marks full-tone Chinese syllables (tones 1-4), scored
    by :data:`FULL_AT` instead of as unstressed ones. ``durations`` (eighths: score) replaces
    :data:`DURATION_SCORE` (a style's: :attr:`RhythmStyle.durations`). ``first_from``: the first slot the
    line's first syllable may take (a later start: :attr:`RhythmStyle.late_start`)."""
    weights = slot_weights(meter)
    bar, n = len(weights), len(stresses)
    light = list(light) if light is not None else [False] * n
    full = list(full) if full is not None else [False] * n
    total = bars * bar
    w = [weights[p % bar] for p in range(total)]
    best = np.full((n, total), -np.inf)
    back = np.zeros((n, total), dtype=int)
    for p in range(min(first_from, bar - 1), min(bar, total)):
        best[0, p] = _syllable_score(stresses[0], w[p], light[0], full[0]) - 0.1 * (p - first_from)
    for i in range(1, n):
        for p in range(i, total):
            here = _syllable_score(stresses[i], w[p], light[i], full[i])
            for d, cost in (durations or DURATION_SCORE).items():
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


def eighth_baseline(lyrics: Lyrics, meter: str = "4/4") -> list[int]:
    """The baseline rhythm: one syllable per eighth note in order, each line starting on a new bar."""
    bar = len(slot_weights(meter))
    out, start = [], 0
    for line in lyrics.lines:
        out += [start + i * SLOT for i in range(len(line.syllables))]
        start += math.ceil((len(line.syllables) + 1) / bar) * bar * SLOT
    return out


# --- rhythm by style: dotted notes, held phrase ends, melismas on long syllables ------------------------


@dataclass(frozen=True)
class RhythmStyle:
    """How a style varies the eighth-note rhythm of :func:`line_rhythm` (each a share of the places where it
    may apply, drawn with the line's seed so that a repeated chorus keeps its rhythm).

    ``dotted_pair``: two eighths on a beat, the second unstressed, sung as a dotted eighth and a sixteenth;
    ``long_short``: two quarters on a beat and a weak beat, the second unstressed, sung as a dotted quarter
    and an eighth; ``held_end``: a phrase's last syllable held as one note of a plain length (a quarter, a
    half, a dotted half, a whole) with a breath (a rest) after it, instead of the two-note cadence melisma;
    ``passing``: a syllable of a quarter or more inside a line sung to two notes, the second a passing or
    neighbour tone toward the next syllable's (:func:`partita.generation.song.sing` places the pitches)."""

    dotted_pair: float = 0.0
    long_short: float = 0.0
    held_end: float = 0.0
    passing: float = 0.0
    durations: tuple[tuple[int, float], ...] | None = None
    """(eighths, score) pairs replacing :data:`DURATION_SCORE` in :func:`line_rhythm` (None: keep it)."""
    learned: bool = False
    """In 4/4, the line's notes drawn from POP909's rhythm on a sixteenth grid
    (:func:`partita.generation.song_pop_rhythm.pop_line`) instead of :func:`line_rhythm` and the fields
    above; other meters keep them."""
    melisma: float = 0.0
    """With ``learned``: the weight of a note that continues a syllable (a melisma where text is short)."""
    stress: float = 1.0
    """With ``learned``: how hard a stressed syllable is drawn to the strong beats (``song_pop_rhythm``'s
    ``STRESSED_AT`` scaled)."""
    detached: bool = False
    """With ``learned``: notes sound as long as POP909's do within their gaps (else to the next note)."""
    late_start: float = 0.0
    """On the rules' rhythm in 4/4: the chance that a line's first syllable starts on the mid-bar beat or
    after it (a rest of half a bar or more before it, its syllables closer together: POP909's lines start
    on beat 3 or 4 0.3 of the time, ``song_pop_rhythm.START``), where the line fits; 0: no chance is drawn."""
    sounding: float = 0.0
    """On the rules' rhythm: the share of a line's notes (not its last) that sound as long as POP909's
    notes do within a gap of their length (:func:`detach`), the rest of the gap a rest; 0: each note lasts
    to the next."""
    reprise: float = 0.0
    """The chance that a line re-uses the tune of the nearest earlier line of its section with the same
    cadence (lines 1 and 3 of a verse: an ABAB line form; ``song_reprise.reprise``): the same rhythm slots and
    pitches, a syllable more sung by splitting a note, a syllable fewer by joining two into a melisma,
    where its stressed syllables then fall on strong beats as often as on the line sung anew; 0: no
    chance is drawn (each line sung anew unless its words repeat). Lines with learned pitches
    (``song_pop_pitch``) and no Mandarin tones only."""
    vary: float = 0.0
    """With ``reprise``: the chance that each one-note syllable of a reprised line off the strong beats (not
    its first or last) moves a step up or down (nearly the same tune, as most of POP909's repeated phrases
    are); 0: the tune exactly."""
    line_form: bool = False
    """With ``reprise``: each section's line form chosen from its lines' syllables (:func:`section_form`:
    ABAB or AABA), a line sung to the tune of the line its form names; where that line has another cadence,
    its opening note for note and its ending the line's own, sung anew to its cadence (a near repeat:
    ``song_reprise.ending_reprise``); False: the nearest earlier line with the same cadence, exactly (as
    before)."""
    retext: float = 0.0
    """With ``line_form``: the chance that a line the form gives a tune sings the tune's first half note for
    note and the rest to its own rhythm, on the tune's notes (a near repeat whose rhythm changes where the
    words do: ``song_reprise.retexted``) before the whole tune is tried; above 0 it is also tried where the
    whole tune is not taken, and the form names a tune for lines whose syllables differ from it by more
    than one (:func:`section_form`'s ``loose``); 0: neither (as before)."""
    drawn_end: bool = False
    """With ``held_end``: the held last note's length drawn from the lengths of POP909's phrase-last notes
    (``song_pop_rhythm.HOLD``: a sixteenth grid, plain lengths from an eighth to a whole note) among those
    that leave a breath of a beat or more, instead of the longest of :data:`NICE_ENDS` that does (a
    quarter, half or dotted half: POP909 ends a phrase on a short note followed by a long rest as often
    as on a held one); False: as before."""
    anticipate: float = 0.0
    """On the rules' rhythm in x/4: the chance that a syllable on a weak beat (beat 2 or 4 of 4/4, never a
    strong beat; not a line's first or last) whose syllable before starts a quarter or more earlier comes
    an eighth early and is held across the beat (a syncopation: :func:`anticipate`; 0.13 of the notes of
    POP909's sparse windows start off the beat and sound across the next one, the rules' none); 0, not
    shipped: the realism judge reads it further from POP909 (docs/SONGS.md, Syncopations); no draw at 0."""
    syncopate: float = 0.0
    """On the rules' rhythm in x/4: the chance that a syncopation starts at a syllable on a weak beat (as
    :attr:`anticipate`'s) and **runs on** (:func:`syncopate`): the syllables after it that start on a beat
    come an eighth early too, each with the chance :attr:`run_on`, off-beat to off-beat with their lengths
    kept, until one already starts off the beat (POP909's syncopated notes mostly last a quarter, from
    off-beat to off-beat); a stressed syllable on a strong beat stops the run unless
    :attr:`run_strong`. Drawn with its own generator (no draw at 0)."""
    run_on: float = 0.0
    """With :attr:`syncopate`: the chance that a run of syncopations takes the next syllable on a beat."""
    run_strong: bool = False
    """With :attr:`syncopate`: a run may take a stressed syllable on a strong beat (sung an eighth before it
    and held across it: pop's push); False: it stops there."""
    sixteenths: float = 0.0
    """On the rules' rhythm: the chance that two unstressed syllables on eighths in a row (the next syllable
    an eighth after the second; not a line's first or last) are sung as a pair of sixteenths in the second
    eighth, the syllable before held an eighth longer (:func:`sixteenths`: an eighth and two sixteenths,
    as POP909 sings them on the off-beat); no draw at 0."""


def section_form(stresses: list[list[bool]], loose: bool = False) -> list[int | None]:
    """For each line of a section (the stress marks of its syllables) the earlier line whose tune it is sung
    to (None: sung anew), by the form the lines' syllables fit best: **ABAB** (a line to the tune of the
    line two before) or **AABA** (in each four lines, the second and the fourth to the tune of the first,
    the third anew; a fifth line on to the line four before). A line is fitted to a tune where their
    syllables differ by one at most (``song_reprise.reprise`` splits or joins a note); the form with more such
    lines wins, then the one with more lines of the same stress pattern as their tune, then ABAB.
    ``loose``: the chosen form's tunes for all its lines, fitting or not (``RhythmStyle.retext`` sings a
    line that does not fit to the tune's first half and its own rhythm after)."""
    n = len(stresses)

    def fits(i: int, j: int | None) -> bool:
        return j is not None and abs(len(stresses[i]) - len(stresses[j])) <= 1

    abab = [i - 2 if i >= 2 else None for i in range(n)]
    aaba = [(None, 0, None, 0)[i] if i < 4 else i - 4 for i in range(n)]
    forms = []
    for rank, form in enumerate((abab, aaba)):
        kept = [j if fits(i, j) else None for i, j in enumerate(form)]
        same = sum(j is not None and stresses[i] == stresses[j] for i, j in enumerate(kept))
        forms.append((sum(j is not None for j in kept), same, -rank, form if loose else kept))
    return max(forms)[3]


PLAIN = RhythmStyle()
"""The rhythm as :func:`line_rhythm` gives it: eighths, quarters, a melisma on each long phrase end."""
QUARTERS = ((2, 1.0), (4, 0.0), (1, -2.5), (3, -2.0), (6, -1.0))
"""A chorale's note lengths (eighths: score): a syllable a quarter note, eighths and dotted notes rare."""
POP_DURATIONS = ((2, 0.4), (1, 0.0), (3, -0.3), (4, -0.4), (6, -1.5))
"""Pop's note lengths on the rules' rhythm (eighths: score): an eighth scored 0.4 below a quarter, no longer
1.4 (``((2, 0.8), (1, -0.6), ...)`` before): more runs of eighths into longer held notes, as POP909 sings
(its times between onsets: eighths 0.45, quarters 0.27; partita's 0.35 and 0.43 before). Chosen with
``sixteenths`` 0.25 on the development half of ``bench/song_rhythm_eighths.py`` (docs/SONGS.md, Eighths
and sixteenths)."""
STYLE_RHYTHM: dict[str, RhythmStyle] = {
    "pop": RhythmStyle(
        dotted_pair=0.0,
        long_short=0.5,
        held_end=0.6,
        passing=0.2,
        durations=POP_DURATIONS,
        late_start=0.3,
        sounding=1.0,
        reprise=0.5,
        line_form=True,
        sixteenths=0.25,
    ),
    "chorale": RhythmStyle(held_end=0.9, passing=0.45, durations=QUARTERS),
    "chinese_folk": PLAIN,
}
"""Each style's rhythm, chosen by comparing with the development half of ``bench/bench_song_real.py``'s real
songs (every other song: 2 English songs sung as "pop", 15 Bach chorales as "chorale", 1 German lied with no
style: :data:`DEFAULT_RHYTHM`) and reported on the other half (docs/SONGS.md). Chinese songs keep the plain
rhythm: no Chinese song with lyrics ships offline to compare with, and the tone-melody rule assumes it. Pop's
``sounding`` and ``late_start`` were chosen on the development half of ``bench/bench_song_realism.py``
(POP909's melodies, windows as sparse as partita's: docs/SONGS.md, English pop nearer POP909), and its
``reprise`` and ``line_form`` there too (``--reprise``: docs/SONGS.md, Reprised lines, Line forms), its
:data:`POP_DURATIONS` and ``sixteenths`` on the development half of ``bench/song_rhythm_eighths.py``
(docs/SONGS.md, Eighths and sixteenths)."""
LEARNED_RHYTHM: dict[str, RhythmStyle] = {
    "pop": replace(STYLE_RHYTHM["pop"], learned=True, melisma=0.3, reprise=0.0),
}
"""Each style's rhythm learned from real melodies (pop: POP909's, ``song_pop_rhythm``), used in 4/4 for
Chinese lyrics, or for any when asked (:func:`rhythm_for`'s ``learned``). ``melisma`` was chosen on the
development half of ``bench/bench_song_realism.py`` (docs/SONGS.md). English lyrics keep
:data:`STYLE_RHYTHM`'s by default: the held-out English songs of ``bench/bench_song_real.py`` put their
stressed syllables on strong beats 0.87-0.96 of the time, the learned rhythm 0.38-0.63."""
DEFAULT_RHYTHM = RhythmStyle(dotted_pair=0.8, long_short=0.8, held_end=0.5, passing=0.15)
"""The rhythm of a style without its own (German lieder in the benchmark, waltzes, folk songs ...)."""
METER_DOTTED = {"2/4": 0.4}
"""The share of a style's dotted pairs and long-short pairs drawn in a meter (others: all): the German Essen
folk songs that ``bench/bench_song_real.py`` reads (erk, boehme, kinder) put a note on a dotted length 0.4
times as often in 2/4 as in 3/4 and 4/4 (0.034 of 16,037 notes against 0.083 of 33,866: that benchmark's
row "German Essen folk songs: notes on a dotted length in 2/4")."""
METER_PAIRS: dict[str, float] = {"4/4": 0.35}
"""The share of a style's dotted pairs (a dotted eighth and a sixteenth; not its long-short pairs) drawn in
a meter, on top of :data:`METER_DOTTED` (others: all). In 4/4 the default rhythm's dotted pairs (0.8) put
0.180 of its notes on the sixteenth grid against 0.062 of the German Essen 4/4 tunes' development half
(even positions): 0.35 of them gives 0.054 (held-out half 0.041: 0.140 -> 0.014 off;
``python bench/song_rhythm_folk.py --pairs 1,0.5,0.35,0.25,0.15``, docs/SONGS.md). Pop draws no dotted
pairs, so this leaves it alone."""
PLAIN_SIXTEENTHS = (2, 3, 4, 6, 8, 12, 16)
"""Lengths (sixteenths) a drawn phrase end may take (:attr:`RhythmStyle.drawn_end`): one note each, an
eighth to a whole note."""
NICE_ENDS = (6, 4, 3, 2)
"""Lengths (eighths) a held phrase end may take: a dotted half, a half, a dotted quarter, a quarter note."""


def rhythm_for(
    style: str | None = None, language: str | None = None, learned: bool | None = None
) -> RhythmStyle:
    """The rhythm of ``style`` (:data:`STYLE_RHYTHM`, or :data:`LEARNED_RHYTHM` where the style has one and
    ``learned`` asks for it, None: for Chinese lyrics), else of the lyrics' ``language`` (Chinese: the
    plain rhythm), else :data:`DEFAULT_RHYTHM`."""
    if style in LEARNED_RHYTHM and (learned if learned is not None else language == "zh"):
        return LEARNED_RHYTHM[style]
    if style in STYLE_RHYTHM:
        return STYLE_RHYTHM[style]
    return PLAIN if language == "zh" and style is None else DEFAULT_RHYTHM


def rules_onsets(
    stresses: list[bool],
    bars: int,
    meter: str,
    lights: list[bool],
    fulls: list[bool],
    table: dict[int, float] | None,
    rhythm: RhythmStyle,
    rng: np.random.Generator,
) -> list[int]:
    """:func:`line_rhythm`'s onsets, the first syllable from the mid-bar beat on with the chance
    ``rhythm.late_start`` (4/4 only; drawn only where it is above 0) where the line fits so with as many
    stressed syllables on strong beats."""
    onsets = line_rhythm(stresses, bars, meter, lights, fulls, table)
    if rhythm.late_start > 0.0 and meter == "4/4" and rng.random() < rhythm.late_start:
        try:
            late = line_rhythm(stresses, bars, meter, lights, fulls, table, len(slot_weights(meter)) // 2)
        except ValueError:
            return onsets

        def strong(got: list[int]) -> int:
            return sum(s and is_strong(p * SLOT, meter) for s, p in zip(stresses, got, strict=True))

        if strong(late) >= strong(onsets):
            return late
    return onsets


def beat_slots(meter: str) -> int:
    """Eighth-note slots per beat of ``meter``: 3 in 6/8, 2 in 4/4, 4 in 2/2."""
    num, den = parse_meter(meter)
    return 3 if den == 8 and num % 3 == 0 else max(1, 8 // den)


def held_end(
    onsets: list[int], total: int, meter: str, style: RhythmStyle, rng: np.random.Generator
) -> float | None:
    """The length (eighths; a dotted eighth 1.5 with ``style.drawn_end``) of a held last note with a breath
    of a beat or more after it, or None for the cadence melisma (or, on a short last note, the note to the
    phrase's end)."""
    room = total - onsets[-1] - beat_slots(meter)
    if rng.random() >= style.held_end or room < 2:
        return None
    if style.drawn_end:
        from partita.generation.song_pop_rhythm import HOLD

        fits = [k for k in sorted(HOLD) if k in PLAIN_SIXTEENTHS and k <= 2 * room]
        if fits:
            w = np.array([HOLD[k] for k in fits])
            return fits[int(rng.choice(len(fits), p=w / w.sum()))] / 2
    return next(d for d in NICE_ENDS if d <= room)


def styled_times(
    onsets: list[int],
    stresses: list[bool],
    total: int,
    meter: str,
    style: RhythmStyle,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """(start, end) ticks from the phrase start of each syllable's note(s): :func:`line_rhythm`'s onsets
    with ``style``'s dotted pairs and long-short pairs (fewer in 2/4: :data:`METER_DOTTED`; dotted pairs by
    :data:`METER_PAIRS` too); each syllable
    lasts to the next one's onset (the last to the phrase's end; :func:`held_end` shortens it). A syllable
    on a strong beat never moves."""
    weights = slot_weights(meter)
    w = [weights[p % len(weights)] for p in onsets]
    starts = [p * SLOT for p in onsets]
    n = len(onsets)
    name = "/".join(map(str, parse_meter(meter)))
    fewer = METER_DOTTED.get(name, 1.0)
    pairs = fewer * METER_PAIRS.get(name, 1.0)
    for i in range(n - 2):  # the last syllable keeps its place
        gap, nxt = onsets[i + 1] - onsets[i], onsets[i + 2] - onsets[i + 1]
        if stresses[i + 1] or w[i] < 1 or starts[i + 1] != onsets[i + 1] * SLOT:
            continue
        if gap == 1 and nxt == 1 and w[i + 1] == 0 and rng.random() < style.dotted_pair * pairs:
            starts[i + 1] += SLOT // 2
        elif gap == 2 and nxt == 2 and w[i + 1] == 1 and rng.random() < style.long_short * fewer:
            starts[i + 1] += SLOT
    ends = [*starts[1:], total * SLOT]
    times = list(zip(starts, ends, strict=True))
    if style.syncopate > 0.0 or style.sixteenths > 0.0:  # own draws: the rest of the line as without
        own = rng.spawn(1)[0]
        times = syncopate(times, stresses, meter, style, own)
        times = sixteenths(times, stresses, style.sixteenths, own)
    return times


def detach(spans: list[tuple[int, int]], share: float, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(onset, duration) ticks of a line's notes, each but the last shortened with chance ``share`` to the
    length POP909's notes sound within a gap of its length (``song_pop_rhythm.SOUNDING``: gaps of an eighth
    to a half note, on the sixteenth grid; a longer gap or one off the grid is left alone): the rest of the
    gap becomes a rest. Never lengthens a note."""
    from partita.generation.song_pop_rhythm import SOUNDING

    tick = SLOT // 2
    out = list(spans)
    for i in range(len(spans) - 1):
        onset, dur = spans[i]
        gap = spans[i + 1][0] - onset
        if share <= 0.0 or gap % tick or gap // tick not in SOUNDING or dur < gap:
            continue
        if rng.random() >= share:
            continue
        table = SOUNDING[gap // tick]
        keys = sorted(table)
        w = np.array([table[k] for k in keys])
        out[i] = (onset, int(keys[int(rng.choice(len(keys), p=w / w.sum()))]) * tick)
    return out


def anticipate(
    times: list[tuple[int, int]], meter: str, share: float, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """(start, end) ticks of a line's syllables (:func:`styled_times`) with each syllable that starts on a
    weak beat (a beat of an x/4 meter that is not strong), not the line's first or last, whose syllable
    before starts a quarter or more earlier and sounds to it, moved an eighth earlier with chance ``share``:
    it then starts on the off-beat and is held across the beat (the syllable before an eighth shorter). A
    strong beat's syllable never moves; one draw a candidate, in order."""
    _, den = parse_meter(meter)
    if share <= 0.0 or den != 4:
        return list(times)
    out = list(times)
    for i in range(1, len(out) - 1):
        start, end = out[i]
        before = out[i - 1]
        weak = start % TPQ == 0 and not is_strong(start, meter)
        if not weak or start - before[0] < 2 * SLOT or before[1] != start or end <= start:
            continue
        if rng.random() < share:
            out[i - 1] = (before[0], start - SLOT)
            out[i] = (start - SLOT, end)
    return out


def syncopate(
    times: list[tuple[int, int]],
    stresses: list[bool],
    meter: str,
    style: RhythmStyle,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """(start, end) ticks of a line's syllables with runs of syncopations (:attr:`RhythmStyle.syncopate`):
    a syllable that :func:`anticipate` could move comes an eighth early with the chance ``style.syncopate``
    (the syllable before an eighth shorter), then each next syllable that starts on a beat where the one
    before sounds to it comes an eighth early too with the chance ``style.run_on``, its length kept: the
    run ends at a syllable already off the beat (the run's last note then an eighth longer), at the line's
    last syllable (which keeps its place), at a draw, or at a stressed syllable on a strong beat unless
    ``style.run_strong``. x/4 meters only; no draw where ``style.syncopate`` is 0."""
    _, den = parse_meter(meter)
    if style.syncopate <= 0.0 or den != 4:
        return list(times)
    out, n, i = list(times), len(times), 1
    while i < n - 1:
        start, end = out[i]
        before = out[i - 1]
        weak = start % TPQ == 0 and not (is_strong(start, meter) and stresses[i])
        if not weak or start - before[0] < 2 * SLOT or before[1] != start or end <= start:
            i += 1
            continue
        if rng.random() >= style.syncopate:
            i += 1
            continue
        out[i - 1] = (before[0], start - SLOT)
        j = i
        while True:
            s, e = out[j]
            out[j] = (s - SLOT, e)
            k = j + 1
            if k >= n - 1 or out[k][0] % TPQ != 0 or out[k][0] != e:
                break
            if stresses[k] and is_strong(out[k][0], meter) and not style.run_strong:
                break
            if rng.random() >= style.run_on:
                break
            out[j] = (s - SLOT, e - SLOT)
            j = k
        i = j + 1
    return out


def sixteenths(
    times: list[tuple[int, int]], stresses: list[bool], share: float, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """(start, end) ticks of a line's syllables with pairs of sixteenths (:attr:`RhythmStyle.sixteenths`):
    where syllables ``i`` and ``i + 1`` are unstressed and start an eighth apart on the eighth grid, the
    next one an eighth after (``i`` not the line's first, ``i + 1`` not its last), with the chance ``share``
    the syllable before ``i`` is held an eighth longer and ``i`` and ``i + 1`` share the second eighth as two
    sixteenths. The syllables' count and every other onset stay; no draw at 0."""
    if share <= 0.0:
        return list(times)
    out, n, i = list(times), len(times), 1
    while i < n - 2:
        s = out[i][0]
        pattern = (
            s % SLOT == 0
            and not stresses[i]
            and not stresses[i + 1]
            and out[i - 1][1] == s
            and out[i] == (s, s + SLOT)
            and out[i + 1] == (s + SLOT, s + 2 * SLOT)
            and out[i + 2][0] == s + 2 * SLOT
        )
        if pattern and rng.random() < share:
            half = SLOT // 2
            out[i - 1] = (out[i - 1][0], s + SLOT)
            out[i] = (s + SLOT, s + SLOT + half)
            out[i + 1] = (s + SLOT + half, s + 2 * SLOT)
            i += 2
            continue
        i += 1
    return out
