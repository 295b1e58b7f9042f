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

Writes bench/results/serve.json. Only loopback traffic; every wait is bounded.
"""

from __future__ import annotations

import argparse
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
    """``partita serve`` in its own process, with its own temporary folder; its memory sampled as it runs."""

    def __init__(self, model: str, work: Path, timeout: float = 180) -> None:
        from studio_fixtures import free_port, wait_for

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-serve-", dir=work))
        env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
        env["TMPDIR"] = str(self.tmp)
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115  (open as long as the server runs)
        self.proc = subprocess.Popen(
            [
                str(PARTITA),
                "serve",
                "--model",
                model,
                "--port",
                str(self.port),
                "--max-candidates",
                "4",
                "--queue-size",
                "64",
            ],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 clients, 2 bars")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 20, quick 5)")
    parser.add_argument("--models", default="debug,debug-taught,partita-small")
    parser.add_argument("--n", type=int, default=1, help="candidates per request")
    parser.add_argument("--bars", type=int, default=None, help="bars per candidate (default 4, quick 2)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one client waits at most")
    args = parser.parse_args()
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
