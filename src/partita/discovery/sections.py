"""Long pieces as sections: the music feature vector of each stretch of bars, for the pooled music encoder.

A piece of more than :data:`LONG_BARS` notated bars gets up to :data:`MAX_SECTIONS` windows of
:data:`SECTION_BARS` bars, evenly spaced from its first bar to its last (they tile a piece of up to
``MAX_SECTIONS * SECTION_BARS`` bars; a longer one is sampled, which keeps the cost of a pop song's sections
below a third of its whole-piece cost), and each window gets the same feature vector a whole piece gets
(:func:`partita.discovery.features.music_features`, its description without the structure analysis). A
shorter piece (a 32-bar reel with its repeats written out) has no sections: its whole-piece vector says it
all. The
encoder (:class:`partita.discovery.encoders.MusicEncoder` with ``pooling`` ``mean`` or ``attention``) embeds
the whole-piece vector and every section's and pools them, as CoLLAP pools a long recording's segments.

:func:`corpus_sections` computes them for a built corpus (processes or Ray) and keeps them in a parquet cache.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from partita.atomic import atomic_path
from partita.discovery.features import N_FEATURES, music_features
from partita.engines import map_items
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

LONG_BARS = 32
"""Pieces of more bars than this have sections."""
SECTION_BARS = 8
"""The length of a section, in bars."""
MAX_SECTIONS = 6


def section_spans(score) -> list[tuple[int, int]]:
    """The tick spans of a Score's sections (none for a piece of :data:`LONG_BARS` bars or fewer)."""
    from partita.score.bars import bar_lines, notated_bars

    bars = notated_bars(score)
    if bars <= LONG_BARS:
        return []
    count = min(MAX_SECTIONS, math.ceil(bars / SECTION_BARS))
    starts = sorted({round(a) for a in np.linspace(0, bars - SECTION_BARS, count)})
    lines = bar_lines(score, bars)
    return [(lines[a], lines[a + SECTION_BARS]) for a in starts]


def clip_features(score, start: int, end: int) -> tuple[np.ndarray, Any] | None:
    """The feature vector and description of the notes of a Score that start in ticks ``[start, end)``, cut
    at ``end`` and moved to start at tick 0 (the description without the structure analysis); None when no
    note starts there."""
    from partita.analysis.description import describe

    part = score.clip(start, end, clip_end=True).shift_time(-start)
    if not any(len(t.notes) for t in part.tracks):
        return None
    description = describe(part, analyse_structure=False)
    return music_features(part, description), description


def section_features(score) -> np.ndarray:
    """The feature vector of each section of a Score (sections x :data:`N_FEATURES`, float32; 0 rows for a
    short piece). A section is the notes that start in it, cut at its end and moved to start at tick 0."""
    clips = [clip_features(score, start, end) for start, end in section_spans(score)]
    rows = [c[0] for c in clips if c is not None]
    return np.asarray(rows, dtype=np.float32).reshape(-1, N_FEATURES)


def _sections_task(task: tuple[str, str]) -> tuple[str, list[list[float]], str]:
    from partita.score import read_midi

    piece_id, path = task
    try:
        return piece_id, section_features(read_midi(path)).tolist(), ""
    except Exception as e:  # an unreadable piece has no sections; its whole-piece vector still counts
        return piece_id, [], f"{type(e).__name__}: {e}"[:300]


def write_sections(sections: dict[str, np.ndarray], path: Path) -> None:
    """Write the sections of pieces (piece id -> sections x features) to a parquet file atomically."""
    table = pa.Table.from_pylist(
        [{"piece_id": k, "sections": np.asarray(v, dtype=np.float32).tolist()} for k, v in sections.items()],
        schema=pa.schema([("piece_id", pa.string()), ("sections", pa.list_(pa.list_(pa.float32())))]),
    )
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)


def read_sections(path: Path) -> dict[str, np.ndarray]:
    """The sections of a parquet file written by :func:`write_sections`."""
    rows = pq.read_table(path).to_pylist()
    return {r["piece_id"]: np.asarray(r["sections"], dtype=np.float32).reshape(-1, N_FEATURES) for r in rows}


def cached_map(
    corpus,
    records: list[dict[str, Any]] | None,
    task: Callable[[tuple[str, str]], tuple[str, Any, str]],
    io: tuple[Callable[[Path], dict[str, Any]], Callable[[dict[str, Any], Path], None]],
    cache: str | os.PathLike | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    engine: str = "process",
    address: str | None = None,
    what: str = "sections",
) -> dict[str, Any]:
    """``task((piece_id, midi path)) -> (piece_id, value, error)`` for each of ``records`` (default: all) of
    a loaded corpus, by piece id: read from ``cache`` (``io``: its reader and writer) where it has them,
    computed on processes or Ray (and added to the cache, every 2,000 and at the end) otherwise."""
    records = corpus.records() if records is None else records
    read, write = io
    cache_path = Path(cache) if cache else None
    known = read(cache_path) if cache_path and cache_path.is_file() else {}
    todo = [(r["piece_id"], str(corpus.path / r["midi_path"])) for r in records if r["piece_id"] not in known]
    if engine == "process" and len(todo) <= 16:
        workers = 1  # not worth starting processes
    failed = 0
    for i, (_, (piece_id, value, error)) in enumerate(
        map_items(task, todo, engine, workers, address=address, fallback=True), 1
    ):
        known[piece_id] = value
        failed += bool(error)
        report(progress, i, len(todo), piece_id)
        if cache_path and i % 2000 == 0:
            write(known, cache_path)
    if cache_path and todo:
        write(known, cache_path)
    if failed:
        log.warning("%d pieces had no readable %s", failed, what)
    return {r["piece_id"]: known[r["piece_id"]] for r in records}


def corpus_sections(
    corpus,
    records: list[dict[str, Any]] | None = None,
    cache: str | os.PathLike | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    engine: str = "process",
) -> dict[str, np.ndarray]:
    """The sections of ``records`` (default: all) of a loaded corpus, by piece id: read from ``cache`` where
    it has them, computed (and added to it) otherwise."""
    out = cached_map(
        corpus, records, _sections_task, (read_sections, write_sections), cache, workers, progress, engine
    )
    return {k: np.asarray(v, dtype=np.float32).reshape(-1, N_FEATURES) for k, v in out.items()}


def pad_sections(sections: list[np.ndarray], limit: int = MAX_SECTIONS) -> tuple[np.ndarray, np.ndarray]:
    """Sections of several pieces as one array (pieces x ``limit`` x features, zeros past a piece's own) and
    its mask (pieces x ``limit``, True where a section is)."""
    out = np.zeros((len(sections), limit, N_FEATURES), dtype=np.float32)
    mask = np.zeros((len(sections), limit), dtype=bool)
    for i, s in enumerate(sections):
        k = min(limit, len(s))
        out[i, :k] = s[:k]
        mask[i, :k] = True
    return out, mask
