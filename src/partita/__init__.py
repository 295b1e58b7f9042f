"""partita: an open, symbolic-first toolkit for music foundation models.

Layers, with data flowing one way (a lower layer never imports a higher one): ``score`` (I/O) -> ``corpus`` ->
``analysis`` -> ``tokens`` -> ``models`` -> ``training`` / ``generation`` -> ``evaluation`` -> ``render``;
``pipelines`` composes them; ``cli`` and ``web`` are thin skins over the public API::

    import partita

    generator = partita.Generator.from_pretrained("partita-small")
    candidates = generator.generate("a jig in G major for fiddle, 16 bars", n=4, seed=1)
    request, candidates = partita.generate("a chorale in G major for choir, 8 bars", out_dir="out")
"""

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["GenerationConfig", "Generator", "Request", "__version__", "generate"]

if TYPE_CHECKING:
    from partita.generation.config import GenerationConfig
    from partita.generation.request import Request
    from partita.pipelines import Generator, generate

_LAZY = {
    "Generator": "partita.pipelines",
    "generate": "partita.pipelines",
    "GenerationConfig": "partita.generation.config",
    "Request": "partita.generation.request",
}


def __getattr__(name: str) -> Any:
    # imported on first use: the public API pulls in torch, symusic and music21 (seconds), which `import
    # partita` (the CLI's help, a version check) should not pay for
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'partita' has no attribute {name!r}")
