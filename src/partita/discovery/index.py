"""The discovery index: every piece of a corpus in LanceDB (embedded, on disk, no server), with its embedding,
its labels, its music features and its description; searched by text or by a piece.

An index is a folder::

    PATH/index.json      which version is current, the model and its weights' fingerprint, the corpus, the
                         count (rewritten atomically)
    PATH/v-<ns>/         one LanceDB database with the table ``pieces``, and ``lexical.safetensors``: BM25
                         over the pieces' captions, fitted at build time, which hybrid search reads (an
                         index built before it was kept fits BM25 at its first hybrid search)
    PATH/pending.parquet the pieces featurised by a build that has not finished (a rerun resumes from it)

:func:`build_index` is incremental: the pieces already in the current version keep their features (only new
pieces are read and described), every vector is recomputed with the model (cheap), and the new version is
written beside the old one and made current by one atomic rewrite of ``index.json``; the old version is then
removed. A reader never sees half an index. The index records the fingerprint of the encoder that made its
vectors (:func:`model_fingerprint`); :class:`DiscoveryIndex` refuses to search it with other weights, whose
text vectors would not match the stored music vectors. Reading and embedding run on local processes or on Ray
Data (``engine``; :mod:`partita.engines`), with the same result.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from partita.atomic import atomic_write_text
from partita.discovery.encoders import DEFAULT_MODEL, DiscoveryModel, text_tokens
from partita.discovery.features import LABEL_FIELDS, corpus_entries
from partita.discovery.metrics import BM25, zscore
from partita.discovery.query_labels import LabelMatcher, with_estimated_keys
from partita.engines import check_engine, engine_session, map_items
from partita.paths import data_dir
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

META_FILE = "index.json"
PENDING_FILE = "pending.parquet"
TABLE = "pieces"
SEGMENTS = "segments"
"""The table of the pieces' segments (bars, caption, vector), when the index was built with them."""
PENDING_SEGMENTS = "pending-segments.parquet"
LEXICAL = "lexical.safetensors"
"""BM25 over the pieces' captions (:class:`~partita.discovery.metrics.BM25`'s arrays, the terms and the piece
ids in the metadata), in a version's folder: written by :func:`build_index`, read by hybrid search."""
_TOKENS_PROBE = "A Slow waltz in D minor, 3/4; by O'Carolan — 一首D小调的圆舞曲"
FIELDS = ("piece_id", "split", *LABEL_FIELDS, "tempo", "caption", "caption_zh", "description")
"""The columns a result carries and a ``--where`` filter may name (besides the vector and features)."""
EMBED_CHUNK = 1024
"""Feature rows embedded by one task."""
LABEL_WEIGHT = 0.75
"""The weight of the labels a query names (z-scored) beside the z-scored cosine; ``HYBRID_LABEL_WEIGHT``
beside the cosine and BM25 (``hybrid``). Chosen on the valid split's queries by ``python
bench/bench_discovery_labels.py`` (the best mean MRR that leaves the caption queries no worse)."""
HYBRID_LABEL_WEIGHT = 0.5
SIMILAR_METHODS = ("learned", "discovery")
"""How ``similar`` ranks: the similarity encoder, or the index's discovery vectors."""
_SQL_WORDS = {"and", "or", "not", "in", "like", "ilike", "is", "null", "true", "false", "between", "escape"}


def index_dir(corpus_name: str = "all") -> Path:
    """The default folder of a corpus's index: ``$PARTITA_DATA/index/NAME``."""
    return data_dir() / "index" / corpus_name


@dataclass
class Hit:
    """One search result."""

    piece_id: str
    score: float
    fields: dict[str, Any]


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """The ``index.json`` of an index folder; a clear error when it is missing or damaged."""
    meta_file = Path(path) / META_FILE
    if not meta_file.is_file():
        raise FileNotFoundError(
            f"{path}: no discovery index here (build one: partita index build CORPUS -o {path})"
        )
    try:
        meta = json.loads(meta_file.read_text())
        _ = meta["version"], meta["dim"]
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{meta_file}: corrupt index metadata ({e}); rebuild the index") from None
    return meta


def model_fingerprint(model: DiscoveryModel) -> str:
    """sha256 of what makes a model's vectors: its weights (names, shapes, float32 values:
    :func:`partita.models.experts.weights_hash`) and the config that shapes them (its metrics and training
    note aside). A model saved (float16 on disk) and read back is not the model in memory that was saved."""
    from partita.models.experts import weights_hash

    shape = {k: v for k, v in asdict(model.config).items() if k not in ("metrics", "trained_on")}
    return hashlib.sha256((weights_hash(model) + json.dumps(shape, sort_keys=True)).encode()).hexdigest()


