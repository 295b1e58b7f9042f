"""One clean melody line from a transcription: what a hummed or sung theme becomes.

A transcription of a voice has more notes than the singer meant: a ghost an octave or a twelfth up, a long
note split in two where vibrato made the model see a new onset, a semitone blip where the voice glided in.
:func:`clean_notes` keeps one line and removes those; :func:`quantise_melody` puts the line on a grid
found from its own onsets, counted in tatums that follow the singer's drift, and writes it at the mean
tempo.
Pitches are kept as sung (rounded to the nearest semitone): snapping to a key needs the key analysis, a layer
above this one (:mod:`partita.generation.hummed` does it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import symusic

from partita.audio.files import AudioClip
from partita.audio.transcription import (
    ENVELOPE_RATE,
    NoteEvent,
    Transcription,
    TranscriptionConfig,
    transcribe_audio,
)
from partita.progress import ProgressCallback
from partita.score.errors import ScoreError
from partita.score.formats import DEFAULT_TPQ, Score

log = logging.getLogger(__name__)

FRAME = 0.01  # seconds: the grid on which the one line is chosen
LAST_NOTE_BIAS = 0.4
"""Tatums added to the last note's length before rounding: a singer lets the last note go early."""


@dataclass
class MelodyConfig:
    """Options of :func:`clean_notes` and :func:`quantise_melody`.

    ``choose``: which note sounds where several do, ``"salient"`` (the loudest) or ``"highest"``.
    ``jitter_ms``: a note shorter than this, within ``jitter_semitones`` of a neighbour it touches, is a blip
    of that neighbour (vibrato, a glide) and is absorbed into it. ``merge_gap_ms``: two notes of one pitch
    closer than this are one, unless the loudness between them falls below ``dip_ratio`` of theirs (a
    repeated note sung again); a note is also split where the loudness dips inside it. ``min_note_ms``:
    shorter notes are dropped. The rhythm is counted in tatums (the shortest common note value) between
    ``tatum_range`` seconds, following the singer's drift by ``tatum_adapt``; the tatum is the one that best
    trades timing error (onsets stray by about ``onset_noise_ms``) against ``tatum_cost`` a tatum counted
    (see :func:`estimate_tatum`). ``legato_tatums``: a gap up to this many tatums before the next note is a
    breath, and the note is held over it. A quarter note is 1, 2 or 4 tatums, whichever puts the tempo
    nearest ``tempo_center``. ``quantise``: False keeps the times as sung.
    """

    choose: str = "salient"
    jitter_ms: float = 110.0
    jitter_semitones: int = 2
    merge_gap_ms: float = 40.0
    min_note_ms: float = 90.0
    dip_ratio: float = 0.5
    tatum_range: tuple[float, float] = (0.08, 1.2)
    onset_noise_ms: float = 80.0
    """How far a played or sung onset strays (ms). 80: 79 of 90 rendered flute melodies quantised at their
    tempo (54 at 50 ms); bars read right 0.298 -> 0.319 on the development half, 0.279 -> 0.349 held out;
    the synthetic hums' themes exact at both (``bench/bench_transcribe_bars.py``)."""
    tatum_cost: float = 0.5
    tatum_adapt: float = 0.3
    legato_tatums: int = 1
    tempo_center: float = 90.0
    quantise: bool = True
    program: int = 0
    cut_overlaps: bool = True
    """A note that starts while the one before still sounds, and outlasts it, ends that one (the line is
    monophonic): basic-pitch ends a note late where the instrument or the room rings on, and the louder
    note held the line over the overlap, which delayed the next onset by up to 150 ms. Rendered flute
    melodies (``bench/bench_transcribe_bars.py``, validation split and development half): onsets within
    40 ms of the written ones 2548 -> 3478 of 4056; the synthetic hums' themes unchanged."""
    reattack_onset: float = 0.0
    """A note of the pitch before whose onset activation (:attr:`NoteEvent.onset`) is at least this is struck
    or sung again and is not joined to it (0: joined as any fragments of one pitch are, unless the loudness
    dips). basic-pitch keeps a struck repeated note apart (the transcription joins its splits under 0.7,
    :attr:`TranscriptionConfig.join_onset`) and the line joins it again. 0.7 for a struck instrument: rendered
    piano melodies (``bench/bench_transcribe_bars.py --program 0``) keep 30 of 32 held-out legato repeated
    notes (4 joined), note F1 0.862 -> 0.898; but a sustained one (the flute, a hum) has onsets of 0.7 inside
    held notes, and its lines get more notes: held out, 4/4 kept 26 -> 24 of 28, bars right 22 -> 21 of 43,
    note F1 0.778 -> 0.774 (validation split: 4/4 57 -> 56, 3/4 20 -> 19, F1 0.794 -> 0.788): 0 for a
    hum."""
    reattack_dip: float = 0.0
    """A note is split where the model's note activation at its pitch dips below this share of its peaks
    either side (:attr:`NoteEvent.dips`; 0: never): the same pitch sung or played again without a gap, which
    basic-pitch hears as one held note. ``reattack_dip_onset``: only where the onset activation beside the
    dip is at least this. The split falls ``reattack_shift_ms`` after the dip's lowest frame. Off by default
    (for a hum): the synthetic hums' vibrato dips as deep, with onsets as high (0.9 and 0.4, the voice's
    setting, :data:`INSTRUMENT_SETTINGS`: held-out hums' note F1 0.951 -> 0.722, 136 false splits); on for a
    sampled voice, where the dip tells a re-attack from the rest (ROC AUC 0.97; the flute's 0.37-0.47)."""
    reattack_dip_onset: float = 0.0
    reattack_shift_ms: float = 0.0
    reattack_phase: float = 0.0
    """A note is split where the partials of its pitch jump in phase at least this many times their median
    around (:attr:`NoteEvent.attacks`, found when the transcription looks for them,
    ``TranscriptionConfig.phase_attacks``; 0: never): the same pitch played again without a gap, which
    basic-pitch hears as one held note and whose note activation hardly dips on the flute. The split falls
    ``reattack_phase_shift_ms`` after the peak. On for the flute (:data:`INSTRUMENT_SETTINGS`)."""
    reattack_phase_shift_ms: float = 0.0

    @classmethod
    def for_instrument(cls, instrument: str, base: MelodyConfig | None = None) -> MelodyConfig:
        """``base`` (default: the defaults, for a hum) with the re-attack settings of the instrument heard,
        one of :data:`INSTRUMENT_SETTINGS` (``"hum"``, ``"flute"``, ``"voice"``, ``"piano"``)."""
        key = str(instrument).strip().lower()
        if key not in INSTRUMENT_SETTINGS:
            raise ValueError(f"unknown instrument {instrument!r}: one of {', '.join(INSTRUMENT_SETTINGS)}")
        return replace(base or cls(), **INSTRUMENT_SETTINGS[key])


