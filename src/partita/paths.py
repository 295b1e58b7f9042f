"""Where partita keeps its data and finds the reference data.

- ``data_dir()``: partita's own artifacts (corpora, runs, reports): ``$PARTITA_DATA`` or ``./data``.
- ``shared_data_dir()``: the read-only reference data (JSB chorales, POP909): ``$PARTITA_SHARED_DATA``, else
  the first ``shared/data`` found beside the working folder or the source checkout. Never written to.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder for partita's own artifacts."""
    return Path(os.environ.get("PARTITA_DATA", "data")).expanduser()


def corpora_dir() -> Path:
    """The folder that holds built corpora, one sub-folder per corpus name."""
    return data_dir() / "corpora"


def shared_data_dir(required: bool = True) -> Path | None:
    """The reference data folder (``jsb/``, ``pop909/``); raises FileNotFoundError with a clear message if
    absent."""
    env = os.environ.get("PARTITA_SHARED_DATA")
    candidates = [Path(env).expanduser()] if env else []
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *Path.cwd().parents[:3], *here.parents[:6]):
        candidates.append(base / "shared" / "data")
        candidates.append(base.parent / "shared" / "data")
    for c in candidates:
        if (c / "jsb").is_dir() or (c / "pop909").is_dir():
            return c
    if required:
        raise FileNotFoundError(
            "the reference data (jsb/, pop909/) was not found: set PARTITA_SHARED_DATA to the folder that "
            "holds them"
        )
    return None
