"""Load benchmark of the studio (``partita serve``): N concurrent clients against a loopback server.

For each model, ``partita serve`` runs as its own process on a free loopback port; after one warm-up request,
the same N requests sent one after another give the baseline, then N clients (threads with their own
``gradio_client.Client``) each send one generation request at the same moment. Measured: latency percentiles
(p50, p90, p99, max), throughput (requests answered per minute), errors (goal: none) and the server's peak
resident memory (VmHWM; FluidSynth runs as a child process and is not counted). The queue answers requests in
turn (``generate_concurrency`` 1), so latency grows with the place in the queue while memory must stay flat.

Models: ``debug`` (untrained: it plays few or no notes, so little is rendered), ``debug-taught`` (the debug
model taught one arpeggio, as in tests/web: every candidate is rendered to MIDI, MusicXML, WAV, piano roll and
engraved score) and ``partita-small`` (the shipped model; while it is not shipped, a model of its architecture
with random weights, said in the notes: the same compute per token).

    python bench/bench_serve.py [--quick] [--clients 20] [--models debug,debug-taught,partita-small]

Soak (``--soak N``): N mixed requests (compose with the debug-taught model, analyze of an upload, a corpus
piece, the cheap corpus views) from a few clients, each request its own Gradio session (as curl and every page
load make one), against a server with the studio's caps; every K requests the server's resident memory (VmRSS)
and the size of its temporary files are sampled, and rows say whether both level off (growth over the last
quarter of the requests against the first quarter's, after a warm-up). ``--soak-baseline`` runs the same
requests first against a server without the caps (Gradio's 10,000 sessions, no cap on the files).

    python bench/bench_serve.py --soak 1000 [--soak-clients 4] [--soak-every 50] [--soak-baseline]

Writes bench/results/serve.json (bench/results/serve_soak.json for a soak). Only loopback traffic; every wait
is bounded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "web"))
from common import row, write_result  # noqa: E402

SLOW = True  # minutes per model: `python -m bench serve` runs it on purpose, `make bench` leaves it out
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
PARTITA = Path(sys.executable).with_name("partita")
BLANK = "(from the prompt)"
PROMPT = "a piano piece in C major"


def model_folder(name: str, work: Path) -> tuple[str, str]:
    """What to pass to ``partita serve --model`` for a benchmark model name, and a note on what it is."""
    if name == "debug":
        return "debug", "the untrained debug model"
    if name == "debug-taught":
        from studio_fixtures import playing_debug_model

        model = playing_debug_model()
        return str(model.save_pretrained(work / "debug-taught")), "the debug model taught one arpeggio"
    if name == "partita-small":
        from partita.models.pretrained import available_models

        if "partita-small" in available_models():
            return "partita-small", "the shipped partita-small"
        import torch

        from partita.models import MusicLM
        from partita.models.music_lm import MusicLMConfig
        from partita.tokens import MiditokTokenizer
        from partita.training.config import PRESETS

        tok = MiditokTokenizer()
        arch = dict(PRESETS["small"]["model"])
        torch.manual_seed(0)
        model = MusicLM(
            MusicLMConfig(
                vocab_size=tok.vocab_size, bos_id=tok.bos_id, eos_id=tok.eos_id, pad_id=tok.pad_id, **arch
            )
        )
        model.tokenizer = tok
        model.card = {"name": "partita-small architecture, random weights"}
        folder = model.save_pretrained(work / "small-untrained")
        return str(folder), "partita-small is not shipped yet: its architecture with random weights"
    return name, name


class Server:
    """``partita serve`` in its own process, with its own temporary folder; its memory sampled as it runs.

    ``limits`` (fields of :class:`partita.web.Limits`) serve through :func:`partita.web.serve` itself, as
    ``partita serve`` does, for the limits the command line has no flag for."""

    def __init__(
        self,
        model: str,
        work: Path,
        timeout: float = 180,
        corpora: Path | None = None,
        limits: dict | None = None,
    ) -> None:
        from studio_fixtures import free_port, wait_for

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.corpora = corpora
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-serve-", dir=work))
        env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
        env["TMPDIR"] = str(self.tmp)
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115  (open as long as the server runs)
        if limits is None:
            command = [str(PARTITA), "serve", "--model", model, "--port", str(self.port)]
            command += ["--max-candidates", "4", "--queue-size", "64"]
            command += ["--corpora", str(corpora)] if corpora is not None else []
        else:
            code = (
                "import sys, json; from partita.web import Limits, serve; "
                "serve(port=int(sys.argv[1]), model=sys.argv[2], limits=Limits(**json.loads(sys.argv[3])), "
                "corpora_root=sys.argv[4] or None)"
            )
            args = [str(self.port), model, json.dumps(limits), str(corpora or "")]
            command = [sys.executable, "-c", code, *args]
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.rss_peak = 0
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()
        try:
            wait_for(self.url, timeout)
        except OSError:
            self.log.flush()
            tail = (self.tmp / "server.log").read_text()[-2000:]
            self.close()
            raise RuntimeError(f"the server did not start:\n{tail}") from None

    def _status(self, field: str) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.rss_peak = max(self.rss_peak, self._status("VmRSS"))

    def peak_bytes(self) -> int:
        return max(self.rss_peak, self._status("VmHWM"))

    def rss_bytes(self) -> int:
        return self._status("VmRSS")

    def temp_usage(self) -> tuple[int, int]:
        """``(bytes, files)`` of the server's temporary files (Gradio's folder: uploads, the studio's request
        folders), its log left out."""
        size = count = 0
        for folder, _, names in os.walk(self.tmp):  # a folder pruned while walked is passed over
            for name in names:
                try:
                    if name != "server.log":
                        size, count = size + os.lstat(os.path.join(folder, name)).st_size, count + 1
                except OSError:  # pruned while counted
                    continue
        return size, count

    def close(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def one_request(url: str, seed: int, n: int, bars: int, timeout: float) -> tuple[float, str | None, int]:
    """(seconds, error or None, notes generated) of one /compose request through gradio_client."""
    from gradio_client import Client

    t0 = time.perf_counter()
    try:
        client = Client(url, analytics_enabled=False, verbose=False)
        job = client.submit(
            PROMPT,
            n,
            str(seed),
            BLANK,
            "",
            BLANK,
            "",
            str(bars),
            "",
            "",
            "",
            "",
            False,
            "",
            api_name="/compose",
        )
        summary, _files = job.result(timeout=timeout)
        notes = sum(c["notes"] for c in summary["candidates"])
        return time.perf_counter() - t0, None, notes
    except Exception as e:  # counted as an error of the benchmark
        error = f"{type(e).__name__}: {e}"[:200]
        print(f"request {seed}: {error}", file=sys.stderr, flush=True)
        return time.perf_counter() - t0, error, 0


def bench_model(
    name: str, clients: int, n: int, bars: int, work: Path, timeout: float
) -> tuple[list[dict], dict]:
    model, what = model_folder(name, work)
    server = Server(model, work)
    try:
        one_request(server.url, 0, n, bars, timeout)  # warm-up: first-use imports, fonts, caches
        base_rss = server.rss_bytes()
        seeds = [100 + i for i in range(clients)]
        t0 = time.perf_counter()  # the baseline: the same requests, one after another
        alone = [one_request(server.url, s, n, bars, timeout) for s in seeds]
        alone_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda s: one_request(server.url, s, n, bars, timeout), seeds))
        wall = time.perf_counter() - t0
        peak = server.peak_bytes()
        end_rss = server.rss_bytes()
    finally:
        server.close()
    lat = np.array([r[0] for r in results if r[1] is None])
    seq = np.array([r[0] for r in alone if r[1] is None])
    errors = [r[1] for r in results if r[1] is not None]
    alone_errors = [r[1] for r in alone if r[1] is not None]
    notes = sum(r[2] for r in results)
    ok = len(lat)

    def pct(x: np.ndarray, p: float) -> float:
        return float(np.percentile(x, p)) if len(x) else float("nan")

    cmd = f"python bench/bench_serve.py --models {name} --clients {clients} --n {n} --bars {bars}"
    note = (
        f"{what}; {clients} clients at once, {n} candidate(s) of {bars} bars each, answered one at a time; "
        "baseline: the same requests sent one after another"
    )
    tag = f"serve {name}"
    base = "the same requests one at a time"
    rows = [
        row(f"{tag}: latency p{p}", pct(lat, p), "s", cmd, base, pct(seq, p), False, notes=note)
        for p in (50, 90, 99)
    ]
    rows += [
        row(f"{tag}: latency max", pct(lat, 100), "s", cmd, base, pct(seq, 100), False, notes=note),
        row(
            f"{tag}: throughput",
            60.0 * ok / wall,
            "requests/min",
            cmd,
            base,
            60.0 * len(seq) / alone_wall,
            True,
            notes=note,
        ),
        row(
            f"{tag}: errors",
            len(errors),
            "requests",
            cmd,
            base,
            len(alone_errors),
            False,
            goal="0",
            notes="; ".join(sorted(set(errors)))[:300] or note,
        ),
        row(
            f"{tag}: peak memory",
            peak / 2**20,
            "MiB",
            cmd,
            "resident after warm-up",
            base_rss / 2**20,
            False,
            notes=f"{note}; resident at the end {end_rss / 2**20:.0f} MiB",
        ),
    ]
    detail = {
        "model": name,
        "what": what,
        "clients": clients,
        "n": n,
        "bars": bars,
        "wall_s": wall,
        "sequential_wall_s": alone_wall,
        "latencies_s": sorted(lat.tolist()),
        "sequential_latencies_s": seq.tolist(),
        "errors": errors,
        "sequential_errors": alone_errors,
        "notes_generated": notes,
        "peak_rss_mib": peak / 2**20,
        "rss_after_warmup_mib": base_rss / 2**20,
        "rss_end_mib": end_rss / 2**20,
    }
    return rows, detail


SOAK_FILES = ["minuet.musicxml", "two_tracks.mid", "reel_pickup.abc", "two_tunes.abc"]
SOAK_MIX = [
    "compose",
    "analyze",
    "corpus_values",
    "corpus_piece",
    "compose",
    "corpora",
    "analyze",
    "corpus_labels",
]
"""The soak's requests in turn: a quarter generations, a quarter analyses of an upload, one in eight a corpus
piece (captions, WAV, piano roll), the rest the cheap corpus views."""
SOAK_FILES_CAP = 1000
"""The soak server's cap on the count of its files; its cap on their size is ``--soak-max-mib`` (64 MiB):
below the defaults (2,000 files, 256 MiB), so that 1,000 requests reach them."""
UNCAPPED = {"max_temp_bytes": 2**50, "max_temp_files": 2**40, "max_sessions": 10000}
"""The baseline's server: Gradio's 10,000 sessions and no cap on the temporary files (as before the caps)."""


def soak_call(http, url: str, endpoint: str, data: list, timeout: float) -> str | None:
    """One request the curl way (its own Gradio session); the error text, or None when answered."""
    r = http.post(f"{url}gradio_api/call/{endpoint}", json={"data": data}, timeout=30)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    with http.stream("GET", f"{url}gradio_api/call/{endpoint}/{event_id}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                return None if event == "complete" else f"{endpoint}: {line[5:].strip()[:160]}"
    return f"{endpoint}: no answer"


def soak_request(http, url: str, i: int, piece_id: str, timeout: float) -> tuple[str, str | None]:
    """The soak's request number ``i`` (its kind from :data:`SOAK_MIX`): (kind, error or None)."""
    kind = SOAK_MIX[i % len(SOAK_MIX)]
    try:
        if kind == "compose":
            data = [PROMPT, 1, str(i), BLANK, "", BLANK, "", "2", "", "", "", "", False, "", False]
        elif kind == "analyze":
            name = SOAK_FILES[(i // len(SOAK_MIX)) % len(SOAK_FILES)]
            with open(HERE.parent / "tests" / "fixtures" / "score" / name, "rb") as f:
                r = http.post(f"{url}gradio_api/upload", files={"files": (name, f)}, timeout=30)
            r.raise_for_status()
            data = [{"path": r.json()[0], "meta": {"_type": "gradio.FileData"}}]
        elif kind == "corpus_piece":
            data = ["tunes", piece_id]
        elif kind == "corpus_values":
            data = ["tunes", "meter"]
        elif kind == "corpus_labels":
            data = ["tunes"]
        else:
            data = []
        return kind, soak_call(http, url, kind, data, timeout)
    except Exception as e:  # counted as an error of the benchmark
        return kind, f"{kind}: {type(e).__name__}: {e}"[:200]


def soak_run(server: Server, n: int, clients: int, every: int, timeout: float, minutes: float) -> dict:
    """``n`` mixed requests from ``clients`` threads; the server's RSS and temporary files every ``every``."""
    import httpx
    import pyarrow.parquet as pq

    manifest = server.corpora / "tunes" / "manifest.parquet"
    piece_id = pq.read_table(manifest, columns=["piece_id"]).column(0)[0].as_py()
    with httpx.Client() as http:
        for i in range(len(SOAK_MIX)):  # warm-up: every kind once (first-use imports, fonts, caches)
            soak_request(http, server.url, i, piece_id, timeout)
    counter, lock = itertools.count(), threading.Lock()
    done, errors, kinds = [0], [], {}
    samples = [(0, server.rss_bytes(), *server.temp_usage(), 0.0)]
    t0 = time.perf_counter()
    end = t0 + 60 * minutes

    def client() -> None:
        with httpx.Client() as http:
            while time.perf_counter() < end and (i := next(counter)) < n:
                kind, error = soak_request(http, server.url, i, piece_id, timeout)
                with lock:
                    done[0] += 1
                    kinds[kind] = kinds.get(kind, 0) + 1
                    if error:
                        errors.append(error)
                        print(f"soak request {i}: {error}", file=sys.stderr, flush=True)
                    if done[0] % every == 0:
                        size, files = server.temp_usage()
                        samples.append((done[0], server.rss_bytes(), size, files, time.perf_counter() - t0))

    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    wall = time.perf_counter() - t0
    return {
        "requests": done[0],
        "asked": n,
        "wall_s": wall,
        "kinds": kinds,
        "errors": errors,
        "samples": [
            {"requests": r, "rss_mib": m / 2**20, "temp_mib": b / 2**20, "temp_files": c, "seconds": t}
            for r, m, b, c, t in samples
        ],
        "peak_rss_mib": server.peak_bytes() / 2**20,
    }


def quarter_growth(samples: list[dict], field: str) -> tuple[float, float, float]:
    """(growth over the first quarter of the requests, over the last quarter, over the whole run)."""
    x = np.array([s["requests"] for s in samples], float)
    y = np.array([s[field] for s in samples], float)
    total = x[-1]

    def at(q: float) -> float:
        return float(np.interp(q * total, x, y))

    return at(0.25) - at(0.0), at(1.0) - at(0.75), at(1.0) - at(0.0)


def levels_off(first: float, last: float, slack: float) -> bool:
    """Growth has levelled off: the last quarter grew at most a quarter of the first's (or ``slack``)."""
    return last <= max(0.25 * max(first, 0.0), slack)


def soak(args, work: Path) -> None:
    from studio_fixtures import build_tiny_corpus

    from partita.web.limits import Limits

    corpora = build_tiny_corpus(work / "corpora")
    model, what = model_folder(args.soak_model, work)
    runs = {}
    capped = {"max_temp_bytes": args.soak_max_mib * 2**20, "max_temp_files": SOAK_FILES_CAP}
    for name, limits in ([("uncapped", UNCAPPED)] if args.soak_baseline else []) + [("capped", capped)]:
        server = Server(model, work, corpora=corpora, limits=limits)
        try:
            runs[name] = soak_run(
                server, args.soak, args.soak_clients, args.soak_every, args.timeout, args.soak_minutes
            )
        finally:
            server.close()
        r = runs[name]
        print(json.dumps({name: r}), file=sys.stderr, flush=True)  # kept in the log should a later run fail
        last = r["samples"][-1]
        print(
            f"{name}: {r['requests']} requests in {r['wall_s']:.0f} s, {len(r['errors'])} errors, "
            f"RSS {r['samples'][0]['rss_mib']:.0f} -> {last['rss_mib']:.0f} MiB, "
            f"temp {r['samples'][0]['temp_mib']:.1f} -> {last['temp_mib']:.1f} MiB "
            f"({last['temp_files']} files)",
            flush=True,
        )
    cap = runs["capped"]
    base = runs.get("uncapped")
    cmd = (
        f"python bench/bench_serve.py --soak {args.soak} --soak-clients {args.soak_clients} "
        f"--soak-every {args.soak_every} --soak-max-mib {args.soak_max_mib}"
        + (" --soak-baseline" if base else "")
    )
    mix = ", ".join(f"{k} {v}" for k, v in sorted(cap["kinds"].items()))
    note = (
        f"{what}; {cap['requests']} mixed requests ({mix}) "
        f"from {args.soak_clients} clients, each its own Gradio session, in {cap['wall_s']:.0f} s; caps "
        f"{args.soak_max_mib} MiB / {SOAK_FILES_CAP} files, {Limits().max_sessions} sessions, "
        "nothing younger than 30 s deleted"
    )
    rows = []
    for field, unit, slack, label in (
        ("rss_mib", "MiB", 16.0, "resident memory"),
        ("temp_mib", "MiB", 4.0, "temporary files"),
    ):
        first, last, total = quarter_growth(cap["samples"], field)
        peer = quarter_growth(base["samples"], field)[1] if base else first
        peer_name = (
            "the same requests without the caps: last-quarter growth" if base else "first-quarter growth"
        )
        rows.append(
            row(
                f"serve soak: {label} growth over the last quarter",
                last,
                unit,
                cmd,
                peer_name,
                peer,
                False,
                goal=f"levels off: at most a quarter of the first quarter's growth ({first:.1f} {unit}) "
                f"or {slack:g} {unit}",
                notes=f"{note}; first quarter {first:+.1f}, last {last:+.1f}, whole run {total:+.1f} {unit}; "
                f"levels off: {'yes' if levels_off(first, last, slack) else 'no'}",
            )
        )
        end_peer = base["samples"][-1][field] if base else cap["samples"][0][field]
        rows.append(
            row(
                f"serve soak: {label} at the end",
                cap["samples"][-1][field],
                unit,
                cmd,
                "the same requests without the caps" if base else "after the warm-up",
                end_peer,
                False,
                notes=f"{note}; highest sampled {max(s[field] for s in cap['samples']):.1f} {unit}",
            )
        )
    rows.append(
        row(
            "serve soak: errors",
            len(cap["errors"]),
            "requests",
            cmd,
            "the same requests without the caps" if base else None,
            len(base["errors"]) if base else None,
            False,
            goal="0",
            notes="; ".join(sorted(set(cap["errors"])))[:300] or note,
        )
    )
    path = write_result(
        "serve_soak",
        "Studio soak: memory and disk under 1,000+ mixed requests",
        rows,
        quick=False,
        extra={"runs": runs},
    )
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 clients, 2 bars")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 20, quick 5)")
    parser.add_argument("--models", default="debug,debug-taught,partita-small")
    parser.add_argument("--n", type=int, default=1, help="candidates per request")
    parser.add_argument("--bars", type=int, default=None, help="bars per candidate (default 4, quick 2)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one client waits at most")
    parser.add_argument("--soak", type=int, default=0, help="a soak of this many mixed requests instead")
    parser.add_argument("--soak-clients", type=int, default=4, help="clients of the soak")
    parser.add_argument("--soak-every", type=int, default=50, help="sample memory and disk every K requests")
    parser.add_argument("--soak-model", default="debug-taught")
    parser.add_argument("--soak-minutes", type=float, default=25.0, help="wall-clock limit of one soak run")
    parser.add_argument("--soak-max-mib", type=int, default=64, help="the soak server's cap on its files")
    parser.add_argument("--soak-baseline", action="store_true", help="the same soak without the caps first")
    args = parser.parse_args()
    if args.soak:
        import torch

        torch.set_num_threads(1)  # teaching the debug model, here; the server is its own process
        work = Path(tempfile.mkdtemp(prefix="partita-bench-soak-"))
        try:
            soak(args, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    clients = args.clients or (5 if args.quick else 20)
    bars = args.bars or (2 if args.quick else 4)
    work = Path(tempfile.mkdtemp(prefix="partita-bench-serve-"))
    rows, details = [], []
    try:
        for name in [m.strip() for m in args.models.split(",") if m.strip()]:
            r, d = bench_model(name, clients, args.n, bars, work, args.timeout)
            rows += r
            details.append(d)
            print(
                f"{name}: p50 {np.median(d['latencies_s']) if d['latencies_s'] else float('nan'):.1f} s, "
                f"{len(d['errors'])} errors, peak {d['peak_rss_mib']:.0f} MiB, wall {d['wall_s']:.0f} s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path = write_result(
        "serve",
        "Studio under load (partita serve, loopback)",
        rows,
        quick=args.quick,
        extra={"runs": details},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