INSTRUMENT_SETTINGS: dict[str, dict[str, float]] = {
    "hum": {},
    "flute": {"reattack_phase": 2.6, "reattack_phase_shift_ms": -15.0},
    "voice": {"reattack_dip": 0.9, "reattack_dip_onset": 0.4},
    "piano": {"reattack_onset": 0.7},
}
"""The re-attack settings per instrument heard, each chosen on its own validation set of rendered legato tunes
(``bench/bench_reattack.py``; held out, note F1 against the defaults): a voice (GM 53) 0.632 -> 0.792 (legato
repeats kept 22 -> 135 of 179, false splits of held notes 2 -> 6), the piano 0.634 -> 0.757 (28 -> 124, 0 ->
4; on corpus melodies 0.862 -> 0.898, ``bench/bench_transcribe_bars.py --program 0``), the flute by the
partials' phase jump (:attr:`MelodyConfig.reattack_phase`; its note activation hardly dips) 0.509 -> 0.726
(3 -> 135 of 179, 10 -> 27). A hum's choice was the defaults: ``{}``."""


AUTO_HUM_OTHER = 0.15
""":func:`instrument_from_families`: a voice whose sound the recogniser also hears as pipe, organ, strings or
brass with this probability or more is a hum (the synthetic hums' buzz and breath); chosen on the validation
sets of ``bench/bench_instrument_auto.py`` (0.05-0.3 tried)."""


