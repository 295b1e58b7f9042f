"""Chords per beat in mir_eval's syntax (``C:maj``, ``A:min7``, ``N``) and the most repeated progression.

Method: each beat of the score's grid (its phase aligned to the onsets, see ``timeline.estimate_phase``)
gets a duration-weighted pitch-class profile of the accompaniment (the melody track is left out when there
is one, it carries passing tones) and a bass profile (the lowest note of each onset). Every chord of a
13-quality vocabulary on 12 roots is scored against them, either by the learned per-quality weights of
:mod:`partita.analysis.chord_model` (the default) or by binary templates (cosine similarity, a bonus when the
bass is the root, a prior per quality); a Viterbi pass over beats then pays a cost for every chord change,
so a chord holds through passing notes and changes where the harmony does. Weights and costs were set on
the POP909 development songs (even ids) and are measured on the odd ids (``bench/bench_analysis.py``).

:func:`naive_chords` is the baseline of the issue: per beat, the profile of all tracks matched to the 24
major/minor triads, no bass, no smoothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from partita.analysis.chord_model import load_chord_model
from partita.analysis.key import PITCH_NAMES, lowest_notes, pitch_class, pitch_names_in_key
from partita.analysis.timeline import NoteArrays, segment_chroma
from partita.analysis.viterbi import viterbi_path

QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
}
"""The chord vocabulary: quality name in mir_eval syntax -> intervals above the root."""

QUALITY_PRIOR: dict[str, float] = {
    "maj": 0.0,
    "min": 0.0,
    "7": -0.04,
    "maj7": -0.04,
    "min7": -0.03,
    "dim": -0.08,
    "aug": -0.12,
    "sus4": -0.06,
    "sus2": -0.06,
    "hdim7": -0.08,
    "dim7": -0.12,
    "maj6": -0.08,
    "min6": -0.1,
}
"""Log-prior bonus per quality, added to the cosine score (rarer qualities must fit clearly better)."""


@dataclass
class ChordConfig:
    """The weights of the template estimator (set by a grid search on 200 POP909 development songs)."""

    melody_weight: float = 0.0
    bass_weight: float = 0.15
    change_cost: float = 0.15
    qualities: tuple[str, ...] = tuple(QUALITIES)


def chord_label(root: int, quality: str) -> str:
    """A chord label in mir_eval syntax, e.g. ``chord_label(9, "min7") == "A:min7"``."""
    return f"{PITCH_NAMES[root % 12]}:{quality}"


def spell_in_key(label: str, key_index: int) -> str:
    """``label`` with its root (and bass) spelled as key ``key_index`` spells them: ``"Gb:maj"`` is
    ``"F#:maj"`` in F# major and stays ``"Gb:maj"`` in Db major; ``"N"`` and unreadable labels are returned as
    they are."""
    names = pitch_names_in_key(key_index)
    root, sep, rest = label.partition(":")
    try:
        root = names[pitch_class(root)]
    except ValueError:
        return label
    quality, slash, bass = rest.partition("/")
    if slash and bass[:1].isalpha():
        try:
            bass = names[pitch_class(bass)]
        except ValueError:
            pass
    return f"{root}{sep}{quality}{slash}{bass}"


def _templates(qualities: tuple[str, ...]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    rows, labels, roots, prior = [], [], [], []
    for q in qualities:
        for r in range(12):
            t = np.zeros(12)
            t[[(r + i) % 12 for i in QUALITIES[q]]] = 1.0
            rows.append(t / np.linalg.norm(t))
            labels.append(chord_label(r, q))
            roots.append(r)
            prior.append(QUALITY_PRIOR.get(q, -0.1))
    return np.asarray(rows), labels, np.asarray(roots), np.asarray(prior)


def beat_features(
    notes: NoteArrays, beats: np.ndarray, melody_track: int | None, melody_weight: float = 0.0
) -> dict[str, np.ndarray]:
    """The per-beat (beats x 12) feature blocks of the chord scorers, not yet normalised.

    ``profile``: duration-weighted pitch classes, the melody track's notes weighted by ``melody_weight``;
    ``bass``: the same for the lowest note of each onset of the other tracks; ``lowest``: one-hot pitch class
    of the lowest note sounding anywhere in the beat (held bass notes count, where ``bass`` sees only
    onsets); ``bass_onset``: the bass notes that start in the first quarter of the beat (a bass note struck
    on the beat names the root more often than one struck between beats).
    """
    if len(beats) < 2:
        return {name: np.zeros((0, 12)) for name in ("profile", "bass", "lowest", "bass_onset")}
    w = np.ones(len(notes))
    if melody_track is not None:
        w[notes.track == melody_track] = melody_weight
    chroma = segment_chroma(notes, beats, w)
    others = notes.select(notes.track != melody_track) if melody_track is not None else notes
    if len(others) == 0:
        others = notes
    low = others.select(lowest_notes(others))
    bass = segment_chroma(low, beats)
    n_beats = max(len(beats) - 1, 0)
    beat = np.clip(np.searchsorted(beats, low.start, side="right") - 1, 0, max(n_beats - 1, 0))
    on_beat = (low.start - beats[beat]) * 4 < (beats[np.minimum(beat + 1, len(beats) - 1)] - beats[beat])
    return {
        "profile": chroma,
        "bass": bass,
        "lowest": lowest_sounding(others, beats),
        "bass_onset": segment_chroma(low.select(on_beat), beats),
    }


def lowest_sounding(notes: NoteArrays, beats: np.ndarray) -> np.ndarray:
    """(beats x 12) one-hot pitch class of the lowest note that sounds at any time in each beat."""
    n_beats = max(len(beats) - 1, 0)
    out = np.zeros((n_beats, 12))
    if n_beats == 0 or len(notes) == 0:
        return out
    first = np.clip(np.searchsorted(beats, notes.start, side="right") - 1, 0, n_beats - 1)
    last = np.clip(np.searchsorted(beats, notes.end - 1, side="right") - 1, 0, n_beats - 1)
    counts = (last - first + 1).clip(1)
    idx = np.repeat(np.arange(len(notes)), counts)
    beat = first[idx] + (np.arange(idx.size) - (np.cumsum(counts) - counts)[idx])
    low = np.full(n_beats, 1 << 14)
    np.minimum.at(low, beat, notes.pitch[idx].astype(np.int64))
    some = low < (1 << 14)
    out[np.flatnonzero(some), low[some] % 12] = 1.0
    return out


def estimate_chords(
    notes: NoteArrays,
    beats: np.ndarray,
    melody_track: int | None = None,
    config: ChordConfig | None = None,
    method: str = "learned",
) -> list[str]:
    """One chord label per beat of ``beats`` (starts plus final end, in ticks); ``N`` where nothing sounds.

    ``method="learned"`` scores chords with the shipped :class:`~partita.analysis.chord_model.ChordModel`
    (falling back to templates if its file is missing); ``"templates"`` with binary templates and ``config``.
    """
    cfg = config or ChordConfig()
    n_beats = max(len(beats) - 1, 0)
    if n_beats == 0:
        return []
    if len(notes) == 0:
        return ["N"] * n_beats
    if method not in ("learned", "templates"):
        raise ValueError(f"unknown chord method {method!r}: use 'learned' or 'templates'")
    blocks = beat_features(notes, beats, melody_track, cfg.melody_weight)
    chroma, bass = blocks["profile"], blocks["bass"]
    model = _model() if method == "learned" else None
    if model is not None:
        return _decode(model.log_probs(blocks), chroma, model.qualities, model.change_cost)
    templates, labels, roots, prior = _templates(cfg.qualities)
    total = chroma.sum(axis=1)
    norm = np.linalg.norm(chroma, axis=1, keepdims=True)
    unit = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
    bass_total = bass.sum(axis=1, keepdims=True)
    bass_unit = np.divide(bass, bass_total, out=np.zeros_like(bass), where=bass_total > 0)
    scores = unit @ templates.T + prior[None, :] + cfg.bass_weight * bass_unit[:, roots]
    # the no-chord state: best only where the beat is silent
    silent = total <= 0
    n_score = np.where(silent, 1.0, -1.0)[:, None]
    scores = np.hstack([scores, n_score])
    scores[silent, :-1] = -1.0
    path = viterbi_path(scores, cfg.change_cost)
    names = [*labels, "N"]
    return [names[i] for i in path]


_MODEL_CACHE: dict[str, object] = {}


def _model():
    if "model" not in _MODEL_CACHE:
        _MODEL_CACHE["model"] = load_chord_model()
    return _MODEL_CACHE["model"]


def _decode(scores: np.ndarray, chroma: np.ndarray, qualities: list[str], change_cost: float) -> list[str]:
    """Viterbi over (beats x chords) scores plus a no-chord state that wins exactly on silent beats."""
    silent = chroma.sum(axis=1) <= 0
    big = 1e3
    scores = np.hstack([scores, np.where(silent, 0.0, -big)[:, None]])
    scores[silent, :-1] = -big
    path = viterbi_path(scores, change_cost)
    names = [chord_label(i % 12, qualities[i // 12]) for i in range(len(qualities) * 12)] + ["N"]
    return [names[i] for i in path]


def naive_chords(notes: NoteArrays, beats: np.ndarray) -> list[str]:
    """The baseline: per beat, all tracks' duration-weighted profile matched to the 24 major/minor triads."""
    n_beats = max(len(beats) - 1, 0)
    if n_beats == 0:
        return []
    chroma = segment_chroma(notes, beats)
    templates, labels, _, _ = _templates(("maj", "min"))
    best = (chroma @ templates.T).argmax(axis=1)
    return [labels[b] if chroma[i].sum() > 0 else "N" for i, b in enumerate(best)]


