"""Instruments in a mixture: which instrument families a recording holds, and mixtures found by instrument
(issue 24, item 4).

An Nlakh-like set is made here from the corpus: a few seconds of a piece, 1-4 of its tracks each given a
different instrument family (one of :data:`FAMILIES`, each named by two General MIDI programs; training
mixtures may draw among every program of the family, :data:`PROGRAMS`, so that families rather than
programs are learned), rendered by the caller with FluidSynth (the render layer sits above discovery:
:func:`render_mixtures` takes the render function). Two recognisers:

- :class:`InstrumentModel`: a small convolutional network over log-mel frames (64 bands, 30 Hz-11 kHz),
  pooled over time (mean and max), one sigmoid per family, trained with binary cross-entropy on random
  crops (optionally equalised, reverberated and noised: ``InstrumentConfig.eq_db``, ``reverb_prob``,
  ``noise_prob``); ``save_pretrained``/``from_pretrained`` write and read a config JSON beside safetensors
  weights.
- :class:`TemplateModel`, the baseline: one mean mel spectrum (compressed, power^0.1) per family, fitted
  to the training mixtures by non-negative least squares (a mixture's spectrum taken as the sum of its
  families'); a mixture's spectrum is then explained by the templates (NNLS again) and each family's share
  of it is its score.

:func:`instruments_in` lists the families heard in audio with their probabilities; :func:`retrieve` ranks
mixtures by the probability of a family.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from partita.audio.files import checked_clip
from partita.discovery.audio_score import SAMPLE_RATE, join_performances
from partita.models.weights import CARD_FILE, WEIGHTS_FILE, JsonConfig, load_weights, save_weights  # noqa: F401 (named in the folder)
from partita.progress import ProgressCallback, report
from partita.score import Score

log = logging.getLogger(__name__)

FAMILIES: dict[str, tuple[int, int]] = {
    "piano": (0, 4),
    "mallets": (11, 12),
    "organ": (19, 16),
    "guitar": (24, 25),
    "bass": (32, 33),
    "strings": (40, 42),
    "voice": (52, 53),
    "brass": (56, 57),
    "reed": (65, 71),
    "pipe": (73, 72),
}
"""Ten instrument families, each two GM programs: piano (acoustic grand, electric piano), mallets
(vibraphone, marimba), organ (church, drawbar), guitar (nylon, steel), bass (acoustic, electric finger),
strings (violin, cello), voice (choir aahs, voice oohs), brass (trumpet, trombone), reed (alto sax,
clarinet), pipe (flute, piccolo)."""
PROGRAMS: dict[str, tuple[int, ...]] = {
    "piano": (0, 1, 2, 3, 4, 5, 6, 7),
    "mallets": (8, 9, 10, 11, 12, 13, 14, 15),
    "organ": (16, 17, 18, 19, 20),
    "guitar": (24, 25, 26, 27, 28, 29, 30),
    "bass": (32, 33, 34, 35, 36, 37, 38, 39),
    "strings": (40, 41, 42, 43, 44, 45, 48, 49),
    "voice": (52, 53, 54, 85),
    "brass": (56, 57, 58, 59, 60, 61, 62, 63),
    "reed": (64, 65, 66, 67, 68, 69, 70, 71),
    "pipe": (72, 73, 74, 75, 77, 78, 79),
}
"""Every General MIDI program of each family: its GM group (piano 0-7, chromatic percussion 8-15, ...),
less those that sound like another family (accordions and harmonica, guitar harmonics, harp, timpani,
blown bottle), strings with the two string ensembles, voice with synth voice and the voice lead (85)."""
RANGES: dict[str, tuple[int, int]] = {
    "piano": (21, 108),
    "mallets": (48, 96),
    "organ": (36, 96),
    "guitar": (40, 84),
    "bass": (28, 55),
    "strings": (36, 96),
    "voice": (48, 81),
    "brass": (40, 82),
    "reed": (48, 88),
    "pipe": (60, 96),
}
"""Each family's pitches: a note outside moves by octaves into it (a soprano line played on a bass)."""
HOP = 512
N_MELS = 64
MIN_SECONDS = 1.0
MAX_SECONDS = 120.0
CONFIG_FILE = "instruments_config.json"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "pretrained" / "instruments-small"
"""The small recogniser that ships with partita (when trained): bench/bench_instruments.py --save."""


