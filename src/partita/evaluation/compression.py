"""Compression ratio as a measure of repetition and structure: Meredith's COSIATEC on the note point set.

CM-HRNN (Guo et al. 2020) and text2midi (Bhandari et al., AAAI 2025) report a compression ratio computed with
COSIATEC (Meredith, "COSIATEC and SIATECCompress", MIREX 2013; Meredith, Lemström and Wiggins 2002 for
SIA/SIATEC). A piece is a set of points (onset, pitch). COSIATEC repeatedly picks the *translational
equivalence class* (TEC) that compresses best, a pattern P with the set T of vectors that translate it onto
the piece, encodes the points P + T covers with ``|P| + |T| - 1`` numbers, removes them and repeats on what is
left. The compression ratio is the number of points divided by the size of the encoding: a phrase played four
times is one TEC of size ``m + 3`` for ``4m`` points (a ratio near 4); notes without repetition encode as
themselves (near 1).

Why COSIATEC and not a general-purpose compressor (zlib, LZMA): it is what the papers report, so partita's
number can stand beside theirs; it sees repetition at any transposition and time shift, while a byte
compressor sees only literal repeats of a serialization and its ratio depends on the byte format chosen.

Why written here: there is no maintained Python package of COSIATEC (Meredith's reference implementation is
Java). This one is vectorized with numpy; SIATEC is cubic in the number of points, so long pieces are cut into
consecutive windows of ``max_points`` points (300 by default) that are compressed separately and the encoding
sizes summed: repetition farther apart than a window is not counted (say so when comparing with a paper).

Points: pitched notes only (drums are not pitches), onsets quantized to ``grid`` steps per quarter note,
chromatic pitch (MIDI number); duplicates (same onset and pitch) are one point.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from partita.analysis.timeline import note_arrays

log = logging.getLogger(__name__)

_MAX_TABLE = 1 << 25  # largest code span of a window looked up by table (a 64 MB bool table)
_PITCH_SPAN = 512  # point code = onset * 512 + pitch; pitch + any pitch difference stays in (-128, 256)


@dataclass
class TEC:
    """One translational equivalence class: ``pattern`` (k, 2) points (onset, pitch), ``translators`` (t,
    2)."""

    pattern: np.ndarray
    translators: np.ndarray

    @property
    def size(self) -> int:
        """The encoding length of the TEC: its points plus its non-zero translators."""
        return len(self.pattern) + len(self.translators) - 1

    @property
    def covered(self) -> int:
        """The number of distinct points the TEC covers."""
        codes = (_codes(self.pattern)[:, None] + _codes(self.translators)[None, :]).ravel()
        return int(np.unique(codes).size)


def _codes(points: np.ndarray) -> np.ndarray:
    return points[:, 0].astype(np.int64) * _PITCH_SPAN + points[:, 1].astype(np.int64)


def _decode(codes: np.ndarray) -> np.ndarray:
    """Points or vectors back from codes: the pitch part lies in (-256, 256), so rounding recovers the
    onset."""
    onset = np.floor(codes / _PITCH_SPAN + 0.5).astype(np.int64)
    return np.stack([onset, codes - onset * _PITCH_SPAN], axis=1)


def _best_tec(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """SIATEC on sorted point codes; the TEC with the best compression ratio (ties: larger coverage, then
    fewer translators) as (pattern codes, translator codes, covered codes), or None if nothing compresses.

    The translators of every maximal translatable pattern (MTP) are found in batches of patterns of one size
    (one table lookup per batch instead of one per pattern); the exact coverage, which needs a ``unique``
    per TEC, is only computed for TECs whose upper bound ``k * t / (k + t - 1)`` can still beat the best.
    """
    n = codes.size
    if n < 2:
        return None
    # Membership by table lookup. A pattern's points are sorted, so p_i - p_0 lies in [0, span] and a shifted
    # point p_i + (d - p_0) lies in [lo, lo + 2 span]: a table of 2 span + 1 entries needs no bounds checks.
    lo, span = int(codes[0]), int(codes[-1] - codes[0])
    if span <= _MAX_TABLE:
        table = np.zeros(2 * span + 1, dtype=bool)
        table[codes - lo] = True

        def member(offsets: np.ndarray) -> np.ndarray:
            return table[offsets]
    else:  # a window spread over a very long time (long silences): binary search instead of a huge table

        def member(offsets: np.ndarray) -> np.ndarray:
            pos = np.minimum(np.searchsorted(codes, offsets + lo), n - 1)
            return codes[pos] == offsets + lo

    i, j = np.triu_indices(n, k=1)
    diffs = codes[j] - codes[i]
    order = np.lexsort((i, diffs))  # group by vector, points of a group in lexicographic order
    diffs, members = diffs[order], i[order]
    cut = np.flatnonzero(np.r_[True, diffs[1:] != diffs[:-1], True])
    sizes = np.diff(cut)
    # A one-point pattern covers as many points as it costs (ratio 1), so only MTPs of 2+ points can compress.
    batches = []  # (bounds, patterns, candidate vectors, translator mask) per batch of same-size patterns
    for k in np.unique(sizes[sizes >= 2]):
        starts = cut[:-1][sizes == k]
        pats = np.unique(
            members[starts[:, None] + np.arange(k)], axis=0
        )  # one MTP may come from several vectors
        pat_codes = codes[pats]  # (m, k)
        chunk = max(1, 4_000_000 // (k * n))
        for c0 in range(0, len(pat_codes), chunk):
            pc = pat_codes[c0 : c0 + chunk]
            cand = codes[None, :] - pc[:, :1]  # (m, n): vectors mapping the first point onto a point
            ok = member((pc[:, 1:, None] - lo) + cand[:, None, :]).all(axis=1)  # (m, n)
            t = ok.sum(axis=1)
            keep = t >= 2
            if keep.any():
                t = t[keep]
                batches.append((k * t / (k + t - 1), pc[keep], cand[keep], ok[keep]))
    if not batches:
        return None
    bounds = np.concatenate([bt[0] for bt in batches])
    where = np.concatenate(
        [np.stack([np.full(len(bt[0]), b), np.arange(len(bt[0]))], 1) for b, bt in enumerate(batches)]
    )
    best = None
    best_key = (1.0, 0, 0)
    for c in np.argsort(-bounds, kind="stable"):
        if bounds[c] < best_key[0]:
            break
        b, r = where[c]
        _, pcs, cands, oks = batches[b]
        pattern, translators = pcs[r], cands[r][oks[r]]
        covered = np.unique((pattern[:, None] + translators[None, :]).ravel())
        ratio = covered.size / (pattern.size + translators.size - 1)
        rank = (ratio, covered.size, -translators.size)
        if rank > best_key:
            best_key, best = rank, (pattern, translators, covered)
    return best


def cosiatec(points: np.ndarray) -> tuple[list[TEC], np.ndarray]:
    """COSIATEC on (onset, pitch) integer points: the chosen TECs and the points left uncompressed."""
    codes = np.unique(_codes(np.asarray(points, dtype=np.int64).reshape(-1, 2)))
    tecs: list[TEC] = []
    while codes.size:
        found = _best_tec(codes)
        if found is None:
            break
        pattern, translators, covered = found
        tecs.append(TEC(_decode(pattern), _decode(translators)))
        codes = np.setdiff1d(codes, covered, assume_unique=True)
    return tecs, _decode(codes)


def score_points(score, grid: int = 12) -> np.ndarray:
    """The (onset in grid steps, pitch) points of the pitched notes of ``score``, unique and sorted."""
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    tpq = max(int(score.ticks_per_quarter), 1)
    onset = np.rint(notes.start * grid / tpq).astype(np.int64)
    pts = (
        np.stack([onset, notes.pitch.astype(np.int64)], axis=1) if len(notes) else np.zeros((0, 2), np.int64)
    )
    return _decode(np.unique(_codes(pts))) if len(pts) else pts


def compression_ratio_points(points: np.ndarray, max_points: int = 300) -> float:
    """COSIATEC's compression ratio of a point set (NaN when empty), windowed by ``max_points`` points."""
    pts = np.asarray(points, dtype=np.int64).reshape(-1, 2)
    codes = np.unique(_codes(pts))
    if codes.size == 0:
        return math.nan
    encoded = 0
    for start in range(0, codes.size, max_points):
        window = _decode(codes[start : start + max_points])
        tecs, rest = cosiatec(window)
        encoded += sum(t.size for t in tecs) + len(rest)
    return float(codes.size / encoded)


def compression_ratio(score, grid: int = 12, max_points: int = 300) -> float:
    """COSIATEC's compression ratio of a score's pitched notes (see the module docstring); NaN without
    notes."""
    return compression_ratio_points(score_points(score, grid), max_points=max_points)
