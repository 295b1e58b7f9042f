"""Pop's pitches learned from POP909 (issue 25): the degrees of a learned-rhythm line's notes, drawn from an
interval table counted over POP909's vocal melodies.

The table (``pop_pitch.json`` beside this module, written by ``bench/song_pitch_fit.py`` from the
development half: even ids of songs 1-800) gives the chance of each interval, in scale steps (0 a repeated
note, 1 a second ... 7 an octave or more, up or down), by its context: the interval before it (none yet,
a repeat, a step, a third or a leap, up or down: a line of repeated notes goes on repeating, a leap is
often followed by another), the time since the note before (a sixteenth or an eighth, a quarter, longer:
leaps follow long notes) and where the note falls in the bar (the downbeat or beat 3, beat 2 or 4, off the
beat); and, for a line's first note, the interval from the line before's last note. It also gives how
often a note at each place in the bar is a chord tone.

:func:`pop_pitches` draws a line's notes (its syllables' and their melismas') from the table by forward
filtering and backward sampling over the degrees within the line's bounds, the table's chances weighted by:
how far a note lies from the rules' tone-blind line (``guide``: the arch, its chord tones and cadence;
:attr:`PopPitch.drift` a degree), whether it is a chord tone (the table's shares against a chance of 3 in
7, :attr:`PopPitch.chord`), and for Mandarin lyrics whether the move from one syllable's first note to the
next agrees with the tone pair (:func:`partita.lyrics.mandarin.preferred_directions`, as
:func:`partita.generation.song_pitch.tone_pitches` weighs it, :attr:`PopPitch.tones`). A line's last note
is its cadence note. The draws use the line's seed: a repeated chorus keeps its notes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from partita.generation.song_rhythm import TPQ  # the ticks a quarter of the times learned_degrees takes

TABLE_PATH = Path(__file__).with_name("pop_pitch.json")
PREV = ("first", "0", "+1", "-1", "+2", "-2", "+L", "-L")
"""The contexts of the interval before a note (``bench/song_pitch_fit.py``), ``start`` aside."""
WIDEST = 7
"""The widest interval class (an octave or more)."""
CHORD_CHANCE = 3 / 7
"""The share of a scale's degrees that are chord tones: the chance a note drawn at random is one."""


@dataclass(frozen=True)
class PopPitch:
    """How a learned line's pitches are drawn (:func:`pop_pitches`): ``drift``, the log-weight a degree
    away from the rules' tone-blind line; ``chord``, the power of the table's chord-tone odds (0: none);
    ``tones``, the scale of the tone rule's costs (:data:`partita.generation.song_pitch.TONE_MISS` and
    ``TONE_CONTRARY``) on a Mandarin line; ``temperature``, the power of the interval table (1: as
    counted). The defaults were chosen on the development half's interval sizes and the Tang poems' tone
    agreement (docs/SONGS.md, § Pop's learned pitches)."""

    drift: float = 0.1
    chord: float = 0.5
    tones: float = 2.0
    temperature: float = 1.0
    scale: float = 1.0
    """The power of the table's odds of each scale degree (POP909's melodies lean on the pentatonic scale:
    the fourth and seventh degrees of a major key 0.04 and 0.05 of their notes) against a seventh each."""
    start: bool = True
    """Whether a line's first note is drawn by the table's intervals from the line before's last note."""
    correct: tuple[float, ...] = (1.0,) * (WIDEST + 1)
    """A weight for each interval size (0 a repeat ... 7 an octave or more, either way) times the table's
    chances: the drift, the chord tones, the bounds and the cadence pull the drawn lines from the table's
    shares, and these weights pull them back (fitted on POP909's development half:
    ``bench/song_pitch_fit.py --fit-correct``), on lines without tones."""
    correct_tones: tuple[float, ...] = (1.0,) * (WIDEST + 1)
    """:attr:`correct` for Mandarin lines (the tone rule pulls them too)."""
    rules_rhythm: bool = False
    """Whether lines of the style on the rules' rhythm (``song_rhythm.STYLE_RHYTHM``: English pop) without
    tones take these pitches too (False: the rules' pitches, ``song_pitch.line_pitches``). On for pop
    (:data:`STYLE_PITCH`): the English lines' intervals come to POP909's (a judge of the pitch features
    alone tells them apart 0.77 -> 0.64 of the time on the development half; the judge of all the
    features reads their rhythm: ``bench_song_realism.py``'s ``partita_rules_pitch`` arm, docs/SONGS.md)."""
    correct_rules: tuple[float, ...] | None = None
    """:attr:`correct` for lines on the rules' rhythm (None: :attr:`correct`)."""
    melisma_repeats: bool = True
    """Whether a syllable's note after its first may repeat the one before (False: a melisma moves; the
    rules' rhythm's passing tones and cadence melismas)."""


