"""Engines (issue 23 item 5): pieces per second of the corpus builder and of the discovery index build on the
local process pool (1 and 2 workers) and on Ray Data (a local Ray of 2 CPUs), the same pieces in one run.

The pieces: ``--n`` MIDI files of the built corpus ``all`` (a seeded sample of its manifest), copied into a
folder. Each engine then, from scratch:

- **corpus build**: :func:`partita.corpus.build_corpus` of that folder (read each file, check, normalise,
  write its MIDI, then the manifest, splits and corpus.json: the whole build, timed end to end);
- **index build**: :func:`partita.discovery.index.build_index` of the corpus just built (read each piece,
  describe, caption and featurise it, embed every piece with the shipped model, write the LanceDB table).

Ray is started once before the runs (``ray.init(num_cpus=2)``; its start is timed and reported apart) and
the Ray rows are timed with it running, as on a cluster that is already up: once with its worker processes
cold (they start and import partita during the build) and once warm (the same build again). A small
untimed build first imports everything in this process. Every engine runs ``--rounds`` times (a fresh Ray
each round) and the fastest time of each counts, since the machine's other jobs only slow a run down. The
bench checks that every engine gives the same pieces and the same vectors (the result file says so).

    python bench/bench_engines.py --n 1000 --rounds 3 --threads 1
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_engines")
SLOW = True  # builds the same pieces six times: run only when named
COMMAND = "python bench/bench_engines.py --n 1000 --rounds 3 --threads 1"
CONFIGS = (("process", 1), ("process", 2), ("ray", 2), ("ray-warm", 2))
"""``ray`` is the first build on the fresh Ray (its worker processes start and import partita: what one
``--engine ray`` command pays), ``ray-warm`` the same build again on the same Ray (its workers kept: the
rate a long job runs at once they are up)."""


def _label(engine: str, workers: int) -> str:
    if engine == "process":
        return f"process pool, {workers} worker{'s' if workers > 1 else ''}"
    return "Ray Data, 2 CPUs" + (", warm workers" if engine == "ray-warm" else ", cold workers")


def _sample(corpus: str, n: int, seed: int, folder: Path) -> int:
    """Copy ``n`` MIDI files of a built corpus (a seeded sample) into ``folder``; returns how many."""
    from partita.corpus import load_corpus

    loaded = load_corpus(corpus)
    records = sorted(loaded.records(), key=lambda r: r["piece_id"])
    random.Random(seed).shuffle(records)
    for r in records[:n]:
        source = loaded.path / r["midi_path"]
        target = folder / f"{r['piece_id']}.mid"
        shutil.copyfile(source, target)
    return min(n, len(records))


def _run(engine: str, workers: int, source: Path, work: Path) -> dict:
    from partita.corpus import build_corpus, load_corpus
    from partita.discovery.index import DiscoveryIndex, build_index

    name = f"{engine}-{workers}"
    engine = engine.removesuffix("-warm")
    t0 = time.perf_counter()
    summary = build_corpus(
        "bench", [str(source)], out_dir=work / f"corpus-{name}", workers=workers, engine=engine
    )
    t1 = time.perf_counter()
    meta = build_index(
        load_corpus(work / f"corpus-{name}"), work / f"index-{name}", workers=workers, engine=engine
    )
    t2 = time.perf_counter()
    table = DiscoveryIndex(work / f"index-{name}").table.to_arrow().sort_by("piece_id")
    return {
        "corpus_s": t1 - t0,
        "index_s": t2 - t1,
        "pieces": summary["pieces"],
        "rejects": summary["rejects"],
        "indexed": meta["count"],
        "ids": table["piece_id"].to_pylist(),
        "vectors": np.asarray(table["vector"].to_pylist(), dtype=np.float32),
    }


def _keep_best(results: dict, config: tuple[str, int], r: dict) -> None:
    """The fastest time of each stage over the rounds (other jobs only ever slow a run down); every round's
    pieces and vectors are checked against the first."""
    best = results.setdefault(config, {**r, "checks": []})
    best["checks"].append((r["ids"], r["vectors"]))
    best["corpus_s"] = min(best["corpus_s"], r["corpus_s"])
    best["index_s"] = min(best["index_s"], r["index_s"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="pieces")
    ap.add_argument("--corpus", default="all", help="the built corpus the pieces are taken from")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads of this process")
    ap.add_argument("--rounds", type=int, default=3, help="runs of every engine; the fastest counts")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    warnings.filterwarnings("ignore", message="lancedb fork support")  # the process pools fork after lancedb
    import ray
    import torch

    torch.set_num_threads(args.threads)
    load_before = round(os.getloadavg()[0], 2)  # other jobs on the machine share its cores
    work = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    try:
        source = work / "source"
        source.mkdir()
        n = _sample(args.corpus, args.n, args.seed, source)
        warm = work / "warm-up"  # this process imports what a build needs before anything is timed
        warm.mkdir()
        for f in sorted(source.iterdir())[:4]:
            shutil.copyfile(f, warm / f.name)
        _run("process", 1, warm, work / "warm-up-out")
        results: dict[tuple[str, int], dict] = {}
        ray_starts = []
        for round_ in range(args.rounds):
            for engine, workers in CONFIGS:
                if engine == "ray":  # a fresh Ray each round: its workers start cold
                    t0 = time.perf_counter()
                    ray.init(
                        address="local",
                        num_cpus=2,
                        include_dashboard=False,
                        log_to_driver=False,
                        logging_level="warning",
                    )
                    ray_starts.append(time.perf_counter() - t0)
                r = _run(engine, workers, source, work / f"round-{round_}")
                log.info(
                    "round %d, %s: corpus %.1f s (%.1f pieces/s), index %.1f s (%.1f pieces/s)",
                    round_,
                    _label(engine, workers),
                    r["corpus_s"],
                    n / r["corpus_s"],
                    r["index_s"],
                    r["indexed"] / r["index_s"],
                )
                _keep_best(results, (engine, workers), r)
                if engine == "ray-warm":
                    ray.shutdown()
        ray_start = min(ray_starts)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    first = results[CONFIGS[0]]
    checks = [c for r in results.values() for c in r["checks"]]
    same_ids = all(ids == first["ids"] for ids, _ in checks)
    max_diff = max(float(np.abs(vectors - first["vectors"]).max()) for _, vectors in checks)
    rows = []
    for stage, key, count in (("corpus build", "corpus_s", "pieces"), ("index build", "index_s", "indexed")):
        speed = {c: results[c][count] / results[c][key] for c in CONFIGS}
        for config, baseline in (
            (("process", 1), None),
            (("process", 2), ("process", 1)),
            (("ray", 2), ("process", 2)),
            (("ray-warm", 2), ("process", 2)),
        ):
            rows.append(
                row(
                    f"{stage}, {_label(*config)}",
                    round(speed[config], 2),
                    "pieces/s",
                    COMMAND,
                    baseline=_label(*baseline) if baseline else None,
                    baseline_value=round(speed[baseline], 2) if baseline else None,
                    notes=f"{results[config][count]} pieces in {results[config][key]:.1f} s"
                    + (
                        f"; Ray started before the runs ({ray_start:.1f} s, not counted)"
                        if config[0] != "process"
                        else ""
                    ),
                )
            )
    rows.append(
        row(
            "Ray start (local, 2 CPUs)",
            round(ray_start, 2),
            "s",
            COMMAND,
            higher_is_better=False,
            notes="ray.init(num_cpus=2) once; paid by every build that starts its own Ray",
        )
    )
    path = write_result(
        "engines",
        "Engines: corpus and index build on the process pool and on Ray Data (pieces/s, 2 cores)",
        rows,
        extra={
            "n": n,
            "rounds": args.rounds,
            "rejects": {_label(*c): results[c]["rejects"] for c in CONFIGS},
            "same_pieces_every_engine": same_ids,
            "max_vector_difference": max_diff,
            "load_average_1min_before_after": [load_before, round(os.getloadavg()[0], 2)],
        },
    )
    log.info("same pieces: %s, largest vector difference %.2g; wrote %s", same_ids, max_diff, path)


if __name__ == "__main__":
    main()