# --------------------------------------------------------------------------------------------- mixtures


@dataclass
class Mixture:
    """A few seconds of a piece on a few instruments: the score to render (in seconds, starting at 0),
    its source piece and start, the families and programs of its tracks."""

    piece: str
    start_s: float
    families: tuple[str, ...]
    programs: tuple[int, ...]
    score: Score

    def labels(self, families: Sequence[str]) -> np.ndarray:
        """The multi-hot vector of this mixture's families, in the order of ``families``."""
        return np.array([f in self.families for f in families], dtype=np.float32)


@dataclass
class MixtureConfig:
    """How mixtures are cut and dressed: ``seconds`` of music, 1..``max_instruments`` tracks with the chances
    ``weights``, velocities scaled by a random gain in ``gain``, programs among ``variants``."""

    seconds: float = 4.0
    max_instruments: int = 4
    weights: tuple[float, ...] = (0.15, 0.35, 0.3, 0.2)
    gain: tuple[float, float] = (0.55, 1.0)
    variants: tuple[int, ...] = (0, 1)
    """Which of each family's two programs may be drawn: (0,) and (1,) split them, to measure programs
    never heard in training."""
    programs: dict[str, tuple[int, ...]] | None = None
    """When set, each family's programs to draw among instead (e.g. :data:`PROGRAMS`); ``variants`` is
    then not used."""
    named_share: float | None = None
    """With ``programs``: the chance that a track is played on its family's named programs
    (:data:`FAMILIES`, those of them in the pool), the rest of the pool sharing the other draws; None
    draws evenly over the pool (the named programs then get about a quarter of the draws)."""
    seed: int = 0

    def __post_init__(self) -> None:
        if self.named_share is not None and not 0.0 <= self.named_share <= 1.0:
            raise ValueError(f"named_share must be within 0..1, not {self.named_share}")

    def pool(self, family: str) -> tuple[int, ...]:
        """The programs ``family`` may be played on."""
        if self.programs is not None:
            return tuple(self.programs[family])
        return tuple(FAMILIES[family][v] for v in self.variants)

    def draw(self, family: str, rng: np.random.Generator) -> int:
        """One program of ``family``'s pool, the named ones with the chance ``named_share`` when set."""
        pool = self.pool(family)
        if self.named_share is not None and self.programs is not None:
            named = tuple(p for p in pool if p in FAMILIES[family])
            rest = tuple(p for p in pool if p not in FAMILIES[family])
            if named and rest:
                pool = named if rng.random() < self.named_share else rest
        return pool[int(rng.integers(len(pool)))]


def make_mixtures(
    pieces: Sequence[tuple[str, Score]], n: int, config: MixtureConfig | None = None
) -> list[Mixture]:
    """``n`` mixtures cut from ``pieces`` at random: a window of ``config.seconds``, 1-4 of the pitched tracks
    that play in it, each on a different family and one of its programs (chosen at random)."""
    import symusic

    c = config or MixtureConfig()
    rng = np.random.default_rng(c.seed)
    names = list(FAMILIES)
    seconds = [(name, score.to("second")) for name, score in pieces]
    seconds = [(name, s) for name, s in seconds if any(len(t.notes) for t in s.tracks if not t.is_drum)]
    if not seconds:
        raise ValueError("none of the pieces has a pitched note to make mixtures from")
    out: list[Mixture] = []
    for _ in range(50 * n):
        if len(out) >= n:
            break
        name, sec = seconds[int(rng.integers(len(seconds)))]
        start = float(rng.uniform(0.0, max(0.0, float(sec.end()) - c.seconds)))
        clip = sec.clip(start, start + c.seconds, True).shift_time(-start)
        tracks = [t for t in clip.tracks if not t.is_drum and len(t.notes)]
        if not tracks:
            continue
        w = np.asarray(c.weights[: min(len(tracks), c.max_instruments)], dtype=np.float64)
        k = int(rng.choice(len(w), p=w / w.sum())) + 1
        chosen = [tracks[i] for i in rng.choice(len(tracks), size=k, replace=False)]
        fams = [names[i] for i in rng.choice(len(names), size=k, replace=False)]
        score = symusic.Score(480, ttype="second")
        programs = []
        for track, fam in zip(chosen, fams, strict=True):
            program = c.draw(fam, rng)
            programs.append(program)
            score.tracks.append(_dress(track, fam, program, float(rng.uniform(*c.gain))))
        out.append(Mixture(name, start, tuple(fams), tuple(programs), score))
    return out


