"""Music analysis and captions: describe any piece in numbers and in words.

``describe(score)`` gives a :class:`Description` (key, tempo, meter, instruments and roles, chords, texture,
rhythm, dynamics, sections); ``caption`` and ``caption_segments`` turn it into English or Chinese sentences.
The tempo table (:mod:`partita.analysis.tempo`) is importable on its own, without numpy.
"""

from partita.analysis.tempo import TEMPO_BOUNDARIES, TEMPO_TERMS, tempo_bin, tempo_term

__all__ = [
    "TEMPO_BOUNDARIES",
    "TEMPO_TERMS",
    "Description",
    "caption",
    "caption_segments",
    "describe",
    "load_description",
    "save_description",
    "tempo_bin",
    "tempo_term",
]


def __getattr__(name: str):
    # the heavier modules load on first use, so that ``partita.analysis.tempo`` stays cheap to import
    if name in ("Description", "describe", "load_description", "save_description"):
        # numpy and the whole analysis, ~0.15 s against ~0.01 s for partita.analysis.tempo
        from partita.analysis import description

        return getattr(description, name)
    if name in ("caption", "caption_segments"):
        # the same cost: captions imports description
        from partita.analysis import captions

        return getattr(captions, name)
    raise AttributeError(f"module 'partita.analysis' has no attribute {name!r}")
