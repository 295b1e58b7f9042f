"""Listening samples of a model: one generation per style prompt, rendered and measured, for its model card.

:func:`write_samples` runs :func:`partita.generate` on a few prompts (one per style the
shipped model was trained on), keeps each prompt's best candidate, and records what a listener and a reader
need: the prompt, the adherence scores, the note count, the loudness of the WAV (so a silent render is caught)
and the files. :func:`samples_markdown` turns that record into the "Samples" section of a model card.
"""

from __future__ import annotations

import json
import logging
import re
import wave
from pathlib import Path

import numpy as np

from partita.atomic import atomic_write_text
from partita.pipelines.generator import generate, load_generator
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

SAMPLE_PROMPTS: tuple[str, ...] = (
    "a four-part chorale in G major for choir, 8 bars",
    "a lively Irish reel in D major for fiddle, 16 bars",
    "a jig in G major for fiddle, 6/8, 16 bars",
    "a Chinese folk song in E minor for flute, 2/4, 12 bars",
    "a German folk song in F major, 3/4, 8 bars",
    "a pop piano ballad in C major, 8 bars, 80 bpm",
    "a Renaissance motet in D minor for four voices, 12 bars",
)
"""One prompt per style family of the training mix (chorale, Irish and Chinese and German folk, pop,
Renaissance)."""


def wav_level(path: str | Path) -> dict[str, float]:
    """Peak and RMS level in dBFS and the duration in seconds of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as w:
        frames = w.readframes(w.getnframes())
        rate, width = w.getframerate(), w.getsampwidth()
        seconds = w.getnframes() / max(rate, 1)
    if width != 2 or not frames:
        return {"seconds": seconds, "peak_db": float("-inf"), "rms_db": float("-inf")}
    x = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    peak, rms = float(np.abs(x).max()), float(np.sqrt(np.mean(x**2)))
    to_db = lambda v: 20 * np.log10(v) if v > 0 else float("-inf")  # noqa: E731
    return {"seconds": seconds, "peak_db": float(to_db(peak)), "rms_db": float(to_db(rms))}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


def write_samples(
    model,
    out_dir: str | Path,
    prompts: tuple[str, ...] | list[str] = SAMPLE_PROMPTS,
    n: int = 2,
    seed: int = 1,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> list[dict]:
    """Generate, render and measure one best-of-``n`` sample per prompt into ``out_dir``; return the records.

    ``model`` is a loaded generator or a model name. ``out_dir/samples.json`` holds the records. Each
    prompt's folder is written as :func:`~partita.pipelines.generator.generate` writes one (``overwrite``:
    also over files partita did not write).
    """
    lm = load_generator(model) if isinstance(model, str) else model
    out = Path(out_dir)
    records = []
    for i, prompt in enumerate(prompts):
        report(progress, i, len(prompts), prompt)
        folder = out / f"{i + 1:02d}-{_slug(prompt)}"
        request, candidates = generate(
            prompt, n=n, seed=seed + i, model=lm, out_dir=folder, overwrite=overwrite
        )
        best = candidates[0]
        rec = {
            "prompt": prompt,
            "folder": folder.name,
            "notes": best.score.note_num(),
            "adherence": best.adherence,
            "adherence_mean": best.adherence_mean,
            "stop_reason": best.stop_reason,
            "files": {k: str(Path(v).relative_to(out)) for k, v in best.files.items()},
        }
        if "wav" in best.files:
            rec["audio"] = wav_level(best.files["wav"])
        records.append(rec)
    report(progress, len(prompts), len(prompts), "done")
    atomic_write_text(
        out / "samples.json", json.dumps(records, indent=2, ensure_ascii=False, default=str) + "\n"
    )
    return records


def samples_markdown(records: list[dict]) -> str:
    """The "Samples" section of a model card: one row per prompt."""
    lines = [
        "## Samples",
        "",
        "Best of 2 candidates per prompt (constrained decoding, ranked by the Selector); regenerate with "
        "`partita model samples NAME -o DIR`. Audio level from the rendered WAV (FluidSynth, GM soundfont).",
        "",
        "| prompt | notes | adherence | audio | files |",
        "|---|---|---|---|---|",
    ]
    for r in records:
        mean = "-" if r.get("adherence_mean") is None else f"{r['adherence_mean']:.2f}"
        audio = r.get("audio")
        level = f"{audio['seconds']:.0f} s, RMS {audio['rms_db']:.0f} dBFS" if audio else "not rendered"
        files = ", ".join(f"`{v}`" for k, v in sorted(r.get("files", {}).items()) if k in ("midi", "wav"))
        lines.append(f"| {r['prompt']} | {r['notes']} | {mean} | {level} | {files} |")
    return "\n".join(lines) + "\n"