def check_model(path: str | os.PathLike, meta: dict[str, Any], model: DiscoveryModel, source: str) -> None:
    """Refuse (ValueError, one line) to search an index with weights other than those it was built with
    (``source`` says where ``model`` came from); an index built before the fingerprint was recorded is let
    through with a warning."""
    again = f"partita index build {meta.get('corpus') or 'CORPUS'} -o {path}"
    built = meta.get("weights")
    if not built:
        log.warning(
            "%s: the index does not record its encoder's weights (built before partita checked them); if "
            "the model changed since, build it again: %s",
            path,
            again,
        )
        return
    now = model_fingerprint(model)
    if now != built:
        raise ValueError(
            f"{path}: the index was built with other encoder weights ({meta.get('model') or 'unknown'}, "
            f"sha256 {built[:12]}) than {source} (sha256 {now[:12]}), so its music vectors would not match "
            f"the text; build it again with the weights you mean: {again} [--model MODEL]"
        )


def _open_table(path: Path, meta: dict[str, Any], name: str = TABLE):
    import lancedb

    try:
        return lancedb.connect(str(path / meta["version"])).open_table(name)
    except Exception as e:  # a folder deleted or damaged under us
        raise ValueError(
            f"{path}: corrupt index, version {meta['version']} unreadable ({e}); rebuild it"
        ) from None


def _existing_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The rows of the current version (without vectors), by piece id; empty when there is no index."""
    if not (path / META_FILE).is_file():
        return {}
    try:
        table = _open_table(path, read_meta(path)).to_arrow().drop_columns(["vector"])
    except ValueError as e:
        log.warning("%s; building from scratch", e)
        return {}
    return {r["piece_id"]: r for r in table.to_pylist()}


def _existing_segments(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The segment rows of the current version (without vectors), by piece id in order; empty when the index
    has none."""
    if not (path / META_FILE).is_file():
        return {}
    try:
        meta = read_meta(path)
        if not meta.get("segments"):
            return {}
        table = _open_table(path, meta, SEGMENTS).to_arrow().drop_columns(["vector"])
    except ValueError as e:
        log.warning("%s; computing the segments again", e)
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(table.to_pylist(), key=lambda r: (r["piece_id"], r["segment"])):
        out.setdefault(r.pop("piece_id"), []).append({k: v for k, v in r.items() if k != "segment"})
    return out


def _row(entry: dict[str, Any], split: str) -> dict[str, Any]:
    description = json.loads(entry["description"] or "{}")
    return {
        "piece_id": entry["piece_id"],
        "split": split or "",
        **{k: entry["labels"].get(k, "") for k in LABEL_FIELDS},
        "tempo": float(description.get("tempo") or 0.0),
        "caption": (entry["captions_en"] or [""])[0],
        "caption_zh": (entry["captions_zh"] or [""])[0],
        "description": entry["description"] or "",
        "features": [float(x) for x in entry["features"]],
    }


def _with_vectors(rows: list[dict[str, Any]], vectors: np.ndarray) -> pa.Table:
    table = pa.Table.from_pylist(rows)
    return table.append_column("vector", pa.FixedSizeListArray.from_arrays(vectors.ravel(), vectors.shape[1]))


def _write_version(
    path: Path,
    rows: list[dict[str, Any]],
    vectors: np.ndarray,
    segments: tuple[list[dict[str, Any]], np.ndarray] | None = None,
) -> str:
    import lancedb

    version = f"v-{time.time_ns()}"
    db = lancedb.connect(str(path / version))
    db.create_table(TABLE, data=_with_vectors(rows, vectors))
    if segments is not None and segments[0]:
        db.create_table(SEGMENTS, data=_with_vectors(*segments))
    t0 = time.perf_counter()
    texts = _caption_texts([r["caption"] for r in rows], [r["caption_zh"] for r in rows])
    save_lexical(path / version / LEXICAL, [r["piece_id"] for r in rows], BM25(texts))
    log.info("BM25 over %d pieces' captions fitted and stored in %.1f s", len(rows), time.perf_counter() - t0)
    return version


def _caption_texts(captions: list[str | None], captions_zh: list[str | None]) -> list[str]:
    """What BM25 matches a query against: each piece's English and Chinese caption."""
    return [f"{a} {b}" for a, b in zip(captions, captions_zh, strict=True)]


