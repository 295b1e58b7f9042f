"""The pieces of ``bench_song_realism.py`` (issue 25): 8-bar windows of POP909's vocal melodies on their own
beat grid, of partita's vocal lines sung in style "pop", of the issue's eighth-note baseline and of the
realism benchmark's Markov chain.

POP909 (songs 1-800 only: :data:`song_pop909.LAST_SONG`; 801-909 are never read) has no lyrics and its MIDI
files keep the performance's timing (a notated 2/4 at a tempo that drifts, notes a little off the beats). A
melody is put on its own annotations instead: each note's start and end are read as beats of
``beat_midi.txt`` (the third column marks the 4/4 downbeats), rounded to a sixteenth, and placed in 4/4 bars
from the downbeat at or before its first note. Songs whose downbeats are not four beats apart for most bars
(3/4 songs, 16 of the 400 of the development half) are left out, and so is a window with a bar of another
length.

A window is ``bars`` bars from a bar line (the first at the bar of the first note, the next ``bars`` later,
and so on) in which notes start in at least ``min_bars`` bars: an instrumental break is not a vocal line.
The same rule cuts partita's songs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import symusic

TPQ = 480
STEPS = 4
"""The grid a POP909 note is rounded to: steps per beat (sixteenths)."""
BARS = 8
MIN_BARS = 6
FOUR_FOUR = 0.8
"""A POP909 song is read when at least this share of its downbeat gaps are four beats."""


def _beats(grid: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Fractional beat indices of ``times`` (seconds) on the beat times ``grid``, extrapolated at the ends
    by the first and last beat's length."""
    idx = np.arange(len(grid), dtype=float)
    out = np.interp(times, grid, idx)
    first, last = grid[1] - grid[0], grid[-1] - grid[-2]
    out = np.where(times < grid[0], (times - grid[0]) / first, out)
    return np.where(times > grid[-1], len(grid) - 1 + (times - grid[-1]) / last, out)


def melody_score(
    starts: np.ndarray, ends: np.ndarray, pitches: np.ndarray, beats: np.ndarray, downbeats: np.ndarray
) -> tuple[symusic.Score, list[bool]] | None:
    """A one-track 4/4 score (``TPQ`` ticks a quarter, a beat a quarter) of notes given in seconds, placed on
    the beat times ``beats`` whose indices ``downbeats`` start bars; and for each bar whether it has four
    beats. None where the downbeats are not mostly four beats apart or no note falls in a bar."""
    gaps = np.diff(downbeats)
    if len(beats) < 8 or len(gaps) < 2 or np.mean(gaps == 4) < FOUR_FOUR:
        return None
    on = np.round(_beats(beats, starts) * STEPS) / STEPS
    off = np.maximum(on + 1 / STEPS, np.round(_beats(beats, ends) * STEPS) / STEPS)
    first = int(np.searchsorted(downbeats, math.floor(on.min() + 1e-9), side="right")) - 1
    first = max(first, 0)
    lengths = [int(g) for g in gaps[first:]] + [4]
    track = symusic.Track(name="MELODY")
    for a, b, p in zip(on.tolist(), off.tolist(), pitches.tolist(), strict=True):
        k = int(np.searchsorted(downbeats, math.floor(a + 1e-9), side="right")) - 1
        if k < first or a - downbeats[k] >= 4:  # before the first bar, or the fifth beat of a long bar
            continue
        beat_in_bar, k = a - downbeats[k], k - first
        tick = round((k * 4 + beat_in_bar) * TPQ)
        track.notes.append(symusic.Note(tick, max(1, round((b - a) * TPQ)), int(p), 80))
    if not len(track.notes):
        return None
    score = symusic.Score(TPQ)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    score.tracks.append(track)
    return score, [g == 4 for g in lengths]


def pop909_melody(folder: Path) -> tuple[symusic.Score, list[bool]] | None:
    """:func:`melody_score` of one POP909 song's MELODY track on its ``beat_midi.txt``; None if unread."""
    midi = symusic.Score(str(folder / f"{folder.name}.mid"), ttype="second")
    melody = next((t for t in midi.tracks if t.name.strip().upper() == "MELODY"), None)
    if melody is None or len(melody.notes) < 8:
        return None
    notes = sorted(melody.notes, key=lambda n: (n.time, -n.pitch))
    starts = np.array([n.time for n in notes], dtype=float)
    ends = starts + np.array([n.duration for n in notes], dtype=float)
    pitches = np.array([n.pitch for n in notes], dtype=int)
    grid = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
    return melody_score(starts, ends, pitches, grid[:, 0], np.flatnonzero(grid[:, 2] == 1.0))