def _dress(track: Any, family: str, program: int, gain: float) -> Any:
    """A copy of ``track`` on ``program``, its notes moved by octaves into the family's range."""
    import symusic

    lo, hi = RANGES[family]
    out = symusic.Track(family, program, False, ttype="second")
    for n in track.notes:
        pitch = int(n.pitch)
        while pitch < lo:
            pitch += 12
        while pitch > hi:
            pitch -= 12
        vel = int(np.clip(round(int(n.velocity) * gain), 20, 127))
        out.notes.append(symusic.Note(float(n.time), float(n.duration), pitch, vel, ttype="second"))
    return out


def render_mixtures(
    mixtures: Sequence[Mixture],
    render: Callable[[Score, Path], np.ndarray],
    cache: str | os.PathLike,
    seconds: float = 4.0,
    chunk: int = 25,
    progress: ProgressCallback | None = None,
) -> list[np.ndarray]:
    """The audio of each mixture (``seconds`` long, mono at :data:`SAMPLE_RATE`). Mixtures are played one
    after another in chunks (up to ``chunk`` of them and 15 programs: one soundfont load each), rendered by
    ``render(score, wav_path) -> mono samples at SAMPLE_RATE``; each chunk's clips are kept in ``cache`` as
    float16 ``.npy`` (named by a hash of its notes, so a second run renders nothing; 176 kB a mixture), and
    returned as float32 from the same float16 values either way."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    out: list[np.ndarray] = []
    groups = _chunks(mixtures, chunk)
    n = int(round(seconds * SAMPLE_RATE))
    for g, group in enumerate(groups):
        joined, offsets = join_performances([m.score for m in group], gap=seconds + 0.5)
        key = hashlib.sha256(joined.dumps_midi() + str(seconds).encode()).hexdigest()[:20]
        path = cache / f"mix-{key}.npy"
        if path.is_file():
            clips = np.load(path).astype(np.float32)
        else:
            samples = np.asarray(render(joined, cache / f"mix-{key}.wav"), dtype=np.float32)
            (cache / f"mix-{key}.wav").unlink(missing_ok=True)
            clips = np.stack([_cut(samples, int(round(off * SAMPLE_RATE)), n) for off in offsets])
            np.save(path, clips.astype(np.float16))
            clips = clips.astype(np.float16).astype(np.float32)
        out += list(clips)
        report(progress, g + 1, len(groups), "rendering mixtures")
    return out


def _cut(samples: np.ndarray, start: int, n: int) -> np.ndarray:
    clip = samples[start : start + n]
    return np.pad(clip, (0, n - clip.size)) if clip.size < n else clip


def _chunks(mixtures: Sequence[Mixture], size: int) -> list[list[Mixture]]:
    groups: list[list[Mixture]] = [[]]
    programs: set[int] = set()
    for m in mixtures:
        if len(groups[-1]) >= size or len(programs | set(m.programs)) > 15:
            groups.append([])
            programs = set()
        groups[-1].append(m)
        programs |= set(m.programs)
    return [g for g in groups if g]


# --------------------------------------------------------------------------------------------- features


def check_audio(samples: np.ndarray, sample_rate: int, name: str = "the audio") -> np.ndarray:
    """Mono float32 at :data:`SAMPLE_RATE` (the first :data:`MAX_SECONDS`), or a :class:`ScoreError` that says
    why not: too short (under 1 s), silent (peak under -60 dBFS), invalid samples."""
    return checked_clip(
        samples,
        sample_rate,
        rate=SAMPLE_RATE,
        min_seconds=MIN_SECONDS,
        max_seconds=MAX_SECONDS,
        purpose="hear its instruments",
        silent="no instrument is heard",
        name=name,
    )


def mel_power(samples: np.ndarray) -> np.ndarray:
    """The mel power spectrogram (``N_MELS x frames``, 30 Hz-11 kHz) of mono audio at SAMPLE_RATE."""
    import librosa

    return librosa.feature.melspectrogram(
        y=np.asarray(samples, dtype=np.float32),
        sr=SAMPLE_RATE,
        n_fft=2048,
        hop_length=HOP,
        n_mels=N_MELS,
        fmin=30.0,
        fmax=SAMPLE_RATE / 2,
    ).astype(np.float32)


def log_mel(power: np.ndarray) -> np.ndarray:
    """Log-mel in 0..1: decibels under the loudest bin, the 80 dB below it mapped to 0..1."""
    import librosa

    db = librosa.power_to_db(power, ref=float(power.max()) or 1.0, top_db=80.0)
    return ((db + 80.0) / 80.0).astype(np.float32)


def spectrum(power: np.ndarray, gamma: float = 0.1) -> np.ndarray:
    """The mean compressed mel spectrum (power to the ``gamma``), summing to 1: what the template baseline
    explains. Compression keeps the quiet overtones that tell timbres apart from drowning under the
    fundamentals (valid-split mixtures of bench_instruments.py, micro mAP: 0.34 with plain power, 0.40
    with 0.3, 0.46 with 0.1 and 0.05)."""
    v = (np.asarray(power, dtype=np.float64) ** gamma).mean(1)
    return v / max(float(v.sum()), 1e-12)


# --------------------------------------------------------------------------------------------- the model


@dataclass
class InstrumentConfig(JsonConfig):
    """The recogniser's shape and training."""

    families: list[str] = field(default_factory=lambda: list(FAMILIES))
    n_mels: int = N_MELS
    hidden: int = 96
    steps: int = 600
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-3
    crop_s: tuple[float, float] = (2.0, 4.0)
    window_s: float = 4.0
    mix_prob: float = 0.5
    max_instruments: int = 4
    eq_db: float = 0.0
    """Random equalisation of each crop before mixing (0 = none): a tilt of up to +-``eq_db``/2 dB across
    the bands and 1-3 bell curves of up to +-``eq_db`` dB, so a family is not learned as one program's
    spectral envelope."""
    reverb_prob: float = 0.0
    """The share of crops given a reverberant tail (RT60 0.3-2 s, shorter in the high bands)."""
    noise_prob: float = 0.0
    """The share of crops given coloured noise (10-40 dB under the music)."""
    named_share: float | None = None
    """How often the training mixtures played a family's named programs when drawing among all of its
    programs (``MixtureConfig.named_share``; None: evenly, or the named programs alone). The mixtures are
    made before training: this records the recipe, as ``trained_on`` does."""
    threshold: float = 0.5
    seed: int = 0
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    def _restored(self) -> None:
        self.crop_s = tuple(self.crop_s)


