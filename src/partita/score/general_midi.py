"""General MIDI program names: one table for the whole package (pretty_midi's, which follows the GM spec)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def gm_program_names() -> tuple[str, ...]:
    """The 128 General MIDI program names, program 0 first (``"Acoustic Grand Piano"``, ...)."""
    import pretty_midi  # imports in ~0.1 s, where miditok's copy of the table costs ~1 s

    return tuple(pretty_midi.program_to_instrument_name(p) for p in range(128))


def gm_program_name(program: int, is_drum: bool = False) -> str:
    """The General MIDI name of ``program`` (0-127), or ``"Drums"`` for a drum track."""
    if is_drum:
        return "Drums"
    if not 0 <= int(program) <= 127:
        raise ValueError(f"a General MIDI program is 0-127, got {program}")
    return gm_program_names()[int(program)]


@functools.lru_cache(maxsize=1)
def _by_name() -> dict[str, int]:
    return {n.lower(): p for p, n in enumerate(gm_program_names())}


def gm_program_of(name: str) -> int | None:
    """The program whose General MIDI name is ``name`` (case-insensitive), or None."""
    return _by_name().get(str(name).strip().lower())