def windows(
    score: symusic.Score, regular: list[bool] | None = None, bars: int = BARS, min_bars: int = MIN_BARS
) -> list[symusic.Score]:
    """The ``bars``-bar windows of a one-meter score from bar 0 (bars 0 .. bars-1, then bars .. 2 bars-1,
    ...) whose notes start in at least ``min_bars`` of their bars, each moved to start at tick 0 and its
    notes cut at its end; ``regular`` (one flag a bar, None: all): a window with a bar flagged False is
    left out."""
    from partita.evaluation.realism import bar_ticks

    bar = bar_ticks(score)[0]
    notes = [n for t in score.tracks for n in t.notes]
    if not notes:
        return []
    n_bars = max(n.time for n in notes) // bar + 1
    out = []
    for first in range(0, n_bars - bars + 1, bars):
        if regular is not None and not all(regular[first : first + bars]):
            continue
        lo, hi = first * bar, (first + bars) * bar
        sounding = {n.time // bar for n in notes if lo <= n.time < hi}
        if len(sounding) < min_bars:
            continue
        out.append(_cut(score, lo, hi))
    return out


def _cut(score: symusic.Score, lo: int, hi: int) -> symusic.Score:
    out = symusic.Score(score.ticks_per_quarter)
    for ts in score.time_signatures[:1]:
        out.time_signatures.append(symusic.TimeSignature(0, ts.numerator, ts.denominator))
    for t in score.tracks:
        track = symusic.Track(name=t.name, program=t.program)
        for n in t.notes:
            if lo <= n.time < hi:
                track.notes.append(
                    symusic.Note(n.time - lo, min(n.duration, hi - n.time), n.pitch, n.velocity)
                )
        out.tracks.append(track)
    return out


def pop909_windows(half: str, limit: int | None = None) -> tuple[list[symusic.Score], dict]:
    """Every window of the songs of a half of POP909 1-800 (:func:`song_pop909.pop909_ids`: "development"
    even ids, "held_out" odd), their first ``limit`` songs only; and a count of songs read and left out."""
    from partita.paths import shared_data_dir
    from song_pop909 import pop909_ids

    folders = pop909_ids(shared_data_dir() / "pop909", half)[:limit]
    out, read = [], 0
    for folder in folders:
        got = pop909_melody(folder)
        if got is None:
            continue
        read += 1
        out += windows(*got)
    return out, {"songs": len(folders), "read": read, "windows": len(out)}


def pop909_full(half: str, limit: int | None = None) -> list[symusic.Score]:
    """The whole melodies of a half (for the Markov chain's training)."""
    from partita.paths import shared_data_dir
    from song_pop909 import pop909_ids

    got = (pop909_melody(f) for f in pop909_ids(shared_data_dir() / "pop909", half)[:limit])
    return [g[0] for g in got if g is not None]


# --- partita and the baselines ---------------------------------------------------------------------------


def eighth_score(song) -> symusic.Score:
    """The issue's baseline for a sung ``song``: one syllable per eighth note in order (each line from a new
    bar: :func:`partita.generation.song.eighth_baseline`), each sung to the pitch partita gave the
    syllable (its first note): partita's pitches on the baseline's rhythm."""
    from partita.generation.song import SLOT, eighth_baseline

    pitches = [n.pitch for n in song.notes if n.syllable is not None]
    onsets = eighth_baseline(song.lyrics, song.meter)
    num, den = (int(v) for v in song.meter.split("/"))
    score = symusic.Score(TPQ)
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    track = symusic.Track(name="Voice")
    for t, p in zip(onsets, pitches, strict=False):
        track.notes.append(symusic.Note(t, SLOT, p, 80))  # both on partita's 480 ticks a quarter
    score.tracks.append(track)
    return score


def sung_windows(texts: list[str], seeds: int, style: str = "pop", **kwargs) -> dict[str, list]:
    """Windows of partita's vocal lines (``"partita"``) and of the eighth-note baseline on the same
    syllables and pitches (``"eighth"``) for each text sung with seeds 0 .. ``seeds`` - 1 in ``style``
    (``kwargs``: more arguments of :func:`partita.generation.song.sing`)."""
    from partita.generation.song import sing
    from partita.lyrics import read_lyrics

    out: dict[str, list] = {"partita": [], "eighth": []}
    for text in texts:
        lyrics = read_lyrics(text)
        for seed in range(seeds):
            song = sing(lyrics, seed=seed, style=style, **kwargs)
            out["partita"] += windows(song.score)
            out["eighth"] += windows(eighth_score(song))
    return out


def markov_windows(train: list[symusic.Score], n: int, seed: int = 0) -> list[symusic.Score]:
    """``n`` pieces of :data:`BARS` bars in 4/4 from the realism benchmark's Markov chain trained on
    ``train``."""
    from partita.evaluation.realism import MarkovBaseline

    chain = MarkovBaseline().fit(train)
    return [chain.sample(BARS, (4, 4), TPQ, seed=seed * 1000 + i) for i in range(n)]


def sample(pieces: list, n: int, seed: int = 0) -> list:
    """At most ``n`` of ``pieces``, drawn without replacement (all of them, in order, where fewer)."""
    if len(pieces) <= n:
        return list(pieces)
    order = np.random.default_rng(seed).permutation(len(pieces))[:n]
    return [pieces[i] for i in sorted(order.tolist())]