def instrument_from_families(probabilities: Mapping[str, float], hum_other: float = AUTO_HUM_OTHER) -> str:
    """The instrument heard (a key of :data:`INSTRUMENT_SETTINGS`) from the instrument recogniser's family
    probabilities (``partita.discovery.instruments_audio.instruments_in``): ``"piano"`` where the piano is
    0.5 or more and above the voice and the pipe, ``"flute"`` where the pipe is above the voice, else a voice:
    ``"hum"`` where pipe, organ, strings or brass reach ``hum_other``, ``"voice"`` otherwise. Rendered
    melodies held out: 71 of 72 right (``bench/bench_instrument_auto.py``)."""
    p = {k: float(v) for k, v in probabilities.items()}
    piano, voice, pipe = p.get("piano", 0.0), p.get("voice", 0.0), p.get("pipe", 0.0)
    if piano >= 0.5 and piano >= max(voice, pipe):
        return "piano"
    if pipe > voice:
        return "flute"
    other = max(p.get(k, 0.0) for k in ("pipe", "organ", "strings", "brass"))
    return "hum" if other >= hum_other else "voice"


OVERLAP_MIN_GAP = 0.03
"""Seconds: a note starting this soon after another sounds with it (a ghost, a chord): it does not follow."""
OVERLAP_MIN_RATIO = 0.5
"""A following note much quieter than this share of the one it overlaps (a ghost outlasting it) does not end
it."""


def _cut_overlaps(notes: list[NoteEvent]) -> list[NoteEvent]:
    """``notes`` (sorted by start) with each note ended where the next one that outlasts it starts (see
    :attr:`MelodyConfig.cut_overlaps`); a note that starts within :data:`OVERLAP_MIN_GAP` of it or is
    quieter than :data:`OVERLAP_MIN_RATIO` of it does not count."""
    out = list(notes)
    for i, n in enumerate(notes):
        for m in notes[i + 1 :]:
            if m.start >= n.end:
                break
            if (
                m.start > n.start + OVERLAP_MIN_GAP
                and m.end > n.end
                and m.amplitude >= OVERLAP_MIN_RATIO * n.amplitude
            ):
                out[i] = replace(n, end=m.start)
                break
    return out


def _one_line(notes: list[NoteEvent], choose: str) -> list[NoteEvent]:
    """The note sounding at each 10 ms frame (the loudest, or the highest), as runs of one source note."""
    if not notes:
        return []
    end = max(n.end for n in notes)
    n_frames = int(np.ceil(end / FRAME)) + 1
    best = np.full(n_frames, -1)
    score = np.full(n_frames, -np.inf)
    for i, n in enumerate(notes):
        a, b = int(round(n.start / FRAME)), max(int(round(n.start / FRAME)) + 1, int(round(n.end / FRAME)))
        value = n.amplitude if choose == "salient" else n.pitch + n.amplitude / 10
        better = score[a:b] < value
        best[a:b][better] = i
        score[a:b][better] = value
    out, i = [], 0
    while i < n_frames:
        if best[i] < 0:
            i += 1
            continue
        j = i
        while j < n_frames and best[j] == best[i]:
            j += 1
        src = notes[best[i]]
        start = max(src.start, i * FRAME)
        resumed = start > src.start + FRAME  # the rest of a note another one interrupted: no new onset
        out.append(
            replace(src, start=start, end=min(src.end, j * FRAME), onset=0.0 if resumed else src.onset)
        )
        i = j
    return out


def _absorb_blips(line: list[NoteEvent], cfg: MelodyConfig) -> list[NoteEvent]:
    """Merge a short note into the longer of its touching neighbours within a small interval."""
    changed = True
    while changed and len(line) > 1:
        changed = False
        for k, n in enumerate(line):
            if n.end - n.start >= cfg.jitter_ms / 1000:
                continue
            near = []
            for j in (k - 1, k + 1):
                if 0 <= j < len(line):
                    m = line[j]
                    gap = max(m.start - n.end, n.start - m.end)
                    if gap <= cfg.merge_gap_ms / 1000 and abs(m.pitch - n.pitch) <= cfg.jitter_semitones:
                        near.append((m.end - m.start, j))
            if not near:
                continue
            _, j = max(near)
            host = line[j]
            line[j] = replace(host, start=min(host.start, n.start), end=max(host.end, n.end))
            del line[k]
            changed = True
            break
    return line


