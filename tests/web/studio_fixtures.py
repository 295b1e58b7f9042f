"""Helpers of the studio tests (also used by bench/bench_serve.py): a debug model that plays, a tiny corpus, a
server on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROMPT = "a piano piece in C major, 2 bars"


def playing_debug_model(steps: int = 150):
    """partita's debug model taught one 2-bar C major arpeggio, so that it plays notes (the untrained one does
    not).

    It stays the tiny debug architecture (2 layers, width 32); teaching it takes a few seconds on one thread.
    """
    import symusic
    import torch

    from partita.generation.prompt import project_prompt
    from partita.pipelines import load_generator

    generator = load_generator("debug")
    model, tok = generator.model, generator.tokenizer
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Piano", 0, False)
    for i, pitch in enumerate([60, 64, 67, 72, 67, 64, 60, 62]):
        track.notes.append(symusic.Note(i * 480, 480, pitch, 80))
    score.tracks.append(track)
    ids = tok.encode(score, project_prompt(PROMPT).conditions)
    x, y = torch.tensor([ids[:-1]]), torch.tensor([ids[1:]])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model.train()
            opt = torch.optim.AdamW(model.parameters(), lr=2e-2)
            for _ in range(steps):
                _, loss = model(x, y)
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        torch.set_num_threads(threads)
    model.card = {"name": "debug (taught one arpeggio)"}
    model.eval()
    return generator


def build_tiny_corpus(root: Path) -> Path:
    """A corpus 'tunes' of the two ABC waltzes in tests/fixtures, built under ``root`` (one process)."""
    from partita.corpus import build_corpus

    src = root.parent / "tunes-src"
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "score" / "two_tunes.abc", src / "two_tunes.abc")
    build_corpus("tunes", [str(src)], out_dir=root / "tunes", workers=1)
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_studio(model, corpora_root: Path | None = None, limits=None) -> Iterator[tuple[str, object]]:
    """A studio served on a free loopback port, with its own Gradio folder; stopped and cleaned up on exit."""
    temp = tempfile.mkdtemp(prefix="partita-test-gradio-")
    old = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = temp
    from partita.web import build_app, launch

    app = build_app(model, corpora_root=corpora_root or Path(temp) / "no-corpora", limits=limits)
    try:
        for attempt in range(3):  # Gradio gives uvicorn 5 s to start, which a busy machine may miss
            port = free_port()
            try:
                launch(app, "127.0.0.1", port, block=False, quiet=True)
                break
            except OSError:
                if attempt == 2:
                    raise
        url = f"http://127.0.0.1:{port}/"
        wait_for(url, 30)
        yield url, app
    finally:
        app.close()
        app.studio.close()
        if old is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = old
        shutil.rmtree(temp, ignore_errors=True)


def wait_for(url: str, seconds: float) -> None:
    import urllib.request

    end = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def call_raw(url: str, endpoint: str, data: list) -> tuple[str, object]:
    """The curl way (README): POST the inputs, then read the event stream; returns (event, data)."""
    req = urllib.request.Request(
        f"{url}gradio_api/call/{endpoint}",
        data=json.dumps({"data": data}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        event_id = json.loads(r.read())["event_id"]
    event, payload = None, None
    with urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event_id}", timeout=120) as r:
        for raw in r:
            line = raw.decode().strip()
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.split(":", 1)[1])
                break
    return event, payload
