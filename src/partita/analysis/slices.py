"""Music as words: a score cut into beat-long slices, each slice the set of pitch classes sounding in it.

After Chuan, Agres & Herremans, "From context to concept: exploring semantic relationships in music with
word2vec" (Neural Computing and Applications, 2018): a piece is a sentence, a beat is a word, and the word is
the set of pitch classes that sound during the beat, whatever the octave, the voicing or the instrument. A
C major chord held for a beat is the word ``"0-4-7"`` (the sorted pitch classes joined by ``-``), and so is
any voicing or inversion of it.

Beats come from the score's time signatures and ticks per quarter through the analysis grid
(:func:`partita.analysis.timeline.beat_grid`: a quarter in 4/4, 3/4 and 2/4, a dotted quarter in 6/8, 9/8,
12/8, 4/4 when the score gives none; its phase is aligned to the onsets, as performed MIDI such as POP909's
needs). Drum tracks are ignored. A note belongs to a beat when it sounds for at least ``min_overlap`` of the
beat (a tenth by default: a 32nd note counts, the tail of a legato note held a few ticks into the next beat
does not).

Empty beats (rests) are skipped by default, not written as a rest word: the question the words answer is
which pitch-class sets behave alike, and a rest has no pitch classes; as a word it would be among the most
frequent in sparse pieces and fill the context windows of the chords around it. ``rest=REST`` keeps them.

:func:`slice_piece` also estimates each piece's key (:func:`partita.analysis.key.estimate_key`), the label
the key measures of :mod:`partita.evaluation.slices` average over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from partita.analysis.chords import QUALITIES, chord_label
from partita.analysis.key import PITCH_NAMES, estimate_key
from partita.analysis.timeline import beat_grid, note_arrays, segment_chroma
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

REST = "R"
"""The word of an empty beat, when rests are kept (``rest=REST``)."""

MIN_OVERLAP = 0.1
"""Share of a beat a pitch class must sound for to be part of the beat's slice."""

_WORD = re.compile(r"^(?:1[01]|\d)(?:-(?:1[01]|\d))*$")

NAMED_QUALITIES = ("maj", "min", "dim", "aug", "7", "maj7", "min7", "hdim7", "dim7")
"""The chord qualities a slice is named by (:func:`slice_name`): triads and seventh chords. Sixth and
suspended chords are left out: as pitch-class sets they are other chords (C:maj6 is A:min7, C:sus4 is
F:sus2)."""


def slice_word(pitch_classes: Iterable[int]) -> str:
    """The word of a set of pitch classes: sorted, without repeats, joined by ``-`` (``{7, 0, 4}`` ->
    ``"0-4-7"``); the empty set gives :data:`REST`."""
    pcs = sorted({int(p) % 12 for p in pitch_classes})
    return "-".join(str(p) for p in pcs) if pcs else REST


def parse_slice(word: str) -> tuple[int, ...]:
    """The pitch classes of a slice word (``"0-4-7"`` -> ``(0, 4, 7)``; :data:`REST` -> ``()``).

    Raises ValueError for anything that is not a canonical word (unsorted, repeated or out-of-range classes).
    """
    text = str(word).strip()
    if text == REST:
        return ()
    if not _WORD.match(text):
        raise ValueError(f"not a slice word: {word!r} (write sorted pitch classes 0-11, e.g. 0-4-7)")
    pcs = tuple(int(p) for p in text.split("-"))
    if list(pcs) != sorted(set(pcs)):
        raise ValueError(f"not a slice word: {word!r} (pitch classes must be sorted, without repeats)")
    return pcs


def transpose_slice(word: str, semitones: int) -> str:
    """``word`` transposed by ``semitones`` (``transpose_slice("0-4-7", 7) == "2-7-11"``); a rest stays."""
    pcs = parse_slice(word)
    return slice_word(p + semitones for p in pcs) if pcs else REST


def relabel_slice(word: str, permutation: Sequence[int]) -> str:
    """``word`` with each pitch class ``p`` replaced by ``permutation[p]`` (the shuffled-pitch control)."""
    pcs = parse_slice(word)
    return slice_word(permutation[p] for p in pcs) if pcs else REST


def chord_word(root: int, quality: str) -> str:
    """The slice word of a chord, e.g. ``chord_word(7, "maj") == "2-7-11"`` (G major)."""
    return slice_word(root + i for i in QUALITIES[quality])


def _names() -> dict[str, str]:
    out: dict[str, str] = {}
    for quality in NAMED_QUALITIES:
        for root in range(12):
            out.setdefault(chord_word(root, quality), chord_label(root, quality))
    for pc in range(12):
        out[str(pc)] = PITCH_NAMES[pc]
    return out


_NAMES = _names()


def slice_name(word: str) -> str | None:
    """A readable name of a slice: ``"C:maj"`` for ``"0-4-7"``, ``"G:7"``, ``"Bb:min7"``, a pitch name for a
    single class, None for other sets. Symmetric chords take their lowest pitch class as root
    (``"0-4-8"`` is ``"C:aug"``)."""
    return _NAMES.get(str(word).strip())


def beat_slices(
    score, min_overlap: float = MIN_OVERLAP, rest: str | None = None, align: bool = True
) -> list[str]:
    """The slice word of every beat of ``score``, in order; empty beats are left out, or written as ``rest``.

    ``score`` is a :class:`symusic.Score` (any ticks per quarter); drum tracks are ignored.
    """
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    if len(notes) == 0:
        return []
    grid = beat_grid(score, notes, int(notes.end.max()), align=align)
    bounds = grid.beats
    chroma = segment_chroma(notes, bounds)
    lengths = np.maximum(np.diff(bounds), 1).astype(float)
    sounding = chroma >= min_overlap * lengths[:, None]
    words = []
    for row in sounding:
        pcs = np.flatnonzero(row)
        if pcs.size:
            words.append("-".join(str(p) for p in pcs))
        elif rest is not None:
            words.append(rest)
    return words