def _dips(envelope: np.ndarray | None, a: NoteEvent, b: NoteEvent, ratio: float) -> bool:
    """True when the loudness falls between ``a`` and ``b`` (a breath or a new attack: a repeated note),
    below ``ratio`` times the quieter of the two notes' median levels."""
    if envelope is None or envelope.size == 0 or ratio <= 0:
        return False

    def level(x: float, y: float) -> float:
        seg = envelope[int(x * ENVELOPE_RATE) : max(int(x * ENVELOPE_RATE) + 1, int(y * ENVELOPE_RATE))]
        return float(np.median(seg)) if seg.size else 0.0

    t = (a.end + b.start) / 2
    lo = int((t - 0.05) * ENVELOPE_RATE)
    around = envelope[max(0, lo) : max(lo + 1, int((t + 0.05) * ENVELOPE_RATE))]
    if around.size == 0:
        return False
    return float(around.min()) < ratio * min(level(a.start, a.end), level(b.start, b.end))


def _merge_repeats(
    line: list[NoteEvent],
    gap: float,
    envelope: np.ndarray | None = None,
    ratio: float = 0.0,
    reattack: float = 0.0,
) -> list[NoteEvent]:
    """Join notes of one pitch closer than ``gap`` seconds, unless the loudness dips between them
    (:func:`_dips`) or the later one starts with an onset activation of ``reattack`` or more (0: never)."""
    out: list[NoteEvent] = []
    for n in line:
        struck = reattack > 0 and n.onset is not None and n.onset >= reattack
        if (
            out
            and out[-1].pitch == n.pitch
            and n.start - out[-1].end <= gap
            and not struck
            and not _dips(envelope, out[-1], n, ratio)
        ):
            prev = out[-1]
            amp = max(prev.amplitude, n.amplitude)
            out[-1] = replace(
                prev,
                end=max(prev.end, n.end),
                amplitude=amp,
                dips=prev.dips + n.dips,
                attacks=prev.attacks + n.attacks,
            )
        else:
            out.append(n)
    return out


def _split_at_dips(line: list[NoteEvent], envelope: np.ndarray | None, ratio: float) -> list[NoteEvent]:
    """Split a note where the loudness falls inside it (a repeated note the model heard as one held note):
    below ``ratio`` times the note's median level, at least 60 ms from either end."""
    if envelope is None or envelope.size == 0 or ratio <= 0:
        return line
    out: list[NoteEvent] = []
    edge = int(0.06 * ENVELOPE_RATE)
    for n in line:
        a, b = int(n.start * ENVELOPE_RATE), min(envelope.size, int(n.end * ENVELOPE_RATE))
        seg = envelope[a:b]
        if seg.size <= 2 * edge + 1:
            out.append(n)
            continue
        low = seg < ratio * float(np.median(seg))
        low[:edge] = low[-edge:] = False
        start = n.start
        i = 0
        while i < low.size:
            if not low[i]:
                i += 1
                continue
            j = i
            while j < low.size and low[j]:
                j += 1
            out.append(replace(n, start=start, end=(a + i) / ENVELOPE_RATE))
            start = (a + j) / ENVELOPE_RATE
            i = j
        out.append(replace(n, start=start))
    return out


