"""A score index for ``partita identify`` (issue 24, item 5): score windows encoded once, searched fast.

Without an index the learned matcher encodes, for every query, 9 windows for every second of every
candidate score (:func:`partita.discovery.audio_score.rank`): minutes for 500 long scores. An index encodes
them once, on a fixed grid of window lengths, and keeps what the rest of the search needs (each piece's notes
in seconds, for its piano roll and chroma, and its tempo map and bar lines, for the bar of a match), so a
query reads no score file.

**The grid.** The matcher compares a query of ``q`` seconds with score windows of ``q x g`` seconds for
tempo ratios ``g`` on a geometric grid (0.6-1.6, 9 ratios, a step of ``r = 1.130``). The index keeps
windows of ``min_s x g_0 x r^j`` seconds (``min_s``: 3 s, the shortest query), every ``hop_s`` of each
score, for ``j`` up to where queries of ``max_query_s`` (the matcher's training window, 10 s) are covered.
A query is cropped, from its start, to the longest ``min_s x r^i`` that it holds (at most ``max_query_s``):
its 9 tempo ratios then fall exactly on index lengths ``i .. i + 8``. This **first pass** is the learned
matcher's full search on the cropped query, as one matrix product over the index's vectors (float16 on
disk, float32 when compared) and a maximum per piece.

**The second pass** (``shortlist`` pieces, the first pass's best): the search of
:func:`~partita.discovery.audio_score.rank` on those pieces only, on the whole query (its first minute),
windows encoded at the query's own lengths: wherever the shortlist holds the pieces that a full search puts
in its own DTW shortlist (the 10 best), the top of the ranking is the full search's. The pieces left out
follow in the first pass's order. ``shortlist=0``: the first pass's ranking alone (then DTW on its 10 best
for ``combined``).

A flat matrix, not a LanceDB vector index: a piece's score is its best window over 9 lengths and every
place, a maximum over a few thousand rows per piece, which a nearest-neighbour search of single rows would
only approximate; at 500 five-minute scores the rows compared per query (about 1.2 million of 64
numbers) take a fraction of a second with one matrix product.

On disk: ``score_index.json`` (the matcher's name and hash, the grid, the pieces' names) and
``score_index.safetensors`` (the vectors and the pieces' notes, tempi and bar lines; never pickle), written
into a temporary folder beside the target and renamed onto it when complete: an interrupted save leaves no
half index (its temporary folder is removed by the next build, which starts clean). Indexes of one matcher
merge (:func:`merge_score_indexes`): ``partita identify-index --add`` grows an index, and a build saved
every few scores and interrupted is finished that way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from partita.discovery.audio_score import (
    FPS,
    METHODS,
    MIN_SECONDS,
    AudioScoreModel,
    BarClock,
    Candidate,
    Match,
    Snippet,
    audio_snippet,
    dtw_match,
    fuse,
    learned_scores,
    notes_snippet,
    score_notes,
    window_bins,
)
from partita.progress import ProgressCallback, report
from partita.score import Score

log = logging.getLogger(__name__)

INDEX_CONFIG = "score_index.json"
INDEX_TENSORS = "score_index.safetensors"
FORMAT = 1
DEFAULT_SHORTLIST = 10
"""Pieces searched again in full after the index's first pass (see docs/AUDIO.md for the measure)."""


class ScoreIndexError(ValueError):
    """A score index that cannot be built, read or used, said in one sentence."""


