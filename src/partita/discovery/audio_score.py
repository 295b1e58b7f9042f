"""Recordings to scores: which piece a snippet of audio comes from, and where in it (issue 24, item 5).

A snippet of audio (a few seconds to a minute, any instrument, any tempo) is matched against the scores of
candidate pieces, and the pieces are ranked; the best place in each piece is given in seconds of the score
and as a bar number. Two matchers, and their combination:

- **Chroma + DTW** (the baseline of the audio-to-score literature): the audio's chroma (librosa's
  ``chroma_cqt`` of a constant-Q transform) against the chroma of each score's piano roll (the notes folded
  into 12 pitch classes), both about 10.8 frames a second; subsequence dynamic time warping
  (``librosa.sequence.dtw(subseq=True)``, cosine cost) finds the best-matching stretch of each score, and
  its cost per query frame ranks the pieces. DTW absorbs any tempo.
- **A learned two-tower matcher** (:class:`AudioScoreModel`): an audio tower over a log-magnitude constant-Q
  spectrogram (72 semitone bins, C2-B7) and a score tower over the piano roll on the same 72 pitches, each a
  small 1-D convolution over time that ends in a unit vector; trained contrastively (InfoNCE, the other
  pairs of a batch as negatives) on FluidSynth renders of training pieces under several General MIDI programs
  and tempi. Both windows are averaged into ``frames`` time bins, so a tempo is a window length: a query of
  ``q`` seconds is compared with score windows of ``q * g`` seconds for a grid of tempo ratios ``g``
  (0.6-1.6), every ``hop_s`` seconds of each score; a piece's score is its best window's cosine.
- **Combined**: the learned matcher's shortlist (``shortlist`` pieces) re-ranked by the sum of the two
  similarities (cosine + ``fuse_weight`` x (1 - DTW cost per frame)), placed where DTW puts the snippet.

Rendering is not done here (the render layer sits above discovery): training takes
:class:`Rendition` objects, audio features of a performance beside the piano roll of its score and the tempo
factor between them, which a caller makes with FluidSynth (bench/bench_audio_score.py, the tests);
:func:`performance` and :func:`join_performances` build the scores to render.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from partita.audio.files import checked_clip
from partita.models.weights import CARD_FILE, WEIGHTS_FILE, JsonConfig, load_weights, save_weights  # noqa: F401 (named in the folder)
from partita.progress import ProgressCallback, report
from partita.score import Score

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
HOP = 512
FPS = SAMPLE_RATE / HOP
"""Fine frames a second (43.07): the rate of the CQT and of the piano roll."""
DTW_POOL = 4
"""Fine frames averaged into one DTW frame (10.77 frames a second)."""
LOW_PITCH = 36
N_BINS = 72
"""Pitches C2 (MIDI 36) to B7 (107), one bin a semitone, for both towers; a note outside moves by octaves."""
MIN_SECONDS = 3.0
MAX_QUERY_SECONDS = 60.0
CONFIG_FILE = "audio_score_config.json"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "pretrained" / "audio-score-small"
"""The small matcher that ships with partita (when it was trained): bench/bench_audio_score.py --save."""
METHODS = ("dtw", "learned", "combined")
STEPS = np.array([[1, 1], [2, 1], [1, 2]])
STEP_WEIGHTS = np.array([1.0, 2.0, 2.0])
"""DTW's steps (query frames, score frames): the path's slope stays within 1/2..2 (a tempo ratio the same),
and a step that skips a cell pays twice. With librosa's default steps (any number of frames of one side
against a frame of the other) a query could gather its frames on a few like-sounding chords of a wrong
piece: Recall@1 0.37 against 0.85 with these (valid split, 60 snippets among 30 pieces)."""


# --------------------------------------------------------------------------------------------- features


@dataclass
class Snippet:
    """Features of a stretch of audio or of a score, at :data:`FPS` frames a second.

    ``roll``: ``N_BINS x frames`` in 0..1 (log-CQT scaled to 0..1 for audio, the piano roll for a score);
    ``chroma``: ``12 x dtw frames``, unit columns (zero where silent), at ``FPS / DTW_POOL``."""

    roll: np.ndarray
    chroma: np.ndarray

    @property
    def seconds(self) -> float:
        return self.roll.shape[1] / FPS


def audio_snippet(samples: np.ndarray, sample_rate: int, name: str = "the audio") -> Snippet:
    """The features of mono audio (resampled to 22,050 Hz). A clip under 3 s, or a silent one (its peak under
    -60 dBFS), is refused with a :class:`ScoreError` that says so; over 60 s only the first minute is used."""
    import librosa

    y = checked_clip(
        samples,
        sample_rate,
        rate=SAMPLE_RATE,
        min_seconds=MIN_SECONDS,
        max_seconds=MAX_QUERY_SECONDS,
        purpose="identify a piece",
        silent="there is nothing to match",
        name=name,
    )
    cqt = np.abs(
        librosa.cqt(
            y,
            sr=SAMPLE_RATE,
            hop_length=HOP,
            fmin=librosa.midi_to_hz(LOW_PITCH),
            n_bins=N_BINS,
            bins_per_octave=12,
        )
    ).astype(np.float32)
    db = librosa.amplitude_to_db(cqt, ref=float(cqt.max()) or 1.0, top_db=80.0)
    roll = ((db + 80.0) / 80.0).astype(np.float32)
    chroma = librosa.feature.chroma_cqt(
        C=cqt, sr=SAMPLE_RATE, hop_length=HOP, bins_per_octave=12, n_chroma=12
    )
    return Snippet(roll, _unit_columns(_pool(chroma, DTW_POOL)))


def score_snippet(score: Score, max_seconds: float | None = None) -> Snippet:
    """The features of a score: its piano roll on :data:`N_BINS` pitches (drums left out) at :data:`FPS`,
    and its chroma; the first ``max_seconds`` only when given."""
    notes = score_notes(score)
    end = float((notes[:, 0] + notes[:, 1]).max()) if len(notes) else 0.0
    return notes_snippet(notes, end if max_seconds is None else min(end, max_seconds))


def score_notes(score: Score) -> np.ndarray:
    """The pitched notes of a score in seconds: ``n x 3`` float64 rows (start, duration, MIDI pitch)."""
    sec = score.to("second")
    notes = [
        (float(n.time), float(n.duration), int(n.pitch)) for t in sec.tracks if not t.is_drum for n in t.notes
    ]
    return np.asarray(notes, dtype=np.float64).reshape(-1, 3)


def notes_snippet(notes: np.ndarray, end: float) -> Snippet:
    """The :class:`Snippet` of :func:`score_notes` rows up to ``end`` seconds (a note outside C2-B7 moves
    by octaves)."""
    frames = max(1, int(np.ceil(end * FPS)))
    roll = np.zeros((N_BINS, frames), dtype=np.float32)
    for start, dur, pitch in np.asarray(notes, dtype=np.float64).reshape(-1, 3).tolist():
        pitch = int(pitch)
        a = int(round(start * FPS))
        if a >= frames:
            continue
        b = min(frames, max(a + 1, int(round((start + dur) * FPS))))
        while pitch < LOW_PITCH:
            pitch += 12
        while pitch >= LOW_PITCH + N_BINS:
            pitch -= 12
        roll[pitch - LOW_PITCH, a:b] = 1.0
    chroma = np.zeros((12, frames), dtype=np.float32)
    for pc in range(12):
        chroma[(LOW_PITCH + pc) % 12] += roll[pc::12].sum(0)
    return Snippet(roll, _unit_columns(_pool(chroma, DTW_POOL)))


def _pool(x: np.ndarray, k: int) -> np.ndarray:
    n = max(1, x.shape[1] // k)
    x = x[:, : n * k] if x.shape[1] >= k else np.pad(x, ((0, 0), (0, k - x.shape[1])))
    return x.reshape(x.shape[0], n, k).mean(2)


def _unit_columns(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=0, keepdims=True)
    return (x / np.where(norm > 1e-6, norm, 1.0)).astype(np.float32)


def window_bins(roll: np.ndarray, starts: np.ndarray, lengths: np.ndarray, frames: int) -> np.ndarray:
    """Windows of ``roll`` (``C x n``) averaged into ``frames`` equal time bins: ``len(starts) x C x frames``.
    ``starts`` and ``lengths`` are in fine frames and may be fractional; past the end counts as silence."""
    n = roll.shape[1]
    cum = np.concatenate(
        [np.zeros((roll.shape[0], 1), np.float32), np.cumsum(roll, axis=1, dtype=np.float64)], 1
    )
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 1)
    lengths = np.maximum(np.asarray(lengths, dtype=np.float64).reshape(-1, 1), 1e-3)
    edges = np.clip(starts + lengths * np.arange(frames + 1) / frames, 0.0, float(n))
    lo = np.minimum(np.floor(edges).astype(np.int64), n - 1)
    frac = edges - lo
    at = cum[:, lo] + frac * (cum[:, lo + 1] - cum[:, lo])  # C x W x (frames + 1)
    out = np.diff(at, axis=2) / (lengths / frames)
    return np.ascontiguousarray(out.transpose(1, 0, 2), dtype=np.float32)


# --------------------------------------------------------------------------------------------- scores


def performance(score: Score, program: int, tempo_factor: float = 1.0) -> Score:
    """``score`` as one instrument plays it: every pitched track on GM ``program``, drums dropped, every tempo
    multiplied by ``tempo_factor`` (1.2: 20% faster, so a second of audio covers 1.2 s of the score)."""
    import symusic

    out = score.copy()
    for t in list(out.tracks):
        if t.is_drum:
            out.tracks.remove(t)
        else:
            t.program = int(program)
    if not len(out.tempos):
        out.tempos.append(symusic.Tempo(0, 120.0))
    for tempo in out.tempos:
        tempo.qpm = float(tempo.qpm) * float(tempo_factor)
    return out


def join_performances(scores: Sequence[Score], gap: float = 2.0) -> tuple[Score, list[float]]:
    """Scores played one after another with ``gap`` seconds between them, as one score to render once (a
    soundfont is loaded once, not per piece); returns it and each piece's start in seconds."""
    import symusic

    out = symusic.Score(480, ttype="second")
    out.tempos.append(symusic.Tempo(0, 120.0, ttype="second"))
    tracks: dict[int, Any] = {}
    offsets, at = [], 0.0
    for score in scores:
        offsets.append(at)
        sec = score.to("second")
        for t in sec.tracks:
            if t.is_drum:
                continue
            if t.program not in tracks:
                tracks[t.program] = symusic.Track(f"program {t.program}", t.program, False, ttype="second")
            for n in t.notes:
                tracks[t.program].notes.append(
                    symusic.Note(float(n.time) + at, float(n.duration), n.pitch, n.velocity, ttype="second")
                )
        at += float(sec.end()) + gap
    for t in tracks.values():
        t.notes.sort(key=lambda n: n.time)
        out.tracks.append(t)
    return out.to("tick"), offsets