def _split_at_reattacks(line: list[NoteEvent], cfg: MelodyConfig) -> list[NoteEvent]:
    """Split each note at the dips of its note activation deeper than ``cfg.reattack_dip`` (with an onset
    activation of ``cfg.reattack_dip_onset`` or more beside them), the deepest first, then at the phase
    jumps of its partials of ``cfg.reattack_phase`` or more (:attr:`NoteEvent.attacks`), the strongest
    first; no piece shorter than ``cfg.min_note_ms``; a later piece starts with no onset activation known."""
    if cfg.reattack_dip <= 0 and cfg.reattack_phase <= 0:
        return line
    shift, shortest = cfg.reattack_shift_ms / 1000, cfg.min_note_ms / 1000
    phase_shift = cfg.reattack_phase_shift_ms / 1000
    out: list[NoteEvent] = []
    for n in line:
        found: list[float] = []
        if cfg.reattack_dip > 0:
            found += [
                t + shift
                for r, t in sorted(
                    (r, t) for t, r, o in n.dips if r < cfg.reattack_dip and o >= cfg.reattack_dip_onset
                )
            ]
        if cfg.reattack_phase > 0:
            found += [
                t + phase_shift for r, t in sorted(((-r, t) for t, r in n.attacks if r >= cfg.reattack_phase))
            ]
        cuts: list[float] = []
        for t in found:
            bounds = [n.start, *cuts, n.end]
            if n.start < t < n.end and all(abs(t - b) >= shortest for b in bounds):
                cuts.append(t)
        start = n.start
        for t in sorted(cuts):
            out.append(replace(n, start=start, end=t, onset=n.onset if start == n.start else None))
            start = t
        out.append(replace(n, start=start, onset=n.onset if start == n.start else None))
    return out


def _move_to_jumps(line: list[NoteEvent], cfg: MelodyConfig) -> list[NoteEvent]:
    """Move the boundary between two touching notes of one pitch (``cfg.merge_gap_ms`` apart or less, give or
    take two frames) to a phase jump of ``cfg.reattack_phase``
    or more (shifted by ``cfg.reattack_phase_shift_ms``) within ``cfg.min_note_ms`` of it, the strongest:
    basic-pitch may split a legato repeat itself, but 60-80 ms late, where the note activation rises again
    (on the flute's validation tunes, 68 of the 111 repeats the split at the jumps left were such)."""
    if cfg.reattack_phase <= 0:
        return line
    out = list(line)
    shift, near = cfg.reattack_phase_shift_ms / 1000, cfg.min_note_ms / 1000
    gap = cfg.merge_gap_ms / 1000 + 2 * FRAME  # touching, on the line's 10 ms grid
    for k in range(1, len(out)):
        prev, n = out[k - 1], out[k]
        if prev.pitch != n.pitch or n.start - prev.end > gap:
            continue
        jumps = [
            (r, t + shift)
            for t, r in prev.attacks + n.attacks
            if r >= cfg.reattack_phase
            and abs(t + shift - n.start) < near
            and prev.start + near <= t + shift <= n.end - near
        ]
        if jumps:
            t = max(jumps)[1]
            out[k - 1], out[k] = replace(prev, end=t), replace(n, start=t)
    return out


def clean_notes(
    notes: list[NoteEvent], config: MelodyConfig | None = None, envelope: np.ndarray | None = None
) -> list[NoteEvent]:
    """One melody line from transcribed notes (seconds): one note at a time (a note ending where the next
    one starts, :attr:`MelodyConfig.cut_overlaps`), blips absorbed, split notes
    joined (unless the loudness ``envelope``, 100 values a second, dips between them: a repeated note), a
    note split where the loudness dips inside it, short notes dropped."""
    cfg = config or MelodyConfig()
    if cfg.choose not in ("salient", "highest"):
        raise ValueError(f"choose must be 'salient' or 'highest', not {cfg.choose!r}")
    ordered = sorted(notes, key=lambda n: n.start)
    line = _one_line(_cut_overlaps(ordered) if cfg.cut_overlaps else ordered, cfg.choose)
    line = _split_at_dips(line, envelope, cfg.dip_ratio)
    gap = cfg.merge_gap_ms / 1000
    line = _merge_repeats(line, gap, envelope, cfg.dip_ratio, cfg.reattack_onset)
    line = _absorb_blips(line, cfg)
    line = _merge_repeats(line, gap, envelope, cfg.dip_ratio, cfg.reattack_onset)
    line = _move_to_jumps(_split_at_reattacks(line, cfg), cfg)
    return [n for n in line if n.end - n.start >= cfg.min_note_ms / 1000]


