"""A chorale soprano harmonised by the beat, as Bach harmonised his: a hybrid of a classifier and a
chord-per-beat hidden Markov model, both read from the training split's chorales, decoded with Viterbi.

:func:`partita.analysis.harmonize.harmonize_melody` gives a melody one of its key's diatonic chords a bar;
under a chorale soprano that is too little (under BWV 269's soprano only G and D7, the parts' pitch-class
entropy 2.55 against Bach's 2.90). Bach changes chord on nearly every beat, with secondary dominants,
inversions and cadences where the soprano's phrases end. Here that is learned, not written:

- **labels**: each beat of a training chorale (a quarter note in 4/4 and 3/4) gets the chord its four voices
  sound there (:func:`label_beat`: the template of :data:`QUALITIES` that covers the notes sounding as the
  beat begins, and less those that start inside it; the bass decides between near ties), written relative
  to the chorale's key: its root in semitones above the tonic and its quality (the model's states, those
  sung :data:`MIN_COUNT` times or more);
- **emissions**: a multinomial logistic regression reads the soprano around the beat (:func:`features`: its
  pitch class above the tonic two beats either side, the notes starting inside the beat, the beat in the bar,
  how long the note lasts, whether the phrase ends there or next) and gives P(chord | soprano); divided by
  how often each chord is sung it stands for the emission (a hybrid HMM's scaled likelihood);
- **transitions**: chord to chord from one beat to the next, one table into a downbeat and one into the
  other beats, smoothed towards how often each chord is sung;
- **phrase ends**: a note of two beats or more and twice the melody's median (:func:`phrase_ends`), and the
  last note: what the classifier reads both in training and here (a symbolic melody read from MIDI has no
  fermatas; in the training chorales these fall on 54% of the fermatas, and 53% of them are fermatas);
- **inversions**: the bass's chord tone given the chord's quality and the soprano's tone of it.

On the 71 validation chorales (their own chords labelled as in training; ``python
scripts/fit-chorale-harmony.py --validate``), the hybrid chooses the chord Bach sang on 41% of the beats (its
root on 56%), changes chord 2.83 times a bar (Bach 2.93) and uses 16.7 chords a chorale (17.9); the plain HMM
tried first (the soprano's pitch class and the notes inside the beat as emissions, cadence tables from the
fermatas) 38%, 53%, 2.47 and 11.9.

The tables (``chorale_harmony.json`` beside this module) are fitted by ``scripts/fit-chorale-harmony.py`` on
the training split of the built corpus (music21's Bach chorales, MusicXML); major and minor keys have a table
each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from partita.analysis.chords import chord_label, spell_in_key
from partita.analysis.key import parse_key

TABLE_PATH = Path(__file__).with_name("chorale_harmony.json")
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "7": (0, 4, 7, 10), "min7": (0, 3, 7, 10),
    "hdim7": (0, 3, 6, 10), "dim7": (0, 3, 6, 9), "maj7": (0, 4, 7, 11),
}  # fmt: skip
"""The chord qualities a beat is labelled with (mir_eval names) and their intervals above the root."""
NAMES = tuple(QUALITIES)
MIN_COUNT = 3
"""A chord sung fewer times than this in a mode's training beats is not a state."""
INSIDE_WEIGHT = 0.4
"""How much a note starting inside a beat counts in :func:`label_beat`, beside one sounding as it begins."""
DEGREES = {3: "b3", 4: "3", 6: "b5", 7: "5", 8: "#5", 9: "bb7", 10: "b7", 11: "7"}
"""A bass's semitones above the chord's root as mir_eval writes the degree after the slash."""
BASS_TONES = (0, 1, 2, 3)
"""The bass's tone of a chord: its root, third, fifth or seventh (in :data:`QUALITIES`' order)."""


def state_of(root: int, quality: str) -> int:
    """The index of a chord (root in semitones above the tonic, quality) among the model's states."""
    return (root % 12) * len(NAMES) + NAMES.index(quality)


def chord_of(state: int) -> tuple[int, str]:
    """The (root above the tonic, quality) of state ``state``."""
    return state // len(NAMES), NAMES[state % len(NAMES)]


def label_beat(weights: np.ndarray, bass: int | None) -> tuple[int, str] | None:
    """The chord (root pitch class, quality) that the pitch-class ``weights`` (12) of a beat sound, the notes
    sounding as it begins counted fully and those starting inside it less; ``bass`` (a pitch class, or None)
    breaks near ties towards root position. None where nothing sounds."""
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return None
    best, best_score = None, -np.inf
    for root in range(12):
        for quality, intervals in QUALITIES.items():
            tones = [(root + i) % 12 for i in intervals]
            inside = float(w[tones].sum())
            score = inside - (float(w.sum()) - inside)
            score -= 0.6 * (w[tones[1]] <= 0) + 0.4 * (w[tones[0]] <= 0) + 0.1 * (w[tones[2]] <= 0)
            if len(tones) == 4:
                score -= 1.0 * (w[tones[3]] <= 0) + 0.05
            if bass is not None and bass % 12 == root:
                score += 0.3
            if score > best_score + 1e-9:
                best, best_score = (root, quality), score
    return best


