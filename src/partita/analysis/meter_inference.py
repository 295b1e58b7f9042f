"""Meter inferred from the notes, for files whose declared meter says nothing (issue 20).

POP909's MIDI files declare 1/4 in 584 of 800 songs, which makes every beat a bar line. Where the declared
meter is implausible (none, or a numerator of 1: :func:`implausible`), :func:`infer_meter` chooses the beats
per bar and the beat the first bar starts on from the notes, laid on the beat grid (whose beats and phase
:func:`partita.analysis.timeline.beat_grid` already finds, beat F-measure 0.990 on POP909). Per beat it
measures three accents, each normalised over the piece:

- onset weight: the note-length-weighted onsets within an eighth of a beat of the beat;
- bass onset: the same for the notes in the lowest octave played (bass notes start on strong beats);
- harmonic change: how far the beat's pitch-class profile is from the previous beat's (chords change on
  downbeats).

Two or three beats per bar are chosen by how much more the accents fall on their bar lines than on the other
beats (four never: POP909's annotation, the reference, puts a downbeat every 2 beats in 774 of 800 songs and
every 3 in 26); then the bar lines are tracked through the piece (:func:`track_downbeats`), so that an
inserted beat or a pickup moves them instead of leaving every later bar off. The settings were chosen on the
even-numbered POP909 songs and are reported on the odd-numbered ones (``python bench/bench_meter.py``;
docs/ANALYSIS.md).

A melody under a known meter has fewer cues and a different question: where its first bar line falls (a
MIDI file does not pad an upbeat). :func:`bar_phase` scores every sixteenth of the bar by per-meter profiles
of where onsets, long notes, a melody's end and its first note fall (:func:`fit_phase_model`; issue 21,
``python bench/bench_upbeat.py``, docs/COCREATION.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from partita.analysis.timeline import NoteArrays, beat_ticks, segment_chroma

WEIGHTS = (1.0, 1.0, 1.0)
"""Onset weight, bass onset, harmonic change: their weights in a beat's accent (each alone chose the same
bar phase as all three on 277 of the 289 development songs declaring 1/4: they mostly agree)."""
THREE_MARGIN = 0.4
"""Three beats per bar are chosen over two only when their bar lines' accent is this much higher (in
standard deviations; development songs: 0.2 to 0.6 gave the same choices)."""
SWITCH_COST = 8.0
"""What a bar of another length (an odd beat inserted, a pickup) costs the bar-line tracking, against the
accents it gains (development songs, downbeat F: cost 1, 2, 4, 8, 12, 16, no other bar length 0.831, 0.865,
0.871, 0.874, 0.874, 0.872, 0.863)."""


@dataclass(frozen=True)
class MeterGuess:
    """Beats per bar and the bar lines (indices into the beat grid), inferred from the notes."""

    beats_per_bar: int
    downbeats: np.ndarray
    """The beats (indices into the beat grid) bars start on; mostly every ``beats_per_bar``, but a bar may
    be longer or shorter where the accents move (an inserted beat)."""
    score: float
    """How much more the accents fall on the chosen bar lines than on other beats (standard deviations),
    with bars of one length from the best first beat."""


def implausible(meters: list[tuple[int, int, int]]) -> bool:
    """A declared meter that says nothing about bars: none at all, or a numerator of 1 (1/4, 1/8)."""
    return not meters or all(num == 1 for _, num, _ in meters)


def beat_accents(notes: NoteArrays, beats: np.ndarray) -> np.ndarray:
    """A (beats x 3) array: onset weight, bass onset and harmonic change per beat, each z-normalised.

    ``beats`` are the beat starts in ticks followed by the end (as :func:`beat_grid` gives them).
    """
    starts = np.asarray(beats[:-1], dtype=np.int64)
    n = len(starts)
    out = np.zeros((n, 3))
    pitched = notes.select(~notes.drum)
    if n < 4 or len(pitched) == 0:
        return out
    span = np.diff(np.asarray(beats, dtype=float))
    width = np.median(span) / 8
    idx = np.searchsorted(starts, pitched.start + width, side="right") - 1
    near = (idx >= 0) & (np.abs(pitched.start - starts[np.clip(idx, 0, n - 1)]) <= width)
    length = np.minimum(pitched.end - pitched.start, 4 * np.median(span)).astype(float)
    out[:, 0] = np.bincount(idx[near], weights=length[near], minlength=n)[:n]
    low = pitched.pitch <= np.percentile(pitched.pitch, 15) + 6
    sel = near & low
    out[:, 1] = np.bincount(idx[sel], weights=length[sel], minlength=n)[:n]
    chroma = segment_chroma(pitched, np.asarray(beats))
    norm = np.linalg.norm(chroma, axis=1, keepdims=True)
    unit = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
    sounding = norm[:, 0] > 0
    both = sounding[1:] & sounding[:-1]  # a change only between two beats that sound
    out[1:, 2] = np.where(both, 1.0 - (unit[1:] * unit[:-1]).sum(axis=1), 0.0)
    sd = out.std(axis=0)
    return np.divide(out - out.mean(axis=0), sd, out=np.zeros_like(out), where=sd > 0)


def score_meters(accents: np.ndarray, candidates=(2, 3), weights=WEIGHTS) -> dict[tuple[int, int], float]:
    """The score of every (beats per bar, first downbeat): the weighted accents' mean on its bar lines."""
    combined = accents @ np.asarray(weights, dtype=float)
    out = {}
    for m in candidates:
        for p in range(m):
            on = combined[p::m]
            out[(m, p)] = float(on.mean()) if on.size else float("-inf")
    return out