STYLE_PITCH: dict[str, PopPitch | None] = {
    "pop": PopPitch(
        tones=2.5,
        correct=(0.67, 1.0, 1.03, 0.93, 1.03, 1.79, 1.44, 1.03),
        correct_tones=(1.6, 1.0, 0.93, 1.02, 0.86, 1.77, 3.0, 3.0),
        correct_rules=(0.59, 1.0, 0.79, 0.65, 0.76, 0.78, 0.85, 0.59),
        rules_rhythm=True,
    )
}
"""The learned pitches of a style whose lines have a learned rhythm (``song_rhythm.LEARNED_RHYTHM``);
None, or a style not here: the rules' pitches (``song_pitch.line_pitches``, ``tone_pitches``). Pop's
``tones`` 2.5 (2.0 before) with a repeated note's weight on a Mandarin line 1.6 (1.36 before): the Tang
poems' tone agreement back above the rules' (0.931 -> 0.960, the rules' 0.948) with as many repeated notes
(development half: 0.233, POP909 0.226); ``correct_rules`` fitted by ``bench/song_pitch_fit.py
--fit-rules`` (its fourth round: the fifth's seventh weight is noise). English pop on the rules' rhythm
sings them too (``rules_rhythm``, 2026-12-07: its pitch motion nearer POP909's, docs/SONGS.md § English
pop's pitches from POP909)."""


def pitch_for(style: str | None) -> PopPitch | None:
    """The learned pitches of a learned-rhythm line of ``style`` (:data:`STYLE_PITCH`)."""
    return STYLE_PITCH.get(style or "")


@lru_cache(maxsize=1)
def load_table() -> dict:
    """The interval table (``pop_pitch.json``)."""
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def metric_label(slot: int) -> str:
    """The place of sixteenth ``slot`` in a 4/4 bar: "strong" (beats 1 and 3), "beat" (2, 4), "off"."""
    slot %= 16
    return "strong" if slot in (0, 8) else "beat" if slot % 4 == 0 else "off"


def gap_label(sixteenths: int) -> str:
    """The time from the note before, in sixteenths: "short" (up to an eighth), "quarter", "long"."""
    return "short" if sixteenths <= 2 else "quarter" if sixteenths <= 4 else "long"


def _bucket(k: int) -> int:
    """The index in :data:`PREV` of an interval of ``k`` scale steps."""
    if k == 0:
        return 1
    if abs(k) <= 2:
        return 2 * abs(k) + (0 if k > 0 else 1)
    return 6 if k > 0 else 7


@lru_cache(maxsize=4096)
def _probs(key: str, style: PopPitch, toned: bool) -> np.ndarray:
    """The table's chances of each interval class in context ``key`` as ``style`` weighs them (cached:
    read only)."""
    p = np.asarray(load_table()["table"][key], dtype=float) ** style.temperature
    correct = style.correct_tones if toned else style.correct
    p = p * np.asarray(correct, dtype=float)[np.abs(np.arange(-WIDEST, WIDEST + 1))]
    return p / p.sum()


