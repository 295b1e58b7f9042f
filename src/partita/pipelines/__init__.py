"""Pipelines: the public API that spans layers (prompt -> model -> measured, ranked, rendered candidates)."""

from partita.pipelines.generate import Candidate, debug_generator, generate, load_generator
from partita.pipelines.selector import Selector

__all__ = ["Candidate", "Selector", "debug_generator", "generate", "load_generator"]