def seconds_to_tick(score: Score, seconds: float) -> int:
    """The tick of ``score`` sounding ``seconds`` after its start, under its tempo map (120 bpm if none)."""
    return BarClock.of(score).tick(seconds)


def bar_at(score: Score, seconds: float) -> int:
    """The bar (counted from 1, from tick 0 under the score's time signatures) sounding at ``seconds``."""
    return BarClock.of(score).bar(seconds)


@dataclass
class BarClock:
    """What turns score seconds into a bar without the score: its ticks per quarter, tempo map (tick, qpm)
    and bar lines (ticks); a score index keeps it for each piece."""

    tpq: int
    tempos: list[tuple[int, float]]
    lines: list[int]

    @classmethod
    def of(cls, score: Score) -> BarClock:
        from partita.score.bars import bar_lines, notated_bars

        tempos = sorted((int(t.time), float(t.qpm)) for t in score.tempos)
        lines = [int(x) for x in bar_lines(score, notated_bars(score) + 1)]
        return cls(int(score.ticks_per_quarter) or 480, tempos, lines)

    def tick(self, seconds: float) -> int:
        """The tick sounding ``seconds`` after the start (120 bpm before the first tempo, or without one)."""
        tempos = list(self.tempos) or [(0, 120.0)]
        if tempos[0][0] > 0:
            tempos.insert(0, (0, 120.0))
        elapsed = 0.0
        for i, (tick, qpm) in enumerate(tempos):
            next_tick = tempos[i + 1][0] if i + 1 < len(tempos) else None
            per_tick = 60.0 / (qpm * self.tpq)
            span = (next_tick - tick) * per_tick if next_tick is not None else float("inf")
            if seconds - elapsed <= span:
                return int(round(tick + (seconds - elapsed) / per_tick))
            elapsed += span
        return 0

    def bar(self, seconds: float) -> int:
        """The bar (from 1) sounding at ``seconds``."""
        import bisect

        tick = self.tick(max(0.0, seconds))
        return max(1, min(len(self.lines) - 1, bisect.bisect_right(self.lines, tick)))


