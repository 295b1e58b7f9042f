"""Reading a built corpus: the manifest, splits, labels and scores of its pieces."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from partita.corpus.labels import SPLITS
from partita.paths import corpora_dir
from partita.score import Score, read_midi

# Labels whose value counts `partita corpus info` shows.
INFO_LABELS = ("composer", "collection", "genre", "tune_type", "country", "meter", "key", "format")


class Corpus:
    """A built corpus: ``table`` is its manifest (a :class:`pyarrow.Table`), optionally limited to one
    split."""

    def __init__(
        self, path: Path, table: pa.Table, rejects: pa.Table, summary: dict, split: str | None = None
    ) -> None:
        self.path = path
        self.table = table
        self.rejects = rejects
        self.summary = summary
        self.split_name = split
        self._rows: dict[str, dict] | None = None

    @property
    def name(self) -> str:
        return str(self.summary.get("name") or self.path.name)

    def __len__(self) -> int:
        return self.table.num_rows

    def __repr__(self) -> str:
        part = f", split={self.split_name!r}" if self.split_name else ""
        return f"Corpus({self.name!r}, {len(self)} pieces{part})"

    def split(self, name: str) -> Corpus:
        """The pieces of one split (``train``, ``valid`` or ``test``)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split '{name}': choose one of {', '.join(SPLITS)}")
        table = self.table.filter(pc.equal(self.table["split"], name))
        return Corpus(self.path, table, self.rejects, self.summary, name)

    def filter(self, **labels: str | int | float) -> Corpus:
        """The pieces whose labels equal the given values, e.g. ``corpus.filter(tune_type="reel")``."""
        table = self.table
        for column, value in labels.items():
            if column not in table.column_names:
                raise ValueError(
                    f"unknown label '{column}': the manifest has {', '.join(table.column_names)}"
                )
            table = table.filter(pc.equal(table[column], value))
        return Corpus(self.path, table, self.rejects, self.summary, self.split_name)

    def ids(self) -> list[str]:
        """The piece ids, in manifest order."""
        return self.table["piece_id"].to_pylist()

    def records(self) -> list[dict]:
        """Every piece's labels as a dict (one manifest row each)."""
        return self.table.to_pylist()

    def labels(self, piece_id: str) -> dict:
        """The manifest row of one piece."""
        if self._rows is None:
            self._rows = {r["piece_id"]: r for r in self.table.to_pylist()}
        try:
            return self._rows[piece_id]
        except KeyError:
            raise KeyError(f"no piece '{piece_id}' in corpus {self.name}") from None

    def midi_path(self, piece_id: str) -> Path:
        """The normalized MIDI file of one piece."""
        return self.path / self.labels(piece_id)["midi_path"]

    def read_piece(self, piece_id: str) -> Score:
        """The score of one piece (its normalized MIDI, 480 ticks per quarter)."""
        return read_midi(self.midi_path(piece_id))

    def __iter__(self) -> Iterator[dict]:
        return iter(self.table.to_pylist())

    def iter_scores(self) -> Iterator[tuple[dict, Score]]:
        """``(labels, score)`` for every piece, in manifest order."""
        for row in self.table.to_pylist():
            yield row, read_midi(self.path / row["midi_path"])

    def to_pandas(self):
        """The manifest as a pandas DataFrame (pandas must be installed)."""
        return self.table.to_pandas()


def _resolve(name_or_path: str | Path) -> tuple[Path, str | None]:
    text = str(name_or_path)
    candidates = [Path(text).expanduser(), corpora_dir() / text]
    split = None
    if ":" in text:
        base, _, maybe = text.rpartition(":")
        if maybe in SPLITS:
            candidates += [Path(base).expanduser(), corpora_dir() / base]
            split = maybe
    for c in candidates:
        if (c / "manifest.parquet").is_file():
            return c, (split if c in candidates[2:] else None)
    raise FileNotFoundError(
        f"no corpus '{text}': neither a folder with a manifest.parquet nor a corpus built under "
        f"{corpora_dir()} (build one with: partita corpus build NAME --source ...)"
    )


def load_corpus(name_or_path: str | Path, split: str | None = None) -> Corpus:
    """Open a built corpus by name (under ``corpora_dir()``) or folder; ``NAME:SPLIT`` or ``split`` picks a
    split."""
    path, spec_split = _resolve(name_or_path)
    try:
        table = pq.read_table(path / "manifest.parquet")
        rejects_file = path / "rejects.parquet"
        rejects = pq.read_table(rejects_file) if rejects_file.exists() else pa.table({})
    except Exception as e:  # a damaged file: say which, without a traceback
        raise ValueError(f"{path}: unreadable corpus manifest ({e})") from None
    summary_file = path / "corpus.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    corpus = Corpus(path, table, rejects, summary)
    chosen = split or spec_split
    return corpus.split(chosen) if chosen else corpus


def corpus_info(name_or_path: str | Path | Corpus, top: int = 12) -> dict:
    """Counts of a corpus: pieces, notes, hours, splits, label values and rejects by reason."""
    corpus = name_or_path if isinstance(name_or_path, Corpus) else load_corpus(name_or_path)
    rows = corpus.records()

    def hours(rs) -> float:
        return round(
            sum(r["duration_s"] for r in rs if r["duration_s"] is not None and math.isfinite(r["duration_s"]))
            / 3600,
            3,
        )

    labels = {}
    for column in INFO_LABELS:
        counts = Counter(r.get(column) for r in rows if r.get(column) is not None)
        if counts:
            labels[column] = dict(counts.most_common(top))
            if len(counts) > top:
                labels[column]["(other values)"] = sum(counts.values()) - sum(labels[column].values())
    timed = {
        c: sum(1 for r in rows if r.get(c))
        for c in ("key_segments", "chord_segments", "analysis_ref", "jsb_match")
    }
    reject_rows = corpus.rejects.to_pylist() if corpus.rejects.num_rows else []
    by_source: dict[str, dict] = {}
    for r in rows:
        s = by_source.setdefault(r["source"], {"pieces": 0, "notes": 0, "seconds": 0.0})
        s["pieces"] += 1
        s["notes"] += r["n_notes"] or 0
        s["seconds"] += (
            r["duration_s"] if r["duration_s"] is not None and math.isfinite(r["duration_s"]) else 0.0
        )
    for s in by_source.values():
        s["hours"] = round(s.pop("seconds") / 3600, 3)
    return {
        "name": corpus.name,
        "path": str(corpus.path),
        "pieces": len(rows),
        "works": len({r["work_id"] for r in rows}),
        "notes": sum(r["n_notes"] or 0 for r in rows),
        "hours": hours(rows),
        "splits": dict(Counter(r["split"] for r in rows).most_common()),
        "by_source": by_source,
        "labels": labels,
        "pieces_with": timed,
        "rejects": len(reject_rows),
        "rejects_by_reason": dict(Counter(r["reason"] for r in reject_rows).most_common()),
        "jsb_match_rate": corpus.summary.get("jsb_match_rate"),
    }
