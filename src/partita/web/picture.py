"""The Picture view: upload a picture (and optionally words), get music for its mood; or upload a short
video and get music exactly as long as it, with its cuts on bar lines, muxed into the video.

:func:`picture` is the work behind both the page and the ``/picture`` endpoint. It checks the upload (only
from Gradio's upload folder, at most the server's upload size, a JPEG, PNG or WebP by its content, not its
name), reads the picture's light, colour, contrast and edges (:func:`partita.picture.read_image_features`),
turns them into a request as ``partita generate --image`` does
(:func:`partita.generation.picture.image_request`: the words win, the picture fills what they leave open) and
generates, engraves and shows the candidates as the Compose view does
(:func:`partita.web.compose.generate_views`). What was read and what it set is the ``--explain`` text, shown
above the candidates. There is no vision model: what the picture shows is not known.

:func:`picture_video` is the work behind the video half of the page and the ``/picture_video`` endpoint: the
upload is checked the same way (an MP4, MOV, WebM, MKV or AVI by its content), read within the server's
analysis time (:func:`partita.picture.read_video_features`; a video longer than the server's
``max_audio_seconds`` is refused, as the music made for it would be audio that long, and one longer than
:data:`partita.picture.MAX_VIDEO_SECONDS` whatever the server allows), planned shot by shot
(:func:`partita.generation.picture.plan_video`; a plan over the server's ``max_bars`` is refused before
anything is generated) and scored as ``partita score-video`` scores it
(:func:`partita.pipelines.picture.score_video`, within ``request_seconds``): the MIDI, the WAV and the video
with the music (re-encoded as H.264 when the upload's codec is one a browser does not play:
:func:`browser_playable`), what was read (shots, cuts, motion) and the section plan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partita.score import ScoreError
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
)
from partita.web.limits import Limits, UserError, checked_upload
from partita.web.studio import Studio

log = logging.getLogger(__name__)

IMAGE_KINDS = ("jpeg", "png", "webp")
"""The picture formats the view takes, read from the file's first bytes."""
VIDEO_KINDS = ("mp4", "mov", "webm", "mkv", "avi")
"""The video containers the view takes, read from the file's first bytes."""
VIDEO_WHAT = "a short video (MP4, MOV, WebM, MKV or AVI)"


def sniff_image(head: bytes) -> str | None:
    """``"jpeg"``, ``"png"`` or ``"webp"`` from a file's first bytes; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def sniff_video(head: bytes) -> str | None:
    """``"mp4"``, ``"mov"``, ``"webm"``, ``"mkv"`` or ``"avi"`` from a file's first bytes (at least 64);
    None for anything else."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, or WebM by its doctype
        return "webm" if b"webm" in head[:64] else "mkv"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
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
    concept: str | None = None,
    strength: float | str | None = None,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]], str]:
    """Music for an uploaded picture and optional words; return ``(summary, files to download, per-candidate
    views, the picture's path)``.

    The summary's ``read`` is what was measured in the picture and ``explain`` what it and the words set
    (``partita generate --image ... --explain``). ``concept`` and ``strength`` pick a learned concept of the
    server's and its strength as in Compose (:func:`partita.web.compose.concept_of`, ``strength_of``: blank
    takes the ``<name>`` the words name). Raises :class:`UserError` for a request this server refuses;
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
    concept = concept_of(studio, concept, request)
    strength = strength_of(studio, concept, strength)
    affect = picture_affect(features)
    read = f"read from {name}:\n{features.describe()}"
    log.info("picture: %s (%s), valence %+.2f arousal %+.2f", name, kind, affect.valence, affect.arousal)
    title = f"{Path(name).stem} music"
    out = studio.work.new("picture")
    rows, files, views, seconds = generate_views(
        studio, request, n, seed, out, title, progress, concept=concept, strength=strength
    )
    summary = {
        "file": name,
        "format": kind,
        "prompt": prompt,
        "model": studio.model_name,
        **concept_summary(studio, concept, strength),
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


def concept_summary(studio: Studio, concept: str | None, strength: float | None) -> dict[str, Any]:
    """The summary's concept fields, as Compose reports them: the concept sampled with (or the one the
    server's model carries) and the strength it was applied at."""
    return {"concept": concept or getattr(studio.model, "concept", None), "concept_strength": strength}


