"""The indexed catalogue the discovery benches search: the corpus's pieces that have features, in one order,
with their encoder vectors, labels and popularity (bench_recommend, bench_similar)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Catalogue:
    """The corpus's featurised pieces: ``records[i]`` is ``ids[i]`` at row ``i`` of every array."""

    records: list[dict]
    ids: list[str]
    position: dict[str, int]
    features: np.ndarray
    vectors: np.ndarray
    labels: list
    popularity: np.ndarray


def load_catalogue(corpus, model_name: str | None, cache: Path, workers: int | None = None) -> Catalogue:
    """The pieces of ``corpus`` whose features ``cache`` holds without an error, encoded by the discovery
    model ``model_name`` (None: discovery-small). With ``workers``, a missing cache is computed (and written)
    with that many processes; without, it must be there."""
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.features import corpus_entries, read_entries
    from partita.discovery.recommend import popularity_scores

    if workers is not None and not cache.is_file():  # featurise once, cached for the other discovery benches
        found = corpus_entries(corpus, cache=cache, workers=workers)
    else:
        found = read_entries(cache)
    entries = {e["piece_id"]: e for e in found}
    records = [
        r for r in corpus.records() if r["piece_id"] in entries and not entries[r["piece_id"]].get("error")
    ]
    ids = [r["piece_id"] for r in records]
    features = np.asarray([entries[p]["features"] for p in ids], dtype=np.float32)
    return Catalogue(
        records=records,
        ids=ids,
        position={p: i for i, p in enumerate(ids)},
        features=features,
        vectors=DiscoveryModel.from_pretrained(model_name).encode_features(features),
        labels=[entries[p]["labels"] for p in ids],
        popularity=popularity_scores([r.get("work_group") for r in records]),
    )
