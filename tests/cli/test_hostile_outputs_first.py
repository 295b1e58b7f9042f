"""Commands that write a file or folder refuse an output path that cannot be written before any work, in one
line: ``plan``, ``corpus build``, ``index build``, ``tokens build``, ``concept learn``, ``slices train``,
``prefs export`` and ``prefs import``. Each used to end in a ``NotADirectoryError`` or ``FileExistsError``
traceback, after the work (``concept learn``: after training, about a minute), or with a bare ``[Errno 17]``.

The inputs given are bad too (no such corpus, a junk store or pairs file): the line must be about the output,
which shows the output was checked first. The path lies under a regular file (the tests run as root, where a
read-only folder is writable anyway)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import mtrk, run_cli, scale, smf

SECONDS = 20.0
"""Refused before any work: seconds, imports included, on a shared machine."""


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile-outputs")
    (d / "a-file").write_text("in the way\n")
    (d / "empty").mkdir()
    (d / "junk.bin").write_bytes(bytes(range(256)) * 8)
    (d / "tune.mid").write_bytes(smf([mtrk(scale())]))
    return d


CASES = {
    "plan": ["plan", "a waltz in D", "-o", "{u}"],
    "corpus build": ["corpus", "build", "x", "--source", "{d}/empty", "--out", "{u}"],
    "index build": ["index", "build", "no-such-corpus", "-o", "{u}"],
    "tokens build": ["tokens", "build", "no-such-corpus", "{u}"],
    "concept learn": ["concept", "learn", "{d}/tune.mid", "--name", "x", "--model", "debug", "-o", "{u}"],
    "slices train": ["slices", "train", "no-such-corpus", "-o", "{u}"],
    "prefs export": ["prefs", "export", "{u}.parquet", "--db", "{d}/junk.bin"],
    "prefs import": ["prefs", "import", "{d}/junk.bin", "--db", "{u}", "--model", "debug"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_output_that_cannot_be_written_is_refused_first(d: Path, name: str) -> None:
    u = d / "a-file" / "x"
    args = [a.format(d=d, u=u) for a in CASES[name]]
    t0 = time.monotonic()
    code, text, escaped, tb = run_cli(args)
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert code == 1 and "Traceback" not in text, text
    said = [line for line in text.splitlines() if "Error: " in line or "error: " in line]
    assert len(said) == 1 and f"cannot write {u}" in said[0] and "is not a folder" in said[0], text
    assert time.monotonic() - t0 < SECONDS


def test_corpus_build_refuses_a_name_that_is_not_a_plain_name_in_one_line(d: Path) -> None:
    code, text, escaped, tb = run_cli(["corpus", "build", "../x", "--source", str(d / "empty")])
    assert escaped is None, tb
    assert code == 1 and "invalid corpus name '../x'" in text and "Traceback" not in text, text
