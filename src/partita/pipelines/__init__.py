"""Pipelines: the public API that spans layers (prompt -> model -> measured, rendered candidates)."""

from partita.pipelines.generate import Candidate, debug_generator, generate, load_generator

__all__ = ["Candidate", "debug_generator", "generate", "load_generator"]
