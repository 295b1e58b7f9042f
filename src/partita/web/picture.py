"""The Picture view: upload a picture (and optionally words), get music for its mood.

:func:`picture` is the work behind both the page and the ``/picture`` endpoint. It checks the upload (only
from Gradio's upload folder, at most the server's upload size, a JPEG, PNG or WebP by its content, not its
name), reads the picture's light, colour, contrast and edges (:func:`partita.picture.read_image_features`),
turns them into a request as ``partita generate --image`` does
(:func:`partita.generation.picture.image_request`: the words win, the picture fills what they leave open) and
generates, engraves and shows the candidates as the Compose view does
(:func:`partita.web.compose.generate_views`). What was read and what it set is the ``--explain`` text, shown
above the candidates. There is no vision model: what the picture shows is not known.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partita.score import ScoreError
from partita.web.compose import (
    MAX_PROMPT_CHARS,
    CandidateSlots,
    count_and_seed,
    generate_controls,
    generate_views,
)
from partita.web.limits import Limits, UserError, checked_upload
from partita.web.studio import Studio

log = logging.getLogger(__name__)

IMAGE_KINDS = ("jpeg", "png", "webp")
"""The picture formats the view takes, read from the file's first bytes."""


def sniff_image(head: bytes) -> str | None:
    """``"jpeg"``, ``"png"`` or ``"webp"`` from a file's first bytes; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_image_upload(
    path: str | Path | None, limits: Limits, roots: list[Path] | None = None
) -> tuple[Path, str]:
    """The uploaded picture's resolved path and format; :class:`UserError` names any problem.

    A path outside ``roots`` (default: Gradio's upload folder) is refused before anything is opened, so a
    client cannot make the server read a file of its choosing.
    """
    p = checked_upload(path, limits, "a JPEG, PNG or WebP image", roots)
    name = p.name
    with open(p, "rb") as f:
        kind = sniff_image(f.read(16))
    if kind is None:
        raise UserError(f"{name}: not a picture this view reads: its content is neither JPEG, PNG nor WebP")
    return p, kind


def _read_features(path: Path):
    from partita.picture import read_image_features

    try:
        return read_image_features(path)
    except ScoreError as e:  # the message names the server's path; the person knows the file by its name
        raise UserError(str(e).replace(str(path), path.name)) from None


def picture(
    studio: Studio,
    upload: str | None,
    prompt: str = "",
    n: int | str = 2,
    seed: int | str | None = None,
    progress: Callable[..., Any] | None = None,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]], str]:
    """Music for an uploaded picture and optional words; return ``(summary, files to download, per-candidate
    views, the picture's path)``.

    The summary's ``read`` is what was measured in the picture and ``explain`` what it and the words set
    (``partita generate --image ... --explain``). Raises :class:`UserError` for a request this server refuses;
    generation stops with a message after ``studio.limits.request_seconds``.
    """
    from partita.generation.picture import image_request, picture_affect

    limits = studio.limits
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the words are {len(prompt)} characters; keep them under {MAX_PROMPT_CHARS}")
    n, seed = count_and_seed(n, seed, limits)
    path, kind = check_image_upload(upload, limits)
    name = path.name
    if progress is not None:
        progress(0.0, desc="reading the picture")
    features = studio.bounded(limits.analysis_seconds, _read_features, path)
    try:
        request = image_request(features, prompt, source=name)
    except ValueError as e:  # the words' own problems (an unknown key, a bad meter)
        raise UserError(str(e)) from None
    said = [u.value for u in request.understood if u.field == "bars" and isinstance(u.value, int)]
    if said and said[-1] > limits.max_bars:  # quote what was asked, not the count partita clamped it to
        raise UserError(f"the words ask for {said[-1]} bars; this server makes at most {limits.max_bars}")
    request.conditions.bars = min(request.bars, limits.max_bars)
    affect = picture_affect(features)
    read = f"read from {name}:\n{features.describe()}"
    log.info("picture: %s (%s), valence %+.2f arousal %+.2f", name, kind, affect.valence, affect.arousal)
    title = f"{Path(name).stem} music"
    out = studio.work.new("picture")
    rows, files, views, seconds = generate_views(studio, request, n, seed, out, title, progress)
    summary = {
        "file": name,
        "format": kind,
        "prompt": prompt,
        "model": studio.model_name,
        "seconds": seconds,
        "features": features.to_dict(),
        "valence": affect.valence,
        "arousal": affect.arousal,
        "read": read,
        "understood": request.to_dict(),
        "explain": request.explain(),
        "candidates": rows,
    }
    if progress is not None:
        progress(1.0, desc="done")
    return summary, files, views, str(path)


class PictureView:
    """Upload a picture (and optionally words), get music for its mood; endpoint ``/picture``."""

    name = "picture"
    title = "Picture"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        limits = studio.limits
        with gr.Row():
            with gr.Column(scale=2):
                # a file, not gr.Image: nothing decodes the upload before it is checked
                upload = gr.File(
                    label="A picture (JPEG, PNG or WebP)",
                    type="filepath",
                    file_types=[".jpg", ".jpeg", ".png", ".webp"],
                    elem_id="picture-upload",
                )
                prompt = gr.Textbox(
                    label="Words (optional: they win over the picture)",
                    max_length=MAX_PROMPT_CHARS,
                    placeholder="a waltz for strings",
                    elem_id="picture-prompt",
                )
            with gr.Column(scale=1):
                n, seed, button, status = generate_controls(limits, "picture")
        gr.Markdown(
            f"Model **{studio.model_name}**. partita reads only the picture's light, colour, contrast and "
            "edges (no vision model: what it shows is not known) and turns them into a mood, a mode, a tempo "
            "and a register; whatever the words say wins. Limits of this server: "
            f"{limits.max_upload_bytes / 2**20:.0f} MiB pictures, up to {limits.max_bars} bars and "
            f"{limits.max_candidates} candidates, {limits.request_seconds:g} s per request."
        )
        with gr.Row():
            shown = gr.Image(
                label="The picture", type="filepath", interactive=False, elem_id="picture-shown", scale=1
            )
            read = gr.Textbox(
                label="What was read from the picture",
                lines=10,
                max_lines=16,
                interactive=False,
                elem_id="picture-read",
                scale=2,
            )
        slots = CandidateSlots(limits.max_candidates, "picture")

        def run(
            upload,
            prompt,
            n,
            seed,
            progress=gr.Progress(),  # noqa: B008  (how Gradio asks for a progress bar)
        ):
            """Music for an uploaded picture; the words are optional and win over the picture."""
            summary, files, views, path = picture(studio, upload, prompt, n, seed, progress)
            return summary, files, summary["read"], path, {"explain": summary["explain"], "candidates": views}

        inputs = [upload, prompt, n, seed]
        slots.connect(
            studio, "picture", button, run, inputs, [slots.summary, slots.files, read, shown], status
        )
