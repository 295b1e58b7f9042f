"""The corpus folder on disk: Parquet part files while building, then ``manifest.parquet`` and
``rejects.parquet``.

Layout of a corpus folder::

    manifest.parquet   one row per piece (schema: MANIFEST_SCHEMA, documented in docs/CORPUS.md)
    rejects.parquet    one row per file or tune that was skipped, with its reason
    corpus.json        the build summary (sources, counts, rejects by reason, JSB match rate, timing)
    midi/<source>/<piece_id>.mid   the normalized scores (480 ticks per quarter)
    parts/             what the builder has finished so far; read back to resume an interrupted build

Every file is written atomically, so a build killed at any moment leaves only whole files behind.
"""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from partita.atomic import atomic_path

log = logging.getLogger(__name__)

SEGMENT = pa.struct([("start", pa.float64()), ("end", pa.float64()), ("label", pa.string())])

MANIFEST_SCHEMA = pa.schema(
    [
        ("piece_id", pa.string()),
        ("source", pa.string()),
        ("collection", pa.string()),
        ("work_id", pa.string()),
        ("work_group", pa.string()),
        ("split", pa.string()),
        ("title", pa.string()),
        ("alt_titles", pa.list_(pa.string())),
        ("composer", pa.string()),
        ("parent_title", pa.string()),
        ("region", pa.string()),
        ("country", pa.string()),
        ("province", pa.string()),
        ("tune_type", pa.string()),
        ("genre", pa.string()),
        ("book", pa.string()),
        ("meter", pa.string()),
        ("key", pa.string()),
        ("key_signature", pa.int8()),
        ("abc_key", pa.string()),
        ("abc_meter", pa.string()),
        ("tempo_qpm", pa.float64()),
        ("instruments", pa.list_(pa.string())),
        ("programs", pa.list_(pa.int16())),
        ("n_tracks", pa.int32()),
        ("n_notes", pa.int64()),
        ("duration_s", pa.float64()),
        ("duration_quarters", pa.float64()),
        ("pitch_min", pa.int16()),
        ("pitch_max", pa.int16()),
        ("key_segments", pa.list_(SEGMENT)),
        ("chord_segments", pa.list_(SEGMENT)),
        ("beats", pa.list_(pa.float64())),
        ("downbeats", pa.list_(pa.float64())),
        ("analysis_ref", pa.string()),
        ("jsb_match", pa.string()),
        ("source_notes", pa.string()),
        ("transcriber", pa.string()),
        ("format", pa.string()),
        ("origin_path", pa.string()),
        ("tune_ref", pa.string()),
        ("source_key", pa.string()),
        ("midi_path", pa.string()),
        ("midi_sha1", pa.string()),
        ("content_fp", pa.string()),
    ]
)

# Part files carry what consolidation needs besides the manifest columns (split and JSB match are decided
# then, across all pieces): JSB's own split, and the outer voices for matching chorales.
PART_SCHEMA = pa.schema(
    [f for f in MANIFEST_SCHEMA if f.name not in ("work_group", "split", "jsb_match")]
    + [
        pa.field("jsb_split", pa.string()),
        pa.field("fp_top", pa.list_(pa.int16())),
        pa.field("fp_bottom", pa.list_(pa.int16())),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        ("piece_id", pa.string()),
        ("source", pa.string()),
        ("collection", pa.string()),
        ("origin_path", pa.string()),
        ("tune_ref", pa.string()),
        ("reason", pa.string()),
        ("message", pa.string()),
        ("source_key", pa.string()),
    ]
)


def table_of(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """A table with exactly ``schema``'s columns from dicts (missing keys become nulls, extra keys are
    dropped)."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


def write_table(table: pa.Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write a Parquet file atomically (zstd-compressed), with optional key/value metadata."""
    if metadata:
        merged = dict(table.schema.metadata or {})
        merged.update({k.encode(): v.encode() for k, v in metadata.items()})
        table = table.replace_schema_metadata(merged)
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd")


class PartStore:
    """The builder's finished work: numbered Parquet part files of pieces and rejects, appended atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "parts"
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob(".*.parquet"):  # temp files of a write that was killed mid-way
            stale.unlink(missing_ok=True)
        nums = [n for n, _ in map(self._number, self._files())]
        self._next = itertools.count(max(nums, default=-1) + 1)

    _PART_NAME = re.compile(r"(ok|rej)-(\d+)\.parquet")

    @classmethod
    def _number(cls, p: Path) -> tuple[int, str]:
        m = cls._PART_NAME.fullmatch(p.name)
        assert m is not None
        return int(m.group(2)), p.name

    def _files(self, kind: str | None = None) -> list[Path]:
        """Finished part files (``ok-N.parquet``, ``rej-N.parquet``) in write order; temp files never
        match."""
        found = []
        for p in self.folder.iterdir():
            m = self._PART_NAME.fullmatch(p.name)
            if m and (kind is None or m.group(1) == kind):
                found.append(p)
        return sorted(found, key=self._number)

    def append(self, pieces: list[dict], rejects: list[dict]) -> None:
        """Write one part (pieces and/or rejects) under a new number; a crash leaves no half file."""
        n = next(self._next)
        if pieces:
            write_table(table_of(pieces, PART_SCHEMA), self.folder / f"ok-{n:06d}.parquet")
        if rejects:
            write_table(table_of(rejects, REJECT_SCHEMA), self.folder / f"rej-{n:06d}.parquet")

    def _read(self, kind: str, schema: pa.Schema) -> list[dict]:
        rows: list[dict] = []
        for f in self._files(kind):
            try:
                table = pq.read_table(f)
                rows.extend(table_of(table.to_pylist(), schema).to_pylist())
            except Exception as e:  # a damaged part is redone rather than trusted
                log.warning("ignoring unreadable part file %s (%s); its pieces will be redone", f, e)
        return rows

    def read(self) -> tuple[dict[str, dict], dict[str, dict]]:
        """``(pieces by key, rejects by key)``; a later part wins, and a piece that succeeded is no reject."""
        pieces = {r["source_key"]: r for r in self._read("ok", PART_SCHEMA)}
        rejects = {
            r["source_key"]: r for r in self._read("rej", REJECT_SCHEMA) if r["source_key"] not in pieces
        }
        return pieces, rejects

    def compact(self, pieces: list[dict], rejects: list[dict]) -> None:
        """Replace all parts with one (new part first, then old ones removed, so a crash loses nothing)."""
        old = self._files()
        self.append(pieces, rejects)
        new = set(self._files()) - set(old)
        for f in old:
            if f not in new:
                f.unlink(missing_ok=True)