def matcher_hash(model: AudioScoreModel) -> str:
    """16 hex digits of SHA-256 over the matcher's weights and the config fields its windows depend on."""
    c = model.config
    h = hashlib.sha256(
        json.dumps([c.n_bins, c.frames, c.hidden, c.segments, c.dim, c.hop_s, c.ratios]).encode()
    )
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(value.detach().float().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def index_grid(model: AudioScoreModel, max_query_s: float | None = None) -> dict[str, Any]:
    """The grid of an index for ``model``: ``min_s``, ``step`` (the ratio between neighbouring tempo
    ratios), ``crops`` (query lengths, seconds) and ``lengths`` (window lengths, seconds). The matcher's
    tempo ratios must be a geometric grid (as every matcher partita trains)."""
    ratios = np.asarray(model.config.ratios, dtype=np.float64)
    if len(ratios) < 2:
        step = 1.25
    else:
        steps = np.diff(np.log(ratios))
        if not (steps > 0).all() or np.ptp(steps) > 1e-6:
            raise ScoreIndexError("the matcher's tempo ratios are not a geometric grid: it cannot be indexed")
        step = float(np.exp(steps.mean()))
    max_q = float(max_query_s or model.config.window_s)
    n_crops = max(
        1, int(math.floor(math.log(max(max_q, MIN_SECONDS) / MIN_SECONDS) / math.log(step) + 1e-9)) + 1
    )
    crops = [MIN_SECONDS * step**i for i in range(n_crops)]
    lengths = [MIN_SECONDS * float(ratios[0]) * step**j for j in range(n_crops + len(ratios) - 1)]
    return {"min_s": MIN_SECONDS, "step": step, "crops": crops, "lengths": lengths}


class ScoreIndex:
    """Score windows encoded once (see the module's notes); built by :func:`build_score_index`, kept by
    :func:`save_score_index`, read by :func:`load_score_index`."""

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.meta = meta
        self.arrays = arrays
        self.names: list[str] = list(meta["names"])
        self.grid: dict[str, Any] = meta["grid"]

    def __len__(self) -> int:
        return len(self.names)

    @property
    def windows(self) -> int:
        return int(len(self.arrays["vectors"]))

    def check(self, model: AudioScoreModel, where: str = "the index") -> None:
        """Refuse, in one sentence, a matcher other than the one the index was built with."""
        want = self.meta["matcher"]
        have = matcher_hash(model)
        if have != want["hash"]:
            raise ScoreIndexError(
                f"{where} was built with the matcher {want['name']} ({want['hash']}), not with this one "
                f"({model.source}, {have}): build the index again with this matcher"
            )

    def clock(self, i: int) -> BarClock:
        """Piece ``i``'s tempo map and bar lines."""
        a = self.arrays
        t0, t1 = a["tempo_offsets"][i : i + 2]
        b0, b1 = a["bar_offsets"][i : i + 2]
        tempos = list(zip(a["tempo_ticks"][t0:t1].tolist(), a["tempo_qpm"][t0:t1].tolist(), strict=True))
        return BarClock(int(a["tpq"][i]), tempos, a["bar_lines"][b0:b1].tolist())

    def candidate(self, i: int) -> Candidate:
        """Piece ``i`` as a :class:`Candidate` of the full search (its piano roll rebuilt from its notes)."""
        a = self.arrays
        n0, n1 = a["note_offsets"][i : i + 2]
        snip = notes_snippet(a["notes"][n0:n1], float(a["ends"][i]))
        return Candidate(self.names[i], None, snip, clock=self.clock(i))

    def first_pass(self, model: AudioScoreModel, query: Snippet) -> tuple[np.ndarray, np.ndarray]:
        """Every piece's best cosine with the query cropped to a grid length, and that window's (start,
        length) in score seconds: ``(n,)`` and ``(n, 2)``."""
        crops = self.grid["crops"]
        q_s = query.roll.shape[1] / FPS
        i = int(np.searchsorted(np.asarray(crops) - 1e-9, q_s, side="right")) - 1
        i = min(max(i, 0), len(crops) - 1)
        c = model.config
        qv = model.encode_audio(window_bins(query.roll, [0.0], [crops[i] * FPS], c.frames))[0]
        offsets, vectors, starts = self.arrays["offsets"], self.arrays["vectors"], self.arrays["starts"]
        n = len(self)
        best = np.full(n, -np.inf, dtype=np.float32)
        best_j = np.zeros(n, dtype=np.int64)
        sims = np.concatenate(  # the rows of lengths i .. i + 8 are one stretch (length-major)
            [
                vectors[k : min(b, k + 65536)].astype(np.float32) @ qv
                for a, b in [(int(offsets[i, 0]), int(offsets[i + len(c.ratios) - 1, -1]))]
                for k in range(a, b, 65536)
            ]
        )
        base = int(offsets[i, 0])
        for j in range(i, i + len(c.ratios)):  # ratios in order: the first best wins, as in the full search
            block = sims[int(offsets[j, 0]) - base : int(offsets[j, -1]) - base]
            top = np.maximum.reduceat(block, offsets[j, :-1] - offsets[j, 0])
            better = top > best
            best = np.where(better, top, best)
            best_j = np.where(better, j, best_j)
        rows = np.empty(n, dtype=np.int64)
        for p, j in enumerate(best_j.tolist()):
            lo, hi = int(offsets[j, p]), int(offsets[j, p + 1])
            rows[p] = lo + int(np.argmax(sims[lo - base : hi - base]))
        lengths = np.asarray(self.grid["lengths"], dtype=np.float64)
        return best, np.stack([starts[rows].astype(np.float64), lengths[best_j]], 1)


def build_score_index(
    named_scores: Sequence[tuple[str, Score]],
    model: AudioScoreModel,
    max_seconds: float = 600.0,
    max_query_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> ScoreIndex:
    """Encode the windows of ``(name, score)`` pairs (each its first ``max_seconds``; scores without a
    pitched note are left out, as :func:`~partita.discovery.audio_score.candidates_of` does)."""
    t0 = time.perf_counter()
    grid = index_grid(model, max_query_s)
    c = model.config
    per_length: list[list[np.ndarray]] = [[] for _ in grid["lengths"]]
    starts_of: list[list[np.ndarray]] = [[] for _ in grid["lengths"]]
    names, notes, ends, clocks = [], [], [], []
    for k, (name, score) in enumerate(named_scores):
        rows = score_notes(score)
        end = min(float((rows[:, 0] + rows[:, 1]).max()) if len(rows) else 0.0, max_seconds)
        snip = notes_snippet(rows, end)
        report(progress, k + 1, len(named_scores), name)
        if not snip.roll.any():
            continue
        total = snip.seconds
        for j, length in enumerate(grid["lengths"]):
            st = np.arange(0.0, max(0.0, total - length) + 1e-6, c.hop_s)
            win = window_bins(snip.roll, st * FPS, np.full(len(st), length * FPS), c.frames)
            per_length[j].append(model.encode_score(win).astype(np.float16))
            starts_of[j].append(st.astype(np.float32))
        names.append(name)
        notes.append(rows[rows[:, 0] < end + 1.0])
        ends.append(end)
        clocks.append(BarClock.of(score))
    if not names:
        raise ScoreIndexError(
            f"none of the {len(named_scores)} scores has a pitched note: there is nothing to index"
        )
    offsets = np.zeros((len(grid["lengths"]), len(names) + 1), dtype=np.int64)
    at = 0
    for j, parts in enumerate(per_length):
        offsets[j] = at + np.concatenate([[0], np.cumsum([len(p) for p in parts])])
        at = int(offsets[j, -1])
    arrays = {
        "vectors": np.concatenate([p for parts in per_length for p in parts]),
        "starts": np.concatenate([s for parts in starts_of for s in parts]),
        "offsets": offsets,
        "notes": np.concatenate(notes),
        "note_offsets": _offsets(notes),
        "ends": np.asarray(ends, dtype=np.float64),
        "tpq": np.asarray([k.tpq for k in clocks], dtype=np.int64),
        "tempo_ticks": np.asarray([t for k in clocks for t, _ in k.tempos], dtype=np.int64),
        "tempo_qpm": np.asarray([q for k in clocks for _, q in k.tempos], dtype=np.float64),
        "tempo_offsets": _offsets([k.tempos for k in clocks]),
        "bar_lines": np.asarray([x for k in clocks for x in k.lines], dtype=np.int64),
        "bar_offsets": _offsets([k.lines for k in clocks]),
    }
    meta = {
        "format": FORMAT,
        "kind": "partita score index",
        "matcher": {"name": model.source, "hash": matcher_hash(model), "dim": c.dim},
        "grid": grid,
        "hop_s": c.hop_s,
        "max_seconds": max_seconds,
        "names": names,
        "windows": int(len(arrays["vectors"])),
        "build_seconds": round(time.perf_counter() - t0, 2),
    }
    log.info(
        "score index: %d pieces, %d windows in %.1f s", len(names), meta["windows"], meta["build_seconds"]
    )
    return ScoreIndex(meta, arrays)


def merge_score_indexes(indexes: Sequence[ScoreIndex]) -> ScoreIndex:
    """One index of the pieces of ``indexes`` in order (for adding scores to an index, or an index built
    in chunks): they must share the matcher, the grid and the window hop, and no piece's name may be in two.
    The result is the index :func:`build_score_index` makes of all their scores at once."""
    if not indexes:
        raise ScoreIndexError("there is no index to merge")
    first = indexes[0]
    for other in indexes[1:]:
        for key in ("matcher", "grid", "hop_s", "max_seconds"):
            if other.meta[key] != first.meta[key]:
                raise ScoreIndexError(
                    f"the indexes differ in their {key.replace('_', ' ')}: they cannot be merged (build "
                    "the new scores with the same matcher and --max-seconds)"
                )
    names = [n for index in indexes for n in index.names]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScoreIndexError(f"{twice[0]} is in two of the indexes: a piece is indexed once")
    n_lengths = len(first.grid["lengths"])
    vectors, starts, offsets = [], [], np.zeros((n_lengths, len(names) + 1), dtype=np.int64)
    at = 0
    for j in range(n_lengths):  # length-major: every index's stretch of length j, then length j + 1
        offsets[j, 0] = at
        p = 0
        for index in indexes:
            o = index.arrays["offsets"][j]
            vectors.append(index.arrays["vectors"][o[0] : o[-1]])
            starts.append(index.arrays["starts"][o[0] : o[-1]])
            offsets[j, p + 1 : p + len(index) + 1] = at + (o[1:] - o[0])
            at += int(o[-1] - o[0])
            p += len(index)
    arrays = {"vectors": np.concatenate(vectors), "starts": np.concatenate(starts), "offsets": offsets}
    for values, where in _PER_PIECE:
        arrays[values] = np.concatenate([index.arrays[values] for index in indexes])
        if where is not None:
            ends = np.cumsum([int(index.arrays[where][-1]) for index in indexes])
            arrays[where] = np.concatenate(
                [[0]]
                + [
                    index.arrays[where][1:] + base
                    for index, base in zip(indexes, [0, *ends[:-1]], strict=True)
                ]
            ).astype(np.int64)
    meta = {
        **first.meta,
        "names": names,
        "windows": int(len(arrays["vectors"])),
        "build_seconds": round(sum(float(index.meta.get("build_seconds", 0.0)) for index in indexes), 2),
    }
    merged = ScoreIndex(meta, arrays)
    _check_shapes(merged)
    return merged


_PER_PIECE = (
    ("notes", "note_offsets"),
    ("tempo_ticks", "tempo_offsets"),
    ("tempo_qpm", None),
    ("bar_lines", "bar_offsets"),
    ("ends", None),
    ("tpq", None),
)
"""Arrays concatenated index by index, with the offsets into them (shifted when merging) where they have
one."""


class IndexInterrupted(KeyboardInterrupt):
    """:func:`index_scores` stopped (Ctrl-C) after ``done`` of its ``total`` scores; the index saved holds
    ``held`` scores (0: nothing saved)."""

    def __init__(self, done: int, total: int, held: int) -> None:
        super().__init__(done, total, held)
        self.done, self.total, self.held = done, total, held


def index_scores(
    named_scores: Sequence[tuple[str, Score]],
    model: AudioScoreModel,
    folder: str | os.PathLike,
    max_seconds: float = 600.0,
    every: int = 50,
    index: ScoreIndex | None = None,
    progress: ProgressCallback | None = None,
) -> ScoreIndex:
    """Index ``named_scores`` ``every`` scores at a time, merged into ``index`` (None: a new one) and saved to
    ``folder`` after each chunk (:func:`save_score_index`), with the count still to come in its
    ``"pending"``: an interruption keeps what was saved (a Ctrl-C raises :class:`IndexInterrupted`), and the
    scores not in it are added later with ``index`` the one saved."""
    total, done = len(named_scores), 0
    try:
        for at in range(0, total, every):
            chunk = named_scores[at : at + every]
            try:
                part = build_score_index(
                    chunk,
                    model,
                    max_seconds,
                    progress=lambda i, n, name, at=at: report(progress, at + i, total, name),
                )
            except ScoreIndexError:
                if index is not None or at + every < total:  # a chunk with no notes: the next may have
                    done += len(chunk)
                    continue
                raise
            index = part if index is None else merge_score_indexes([index, part])
            done += len(chunk)
            index.meta["pending"] = total - done
            save_score_index(index, folder)
    except KeyboardInterrupt:
        raise IndexInterrupted(done, total, 0 if index is None else len(index)) from None
    if index is None:
        raise ScoreIndexError(f"none of the {total} scores has a pitched note: there is nothing to index")
    if index.meta.get("pending"):  # an interrupted build's scores were all there already
        index.meta["pending"] = 0
        save_score_index(index, folder)
    return index


def _offsets(parts: Sequence[Sequence[Any]]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)


def save_score_index(index: ScoreIndex, folder: str | os.PathLike) -> Path:
    """Write ``index`` into ``folder`` atomically: into a temporary folder beside it, then renamed onto it
    (an index already there is replaced; a folder of other files is refused)."""
    from safetensors.numpy import save

    folder = Path(folder)
    if folder.exists() and not _replaceable(folder):
        raise ScoreIndexError(
            f"{folder} holds other files and is not a score index: give a new or empty folder"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f".{folder.name}.partial-*"):  # an interrupted build's: start clean
        if not _alive(stale.name.rsplit("-", 1)[-1]):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        (tmp / INDEX_TENSORS).write_bytes(save({k: np.ascontiguousarray(v) for k, v in index.arrays.items()}))
        (tmp / INDEX_CONFIG).write_text(json.dumps(index.meta, indent=1))
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            folder.rename(old)
        tmp.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _replaceable(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    names = {p.name for p in folder.iterdir()}
    return not names or INDEX_CONFIG in names or INDEX_TENSORS in names


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, OSError):
        return False
    return int(pid) != os.getpid()


def is_score_index(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` looks like a score index (holds either of its files)."""
    folder = Path(folder)
    return folder.is_dir() and ((folder / INDEX_CONFIG).exists() or (folder / INDEX_TENSORS).exists())


def load_score_index(folder: str | os.PathLike, model: AudioScoreModel | None = None) -> ScoreIndex:
    """Read an index written by :func:`save_score_index`, checked whole, and (with ``model``) refused when it
    was built with another matcher. Every failure is a :class:`ScoreIndexError` of one sentence."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not folder.is_dir():
        raise ScoreIndexError(
            f"{folder}: there is no score index there (build one with partita identify-index)"
        )
    if not (folder / INDEX_CONFIG).is_file() or not (folder / INDEX_TENSORS).is_file():
        raise ScoreIndexError(
            f"{folder} is not a complete score index (it needs {INDEX_CONFIG} and {INDEX_TENSORS}): "
            "build it again"
        )
    try:
        meta = json.loads((folder / INDEX_CONFIG).read_text())
        if not isinstance(meta, dict) or meta.get("kind") != "partita score index":
            raise ValueError("not an index config")
    except (ValueError, UnicodeDecodeError, OSError):
        raise ScoreIndexError(
            f"{folder}: {INDEX_CONFIG} is damaged (not a score index's JSON): build it again"
        ) from None
    if meta.get("format") != FORMAT:
        raise ScoreIndexError(
            f"{folder} is a score index of format {meta.get('format')}, and this partita reads format "
            f"{FORMAT}: build it again"
        )
    if not meta.get("names"):
        raise ScoreIndexError(f"{folder}: the index holds no scores: build it from scores with notes")
    try:
        arrays = load_file(str(folder / INDEX_TENSORS))
        index = ScoreIndex(meta, arrays)
        _check_shapes(index)
    except (SafetensorError, KeyError, ValueError, TypeError, OSError) as e:
        log.debug("score index %s: %s", folder, e)
        raise ScoreIndexError(
            f"{folder}: {INDEX_TENSORS} is damaged or does not match {INDEX_CONFIG}: build the index again"
        ) from None
    if model is not None:
        index.check(model, str(folder))
    return index


def _check_shapes(index: ScoreIndex) -> None:
    a, n = index.arrays, len(index)
    lengths = index.grid["lengths"]
    offsets, vectors = a["offsets"], a["vectors"]
    ok = (
        offsets.shape == (len(lengths), n + 1)
        and vectors.ndim == 2
        and vectors.shape[1] == index.meta["matcher"]["dim"]
        and int(offsets[-1, -1]) == len(vectors) == len(a["starts"])
        and (np.diff(offsets.reshape(-1)) >= 0).all()
        and (np.diff(offsets, axis=1) > 0).all()
        and all(len(a[k]) == n + 1 for k in ("note_offsets", "tempo_offsets", "bar_offsets"))
        and len(a["ends"]) == len(a["tpq"]) == n
        and int(a["note_offsets"][-1]) == len(a["notes"])
        and int(a["tempo_offsets"][-1]) == len(a["tempo_ticks"]) == len(a["tempo_qpm"])
        and int(a["bar_offsets"][-1]) == len(a["bar_lines"])
        and len(index.grid["crops"]) + len(lengths) > 0
    )
    if not ok:
        raise ValueError("shapes disagree")


def rank_indexed(
    query: Snippet,
    index: ScoreIndex,
    method: str = "combined",
    model: AudioScoreModel | None = None,
    shortlist: int = DEFAULT_SHORTLIST,
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """Every piece of ``index`` ranked best first: the first pass over the index, then the full search of
    :func:`~partita.discovery.audio_score.rank` on its ``shortlist`` best (0: none; see the module's notes).
    ``dtw`` runs chroma + DTW over every piece (no first pass: it needs no matcher)."""
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}': choose one of {', '.join(METHODS)}")
    if method == "dtw":
        matches = []
        for i in range(len(index)):
            cost, start, end = dtw_match(query, index.candidate(i))
            matches.append(Match(index.names[i], 1.0 - cost, start, end, 0, "dtw"))
            report(progress, i + 1, len(index), index.names[i])
        return _with_bars(index, sorted(range(len(matches)), key=lambda i: -matches[i].similarity), matches)
    if model is None:
        raise ValueError(f"the {method} method needs a trained matcher (AudioScoreModel)")
    index.check(model)
    sims, where = index.first_pass(model, query)
    order = np.argsort(-sims, kind="stable").tolist()
    k = min(int(shortlist), len(order))
    if k:
        head = order[:k]
        cands = [index.candidate(i) for i in head]
        matches = learned_scores(model, query, cands, cache=False, progress=progress)
    else:
        head = order[: model.config.shortlist] if method == "combined" else []
        cands = [index.candidate(i) for i in head]
        matches = [_first(index, i, sims, where) for i in head]
    ranked = fuse(query, cands, matches, method, model) if head else []
    tail = [_first(index, i, sims, where) for i in order[len(head) :]]
    for m, i in zip(tail, order[len(head) :], strict=True):
        m.bar = index.clock(i).bar(m.start_s)
    return ranked + tail


def _first(index: ScoreIndex, i: int, sims: np.ndarray, where: np.ndarray) -> Match:
    start, length = (float(x) for x in where[i])
    return Match(index.names[i], float(sims[i]), start, start + length, 0, "index")


def _with_bars(index: ScoreIndex, order: list[int], matches: list[Match]) -> list[Match]:
    out = [matches[i] for i in order]
    for i, m in zip(order, out, strict=True):
        m.bar = index.clock(i).bar(m.start_s)
    return out


def identify_indexed(
    samples: np.ndarray,
    sample_rate: int,
    index: ScoreIndex,
    method: str = "combined",
    model: AudioScoreModel | None = None,
    k: int = 5,
    shortlist: int = DEFAULT_SHORTLIST,
    name: str = "the audio",
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """:func:`~partita.discovery.audio_score.identify` over a score index: the ``k`` best pieces."""
    query = audio_snippet(samples, sample_rate, name)
    return rank_indexed(query, index, method, model, shortlist, progress)[: max(1, k)]
