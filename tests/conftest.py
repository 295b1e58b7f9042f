"""Shared test helpers: fixture paths and tiny scores built in code."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import symusic

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@contextlib.contextmanager
def _torch_threads(n: int):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def one_thread():
    """Torch on one thread for the test: on the loaded 2-core machine more threads only contend."""
    with _torch_threads(1):
        yield


@pytest.fixture(scope="module")
def one_thread_module():
    """Torch on one thread for a whole test module, its module-scoped fixtures included (a module-scoped
    fixture is set up before any function-scoped one, so :func:`one_thread` comes too late for it): a
    module that compares a run made in such a fixture with another made in a test, to the bit, needs both
    on the same thread count."""
    with _torch_threads(1):
        yield


def make_score(
    pitches: list[int] | None = None,
    tpq: int = 480,
    qpm: float = 120.0,
    program: int = 0,
    step: int = 480,
    time_signature: tuple[int, int] = (4, 4),
) -> symusic.Score:
    """A one-track score of quarter notes (C major scale by default)."""
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    s.time_signatures.append(symusic.TimeSignature(0, *time_signature))
    t = symusic.Track("Piano", program, False)
    for i, p in enumerate(pitches if pitches is not None else [60, 62, 64, 65, 67, 69, 71, 72]):
        t.notes.append(symusic.Note(i * step, step, p, 80))
    s.tracks.append(t)
    return s


@pytest.fixture
def scale_score() -> symusic.Score:
    return make_score()


USERS_FILE = b"MThd my own candidate, not partita's"
"""The bytes of a file the user made, for tests that partita never overwrites one."""


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """A folder holding the user's own candidate-1.mid (:data:`USERS_FILE`)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "candidate-1.mid").write_bytes(USERS_FILE)
    return folder
