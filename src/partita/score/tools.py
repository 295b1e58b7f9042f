"""Running the external programs partita relies on (FFmpeg, FluidSynth): no stdin, output captured, a time
limit that ends in a :class:`~partita.score.errors.ScoreError` naming the file rather than a traceback."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence

from partita.score.errors import ScoreError

log = logging.getLogger(__name__)


def run_tool(
    cmd: Sequence[str], timeout: float, on_timeout: str, name: str, text: bool = False
) -> subprocess.CompletedProcess:
    """Run ``cmd``; past ``timeout`` seconds, ``ScoreError(on_timeout, "timeout", name)``."""
    log.debug("running %s", " ".join(map(str, cmd)))
    try:
        return subprocess.run(
            list(cmd), capture_output=True, text=text, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise ScoreError(on_timeout, "timeout", name) from None