def beat_weights(
    starts: np.ndarray, ends: np.ndarray, pitches: np.ndarray, a: float, b: float
) -> tuple[np.ndarray, int | None]:
    """The pitch-class weights of the beat from ``a`` to ``b`` (any time unit) for :func:`label_beat`, and the
    lowest pitch sounding as it begins (None: none)."""
    w = np.zeros(12)
    sounding = (starts <= a + 1e-6) & (ends > a + 1e-6)
    inside = (starts > a + 1e-6) & (starts < b - 1e-6)
    np.add.at(w, pitches[sounding] % 12, 1.0)
    np.add.at(w, pitches[inside] % 12, INSIDE_WEIGHT)
    bass = int(pitches[sounding].min()) if sounding.any() else None
    return w, bass


@dataclass(frozen=True)
class ChoraleTables:
    """One mode's fitted tables (log probabilities; states as :func:`state_of`)."""

    states: np.ndarray
    """The states kept (sung :data:`MIN_COUNT` times or more in training), indices of :func:`state_of`."""
    prior: np.ndarray
    """(S,) how often each chord is sung."""
    start: np.ndarray
    """(S,) the first beat's chord."""
    into_downbeat: np.ndarray
    """(S, S) previous -> next, into a bar's first beat."""
    into_beat: np.ndarray
    """(S, S) previous -> next, into any other beat."""
    weights: np.ndarray
    """(features, S) the classifier's weights (:func:`features`)."""
    bias: np.ndarray
    """(S,) its intercepts."""
    bass: np.ndarray
    """(qualities, 4 soprano tones + 1 none, 4 bass tones) the bass's chord tone (:data:`BASS_TONES`)."""


@lru_cache(maxsize=1)
def load_tables(path: str | None = None) -> dict[str, ChoraleTables]:
    """The fitted tables by mode ("major", "minor") from ``path`` (default :data:`TABLE_PATH`)."""
    raw = json.loads(Path(path or TABLE_PATH).read_text())
    return {mode: tables_from_json(raw["modes"][mode]) for mode in ("major", "minor")}


def tables_from_json(d: dict) -> ChoraleTables:
    """A mode's :class:`ChoraleTables` from its JSON form (lists of floats)."""
    return ChoraleTables(
        **{k: np.asarray(v, dtype=np.int64 if k == "states" else float) for k, v in d.items()}
    )


def tables_to_json(t: ChoraleTables) -> dict:
    """A mode's tables as JSON lists (rounded: the file stays small and diffable)."""
    out = {}
    for k in ChoraleTables.__dataclass_fields__:
        v = getattr(t, k)
        out[k] = v.tolist() if k == "states" else np.round(v, 4).tolist()
    return out


@dataclass
class SopranoBeats:
    """A soprano read by the beat: per beat its pitch class above the tonic sounding as the beat begins (None:
    a rest), those starting inside the beat, whether the note sounding was struck before the beat, how long it
    lasts (beats), whether the beat opens a bar, and whether a phrase ends on it."""

    on: list[int | None]
    inside: list[list[int]]
    held: list[bool]
    lasts: list[float]
    downbeat: list[bool]
    ends: np.ndarray


def soprano_beats(
    soprano: list[tuple[float, float, int]], beats: list[float], downbeats: set[float], tonic: int
) -> SopranoBeats:
    """``soprano`` ((start, end, MIDI pitch), a beat of 1) read on ``beats`` (start times, the last one the
    end), in a key on ``tonic`` (a pitch class); its phrase ends by :func:`phrase_ends`."""
    notes = sorted(soprano)
    starts = np.array([a for a, _, _ in notes], dtype=float)
    stops = np.array([b for _, b, _ in notes], dtype=float)
    pitches = np.array([p for _, _, p in notes], dtype=np.int64)
    n = len(beats) - 1
    out = SopranoBeats([], [], [], [], [beats[t] in downbeats for t in range(n)], np.zeros(n, dtype=bool))
    for t in range(n):
        a, b = beats[t], beats[t + 1]
        sounding = np.flatnonzero((starts <= a + 1e-6) & (stops > a + 1e-6))
        if len(sounding):
            j = sounding[-1]
            out.on.append(int(pitches[j] - tonic) % 12)
            out.held.append(bool(starts[j] < a - 1e-6))
            out.lasts.append(float(stops[j] - starts[j]))
        else:
            out.on.append(None)
            out.held.append(False)
            out.lasts.append(0.0)
        inner = np.flatnonzero((starts > a + 1e-6) & (starts < b - 1e-6))
        out.inside.append([int(pitches[i] - tonic) % 12 for i in inner])
    beat_of = np.searchsorted(np.asarray(beats[:-1]), starts + 1e-6, side="right") - 1
    out.ends = phrase_ends(stops - starts, beat_of, n)
    return out