def track_downbeats(accent: np.ndarray, beats_per_bar: int, switch_cost: float = SWITCH_COST) -> np.ndarray:
    """The beats bars start on (indices) that gather the most ``accent``, a bar of another length costing
    ``switch_cost`` (Viterbi over the position of each beat in its bar)."""
    m, n = int(beats_per_bar), len(accent)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    gain = np.zeros((n, m))
    gain[:, 0] = accent
    score = gain[0].copy()
    back = np.zeros((n, m), dtype=np.int64)
    steps = (np.arange(m) - 1) % m  # the position before each one in a bar of the usual length
    for t in range(1, n):
        new = np.empty(m)
        for j in range(m):
            cand = score - switch_cost
            cand[steps[j]] = score[steps[j]]
            back[t, j] = int(cand.argmax())
            new[j] = cand[back[t, j]]
        score = new + gain[t]
    j = int(score.argmax())
    path = np.empty(n, dtype=np.int64)
    for t in range(n - 1, -1, -1):
        path[t] = j
        j = back[t, j]
    return np.flatnonzero(path == 0)


def infer_meter(
    notes: NoteArrays,
    beats: np.ndarray,
    *,
    weights=WEIGHTS,
    three_margin: float = THREE_MARGIN,
    switch_cost: float = SWITCH_COST,
) -> MeterGuess | None:
    """Two or three beats per bar and the bar lines the notes imply; None when there is too little to tell
    (fewer than 8 beats or no pitched note)."""
    if len(beats) < 9 or len(notes) == 0 or not (~notes.drum).any():
        return None
    accents = beat_accents(notes, beats)
    scores = score_meters(accents, candidates=(2, 3), weights=weights)
    best = {m: max(v for (k, _), v in scores.items() if k == m) for m in (2, 3)}
    m = 3 if best[3] - best[2] > three_margin else 2
    accent = accents @ np.asarray(weights, dtype=float)
    downbeats = track_downbeats(accent, m, switch_cost)
    return MeterGuess(beats_per_bar=m, downbeats=downbeats, score=best[m])


def bar_starts(beats: np.ndarray, guess: MeterGuess) -> np.ndarray:
    """The bar lines (ticks) of ``guess`` on the beat grid ``beats`` (starts followed by the end), with a
    pickup bar from the first beat when the first downbeat is not the first beat; the end last."""
    starts = np.asarray(beats[:-1], dtype=np.int64)
    bars = starts[guess.downbeats]
    if starts.size and (not bars.size or bars[0] != starts[0]):
        bars = np.r_[starts[0], bars]
    return np.r_[bars, int(beats[-1])]


# --- the bar phase of a melody under a known meter (issue 21: an upbeat a MIDI file does not pad) ----------

