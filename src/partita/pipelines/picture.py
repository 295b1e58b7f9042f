"""Scoring a video: read it, plan its music shot by shot, generate, put the cuts on bar lines, render, mux.

:func:`score_video` is what ``partita score-video clip.mp4 -o out/`` runs::

    video (partita.picture) ──plan_video──▶ VideoPlan ──Generator.generate_plan──▶ piece
      ──timed (a tempo per section: cuts on bar lines) + shape_dynamics (motion, accents)──▶ music
      ──write_wav, fit_wav (exactly the video's length)──▶ WAV ──FFmpeg (-c:v copy)──▶ MP4 with the music

Beside the music it measures how well the music's accents meet the video's cuts and motion peaks
(:func:`partita.generation.picture.alignment`), against the same notes unaligned (one tempo, no accents).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partita.atomic import atomic_write_text
from partita.generation.picture import (
    VideoPlan,
    alignment,
    musical_accents,
    plan_video,
    shape_dynamics,
    timed,
)
from partita.generation.plan import save_plan
from partita.picture import VideoFeatures, read_video_features
from partita.picture.mux import fit_wav, write_video_with_audio
from partita.pipelines.generator import DEFAULT_MODEL, Generator
from partita.progress import ProgressCallback, report
from partita.score import Score, write_midi

log = logging.getLogger(__name__)

READ, GENERATE, RENDER = 20, 70, 10
"""The progress bar's shares (percent) of reading the video, generating and rendering."""


@dataclass
class VideoScore:
    """What :func:`score_video` made: the video's features, the plan, the music (aligned, and the same notes
    unaligned for comparison), the alignment measured, the files written and the time each step took."""

    video: VideoFeatures
    plan: VideoPlan
    score: Score
    unaligned: Score
    alignment: dict[str, dict[str, float]]
    files: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "video": self.video.to_dict(),
            "plan": self.plan.to_dict(),
            "alignment": self.alignment,
            "files": self.files,
            "seconds": self.seconds,
            "remarks": self.remarks,
        }


def _scaled(progress: ProgressCallback | None, start: int, share: int) -> ProgressCallback:
    def update(done: int, total: int, message: str = "") -> None:
        report(progress, start + (share * done // total if total else 0), 100, message)

    return update


def score_video(
    path: str | Path,
    out_dir: str | Path | None = None,
    prompt: str = "",
    model: str | Generator = DEFAULT_MODEL,
    n: int = 2,
    seed: int | None = None,
    align: bool = True,
    wav: bool = True,
    progress: ProgressCallback | None = None,
    video: VideoFeatures | None = None,
    **options: Any,
) -> VideoScore:
    """Music for the video at ``path``, as long as the video: :mod:`partita.generation.picture` for the
    mapping, ``n`` candidates a section (the Selector's first kept). ``prompt`` and ``options`` (request
    fields: ``key``, ``tempo``, ``meter``, ``instruments``, ...) win where they say something. With
    ``out_dir``: ``music.mid``, ``plan.json``, ``picture.json``, ``pianoroll.png`` and, with ``wav``,
    ``music.wav`` and ``<video>_with_music.mp4``. ``video``: the file's features when they were already read
    (the studio reads them within its own time limit), so it is not read twice."""
    t0 = time.perf_counter()
    if video is None:
        video = read_video_features(path, progress=_scaled(progress, 0, READ))
    vplan = plan_video(video, prompt, align=align, **options)
    t1 = time.perf_counter()
    generator = model if isinstance(model, Generator) else Generator.from_pretrained(model)
    _, (cand,) = generator.generate_plan(
        vplan.plan, n=n, seed=seed, wav=False, progress=_scaled(progress, READ, GENERATE)
    )
    t2 = time.perf_counter()
    music = shape_dynamics(timed(cand.score, vplan), video, vplan.events if align else [])
    unaligned = timed(cand.score, vplan, aligned=False)
    measured = {
        "aligned": alignment(vplan.events, musical_accents(music, video.duration)),
        "bar_lines_only": alignment(vplan.events, musical_accents(timed(cand.score, vplan), video.duration)),
        "unaligned": alignment(vplan.events, musical_accents(unaligned, video.duration)),
    }
    result = VideoScore(video, vplan, music, unaligned, measured, remarks=list(cand.remarks))
    result.seconds = {"read": round(t1 - t0, 3), "generate": round(t2 - t1, 3)}
    if out_dir is not None:
        report(progress, READ + GENERATE, 100, "writing")
        write_outputs(result, Path(path), Path(out_dir), wav)
    result.seconds["total"] = round(time.perf_counter() - t0, 3)
    report(progress, 100, 100, "done")
    return result


def write_outputs(result: VideoScore, video_path: Path, out_dir: Path, wav: bool = True) -> dict[str, str]:
    """Write the music and what was read into ``out_dir``; the WAV is cut or padded to the video's length
    and muxed into a copy of the video."""
    from partita.render.pianoroll import write_pianoroll

    t = time.perf_counter()
    files = {"midi": str(write_midi(result.score, out_dir / "music.mid"))}
    files["plan"] = str(save_plan(result.plan.plan, out_dir / "plan.json"))
    files["pianoroll"] = str(write_pianoroll(result.score, out_dir / "pianoroll.png", title=video_path.name))
    if wav:
        from partita.render.audio import write_wav

        wav_path = write_wav(result.score, out_dir / "music.wav")
        fit_wav(wav_path, result.video.duration)
        files["wav"] = str(wav_path)
        mp4 = out_dir / f"{video_path.stem}_with_music.mp4"
        files["video"] = str(write_video_with_audio(video_path, wav_path, mp4))
    result.files = files
    result.seconds["render"] = round(time.perf_counter() - t, 3)
    doc = json.dumps({**result.to_dict(), "source": str(video_path)}, indent=2, default=_jsonable)
    atomic_write_text(out_dir / "picture.json", doc + "\n")
    files["report"] = str(out_dir / "picture.json")
    log.info("wrote %s", out_dir)
    return files


def _jsonable(x: object) -> object:
    if isinstance(x, float):
        return None
    return str(x)
