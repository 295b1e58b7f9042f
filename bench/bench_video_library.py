"""Music for a video from the library: do the pieces retrieved for a video have the tempo, mode and density
the video asks for, and do they follow what the video really does?

Issue 26 item 4. A small discovery index is built here from pieces of the **test split** of the built corpus
``all`` (``--pieces``, drawn with the seed; features read from the discovery cache where it has them, else
from the scores). Synthetic videos (:mod:`partita.picture.synthetic`, the random specs of
``bench_picture.py``: flat backgrounds of a random colour and lightness, a textured square moving at a random
speed, 1-3 cuts, 1-2 motion bursts; 12-20 s) are read with ``read_video_features`` and turned into what
``score-video`` would ask for per shot (``partita.discovery.for_picture.video_target``: tempo, mode, notes a
beat, register, loudness, the video's length). Three rankers return the top ``-k`` pieces of the index:

- ``match``: :func:`partita.discovery.for_picture.match_picture` (the pieces' measured tempo, mode and
  section densities against each shot's controls);
- ``text``: the discovery index's text search with the controls written as a caption-style query
  (:func:`~partita.discovery.for_picture.control_query`, e.g. "An andante tempo of about 100 bpm. In a major
  key. The texture is moderately dense, mostly in the middle register."), and the same with ``--hybrid``
  (+ BM25 on the stored captions), the best text ranker measured in docs/DISCOVERY.md;
- ``random``: the expected value over every piece of the index (exactly what a random top-k averages to).

Measured for each video, over its top-k (each piece against each shot, weighted by the shot's length):

- **agreement with the controls**: tempo within 20% of the shot's; the same mode (shots that ask one; the
  mode of the piece's key segment sounding longest during the shot); note density (of the piece's sections
  sounding during the shot, played from its start) within a factor of 1.5; the piece at least as long as the
  video; their mean over tempo, mode and density is the *correspondence*.
  The pieces' values are the index's stored descriptions (computed from the scores): the same numbers the
  ``match`` ranker reads, so these rows check that the ranking does what it says against the text baseline,
  they are not an independent judgement of fit;
- **following the drawn video** (independent of the mapping's own numbers): Spearman's rho across the videos
  between the retrieved pieces' mean tempo and the square's drawn speed (the known motion), and between their
  share of major keys and the drawn lightness; chance is the 95th percentile of |rho| over random pairings;
- **the register** (since 2026-12-06's late afternoon the ranking asks each shot's register as the
  generator does, :func:`~partita.generation.picture.asked_pitch`; before, 62 + 8 valence, which for most
  shots the generator no longer asks): the ``match`` ranker against the same ranker asking 62 + 8 valence
  (``match-62+8v``, in the same run): the agreement rows above, the register's (a piece's mean pitch, of the
  sections sounding under the shot, within 5 semitones of what the generator asks), and Spearman's rho
  across the videos of the retrieved pieces' mean pitch with the drawn lightness;
- **time** per video of the ranking (LanceDB read + fit) and of the text search.

    python bench/bench_video_library.py [--pieces 300] [--videos 20] [-k 10] [--seed 0] [--threads 1]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_picture import make_spec, spearman_with_chance  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_video_library")
COMMAND = "python bench/bench_video_library.py --threads 1"
RANKERS = ("match", "text", "text+bm25")
BEFORE = "match-62+8v"
"""The match ranker asking the register as it did before it read the generator's (62 + 8 valence)."""


class _Subset:
    """Some records of a built corpus, standing in for the corpus (build_index reads name, path, records)."""

    def __init__(self, corpus, records: list[dict]) -> None:
        self.name, self.path, self._records = "bench-video-library", corpus.path, records

    def records(self) -> list[dict]:
        return list(self._records)


def build_small_index(corpus_name: str, n: int, seed: int, folder: Path, cache: Path | None) -> int:
    """Index ``n`` test-split pieces of the corpus at ``folder`` (features from ``cache`` where it has
    them)."""
    import pyarrow.parquet as pq

    from partita.corpus import load_corpus
    from partita.discovery.features import read_entries, write_entries
    from partita.discovery.index import PENDING_FILE, build_index

    corpus = load_corpus(corpus_name)
    test = [r for r in corpus.records() if r.get("split") == "test"]
    rng = np.random.default_rng(seed)
    chosen = [test[i] for i in sorted(rng.choice(len(test), size=min(n, len(test)), replace=False))]
    folder.mkdir(parents=True, exist_ok=True)
    if cache is not None and cache.is_file():
        ids = {r["piece_id"] for r in chosen}
        table = pq.read_table(cache, filters=[("piece_id", "in", sorted(ids))])
        pq.write_table(table, folder / "cached.parquet")
        entries = read_entries(folder / "cached.parquet")
        (folder / "cached.parquet").unlink()
        write_entries(entries, folder / PENDING_FILE)
        log.info("%d of %d pieces' features from %s", len(entries), len(chosen), cache)
    meta = build_index(_Subset(corpus, chosen), folder)
    return int(meta["count"])


