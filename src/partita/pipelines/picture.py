"""Scoring a video: read it, plan its music shot by shot, generate, put the cuts on bar lines, render, mux.

:func:`score_video` is what ``partita score-video clip.mp4 -o out/`` runs::

    video (partita.picture) ──plan_video──▶ VideoPlan ──Generator.generate_plan──▶ piece
      ──timed (a tempo per section: cuts on bar lines) + shape_dynamics (motion, accents)──▶ music
      ──write_wav, fit_wav (exactly the video's length)──▶ WAV ──FFmpeg (-c:v copy)──▶ MP4 with the music

Beside the music it measures how well the music's accents meet the video's cuts and motion peaks
(:func:`partita.generation.picture.alignment`), against the same notes unaligned (one tempo, no accents).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partita.atomic import atomic_write_text
from partita.evaluation.selector import Selector, choose_selector
from partita.generation.picture import (
    EVENT_PULL,
    MODE_PULL,
    VideoPlan,
    alignment,
    event_positions,
    musical_accents,
    plan_video,
    section_fit,
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
    choices: list[dict[str, Any]] = field(default_factory=list)
    """How each section's candidate was chosen (:attr:`PictureSelector.chosen`; empty with one candidate)."""

    def describe_choices(self) -> list[str]:
        """A line a section: of how many candidates it was chosen, its alignment F, the mode heard."""
        heard = {1.0: "in the mode asked", 0.0: "in the other mode"}
        lines = []
        for choice in self.choices:
            best, n = choice["candidates"][0], len(choice["candidates"])
            f = f"alignment F {best['alignment']:.2f}" if "alignment" in best else "no event"
            mode = heard.get(best.get("section_mode"), "mode unread")
            lines.append(f"section {choice['section'] + 1}: the best of {n} candidates ({f}, {mode})")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "video": self.video.to_dict(),
            "plan": self.plan.to_dict(),
            "alignment": self.alignment,
            "choices": self.choices,
            "files": self.files,
            "seconds": self.seconds,
            "remarks": self.remarks,
        }


ALIGN_WEIGHT = 0.5
"""What a section's alignment F adds to a candidate's Selector score (:class:`PictureSelector`)."""
MODE_WEIGHT = 0.3
"""What hearing the section in the mode it asks for adds to a candidate's Selector score."""