def _tokens_fingerprint() -> str:
    """What :func:`text_tokens` makes of a probe text (hashed): a stored BM25 whose tokens differ from
    today's is fitted again."""
    return hashlib.sha256(json.dumps(text_tokens(_TOKENS_PROBE)).encode()).hexdigest()[:16]


def save_lexical(path: str | os.PathLike, piece_ids: list[str], bm25: BM25) -> None:
    """Store BM25's statistics (safetensors: the weight arrays; the terms, the piece ids of its documents in
    order and the tokens' fingerprint in the metadata)."""
    from safetensors.numpy import save_file

    arrays, terms = bm25.arrays()
    metadata = {
        "terms": json.dumps(terms, ensure_ascii=False),
        "piece_ids": json.dumps(piece_ids, ensure_ascii=False),
        "tokens": _tokens_fingerprint(),
    }
    save_file(arrays, str(path), metadata=metadata)


def load_lexical(path: str | os.PathLike, piece_ids: list[str]) -> BM25 | None:
    """The BM25 stored at ``path`` for the pieces ``piece_ids`` (in that order); None, with a log line,
    when there is none (an index built before it was stored), or it is damaged, or it was fitted on other
    pieces or other tokens."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        log.info(
            "%s: no stored BM25 (an index built before it was stored); fitting it now", path.parent.parent
        )
        return None
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in ("data", "indices", "indptr", "shape")}
        if json.loads(metadata["piece_ids"]) != list(piece_ids):
            log.warning("%s: the stored BM25 is of other pieces than the index's; fitting it now", path)
            return None
        if metadata.get("tokens") != _tokens_fingerprint():
            log.warning("%s: the stored BM25 was fitted on other text tokens; fitting it now", path)
            return None
        return BM25.from_arrays(arrays, json.loads(metadata["terms"]))
    except Exception as e:  # damaged: the search still works, from the captions
        log.warning("%s: stored BM25 unreadable (%s); fitting it now", path, str(e).splitlines()[0][:200])
        return None


def _segments_of(
    corpus, rows: list[dict[str, Any]], path: Path, model: DiscoveryModel, workers, progress, engine, address
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The segment rows of the indexed pieces (those of the current version kept, the new pieces' computed)
    and their vectors."""
    from partita.discovery.segments import corpus_segments, segment_matrix, segment_rows

    old = _existing_segments(path)
    indexed = {r["piece_id"] for r in rows}
    todo = [r for r in corpus.records() if r["piece_id"] in indexed and r["piece_id"] not in old]
    log.info("segmenting %d pieces (%d already segmented)", len(todo), len(indexed) - len(todo))
    fresh = corpus_segments(
        corpus,
        todo,
        path / PENDING_SEGMENTS,
        workers=workers,
        progress=progress,
        engine=engine,
        address=address,
    )
    every = {**old, **fresh}
    seg_rows = segment_rows({r["piece_id"]: every.get(r["piece_id"], []) for r in rows})
    return seg_rows, embed_features(model, segment_matrix(seg_rows), engine, workers, address)


def _embed_chunk(model: DiscoveryModel, features: np.ndarray) -> np.ndarray:
    return model.encode_features(features)


def embed_features(
    model: DiscoveryModel,
    features: np.ndarray,
    engine: str = "process",
    workers: int = 1,
    address: str | None = None,
) -> np.ndarray:
    """The model's vectors of music feature rows, :data:`EMBED_CHUNK` rows at a time: in this process
    (``process``: one matrix product is cheaper than starting processes) or as Ray Data tasks (``ray``;
    should Ray fail, the chunks it left are embedded locally)."""
    features = np.asarray(features, dtype=np.float32)
    chunks = [features[s : s + EMBED_CHUNK] for s in range(0, len(features), EMBED_CHUNK)]
    if not chunks:
        return np.zeros((0, model.config.dim), dtype=np.float32)
    fn = functools.partial(_embed_chunk, model)
    parts = dict(
        map_items(
            fn,
            chunks,
            engine,
            1 if engine == "process" else workers,
            address=address,
            batch_size=1,
            fallback=True,
        )
    )
    return np.concatenate([parts[i] for i in range(len(chunks))])