SLOTS_PER_QUARTER = 4
"""The grid the bar phase is read on: sixteenths (an onset off it counts at the nearest one)."""
PHASE_MODEL_FILE = Path(__file__).with_name("bar_phase.json")
"""Per meter, where onsets, long notes, a melody's end and its first note fall in the bar: fitted on the
train split's Bach chorale sopranos and Essen folk songs (``python bench/bench_upbeat.py --fit``)."""
PHASE_WEIGHTS = (0.3, 0.3, 2.0, 1.0)
"""Onsets, long notes, the end, the pickup's length: their weights in a bar phase's log-likelihood."""


@dataclass(frozen=True)
class BarPhase:
    """Where a melody's bar lines fall under its meter, read from its notes (:func:`bar_phase`)."""

    bar_line: int
    """The tick of the first bar line, modulo the bar: 0 when the file's own bars are the likeliest."""
    pickup: int
    """Ticks from the first note to the first bar line after it (0: the first note starts a bar)."""
    confidence: float
    """The posterior of :attr:`bar_line` among every sixteenth of the bar."""
    kept: float
    """The posterior of the file's own bars (bar line at tick 0)."""


def _phase_model() -> dict:
    global _MODEL
    if _MODEL is None:
        _MODEL = json.loads(PHASE_MODEL_FILE.read_text())["meters"] if PHASE_MODEL_FILE.exists() else {}
    return _MODEL


_MODEL: dict | None = None


def phase_counts(notes: NoteArrays, tpq: int, numerator: int, denominator: int) -> dict | None:
    """A melody's onsets, long notes, end and first onset on the sixteenth grid, by position modulo its bar
    (from tick 0): what :func:`bar_phase` scores and :func:`fit_phase_model` counts. None for a meter whose
    bar is not a whole number of sixteenths, or no pitched note."""
    pitched = notes.select(~notes.drum)
    slots = numerator * 4 * SLOTS_PER_QUARTER
    if len(pitched) == 0 or tpq <= 0 or slots % denominator or slots // denominator < 2:
        return None
    k = slots // denominator
    slot = tpq / SLOTS_PER_QUARTER
    on = np.rint(pitched.start / slot).astype(np.int64)
    length = (pitched.end - pitched.start) / tpq
    long = length >= beat_ticks(numerator, denominator, tpq) / tpq
    first, end = int(on.min()), max(int(np.rint(pitched.end.max() / slot)), int(on.max()) + 1)
    onsets, idx = np.unique(on, return_inverse=True)
    longest = np.zeros(len(onsets), dtype=bool)
    np.logical_or.at(longest, idx, long)
    span = np.arange(first, end)
    return {
        "bar": k,
        "slots": np.bincount(span % k, minlength=k).astype(float),
        "on": np.bincount(onsets % k, minlength=k).astype(float),
        "long": np.bincount(onsets[longest] % k, minlength=k).astype(float),
        "end": end % k,
        "first": first % k,
        "ragged": (end - first) % k != 0,
    }


def fit_phase_model(examples: list[tuple[str, dict, int]], prior: float = 0.5) -> dict:
    """Per meter (``"3/4"``), from ``(meter, phase_counts(...), bar line slot)`` of melodies whose bars are
    known: the chance of an onset at each sixteenth of the bar, of a long note where one starts, of the end
    (of a melody that is not whole bars long from its first note: one with a pickup and a full last bar) and
    of each pickup length (in sixteenths), smoothed by ``prior`` counts."""
    out: dict[str, dict] = {}
    for meter, c, line in examples:
        k = c["bar"]
        m = out.setdefault(meter, {"bar": k, "pieces": 0, **{x: np.full(k, prior) for x in "SOLEP"}})
        pos = (np.arange(k) + line) % k  # the residue at each position of the bar
        m["S"] += c["slots"][pos]
        m["O"] += c["on"][pos]
        m["L"] += c["long"][pos]
        if c["ragged"]:  # whole bars from the first note tell nothing: a short last bar or no pickup
            m["E"][(c["end"] - line) % k] += 1
        m["P"][(line - c["first"]) % k] += 1
        m["pieces"] += 1
    model = {}
    for meter, m in out.items():
        model[meter] = {
            "pieces": m["pieces"],
            "onset": np.round(m["O"] / (m["S"] + prior), 5).tolist(),
            "long": np.round(m["L"] / (m["O"] + prior), 5).tolist(),
            "end": np.round(m["E"] / m["E"].sum(), 5).tolist(),
            "pickup": np.round(m["P"] / m["P"].sum(), 5).tolist(),
        }
    return model