@dataclass
class PictureSelector(Selector):
    """The Selector of a video's sections: a candidate section's Selector score (adherence, style, quality)
    plus :data:`ALIGN_WEIGHT` times its alignment F (its accents on the section's cut and motion peaks, once
    timed and shaped) plus :data:`MODE_WEIGHT` where its notes are heard in the section's mode (partita's key
    analysis of the section alone: the Selector's own adherence reads the whole piece so far against the
    section's key). The sum is the candidate's ``picture`` score; the best first."""

    vplan: VideoPlan | None = None
    video: VideoFeatures | None = None
    align_weight: float = ALIGN_WEIGHT
    mode_weight: float = MODE_WEIGHT
    chosen: list[dict[str, Any]] = field(default_factory=list)
    """For each ranking (a section), the section's index and the scores of the candidate ranked first and of
    the others (``picture``, ``combined``, ``alignment``, ``section_mode``)."""

    @classmethod
    def around(cls, base: Selector | None, vplan: VideoPlan, video: VideoFeatures, **kw: Any):
        """A PictureSelector scoring as ``base`` does (None: adherence only), for ``vplan``'s sections."""
        own = {f.name: getattr(base, f.name) for f in dataclasses.fields(Selector)} if base else {}
        return cls(**own, vplan=vplan, video=video, **kw)

    def section_of(self, request: Any) -> int:
        """The section a request writes: the one starting at the bar its given piece ends (0 without)."""
        given = getattr(request, "given", None)
        if given is None or self.vplan is None:
            return 0
        at = 0
        for k, section in enumerate(self.vplan.plan.sections):
            if given.bars < at + section.bars:
                return k
            at += section.bars
        return len(self.vplan.plan.sections) - 1

    def rank(self, candidates: Sequence[Any], request: Any = None) -> list[tuple[Any, dict[str, float]]]:
        ranked = super().rank(candidates, request)
        if self.vplan is None or self.video is None:
            return ranked
        k = self.section_of(request)
        for cand, scores in ranked:
            scores.update(section_fit(cand.score, self.vplan, self.video, k))
        for _, scores in ranked:
            scores["picture"] = (
                scores.get("combined", 0.0)
                + self.align_weight * scores.get("alignment", 0.0)
                + self.mode_weight * scores.get("section_mode", 0.0)
            )
        ranked = sorted(ranked, key=lambda pair: -pair[1]["picture"])
        keep = ("picture", "combined", "alignment", "section_mode")
        self.chosen.append(
            {"section": k, "candidates": [{n: round(s[n], 4) for n in keep if n in s} for _, s in ranked]}
        )
        return ranked

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["picture"] = {"alignment": self.align_weight, "section_mode": self.mode_weight}
        return out


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
    mode_pull: float = MODE_PULL,
    select: bool = True,
    event_pull: float = EVENT_PULL,
    move_onsets: bool = True,
    **options: Any,
) -> VideoScore:
    """Music for the video at ``path``, as long as the video: :mod:`partita.generation.picture` for the
    mapping, ``n`` candidates a section (with ``select``, the best by :class:`PictureSelector`: the Selector's
    score, the section's alignment and its mode; else the Selector's first), sampled with the tonic pull
    ``mode_pull`` (0: the model's own, off) so that each section's mode is heard. ``prompt`` and ``options``
    (request fields: ``key``, ``tempo``, ``meter``, ``instruments``, ...) win where they say something. With
    ``out_dir``: ``music.mid``, ``plan.json``, ``picture.json``, ``pianoroll.png`` and, with ``wav``,
    ``music.wav`` and ``<video>_with_music.mp4``. ``video``: the file's features when they were already read
    (the studio reads them within its own time limit), so it is not read twice. ``event_pull``: the logit
    pull of the sampler towards onsets on the cuts and motion peaks (:func:`event_pull_positions`; 0: none);
    ``move_onsets``: afterwards a note is moved onto each event still without one."""
    t0 = time.perf_counter()
    if video is None:
        video = read_video_features(path, progress=_scaled(progress, 0, READ))
    vplan = plan_video(video, prompt, align=align, **options)
    vplan.move_onsets = move_onsets
    t1 = time.perf_counter()
    generator = model if isinstance(model, Generator) else Generator.from_pretrained(model)
    config = generator.config
    selector = choose_selector(
        "auto", generator.selector_dir, config.selector_weights, config.selector_windows
    )
    if select and n > 1:
        selector = PictureSelector.around(selector, vplan, video)
    settings = {"tonic_weight": float(mode_pull)} if mode_pull else {}
    positions = event_pull_positions(vplan, generator, event_pull)
    if positions:
        settings["event_weight"] = float(event_pull)
    _, (cand,) = generator.generate_plan(
        vplan.plan, n=n, seed=seed, wav=False, selector=selector, onsets=positions,
        progress=_scaled(progress, READ, GENERATE), **settings,
    )  # fmt: skip
    t2 = time.perf_counter()
    music = shape_dynamics(timed(cand.score, vplan), video, vplan.events if align else [], move_onsets)
    unaligned = timed(cand.score, vplan, aligned=False)
    measured = {
        "aligned": alignment(vplan.events, musical_accents(music, video.duration)),
        "bar_lines_only": alignment(vplan.events, musical_accents(timed(cand.score, vplan), video.duration)),
        "unaligned": alignment(vplan.events, musical_accents(unaligned, video.duration)),
    }
    result = VideoScore(video, vplan, music, unaligned, measured, remarks=list(cand.remarks))
    if isinstance(selector, PictureSelector):
        result.choices = list(selector.chosen)
    result.seconds = {"read": round(t1 - t0, 3), "generate": round(t2 - t1, 3)}
    if out_dir is not None:
        report(progress, READ + GENERATE, 100, "writing")
        write_outputs(result, Path(path), Path(out_dir), wav)
    result.seconds["total"] = round(time.perf_counter() - t0, 3)
    report(progress, 100, 100, "done")
    return result


def event_pull_positions(vplan: VideoPlan, generator: Generator, weight: float) -> list[tuple[int, int]]:
    """Where the sampler is pulled towards onsets (:func:`partita.generation.picture.event_positions` in the
    generator's vocabulary): none without ``weight``, for an unaligned plan, or for a vocabulary other than
    REMI+ or without the plan's meter."""
    tokenizer = generator.tokenizer
    if not weight or not vplan.aligned or getattr(tokenizer, "kind", "") != "remi":
        return []
    if vplan.plan.meter not in tokenizer.time_signatures:  # sampled in another meter: other bars
        return []
    return event_positions(vplan, int(tokenizer.positions_per_beat))


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
