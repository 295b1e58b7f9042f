"""Embeddings and melodies from the music encoder: :func:`embed` (piece and bar vectors) and
:func:`extract_melody` (the melody notes of a piano piece, by the shipped BiGRU melody tagger, an encoder's
classifier or the skyline).

The encoder (:mod:`partita.models.encoder`) gives one hidden vector per note; a bar's vector is the mean of
the vectors of the notes starting in it, the piece's the mean over all its notes. Drum tracks are ignored. A
score with no pitched note is refused with one sentence (there is nothing to embed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from partita.evaluation.melody_extraction import CLASSES, MELODY, four_four, skyline_mask
from partita.evaluation.melody_tagger import CONFIG_FILE as TAGGER_CONFIG
from partita.evaluation.melody_tagger import MelodyTagger, load_tagger
from partita.models.encoder import PACKAGE_DIR, MusicEncoder, NoteArrays, note_tokens, score_notes
from partita.score.formats import Score

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "encoder-small"
DEFAULT_TAGGER = "melody-tagger-small"
"""The shipped BiGRU melody tagger (:mod:`partita.evaluation.melody_tagger`), first choice of
:func:`melody_mask`."""
MAX_NOTES = 200_000
"""Longer pieces are refused (about 15 minutes of dense piano; encoding is linear in the notes)."""


@dataclass
class Embedding:
    """A piece's embedding: ``piece`` (d_model,), ``bars`` (bars with notes, d_model) and ``bar_index`` (the
    bar number, from 0, of each row of ``bars``)."""

    piece: np.ndarray
    bars: np.ndarray
    bar_index: np.ndarray
    notes: int


def shipped_encoder() -> str | None:
    """The name of the shipped encoder, or None when the package has none."""
    return DEFAULT_ENCODER if (PACKAGE_DIR / DEFAULT_ENCODER / "encoder_config.json").is_file() else None


def load_encoder(model: MusicEncoder | str | Path | None = None) -> MusicEncoder:
    """``model`` itself, a folder, a shipped name or ``"debug"``; None: the shipped encoder."""
    if isinstance(model, MusicEncoder):
        return model
    if model is None:
        model = shipped_encoder()
        if model is None:
            raise FileNotFoundError("no encoder is shipped with this partita: give a model folder")
    return MusicEncoder.from_pretrained(model)


def piece_notes(score: Score) -> NoteArrays:
    """The score's pitched notes merged (drums ignored); a clear error when there are none or too many."""
    notes = score_notes(four_four(score))
    if not len(notes):
        raise ValueError("the score has no pitched notes (it is empty or drums only): nothing to embed")
    if len(notes) > MAX_NOTES:
        raise ValueError(f"the score has {len(notes):,} notes, over the limit of {MAX_NOTES:,}")
    return notes


def embed(score: Score, model: MusicEncoder | str | Path | None = None) -> Embedding:
    """Mean-pooled piece and bar embeddings of ``score`` (see the module doc)."""
    encoder = load_encoder(model)
    notes = piece_notes(score)
    hidden = encoder.encode(note_tokens(notes, encoder.config))
    bars, inverse = np.unique(notes.bar, return_inverse=True)
    sums = np.zeros((len(bars), hidden.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, hidden)
    counts = np.bincount(inverse, minlength=len(bars))[:, None]
    return Embedding(hidden.mean(0), (sums / counts).astype(np.float32), bars.astype(np.int64), len(notes))


def shipped_tagger() -> Path | None:
    """The folder of the shipped melody tagger, or None when the package has none."""
    folder = PACKAGE_DIR / DEFAULT_TAGGER
    return folder if (folder / TAGGER_CONFIG).is_file() else None


def _is_tagger(model: object) -> bool:
    return isinstance(model, MelodyTagger) or (
        isinstance(model, str | Path) and (Path(model) / TAGGER_CONFIG).is_file()
    )


def melody_mask(
    score: Score, model: MusicEncoder | MelodyTagger | str | Path | None = None, skyline: bool = False
) -> tuple[NoteArrays, np.ndarray, str]:
    """The score's merged notes, which of them are melody, and the method used. ``model``: a melody tagger
    (:class:`~partita.evaluation.melody_tagger.MelodyTagger` or its folder) or an encoder with a melody
    classifier (the object, a folder or a shipped name); None: the shipped tagger (``melody-tagger-small``),
    else the shipped encoder's classifier. With ``skyline``, or no classifier at hand, the skyline."""
    notes = piece_notes(score)
    if not skyline and (_is_tagger(model) or (model is None and shipped_tagger() is not None)):
        tagger = model if isinstance(model, MelodyTagger) else load_tagger(model or shipped_tagger())
        tags = tagger.tag(notes)
        name = Path(model).name if isinstance(model, str | Path) else DEFAULT_TAGGER if model is None else ""
        mask = tags == tagger.config.classes.index(CLASSES[MELODY])
        if not mask.any() and "bridge" in tagger.config.classes:
            # no sung melody: POP909's BRIDGE is the instrumental lead, the tune of a piece without a voice
            log.info("no note tagged melody: the lead line (POP909's bridge) is taken as the melody")
            mask = tags == tagger.config.classes.index("bridge")
        return notes, mask, f"tagger {name}".strip()
    encoder = None
    if not skyline and (model is not None or shipped_encoder() is not None):
        encoder = load_encoder(model)
    if encoder is None or encoder.classifier is None or "melody" not in encoder.config.labels:
        log.info("no melody classifier: the skyline (highest note at each onset) is used")
        return notes, skyline_mask(notes), "skyline"
    probs = encoder.classify(note_tokens(notes, encoder.config))
    melody = encoder.config.labels.index(CLASSES[MELODY])
    return notes, probs.argmax(1) == melody, f"encoder {encoder.card.get('name', '')}".strip()


def extract_melody(
    score: Score, model: MusicEncoder | MelodyTagger | str | Path | None = None, skyline: bool = False
) -> tuple[Score, str]:
    """A one-track score of the melody notes of ``score`` (its tempos and meter kept) and the method used
    (see :func:`melody_mask`)."""
    notes, mask, method = melody_mask(score, model, skyline)
    from symusic import Note, Track

    out = Score(score.ticks_per_quarter)
    out.tempos = score.tempos.copy()
    out.time_signatures = score.time_signatures.copy()
    out.key_signatures = score.key_signatures.copy()
    track = Track("Melody", 0, False)
    for i in np.flatnonzero(mask):
        track.notes.append(
            Note(int(notes.start[i]), int(notes.duration[i]), int(notes.pitch[i]), int(notes.velocity[i]))
        )
    out.tracks.append(track)
    return out, method