def merge_labels(labels: list[str], bounds: np.ndarray) -> list[tuple[int, int, str]]:
    """Consecutive equal labels joined into ``(start_tick, end_tick, label)`` segments."""
    out: list[tuple[int, int, str]] = []
    for i, lab in enumerate(labels):
        a, b = int(bounds[i]), int(bounds[i + 1])
        if out and out[-1][2] == lab:
            out[-1] = (out[-1][0], b, lab)
        else:
            out.append((a, b, lab))
    return out


def chords_per_bar(segments: list[tuple[int, int, str]], bars: np.ndarray) -> list[str]:
    """The chord that sounds longest in each bar (``N`` for a silent bar)."""
    out = []
    j = 0
    for b in range(len(bars) - 1):
        a, e = bars[b], bars[b + 1]
        dur: Counter[str] = Counter()
        while j < len(segments) and segments[j][1] <= a:
            j += 1
        k = j
        while k < len(segments) and segments[k][0] < e:
            s0, s1, lab = segments[k]
            dur[lab] += min(s1, e) - max(s0, a)
            k += 1
        out.append(dur.most_common(1)[0][0] if dur else "N")
    return out


def common_progression(sequence: list[str], lengths: tuple[int, ...] = (3, 4, 5)) -> list[str]:
    """The most repeated run of 3 to 5 chords (repeats collapsed, ``N`` skipped), or ``[]`` if none repeats.

    Each run that occurs at least twice is scored by how many chords its occurrences cover (count x length);
    runs that start and end on the same chord are skipped (they are a shorter cycle plus its wrap-around).
    Ties go to the earliest run.
    """
    seq = [c for c in sequence if c != "N"]
    collapsed = [c for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]]
    best: tuple[int, int, tuple[str, ...]] | None = None
    for n in lengths:
        counts: Counter[tuple[str, ...]] = Counter()
        first: dict[tuple[str, ...], int] = {}
        for i in range(len(collapsed) - n + 1):
            gram = tuple(collapsed[i : i + n])
            if gram[0] == gram[-1]:
                continue
            counts[gram] += 1
            first.setdefault(gram, i)
        for gram, c in counts.items():
            if c < 2:
                continue
            rank = (c * n, -first[gram], gram)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return list(best[2]) if best else []
