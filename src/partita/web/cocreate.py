"""The Co-create view: upload a piece, then continue it by new bars, write some of its bars anew (infill),
keep it as a melody and add parts under it (accompany), or write some of its tracks anew (tracks).

:func:`cocreate` is the work behind both the page and the ``/cocreate`` endpoint. It reads the upload by
its content (:func:`partita.web.limits.read_upload`), builds the request with
:meth:`partita.Generator.continuation_of`, :meth:`partita.Generator.infill_of`,
:meth:`partita.Generator.accompaniment_of` or :meth:`partita.Generator.tracks_of` (an optional prompt, "for
flute" or "in D minor", changes what the new bars are; for an accompaniment it names the parts), and
generates, engraves and shows the candidates as the Compose view does
(:func:`partita.web.compose.generate_views`), with the piece as uploaded drawn as a piano roll beside them.
A recording (uploaded, or recorded with the microphone) is transcribed first
(:func:`partita.web.limits.read_music_upload`): every note heard for a piece to continue, infill or refill,
one clean line for a melody to accompany; the summary's ``transcribed`` says how.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partita.generation.upbeat import place_pickup
from partita.pipelines import Generator
from partita.render import write_pianoroll
from partita.score import ScoreError
from partita.score.bars import notated_bars
from partita.web.compose import (
    FROM_PROMPT,
    MAX_PROMPT_CHARS,
    CandidateSlots,
    concept_control,
    concept_of,
    count_and_seed,
    generate_controls,
    generate_views,
    strength_control,
    strength_of,
    whole,
)
from partita.web.limits import UPLOAD_WHAT, UserError, read_music_upload
from partita.web.studio import Studio

log = logging.getLogger(__name__)

MODES = ("continue", "infill", "accompany", "tracks")
DEFAULT_NEW_BARS = 8
"""The new bars of a continuation whose bars field is blank (at most the server's ``max_bars``)."""


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _message(error: ValueError, name: str) -> str:
    """The library's message for the person: the upload's own name for the piece, the form's field for the
    command line's ``--bars``."""
    text = str(error)
    if isinstance(error, ScoreError) and error.path:
        text = f"{name}: {text.removeprefix(f'{error.path}: ')}"
    return text.replace("--bars", "bars")


def cocreate(
    studio: Studio,
    upload: str | None,
    mode: str,
    bars: str | int | None,
    prompt: str = "",
    n: int | str = 2,
    seed: int | str | None = None,
    progress: Callable[..., Any] | None = None,
    tracks: str = "",
    recording: str | None = None,
    concept: str | None = None,
    strength: float | str | None = None,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]], str]:
    """Continue an uploaded piece by ``bars`` new bars (``mode`` "continue"), write its bars ``bars`` (e.g.
    "9-12") anew, keeping the others (``mode`` "infill"), add parts under it (``mode`` "accompany"), or write
    the tracks ``tracks`` names ("bass", "2") anew over ``bars`` (blank: all of them), keeping the others
    (``mode`` "tracks"); return ``(summary, files to download, per-candidate views, the piano roll of the
    piece as uploaded)``. The piece is a score file or a recording (transcribed); ``recording`` (the
    microphone's take) stands in for an upload. ``concept`` picks one of the server's learned concepts
    (:func:`partita.web.compose.concept_of`: the prompt's ``<name>`` by default), ``strength`` the strength
    it is applied at (:func:`partita.web.compose.strength_of`: blank is the concept's own, 0 the base model).

    The piece and the new bars may each be at most ``studio.limits.max_bars`` bars long. Raises
    :class:`UserError` for a request this server refuses; generation stops with a message after
    ``studio.limits.request_seconds``.
    """
    limits = studio.limits
    mode = str(mode or "").strip().lower()
    if mode not in MODES:
        raise UserError(
            f"mode {mode!r}: choose continue (new bars after the piece), infill (some of its bars anew), "
            "accompany (parts under the piece) or tracks (some of its tracks anew)"
        )
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the prompt is {len(prompt)} characters; keep it under {MAX_PROMPT_CHARS}")
    n, seed = count_and_seed(n, seed, limits)
    if mode == "continue":
        new = whole(bars, "new bars", 1, limits.max_bars) or min(DEFAULT_NEW_BARS, limits.max_bars)
    elif mode == "infill" and not str(bars or "").strip():
        raise UserError("bars: give the bars to write anew as FIRST-LAST, e.g. 9-12")
    elif mode == "tracks" and not str(tracks or "").strip():
        raise UserError("tracks: name the tracks to write anew, e.g. bass, or 2 for the second track")
    if recording and upload:
        raise UserError("both a file and a recording were given: clear one of them")
    source = upload or recording
    read = studio.bounded(
        limits.analysis_seconds, read_music_upload, source, limits, melody=mode == "accompany"
    )
    score, fmt = read.score, read.format
    name = Path(str(source)).name
    upbeat = None
    melody = sum(1 for t in score.tracks if len(t.notes) and not t.is_drum) == 1
    if fmt == "midi" and (mode == "accompany" or (mode == "continue" and melody)):
        score, upbeat = place_pickup(score)  # MIDI has no pickup bar: an upbeat read from the notes
    piece_bars = notated_bars(score)
    if piece_bars > limits.max_bars:  # and so is any gap in it
        raise UserError(
            f"{name}: it has {piece_bars} bars; this server takes pieces of at most {limits.max_bars} bars "
            "(cut it first)"
        )
    try:
        if mode == "continue":
            request = Generator.continuation_of(score, prompt, bars=new)
        elif mode == "infill":
            request = Generator.infill_of(score, str(bars).strip(), prompt)
        elif mode == "tracks":
            request = Generator.tracks_of(score, str(tracks).strip(), str(bars or "").strip() or None, prompt)
        else:
            request = Generator.accompaniment_of(score, prompt, source=name)
    except ValueError as e:  # ScoreError too: the piece or the bars do not fit the request
        raise UserError(_message(e, name)) from None
    if mode == "accompany":
        first, last, kept = 1, piece_bars, [_span(1, piece_bars)]
    elif mode == "tracks":
        first, last, kept = request.first, request.last, [f"the other tracks, bars {_span(1, piece_bars)}"]
    else:
        given = request.given
        given.source = name
        total = int(request.conditions.bars)
        first, last = given.bars + 1, total - given.after_bars
        kept = [_span(1, given.bars)] + ([_span(last + 1, total)] if given.after_bars else [])
    shown = request[0] if mode == "accompany" else request.request if mode == "tracks" else request
    if upbeat:
        shown.notes.insert(0, upbeat.split("; --pickup")[0])  # no such option here
    concept = concept_of(studio, concept, shown)
    strength = strength_of(studio, concept, strength)
    log.info("cocreate: %s of %s (%d bars), bars %s new", mode, name, piece_bars, _span(first, last))
    out = studio.work.new("cocreate")
    roll = write_pianoroll(score, out / "original-pianoroll.png", title=f"{name} (as uploaded)")
    title = f"{Path(name).stem} " + (
        "accompanied"
        if mode == "accompany"
        else f"{str(tracks).strip()} anew"
        if mode == "tracks"
        else f"bars {_span(first, last)} new"
    )
    rows, files, views, seconds = generate_views(
        studio, request, n, seed, out, title, progress, concept=concept, strength=strength
    )
    summary = {
        "mode": mode,
        "file": name,
        "format": fmt,
        "transcribed": read.transcribed,
        "piece_bars": piece_bars,
        "kept_bars": ", ".join(kept),
        "new_bars": _span(first, last) if mode != "accompany" else f"parts under bars {_span(first, last)}",
        "new_tracks": str(tracks).strip() if mode == "tracks" else "",
        "prompt": prompt,
        "model": studio.model_name,
        "concept": concept or getattr(studio.model, "concept", None),
        "concept_strength": strength,
        "seconds": seconds,
        "understood": shown.to_dict(),
        "explain": shown.explain(),
        "candidates": rows,
    }
    if progress is not None:
        progress(1.0, desc="done")
    return summary, files, views, str(roll)