class InstrumentModel(nn.Module):
    """``B x n_mels x frames`` log-mel -> three 1-D convolutions over time -> mean and max over time -> one
    logit per family."""

    def __init__(self, config: InstrumentConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or InstrumentConfig()
        self.conv = nn.Sequential(
            nn.Conv1d(c.n_mels, c.hidden, 5, padding=2),
            nn.GELU(),
            nn.Conv1d(c.hidden, c.hidden, 5, padding=4, dilation=2),
            nn.GELU(),
            nn.Conv1d(c.hidden, c.hidden, 3, padding=1),
            nn.GELU(),
        )
        self.out = nn.Linear(2 * c.hidden, len(c.families))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x - x.mean((1, 2), keepdim=True))
        return self.out(torch.cat([h.mean(2), h.amax(2)], 1))

    @torch.no_grad()
    def probabilities(self, mel: np.ndarray) -> np.ndarray:
        """Each family's probability for one log-mel (``n_mels x frames``): the mean over windows of
        ``window_s`` seconds (half overlapping) of a longer recording."""
        frames = max(1, int(self.config.window_s * SAMPLE_RATE / HOP))
        starts = list(range(0, max(1, mel.shape[1] - frames + 1), max(1, frames // 2)))
        x = torch.from_numpy(np.stack([mel[:, s : s + frames] for s in starts]))
        return torch.sigmoid(self.eval()(x)).mean(0).numpy()

    def save_pretrained(self, folder: str | os.PathLike) -> Path:
        """Write the config JSON, the weights (safetensors, float32) and a model card into ``folder``."""
        return save_weights(folder, self, CONFIG_FILE, self.config.to_json(), model_card(self.config))

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike | None = None) -> InstrumentModel:
        """Read a recogniser saved by :meth:`save_pretrained` (the shipped one by default)."""
        folder = Path(folder) if folder is not None else DEFAULT_MODEL
        hint = (
            "; train one with `python bench/bench_instruments.py --threads 1 --save "
            "src/partita/pretrained/instruments-small`"
        )
        config, state = load_weights(folder, CONFIG_FILE, "an instrument recogniser", hint)
        model = cls(InstrumentConfig.from_dict(config))
        model.load_state_dict(state)
        return model.eval()


def model_card(config: InstrumentConfig) -> str:
    """A short model card for a saved recogniser."""
    lines = [
        "# partita instrument recogniser",
        "",
        "A small convolutional network over log-mel frames that says which instrument families a",
        f"recording holds ({', '.join(config.families)}). Used by `partita instruments` (docs/AUDIO.md).",
        "",
        f"- trained on: {config.trained_on or 'unknown'}",
        f"- shape: {config.n_mels} mel bands -> 3 conv ({config.hidden}) -> mean + max over time -> "
        f"{len(config.families)} sigmoids",
        f"- binary cross-entropy, batch {config.batch}, {config.steps} steps, crops of {config.crop_s} s",
        "- measured on mixtures of held-out pieces: bench/bench_instruments.py",
        "- no pickle: config JSON + safetensors",
    ]
    if config.named_share is not None:
        lines.append(f"- the family's named programs played {config.named_share:.0%} of the training tracks")
    if config.metrics:
        lines.append(f"- metrics: {json.dumps(config.metrics)}")
    return "\n".join(lines) + "\n"


def train_instruments(
    mels: Sequence[np.ndarray],
    labels: np.ndarray,
    config: InstrumentConfig | None = None,
    progress: ProgressCallback | None = None,
    time_limit: float | None = None,
) -> InstrumentModel:
    """Train a recogniser on log-mels (``n_mels x frames`` each) and their multi-hot ``labels``
    (``n x families``): random crops of ``crop_s`` seconds, binary cross-entropy. Stops after ``time_limit``
    seconds (``config.steps`` then says how many steps were taken)."""
    import time

    t0 = time.monotonic()
    c = config or InstrumentConfig()
    labels = np.asarray(labels, dtype=np.float32)
    if len(mels) < 2 or labels.shape != (len(mels), len(c.families)):
        raise ValueError("training needs at least two mixtures and one label per family for each")
    torch.manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    model = InstrumentModel(c)
    opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=c.lr, total_steps=max(1, c.steps), pct_start=0.1)
    model.train()
    for step in range(c.steps):
        idx = rng.choice(len(mels), size=min(c.batch, len(mels)), replace=False)
        frames = int(rng.uniform(*c.crop_s) * SAMPLE_RATE / HOP)
        x, y = _batch(mels, labels, idx, frames, c, rng)
        loss = F.binary_cross_entropy_with_logits(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == c.steps - 1:
            log.info("instruments step %d loss %.3f", step, loss.item())
        report(progress, step + 1, c.steps, f"loss {loss.item():.3f}")
        if time_limit is not None and time.monotonic() - t0 > time_limit and step + 1 < c.steps:
            log.warning("instrument training stopped at step %d of %d (time limit)", step + 1, c.steps)
            c.steps = step + 1
            break
    return model.eval()


def _batch(
    mels: Sequence[np.ndarray],
    labels: np.ndarray,
    idx: np.ndarray,
    frames: int,
    c: InstrumentConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Crops of the chosen mixtures; with ``mix_prob`` each is summed (in power, at a random gain) with
    another mixture of other families (at most ``max_instruments`` in all), its labels the union."""
    xs, ys = [], []
    for i in idx:
        x, y = _crop(mels[i], frames, rng), labels[i].copy()
        power = _equalised(_power(x), c.eq_db, rng)
        changed = c.eq_db > 0
        if rng.random() < c.mix_prob:
            j = int(rng.integers(len(mels)))
            if not (labels[j] * y).any() and (labels[j] + y).sum() <= c.max_instruments:
                other = _equalised(_power(_crop(mels[j], frames, rng)), c.eq_db, rng)
                power, y, changed = power + rng.uniform(0.3, 1.0) * other, y + labels[j], True
        if c.reverb_prob > 0 and rng.random() < c.reverb_prob:
            power, changed = _reverberant(power, rng), True
        if c.noise_prob > 0 and rng.random() < c.noise_prob:
            power, changed = _noisy(power, rng), True
        xs.append(log_mel(power) if changed else x)
        ys.append(y)
    return np.stack(xs), np.stack(ys).astype(np.float32)


def _power(x: np.ndarray) -> np.ndarray:
    """Mel power (relative to the loudest bin) back from a :func:`log_mel`."""
    return 10.0 ** (8.0 * (x - 1.0))


def _equalised(power: np.ndarray, eq_db: float, rng: np.random.Generator) -> np.ndarray:
    """``power`` through a random smooth equaliser: a tilt and 1-3 bells (see ``InstrumentConfig.eq_db``)."""
    if eq_db <= 0:
        return power
    bands = np.linspace(-1.0, 1.0, power.shape[0])
    curve = rng.uniform(-0.5, 0.5) * eq_db * bands
    for _ in range(int(rng.integers(1, 4))):
        width = rng.uniform(0.05, 0.4)
        curve += rng.uniform(-1.0, 1.0) * eq_db * np.exp(-0.5 * ((bands - rng.uniform(-1, 1)) / width) ** 2)
    return power * (10.0 ** (curve / 10.0))[:, None]


def _reverberant(power: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``power`` plus a late-reverberation tail: each band's power smeared forward by an exponential decay
    (RT60 0.3-2 s at the bottom, half that at the top), at a direct-to-reverberant ratio of 0-10 dB."""
    rt60 = rng.uniform(0.3, 2.0) * np.linspace(1.0, 0.5, power.shape[0])
    decay = 10.0 ** (-6.0 * (HOP / SAMPLE_RATE) / rt60)
    tail = np.zeros_like(power)
    acc = np.zeros(power.shape[0], dtype=power.dtype)
    for t in range(power.shape[1]):
        tail[:, t] = acc
        acc = decay * acc + (1.0 - decay) * power[:, t]
    return power + 10.0 ** (-rng.uniform(0.0, 1.0)) * tail


def _noisy(power: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``power`` plus coloured noise (a random tilt, power exponentially distributed per bin) 10-40 dB
    under its mean."""
    bands = np.linspace(-1.0, 1.0, power.shape[0])
    shape = 10.0 ** (rng.uniform(-1.0, 1.0) * bands)[:, None]
    noise = rng.exponential(1.0, power.shape) * shape
    level = float(power.mean()) / float(noise.mean()) * 10.0 ** (-rng.uniform(1.0, 4.0))
    return power + level * noise


def _crop(mel: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    if mel.shape[1] <= frames:
        return np.pad(mel, ((0, 0), (0, frames - mel.shape[1])))
    a = int(rng.integers(0, mel.shape[1] - frames + 1))
    return mel[:, a : a + frames]


# --------------------------------------------------------------------------------------------- baseline


@dataclass
class TemplateModel:
    """The spectral-template baseline: ``templates`` (``families x n_mels``, non-negative), fitted so that a
    mixture's mean mel power spectrum is the sum of its families' templates; ``threshold`` on the share of a
    spectrum a family explains decides presence."""

    families: list[str]
    templates: np.ndarray
    threshold: float = 0.1

    @classmethod
    def fit(cls, spectra: np.ndarray, labels: np.ndarray, families: Sequence[str]) -> TemplateModel:
        """Templates from mixtures' spectra (``n x n_mels``, each summing to 1) and their multi-hot labels,
        by NNLS per mel band; the threshold is the one with the best micro F1 on the same mixtures."""
        from scipy.optimize import nnls

        y = np.asarray(labels, dtype=np.float64)
        v = np.asarray(spectra, dtype=np.float64)
        templates = np.stack([nnls(y, v[:, m])[0] for m in range(v.shape[1])], 1)
        model = cls(list(families), templates)
        model.threshold = best_threshold(y, model.scores(v))
        return model

    def scores(self, spectra: np.ndarray) -> np.ndarray:
        """Each family's share (0..1) of each spectrum (``n x n_mels``) as the templates explain it."""
        from scipy.optimize import nnls

        a = self.templates.T
        out = []
        for v in np.atleast_2d(spectra):
            w = nnls(a, v)[0] * self.templates.sum(1)
            out.append(w / max(float(w.sum()), 1e-12))
        return np.asarray(out)


def best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The one threshold on ``scores`` (0..1) with the best micro F1 against ``truth`` (multi-hot)."""
    t = np.asarray(truth) > 0.5
    grid = np.linspace(0.02, 0.9, 45)
    return float(max(grid, key=lambda x: _micro_f1(t, np.asarray(scores) >= x)))


def _micro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(truth & pred))
    return 2 * tp / max(1.0, float(truth.sum() + pred.sum()))


# --------------------------------------------------------------------------------------------- use


def instruments_in(
    samples: np.ndarray,
    sample_rate: int,
    model: InstrumentModel | None = None,
    name: str = "the audio",
) -> list[tuple[str, float]]:
    """The families heard in a recording (its first two minutes), most probable first:
    ``[(family, probability)]`` for every family the model knows."""
    model = model or InstrumentModel.from_pretrained()
    y = check_audio(samples, sample_rate, name)
    probs = model.probabilities(log_mel(mel_power(y)))
    return sorted(zip(model.config.families, (float(p) for p in probs), strict=True), key=lambda t: -t[1])


def retrieve(probabilities: np.ndarray, families: Sequence[str], family: str, k: int = 10) -> list[int]:
    """The indices of the ``k`` mixtures (rows of ``probabilities``, ``n x families``) most likely to hold
    ``family``, best first."""
    if family not in families:
        raise ValueError(f"unknown family '{family}': choose one of {', '.join(families)}")
    col = np.asarray(probabilities)[:, list(families).index(family)]
    return [int(i) for i in np.argsort(-col, kind="stable")[:k]]


def multilabel_metrics(truth: np.ndarray, scores: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Micro and macro F1 of ``predicted`` (booleans), micro and macro mAP of ``scores``
    (sklearn's ``average_precision_score``), and per-family F1 and AP; families absent from ``truth`` are
    left out of the macro means."""
    from sklearn.metrics import average_precision_score, f1_score

    t = np.asarray(truth) > 0.5
    p = np.asarray(predicted).astype(bool)
    present = t.any(0)
    per_ap = [
        float(average_precision_score(t[:, j], scores[:, j])) if present[j] else None
        for j in range(t.shape[1])
    ]
    per_f1 = f1_score(t, p, average=None, zero_division=0)
    return {
        "micro_f1": float(f1_score(t, p, average="micro", zero_division=0)),
        "macro_f1": float(np.mean(per_f1[present])),
        "micro_map": float(average_precision_score(t[:, present], scores[:, present], average="micro")),
        "macro_map": float(np.mean([a for a in per_ap if a is not None])),
        "per_family_f1": [float(x) for x in per_f1],
        "per_family_ap": per_ap,
    }


def precision_at(probabilities: np.ndarray, truth: np.ndarray, families: Sequence[str], k: int = 10) -> dict:
    """Retrieval precision@k per family: the share of the ``k`` top-ranked mixtures that hold it."""
    t = np.asarray(truth) > 0.5
    return {f: float(np.mean(t[retrieve(probabilities, families, f, k), j])) for j, f in enumerate(families)}