def agreement(pieces, target) -> dict[str, float]:
    """The top-k's agreement with the controls (module docstring), each a share in [0, 1]."""
    from partita.discovery.for_picture import TOLERANCE

    w = target.weights()
    out = {"tempo": [], "mode": [], "density": [], "length": [], "register": []}
    for p in pieces:
        tempo = mode = density = register = 0.0
        mode_w = register_w = 0.0
        for weight, shot in zip(w, target.shots, strict=True):
            per_beat, pitch, _ = p.during(shot.start, shot.end)
            if pitch is not None:
                register += weight * (abs(pitch - shot.mean_pitch) <= TOLERANCE["register"])
                register_w += weight
            tempo += weight * (abs(np.log2(p.tempo / shot.tempo)) <= np.log2(1 + TOLERANCE["tempo"]))
            density += weight * (
                abs(np.log2(max(per_beat, 1e-3) / shot.density)) <= np.log2(TOLERANCE["density"])
            )
            sounding = p.mode_during(shot.start, shot.end)
            if shot.mode and sounding:
                mode += weight * (sounding == shot.mode)
                mode_w += weight
        out["tempo"].append(tempo)
        out["density"].append(density)
        if mode_w:
            out["mode"].append(mode / mode_w)
        if register_w:
            out["register"].append(register / register_w)
        out["length"].append(float(p.duration >= target.duration))
    means = {k: float(np.mean(v)) if v else float("nan") for k, v in out.items()}
    parts = [means[k] for k in ("tempo", "mode", "density") if not np.isnan(means[k])]
    means["correspondence"] = float(np.mean(parts))
    means["mean_tempo"] = float(np.mean([p.tempo for p in pieces]))
    pitched = [p.mean_pitch for p in pieces if p.mean_pitch is not None]
    means["mean_pitch"] = float(np.mean(pitched)) if pitched else float("nan")
    modes = [p.mode == "major" for p in pieces if p.mode]
    means["major_share"] = float(np.mean(modes)) if modes else float("nan")
    return means


def run_video(spec, index_, library, by_id, k: int, folder: Path, i: int) -> dict:
    """Read one video, rank the library three ways, measure each top-k."""
    from partita.discovery.for_picture import control_query, rank_pieces, video_target
    from partita.picture import read_video_features
    from partita.picture.synthetic import write_synthetic_video

    path = write_synthetic_video(spec, folder / f"video-{i}.mp4")
    video = read_video_features(path)
    target = video_target(video, path.name)
    query = control_query(target)
    t0 = time.perf_counter()
    matched = [by_id[m.piece_id] for m in rank_pieces(library, target, k)]
    match_s = time.perf_counter() - t0
    before = [by_id[m.piece_id] for m in rank_pieces(library, plain_register(target), k)]
    t0 = time.perf_counter()
    text = [by_id[h.piece_id] for h in index_.search(query, k) if h.piece_id in by_id]
    text_s = time.perf_counter() - t0
    hybrid = [by_id[h.piece_id] for h in index_.search(query, k, hybrid=True) if h.piece_id in by_id]
    lightness = float(np.mean([max(s.colour) / 255 for s in spec.shots]))  # HSV value as drawn
    speed = float(np.mean([s.speed for s in spec.shots]))
    return {
        "video": i,
        "duration": spec.duration,
        "drawn_speed": speed,
        "drawn_lightness": lightness,
        "shots": len(target.shots),
        "asked_tempo": target.mean("tempo"),
        "asked_modes": [s.mode for s in target.shots],
        "asked_pitches": [s.mean_pitch for s in target.shots],
        "query": query,
        "match": agreement(matched, target),
        BEFORE: agreement(before, target),
        "text": agreement(text, target),
        "text+bm25": agreement(hybrid, target),
        "random": agreement(library, target),
        "top": [p.piece_id for p in matched[:3]],
        "match_seconds": match_s,
        "text_seconds": text_s,
    }


def plain_register(target):
    """``target`` asking each shot's register as the ranking did before it read the generator's: 62 + 8
    valence."""
    from dataclasses import replace

    from partita.discovery.for_picture import PictureTarget

    shots = [replace(s, mean_pitch=round(62 + 8 * s.valence, 1)) for s in target.shots]
    return PictureTarget(target.source, shots, target.duration)


def register_rows(videos: list[dict], k: int, base: str, seed: int) -> list[dict]:
    """The match ranker against itself asking 62 + 8 valence (:data:`BEFORE`), on the same videos."""

    def mean(ranker: str, key: str) -> float:
        return float(np.nanmean([v[ranker][key] for v in videos]))

    command = COMMAND + "  (the ranker before: the same run)"
    rows = []
    for key, what in (
        ("register", "register within 5 semitones of what the generator asks"),
        ("correspondence", "correspondence (mean of tempo, mode, density agreement)"),
        ("tempo", "tempo within 20% of the shot's"),
        ("mode", "mode as the shot asks"),
        ("density", "notes a beat within x1.5 of the shot's"),
    ):
        rows.append(
            row(f"{what}, top-{k} by match-video (the generator's register) vs asking 62 + 8 valence",
                mean("match", key), "share", command, baseline=f"{BEFORE} (the same ranker, 62 + 8 valence)",
                baseline_value=mean(BEFORE, key), notes=base)
        )  # fmt: skip
    x = [v["drawn_lightness"] for v in videos]
    for ranker in ("match", BEFORE, "text+bm25"):
        rho, chance = spearman_with_chance(x, [v[ranker]["mean_pitch"] for v in videos], seed)
        rows.append(
            row(f"rho, retrieved pieces' mean pitch vs the video's drawn lightness ({ranker})", rho, "rho",
                command, baseline="chance (95th percentile of |rho|, random pairings)", baseline_value=chance,
                notes=base)
        )  # fmt: skip
    return rows


