"""Corpora: pieces from music21's bundled corpus, JSB, POP909 or a folder, with labels and splits.

Build one with :func:`build_corpus` (or ``partita corpus build``), open it with :func:`load_corpus`::

    corpus = load_corpus("folk:train")          # or load_corpus("folk").split("train")
    for labels, score in corpus.filter(tune_type="reel").iter_scores():
        ...

A corpus is a folder: ``manifest.parquet`` (one row per piece; schema in docs/CORPUS.md), ``rejects.parquet``,
``corpus.json`` (the build summary) and the normalized MIDI files under ``midi/``.
"""

from partita.corpus.build import build_corpus, corpus_dir
from partita.corpus.corpus import Corpus, corpus_info, load_corpus
from partita.corpus.labels import SPLITS, split_of
from partita.corpus.manifest import MANIFEST_SCHEMA, REJECT_SCHEMA
from partita.corpus.sources import music21_collections, resolve_sources

__all__ = [
    "MANIFEST_SCHEMA",
    "REJECT_SCHEMA",
    "SPLITS",
    "Corpus",
    "build_corpus",
    "corpus_dir",
    "corpus_info",
    "load_corpus",
    "music21_collections",
    "resolve_sources",
    "split_of",
]