def _walk(iois: np.ndarray, tatum: float, adapt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count each inter-onset interval in tatums, following a tatum that drifts: (counts, errors in
    tatums, the tatum at each interval). A well-fitting interval pulls the tatum towards its own."""
    ks, errs, taus = [], [], []
    for d in iois:
        k = max(1, int(round(d / tatum)))
        err = abs(d / tatum - k)
        ks.append(k)
        errs.append(err)
        taus.append(tatum)
        if err < 0.25:
            tatum = (1 - adapt) * tatum + adapt * d / k
    return np.array(ks, dtype=int), np.array(errs), np.array(taus)


def estimate_tatum(onsets: np.ndarray, config: MelodyConfig | None = None) -> tuple[float, float]:
    """(the starting tatum in seconds, its fit) of a melody's onsets, the tatum allowed to drift as it goes
    (see :func:`_walk`).

    Each candidate tatum counts every inter-onset interval in whole tatums; its cost is the squared timing
    error of the intervals in seconds over ``onset_noise_ms`` (how far a sung onset strays), halved, plus
    ``tatum_cost`` for every tatum counted (a finer grid fits any rhythm, and pays for it). The fit returned
    is the 85th percentile of the intervals' distance to a whole count, in tatums (0 is perfect).
    """
    cfg = config or MelodyConfig()
    iois = np.diff(np.sort(np.asarray(onsets, dtype=float)))
    iois = iois[iois > 0.03]
    if iois.size == 0:
        return 0.5, 0.0
    lo, hi = cfg.tatum_range
    sigma = cfg.onset_noise_ms / 1000.0
    best = (np.inf, 0.5, 0.0)
    for tatum in np.geomspace(hi, lo, 160):
        ks, errs, taus = _walk(iois, float(tatum), cfg.tatum_adapt)
        cost = float((((errs * taus) / sigma) ** 2).sum() / 2 + cfg.tatum_cost * ks.sum())
        if cost < best[0]:
            best = (cost, float(tatum), float(np.quantile(errs, 0.85)))
    return best[1], best[2]


def _tatums_per_beat(tatum: float, center: float) -> int:
    """1, 2 or 4 tatums to a quarter note: the one whose tempo is nearest ``center`` on a log scale."""
    return min((1, 2, 4), key=lambda m: abs(np.log(60.0 / (m * tatum) / center)))


def quantise_melody(line: list[NoteEvent], config: MelodyConfig | None = None) -> Score:
    """A one-track Score of ``line`` in whole tatums: onsets counted along a drifting tatum, each note held
    to the next onset when the gap is a breath (up to ``legato_tatums``), the first note at tick 0, the
    tempo from the mean tatum (a quarter note is 1, 2 or 4 tatums, see ``tempo_center``); 4/4 written."""
    cfg = config or MelodyConfig()
    if not line:
        return _score([], [], [], 120.0, cfg.program)
    onsets = np.array([n.start for n in line])
    tatum, fit = estimate_tatum(onsets, cfg)
    if fit > 0.25:
        log.info("the rhythm fits no tatum well (%.2f of a tatum off): quantised to the best one", fit)
    ks, _, taus = _walk(np.diff(onsets), tatum, cfg.tatum_adapt)
    starts = np.concatenate([[0], np.cumsum(ks)])
    local = np.append(taus, taus[-1] if taus.size else tatum)
    held = np.array([max(1, int(round((n.end - n.start) / t))) for n, t in zip(line, local, strict=True)])
    held[-1] = max(1, int(round((line[-1].end - line[-1].start) / local[-1] + LAST_NOTE_BIAS)))
    room = np.append(ks, held[-1])
    lengths = np.where(room - held <= cfg.legato_tatums, room, np.minimum(held, room))
    mean = float((onsets[-1] - onsets[0]) / starts[-1]) if starts[-1] else tatum
    per_beat = _tatums_per_beat(mean, cfg.tempo_center)
    tempo = 60.0 / (per_beat * mean)
    spans = [(a / per_beat, (a + n) / per_beat) for a, n in zip(starts, lengths, strict=True)]
    velocity = [int(np.clip(round(127 * n.amplitude), 1, 127)) for n in line]
    return _score(spans, [n.pitch for n in line], velocity, tempo, cfg.program)


def _score(spans, pitches, velocity, tempo: float, program: int) -> Score:
    """Spans in quarter notes at ``tempo`` quarters a minute, 4/4."""
    score = symusic.Score(DEFAULT_TPQ)
    score.tempos.append(symusic.Tempo(0, float(tempo)))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("melody", int(program), False)
    for (a, b), p, v in zip(spans, pitches, velocity, strict=True):
        start = int(round(a * DEFAULT_TPQ))
        track.notes.append(symusic.Note(start, max(1, int(round(b * DEFAULT_TPQ)) - start), int(p), int(v)))
    score.tracks.append(track)
    return score


def melody_from_notes(
    notes: list[NoteEvent],
    config: MelodyConfig | None = None,
    envelope: np.ndarray | None = None,
) -> tuple[Score, list[NoteEvent]]:
    """(the Score, the clean line in seconds) of transcribed notes: cleaned, then quantised (or, with
    ``config.quantise`` False, kept as sung at the tempo of the tatum)."""
    cfg = config or MelodyConfig()
    line = clean_notes(notes, cfg, envelope)
    if not cfg.quantise:
        from partita.audio.transcription import notes_to_score

        tatum, _ = estimate_tatum(np.array([n.start for n in line]), cfg)
        tempo = 60.0 / (_tatums_per_beat(tatum, cfg.tempo_center) * tatum)
        return notes_to_score(line, tempo, cfg.program, "melody"), line
    return quantise_melody(line, cfg), line


def clean_melody(score: Score, config: MelodyConfig | None = None) -> Score:
    """One clean, quantised melody line from any Score (a transcription, a played MIDI take): the notes of
    every pitched track are read in seconds and go through :func:`melody_from_notes`."""
    seconds = score.to("second")
    notes = [
        NoteEvent(float(n.time), float(n.time + n.duration), int(n.pitch), n.velocity / 127.0)
        for t in seconds.tracks
        if not t.is_drum
        for n in t.notes
    ]
    return melody_from_notes(notes, config)[0]


@dataclass
class HummedMelody:
    """A hummed take read as a melody: the quantised ``score``, the clean ``line`` in seconds, the full
    ``transcription`` and the ``messages`` for the user."""

    score: Score
    line: list[NoteEvent]
    transcription: Transcription
    messages: list[str]


def read_hummed_melody(
    path: str | os.PathLike | AudioClip,
    config: MelodyConfig | None = None,
    transcription: TranscriptionConfig | None = None,
    progress: ProgressCallback | None = None,
    instrument: str | None = None,
) -> HummedMelody:
    """Transcribe a hummed, sung, whistled or played melody and clean it into one quantised line.

    Pitches are not snapped to a key here (see :func:`partita.generation.hummed.read_hummed_theme`). Audio
    without notes (silence) raises :class:`ScoreError` ``no-notes``: a theme cannot be empty. ``path`` may
    also be an :class:`AudioClip` already read (within the caller's :class:`AudioLimits`). ``instrument``:
    the instrument heard, when known (:meth:`MelodyConfig.for_instrument`: ``"voice"`` splits legato
    repeated notes where the note activation dips, ``"piano"`` keeps struck repeats apart); None reads a hum.
    """
    if instrument is not None:
        config = MelodyConfig.for_instrument(instrument, config)
    tcfg = transcription or TranscriptionConfig(onset_threshold=0.5, frame_threshold=0.3)
    if config is not None and config.reattack_phase > 0 and not tcfg.phase_attacks:
        tcfg = replace(tcfg, phase_attacks=True)
    tr = transcribe_audio(path, tcfg, progress=progress)
    score, line = melody_from_notes(tr.notes, config, tr.envelope)
    name = path.name if isinstance(path, AudioClip) else str(path)
    if not line:
        why = "; ".join(m for m in tr.messages if not m.startswith("too few notes")) or "no notes were found"
        raise ScoreError(f"no melody in the audio ({why})", "no-notes", name)
    messages = list(tr.messages)
    log.info("%s: %d notes hummed, %d in the melody", name, len(tr.notes), len(line))
    return HummedMelody(score, line, tr, messages)
