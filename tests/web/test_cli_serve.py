"""``partita serve`` as a user runs it: loopback by default, answers its page and API, stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from studio_fixtures import free_port, wait_for

PARTITA = Path(sys.executable).with_name("partita")


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_partita_serve_answers_on_loopback_and_cleans_up(tmp_path, stop_signal):
    port = free_port()
    temp = tmp_path / "tmp"  # the server's temporary folders (uploads, Gradio's cache, work) go here
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
    env.update(TMPDIR=str(temp), PARTITA_DATA=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [str(PARTITA), "serve", "--model", "debug", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/", 200)  # generous: CI machines may be busy
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/info", timeout=10) as r:
            assert b"/compose" in r.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert b"partita studio" in r.read()
        made = sorted(p.name.split("-")[1] for p in temp.iterdir() if p.name.startswith("partita-"))
        assert made == ["gradio"], made  # the studio's work folder lies inside Gradio's (served, not copied)
        inside = next(temp.glob("partita-gradio-*")).glob("partita-*")
        assert [p.name.split("-")[1] for p in inside] == ["studio"]
    finally:
        proc.send_signal(stop_signal)
        try:
            out, _ = proc.communicate(timeout=120)  # a busy CI machine may take a while to shut Gradio down
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            out += "\n[killed: it had not exited 120 s after SIGINT]"
    assert "Traceback" not in out, out
    assert proc.returncode == 0, out
    left = [p.name for p in temp.iterdir() if p.name.startswith("partita-")]
    assert not left, f"temporary folders left behind: {left}; server output:\n{out}"


def test_serve_refuses_bad_options_in_one_line():
    out = subprocess.run([str(PARTITA), "serve", "--port", "0"], capture_output=True, text=True, timeout=60)
    assert (
        out.returncode == 2 and "Invalid value for '--port'" in out.stderr and "Traceback" not in out.stderr
    )


def test_serve_caps_reach_the_limits(monkeypatch):
    from click.testing import CliRunner

    import partita.web as web
    from partita.cli.serve import serve

    seen = {}
    monkeypatch.setattr(web, "serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(serve, ["--model", "debug", "--max-temp-mib", "64", "--max-sessions", "32"])
    assert result.exit_code == 0, result.output
    assert seen["limits"].max_temp_bytes == 64 * 2**20 and seen["limits"].max_sessions == 32
    result = CliRunner().invoke(serve, ["--max-temp-mib", "1"])
    assert result.exit_code == 2 and "--max-temp-mib" in result.output