@dataclass
class SlicedPiece:
    """One piece as a sentence: its beat words and its estimated key (0-11 major, 12-23 minor, None when
    there is nothing to judge)."""

    words: list[str]
    key: int | None = None
    piece_id: str = ""


def slice_piece(
    score, piece_id: str = "", min_overlap: float = MIN_OVERLAP, rest: str | None = None
) -> SlicedPiece:
    """The words of ``score`` (:func:`beat_slices`) and its key (:func:`estimate_key`, pitched notes)."""
    notes = note_arrays(score)
    est = estimate_key(notes.select(~notes.drum))
    return SlicedPiece(beat_slices(score, min_overlap, rest), None if est is None else est.index, piece_id)


def slice_scores(
    scores: Iterable[tuple[str, object]],
    total: int = 0,
    min_overlap: float = MIN_OVERLAP,
    rest: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[SlicedPiece]:
    """:func:`slice_piece` for every ``(piece_id, score)``; pieces without a single word are left out."""
    out: list[SlicedPiece] = []
    done = 0
    for piece_id, score in scores:
        piece = slice_piece(score, piece_id, min_overlap, rest)
        if piece.words:
            out.append(piece)
        done += 1
        if done % 50 == 0:
            report(progress, done, total, f"{len(out)} pieces")
    report(progress, done, total, f"{len(out)} pieces")
    log.info("sliced %d pieces (%d with words)", done, len(out))
    return out


def slice_corpus(
    corpus,
    min_overlap: float = MIN_OVERLAP,
    rest: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[SlicedPiece]:
    """The pieces of a built :class:`partita.corpus.Corpus` (or one of its splits) as sentences; a piece
    whose MIDI file cannot be read is skipped with a warning."""

    def scores() -> Iterator[tuple[str, object]]:
        for row in corpus.records():
            try:
                score = corpus.read_piece(row["piece_id"])
            except (OSError, ValueError) as e:
                log.warning("%s: skipped (%s)", row["piece_id"], e)
                continue
            yield row["piece_id"], score

    return slice_scores(scores(), len(corpus), min_overlap, rest, progress)


def slice_source(
    source: str,
    split: str | None = "train",
    limit: int | None = None,
    min_overlap: float = MIN_OVERLAP,
    progress: ProgressCallback | None = None,
) -> list[SlicedPiece]:
    """The pieces of ``source`` as sentences: a built corpus (a name or folder; ``split`` picks one of its
    splits, None all of them; ``NAME:SPLIT`` works too), else a source as ``partita corpus build`` takes it
    (``music21:bach``, a folder of score files, ``jsb``, ``pop909``), read directly (no split: they are
    whole collections). ``limit`` keeps the first pieces only. ValueError when nothing can be read."""
    from partita.corpus import load_corpus

    try:
        corpus = load_corpus(source)
    except FileNotFoundError:
        corpus = None
    if corpus is not None:
        if split and corpus.split_name is None:
            corpus = corpus.split(split)
        if limit is not None:
            table = corpus.table.slice(0, limit)
            corpus = type(corpus)(corpus.path, table, corpus.rejects, corpus.summary, corpus.split_name)
        pieces = slice_corpus(corpus, min_overlap, progress=progress)
    else:
        items = _source_items(source)[:limit]
        pieces = slice_scores(_read_items(items), len(items), min_overlap, progress=progress)
    if not pieces:
        raise ValueError(f"{source}: no piece with pitched notes to slice (an empty corpus or source)")
    return pieces


def _source_items(source: str) -> list:
    from partita.corpus.sources import iter_items, resolve_sources

    try:
        names = resolve_sources([source])
    except FileNotFoundError as e:
        raise ValueError(str(e)) from None
    return [item for name in names for item in iter_items(name)]


def _read_items(items: list) -> Iterator[tuple[str, object]]:
    from partita.corpus.pieces import jsb_score
    from partita.score import check_limits, read_abc, read_score

    for item in items:
        try:
            if item.kind == "abc":
                score = read_abc(item.text if "\n" in (item.text or "") else (item.text or "") + "\n")
            elif item.kind == "jsb":
                score = jsb_score(item.grid or ())
            else:
                score = read_score(item.path)
                check_limits(score, item.path)  # 0 ticks per quarter note, a note of days: skipped, named
        except Exception as e:  # music21 and the readers raise assorted errors on odd files: skip the file
            log.warning("%s: skipped (%s: %s)", item.key, type(e).__name__, e)
            continue
        yield item.piece_id, score


def sentences(pieces: Iterable[SlicedPiece]) -> list[list[str]]:
    """The word lists of ``pieces``."""
    return [p.words for p in pieces]


def shuffled_pitch_pieces(pieces: Sequence[SlicedPiece], seed: int = 0) -> list[SlicedPiece]:
    """The control corpus: each piece's pitch classes relabelled by its own random permutation of the 12.

    Within a piece every slice keeps its neighbours, its frequency and its size, but a word no longer means
    the same pitch classes from one piece to the next, so whatever geometry of pitch a model finds in it is
    what the method finds without any.
    """
    rng = np.random.default_rng(seed)
    out = []
    for p in pieces:
        perm = rng.permutation(12).tolist()
        cache: dict[str, str] = {}
        words = [cache[w] if w in cache else cache.setdefault(w, relabel_slice(w, perm)) for w in p.words]
        out.append(SlicedPiece(words, p.key, p.piece_id))
    return out
