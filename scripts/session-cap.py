"""Measure the studio's session cap (``Limits.max_sessions``): memory and latency at each cap given.

For each cap a fresh ``partita serve`` process (the debug model taught one arpeggio, the tiny corpus of
tests/web) answers the same mixed requests as the soak of ``bench/bench_serve.py`` (a quarter generations, a
quarter analyses of an upload, the rest corpus views), each request its own Gradio session as curl makes one,
so that the sessions kept reach the cap. Printed per cap: the server's resident memory after the warm-up and
at the end, its peak, and the latency percentiles of the requests (from sending to the answer). Run it
niced and on one thread, it shares the machine::

    OMP_NUM_THREADS=1 nice -n 15 .venv/bin/python scripts/session-cap.py --caps 256,32 --requests 400

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "web"))


def one_cap(cap: int, model: str, work: Path, corpora: Path, requests: int, clients: int) -> dict:
    """``requests`` soak requests from ``clients`` threads against a server keeping ``cap`` sessions."""
    import httpx
    import pyarrow.parquet as pq

    from bench_serve import SOAK_FILES_CAP, SOAK_MIX, Server, soak_request

    limits = {"max_temp_bytes": 64 * 2**20, "max_temp_files": SOAK_FILES_CAP, "max_sessions": cap}
    for attempt in range(3):  # Gradio gives its server 5 s to answer, which a busy machine may miss
        try:
            server = Server(model, work, corpora=corpora, limits=limits)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        manifest = corpora / "tunes" / "manifest.parquet"
        piece = pq.read_table(manifest, columns=["piece_id"]).column(0)[0].as_py()
        with httpx.Client() as http:
            for i in range(len(SOAK_MIX)):  # every kind once: first-use imports, fonts, caches
                soak_request(http, server.url, i, piece, 300)
        warm = server.rss_bytes()
        counter, lock = itertools.count(), threading.Lock()
        times: dict[str, list[float]] = {}
        errors: list[str] = []

        def client() -> None:
            with httpx.Client() as http:
                while (i := next(counter)) < requests:
                    t0 = time.perf_counter()
                    kind, error = soak_request(http, server.url, i, piece, 300)
                    with lock:
                        times.setdefault(kind, []).append(time.perf_counter() - t0)
                        errors.extend([error] if error else [])

        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            for f in [pool.submit(client) for _ in range(clients)]:
                f.result()
        wall = time.perf_counter() - t0
        every = np.array([t for ts in times.values() for t in ts])
        return {
            "max_sessions": cap,
            "requests": int(every.size),
            "wall_s": round(wall, 1),
            "errors": errors,
            "rss_warm_mib": round(warm / 2**20, 1),
            "rss_end_mib": round(server.rss_bytes() / 2**20, 1),
            "rss_peak_mib": round(server.peak_bytes() / 2**20, 1),
            "latency_s": {f"p{p}": round(float(np.percentile(every, p)), 3) for p in (50, 90, 99)},
            "latency_by_kind_p50_s": {k: round(float(np.median(v)), 3) for k, v in sorted(times.items())},
        }
    finally:
        server.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--caps", default="256,32", help="session caps to measure, in turn")
    ap.add_argument("--requests", type=int, default=400, help="requests against each cap")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--out", type=Path, default=None, help="also write the results here (JSON)")
    args = ap.parse_args()
    from studio_fixtures import build_tiny_corpus

    from bench_serve import model_folder

    work = Path(tempfile.mkdtemp(prefix="partita-session-cap-"))
    corpora = build_tiny_corpus(work / "corpora")
    model, _ = model_folder("debug-taught", work)
    results = []
    for cap in [int(c) for c in args.caps.split(",")]:
        results.append(one_cap(cap, model, work, corpora, args.requests, args.clients))
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
