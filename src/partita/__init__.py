"""partita: an open, symbolic-first toolkit for music foundation models.

Layers, with data flowing one way (a lower layer never imports a higher one):
``score`` (I/O) -> ``corpus`` -> ``analysis`` -> ``tokens`` -> ``models`` -> ``training`` / ``generation``
-> ``evaluation`` -> ``render``; ``cli`` and ``web`` are thin skins over the public API.
"""

__version__ = "0.1.0"