# --------------------------------------------------------------------------------------------- the model


@dataclass
class AudioScoreConfig(JsonConfig):
    """The shape of the two towers, how they were trained and how a query is searched."""

    n_bins: int = N_BINS
    frames: int = 64
    hidden: int = 64
    segments: int = 8
    dim: int = 64
    temperature: float = 0.07
    steps: int = 1000
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    window_s: float = 10.0
    jitter: float = 0.06
    shift: int = 3
    hop_s: float = 1.0
    ratios: list[float] = field(default_factory=lambda: [float(g) for g in np.geomspace(0.6, 1.6, 9)])
    shortlist: int = 10
    fuse_weight: float = 1.0
    seed: int = 0
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


class _Tower(nn.Module):
    """``B x n_bins x frames`` (standardised per window) -> three 1-D convolutions -> ``segments`` averaged
    time segments -> a linear map -> a unit ``dim``-vector."""

    def __init__(self, c: AudioScoreConfig) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(c.n_bins, c.hidden, 3, padding=1),
            nn.GELU(),
            nn.Conv1d(c.hidden, c.hidden, 3, padding=1),
            nn.GELU(),
            nn.Conv1d(c.hidden, c.hidden, 3, padding=2, dilation=2),
            nn.GELU(),
            nn.AdaptiveAvgPool1d(c.segments),
        )
        self.out = nn.Linear(c.hidden * c.segments, c.dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - x.mean((1, 2), keepdim=True)) / x.std((1, 2), keepdim=True).clamp_min(1e-3)
        return F.normalize(self.out(self.conv(x).flatten(1)), dim=-1)