def check_video_upload(
    path: str | Path | None, limits: Limits, roots: list[Path] | None = None
) -> tuple[Path, str]:
    """The uploaded video's resolved path and container; :class:`UserError` names any problem (only files
    under ``roots``, default Gradio's upload folder, are read)."""
    p = checked_upload(path, limits, VIDEO_WHAT, roots)
    with open(p, "rb") as f:
        kind = sniff_video(f.read(64))
    if kind is None:
        raise UserError(
            f"{p.name}: not a video this view reads: its content is not MP4, MOV, WebM, MKV or AVI"
        )
    return p, kind


def _read_video(path: Path, max_seconds: float):
    from partita.picture import read_video_features

    try:
        return read_video_features(path, max_seconds=max_seconds)
    except ScoreError as e:  # the message names the server's path; the person knows the file by its name
        raise UserError(str(e).replace(str(path), path.name)) from None


BROWSER_CODECS = ("h264", "vp8", "vp9", "av1")
"""Video codecs a browser plays in an MP4 (HEVC and MPEG-4 Part 2, OpenCV's ``mp4v``, mostly not)."""


def browser_playable(mp4: Path, timeout: float) -> str | None:
    """Re-encode the video stream of ``mp4`` (in place, atomically) as H.264 when its codec is not one a
    browser plays (the muxed copy keeps the upload's codec); None when nothing was needed or it worked, else
    a note for the person (the file is left as it was: it still downloads)."""
    import re

    from partita.atomic import atomic_path
    from partita.picture.mux import ffmpeg_exe
    from partita.score.tools import run_tool

    try:
        exe = ffmpeg_exe()
        head = run_tool(
            [exe, "-hide_banner", "-i", str(mp4)], 60, "reading the video took over 60 s", mp4.name, True
        )
        found = re.search(r"Video:\s*([A-Za-z0-9_]+)", head.stderr)
        if found is None or found.group(1).lower() in BROWSER_CODECS:
            return None
        with atomic_path(mp4, suffix=".mp4") as tmp:
            cmd = [
                exe,
                "-y",
                "-v",
                "error",
                "-i",
                str(mp4),
                "-map",
                "0:v:0",
                "-map",
                "0:a:0?",
                "-c:v",
                "libx264",
            ]
            cmd += ["-preset", "veryfast", "-pix_fmt", "yuv420p", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2"]
            cmd += ["-c:a", "copy", "-movflags", "+faststart", str(tmp)]
            res = run_tool(cmd, timeout, f"re-encoding took over {timeout:g} s", mp4.name, True)
            if res.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
                raise ScoreError((res.stderr.strip().splitlines() or ["FFmpeg failed"])[-1][:200])
        log.info("re-encoded %s (%s) as H.264 for the browser", mp4.name, found.group(1))
        return None
    except ScoreError as e:
        log.warning("could not make %s playable in a browser: %s", mp4.name, e)
        return f"the video could not be re-encoded for the browser ({e}); download it to watch it"


def picture_video(
    studio: Studio,
    upload: str | None,
    prompt: str = "",
    n: int | str = 1,
    seed: int | str | None = None,
    progress: Callable[..., Any] | None = None,
    concept: str | None = None,
    strength: float | str | None = None,
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """Music for an uploaded video and optional words, as long as the video; return ``(summary, files to
    download, the paths to show by kind: video, wav, midi, pianoroll)``.

    The summary's ``read`` is what was read from the video (its shots, cuts, motion peaks, each shot's light
    and motion) and ``plan`` the section plan (bars, tempo, key and density a shot). ``n`` is the candidates
    tried for each section (the best kept); ``concept`` and ``strength`` as for :func:`picture`. Raises
    :class:`UserError` for an upload or a request this server refuses; reading stops after
    ``studio.limits.analysis_seconds`` and generation after ``request_seconds``.
    """
    from partita.generation.picture import plan_video
    from partita.picture import MAX_VIDEO_SECONDS
    from partita.pipelines.picture import score_video
    from partita.render.audio import audio_available

    limits = studio.limits
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the words are {len(prompt)} characters; keep them under {MAX_PROMPT_CHARS}")
    n, seed = count_and_seed(n, seed, limits)
    path, kind = check_video_upload(upload, limits)
    name = path.name
    if progress is not None:
        progress(0.0, desc="reading the video")
    longest = min(MAX_VIDEO_SECONDS, limits.max_audio_seconds)
    video = studio.bounded(limits.analysis_seconds, _read_video, path, longest)
    try:
        vplan = plan_video(video, prompt)
    except ValueError as e:  # the words' own problems (an unknown key, a bad meter)
        raise UserError(str(e)) from None
    if vplan.plan.bars > limits.max_bars:
        raise UserError(
            f"{name}: {video.duration:.1f} s of video needs {vplan.plan.bars} bars of music at its shots' "
            f"tempi; this server makes at most {limits.max_bars} (try a shorter video)"
        )
    concept = concept_of(studio, concept, vplan.request)
    strength = strength_of(studio, concept, strength)
    generator, deadline = studio.generator(concept, strength)

    def step(done: int, total: int, message: str = "") -> None:
        if progress is not None:
            progress(0.1 + 0.9 * done / max(total, 1), desc=message or "scoring")

    out = studio.work.new("picture-video")
    wav = audio_available()
    t0 = time.monotonic()
    with deadline.limit(limits.request_seconds):
        result = score_video(
            path, out, prompt, model=generator, n=n, seed=seed, wav=wav, progress=step, video=video
        )
    notes = list(video.notes) + ([] if wav else ["no FluidSynth here: the MIDI only, no WAV or video"])
    if "video" in result.files:
        if progress is not None:
            progress(0.97, desc="making the video playable in a browser")
        note = browser_playable(Path(result.files["video"]), limits.request_seconds)
        notes += [note] if note else []
    paths = {k: v for k, v in result.files.items() if k in ("video", "wav", "midi", "pianoroll")}
    downloads = [paths[k] for k in ("midi", "wav", "video") if k in paths]
    log.info("picture video: %s (%s), %.1f s, %d shots", name, kind, video.duration, len(video.shots))
    summary = {
        "file": name,
        "format": kind,
        "prompt": prompt,
        "model": studio.model_name,
        **concept_summary(studio, concept, strength),
        "seconds": round(time.monotonic() - t0, 2),
        "duration": video.duration,
        "cuts": video.cuts,
        "motion_peaks": video.motion_peaks,
        "read": f"read from {name}:\n{video.describe()}",
        "plan": "\n".join([result.plan.explain(), *result.describe_choices()]),
        "sections": [
            {"name": s.name, "bars": s.bars, "key": s.key, "tempo": round(t, 1), "density": s.density}
            for s, t in zip(result.plan.plan.sections, result.plan.tempi, strict=True)
        ],
        "alignment": result.alignment,
        "candidates": n,
        "choices": result.choices,
        "files": {k: Path(v).name for k, v in paths.items()},
        "notes": notes,
    }
    if progress is not None:
        progress(1.0, desc="done")
    return summary, downloads, paths


class PictureView:
    """Upload a picture (and optionally words), get music for its mood; endpoint ``/picture``. Or upload a
    short video and get it back with music; endpoint ``/picture_video``."""

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
                picked = concept_control(studio, "picture")
                concept_strength = strength_control(studio, "picture", picked, prompt)
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
            concept=FROM_PROMPT,
            strength=None,
            progress=gr.Progress(),  # noqa: B008  (how Gradio asks for a progress bar)
        ):
            """Music for an uploaded picture; the words are optional and win over the picture. ``concept``:
            one of the server's learned concepts, "(none)" or "(from the prompt)" (its <name>), sampled with
            at ``strength`` (0 to 1.5; blank: its own)."""
            summary, files, views, path = picture(
                studio, upload, prompt, n, seed, progress, concept=concept, strength=strength
            )
            return summary, files, summary["read"], path, {"explain": summary["explain"], "candidates": views}

        inputs = [upload, prompt, n, seed, picked, concept_strength]
        slots.connect(
            studio, "picture", button, run, inputs, [slots.summary, slots.files, read, shown], status
        )
        self._build_video(studio)

    def _build_video(self, studio: Studio) -> None:
        """The video half of the page: upload, what was read, the plan, the video with music."""
        import gradio as gr

        limits = studio.limits
        gr.Markdown("### A short video")
        with gr.Row():
            with gr.Column(scale=2):
                upload = gr.File(
                    label="A short video (MP4, MOV, WebM, MKV or AVI)",
                    type="filepath",
                    file_types=[".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"],
                    elem_id="picture-video-upload",
                )
                prompt = gr.Textbox(
                    label="Words (optional: they win over the video)",
                    max_length=MAX_PROMPT_CHARS,
                    placeholder="for strings",
                    elem_id="picture-video-prompt",
                )
            with gr.Column(scale=1):
                seed = gr.Textbox("", label="Seed (blank: a fresh one)", max_length=12)
                one = limits.max_candidates <= 1  # Gradio's slider needs minimum < maximum
                candidates = gr.Slider(
                    1,
                    max(2, limits.max_candidates),
                    value=min(2, max(1, limits.max_candidates)),
                    step=1,
                    label="Candidates a section (the best kept: its accents on the cuts, its mode)"
                    + (" (this server makes 1)" if one else ""),
                    interactive=not one,
                    elem_id="picture-video-candidates",
                )
                picked = concept_control(studio, "picture-video")
                concept_strength = strength_control(studio, "picture-video", picked, prompt)
                button = gr.Button("Score the video", variant="primary", elem_id="picture-video-score")
        gr.Markdown(
            "Each shot becomes a section whose mode, register and density follow its colour and light; "
            "the cuts fall on bar lines and the music is exactly as long as the video (docs/PICTURES.md). "
            "Limits: "
            f"videos of at most {limits.max_audio_seconds:g} s and {limits.max_upload_bytes / 2**20:.0f} "
            f"MiB, music of at most {limits.max_bars} bars."
        )
        with gr.Row():
            read = gr.Textbox(
                label="What was read from the video", lines=8, interactive=False, elem_id="picture-video-read"
            )
            plan = gr.Textbox(
                label="The section plan", lines=8, interactive=False, elem_id="picture-video-plan"
            )
        with gr.Row():
            shown = gr.Video(label="The video with the music", interactive=False, elem_id="picture-video-out")
            with gr.Column():
                audio = gr.Audio(label="The music", type="filepath", interactive=False)
                downloads = gr.File(label="MIDI, WAV, MP4", file_count="multiple", interactive=False)
        roll = gr.Image(label="Piano roll", type="filepath", interactive=False, format="png")
        with gr.Accordion("Summary (the API's answer)", open=False):
            summary_box = gr.JSON(label="Summary")

        def run(
            upload,
            prompt,
            seed,
            candidates=1,
            concept=FROM_PROMPT,
            strength=None,
            progress=gr.Progress(),  # noqa: B008  (how Gradio asks for a progress bar)
        ):
            """Music for an uploaded video, as long as it; the words are optional and win over the video;
            ``candidates`` are tried for each section and the best kept; ``concept`` and ``strength`` as for
            a picture."""
            summary, files, paths = picture_video(
                studio, upload, prompt, candidates, seed, progress, concept=concept, strength=strength
            )
            return (
                summary,
                files,
                summary["read"],
                summary["plan"],
                paths.get("video"),
                paths.get("wav"),
                paths.get("pianoroll"),
            )

        button.click(
            studio.guard("picture video", run),
            inputs=[upload, prompt, seed, candidates, picked, concept_strength],
            outputs=[summary_box, downloads, read, plan, shown, audio, roll],
            api_name="picture_video",
            concurrency_limit=limits.generate_concurrency,
            concurrency_id="generate",
            time_limit=limits.request_seconds,
        )
