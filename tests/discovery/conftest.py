"""Fixtures of the discovery tests: a tiny corpus of four ABC tunes in different keys and meters, and its
index built with the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest

TUNE = "X:{x}\nT:{title}\nR:{rhythm}\nM:{meter}\nL:1/8\nK:{key}\n{body}\n"
TUNES = [
    dict(
        title="Minor Waltz",
        rhythm="waltz",
        meter="3/4",
        key="Am",
        body="A2 c2 e2 | a4 e2 | d2 f2 a2 | e6 |]" * 4,
    ),
    dict(
        title="Quick Reel",
        rhythm="reel",
        meter="4/4",
        key="D",
        body="DFAF dFAF | GBdB AFED | DFAF dfed | BdAF D4 |]" * 3,
    ),
    dict(
        title="Little Jig",
        rhythm="jig",
        meter="6/8",
        key="G",
        body="GAG GBd | edB dBA | GAG GBd | BAG A3 |]" * 4,
    ),
    dict(title="Slow March", rhythm="march", meter="2/4", key="F", body="F2 A2 | c2 A2 | B2 G2 | F4 |]" * 4),
]


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A built corpus of the four tunes."""
    from partita.corpus import build_corpus

    base = tmp_path_factory.mktemp("discovery")
    folder = base / "tunes"
    folder.mkdir()
    text = "\n".join(TUNE.format(x=i + 1, **t) for i, t in enumerate(TUNES))
    (folder / "tunes.abc").write_text("%abc-2.1\n\n" + text)
    out = base / "corpus"
    build_corpus("tiny", [str(folder)], out_dir=out, workers=1)
    return out


@pytest.fixture(scope="session")
def tiny_index(tiny_corpus, tmp_path_factory) -> Path:
    """The index of the tiny corpus."""
    from partita.corpus import load_corpus
    from partita.discovery.index import build_index

    path = tmp_path_factory.mktemp("index") / "idx"
    build_index(load_corpus(tiny_corpus), path)
    return path
