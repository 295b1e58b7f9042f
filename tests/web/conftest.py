"""Fixtures of the studio tests: one taught debug model, one tiny corpus, one running studio per module."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("gradio", reason="the studio needs gradio: pip install -e '.[web]'")

from studio_fixtures import build_tiny_corpus, playing_debug_model, running_studio  # noqa: E402


@pytest.fixture(scope="session")
def studio_model():
    return playing_debug_model()


@pytest.fixture(scope="session")
def corpora_root(tmp_path_factory) -> Path:
    return build_tiny_corpus(tmp_path_factory.mktemp("studio") / "corpora")


@pytest.fixture(scope="session")
def studio(studio_model, corpora_root):
    """One studio on a free loopback port for the API and browser tests: (url, app)."""
    from partita.web import Limits

    with running_studio(studio_model, corpora_root, Limits(max_candidates=2, max_bars=4)) as (url, app):
        yield url, app


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """Gradio's upload folder for this test: the only place the studio reads uploads from."""
    folder = tmp_path / "gradio"
    folder.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


@pytest.fixture
def local(studio_model, tmp_path):
    """A studio of the taught debug model without a server: 2 candidates and 4 bars at most."""
    from partita.web import Limits
    from partita.web.limits import WorkDir
    from partita.web.studio import Studio

    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(max_candidates=2, max_bars=4),
        work=WorkDir(60, tmp_path),
        corpora_root=tmp_path,
    )
    yield studio
    studio.close()
