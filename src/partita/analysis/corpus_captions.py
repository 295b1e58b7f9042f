"""Descriptions and captions for every piece of a built corpus (parallel, resumable).

:func:`caption_corpus` describes each piece of a corpus (``partita.corpus.load_corpus``) and writes
``captions.parquet`` beside its manifest, one row per piece keyed by ``piece_id``: the description as JSON, a
few of its headline fields, ``n`` English and ``n`` Chinese captions (different phrasings, with the corpus
labels genre / tune type / region / composer), and the FUTGA-style section captions. Work is flushed every few
hundred pieces to ``captions.parts/``; a rerun skips the pieces already done, and the parts are merged at the
end.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from partita.analysis.captions import caption_segments, captions
from partita.analysis.description import describe
from partita.atomic import atomic_path
from partita.corpus import load_corpus
from partita.progress import ProgressCallback, report
from partita.score import read_midi

log = logging.getLogger(__name__)

CAPTIONS_FILE = "captions.parquet"
PARTS_DIR = "captions.parts"
FLUSH_ITEMS = 200

CAPTIONS_SCHEMA = pa.schema(
    [
        ("piece_id", pa.string()),
        ("description", pa.string()),
        ("key", pa.string()),
        ("tempo", pa.float64()),
        ("tempo_term", pa.string()),
        ("time_signature", pa.string()),
        ("progression", pa.list_(pa.string())),
        ("captions_en", pa.list_(pa.string())),
        ("captions_zh", pa.list_(pa.string())),
        ("segments_en", pa.string()),
        ("segments_zh", pa.string()),
        ("error", pa.string()),
    ]
)


def caption_labels(row: dict[str, Any]) -> dict[str, str]:
    """The caption labels of a manifest row: genre (or tune type), style (tune type), region, composer."""
    labels = {
        "genre": row.get("genre") or row.get("tune_type"),
        "style": row.get("tune_type"),
        "region": row.get("country") or row.get("region"),
        "composer": row.get("composer"),
    }
    return {k: str(v) for k, v in labels.items() if v}


def _caption_one(task: tuple[str, str, dict[str, str], int, int]) -> dict[str, Any]:
    piece_id, midi_path, labels, n, seed = task
    row: dict[str, Any] = {name: None for name in CAPTIONS_SCHEMA.names}
    row["piece_id"] = piece_id
    try:
        d = describe(read_midi(midi_path))
    except Exception as e:  # an unreadable file is recorded, not fatal
        row["error"] = f"{type(e).__name__}: {e}"[:500]
        return row
    row.update(
        description=d.to_json(indent=None),
        key=d.key,
        tempo=d.tempo,
        tempo_term=d.tempo_term,
        time_signature=d.time_signature,
        progression=d.progression,
        captions_en=captions(d, n=n, lang="en", seed=seed, labels=labels),
        captions_zh=captions(d, n=n, lang="zh", seed=seed, labels=labels),
        segments_en=caption_segments(d, lang="en", seed=seed, labels=labels),
        segments_zh=caption_segments(d, lang="zh", seed=seed, labels=labels),
    )
    return row


def _read_rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in paths:
        try:
            rows.extend(pq.read_table(p).to_pylist())
        except Exception as e:  # a part cut short by a crash is redone
            log.warning("%s: unreadable, its pieces will be redone (%s)", p, e)
    return rows


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    table = pa.Table.from_pylist(rows, schema=CAPTIONS_SCHEMA)
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)


def caption_corpus(
    name_or_path: str | os.PathLike,
    n: int = 3,
    seed: int = 0,
    workers: int | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Describe and caption every piece of a corpus; returns the path of ``captions.parquet``.

    ``n`` captions per language per piece; ``workers`` processes (default: CPU count); ``limit`` caps the
    pieces (for a trial run). Pieces already captioned (in ``captions.parquet`` or in parts left by an
    interrupted run) are skipped.
    """
    corpus = load_corpus(str(name_or_path))
    folder = corpus.path
    out = folder / CAPTIONS_FILE
    parts = folder / PARTS_DIR
    done_rows = _read_rows([out] if out.exists() else []) + _read_rows(sorted(parts.glob("*.parquet")))
    done = {r["piece_id"] for r in done_rows}
    records = corpus.records()[: limit or None]
    tasks = [
        (r["piece_id"], str(folder / r["midi_path"]), caption_labels(r), n, seed)
        for r in records
        if r["piece_id"] not in done
    ]
    total = len(records)
    log.info("captioning %d pieces of %s (%d already done)", len(tasks), corpus.name, total - len(tasks))
    report(progress, total - len(tasks), total, "resuming" if done else "")
    buffer: list[dict[str, Any]] = []

    def flush() -> None:
        if buffer:
            parts.mkdir(exist_ok=True)
            _write(buffer, parts / f"part-{time.time_ns()}.parquet")
            buffer.clear()

    workers = max(1, workers or os.cpu_count() or 1)
    finished = total - len(tasks)
    if workers == 1 or len(tasks) < 8:
        results = map(_caption_one, tasks)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_caption_one, tasks, chunksize=4)
    try:
        for row in results:
            buffer.append(row)
            finished += 1
            report(progress, finished, total, row["piece_id"])
            if len(buffer) >= FLUSH_ITEMS:
                flush()
        flush()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    # merge: the finished file plus every part, one row per piece (the latest wins)
    merged: dict[str, dict[str, Any]] = {}
    for r in _read_rows([out] if out.exists() else []) + _read_rows(sorted(parts.glob("*.parquet"))):
        merged[r["piece_id"]] = r
    _write(list(merged.values()), out)
    for p in parts.glob("*.parquet"):
        p.unlink()
    if parts.exists():
        parts.rmdir()
    errors = sum(1 for r in merged.values() if r.get("error"))
    log.info("wrote %s: %d pieces, %d unreadable", out, len(merged), errors)
    return out


def load_captions(name_or_path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a corpus's ``captions.parquet`` (``description`` parsed back into a dict)."""
    path = load_corpus(str(name_or_path)).path / CAPTIONS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no captions yet (run: partita corpus caption NAME)")
    rows = pq.read_table(path).to_pylist()
    for r in rows:
        r["description"] = json.loads(r["description"]) if r.get("description") else None
    return rows