def features(s: SopranoBeats) -> np.ndarray:
    """(beats, 91) what the classifier reads at each beat: the soprano's pitch class (or a rest, or beyond the
    melody) two beats either side, the pitch classes starting inside the beat, the beat in the bar (its
    fourth or later one together), how long the sounding note lasts (under a beat, one, two, three or
    more), and whether the note was struck before the beat, a phrase ends on it, on the next beat or on the
    one before, and whether it is the melody's last beat or the one before."""
    n, rows, pos = len(s.on), [], 0
    for t in range(n):
        pos = 0 if s.downbeat[t] else pos + 1
        parts = []
        for d in (-2, -1, 0, 1, 2):
            v, k = np.zeros(13), t + d
            v[12 if not 0 <= k < n or s.on[k] is None else s.on[k]] = 1
            parts.append(v)
        v = np.zeros(12)
        v[s.inside[t]] = 1
        parts.append(v)
        v = np.zeros(4)
        v[min(pos, 3)] = 1
        parts.append(v)
        v = np.zeros(4)
        v[min(3, int(s.lasts[t]))] = 1
        parts.append(v)
        after, before = t + 1 < n and s.ends[t + 1], t > 0 and s.ends[t - 1]
        parts.append(np.array([s.held[t], s.ends[t], after, before, t == n - 1, t == n - 2], dtype=float))
        rows.append(np.concatenate(parts))
    return np.array(rows).reshape(n, -1)


def phrase_ends(durations: np.ndarray, beat_of: np.ndarray, n_beats: int) -> np.ndarray:
    """Per beat (``n_beats``), whether a phrase of the melody ends there: a note lasting two beats or more and
    at least twice the melody's median note (its beat: ``beat_of``, where it starts), and the last note. What
    a fermata marks in Bach's chorales, read from the notes (a melody read from MIDI has none)."""
    ends = np.zeros(n_beats, dtype=bool)
    if not len(durations):
        return ends
    long = (durations >= 2.0 - 1e-6) & (durations >= 2.0 * float(np.median(durations)) - 1e-6)
    ends[beat_of[long & (beat_of >= 0) & (beat_of < n_beats)]] = True
    if 0 <= beat_of[-1] < n_beats:
        ends[beat_of[-1]] = True
    return ends


def decode(tables: ChoraleTables, s: SopranoBeats) -> list[int]:
    """The likeliest state of each beat of ``s`` (Viterbi): the classifier's P(chord | soprano) over the
    chord's prior, and the transitions.

    Written here because the transitions change with the step (into a downbeat or not): the shared
    :func:`partita.analysis.viterbi.viterbi_path` takes one change cost, and librosa's ``sequence.viterbi``
    (not a dependency) one transition matrix."""
    x = features(s)
    if not len(x):
        return []
    logits = x @ tables.weights + tables.bias
    logits -= logits.max(axis=1, keepdims=True)
    unary = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)) - tables.prior
    score = tables.start + unary[0]
    back = np.zeros(unary.shape, dtype=np.int64)
    for t in range(1, len(x)):
        total = score[:, None] + (tables.into_downbeat if s.downbeat[t] else tables.into_beat)
        back[t] = total.argmax(axis=0)
        score = total.max(axis=0) + unary[t]
    path = [int(score.argmax())]
    for t in range(len(x) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return [int(tables.states[i]) for i in path[::-1]]


def bass_tone(tables: ChoraleTables, quality: str, soprano_above_root: int | None) -> int:
    """The likeliest bass tone (:data:`BASS_TONES`) of a chord of ``quality`` with the soprano that many
    semitones above its root (None: a rest)."""
    intervals = QUALITIES[quality]
    row = intervals.index(soprano_above_root) if soprano_above_root in intervals else 4
    return int(np.argmax(tables.bass[NAMES.index(quality), row][: len(intervals)]))


def harmonize_chorale(
    soprano: list[tuple[float, float, int]],
    beats: list[float],
    downbeats: set[float],
    key: str,
    tables: dict[str, ChoraleTables] | None = None,
) -> list[str]:
    """A chord label (mir_eval syntax, spelled in the key; ``"G:maj/3"`` for an inversion) for each beat of
    ``beats`` (start times, any unit, the last one the end) under the ``soprano`` notes ((start, end, MIDI
    pitch), the same unit, a beat of 1) in ``key`` ("G major"); ``downbeats``: the beats that open a bar."""
    index = parse_key(key)
    tonic = index % 12
    got = (tables or load_tables())["minor" if index >= 12 else "major"]
    read = soprano_beats(soprano, beats, downbeats, tonic)
    out = []
    for t, state in enumerate(decode(got, read)):
        root, quality = chord_of(state)
        tone = bass_tone(got, quality, None if read.on[t] is None else (read.on[t] - root) % 12)
        label = spell_in_key(chord_label((tonic + root) % 12, quality), index)
        out.append(label + (f"/{DEGREES[QUALITIES[quality][tone]]}" if tone else ""))
    return out