def pop_pitches(
    slots: list[int],
    syllable: list[int],
    guide: list[int],
    roots: list[int],
    bounds: tuple[int, int],
    rng: np.random.Generator,
    style: PopPitch,
    tones: list[int | None] | None = None,
    start_from: int | None = None,
    mode: str = "major",
) -> list[int]:
    """Scale degrees (0 = the tonic) for a line's notes: ``slots``, each note's onset in sixteenths from
    the line's first bar (a pickup's negative); ``syllable``, the syllable each note sings (a syllable's
    first note where it changes, a melisma's notes after); ``guide``, each syllable's degree in the rules'
    tone-blind line (its last the cadence, which the line's last note takes); ``roots``, the chord root of
    each bar (scale degrees); ``tones``, each syllable's Mandarin tone (None: no tone rule);
    ``start_from``, the previous line's last degree; ``mode``, "major" or "minor" (the degrees' shares).
    Drawn as the module's docstring says, within ``bounds`` (widened to the cadence note)."""
    from partita.generation.song_pitch import TONE_CONTRARY, TONE_MISS
    from partita.lyrics.mandarin import LEVEL, direction, preferred_directions

    n = len(slots)
    if n == 0:
        return []
    cadence = guide[syllable[-1]]
    lo, hi = min(bounds[0], cadence), max(bounds[1], cadence)
    degs = np.arange(lo, hi + 1)
    size, nc = len(degs), len(PREV)
    diff = degs[None, :] - degs[:, None]  # [q, d]: d - q
    cls = np.clip(diff, -WIDEST, WIDEST) + WIDEST
    within = np.abs(diff) <= WIDEST  # the table's widest class is the octave: nothing wider
    buckets = np.vectorize(_bucket)(diff)
    onto = (buckets[:, :, None] == np.arange(nc)).astype(float)  # [q, d, c']: the bucket of q -> d
    table = load_table()
    share = table["chord_tone"]
    on_scale = style.scale * np.log(7 * np.asarray(table["degrees"]["minor" if mode == "minor" else "major"]))

    def unary(i: int) -> np.ndarray:
        g = guide[syllable[i]]
        w = -style.drift * np.abs(degs - g)
        root = roots[min(max(slots[i], 0) // 16, len(roots) - 1)]
        step = (degs - root) % 7
        is_chord = (step == 0) | (step == 2) | (step == 4)
        p = share[metric_label(slots[i])]
        odds = np.where(is_chord, math.log(p / CHORD_CHANCE), math.log((1 - p) / (1 - CHORD_CHANCE)))
        w = w + style.chord * odds
        w = w + on_scale[degs % 7]
        if i == n - 1:
            w = np.where(degs == cadence, w, -np.inf)
        return np.exp(w - w[np.isfinite(w)].max())

    tone_w = None
    if tones is not None and any(t is not None for t in tones):
        tone_w = {}
        for j in range(len(guide) - 1):
            want = preferred_directions(tones[j], tones[j + 1])
            if not want:
                continue
            cost = np.zeros((size, size))  # [a, d]: from syllable j's first note a to j+1's d
            for a in range(size):
                for d in range(size):
                    step = direction(int(degs[a]), int(degs[d]))
                    if step not in want:
                        cost[a, d] = TONE_MISS + (TONE_CONTRARY if step != LEVEL and -step in want else 0.0)
            tone_w[j + 1] = np.exp(-style.tones * cost)

    # alpha[i][q, c, a]: weight of note i at degree q, the interval into it of bucket c, the syllable's first
    # note at a
    first = np.zeros((size, nc, size))
    u0 = unary(0)
    if start_from is not None and style.start:
        k = np.clip(degs - start_from, -WIDEST, WIDEST) + WIDEST
        u0 = u0 * _probs(f"start|long|{metric_label(slots[0])}", style, tone_w is not None)[k]
        u0 = u0 * (np.abs(degs - start_from) <= WIDEST)
        u0 = u0 if u0.sum() > 0 else unary(0)
    for d in range(size):
        first[d, 0, d] = u0[d]
    alphas = [first / max(first.sum(), 1e-300)]
    trans = []
    for i in range(1, n):
        ctx = f"|{gap_label(slots[i] - slots[i - 1])}|{metric_label(slots[i])}"
        t = np.stack([_probs(p + ctx, style, tone_w is not None)[cls] * within for p in PREV])  # [c, q, d]
        if not style.melisma_repeats and syllable[i] == syllable[i - 1]:
            t = t * (diff != 0)[None]
        trans.append(t)
        prev = alphas[-1]
        u = unary(i)
        move = np.einsum("qca,cqd->qad", prev, t) * u[None, None, :]  # [q, a, d]
        if syllable[i] != syllable[i - 1]:
            tw = tone_w.get(syllable[i]) if tone_w else None
            m = move * tw[None, :, :] if tw is not None else move
            s = np.einsum("qad,qdk->dk", m, onto)  # [d, c']
            new = np.zeros((size, nc, size))
            new[np.arange(size), :, np.arange(size)] = s
        else:
            new = np.einsum("qad,qdk->dka", move, onto)
        total = new.sum()
        if total <= 0:  # nothing fits (cannot happen with the cadence in bounds): the guide's degrees
            return [int(guide[s]) for s in syllable]
        alphas.append(new / total)
    # backward sampling
    last = alphas[-1]
    flat = last.reshape(-1)
    k = int(rng.choice(flat.size, p=flat / flat.sum()))
    d, c, a = np.unravel_index(k, last.shape)
    out = [int(d)]
    for i in range(n - 1, 0, -1):
        prev = alphas[i - 1]
        t = trans[i - 1]
        w = prev * t[:, :, d].T[:, :, None]  # [q, c_prev, a_prev]
        w = w * onto[:, d, c][:, None, None]
        if syllable[i] != syllable[i - 1]:
            if tone_w and syllable[i] in tone_w:
                w = w * tone_w[syllable[i]][:, d][None, None, :]
        else:
            mask = np.zeros(size)
            mask[a] = 1.0
            w = w * mask[None, None, :]
        flat = w.reshape(-1)
        k = int(rng.choice(flat.size, p=flat / flat.sum()))
        d, c, a = np.unravel_index(k, w.shape)
        out.append(int(d))
    return [int(degs[j]) for j in out[::-1]]


def learned_degrees(
    times: list[tuple[int, int]],
    runs: tuple,
    guide: list[int],
    roots: list[int],
    bounds: tuple[int, int],
    rng: np.random.Generator,
    pitch: PopPitch,
    tones: list[int | None] | None,
    start_from: int | None,
    mode: str,
) -> tuple[tuple[int, ...], ...]:
    """Each syllable's notes' degrees drawn by :func:`pop_pitches`: ``times``, each syllable's first note
    (start, end) in ticks from the line's start (480 a quarter), ``runs`` its melisma's notes after it
    (``partita.generation.song``'s learned rhythm); the rest as :func:`pop_pitches` takes them."""
    sixteenth = TPQ // 4
    slots, syllable = [], []
    for j, ((on, _), run) in enumerate(zip(times, runs, strict=True)):
        for a in [on] + [r[0] for r in run]:
            slots.append(a // sixteenth)
            syllable.append(j)
    got = pop_pitches(slots, syllable, guide, roots, bounds, rng, pitch, tones, start_from, mode)
    out: list[list[int]] = [[] for _ in times]
    for j, d in zip(syllable, got, strict=True):
        out[j].append(d)
    return tuple(tuple(x) for x in out)


def rules_runs(
    times: list[tuple[int, int]], passing: frozenset[int], melisma: bool, slot: int
) -> tuple[list[tuple[int, int]], tuple]:
    """The rules' rhythm as a learned rhythm's notes: each syllable's first note (start, end) and the notes
    after it (a passing tone: the second half of the syllable, as ``song._phrase_notes`` splits it; the
    cadence melisma: the last syllable after its first quarter); ``slot``, the ticks of an eighth."""
    firsts, runs = [], []
    last = len(times) - 1
    for j, (on, off) in enumerate(times):
        split = None
        if j in passing:
            split = on + math.ceil((off - on) / 2 / slot) * slot
        elif j == last and melisma:
            split = on + 2 * slot
        firsts.append((on, off) if split is None else (on, split))
        runs.append(() if split is None else ((split, off),))
    return firsts, tuple(runs)
