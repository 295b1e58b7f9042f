"""The studio's session cap (``Limits.max_sessions``) holds: with N sessions kept, more clients are still
answered, Gradio keeps at most N sessions' state (the least recently used dropped), and a client whose state
was dropped is answered in one sentence ("generate candidates first"), never with a crash. (A client beyond
the *queue* is refused at once with "queue is full": tests/web/test_api.py.)"""

from __future__ import annotations

import pytest

CAP = 3
COMPOSE = ["a piano piece in C major", 1, "1", "(from the prompt)", "", "(from the prompt)", "", "2"]
COMPOSE += ["", "", "", "", False, "", False]


@pytest.mark.timeout(300)
def test_sessions_beyond_the_cap_are_answered_and_the_oldest_is_forgotten(studio_model, corpora_root):
    from gradio_client import Client
    from studio_fixtures import running_studio

    from partita.web import Limits

    limits = Limits(max_candidates=1, max_bars=2, max_sessions=CAP)
    with running_studio(studio_model, corpora_root, limits) as (url, app):
        sessions = app.state_holder.session_data

        def client() -> Client:
            return Client(url, analytics_enabled=False, verbose=False)

        first = client()
        assert first.predict(*COMPOSE, api_name="/compose")[0]["candidates"]
        assert first.session_hash in sessions
        others = [client() for _ in range(CAP + 2)]
        for c in others:  # each its own session: more than the cap, every one answered
            assert "tunes" in str(c.predict(api_name="/corpora"))
            assert len(sessions) <= CAP
        assert first.session_hash not in sessions and others[-1].session_hash in sessions
        with pytest.raises(Exception, match="generate candidates first"):  # its candidates were forgotten
            first.predict(1, 3, api_name="/rate")
        assert "tunes" in str(first.predict(api_name="/corpora"))  # and the server serves it on
        assert len(sessions) <= CAP
