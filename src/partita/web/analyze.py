"""The Analyze view: upload a MIDI, MusicXML or ABC file or a recording; get its description, captions and
section timeline.

:func:`analyze` reads the upload by its content (:func:`partita.web.limits.read_music_upload`: a recording is
transcribed, every note heard), describes it,
captions it in English and Chinese, and draws the section timeline over the piano roll. Endpoint ``/analyze``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from partita.analysis import caption, caption_segments, describe
from partita.atomic import atomic_path
from partita.render import write_pianoroll
from partita.web.limits import UPLOAD_WHAT, read_music_upload
from partita.web.studio import Studio

log = logging.getLogger(__name__)

TIMELINE_HEADERS = ["section", "start (s)", "end (s)", "bars", "notes/s", "caption"]
SECTION_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]


def write_timeline(sections: list[dict[str, Any]], duration: float, path: Path) -> Path:
    """Draw the sections as labelled coloured spans along the time axis (PNG, atomically)."""
    # matplotlib takes ~0.5 s to import: only when a timeline is drawn
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"), which must come before any drawing module loads
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 1.3), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    colours: dict[str, str] = {}
    for sec in sections:
        base = str(sec["label"]).rstrip("'")
        colour = colours.setdefault(base, SECTION_COLOURS[len(colours) % len(SECTION_COLOURS)])
        start, end = float(sec["start"] or 0), float(sec["end"] or 0)
        ax.barh(0, end - start, left=start, color=colour, edgecolor="white", height=0.8)
        ax.text(
            (start + end) / 2, 0, sec["label"], ha="center", va="center", color="white", fontweight="bold"
        )
    ax.set_xlim(0, max(duration, 1e-3))
    ax.set_yticks([])
    ax.set_xlabel("seconds")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def analyze(studio: Studio, upload: str | None) -> tuple[dict[str, Any], str, str, list[list], str, str, str]:
    """Describe an uploaded file; returns (description, caption en, caption zh, timeline rows, segment
    captions, timeline PNG, piano-roll PNG)."""
    read = read_music_upload(upload, studio.limits)
    score, fmt = read.score, read.format
    name = Path(str(upload)).name
    d = describe(score)
    out = studio.work.new("analyze")
    en, zh = caption(d, lang="en"), caption(d, lang="zh")
    segments_en = caption_segments(d, lang="en").splitlines()
    segments_zh = caption_segments(d, lang="zh")
    rows = []
    for i, sec in enumerate(d.sections):
        bars = sec.get("bars") or [None, None]
        text = segments_en[i].split(": ", 1)[-1] if i < len(segments_en) - 1 else ""
        rows.append(
            [sec["label"], sec["start"], sec["end"], f"{bars[0]}-{bars[1]}", sec.get("note_density"), text]
        )
    timeline = write_timeline(d.sections, d.duration, out / "timeline.png")
    roll = write_pianoroll(score, out / "pianoroll.png", title=name)
    description = {"file": name, "format": fmt, "transcribed": read.transcribed, **d.to_dict()}
    segments = "\n".join(segments_en) + "\n\n" + segments_zh
    return description, en, zh, rows, segments, str(timeline), str(roll)


class AnalyzeView:
    """Upload a piece; endpoint ``/analyze``."""

    name = "analyze"
    title = "Analyze"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        limits = studio.limits
        with gr.Row():
            with gr.Column(scale=1):
                upload = gr.File(
                    label=UPLOAD_WHAT[0].upper() + UPLOAD_WHAT[1:], type="filepath", elem_id="analyze-upload"
                )
                gr.Markdown(
                    f"Files up to {limits.max_upload_bytes / 2**20:.0f} MiB; the type is read from the "
                    "content, not from the name; a recording (up to "
                    f"{limits.max_audio_seconds:g} s) is transcribed."
                )
                button = gr.Button("Analyze", variant="primary", elem_id="analyze-run")
            with gr.Column(scale=2):
                en = gr.Textbox(
                    label="Caption (English)", lines=3, interactive=False, elem_id="analyze-caption-en"
                )
                zh = gr.Textbox(
                    label="Caption (中文)", lines=3, interactive=False, elem_id="analyze-caption-zh"
                )
        timeline_png = gr.Image(label="Sections", type="filepath", interactive=False, format="png")
        timeline = gr.Dataframe(
            headers=TIMELINE_HEADERS, label="Section timeline", interactive=False, wrap=True
        )
        roll = gr.Image(label="Piano roll", type="filepath", interactive=False, format="png")
        with gr.Accordion("Section captions (English and Chinese)", open=False):
            segments = gr.Textbox(lines=8, show_label=False, interactive=False)
        with gr.Accordion("Description (JSON)", open=False):
            description = gr.JSON(label="Description")

        def run(upload):
            """Describe and caption an uploaded MIDI, MusicXML or ABC file, or a recording (transcribed)."""
            return studio.bounded(limits.analysis_seconds, analyze, studio, upload)

        button.click(
            studio.guard("analyze", run),
            inputs=[upload],
            outputs=[description, en, zh, timeline, segments, timeline_png, roll],
            api_name="analyze",
            concurrency_limit=limits.analysis_concurrency,
            concurrency_id="analysis",
        )