def phase_posterior(counts: dict, profile: dict, weights=PHASE_WEIGHTS) -> np.ndarray:
    """The posterior of each bar line position (sixteenths from tick 0, modulo the bar) of a melody's
    :func:`phase_counts` under a meter's fitted ``profile``."""
    k = counts["bar"]
    on = np.clip(np.asarray(profile["onset"]), 1e-4, 1 - 1e-4)
    lo = np.clip(np.asarray(profile["long"]), 1e-4, 1 - 1e-4)
    end, pick = np.log(np.asarray(profile["end"]) + 1e-4), np.log(np.asarray(profile["pickup"]) + 1e-4)
    ll = np.zeros(k)
    for line in range(k):
        pos = (np.arange(k) + line) % k
        s, o, g = counts["slots"][pos], counts["on"][pos], counts["long"][pos]
        ll[line] = (
            weights[0] * (o * np.log(on) + (s - o) * np.log1p(-on)).sum()
            + weights[1] * (g * np.log(lo) + (o - g) * np.log1p(-lo)).sum()
            + weights[2] * (end[(counts["end"] - line) % k] if counts["ragged"] else 0.0)
            + weights[3] * pick[(line - counts["first"]) % k]
        )
    p = np.exp(ll - ll.max())
    return p / p.sum()


def bar_phase(
    notes: NoteArrays, tpq: int, numerator: int, denominator: int, weights=PHASE_WEIGHTS
) -> BarPhase | None:
    """Where the bar lines of a melody (or any notes) fall under a known meter: the first bar line's tick
    modulo the bar, chosen from every sixteenth by how the notes' onsets, long notes, end and first note sit
    in bars that start there (a model fitted per meter on chorale sopranos and folk songs,
    :data:`PHASE_MODEL_FILE`); None for a meter the model has not seen or no pitched note."""
    profile = _phase_model().get(f"{numerator}/{denominator}")
    counts = phase_counts(notes, tpq, numerator, denominator)
    if profile is None or counts is None or len(profile["onset"]) != counts["bar"]:
        return None
    post = phase_posterior(counts, profile, weights)
    line = int(post.argmax())
    slot = tpq / SLOTS_PER_QUARTER
    first = int(notes.select(~notes.drum).start.min())
    bar = counts["bar"] * slot
    tick = int(round(line * slot))
    pickup = int(round((tick - first) % bar))
    return BarPhase(tick, pickup, float(post[line]), float(post[0]))


# --- three beats or four in a melody read from audio (issue 24) ------------------------------------------

PERIODICITY_CAP = 4.0
"""Quarters: a note longer than this weighs as this long in :func:`triple_periodicity`."""


def triple_periodicity(notes: NoteArrays, tpq: int) -> float:
    """How much more a melody's rhythm repeats every three quarters than every four: the autocorrelation of
    its onsets on the sixteenth grid, each weighted by its note's length (up to :data:`PERIODICITY_CAP`
    quarters), at lags of 3 and 6 quarters less those at 4 and 8 (autocorrelation meter induction, as in
    Brown 1993 and Toiviainen & Eerola 2006). It needs no bar line and no beat phase, so an upbeat, a part-
    beat pickup or an onset lost early on does not move it. 0 with no pitched note."""
    pitched = notes.select(~notes.drum)
    if len(pitched) == 0 or tpq <= 0:
        return 0.0
    slot = tpq / SLOTS_PER_QUARTER
    on = np.rint((pitched.start - pitched.start.min()) / slot).astype(np.int64)
    weight = np.minimum((pitched.end - pitched.start) / tpq, PERIODICITY_CAP)
    lags = {q: q * SLOTS_PER_QUARTER for q in (3, 4, 6, 8)}
    o = np.zeros(int(on.max()) + 1 + max(lags.values()))
    np.add.at(o, on, weight)
    energy = float((o * o).sum())
    if energy <= 0:
        return 0.0
    r = {q: float((o[:-lag] * o[lag:]).sum()) / energy for q, lag in lags.items()}
    return r[3] + r[6] - r[4] - r[8]