class AudioScoreModel(nn.Module):
    """Two towers, audio and score, whose unit vectors' cosine says how well a snippet matches a window."""

    def __init__(self, config: AudioScoreConfig | None = None) -> None:
        super().__init__()
        self.config = config or AudioScoreConfig()
        self.audio = _Tower(self.config)
        self.score = _Tower(self.config)
        self.source = "built in code"
        """Where the weights came from (the folder's name once read): what a score index names."""

    @torch.no_grad()
    def encode_audio(self, windows: np.ndarray) -> np.ndarray:
        """Unit vectors (``n x dim``) for audio windows (``n x n_bins x frames``)."""
        return _encode(self.eval().audio, windows)

    @torch.no_grad()
    def encode_score(self, windows: np.ndarray) -> np.ndarray:
        """Unit vectors (``n x dim``) for score windows (``n x n_bins x frames``)."""
        return _encode(self.eval().score, windows)

    def save_pretrained(self, folder: str | os.PathLike) -> Path:
        """Write the config JSON, the weights (safetensors, float32) and a model card into ``folder``."""
        return save_weights(folder, self, CONFIG_FILE, self.config.to_json(), model_card(self.config))

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike | None = None) -> AudioScoreModel:
        """Read a matcher saved by :meth:`save_pretrained` (the shipped one by default)."""
        folder = Path(folder) if folder is not None else DEFAULT_MODEL
        config, state = load_weights(folder, CONFIG_FILE, "an audio-score matcher")
        model = cls(AudioScoreConfig.from_dict(config))
        model.load_state_dict(state)
        model.source = folder.name
        return model.eval()


def _encode(tower: nn.Module, windows: np.ndarray, chunk: int = 1024) -> np.ndarray:
    x = np.asarray(windows, dtype=np.float32)
    parts = [tower(torch.from_numpy(x[i : i + chunk])).numpy() for i in range(0, len(x), chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, tower.out.out_features), np.float32)