def build_index(
    corpus,
    path: str | os.PathLike | None = None,
    model: DiscoveryModel | None = None,
    model_path: str | os.PathLike | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    engine: str = "process",
    address: str | None = None,
    segments: bool | None = None,
) -> dict[str, Any]:
    """Index every piece of a loaded corpus at ``path`` (default :func:`index_dir`); returns the new
    ``index.json`` contents. ``model`` (or the one at ``model_path``, default the shipped one) embeds them.

    ``engine`` ``process`` reads the new pieces on ``workers`` local processes and embeds them here; ``ray``
    does both on Ray Data (``workers`` tasks at a time; a local Ray, or the cluster at ``address`` /
    ``$RAY_ADDRESS``: :func:`partita.engines.ray_session`). The index is the same either way, so a Ray that
    fails does not stop the build: a local Ray that cannot start, or a worker or node lost past Ray's
    retries, leaves the pieces not yet done to local processes (a warning says so; ``index.json`` records
    ``engine`` as ``process`` when Ray never started). A missing Ray (ImportError) or a named cluster that
    cannot be reached (ConnectionError) is refused before anything is read.

    ``segments`` also stores each piece's segments (:mod:`partita.discovery.segments`: its sections' bars,
    captions and vectors) for :meth:`DiscoveryIndex.search_segments`; ``None`` keeps them if the current
    index has them."""
    check_engine(engine)
    path = Path(path) if path else index_dir(corpus.name)
    path.mkdir(parents=True, exist_ok=True)
    given, model = model, model or DiscoveryModel.from_pretrained(model_path)
    records = corpus.records()
    if not records:
        raise ValueError(f"{corpus.path}: the corpus has no pieces to index")
    old = _existing_rows(path)
    new_records = [r for r in records if r["piece_id"] not in old]
    log.info("indexing %d new pieces (%d already indexed)", len(new_records), len(records) - len(new_records))
    with engine_session(engine, address, workers) as engine:  # one Ray for both maps
        fresh = corpus_entries(
            corpus,
            new_records,
            cache=path / PENDING_FILE,
            workers=workers,
            progress=progress,
            engine=engine,
            address=address,
        )
        split = {r["piece_id"]: r.get("split") or "" for r in records}
        by_id = {**old, **{e["piece_id"]: _row(e, split[e["piece_id"]]) for e in fresh}}
        rows = [by_id[r["piece_id"]] for r in records if r["piece_id"] in by_id]
        if not rows:
            raise ValueError(f"{corpus.path}: none of the corpus's pieces could be read")
        report(progress, len(records), len(records), "embedding")
        features = np.asarray([r["features"] for r in rows], dtype=np.float32)
        vectors = embed_features(model, features, engine, workers, address)
        if segments is None:
            segments = bool(_existing_segments(path))
        parts = None
        if segments:
            parts = _segments_of(corpus, rows, path, model, workers, progress, engine, address)
    meta = {
        "version": _write_version(path, rows, vectors, parts),
        "dim": int(vectors.shape[1]),
        "count": len(rows),
        "added": len(fresh),
        "corpus": str(corpus.path),
        "model": _model_name(model_path, given),
        "weights": model_fingerprint(model),
        "engine": engine,
        "segments": len(parts[0]) if parts else 0,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic_write_text(path / META_FILE, json.dumps(meta, indent=2) + "\n")
    for stale in path.glob("v-*"):  # the old version, and any left by an interrupted build
        if stale.name != meta["version"]:
            shutil.rmtree(stale, ignore_errors=True)
    (path / PENDING_FILE).unlink(missing_ok=True)
    (path / PENDING_SEGMENTS).unlink(missing_ok=True)
    return meta


def _model_name(model_path: str | os.PathLike | None, given: DiscoveryModel | None) -> str:
    """What ``index.json`` says of the model: its folder (absolute), or that it was given in memory."""
    if model_path:
        return str(Path(model_path).resolve())
    return "a model given in memory" if given is not None else str(DEFAULT_MODEL)


def check_where(where: str | None) -> str | None:
    """``where`` unchanged, or ValueError naming a field the index does not have."""
    if where is None or not where.strip():
        return None
    bare = re.sub(r"'(?:[^']|'')*'|\"(?:[^\"])*\"", " ", where)  # quoted values are not field names
    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare):
        if name.lower() not in _SQL_WORDS and name not in FIELDS:
            raise ValueError(f"unknown field {name!r} in the filter; fields: {', '.join(FIELDS)}")
    return where


def _top(score: np.ndarray, k: int, ids: list[str], allowed: set[str] | None) -> list[int]:
    """The rows of the ``k`` best scores (the best first) among the pieces ``allowed`` keeps (None: all)."""
    if allowed is None:
        best = np.argpartition(-score, k - 1)[:k] if 0 < k < len(score) else np.arange(len(score))
        return [int(i) for i in best[np.argsort(-score[best], kind="stable")]][: max(k, 0)]
    return [int(i) for i in np.argsort(-score, kind="stable") if ids[i] in allowed][:k]


