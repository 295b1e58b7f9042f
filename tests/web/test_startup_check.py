"""Gradio's own start-up check (one HEAD request, a 3 s time-out, ``False`` at the first time-out) made
patient: a new server that answers late on a busy machine still starts, in one launch."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

gr = pytest.importorskip("gradio")

import httpx  # noqa: E402

from partita.web import Limits  # noqa: E402
from partita.web.app import STARTUP_TRIES, launch  # noqa: E402
from partita.web.startup import WRONG_ANSWERS, patient_startup_check, server_answers  # noqa: E402


class SlowFirstAnswers:
    """``httpx.head`` whose first ``late`` requests time out, as on a machine at load 15; the rest are
    answered by the real ``httpx.head`` (or with ``status`` where given)."""

    def __init__(self, late: int, status: int | None = None) -> None:
        self.late, self.status, self.calls = late, status, 0
        self.real = httpx.head

    def __call__(self, url, **kwargs):
        self.calls += 1
        if self.calls <= self.late:
            raise httpx.ReadTimeout("timed out")
        if self.status is not None:
            return httpx.Response(self.status, request=httpx.Request("HEAD", url))
        return self.real(url, **kwargs)


def test_the_check_asks_again_after_time_outs(monkeypatch):
    slow = SlowFirstAnswers(late=4, status=200)
    monkeypatch.setattr(httpx, "head", slow)
    from gradio import networking

    assert not networking.url_ok("http://127.0.0.1:1/")  # Gradio's own gives up at the first time-out
    slow.calls = 0
    assert server_answers("http://127.0.0.1:1/", wait=10, sleep=0)
    assert slow.calls == 5


def test_the_check_gives_up_after_its_wait_and_on_wrong_answers(monkeypatch):
    monkeypatch.setattr(httpx, "head", SlowFirstAnswers(late=10**6))
    assert not server_answers("http://127.0.0.1:1/", wait=0.2, sleep=0.01)
    wrong = SlowFirstAnswers(late=0, status=502)  # a proxy answering for localhost
    monkeypatch.setattr(httpx, "head", wrong)
    assert not server_answers("http://127.0.0.1:1/", wait=10, sleep=0)
    assert wrong.calls == WRONG_ANSWERS


def test_gradio_check_is_put_back_after_the_launch():
    from gradio import networking

    before = networking.url_ok
    with patient_startup_check():
        assert networking.url_ok is not before
    assert networking.url_ok is before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_answers_late_starts_in_one_launch(monkeypatch):
    """More late answers than :data:`STARTUP_TRIES`: before, every start failed its check (StartupError)."""
    with gr.Blocks() as app:
        gr.Markdown("partita")
    app.studio = SimpleNamespace(limits=Limits())
    slow = SlowFirstAnswers(late=STARTUP_TRIES + 1)
    monkeypatch.setattr(httpx, "head", slow)
    port = free_port()
    try:
        launch(app, "127.0.0.1", port, block=False, quiet=True)
        assert slow.calls == STARTUP_TRIES + 2  # the late ones, then one answered
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        app.close()