def summary_rows(videos: list[dict], k: int, n_pieces: int, seed: int) -> list[dict]:
    rows = []

    def mean(ranker: str, key: str) -> float:
        return float(np.nanmean([v[ranker][key] for v in videos]))

    base = f"{len(videos)} synthetic videos, index of {n_pieces} test-split pieces, top {k}"
    for key, what in (
        ("correspondence", "correspondence (mean of tempo, mode, density agreement)"),
        ("tempo", "tempo within 20% of the shot's"),
        ("mode", "mode as the shot asks"),
        ("density", "notes a beat within x1.5 of the shot's"),
        ("length", "pieces at least as long as the video"),
    ):
        value = mean("match", key)
        for peer in ("text", "text+bm25", "random"):
            rows.append(
                row(
                    f"{what}, top-{k} by match-video vs {peer}",
                    value,
                    "share",
                    COMMAND,
                    baseline=peer if peer != "random" else "random pieces (expected)",
                    baseline_value=mean(peer, key),
                    notes=base
                    + (
                        "; the pieces' values are the descriptions the ranker reads" if peer == "text" else ""
                    ),
                )
            )
    for key, drawn, what in (
        ("mean_tempo", "drawn_speed", "rho, retrieved pieces' mean tempo vs the video's drawn speed"),
        (
            "major_share",
            "drawn_lightness",
            "rho, retrieved pieces' share of major vs the video's drawn lightness",
        ),
    ):
        x = [v[drawn] for v in videos]
        for ranker in ("match", "text+bm25"):
            rho, chance = spearman_with_chance(x, [v[ranker][key] for v in videos], seed)
            rows.append(
                row(
                    f"{what} ({ranker})",
                    rho,
                    "rho",
                    COMMAND,
                    baseline="chance (95th percentile of |rho|, random pairings)",
                    baseline_value=chance,
                    notes=base,
                )
            )
    rows += register_rows(videos, k, base, seed)
    rows.append(
        row(
            "seconds to rank the index for a video (read descriptions + fit)",
            float(np.mean([v["match_seconds"] for v in videos])),
            "s",
            COMMAND,
            baseline="text search of the index (same query count)",
            baseline_value=float(np.mean([v["text_seconds"] for v in videos])),
            higher_is_better=False,
            notes=base + "; the video's reading (about 1 s) is not counted",
        )
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=int, default=300)
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default="all")
    ap.add_argument(
        "--cache", default=None, help="discovery features cache (default data/discovery/NAME-entries)"
    )
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="100 pieces, 4 videos")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.discovery.for_picture import library_traits
    from partita.discovery.index import DiscoveryIndex
    from partita.paths import data_dir

    if args.threads:
        torch.set_num_threads(args.threads)
    n_pieces, n_videos = (100, 4) if args.quick else (args.pieces, args.videos)
    cache = Path(args.cache) if args.cache else data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    rng = np.random.default_rng(args.seed)
    specs = [make_spec(rng, i) for i in range(n_videos)]
    folder = Path(tempfile.mkdtemp(prefix="bench-video-library-"))
    try:
        t0 = time.perf_counter()
        count = build_small_index(args.corpus, n_pieces, args.seed, folder / "index", cache)
        build_s = time.perf_counter() - t0
        index_ = DiscoveryIndex(folder / "index")
        library = library_traits(index_)
        by_id = {p.piece_id: p for p in library}
        videos = [run_video(s, index_, library, by_id, args.k, folder, i) for i, s in enumerate(specs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for v in videos:
        log.info(
            "video %d: asked %.0f bpm %s pitch %s; correspondence match %.2f (62 + 8 valence %.2f) text %.2f "
            "hybrid %.2f random %.2f", v["video"], v["asked_tempo"], v["asked_modes"], v["asked_pitches"],
            v["match"]["correspondence"], v[BEFORE]["correspondence"],
            v["text"]["correspondence"], v["text+bm25"]["correspondence"], v["random"]["correspondence"],
        )  # fmt: skip
    rows = summary_rows(videos, args.k, count, args.seed)
    path = write_result(
        "video_library",
        "Music for a video from the library: retrieved pieces against the video's controls",
        rows,
        quick=args.quick,
        extra={"videos": videos, "pieces": count, "k": args.k, "index_build_seconds": build_s},
    )
    print(path)


if __name__ == "__main__":
    main()