class DiscoveryIndex:
    """An open index: search it by text (:meth:`search`) or by a piece (:meth:`similar`). It is opened with
    ``model`` or the model ``index.json`` names (the shipped one when that folder is gone), and refused
    (ValueError) when those are not the weights it was built with (:func:`check_model`)."""

    def __init__(self, path: str | os.PathLike | None = None, model: DiscoveryModel | None = None):
        self.path = Path(path) if path else index_dir()
        self.meta = read_meta(self.path)
        self.table = _open_table(self.path, self.meta)
        self._cache: tuple[list[str], np.ndarray] | None = None
        self._bm25: BM25 | None = None
        self._matcher: LabelMatcher | None = None
        self._position: dict[str, int] | None = None
        named = str(self.meta.get("model") or "")
        folder = named if named and Path(named).is_dir() else None
        self.model = model or DiscoveryModel.from_pretrained(folder)
        source = "the model given" if model else f"the model at {folder or DEFAULT_MODEL}"
        check_model(self.path, self.meta, self.model, source)

    def __len__(self) -> int:
        return int(self.table.count_rows())

    def search_vector(self, vector: np.ndarray, k: int = 10, where: str | None = None) -> list[Hit]:
        """The ``k`` pieces nearest to ``vector`` (cosine), among those ``where`` keeps."""
        query = self.table.search(np.asarray(vector, dtype=np.float32)).distance_type("cosine").limit(k)
        if check_where(where):
            query = query.where(where, prefilter=True)
        try:
            rows = query.select([*FIELDS, "_distance"]).to_list()
        except Exception as e:  # a malformed filter: the database's own words, on one line
            raise ValueError(f"bad filter {where!r}: {str(e).splitlines()[0][:200]}") from None
        return [Hit(r["piece_id"], 1.0 - float(r["_distance"]), {f: r.get(f) for f in FIELDS}) for r in rows]

    def search(
        self, text: str, k: int = 10, where: str | None = None, hybrid: bool = False, labels: bool = True
    ) -> list[Hit]:
        """The ``k`` pieces that best match a text (any language). ``hybrid`` adds BM25 on the stored captions
        to the cosine; ``labels`` (default) adds, when the text names a label the index holds (a kind, a
        composer, a collection, a country, a key, a meter: :mod:`partita.discovery.query_labels`), the labels
        each piece shares with it (weighted :data:`LABEL_WEIGHT`; with ``hybrid``, ``HYBRID_LABEL_WEIGHT``).
        Each score is z-scored over the index; a hit's score is then the sum, not a cosine. A text naming no
        label, without ``hybrid``, is the plain cosine search."""
        if not text or not text.strip():
            raise ValueError("empty query: say what to look for, e.g. 'a slow sad waltz in D minor'")
        vector = self.model.encode_text([text])[0]
        named = self.label_matcher().scores([text])[0] if labels else None
        named = named if named is not None and named.any() else None
        if not hybrid and named is None:
            return self.search_vector(vector, k, where)
        ids, vectors = self._space()
        score = zscore(vectors @ vector)
        if hybrid:
            score = score + zscore(self.lexical().scores([text])[0])
        if named is not None:
            score = score + (HYBRID_LABEL_WEIGHT if hybrid else LABEL_WEIGHT) * zscore(named)
        order = _top(score, k, ids, self._allowed(where))
        rows = self._rows([ids[i] for i in order])
        return [Hit(ids[i], float(score[i]), rows[ids[i]]) for i in order]

    def lexical(self) -> BM25:
        """BM25 over every indexed piece's English and Chinese caption, documents in the order of
        :meth:`piece_ids`: the one stored at build time, or (an index built before it was stored) fitted
        from the captions (read once)."""
        if self._bm25 is None:
            ids = self._space()[0]
            bm25 = load_lexical(self.path / self.meta["version"] / LEXICAL, ids)
            if bm25 is None:
                t0 = time.perf_counter()
                table = self._columns(["caption", "caption_zh"])
                bm25 = BM25(_caption_texts(table["caption"].to_pylist(), table["caption_zh"].to_pylist()))
                log.info(
                    "BM25 fitted over %d captions in %.1f s; build the index again to store it: partita "
                    "index build %s -o %s",
                    len(ids),
                    time.perf_counter() - t0,
                    self.meta.get("corpus") or "CORPUS",
                    self.path,
                )
            self._bm25 = bm25
        return self._bm25

    def label_matcher(self) -> LabelMatcher:
        """The index's labels, for the words of a query to name (read once; pieces in the order of
        :meth:`piece_ids`; a piece without a key label takes the key its description estimates)."""
        if self._matcher is None:
            rows = self._columns(["piece_id", *LABEL_FIELDS]).to_pylist()
            if [r["piece_id"] for r in rows] != self._space()[0]:
                raise ValueError(f"{self.path}: the index's rows moved while it was read; open it again")
            keyless = [i for i, r in enumerate(rows) if not r["key"]]
            described = (
                self.table.take_offsets(keyless).select(["piece_id", "description"]) if keyless else None
            )
            self._matcher = LabelMatcher(with_estimated_keys(rows, described.to_list() if described else []))
        return self._matcher

    def piece_ids(self) -> list[str]:
        """Every indexed piece's id, in the index's order (read once)."""
        return self._space()[0]

    def search_segments(
        self,
        text: str,
        k: int = 10,
        where: str | None = None,
        vector: np.ndarray | None = None,
        conditions: dict[str, tuple[str, Any]] | None = None,
    ) -> list[Hit]:
        """The ``k`` pieces with a part that best matches a text, each with that part: ranked by the cosine of
        the query with the whole piece plus the best segment's score, its cosine plus the share of what the
        text asks of a part that it meets (its key or mode; slower, busier, higher, louder ... than the rest
        of its piece: :mod:`partita.discovery.segments`); a hit's fields add ``bars`` (``"17-24"``, 1-based),
        ``start_bar`` / ``end_bar`` (0-based, end exclusive), ``start_tick`` / ``end_tick``,
        ``segment_label``, ``segment_caption``, ``segment_score`` (the segment's own score), ``segment`` (its
        number in the piece), ``segment_facts`` (its key, tempo, density, pitch, velocity) and
        ``segment_met`` (what of the text's wish it meets, :func:`~partita.discovery.segments.part_checks`).
        Needs an index built with segments.

        ``vector`` replaces the text's vector (a conversation's, steered by the passages it liked; the text
        still says what is asked of a part); ``conditions`` (fact -> (op, value),
        :func:`~partita.discovery.segments.meets`) keep only the segments that meet them, and only the pieces
        with such a segment."""
        from partita.discovery.segments import (
            FACTS,
            meets,
            part_checks,
            part_wish,
            piece_bonus,
            rank_segments,
        )

        if not text or not text.strip():
            raise ValueError("empty query: say what to look for, e.g. 'a slow section in E minor'")
        if not self.meta.get("segments"):
            raise ValueError(
                f"{self.path}: this index has no segments; "
                "build it with: partita index build CORPUS --segments"
            )
        if vector is None:
            vector = self.model.encode_text([text])[0]
        ids, vectors = self._space()
        where_of, segment_vectors, parts, keys = self._segment_space()
        facts = {name: [p[name] for p in parts] for name in FACTS}
        lengths = np.asarray([p["end_tick"] - p["start_tick"] for p in parts], dtype=np.float64)
        wish = part_wish(text)
        checks = part_checks(wish, facts, where_of, lengths)
        bonus = sum(checks.values(), np.zeros(len(parts))) / max(len(wish), 1)
        kept = bonus + np.where(meets(conditions, facts), 0.0, -np.inf) if conditions else bonus
        score, best = rank_segments(vector, vectors, where_of, segment_vectors, kept, piece_bonus(wish, keys))
        allowed = self._allowed(where)
        met = (best >= 0) & np.isfinite(score) if conditions else np.ones(len(score), dtype=bool)
        order = [i for i in np.argsort(-score) if met[i] and (allowed is None or ids[i] in allowed)][:k]
        rows = self._rows([ids[i] for i in order])
        hits = []
        for i in order:
            fields = dict(rows[ids[i]])
            if best[i] >= 0:
                part = parts[best[i]]
                fields.update(
                    bars=f"{part['start_bar'] + 1}-{part['end_bar']}",
                    **{k: part[k] for k in ("start_bar", "end_bar", "start_tick", "end_tick")},
                    segment=int(part["segment"]),
                    segment_label=part["label"],
                    segment_caption=part["caption"],
                    segment_score=float(segment_vectors[best[i]] @ vector + bonus[best[i]]),
                    segment_facts={name: part[name] for name in FACTS},
                    segment_met=[what for what, passed in checks.items() if passed[best[i]]],
                )
            hits.append(Hit(ids[i], float(score[i]), fields))
        return hits

    def segments_of(self, piece_id: str) -> list[dict[str, Any]]:
        """The segments of an indexed piece in order (number, ``bars``, ticks, label, caption, facts; empty
        when the index has none)."""
        if not self.meta.get("segments"):
            return []
        _, _, rows, _ = self._segment_space()
        found = sorted((r for r in rows if r["piece_id"] == piece_id), key=lambda r: r["segment"])
        return [{**r, "bars": f"{r['start_bar'] + 1}-{r['end_bar']}"} for r in found]

    def segment_vectors_of(self, parts: list[tuple[str, int]]) -> np.ndarray:
        """The stored vectors of segments, each named by its piece id and its number in the piece."""
        if not self.meta.get("segments"):
            raise ValueError(f"{self.path}: this index has no segments")
        _, vectors, rows, _ = self._segment_space()
        position = {(r["piece_id"], int(r["segment"])): i for i, r in enumerate(rows)}
        missing = [p for p in parts if (p[0], int(p[1])) not in position]
        if missing:
            raise ValueError(f"segment {missing[0][1]} of {missing[0][0]!r} is not in the index")
        return vectors[[position[(p, int(s))] for p, s in parts]]

    def _segment_space(self) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]], list[str]]:
        """Each segment's piece (its row in :meth:`_space`), vector and fields, and each piece's key as its
        description has it (read once)."""
        if getattr(self, "_segments", None) is None:
            ids = self._space()[0]
            position = {p: i for i, p in enumerate(ids)}
            table = _open_table(self.path, self.meta, SEGMENTS).to_arrow().drop_columns(["features"])
            vectors = np.asarray(table["vector"].to_pylist(), dtype=np.float32)
            parts = table.drop_columns(["vector"]).to_pylist()
            where_of = np.asarray([position[p["piece_id"]] for p in parts], dtype=np.int64)
            described = self._columns(["piece_id", "description"]).to_pylist()
            key_of = {r["piece_id"]: json.loads(r["description"] or "{}").get("key") or "" for r in described}
            self._segments = (where_of, vectors, parts, [key_of[p] for p in ids])
        return self._segments

    def _space(self) -> tuple[list[str], np.ndarray]:
        """Piece ids and their vectors, in the index's order (read once)."""
        if self._cache is None:
            table = self._columns(["piece_id", "vector"])
            column = table["vector"].combine_chunks()
            vectors = np.asarray(column.values.to_numpy(zero_copy_only=False), dtype=np.float32)
            self._cache = (table["piece_id"].to_pylist(), vectors.reshape(len(table), -1))
        return self._cache

    def _columns(self, names: list[str]) -> pa.Table:
        """Some columns of every row, in the index's order (only those columns are read)."""
        return self.table.search().select(names).limit(max(len(self), 1)).to_arrow()

    def _query(self, where: str, columns: list[str], limit: int) -> list[dict[str, Any]]:
        try:
            return self.table.search().where(where).select(columns).limit(limit).to_list()
        except Exception as e:  # a malformed filter: the database's own words, on one line
            raise ValueError(f"bad filter {where!r}: {str(e).splitlines()[0][:200]}") from None

    def _allowed(self, where: str | None) -> set[str] | None:
        if not check_where(where):
            return None
        return {r["piece_id"] for r in self._query(where, ["piece_id"], len(self))}

    def _rows(self, piece_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not piece_ids:
            return {}
        if self._position is None:
            self._position = {p: i for i, p in enumerate(self._space()[0])}
        if all(p in self._position for p in piece_ids):  # by row number: no scan of the table
            taken = self.table.take_offsets([self._position[p] for p in piece_ids]).select(list(FIELDS))
            found = {r["piece_id"]: {f: r.get(f) for f in FIELDS} for r in taken.to_list()}
            if set(found) == set(piece_ids):
                return found
        quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in piece_ids)
        rows = self._query(f"piece_id IN ({quoted})", list(FIELDS), len(piece_ids))
        return {r["piece_id"]: {f: r.get(f) for f in FIELDS} for r in rows}

    def similar(self, score, k: int = 10, where: str | None = None, method: str = "learned") -> list[Hit]:
        """The ``k`` pieces nearest to a Score. ``method`` ``learned`` (default) ranks by the shipped
        similarity encoder (:mod:`partita.discovery.similarity`, trained so that a collection's pieces are
        near); ``discovery`` by the index's own text-matched music vectors (the behaviour before it)."""
        if method not in SIMILAR_METHODS:
            raise ValueError(
                f"unknown similarity method {method!r}; choose one of: {', '.join(SIMILAR_METHODS)}"
            )
        if method == "discovery":
            return self.search_vector(self.model.encode_score(score), k, where)
        from partita.discovery.similarity import similar_order

        ids = self._space()[0]
        space, encoder = self._similarity_space()
        scores = space @ encoder.encode_score(score)
        order = similar_order(scores, ids, self._allowed(where), k)
        rows = self._rows([ids[i] for i in order])
        return [Hit(ids[i], float(scores[i]), rows[ids[i]]) for i in order]

    def _similarity_space(self):
        """Every indexed piece in the similarity encoder's space, and the encoder (read once)."""
        if getattr(self, "_similar", None) is None:
            from partita.discovery.similarity import SimilarityEncoder

            encoder = SimilarityEncoder.from_pretrained()
            features = np.asarray(self._columns(["features"])["features"].to_pylist(), dtype=np.float32)
            self._similar = (encoder.encode_features(features), encoder)
        return self._similar

    def recommend(
        self, pieces: list, k: int = 10, method: str = "learned+labels", where: str | None = None
    ) -> list[Hit]:
        """The ``k`` pieces that best continue a set: ``pieces`` are indexed piece ids or Scores (a person's
        own files); the set itself is never recommended. ``method``: ``learned+labels`` (the shipped set
        encoder plus shared labels, best measured), ``learned``, or the discovery vectors' ``mean``, ``max``,
        ``mean+max`` (see :mod:`partita.discovery.recommend`)."""
        from partita.discovery.recommend import METHODS, label_scores, set_scores

        if method not in ("learned", "learned+labels", *METHODS):
            raise ValueError(
                f"unknown recommendation method {method!r}; choose learned+labels, learned or mean"
            )
        ids, vectors = self._space()
        space, encode = vectors, self.model.encode_score
        if method.startswith("learned"):
            space, encode = self._learned()
        position = {p: i for i, p in enumerate(ids)}
        query, own = [], set()
        for piece in pieces:
            if isinstance(piece, str):
                if piece not in position:
                    raise ValueError(
                        f"{piece!r} is not in the index; give a piece id it holds or a score file"
                    )
                own.add(piece)
                query.append(space[position[piece]])
            else:  # a person's file; if the index holds the same piece, that is not a recommendation
                query.append(encode(piece))
                own.update(ids[i] for i in np.flatnonzero(space @ query[-1] > 0.9999))
        scores = set_scores(np.asarray(query), space, "mean" if method.startswith("learned") else method)
        if method == "learned+labels":
            labels = self._labels()
            given = [labels[position[p]] for p in pieces if isinstance(p, str)]
            scores = zscore(scores) + (zscore(label_scores(given, labels)) if given else 0.0)
        allowed = self._allowed(where)
        order = [
            i for i in np.argsort(-scores) if ids[i] not in own and (allowed is None or ids[i] in allowed)
        ][:k]
        rows = self._rows([ids[i] for i in order])
        return [Hit(ids[i], float(scores[i]), rows[ids[i]]) for i in order]

    def _learned(self):
        """Every piece in the set encoder's space, and how to put a Score there (read once)."""
        if getattr(self, "_set_space", None) is None:
            from partita.discovery.features import music_features
            from partita.discovery.set_encoder import DEFAULT_SET_ENCODER, SetEncoder

            encoder = SetEncoder.from_pretrained(DEFAULT_SET_ENCODER)
            features = np.asarray(self._columns(["features"])["features"].to_pylist(), dtype=np.float32)
            self._set_space = (
                encoder.encode_features(features),
                lambda score: encoder.encode_features(music_features(score)[None])[0],
            )
        return self._set_space

    def _labels(self) -> list[dict[str, str]]:
        table = self._columns(list(LABEL_FIELDS)).to_pylist()
        return [{k: v or "" for k, v in r.items()} for r in table]

    def label_values(self, name: str) -> list[str]:
        """The distinct non-empty values of one label column (``composer``, ``key``, ...), the most common
        first."""
        from collections import Counter

        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}; fields: {', '.join(FIELDS)}")
        counts = Counter(v for v in self._columns([name])[name].to_pylist() if v)
        return [v for v, _ in counts.most_common()]

    def vectors_of(self, piece_ids: list[str]) -> np.ndarray:
        """The stored vectors of indexed pieces (rows in the order given)."""
        ids, vectors = self._space()
        position = {p: i for i, p in enumerate(ids)}
        missing = [p for p in piece_ids if p not in position]
        if missing:
            raise ValueError(f"{missing[0]!r} is not in the index")
        return vectors[[position[p] for p in piece_ids]]

    def fields_of(self, piece_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored fields (labels, caption, description) of indexed pieces, by piece id."""
        return self._rows(list(piece_ids))
