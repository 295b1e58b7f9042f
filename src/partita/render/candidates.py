"""The files of generated candidates: MIDI, MusicXML, a piano roll and WAV each, and ``generation.json``.

``generation.json`` holds the request (as understood and explained), the Selector that ranked the candidates,
and for every candidate its rank, seed, why sampling stopped, its adherence and scores, its remarks and its
files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partita.atomic import atomic_write_text
from partita.generation.candidates import Candidate
from partita.generation.request import Request
from partita.render.audio import AudioUnavailable, audio_available, write_wav
from partita.render.pianoroll import write_pianoroll
from partita.score import ScoreError, write_midi
from partita.score.musicxml import write_musicxml

log = logging.getLogger(__name__)

GENERATION_FILE = "generation.json"
_SUFFIXES = {"midi": ".mid", "musicxml": ".musicxml", "pianoroll": "-pianoroll.png", "wav": ".wav"}
"""Each candidate's files, ``candidate-RANK`` and these."""


def candidate_names(n: int) -> list[str]:
    """The names of the files :func:`write_candidates` may write for ``n`` candidates (``generation.json``
    too), so that a command can tell before any work whether they would replace someone else's files."""
    return [f"candidate-{rank}{suffix}" for rank in range(1, n + 1) for suffix in _SUFFIXES.values()] + [
        GENERATION_FILE
    ]


def write_candidates(
    request: Request,
    candidates: Sequence[Candidate],
    out_dir: str | Path,
    wav: bool | None = None,
    selector: dict[str, Any] | None = None,
) -> Path:
    """Write each candidate's files into ``out_dir`` (``candidate-RANK.*``; a silent one gets none) and
    ``generation.json``; fill in each candidate's ``files``; return the JSON's path.

    ``wav``: None writes WAV where a synthesiser is available, True insists (:class:`AudioUnavailable` where
    there is none), False never. A piece FluidSynth cannot render keeps its other files and says why in its
    remarks. ``selector`` describes what ranked the candidates.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    want_wav = audio_available() if wav is None else wav
    for cand in candidates:
        if cand.score.note_num():
            _write_one(cand, out / f"candidate-{cand.rank}", request.text[:60], want_wav)
    doc = {
        "request": request.to_dict(),
        "explain": request.explain(),
        "selector": selector or {},
        "candidates": [_record(c) for c in candidates],
    }
    path = out / GENERATION_FILE
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def _write_one(cand: Candidate, stem: Path, title: str, wav: bool) -> None:
    path = {kind: f"{stem}{suffix}" for kind, suffix in _SUFFIXES.items()}
    cand.files["midi"] = str(write_midi(cand.score, path["midi"]))
    cand.files["musicxml"] = str(write_musicxml(cand.score, path["musicxml"], title=title))
    cand.files["pianoroll"] = str(write_pianoroll(cand.score, path["pianoroll"], title=f"#{cand.rank}"))
    if not wav:
        return
    try:
        cand.files["wav"] = str(write_wav(cand.score, path["wav"]))
    except AudioUnavailable:  # asked for WAV where there is no synthesiser: said as it is
        raise
    except ScoreError as e:  # the piece's other files stand; the failure is said, not fatal
        log.warning("candidate %d: no WAV (%s)", cand.rank, e)
        cand.remarks.append(f"WAV not written: {e}")


def _record(c: Candidate) -> dict[str, Any]:
    return {
        "rank": c.rank,
        "seed": c.seed,
        "sample": c.sample,
        "stop_reason": c.stop_reason,
        "notes": c.score.note_num(),
        "adherence": c.adherence,
        "adherence_mean": c.adherence_mean,
        "scores": c.scores,
        "remarks": c.remarks,
        "files": c.files,
    }
