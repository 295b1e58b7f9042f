"""Melody extraction, note level, on POP909: data, the skyline baseline, hand features and the metrics.

The task of MidiBERT-Piano (Chou et al. 2021; 96.37% accuracy) and before it of Simonetta et al.: a POP909
song's three tracks (MELODY, BRIDGE, PIANO) are merged into one note list, as a piano performance would be,
and each note's class is predicted: melody, bridge (secondary melody) or piano (accompaniment). Also reported:
melody against the rest (two classes).

- :func:`load_pop909`: the labelled songs of a split. The split is the corpus's (``split_of("pop909:NNN")``,
  :mod:`partita.corpus.labels`, 80/10/10 by a hash of the song id: 644 / 82 / 74 of the 800 songs present),
  so the test songs are the test songs of the built corpus ``all`` too. Songs 801-909 are not in the data.
- :func:`skyline_mask`: the skyline (the highest note at each onset is melody), as
  :func:`partita.evaluation.realism.skyline`: of the notes sounding at an onset the highest (held notes
  included); ``held=False`` takes only the notes starting at the onset.
- :func:`note_features`: per-note hand features for a classifier (pitch and its rank in the chord and among
  the notes sounding, duration, velocity, position, the neighbouring onsets' top notes).
- :func:`melody_metrics`: accuracy over all notes (three classes), per-class recall, melody-vs-rest accuracy
  and the melody's precision, recall and F1.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from partita.corpus.labels import split_of
from partita.models.encoder import NoteArrays, score_notes
from partita.paths import shared_data_dir
from partita.progress import ProgressCallback, report
from partita.score.formats import Score, read_score

log = logging.getLogger(__name__)

CLASSES = ("melody", "bridge", "piano")
TRACKS = {"MELODY": 0, "BRIDGE": 1, "PIANO": 2}
MELODY = 0


@dataclass
class LabelledPiece:
    """One song's merged notes and each note's class (an index into :data:`CLASSES`)."""

    name: str
    notes: NoteArrays
    labels: np.ndarray


def pop909_split(song_id: str | int) -> str:
    """``train`` / ``valid`` / ``test`` of a POP909 song (the corpus's split of ``pop909:NNN``)."""
    return split_of(f"pop909:{int(song_id):03d}")


def pop909_songs(split: str | None = None, root: str | Path | None = None) -> list[Path]:
    """The MIDI files of the POP909 songs present (``NNN/NNN.mid``) in ``split`` (None: all)."""
    folder = Path(root) if root is not None else shared_data_dir() / "pop909"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no POP909 folder")
    paths = sorted(p / f"{p.name}.mid" for p in folder.iterdir() if p.name.isdigit())
    paths = [p for p in paths if p.is_file() and int(p.parent.name) <= 800]
    return [p for p in paths if split is None or pop909_split(p.parent.name) == split]


def four_four(score: Score) -> Score:
    """POP909's files mostly say 1/4 (a beat a bar): read such a score as 4/4 from tick 0 (bar lines may be
    off by a pickup), so its bars look like those of ordinary piano MIDI."""
    if any(ts.numerator == 1 for ts in score.time_signatures):
        from symusic import TimeSignature

        score = score.copy()
        score.time_signatures.clear()
        score.time_signatures.append(TimeSignature(0, 4, 4))
    return score


def read_pop909_song(path: str | Path) -> LabelledPiece:
    """A POP909 song's merged notes labelled by their track (MELODY, BRIDGE, PIANO)."""
    path = Path(path)
    score = four_four(read_score(path))
    names = [t.name.strip().upper() for t in score.tracks]
    unknown = [n for n in names if n not in TRACKS]
    if unknown:
        raise ValueError(f"{path}: tracks {unknown} are not MELODY, BRIDGE or PIANO")
    notes = score_notes(score)
    table = np.array([TRACKS[n] for n in names], dtype=np.int64)
    return LabelledPiece(path.parent.name, notes, table[notes.track] if len(notes) else notes.track)


def load_pop909(
    split: str | None,
    root: str | Path | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> list[LabelledPiece]:
    """The labelled songs of ``split`` (the first ``limit`` by id)."""
    paths = pop909_songs(split, root)[:limit]
    out = []
    for i, p in enumerate(paths):
        out.append(read_pop909_song(p))
        report(progress, i + 1, len(paths), p.parent.name)
    return out


# ---------------------------------------------------------------- the skyline


def skyline_mask(notes: NoteArrays, held: bool = True) -> np.ndarray:
    """Which notes the skyline calls melody. ``held``: at each onset the highest of the notes sounding (a
    note held above a moving inner voice stays the melody; of equal pitches the latest start), the rule of
    :func:`partita.evaluation.realism.skyline`; otherwise the highest of the notes starting at the onset."""
    n = len(notes)
    mask = np.zeros(n, dtype=bool)
    if not n:
        return mask
    starts, pitches = notes.start, notes.pitch
    if not held:
        last = np.r_[
            starts[1:] != starts[:-1], True
        ]  # sorted by start then pitch: the last of a group is top
        return last
    ends = starts + notes.duration
    for t in np.unique(starts).tolist():
        active = np.flatnonzero((starts <= t) & (ends > t))
        top = active[pitches[active] == pitches[active].max()]
        mask[int(top[np.argmax(starts[top])])] = True
    return mask


# ---------------------------------------------------------------- hand features


FEATURES = (
    "pitch",
    "chord_size",
    "rank_from_top",
    "rank_from_bottom",
    "below_top",
    "sounding",
    "sounding_rank_from_top",
    "below_sounding_top",
    "log_duration",
    "velocity",
    "velocity_vs_onset_mean",
    "position_in_beat",
    "position_in_bar",
    "below_local_max",
    "above_local_mean",
    "prev_top_interval",
    "next_top_interval",
    "nearest_prev_interval",
    "skyline",
    "skyline_onset",
)


def note_features(notes: NoteArrays, use_velocity: bool = True) -> np.ndarray:
    """Per-note hand features ``(notes, len(FEATURES))`` (velocity columns zero when not ``use_velocity``)."""
    n = len(notes)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return X
    tpq = max(1, notes.ticks_per_quarter)
    s, p, d = notes.start, notes.pitch.astype(np.float32), notes.duration
    v = notes.velocity.astype(np.float32) if use_velocity else np.zeros(n, dtype=np.float32)
    onsets, first, group = np.unique(s, return_index=True, return_inverse=True)
    size = np.bincount(group)
    last = first + size - 1
    rank_bottom = np.arange(n) - first[group]
    top = p[last]
    ends = s + d
    sounding = np.zeros(n)
    s_rank = np.zeros(n)
    s_top = np.zeros(n)
    for g, t in enumerate(onsets.tolist()):
        lo = np.searchsorted(s, t - 8 * tpq)
        active = lo + np.flatnonzero((s[lo : last[g] + 1] <= t) & (ends[lo : last[g] + 1] > t))
        ap = p[active]
        idx = slice(first[g], last[g] + 1)
        sounding[idx] = len(active)
        s_top[idx] = ap.max()
        s_rank[idx] = (ap[None, :] > p[idx, None]).sum(1)
    win = 2 * tpq
    lo = np.searchsorted(onsets, onsets - win)
    hi = np.searchsorted(onsets, onsets + win, side="right")
    local_max = np.array([top[a:b].max() for a, b in zip(lo, hi, strict=True)])
    csum = np.r_[0, np.cumsum(p)]
    local_mean = np.array(
        [
            (csum[last[b - 1] + 1] - csum[first[a]]) / (last[b - 1] + 1 - first[a])
            for a, b in zip(lo, hi, strict=True)
        ]
    )
    prev_top = np.r_[top[0], top[:-1]]
    next_top = np.r_[top[1:], top[-1]]
    nearest_prev = np.zeros(n)
    for g in range(1, len(onsets)):
        idx = slice(first[g], last[g] + 1)
        prev = p[first[g - 1] : last[g - 1] + 1]
        nearest_prev[idx] = np.abs(p[idx, None] - prev[None, :]).min(1)
    onset_vel = np.bincount(group, weights=v) / size
    X[:, 0] = p
    X[:, 1] = size[group]
    X[:, 2] = size[group] - 1 - rank_bottom
    X[:, 3] = rank_bottom
    X[:, 4] = top[group] - p
    X[:, 5] = sounding
    X[:, 6] = s_rank
    X[:, 7] = s_top - p
    X[:, 8] = np.log2(d / tpq)
    X[:, 9] = v
    X[:, 10] = v - onset_vel[group]
    X[:, 11] = ((s % tpq) / tpq).astype(np.float32)
    X[:, 12] = (s - notes.bar_start) / tpq
    X[:, 13] = local_max[group] - p
    X[:, 14] = p - local_mean[group]
    X[:, 15] = p - prev_top[group]
    X[:, 16] = next_top[group] - p
    X[:, 17] = nearest_prev
    X[:, 18] = skyline_mask(notes, held=True)
    X[:, 19] = skyline_mask(notes, held=False)
    return X


# ---------------------------------------------------------------- metrics


def melody_metrics(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray
) -> dict[str, float]:
    """Note-level measures: ``accuracy`` over the three classes, ``recall_<class>``, ``melody_vs_rest``
    accuracy and the melody's ``melody_precision`` / ``melody_recall`` / ``melody_f1``."""
    t, q = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    if t.shape != q.shape:
        raise ValueError(f"{len(t)} labels against {len(q)} predictions")
    if not len(t):
        raise ValueError("no notes to score")
    out = {"notes": float(len(t)), "accuracy": float((t == q).mean())}
    for k, name in enumerate(CLASSES):
        sel = t == k
        out[f"recall_{name}"] = float((q[sel] == k).mean()) if sel.any() else float("nan")
    tm, qm = t == MELODY, q == MELODY
    tp = float((tm & qm).sum())
    precision = tp / qm.sum() if qm.any() else 0.0
    recall = tp / tm.sum() if tm.any() else 0.0
    out["melody_vs_rest"] = float((tm == qm).mean())
    out["melody_precision"] = float(precision)
    out["melody_recall"] = float(recall)
    out["melody_f1"] = float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0
    return out


def skyline_predictions(notes: NoteArrays, held: bool = True) -> np.ndarray:
    """The skyline as three-class predictions: its notes melody, every other note piano (no bridge)."""
    return np.where(skyline_mask(notes, held), MELODY, TRACKS["PIANO"]).astype(np.int64)
