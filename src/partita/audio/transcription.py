"""Transcription: audio to a Score with basic-pitch's ONNX model (Bittner et al., ICASSP 2022).

basic-pitch is a small polyphonic note model (a 230 kB ONNX file) for any instrument or voice; its ONNX
export ships in the PyPI package and runs on onnxruntime's CPU provider, so no TensorFlow and no download.
Here the model runs on 2-second windows (the overlap and the unwrapping of ``basic_pitch.inference``),
batched, with a progress callback; its note decoding (``basic_pitch.note_creation``) turns the onset and
frame activations into notes, and :func:`join_split_notes` joins the held notes it split. The tempo is
estimated from the note onsets (librosa's beat tracker on an onset envelope made of the notes) and written
into the Score, so that bars mean something. The metre is not estimated here (4/4 is written): the reading of
3/4 and an upbeat needs the analysis layer, above this one, and is done on a quantised melody by
``partita transcribe --melody`` (:func:`partita.generation.upbeat.place_bars`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import symusic

from partita.audio.files import MODEL_SAMPLE_RATE, AudioClip, AudioLimits, audio_array, read_audio
from partita.progress import ProgressCallback, report
from partita.score.errors import ScoreError
from partita.score.formats import DEFAULT_TPQ, Score

log = logging.getLogger(__name__)

FFT_HOP = 256
WINDOW_SAMPLES = MODEL_SAMPLE_RATE * 2 - FFT_HOP  # basic_pitch.constants.AUDIO_N_SAMPLES
OVERLAP_FRAMES = 30
FRAMES_PER_SECOND = MODEL_SAMPLE_RATE / FFT_HOP
SILENCE_DBFS = -60.0
"""Audio whose loudest 50 ms stays below this RMS level is silence: the model is not run."""
NOISE_FLATNESS = 0.35
DEFAULT_TEMPO = 120.0
ENVELOPE_RATE = 100
DECODE_FRAMES = int(30 * FRAMES_PER_SECOND)
"""basic-pitch's note decoding runs on 30 s chunks: its search for the notes left after the onsets takes an
argmax over the whole remaining matrix per note, time in the square of the length (10 minutes of white noise:
7.6 s in one piece, 0.7 s in chunks)."""


@dataclass
class TranscriptionConfig:
    """Options of :func:`transcribe`.

    ``onset_threshold`` and ``frame_threshold`` are basic-pitch's (higher: fewer notes); ``min_note_ms``
    drops shorter notes (basic-pitch's default is 127.7 ms; 58 ms keeps fast ornaments); ``min_hz`` and
    ``max_hz`` bound the pitch range. ``join_onset``: a note that starts where one of its pitch ends, with an
    onset activation below this, continues it (:func:`join_split_notes`; 0 keeps basic-pitch's splits).
    ``tempo`` in beats a minute fixes the Score's tempo; None estimates it
    from the note onsets (between ``tempo_range``). ``program`` is the General MIDI program of the one track
    written. ``threads`` caps onnxruntime's threads (None: its default, all cores). ``batch`` windows of 2 s
    go through the model at once.
    """

    onset_threshold: float = 0.5
    frame_threshold: float = 0.3
    min_note_ms: float = 58.0
    min_hz: float | None = None
    max_hz: float | None = None
    melodia_trick: bool = True
    join_onset: float = 0.7
    tempo: float | None = None
    tempo_range: tuple[float, float] = (50.0, 200.0)
    program: int = 0
    threads: int | None = None
    batch: int = 8
    phase_attacks: bool = False
    """Also find where each note's partials jump in phase (:func:`add_phase_attacks`, :attr:`NoteEvent.
    attacks`): a cue for a legato repeated note of a sustained instrument (the flute), read by
    ``MelodyConfig.reattack_phase``. Off by default: it costs a short STFT per note."""


@dataclass
class NoteEvent:
    """One transcribed note in seconds; ``amplitude`` in [0, 1]; ``cents``: the median deviation of the
    sung or played pitch from ``pitch`` (from the model's 1/3-semitone contour); ``onset``: the onset
    activation where it starts."""

    start: float
    end: float
    pitch: int
    amplitude: float
    cents: float = 0.0
    onset: float | None = None
    """The model's onset activation at the note's start and pitch (None: not known, as for a note read from a
    MIDI file); a note of the pitch before that starts with a strong one is struck or sung again."""
    dips: tuple[tuple[float, float, float], ...] = ()
    """Where the model's note activation at the note's pitch dips inside it (:func:`activation_dips`):
    (seconds, the lowest value as a share of the lower of the peaks either side, the strongest onset
    activation beside it); a deep one may be the same pitch sung again without a gap (``MelodyConfig.
    reattack_dip``). Empty where not known (a note read from a MIDI file)."""
    attacks: tuple[tuple[float, float], ...] = ()
    """Where the partials of the note's pitch jump in phase inside it (:func:`phase_attacks`): (seconds, the
    peak of the complex-domain deviation over its median within 150 ms); a strong one may be the same pitch
    played again without a gap (``MelodyConfig.reattack_phase``). Empty where not looked for
    (:attr:`TranscriptionConfig.phase_attacks`)."""


@dataclass
class Transcription:
    """The result of :func:`transcribe_audio`: the Score, its notes in seconds, the tempo, the beat times the
    tempo came from, and ``messages`` for the user (silence, noise, a low sample rate, a truncated file)."""

    score: Score
    notes: list[NoteEvent]
    tempo: float
    beats: np.ndarray
    seconds: float
    elapsed: float
    messages: list[str] = field(default_factory=list)
    tempo_estimated: bool = True
    envelope: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """The RMS level of the audio every 10 ms (:data:`ENVELOPE_RATE` a second), linear."""


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """basic-pitch's ``__init__`` logs warnings about TensorFlow, CoreML and TFLite on the root logger (and so
    would configure it); they say nothing about the ONNX model used here."""
    root = logging.getLogger()
    handler = logging.NullHandler()
    root.addHandler(handler)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        root.removeHandler(handler)


@functools.lru_cache(maxsize=1)
def _basic_pitch():
    with _quiet_root_logger():
        import basic_pitch
        import basic_pitch.note_creation as notes

    return basic_pitch, notes


def model_path() -> str:
    """The path of basic-pitch's ONNX model (``nmp.onnx``) inside the installed package."""
    bp, _ = _basic_pitch()
    path = str(bp.ICASSP_2022_MODEL_PATH)
    if not path.endswith(".onnx"):
        path = os.path.join(os.path.dirname(path), "nmp.onnx")
    if not os.path.isfile(path):
        raise ScoreError(
            "basic-pitch's ONNX model is missing (pip install --no-deps basic-pitch)", "model-missing", path
        )
    return path


@functools.lru_cache(maxsize=4)
def _session(threads: int | None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(model_path(), sess_options=opts, providers=["CPUExecutionProvider"])


def run_model(
    samples: np.ndarray, config: TranscriptionConfig | None = None, progress: ProgressCallback | None = None
) -> dict[str, np.ndarray]:
    """basic-pitch's activations for mono audio at 22,050 Hz: ``note`` and ``onset`` (frames x 88 keys from
    A0) and ``contour`` (frames x 264, thirds of a semitone), 86 frames a second."""
    cfg = config or TranscriptionConfig()
    session = _session(cfg.threads)
    overlap = OVERLAP_FRAMES * FFT_HOP
    hop = WINDOW_SAMPLES - overlap
    x = np.concatenate([np.zeros(overlap // 2, dtype=np.float32), samples.astype(np.float32)])
    n = max(1, int(np.ceil(x.shape[0] / hop)))
    x = np.pad(x, (0, max(0, (n - 1) * hop + WINDOW_SAMPLES - x.shape[0])))
    names = ["StatefulPartitionedCall:1", "StatefulPartitionedCall:2", "StatefulPartitionedCall:0"]
    out: dict[str, list[np.ndarray]] = {"note": [], "onset": [], "contour": []}
    batch = max(1, int(cfg.batch))
    for b in range(0, n, batch):
        starts = np.arange(b, min(n, b + batch)) * hop
        windows = np.stack([x[s : s + WINDOW_SAMPLES] for s in starts])[:, :, None]
        for key, value in zip(out, session.run(names, {"serving_default_input_2:0": windows}), strict=True):
            out[key].append(value)
        report(progress, min(n, b + batch), n, "transcribing")
    n_frames = int(np.floor(samples.shape[0] * FRAMES_PER_SECOND / MODEL_SAMPLE_RATE))
    half = OVERLAP_FRAMES // 2
    return {
        k: np.concatenate(v)[:, half:-half, :].reshape(-1, v[0].shape[2])[:n_frames] for k, v in out.items()
    }


def _onset_strength(onsets: np.ndarray, start: int, pitch: int) -> float:
    """The strongest onset activation of ``pitch`` within 2 frames of frame ``start`` (1 off the keyboard)."""
    k = int(pitch) - 21
    return float(onsets[max(0, start - 2) : start + 3, k].max()) if 0 <= k < onsets.shape[1] else 1.0


def join_split_notes(
    raw: list[tuple[int, int, int, float]], onsets: np.ndarray, max_onset: float, max_gap: int = 2
) -> list[tuple[int, int, int, float]]:
    """Join a note to the one of its pitch that ends where it starts (within ``max_gap`` frames) when its
    onset activation is weak (below ``max_onset``): basic-pitch's decoder splits a held note wherever
    vibrato or a bow change lifts the onset head just over the threshold; a struck or re-articulated note
    has a strong onset (0.8-0.95) and is kept. ``raw`` is (start frame, end frame, MIDI pitch, amplitude)."""
    out: list[tuple[int, int, int, float]] = []
    last: dict[int, int] = {}  # pitch -> index in out of its latest note
    for start, end, pitch, amp in sorted(raw, key=lambda n: (n[0], n[2])):
        j = last.get(pitch)
        if (
            j is not None
            and 0 <= start - out[j][1] <= max_gap
            and _onset_strength(onsets, start, pitch) < max_onset
        ):
            s0, e0, _, a0 = out[j]
            n0, n1 = e0 - s0, end - start
            out[j] = (s0, max(e0, end), pitch, (a0 * n0 + amp * n1) / max(n0 + n1, 1))
            continue
        last[pitch] = len(out)
        out.append((start, end, pitch, amp))
    return out


DIP_WINDOW = 13
"""Frames (150 ms) either side of a dip in which its peaks are looked for (:func:`activation_dips`)."""
DIP_EDGE = 8
"""Frames (90 ms): a dip nearer a note's ends is not kept (a split there would leave a note under
``MelodyConfig.min_note_ms``)."""
DIP_SHALLOWEST = 0.95
"""A dip that keeps this share of its peaks or more is not kept (the smallest wobble of a held note)."""


def activation_dips(
    frames: np.ndarray, onsets: np.ndarray, times: np.ndarray, start: int, end: int, pitch: int
) -> tuple[tuple[float, float, float], ...]:
    """The dips of the note activation at ``pitch`` between frames ``start`` and ``end``: each local minimum
    at least :data:`DIP_EDGE` frames from either end, as (its time, its value over the lower of the highest
    values within :data:`DIP_WINDOW` frames before and after it, the highest onset activation of the pitch
    from 2 frames before it to 6 after). A legato repeated note lets the activation fall as the old note
    stops and the new one starts; vibrato moves it less (see docs/AUDIO.md, "Legato repeated notes")."""
    k = int(pitch) - 21
    if not 0 <= k < frames.shape[1] or end - start <= 2 * DIP_EDGE:
        return ()
    level = frames[start:end, k]
    out = []
    for m in range(DIP_EDGE, level.size - DIP_EDGE):
        if not (level[m] < level[m - 1] and level[m] <= level[m + 1]):
            continue
        before = float(level[max(0, m - DIP_WINDOW) : m].max())
        after = float(level[m + 1 : m + 1 + DIP_WINDOW].max())
        ratio = float(level[m]) / max(min(before, after), 1e-6)
        if ratio >= DIP_SHALLOWEST:
            continue
        beside = float(onsets[start + m - 2 : start + m + 7, k].max())
        out.append((float(times[start + m]), round(ratio, 4), round(beside, 4)))
    return tuple(out)


ATTACK_FFT = 1024
ATTACK_HOP = 128
"""The STFT of :func:`phase_attacks` at 22,050 Hz: 46 ms windows every 5.8 ms."""
ATTACK_HARMONICS = 6
ATTACK_WINDOW = 0.15
"""Seconds either side of a peak over which its median is taken (:func:`phase_attacks`)."""
ATTACK_EDGE = 0.09
"""Seconds: a peak nearer a note's ends is not kept (as :data:`DIP_EDGE`)."""
ATTACK_LOWEST = 1.5
"""A peak under this many times its median is not kept (the ordinary wobble of a held note)."""


def phase_attacks(
    samples: np.ndarray, start: float, end: float, pitch: int, sample_rate: int = MODEL_SAMPLE_RATE
) -> tuple[tuple[float, float], ...]:
    """The peaks of the complex-domain onset function (Bello et al. 2004) at the first
    :data:`ATTACK_HARMONICS` partials of ``pitch`` between ``start`` and ``end`` seconds, as (seconds, the
    peak over the median within :data:`ATTACK_WINDOW` either side), those :data:`ATTACK_LOWEST` or more.

    Each STFT bin near a partial (the nearest and its neighbours) is predicted from the two frames before
    (the same magnitude, the phase advancing as it did); the deviation of the bins from their prediction,
    over their magnitude, jumps where a new note starts, even where the loudness does not change: a legato
    repeated note on the flute restarts its partials' phase, while its vibrato moves them smoothly (ROC AUC
    0.88 for telling a written repeat from the rest on rendered flute tunes, against 0.53 for the
    magnitude's spectral flux there and 0.55 for librosa's onset strength; docs/AUDIO.md)."""
    if end - start <= 2 * ATTACK_EDGE or samples.size == 0:
        return ()
    half = ATTACK_FFT // 2
    a = max(0, int(round(start * sample_rate)) - half)
    b = min(samples.shape[0], int(round(end * sample_rate)) + half)
    seg = samples[a:b].astype(np.float32)
    if seg.shape[0] < ATTACK_FFT + 3 * ATTACK_HOP:
        return ()
    n = 1 + (seg.shape[0] - ATTACK_FFT) // ATTACK_HOP
    idx = np.arange(ATTACK_FFT)[None, :] + ATTACK_HOP * np.arange(n)[:, None]
    f0 = 440.0 * 2 ** ((int(pitch) - 69) / 12)
    bins = sorted(
        {
            int(round(h * f0 * ATTACK_FFT / sample_rate)) + d
            for h in range(1, ATTACK_HARMONICS + 1)
            for d in (-1, 0, 1)
            if h * f0 < sample_rate / 2
        }
        & set(range(1, half))
    )
    if not bins:
        return ()
    spec = np.fft.rfft(seg[idx] * np.hanning(ATTACK_FFT).astype(np.float32), axis=1)[:, bins]
    mag, phase = np.abs(spec), np.angle(spec)
    pred = mag[1:-1] * np.exp(1j * (2 * phase[1:-1] - phase[:-2]))
    curve = np.abs(spec[2:] - pred).sum(axis=1) / (mag[2:].sum(axis=1) + 1e-9)
    times = (a + half + ATTACK_HOP * np.arange(2, n)) / sample_rate
    inside = np.flatnonzero((times >= start + ATTACK_EDGE) & (times <= end - ATTACK_EDGE))
    within = np.flatnonzero((times >= start) & (times <= end))
    w = int(round(ATTACK_WINDOW * sample_rate / ATTACK_HOP))
    out = []
    for m in inside:
        if curve[m] < curve[max(0, m - 3) : m + 4].max() or curve[m] <= 0:
            continue
        lo, hi = max(within[0], m - w), min(within[-1] + 1, m + w)
        ratio = float(curve[m]) / max(float(np.median(curve[lo:hi])), 1e-9)
        if ratio >= ATTACK_LOWEST:
            out.append((round(float(times[m]), 4), round(ratio, 3)))
    return tuple(out)


def add_phase_attacks(
    samples: np.ndarray, notes: list[NoteEvent], sample_rate: int = MODEL_SAMPLE_RATE
) -> list[NoteEvent]:
    """``notes`` with their :attr:`NoteEvent.attacks` found in ``samples`` (:func:`phase_attacks`)."""
    return [replace(n, attacks=phase_attacks(samples, n.start, n.end, n.pitch, sample_rate)) for n in notes]


def decode_notes(
    activations: dict[str, np.ndarray], config: TranscriptionConfig | None = None
) -> list[NoteEvent]:
    """Notes from the model's activations with basic-pitch's own decoder, with the median pitch deviation of
    each from its contour."""
    cfg = config or TranscriptionConfig()
    _, nc = _basic_pitch()
    frames, onsets, contour = activations["note"], activations["onset"], activations["contour"]
    if frames.shape[0] < 2:
        return []
    min_len = int(np.round(cfg.min_note_ms / 1000 * FRAMES_PER_SECOND))
    raw = []
    for a in range(0, frames.shape[0], DECODE_FRAMES):  # its note search costs the square of the length
        b = min(frames.shape[0], a + DECODE_FRAMES)
        if b - a < 2:
            continue
        part = nc.output_to_notes_polyphonic(
            frames[a:b],
            onsets[a:b],
            onset_thresh=cfg.onset_threshold,
            frame_thresh=cfg.frame_threshold,
            min_note_len=min_len,
            infer_onsets=True,
            max_freq=cfg.max_hz,
            min_freq=cfg.min_hz,
            melodia_trick=cfg.melodia_trick,
        )
        raw += [(s + a, e + a, p, amp) for s, e, p, amp in part]
    if cfg.join_onset > 0 or frames.shape[0] > DECODE_FRAMES:  # a note across a chunk boundary is one note
        raw = join_split_notes(raw, onsets, cfg.join_onset or 0.3)
    with_bends = nc.get_pitch_bends(contour, raw)
    times = nc.model_frames_to_time(contour.shape[0] + 1)
    out = []
    for start, end, pitch, amp, bends in with_bends:
        cents = float(np.median(bends)) * 100.0 / 3.0 if bends else 0.0
        strength = _onset_strength(onsets, start, pitch)
        dips = activation_dips(frames, onsets, times, start, end, pitch)
        out.append(
            NoteEvent(float(times[start]), float(times[end]), int(pitch), float(amp), cents, strength, dips)
        )
    out.sort(key=lambda n: (n.start, n.pitch))
    return out


def estimate_beats(
    onsets: np.ndarray,
    weights: np.ndarray | None = None,
    duration: float | None = None,
    tempo_range: tuple[float, float] = (50.0, 200.0),
) -> tuple[float, np.ndarray]:
    """(tempo in beats a minute, beat times in seconds) from note onsets in seconds.

    The onsets, weighted (by loudness or length), make an onset-strength envelope at 86 frames a second on
    which librosa's dynamic-programming beat tracker runs; the tempo is the median beat period, folded into
    ``tempo_range``. Fewer than 4 onsets give (120, []).
    """
    onsets = np.asarray(onsets, dtype=float)
    if onsets.size < 4:
        return DEFAULT_TEMPO, np.zeros(0)
    import librosa

    w = np.ones_like(onsets) if weights is None else np.asarray(weights, dtype=float)
    end = float(duration if duration is not None else onsets.max() + 1.0)
    n = int(np.ceil(end * FRAMES_PER_SECOND)) + 2
    env = np.zeros(n)
    np.add.at(env, np.clip(np.round(onsets * FRAMES_PER_SECOND).astype(int), 0, n - 1), w)
    kernel = np.exp(-0.5 * (np.arange(-3, 4) / 1.2) ** 2)
    env = np.convolve(env, kernel, mode="same")
    _, beats = librosa.beat.beat_track(
        onset_envelope=env,
        sr=MODEL_SAMPLE_RATE,
        hop_length=FFT_HOP,
        start_bpm=100.0,
        units="time",
        trim=False,
    )
    beats = np.asarray(beats, dtype=float)
    if beats.size < 3:
        return DEFAULT_TEMPO, np.zeros(0)
    tempo = 60.0 / float(np.median(np.diff(beats)))
    lo, hi = tempo_range
    while tempo < lo:
        tempo, beats = tempo * 2, np.sort(np.concatenate([beats, (beats[:-1] + beats[1:]) / 2]))
    while tempo > hi and beats.size >= 6:
        tempo, beats = tempo / 2, beats[::2]
    return float(tempo), beats


def notes_to_score(
    notes: list[NoteEvent], tempo: float, program: int = 0, name: str = "transcription"
) -> Score:
    """A one-track Score of ``notes`` (seconds) at a constant ``tempo`` (4/4 written, not estimated)."""
    score = symusic.Score(DEFAULT_TPQ)
    score.tempos.append(symusic.Tempo(0, float(tempo)))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track(name, int(program), False)
    ticks = tempo / 60.0 * DEFAULT_TPQ
    for n in notes:
        start = int(round(n.start * ticks))
        dur = max(1, int(round(n.end * ticks)) - start)
        vel = int(np.clip(round(127 * n.amplitude), 1, 127))
        track.notes.append(symusic.Note(start, dur, int(n.pitch), vel))
    score.tracks.append(track)
    return score


def loudness_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """The RMS level of the loudest 50 ms of ``samples`` in dB below full scale (-inf: digital silence)."""
    hop = max(1, int(0.05 * sample_rate))
    n = samples.shape[0] // hop
    if n == 0:
        rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0
    else:
        blocks = samples[: n * hop].astype(np.float64).reshape(n, hop)
        rms = float(np.sqrt((blocks**2).mean(axis=1)).max())
    return 20 * np.log10(rms) if rms > 0 else float("-inf")


def rms_envelope(samples: np.ndarray, sample_rate: int, rate: int = ENVELOPE_RATE) -> np.ndarray:
    """The RMS level of ``samples`` in 20 ms windows every ``1 / rate`` seconds."""
    hop = max(1, sample_rate // rate)
    n = samples.shape[0] // hop
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    power = samples[: n * hop].astype(np.float64).reshape(n, hop) ** 2
    power = power.mean(axis=1)
    power = (power + np.append(power[1:], power[-1])) / 2
    return np.sqrt(power).astype(np.float32)


def _noise_note(samples: np.ndarray) -> str | None:
    import librosa

    flat = librosa.feature.spectral_flatness(y=samples[: MODEL_SAMPLE_RATE * 60], n_fft=2048, hop_length=1024)
    value = float(np.median(flat))
    if value > NOISE_FLATNESS:
        return f"the audio sounds like noise (spectral flatness {value:.2f}): the notes found may be spurious"
    return None


def transcribe_audio(
    audio: str | os.PathLike | np.ndarray | AudioClip,
    config: TranscriptionConfig | None = None,
    sample_rate: int | None = None,
    limits: AudioLimits | None = None,
    progress: ProgressCallback | None = None,
) -> Transcription:
    """Transcribe a file, a signal (with its ``sample_rate``) or an :class:`AudioClip` into a
    :class:`Transcription`; silence gives an empty Score and a message, never an error."""
    cfg = config or TranscriptionConfig()
    t0 = time.perf_counter()
    clip = _clip(audio, sample_rate, limits)
    messages = list(clip.notes)
    level = loudness_dbfs(clip.samples, clip.sample_rate)
    notes: list[NoteEvent] = []
    if level < SILENCE_DBFS:
        messages.append(f"the audio is silent (loudest {level:.0f} dBFS): no notes")
    else:
        noise = _noise_note(clip.samples)
        if noise:
            messages.append(noise)
        notes = decode_notes(run_model(clip.samples, cfg, progress), cfg)
        if cfg.phase_attacks:
            notes = add_phase_attacks(clip.samples, notes, clip.sample_rate)
        if not notes:
            messages.append("no notes were found")
    tempo, beats = _tempo(notes, clip.seconds, cfg)
    if cfg.tempo is None and beats.size == 0:
        messages.append(f"too few notes to estimate a tempo: {tempo:g} beats a minute written")
    for m in messages[len(clip.notes) :]:
        log.info("%s: %s", clip.name, m)
    score = notes_to_score(notes, tempo, cfg.program)
    elapsed = time.perf_counter() - t0
    log.info(
        "%s: %d notes in %.1f s of audio (%.1f s), tempo %.0f",
        clip.name,
        len(notes),
        clip.seconds,
        elapsed,
        tempo,
    )
    envelope = rms_envelope(clip.samples, clip.sample_rate)
    return Transcription(
        score, notes, tempo, beats, clip.seconds, elapsed, messages, cfg.tempo is None, envelope
    )


def _tempo(notes: list[NoteEvent], seconds: float, cfg: TranscriptionConfig) -> tuple[float, np.ndarray]:
    if cfg.tempo is not None:
        if not 10 <= cfg.tempo <= 400:
            raise ScoreError(f"tempo {cfg.tempo:g} is outside 10..400 beats a minute", "absurd-tempo")
        return float(cfg.tempo), np.zeros(0)
    onsets = np.array([n.start for n in notes])
    weights = np.array([n.amplitude * min(n.end - n.start, 1.0) for n in notes])
    return estimate_beats(onsets, weights, seconds, cfg.tempo_range)


def _clip(
    audio: str | os.PathLike | np.ndarray | AudioClip, sample_rate: int | None, limits: AudioLimits | None
) -> AudioClip:
    if isinstance(audio, AudioClip):
        if audio.sample_rate != MODEL_SAMPLE_RATE:
            return audio_array(audio.samples, audio.sample_rate, limits=limits)
        return audio
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise ValueError("an audio array needs its sample_rate")
        return audio_array(audio, sample_rate, limits=limits)
    return read_audio(audio, MODEL_SAMPLE_RATE, limits)


def transcribe(
    audio: str | os.PathLike | np.ndarray | AudioClip,
    config: TranscriptionConfig | None = None,
    sample_rate: int | None = None,
    limits: AudioLimits | None = None,
    progress: ProgressCallback | None = None,
) -> Score:
    """Transcribe audio (a file path, or a signal with its ``sample_rate``) into a one-track Score at the
    estimated tempo. Silence gives an empty Score (and a logged warning); :func:`transcribe_audio` also
    returns the notes in seconds, the beats and the messages."""
    return transcribe_audio(audio, config, sample_rate, limits, progress).score
