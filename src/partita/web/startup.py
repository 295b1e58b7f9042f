"""Gradio's start-up check, made patient: a busy machine answers the new server's first request late.

``Blocks.launch()`` asks the server it has just started for its page (``gradio.networking.url_ok``: a HEAD
request with a 3 s time-out, ``False`` at the first time-out) and raises ``ValueError: When localhost is not
accessible, a shareable link must be created`` when that fails. Nothing in Gradio sets that time-out (no
argument, no environment variable), and on a machine at load 15 the first answer of a new server can take
longer (one start in three failed so in a soak run, docs/RELIABILITY.md). :func:`patient_startup_check`
puts :func:`server_answers` in its place for the length of a launch: it asks again after a time-out or a
refused connection until :data:`STARTUP_WAIT` seconds have passed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)

STARTUP_WAIT = 30.0
"""Seconds the start-up check waits for the new server's first answer (Gradio's own: one 3 s request)."""
REQUEST_TIMEOUT = 10.0
"""Seconds one request of the check may take."""
ANSWERS = frozenset({200, 401, 301, 302, 303, 307, 308})
"""The status codes Gradio's check takes as an answer (401 or a redirect where the app asks for a login)."""
WRONG_ANSWERS = 5
"""Requests answered with another status before the check gives up (Gradio's own count): a proxy that
answers for localhost does not answer better by waiting."""


def server_answers(url: str, wait: float = STARTUP_WAIT, sleep: float = 0.5) -> bool:
    """Whether the server at ``url`` answers a HEAD request as Gradio's check asks, trying again after a
    time-out or a refused connection until ``wait`` seconds have passed."""
    import httpx  # comes with gradio (the optional web extra)

    deadline = time.monotonic() + wait
    wrong = 0
    while True:
        left = deadline - time.monotonic()
        try:
            answer = httpx.head(url, timeout=max(1.0, min(REQUEST_TIMEOUT, left)), verify=False)
            if answer.status_code in ANSWERS:
                return True
            wrong += 1
            if wrong >= WRONG_ANSWERS:
                return False
        except (httpx.TimeoutException, httpx.TransportError) as err:
            log.info("the new server did not answer yet (%s): asking again", type(err).__name__)
        if time.monotonic() >= deadline:
            return False
        time.sleep(sleep)


@contextlib.contextmanager
def patient_startup_check(wait: float = STARTUP_WAIT) -> Iterator[None]:
    """Gradio's start-up check replaced by :func:`server_answers` inside the ``with`` block (left as it is
    where this Gradio has no ``networking.url_ok``: the launch's own retries still hold)."""
    try:
        from gradio import networking
    except ImportError:
        networking = None
    original = getattr(networking, "url_ok", None)
    if original is None:
        yield
        return
    networking.url_ok = functools.partial(server_answers, wait=wait)
    try:
        yield
    finally:
        networking.url_ok = original