class CoCreateView:
    """Upload a piece, continue it or write some of its bars anew; endpoint ``/cocreate``."""

    name = "cocreate"
    title = "Co-create"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        limits = studio.limits
        with gr.Row():
            with gr.Column(scale=2):
                upload = gr.File(
                    label=UPLOAD_WHAT[0].upper() + UPLOAD_WHAT[1:], type="filepath", elem_id="cocreate-upload"
                )
                # format=None: the take is passed on as recorded, and read (and refused) by its content
                recording = gr.Audio(
                    sources=["microphone", "upload"],
                    type="filepath",
                    format=None,
                    label="... or record it (hum, sing or play; transcribed)",
                    elem_id="cocreate-recording",
                )
                with gr.Row():
                    mode = gr.Radio(
                        list(MODES),
                        value="continue",
                        label="Mode",
                        info=(
                            "continue: new bars after the piece; infill: some of its bars written anew; "
                            "accompany: the piece kept as a melody, parts added under it; tracks: some of "
                            "its tracks written anew"
                        ),
                        elem_id="cocreate-mode",
                    )
                    bars = gr.Textbox(
                        str(min(DEFAULT_NEW_BARS, limits.max_bars)),
                        label=f"Bars: how many new (continue: 1-{limits.max_bars}) or which (infill: 9-12; "
                        "tracks: blank for all)",
                        max_length=12,
                        elem_id="cocreate-bars",
                    )
                    tracks = gr.Textbox(
                        "",
                        label="Tracks (tracks: which to write anew, e.g. bass, or 2)",
                        max_length=60,
                        elem_id="cocreate-tracks",
                    )
                prompt = gr.Textbox(
                    label="Prompt (optional: what the new bars should be; for accompany, the parts)",
                    max_length=MAX_PROMPT_CHARS,
                    placeholder="for flute, in D minor",
                    elem_id="cocreate-prompt",
                )
            with gr.Column(scale=1):
                n, seed, button, status = generate_controls(limits, "cocreate")
                picked = concept_control(studio, "cocreate")
                strength = strength_control(studio, "cocreate", picked, prompt)
        gr.Markdown(
            f"Model **{studio.model_name}**. The new bars keep the piece's key, meter, tempo and "
            "instruments unless the prompt says otherwise. Limits of this server: pieces of up to "
            f"{limits.max_bars} bars, up to {limits.max_bars} new bars and {limits.max_candidates} "
            f"candidates, {limits.request_seconds:g} s per request, recordings of up to "
            f"{limits.max_audio_seconds:g} s (transcribed); requests wait in a queue."
        )
        original = gr.Image(
            label="The piece as uploaded",
            type="filepath",
            interactive=False,
            format="png",
            elem_id="cocreate-original",
        )
        slots = CandidateSlots(limits.max_candidates, "cocreate")

        def run(
            upload,
            mode,
            bars,
            prompt,
            n,
            seed,
            tracks="",
            recording=None,
            concept=FROM_PROMPT,
            strength=None,
            progress=gr.Progress(),  # noqa: B008  (how Gradio asks for a progress bar)
        ):
            """Continue an uploaded or recorded piece by new bars, write some of its bars or tracks anew, or
            add parts under it; the prompt is optional; ``concept``: one of the server's learned concepts,
            "(none)", or "(from the prompt)" (its <name>)."""
            summary, files, views, roll = cocreate(
                studio,
                upload,
                mode,
                bars,
                prompt,
                n,
                seed,
                progress,
                tracks=tracks,
                recording=recording,
                concept=concept,
                strength=strength,
            )
            return summary, files, roll, {"explain": summary["explain"], "candidates": views}

        inputs = [upload, mode, bars, prompt, n, seed, tracks, recording, picked, strength]
        default_bars = str(min(DEFAULT_NEW_BARS, limits.max_bars))
        mode.change(  # a count of new bars means nothing to an infill or a track refill: clear it there
            lambda m: default_bars if m == "continue" else "", mode, bars, api_name=False
        )
        slots.connect(studio, "cocreate", button, run, inputs, [slots.summary, slots.files, original], status)
