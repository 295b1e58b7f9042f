"""The top floor: :class:`Generator` and :func:`generate` compose generation, evaluation and render."""

from partita.generation.candidates import Candidate
from partita.pipelines.generator import DEFAULT_MODEL, Generator, generate, load_generator


def debug_generator(seed: int = 0) -> Generator:
    """A tiny untrained model with partita's default tokenizer (:meth:`Generator.debug`)."""
    return Generator.debug(seed)


__all__ = ["DEFAULT_MODEL", "Candidate", "Generator", "debug_generator", "generate", "load_generator"]
