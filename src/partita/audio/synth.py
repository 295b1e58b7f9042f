"""Voice-like hums of known melodies: test and benchmark material made here, not downloaded.

A hum is a sum of harmonics shaped by a spectral envelope (a tilt and three formant bumps: "mm", "oo" or
"ah"), on a pitch contour with the faults of a real voice: an onset glide from below, vibrato (5-6 Hz, a few
tens of cents) that sets in after the attack, a per-note intonation error, and a tempo that drifts. Breath
noise runs under it and swells in the gaps between phrases. The reference (note onsets and offsets, the
intended pitches, a 10 ms f0 track for ``mir_eval.melody``, the beat times) comes with the signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VOWELS = {
    "mm": ((250.0, 60.0, 1.0), (1100.0, 150.0, 0.08), (2500.0, 250.0, 0.03)),
    "oo": ((320.0, 70.0, 1.0), (800.0, 100.0, 0.5), (2400.0, 250.0, 0.08)),
    "ah": ((750.0, 90.0, 1.0), (1200.0, 110.0, 0.6), (2600.0, 200.0, 0.25)),
}
"""Formants (centre Hz, bandwidth Hz, relative gain) of a hummed "mm", a sung "oo" and a sung "ah"."""


@dataclass
class HumStyle:
    """How the melody is hummed. ``drift`` is the fractional change of the beat length from the first beat
    to the last (0.06: 6% slower at the end) on top of a slow +-2% wobble; ``legato`` the sounding share of
    each note (the rest is a breath gap); ``intonation_cents`` the spread of each note's pitch error (capped
    at 25 cents, so the intended note stays the nearest)."""

    sample_rate: int = 22050
    tempo: float = 96.0
    drift: float = 0.06
    vibrato_hz: float = 5.5
    vibrato_cents: float = 40.0
    vibrato_delay: float = 0.18
    glide_cents: float = -120.0
    glide_ms: float = 70.0
    vowel: str = "mm"
    breath_db: float = -34.0
    legato: float = 0.88
    intonation_cents: float = 12.0
    seed: int = 0


@dataclass
class Hum:
    """A synthesised hum: ``samples`` at ``sample_rate``; ``notes`` as (onset s, offset s, MIDI pitch);
    ``f0_times``/``f0_hz`` the reference melody (0 Hz where unvoiced) every 10 ms; ``beats`` in seconds."""

    samples: np.ndarray
    sample_rate: int
    notes: list[tuple[float, float, int]]
    f0_times: np.ndarray
    f0_hz: np.ndarray
    beats: np.ndarray
    durations: list[float] = field(default_factory=list)


def beat_clock(total_beats: float, tempo: float, drift: float) -> tuple[np.ndarray, np.ndarray]:
    """(beat positions, their times in seconds) on a fine grid, for a tempo that drifts."""
    b = np.linspace(0.0, total_beats, int(total_beats * 200) + 2)
    period = 60.0 / tempo * (1.0 + drift * b / max(total_beats, 1e-9) + 0.02 * np.sin(2 * np.pi * b / 8.0))
    t = np.concatenate([[0.0], np.cumsum(np.diff(b) * (period[:-1] + period[1:]) / 2)])
    return b, t


def _spectral_gain(freqs: np.ndarray, vowel: str) -> np.ndarray:
    gain = (np.maximum(freqs, 50.0) / 200.0) ** -1.1
    bumps = sum(g * np.exp(-0.5 * ((freqs - f) / bw) ** 2) for f, bw, g in VOWELS[vowel])
    return gain * (0.15 + 3.0 * bumps)


def _contour(
    n: int, sr: int, pitch: float, style: HumStyle, rng: np.random.Generator, off: float = 0.0
) -> np.ndarray:
    """The note's f0 in Hz, sample by sample: glide in, vibrato after the delay, a constant pitch error
    (random, plus ``off`` cents)."""
    t = np.arange(n) / sr
    error = float(np.clip(rng.normal(0.0, style.intonation_cents), -25.0, 25.0)) + off
    glide = style.glide_cents * np.exp(-t / max(style.glide_ms / 1000.0 / 3.0, 1e-4))
    ramp = np.clip((t - style.vibrato_delay) / 0.2, 0.0, 1.0)
    rate = style.vibrato_hz * (1.0 + 0.05 * rng.standard_normal())
    vibrato = style.vibrato_cents * ramp * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    cents = error + glide + vibrato
    return 440.0 * 2.0 ** ((pitch - 69.0 + cents / 100.0) / 12.0)


def _voice(f0: np.ndarray, sr: int, vowel: str) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(f0) / sr
    out = np.zeros_like(f0)
    for k in range(1, int(0.45 * sr / max(float(f0.min()), 40.0)) + 1):
        fk = k * f0
        gain = np.where(fk < 0.45 * sr, _spectral_gain(fk, vowel), 0.0)
        out += gain * np.sin(k * phase)
    return out


def _envelope(n: int, sr: int, attack: float = 0.04, release: float = 0.06) -> np.ndarray:
    env = np.ones(n)
    a, r = min(n // 2, int(attack * sr)), min(n // 2, int(release * sr))
    if a:
        env[:a] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, a))
    if r:
        env[n - r :] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, r))
    return env


def _breath(
    n: int, sr: int, level_db: float, gaps: list[tuple[int, int]], rng: np.random.Generator
) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    sos = butter(2, [500.0, min(5000.0, 0.45 * sr)], btype="bandpass", fs=sr, output="sos")
    noise = sosfilt(sos, rng.standard_normal(n))
    noise /= max(float(np.abs(noise).max()), 1e-9)
    level = np.full(n, 10 ** (level_db / 20.0))
    for a, b in gaps:
        level[a:b] *= 3.0  # breathing in between notes
    return noise * level


def synthesize_hum(
    melody: list[tuple[int, float]] | list[tuple[int, float, float]],
    style: HumStyle | None = None,
    lead_in: float = 0.5,
) -> Hum:
    """Hum ``melody``, a list of (MIDI pitch, length in beats) with pitch 0 for a rest, after ``lead_in``
    seconds of breath. A third value in an item sings that note so many cents off (-70: a note meant as E
    that comes out nearer E flat); the reference keeps the pitch meant."""
    st = style or HumStyle()
    sr, rng = st.sample_rate, np.random.default_rng(st.seed)
    total = float(sum(m[1] for m in melody))
    b, t = beat_clock(total, st.tempo, st.drift)
    at = lambda beat: lead_in + float(np.interp(beat, b, t))  # noqa: E731
    n = int((at(total) + 0.6) * sr)
    voice, notes, gaps, pos = np.zeros(n), [], [], 0.0
    for pitch, dur, *off in melody:
        start, end = at(pos), at(pos + dur)
        pos += dur
        if pitch <= 0:
            continue
        sounding = start + st.legato * (end - start)
        i0, i1 = int(start * sr), int(sounding * sr)
        f0 = _contour(i1 - i0, sr, pitch, st, rng, float(off[0]) if off else 0.0)
        level = rng.uniform(0.6, 1.0)
        voice[i0:i1] += level * _envelope(i1 - i0, sr) * _voice(f0, sr, st.vowel)
        gaps.append((i1, int(end * sr)))
        notes.append((start, sounding, int(pitch)))
    voice /= max(float(np.abs(voice).max()), 1e-9)
    gaps.insert(0, (0, int(lead_in * sr)))
    signal = 0.5 * voice + _breath(n, sr, st.breath_db, gaps, rng) * 0.5
    signal = (signal / max(float(np.abs(signal).max()), 1e-9) * 0.7).astype(np.float32)
    f0_times = np.arange(0.0, n / sr, 0.01)
    f0_hz = f0_track(notes, f0_times)
    beats = np.array([at(k) for k in range(int(total) + 1)])
    return Hum(signal, sr, notes, f0_times, f0_hz, beats, [float(m[1]) for m in melody if m[0] > 0])


def f0_track(notes: list[tuple[float, float, int]], times: np.ndarray) -> np.ndarray:
    """A melody's f0 in Hz at ``times`` (0 where no note sounds) from (onset s, offset s, MIDI pitch) notes;
    where notes overlap, the later one wins. For ``mir_eval.melody``."""
    f0 = np.zeros(len(times))
    for start, end, pitch in sorted(notes):
        f0[(times >= start) & (times < end)] = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
    return f0
