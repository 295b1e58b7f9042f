"""The one error type of score I/O: it names the file and the problem, so callers can report it as is."""

from __future__ import annotations


class ScoreError(ValueError):
    """A file that is not a readable score, or a score that breaks a limit.

    ``reason`` is a short machine-readable code (``missing``, ``unreadable``, ``symlink-loop``, ``empty``,
    ``truncated``, ``not-music``, ``unsafe-xml``, ``too-large``, ``no-notes``, ``absurd-tempo``,
    ``unsupported-format``, ``parse-error``, and the limits of :class:`partita.score.ScoreLimits`:
    ``zero-resolution``, ``too-many-tracks``, ``too-many-notes``, ``too-long``) used by the corpus rejects
    table; the message is for people.
    """

    def __init__(self, message: str, reason: str = "parse-error", path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
