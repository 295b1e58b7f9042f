"""Key and mode from pitch-class profiles, with a confidence and the key changes over time.

The classic method (Krumhansl-Schmuckler): correlate the piece's duration-weighted pitch-class histogram with
a major and a minor key profile rotated to the 12 tonics and take the best of the 24. Which profile and which
weighting work best was decided by measurement on the development half of POP909 (even song ids; the odd ids
are kept for evaluation), see ``bench/bench_analysis.py`` and ``docs/ANALYSIS.md``.

The profile values are the published ones. music21 ships some of them (``music21.analysis.discrete``) but
importing music21 costs about a second, more than describing a whole piece, so they are written out here.

This module is also partita's one definition of key, tonic and mode names (:data:`TONICS`,
:data:`PITCH_CLASS_OF_TONIC`, :func:`key_name`, :func:`parse_key`, :func:`tonic_and_mode`, ...): the condition
tokens, the prompt reader and the evaluation import them from here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import NoteArrays, segment_chroma
from partita.analysis.viterbi import viterbi_path

# --- names of keys, tonics and modes ------------------------------------------------------------------------
# The one definition of these tables and parsers. They live here, the lowest layer that names keys: the
# analysis names the keys it finds, the condition tokens (partita.tokens.conditions) spell the tonic with
# TONICS, and the generation and evaluation layers import them from here or from the tokens.

PITCH_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
"""Pitch-class spellings used in chord labels (mir_eval reads flats and sharps alike)."""

TONICS: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
"""The one spelling of each tonic, by pitch class: the key signature with the fewer accidentals (F# and Gb
tie; F#). The ``Key_<tonic>`` condition tokens of the shipped vocabulary are written with it, so it must not
change."""
MAJOR_TONICS = TONICS
"""Tonic spellings of the major keys (:func:`key_name`)."""
MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
"""Tonic spellings of the minor keys (:func:`key_name`): C# and G# minor rather than Db and Ab minor."""
MODES: tuple[str, ...] = ("major", "minor")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
"""Pitch-class spellings with sharps, for the keys whose signature has sharps (:func:`pitch_names_in_key`)."""
SHARP_KEYS = frozenset({7, 2, 9, 4, 11, 6, 12 + 4, 12 + 11, 12 + 6, 12 + 1, 12 + 8})
"""Key indices (0-11 major, 12-23 minor) spelled with sharps: G, D, A, E, B and F# major; E, B, F#, C# and G#
minor, as :func:`key_name` spells their tonics."""


def pitch_names_in_key(index: int) -> tuple[str, ...]:
    """How the 12 pitch classes are spelled in key ``index``: with sharps in a key whose signature has sharps
    (F# major's chords are F#, C#, D#m, not Gb, Db, Ebm), else with flats (:data:`PITCH_NAMES`)."""
    return SHARP_NAMES if int(index) in SHARP_KEYS else PITCH_NAMES


PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # Krumhansl & Kessler (1982), probe-tone ratings
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    # Temperley (2007), Kostka-Payne corpus
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
    # Albrecht & Shanahan (2013)
    "albrecht": (
        (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
        (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
    ),
    # Aarden (2003), Essen folksong collection
    "aarden": (
        (
            17.7661,
            0.145624,
            14.9265,
            0.160186,
            19.8049,
            11.3587,
            0.291248,
            22.062,
            0.145624,
            8.15494,
            0.232998,
            4.95122,
        ),
        (
            18.2648,
            0.737619,
            14.0499,
            16.8599,
            0.702494,
            14.4362,
            0.702494,
            18.6161,
            4.56621,
            1.93186,
            7.37619,
            1.75623,
        ),
    ),
    # Bellman (2005) after Budge (1943), chord frequencies
    "bellman": (
        (16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57),
        (18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21),
    ),
}

DEFAULT_PROFILE: tuple[str, ...] = ("albrecht", "aarden", "krumhansl")
"""The mean of these three profiles' correlations scored best on the POP909 development songs (weighted 0.916
against 0.910 for Albrecht-Shanahan alone, 0.887 Krumhansl-Kessler, 0.855 Temperley)."""

RELATIVE_MODE_WEIGHTS = (0.25, 0.02, -0.05)
"""Bass-histogram weight, last-bass-note weight and bias of the relative major/minor decision, fitted on the
POP909 development songs (the pair major/relative minor was right for 96% of them; the decision inside the
pair went from 92.4% with the profiles alone to 94.3%)."""

MAIN_REGION = (48, 12, 3.0)
"""Chunks, window (chunks) and switch cost of the key-region pass of :func:`estimate_key`. On the POP909
development songs the weighted score went from 0.928 to 0.938 with these; every setting tried (48 or 96
chunks, windows of 1/8 to 1/2 of the piece, switch costs 1 to 6) gave 0.932-0.939."""


def key_name(index: int) -> str:
    """The name of key ``index`` (0-11 major on C..B, 12-23 minor), e.g. ``"Eb major"``, ``"F# minor"``."""
    if index < 12:
        return f"{MAJOR_TONICS[index]} major"
    return f"{MINOR_TONICS[index - 12]} minor"


def parse_key(name: str) -> int:
    """The index of a key written ``"Eb major"``, ``"Eb:maj"``, ``"eb minor"`` or ``"D#:min"``."""
    text = name.strip().replace(":", " ")
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"not a key: {name!r} (expected e.g. 'Eb major' or 'Eb:maj')")
    tonic, mode = parts
    pc = pitch_class(tonic)
    mode = mode.lower()
    if mode in ("major", "maj"):
        return pc
    if mode in ("minor", "min"):
        return 12 + pc
    raise ValueError(f"not a key: {name!r} (mode must be major or minor)")


def pitch_class(name: str) -> int:
    """The pitch class of a note name such as ``C``, ``F#``, ``Bb``, ``Cb`` (0-11)."""
    base = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    return (base[_letter(name, base)] + _alterations(name)) % 12


def _letter(name: str, letters: dict[str, int]) -> str:
    if not name or name[0].upper() not in letters:
        raise ValueError(f"not a note name: {name!r}")
    return name[0].upper()


def _alterations(name: str) -> int:
    """Sharps minus flats after a note name's letter."""
    if any(ch not in "#♯b♭" for ch in name[1:]):
        raise ValueError(f"not a note name: {name!r}")
    return sum(1 if ch in "#♯" else -1 for ch in name[1:])


PITCH_CLASS_OF_TONIC: dict[str, int] = {
    letter + accidental: pitch_class(letter + accidental)
    for letter in "CDEFGAB"
    for accidental in ("", "#", "b")
}
"""Pitch class of a tonic written as a capital letter with at most one ``#`` or ``b`` (``"C#"``, ``"Cb"``)."""


def signature_fifths(tonic: str, mode: str | None) -> int:
    """The key signature of ``tonic`` (``"Eb"``, ``"F#"``) in ``mode``: sharps above 0, flats below, as a
    MIDI key signature counts them (``"E"`` minor -> 1, ``"Bb"`` major -> -2). Read from the letter, so a
    tonic keeps its own spelling (``"Gb"`` major -> -6, ``"F#"`` major -> 6), except where that needs seven
    or more: then the enharmonic key's (``"Db"`` minor -> 4, as C# minor; ``"Ab"`` minor -> 5)."""
    letters = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
    fifths = letters[_letter(tonic, letters)] + 7 * _alterations(tonic) - (3 if mode == "minor" else 0)
    return fifths - 12 if fifths > 6 else fifths + 12 if fifths < -6 else fifths


def tonic_name(key: str) -> str:
    """The canonical tonic name of ``key`` (``"C#"`` -> ``"Db"``, ``"d"`` -> ``"D"``)."""
    k = key.strip()
    k = k[0].upper() + k[1:]
    if k not in PITCH_CLASS_OF_TONIC:
        raise ValueError(f"unknown tonic {key!r}; expected one of {', '.join(TONICS)} (or a sharp spelling)")
    return TONICS[PITCH_CLASS_OF_TONIC[k]]


def tonic_and_mode(name: str | None) -> tuple[str | None, str | None]:
    """``"D major"`` / ``"f# minor"`` / ``"Eb:maj"`` -> ``("D", "major")``; anything else -> ``(None, None)``.

    The lenient reading of a corpus key label, for the condition tokens: a label that names only a tonic
    (``"D"``, ``"D dorian"``) gives ``("D", None)``, and nothing raises. :func:`parse_key` is the strict one,
    for keys a person or a benchmark writes.
    """
    if not name:
        return None, None
    m = re.match(r"\s*([A-Ga-g])([#b♯♭]?)\s*[: ]?\s*(major|minor|maj|min)?", str(name))
    if not m:
        return None, None
    tonic = m.group(1).upper() + {"♯": "#", "♭": "b"}.get(m.group(2), m.group(2))
    if tonic not in PITCH_CLASS_OF_TONIC:
        return None, None
    mode = m.group(3)
    mode = None if not mode else ("major" if mode.startswith("maj") else "minor")
    return TONICS[PITCH_CLASS_OF_TONIC[tonic]], mode


def key_templates(profile: str | tuple[str, ...] = DEFAULT_PROFILE) -> np.ndarray:
    """The 24 x 12 matrix of a profile rotated to every tonic, each row centred and unit-norm.

    A tuple of profile names gives the mean of their matrices (so correlations are averaged).
    """
    return _key_templates(tuple(profile) if isinstance(profile, tuple | list) else profile).copy()


@functools.lru_cache(maxsize=32)
def _key_templates(profile: str | tuple[str, ...]) -> np.ndarray:
    if isinstance(profile, tuple):
        return np.mean([_key_templates(p) for p in profile], axis=0)
    if profile not in PROFILES:
        raise ValueError(f"unknown key profile {profile!r}; known: {', '.join(PROFILES)}")
    major, minor = (np.asarray(p, dtype=float) for p in PROFILES[profile])
    rows = [np.roll(major, k) for k in range(12)] + [np.roll(minor, k) for k in range(12)]
    t = np.asarray(rows)
    t = t - t.mean(axis=1, keepdims=True)
    return t / np.linalg.norm(t, axis=1, keepdims=True)


def key_correlations(chroma: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Pearson correlation of each chroma row (or one 12-vector) with each of the 24 key templates."""
    c = np.atleast_2d(np.asarray(chroma, dtype=float))
    c = c - c.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(c, axis=1, keepdims=True)
    c = np.divide(c, norm, out=np.zeros_like(c), where=norm > 0)
    r = c @ templates.T
    return r[0] if np.ndim(chroma) == 1 else r


@dataclass
class KeyEstimate:
    """A key index (0-11 major, 12-23 minor), its name, a confidence in [0, 1] and the 24 scores."""

    index: int
    name: str
    confidence: float
    scores: np.ndarray


def key_weights(notes: NoteArrays, bass_weight: float = 0.0) -> np.ndarray:
    """Per-note weights for the key histogram: 1, plus ``bass_weight`` for the lowest notes of their onset."""
    w = np.ones(len(notes))
    if bass_weight and len(notes):
        w = w + bass_weight * lowest_notes(notes)
    return w


def lowest_notes(notes: NoteArrays) -> np.ndarray:
    """A mask of the notes that are the lowest pitch of their onset (a cheap stand-in for the bass line)."""
    if len(notes) == 0:
        return np.zeros(0, dtype=bool)
    starts, inverse = np.unique(notes.start, return_inverse=True)
    low = np.full(starts.size, 1 << 14)
    np.minimum.at(low, inverse, notes.pitch.astype(np.int64))
    return notes.pitch == low[inverse]


def _relative_mode(notes: NoteArrays, scores: np.ndarray, best: int) -> int:
    """Between ``best`` and its relative key, the one the bass line supports (see RELATIVE_MODE_WEIGHTS)."""
    major = best if best < 12 else (best - 12 + 3) % 12
    minor = (major + 9) % 12
    low = lowest_notes(notes)
    if not low.any():
        return best
    pcs = notes.pitch[low].astype(np.int64) % 12
    bass = np.bincount(pcs, weights=(notes.end - notes.start)[low], minlength=12)
    bass = bass / max(bass.sum(), 1e-9)
    last = int(pcs[-1])
    w_bass, w_last, bias = RELATIVE_MODE_WEIGHTS
    z = (
        scores[major]
        - scores[12 + minor]
        + w_bass * (bass[major] - bass[minor])
        + w_last * (int(last == major) - int(last == minor))
        + bias
    )
    return major if z >= 0 else 12 + minor


def _estimate(
    notes: NoteArrays,
    profile: str | tuple[str, ...],
    bass_weight: float,
    chroma: np.ndarray | None,
    temperature: float,
    decide_relative: bool,
) -> KeyEstimate | None:
    """The whole-piece estimate: profile correlation, then the bass-line decision between relatives."""
    if chroma is None:
        if len(notes) == 0:
            return None
        w = key_weights(notes, bass_weight) * (notes.end - notes.start)
        chroma = np.bincount(notes.pitch.astype(np.int64) % 12, weights=w, minlength=12)
    chroma = np.asarray(chroma, dtype=float)
    if chroma.sum() <= 0 or np.count_nonzero(chroma) < 2:
        return None
    scores = key_correlations(chroma, key_templates(profile))
    best = int(scores.argmax())
    if decide_relative and len(notes):
        best = _relative_mode(notes, scores, best)
    p = np.exp((scores - scores.max()) / temperature)
    return KeyEstimate(best, key_name(best), float(p[best] / p.sum()), scores)


def main_region(
    notes: NoteArrays,
    profile: str | tuple[str, ...] = DEFAULT_PROFILE,
    n_chunks: int = MAIN_REGION[0],
    window: int = MAIN_REGION[1],
    switch_cost: float = MAIN_REGION[2],
) -> np.ndarray | None:
    """A mask of the notes in the key that lasts longest, or None when the piece stays in one key.

    The piece's span is cut into ``n_chunks`` equal chunks (no beat grid needed, so it works on bare notes);
    each chunk is scored against the 24 keys with the histogram of the ``window`` chunks around it, and a
    Viterbi pass pays ``switch_cost`` per key change. A song that modulates for its last chorus then keeps
    the key of its longer part, where a whole-piece histogram would average the two keys (G major then
    A major reads as D major).
    """
    if len(notes) < 2 or n_chunks < 2:
        return None
    lo, hi = int(notes.start.min()), int(notes.end.max())
    if hi - lo < n_chunks:
        return None
    bounds = np.linspace(lo, hi, n_chunks + 1).astype(np.int64)
    chroma = segment_chroma(notes, bounds)
    cs = np.cumsum(np.vstack([np.zeros((1, 12)), chroma]), axis=0)
    i = np.arange(n_chunks)
    local = cs[np.clip(i + window - window // 2, 0, n_chunks)] - cs[np.clip(i - window // 2, 0, n_chunks)]
    scores = key_correlations(local, key_templates(profile))
    scores[local.sum(axis=1) <= 0] = 0.0
    path = viterbi_path(scores, switch_cost)
    keys, counts = np.unique(path, return_counts=True)
    if keys.size == 1:
        return None
    chunk = np.clip(np.searchsorted(bounds, notes.start, side="right") - 1, 0, n_chunks - 1)
    return path[chunk] == keys[counts.argmax()]


def estimate_key(
    notes: NoteArrays,
    profile: str | tuple[str, ...] = DEFAULT_PROFILE,
    bass_weight: float = 0.0,
    chroma: np.ndarray | None = None,
    temperature: float = 0.05,
    decide_relative: bool = True,
    longest_region: bool = True,
) -> KeyEstimate | None:
    """The best of the 24 keys for ``notes`` (pitched notes only), or None when there is nothing to judge.

    The histogram is duration-weighted (each note counts its length in ticks); ``bass_weight`` adds weight to
    the lowest note of each onset. The confidence is the softmax probability of the best key among the 24
    (correlations divided by ``temperature``), so it is low when relative or neighbouring keys score alike.
    With ``decide_relative`` the choice between the best key and its relative major/minor is made again with
    the bass line (the lowest note of each onset) and the last bass note. With ``longest_region`` (and no
    ``chroma`` given) a piece that changes key is judged on the notes of its longest key region only (see
    :func:`main_region`), the key a listener would name for it.
    """
    if longest_region and chroma is None:
        mask = main_region(notes, profile)
        if mask is not None and mask.any():
            est = _estimate(notes.select(mask), profile, bass_weight, None, temperature, decide_relative)
            if est is not None:
                return est
    return _estimate(notes, profile, bass_weight, chroma, temperature, decide_relative)


KEY_SEGMENTS = (8.0, 2.0, 8.0, 0.1)
"""Window, switch cost, shortest region and bonus for the whole piece's key of :func:`key_segments`, all in
bars of four quarter notes (the cost against scores summed over such bars). Chosen on the even POP909 songs
(002-800) against each song's time-stamped ``key_audio.txt``, among the settings within 0.02 of the best F
score the one that keeps the dominant of Haydn's op. 74 no. 1 i (a larger bonus loses it), and checked on
the odd songs (001-799) and other pieces: ``python bench/bench_key_changes.py``, docs/RELIABILITY.md. The
previous setting (8 bars, 1.5, 8 bars, 0.1, counted in the file's own bars: beats for the 584 songs that
declare 1/4) reported 709 changes on the odd songs against 87 annotated, in 115 of their 333 songs that never
modulate; this one 82, in 9."""

KEY_RELATIVE_BARS = 32.0
"""Bars of four quarter notes under which a region in the relative major or minor of its neighbour joins it
(:func:`key_segments`). POP909's annotators mark no change between relatives, and on the even songs every
limit of 32 bars or more scored as joining them all (24: boundary F 0.824, 16: 0.797, against 0.836); the
limit keeps a long stretch in the relative key (a minor piece's second theme in the relative major) a key
change."""

KEY_BOUNDARY_WINDOW = 2.0
"""Bars of four quarter notes in the histogram that places a key change (:func:`key_segments`): each change is
moved, within half a :data:`KEY_SEGMENTS` window, to the bar where the evidence of the key before it turns
to the key after it. Chosen on the even POP909 songs (1, 2 or 4 bars; 2 placed 0.685 of the changes within
3 s of the annotated ones against 0.548 unmoved), ``python bench/bench_key_changes.py``."""

KEY_EXCURSIONS = (2.0, 2.0, 0.1, 3.0, 0.4)
"""Window, switch cost, bonus for the region's key, shortest excursion (bars of four quarter notes) and the
least margin of its own key over the region's of :func:`key_segments`'s search for short excursions: a
parallel-mode passage (B major to B minor for 26 s), an intro or an outro in another key, too short for the
8-bar window and regions. Chosen on the even POP909 songs (72 settings of window 2-3 bars, cost 1.5-3, bonus
0.05-0.2, shortest 3-4 bars, margin 0.3-0.5; every margin from 0.2 to 0.5 scored alike, 0.6 lost two
changes): boundary F within 10 s 0.836 -> 0.866, recall 0.735 -> 0.819, songs that never modulate with a
change 0 -> 1 of 334; ``python bench/bench_key_changes.py``."""


def key_segments(
    notes: NoteArrays,
    bars: np.ndarray,
    global_key: int,
    profile: str | tuple[str, ...] = DEFAULT_PROFILE,
    window: float = KEY_SEGMENTS[0],
    switch_cost: float = KEY_SEGMENTS[1],
    min_bars: float = KEY_SEGMENTS[2],
    global_bonus: float = KEY_SEGMENTS[3],
    ticks_per_quarter: int | None = None,
    refine: bool = True,
    excursions: bool = True,
) -> list[tuple[int, int, int]]:
    """Key regions as ``(start_bar, end_bar, key index)``: windowed key scores smoothed by Viterbi.

    Each bar is scored by the correlation of the pitch-class histogram of the ``window`` bars around it with
    each key; a dynamic programme over bars then pays ``switch_cost`` per key change and adds
    ``global_bonus`` to the piece's key, so short tonicisations do not count as modulations. Regions shorter
    than ``min_bars`` are merged into their neighbours, so a relative or neighbouring key for a few bars and
    back is no key change.

    With ``ticks_per_quarter`` the window and the shortest region are lengths in bars of four quarter notes,
    whatever the file declares (a MIDI file that declares 1/4 has bars one beat long, and a meter may change
    along the piece), and each bar's scores count as much as its length in such bars; without it, in bars of
    the median length of ``bars``. Regions still start and end on ``bars``.

    With ``refine`` (the default), where there is more than one region: each region's key is estimated again
    from its own notes as :func:`estimate_key` would (the bass decides between relative major and minor, and
    a long file's key, an hour of songs joined, no longer pulls each song towards it); a region in the
    relative major or minor of a neighbour joins it when under :data:`KEY_RELATIVE_BARS`, taking the one of
    the two keys their notes favour (POP909's annotators mark no change between relatives: 9 of the 11 wrong
    changes on the even songs were such); and each change is placed where a short histogram
    (:data:`KEY_BOUNDARY_WINDOW`) turns from one key to the other. Where one region is left it is in
    ``global_key``, as when no change is found. Then, with ``excursions`` (the default), each region is
    searched for a short passage in a key that shares fewer than six of its scale's notes, such as the
    parallel major or minor (:func:`_excursions`, :data:`KEY_EXCURSIONS`).
    """
    n_bars = len(bars) - 1
    if n_bars <= 0 or len(notes) == 0:
        return []
    bars = np.asarray(bars, dtype=np.int64)
    unit = 4.0 * ticks_per_quarter if ticks_per_quarter else float(np.median(np.diff(bars)))
    chroma = segment_chroma(notes, bars)
    scores = _window_scores(chroma, bars, (window // 2) * unit, window * unit, profile)
    scores[:, global_key] += global_bonus
    # each bar's scores count its length, so a change costs as much in a file of one-beat bars
    path = viterbi_path(scores * (np.diff(bars) / unit)[:, None], switch_cost)
    regions = _merge_short_regions(_regions(path), bars, min_bars * unit)
    if not refine:
        return regions
    if len(regions) > 1:
        regions = _region_keys(notes, bars, regions, profile)
        regions = _merge_relatives(notes, bars, regions, profile, KEY_RELATIVE_BARS * unit)
        if len(regions) == 1:  # no change left: the piece's key, as when none was found
            regions = [(0, n_bars, int(global_key))]
        else:
            regions = _placed_changes(chroma, bars, regions, profile, unit, (window / 2) * unit)
    return _excursions(notes, chroma, bars, regions, profile, unit) if excursions else regions


def _window_scores(
    chroma: np.ndarray, bars: np.ndarray, before: float, span: float, profile: str | tuple[str, ...]
) -> np.ndarray:
    """Each bar's correlations with the 24 keys, of the histogram of the bars from ``before`` ticks before
    its start to ``span`` ticks after that (at least the bar itself); 0 where that holds no note."""
    n_bars = len(bars) - 1
    cs = np.cumsum(np.vstack([np.zeros((1, 12)), chroma]), axis=0)
    lo = np.clip(np.searchsorted(bars, bars[:-1] - before, side="left"), 0, n_bars)
    hi = np.clip(np.searchsorted(bars, bars[:-1] + span - before, side="left"), 1, n_bars)
    local = cs[np.maximum(hi, np.arange(n_bars) + 1)] - cs[lo]
    scores = key_correlations(local, key_templates(profile))
    scores[local.sum(axis=1) <= 0] = 0.0
    return scores


def _region_keys(
    notes: NoteArrays, bars: np.ndarray, regions: list[tuple[int, int, int]], profile: str | tuple[str, ...]
) -> list[tuple[int, int, int]]:
    """Each region's key estimated from the notes that start in it (kept where too few to judge), and
    neighbours in one key joined."""
    out: list[tuple[int, int, int]] = []
    for a, b, k in regions:
        inside = (notes.start >= bars[a]) & (notes.start < bars[b])
        if np.count_nonzero(inside) >= 8:
            est = estimate_key(notes.select(inside), profile, longest_region=False)
            k = k if est is None else est.index
        if out and out[-1][2] == k:
            out[-1] = (out[-1][0], b, k)
        else:
            out.append((a, b, k))
    return out


def relative_keys(a: int, b: int) -> bool:
    """Whether keys ``a`` and ``b`` are relative major and minor (C major and A minor)."""
    return b == relative_key(a)


def neighbour_keys(index: int) -> tuple[int, ...]:
    """Key ``index``, its relative and the keys a fifth either side with their relatives: the six keys
    whose scales share at least six of the seven notes of its own (C major: C, F, G major, D, E, A minor)."""
    major = index if index < 12 else relative_key(index)
    majors = (major, (major + 7) % 12, (major + 5) % 12)
    return tuple(sorted({k for m in majors for k in (m, relative_key(m))}))


def _excursions(
    notes: NoteArrays,
    chroma: np.ndarray,
    bars: np.ndarray,
    regions: list[tuple[int, int, int]],
    profile: str | tuple[str, ...],
    unit: float,
) -> list[tuple[int, int, int]]:
    """Short passages in another key split out of ``regions`` (:data:`KEY_EXCURSIONS`).

    In each region a two-state Viterbi pass over bars weighs the region's key (plus a bonus) against the
    best key other than it and its relative, in a short window. A passage out of the region's key at least
    the shortest excursion long becomes a region of its own where the key :func:`estimate_key` names for its
    notes is none of :func:`neighbour_keys` of the region's and beats the region's key by the margin: a
    dominant or subdominant passage is no change to POP909's annotators, a parallel-mode one is.
    """
    window, cost, bonus, shortest, margin = KEY_EXCURSIONS
    scores = _window_scores(chroma, bars, window * unit / 2, window * unit, profile)
    weight = (np.diff(bars) / unit)[:, None]
    out: list[tuple[int, int, int]] = []
    for a, b, k in regions:
        other = scores[a:b].copy()
        other[:, [k, relative_key(k)]] = -np.inf
        two = np.stack([scores[a:b, k] + bonus, other.max(axis=1)], axis=1)
        for ra, rb, state in _regions(viterbi_path(two * weight[a:b], cost)):
            key = k
            if state == 1 and bars[a + rb] - bars[a + ra] >= shortest * unit:
                key = _excursion_key(notes, bars[a + ra], bars[a + rb], k, profile, margin)
            if out and out[-1][2] == key:
                out[-1] = (out[-1][0], a + rb, key)
            else:
                out.append((a + ra, a + rb, key))
    return out


def _excursion_key(
    notes: NoteArrays, start: int, end: int, key: int, profile: str | tuple[str, ...], margin: float
) -> int:
    """The key of the notes starting in ``[start, end)`` ticks where it is far from ``key`` and beats it by
    ``margin`` (see :func:`_excursions`), else ``key``."""
    inside = (notes.start >= start) & (notes.start < end)
    if np.count_nonzero(inside) < 8:
        return key
    est = estimate_key(notes.select(inside), profile, longest_region=False)
    if est is None or est.index in neighbour_keys(key) or est.scores[est.index] - est.scores[key] < margin:
        return key
    return est.index


def relative_key(index: int) -> int:
    """The relative minor of a major key and the relative major of a minor one."""
    return 12 + (index + 9) % 12 if index < 12 else (index - 12 + 3) % 12


def _merge_relatives(
    notes: NoteArrays,
    bars: np.ndarray,
    regions: list[tuple[int, int, int]],
    profile: str | tuple[str, ...],
    max_ticks: float,
) -> list[tuple[int, int, int]]:
    """The shortest region under ``max_ticks`` in the relative key of a neighbour joins it (the longer such
    neighbour) until none is left; the two take the one of their keys that :func:`estimate_key` names for
    their notes together (the longer one's where it names neither), and neighbours in one key are joined."""
    regs = [list(r) for r in regions]

    def length(r: list[int]) -> int:
        return int(bars[r[1]] - bars[r[0]])

    def relative_neighbours(i: int) -> list[int]:
        return [j for j in (i - 1, i + 1) if 0 <= j < len(regs) and relative_keys(regs[i][2], regs[j][2])]

    while len(regs) > 1:
        order = sorted(range(len(regs)), key=lambda i: length(regs[i]))
        i = next((i for i in order if length(regs[i]) < max_ticks and relative_neighbours(i)), -1)
        if i < 0:
            break
        j = max(relative_neighbours(i), key=lambda j: length(regs[j]))
        lo, hi = min(i, j), max(i, j)
        inside = (notes.start >= bars[regs[lo][0]]) & (notes.start < bars[regs[hi][1]])
        est = estimate_key(notes.select(inside), profile, longest_region=False)
        key = est.index if est is not None and est.index in (regs[i][2], regs[j][2]) else regs[j][2]
        regs[lo] = [regs[lo][0], regs[hi][1], key]
        regs.pop(hi)
        for t in range(len(regs) - 1, 0, -1):  # neighbours in one key joined
            if regs[t][2] == regs[t - 1][2]:
                regs[t - 1][1] = regs[t][1]
                regs.pop(t)
    return [(a, b, k) for a, b, k in regs]


def _placed_changes(
    chroma: np.ndarray,
    bars: np.ndarray,
    regions: list[tuple[int, int, int]],
    profile: str | tuple[str, ...],
    unit: float,
    reach: float,
) -> list[tuple[int, int, int]]:
    """Each change moved, within ``reach`` ticks and inside its two regions, to the bar where the summed
    evidence (scores over :data:`KEY_BOUNDARY_WINDOW` bars, each bar counting its length) for the key before
    it against the key after it is largest."""
    span = KEY_BOUNDARY_WINDOW * unit
    scores = _window_scores(chroma, bars, span / 2, span, profile) * (np.diff(bars) / unit)[:, None]
    regs = [list(r) for r in regions]
    for i in range(1, len(regs)):
        first, t, k1 = regs[i - 1]
        end, k2 = regs[i][1], regs[i][2]
        t_lo = max(first + 1, int(np.searchsorted(bars, bars[t] - reach, side="left")))
        t_hi = min(end - 1, int(np.searchsorted(bars, bars[t] + reach, side="right")) - 1)
        if t_hi < t_lo:
            continue
        # the evidence for k1 over k2 summed from t_lo up to each candidate change
        gain = np.concatenate([[0.0], np.cumsum(scores[t_lo:t_hi, k1] - scores[t_lo:t_hi, k2])])
        t = t_lo + int(np.argmax(gain))
        regs[i - 1][1] = regs[i][0] = t
    return [(a, b, k) for a, b, k in regs]


def _regions(path: np.ndarray) -> list[list[int]]:
    """Runs of one key in a path over bars, as ``[start_bar, end_bar, key]``."""
    regions: list[list[int]] = []
    for t, k in enumerate(path):
        if regions and regions[-1][2] == k:
            regions[-1][1] = t + 1
        else:
            regions.append([t, t + 1, int(k)])
    return regions


def _merge_short_regions(
    regions: list[list[int]], bars: np.ndarray, min_ticks: float
) -> list[tuple[int, int, int]]:
    """Regions shorter than ``min_ticks`` merged into the previous one (the first into the next), and
    neighbours in one key joined."""

    def short(r: list[int]) -> bool:
        return bool(bars[r[1]] - bars[r[0]] < min_ticks)

    merged: list[list[int]] = []
    for r in regions:
        if merged and (short(r) or merged[-1][2] == r[2]):
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    if len(merged) > 1 and short(merged[0]):
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return [(a, b, k) for a, b, k in merged]