def model_card(config: AudioScoreConfig) -> str:
    """A short model card for a saved matcher."""
    lines = [
        "# partita audio-score matcher",
        "",
        "Two small convolutional towers, one over a log-CQT of audio and one over a score's piano roll",
        "(72 semitones, C2-B7), trained contrastively so that a snippet of a recording and the stretch of",
        "score it plays come out close. Used by `partita identify` (docs/AUDIO.md).",
        "",
        f"- trained on: {config.trained_on or 'unknown'}",
        f"- shape: {config.n_bins} x {config.frames} -> 3 conv ({config.hidden}) -> {config.segments}"
        f" segments -> {config.dim}",
        f"- InfoNCE, batch {config.batch}, {config.steps} steps, temperature {config.temperature}, seed"
        f" {config.seed}",
        "- measured on held-out pieces, instruments and tempi: bench/bench_audio_score.py",
        "- no pickle: config JSON + safetensors",
    ]
    if config.metrics:
        lines.append(f"- metrics: {json.dumps(config.metrics)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- training


@dataclass
class Rendition:
    """A piece rendered once: ``audio`` (the :class:`Snippet` of the recording, starting where the score
    starts), ``score`` (the score's :class:`Snippet` at its notated tempo) and ``tempo_factor`` (score seconds
    per audio second)."""

    piece: str
    audio: Snippet
    score: Snippet
    tempo_factor: float = 1.0
    program: int = 0


def _pairs(
    rends: Sequence[Rendition], groups: list[list[int]], c: AudioScoreConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of (audio window, score window) pairs, each from a different piece."""
    chosen = rng.choice(len(groups), size=min(c.batch, len(groups)), replace=False)
    audio, score = [], []
    for g in chosen:
        r = rends[int(rng.choice(groups[int(g)]))]
        a_len = r.audio.roll.shape[1]
        length = min(c.window_s * FPS, a_len) * rng.uniform(0.4, 1.0)
        start = rng.uniform(0.0, max(0.0, a_len - length))
        f = r.tempo_factor
        s_len = length * f * np.exp(rng.uniform(-c.jitter, c.jitter))
        s_start = start * f + rng.uniform(-0.5, 0.5) * FPS * c.hop_s
        a = window_bins(r.audio.roll, [start], [length], c.frames)[0]
        s = window_bins(r.score.roll, [s_start], [s_len], c.frames)[0]
        k = int(rng.integers(-c.shift, c.shift + 1))
        audio.append(_shift(a, k))
        score.append(_shift(s, k))
    return np.stack(audio), np.stack(score)


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """Transpose a window by ``k`` semitone bins (what falls off an edge is lost)."""
    if k == 0:
        return x
    out = np.zeros_like(x)
    if k > 0:
        out[k:] = x[:-k]
    else:
        out[:k] = x[-k:]
    return out


def train_audio_score(
    renditions: Sequence[Rendition],
    config: AudioScoreConfig | None = None,
    progress: ProgressCallback | None = None,
    time_limit: float | None = None,
) -> AudioScoreModel:
    """Train a matcher on ``renditions`` (at least two pieces): random windows of each recording against
    the stretch of its score they play (slightly off in length and place, transposed together by up to
    ``shift`` semitones), the other pieces of the batch as negatives (symmetric InfoNCE). Training stops
    early after ``time_limit`` seconds (``config.steps`` then says how many steps were taken)."""
    import time

    t0 = time.monotonic()
    c = config or AudioScoreConfig()
    by_piece: dict[str, list[int]] = {}
    for i, r in enumerate(renditions):
        by_piece.setdefault(r.piece, []).append(i)
    groups = list(by_piece.values())
    if len(groups) < 2:
        raise ValueError("training an audio-score matcher needs renditions of at least two pieces")
    torch.manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    model = AudioScoreModel(c)
    opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=c.lr, total_steps=max(1, c.steps), pct_start=0.1)
    model.train()
    for step in range(c.steps):
        audio, score = _pairs(renditions, groups, c, rng)
        za = model.audio(torch.from_numpy(audio))
        zs = model.score(torch.from_numpy(score))
        logits = za @ zs.T / c.temperature
        target = torch.arange(len(audio))
        loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == c.steps - 1:
            log.info("audio-score step %d loss %.3f", step, loss.item())
        report(progress, step + 1, c.steps, f"loss {loss.item():.3f}")
        if time_limit is not None and time.monotonic() - t0 > time_limit and step + 1 < c.steps:
            log.warning("audio-score training stopped at step %d of %d (time limit)", step + 1, c.steps)
            c.steps = step + 1
            break
    return model.eval()


# --------------------------------------------------------------------------------------------- search


@dataclass
class Candidate:
    """A piece that may be identified: its name, score and score features (see :func:`candidates_of`)."""

    name: str
    score: Score | None
    snippet: Snippet
    _windows: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    clock: BarClock | None = None
    """Where the bars fall (from ``score`` when not given; a score index gives it without the score)."""

    def bar(self, seconds: float) -> int:
        """The bar sounding ``seconds`` into the score."""
        if self.clock is None:
            self.clock = BarClock.of(self.score)
        return self.clock.bar(seconds)


@dataclass
class Match:
    """One ranked piece: ``similarity`` (higher is better; cosine for the learned matcher, 1 - cost per frame
    for DTW), where the snippet falls in the score (``start_s``/``end_s`` in score seconds, ``bar``)."""

    name: str
    similarity: float
    start_s: float
    end_s: float
    bar: int
    method: str


def candidates_of(
    named_scores: Sequence[tuple[str, Score]],
    max_seconds: float = 600.0,
    progress: ProgressCallback | None = None,
) -> list[Candidate]:
    """Candidates from ``(name, score)`` pairs, each cut to its first ``max_seconds``; scores without a
    pitched note are left out."""
    out = []
    for i, (name, score) in enumerate(named_scores):
        snip = score_snippet(score, max_seconds)
        if snip.roll.any():
            out.append(Candidate(name, score, snip))
        report(progress, i + 1, len(named_scores), name)
    return out


def dtw_match(query: Snippet, cand: Candidate) -> tuple[float, float, float]:
    """Chroma subsequence DTW of ``query`` inside ``cand``: (cost per query frame, start s, end s)."""
    import librosa

    cost = 1.0 - query.chroma.T @ cand.snippet.chroma  # cosine distance, query frames x score frames
    frames = cost.shape[1]
    if frames < cost.shape[0]:  # a score shorter than the snippet (librosa would swap the two, or find no
        # path under half its length): the path may run past the score's end, at full cost
        cost = np.pad(cost, ((0, 0), (0, cost.shape[0] - frames)), constant_values=1.0)
    D, wp = librosa.sequence.dtw(
        C=cost.astype(np.float64),
        subseq=True,
        backtrack=True,
        step_sizes_sigma=STEPS,
        weights_mul=STEP_WEIGHTS,
    )
    end = int(wp[0, 1])
    start = min(int(wp[-1, 1]), frames - 1)
    per = DTW_POOL / FPS
    return float(D[-1, end] / cost.shape[0]), start * per, (min(end, frames - 1) + 1) * per


def _score_windows(
    model: AudioScoreModel, cand: Candidate, query_s: float, cache: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The encoded windows of a candidate for a query of ``query_s`` seconds: (vectors, (start, length) s),
    kept on the candidate for the next query of that length when ``cache``."""
    c = model.config
    key = (id(model), round(query_s, 1))
    if key in cand._windows:
        return cand._windows[key]
    total = cand.snippet.seconds
    spans = []
    for g in c.ratios:
        length = query_s * g
        last = max(0.0, total - length)
        spans += [(s, length) for s in np.arange(0.0, last + 1e-6, c.hop_s)] or [(0.0, length)]
    spans = np.asarray(spans, dtype=np.float64)
    vecs = np.concatenate(
        [
            model.encode_score(window_bins(cand.snippet.roll, part[:, 0] * FPS, part[:, 1] * FPS, c.frames))
            for part in np.array_split(spans, max(1, len(spans) // 512))
        ]
    )
    if cache:
        cand._windows[key] = (vecs, spans)
    return vecs, spans


def learned_scores(
    model: AudioScoreModel,
    query: Snippet,
    cands: Sequence[Candidate],
    cache: bool = True,
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """Every candidate's best window under the learned matcher, in candidate order (``cache``: keep each
    candidate's encoded windows for the next query of the same length)."""
    q_len = query.roll.shape[1]
    qv = model.encode_audio(window_bins(query.roll, [0.0], [q_len], model.config.frames))[0]
    out = []
    for i, cand in enumerate(cands):
        vecs, spans = _score_windows(model, cand, q_len / FPS, cache)
        sims = vecs @ qv
        best = int(np.argmax(sims))
        start, length = spans[best]
        out.append(Match(cand.name, float(sims[best]), float(start), float(start + length), 0, "learned"))
        report(progress, i + 1, len(cands), cand.name)
    return out


def dtw_scores(
    query: Snippet, cands: Sequence[Candidate], progress: ProgressCallback | None = None
) -> list[Match]:
    """Every candidate's best stretch under chroma + DTW, in candidate order."""
    out = []
    for i, cand in enumerate(cands):
        cost, start, end = dtw_match(query, cand)
        out.append(Match(cand.name, 1.0 - cost, start, end, 0, "dtw"))
        report(progress, i + 1, len(cands), cand.name)
    return out


def rank(
    query: Snippet,
    cands: Sequence[Candidate],
    method: str = "combined",
    model: AudioScoreModel | None = None,
    shortlist: int | None = None,
    cache: bool = True,
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """All candidates ranked best first by ``method``: ``dtw``, ``learned`` or ``combined`` (the learned
    matcher's ``shortlist`` best re-ranked by their cosine plus ``fuse_weight`` times DTW's similarity, and
    placed where DTW puts them; the rest after them in the learned order). Re-ranking by DTW alone lost to
    the learned matcher alone in development runs; the sum (and its weight) was chosen on the valid split."""
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}': choose one of {', '.join(METHODS)}")
    if method != "dtw" and model is None:
        raise ValueError(f"the {method} method needs a trained matcher (AudioScoreModel)")
    if method == "dtw":
        matches = dtw_scores(query, cands, progress)
    else:
        matches = learned_scores(model, query, cands, cache, progress)
    return fuse(query, cands, matches, method, model, shortlist)


def fuse(
    query: Snippet,
    cands: Sequence[Candidate],
    matches: list[Match],
    method: str,
    model: AudioScoreModel | None = None,
    shortlist: int | None = None,
) -> list[Match]:
    """:func:`rank`'s last step: ``matches`` (one per candidate, in candidate order) sorted best first, the
    ``shortlist`` best re-ranked with chroma + DTW when ``method`` is ``combined``, and each one's bar."""
    order = sorted(range(len(matches)), key=lambda i: -matches[i].similarity)
    if method == "combined":
        k = shortlist or model.config.shortlist
        head = order[:k]
        for i, m in zip(head, dtw_scores(query, [cands[i] for i in head]), strict=True):
            m.similarity = matches[i].similarity + model.config.fuse_weight * m.similarity
            m.method = "combined"
            matches[i] = m
        order = sorted(head, key=lambda i: -matches[i].similarity) + order[k:]
    ranked = [matches[i] for i in order]
    for i, m in zip(order, ranked, strict=True):
        m.bar = cands[i].bar(m.start_s)
    return ranked


def identify(
    samples: np.ndarray,
    sample_rate: int,
    cands: Sequence[Candidate],
    method: str = "combined",
    model: AudioScoreModel | None = None,
    k: int = 5,
    name: str = "the audio",
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """The ``k`` best pieces for a recording (its first minute), best first, each with where it falls."""
    if not cands:
        raise ValueError("there are no candidate scores (with notes) to match against")
    query = audio_snippet(samples, sample_rate, name)
    return rank(query, cands, method, model, cache=False, progress=progress)[: max(1, k)]


def retrieval_metrics(ranks: Sequence[int], n_candidates: int) -> dict[str, float]:
    """Recall@1, Recall@5 and MRR of 1-based ranks, and what random ranking would give among
    ``n_candidates`` (its expectation)."""
    r = np.asarray(ranks, dtype=np.float64)
    n = max(1, int(n_candidates))
    return {
        "recall@1": float(np.mean(r <= 1)) if r.size else float("nan"),
        "recall@5": float(np.mean(r <= 5)) if r.size else float("nan"),
        "mrr": float(np.mean(1.0 / r)) if r.size else float("nan"),
        "random_recall@1": 1.0 / n,
        "random_recall@5": min(5, n) / n,
        "random_mrr": float(np.sum(1.0 / np.arange(1, n + 1)) / n),
    }
