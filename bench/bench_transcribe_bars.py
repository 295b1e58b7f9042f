"""Bars of a transcribed melody (issue 24): the meter and the upbeat ``partita transcribe --melody`` reads.

Held-out melodies with known meter and bars (the built corpus ``all``'s test split: Essen folk songs in 3/4
and 4/4 and Bach chorale sopranos, as ``bench/bench_upbeat.py`` reads them, their first 8 bars and pickup)
are rendered with FluidSynth (flute, 100 quarters a minute, from the first note), transcribed and quantised
(``melody_from_notes``, as ``read_hummed_melody`` does), and barred by
:func:`partita.generation.upbeat.place_bars` (3/4 or 4/4 from the accents, an upbeat padded when sure),
against three baselines in the same run: 4/4 from the first note, the upbeat reading before (the written
notes' bar phase, 90% likely, part-beats left out) under the same meter, and the whole reading before the
overlap cut and the periodicity cue (``bars_old``: the line quantised with overlapping notes kept, 3/4 from
the accents alone by 0.8 sd), and the upbeat reading before the end cue was weighted down (``previous``:
:data:`PREVIOUS_WEIGHTS` at 90%, against :data:`partita.generation.upbeat.TRANSCRIBED_WEIGHTS` at
``TRANSCRIBED_CONFIDENCE``). Also counted: the repeated notes played legato and how many keep their onset
(within 50 ms) in basic-pitch's notes and in the line, and the line's note F1 (``mir_eval.transcription``).
The test split is halved by piece id as ``bench_upbeat.py`` halves it: the development half chose the
margin 3/4 needs (:data:`partita.generation.upbeat.MELODY_THREE_MARGIN`), the held-out half is reported first.
``--split valid`` runs the corpus's validation split instead: with the test split's development half, it
chose the transcribed line's bar-phase settings (:data:`partita.generation.upbeat.TRANSCRIBED_WEIGHTS`).
Reported: the meter right (3 or 4 beats a bar), the first bar line right (within 0.1 s of the reference's,
measured in seconds from the first note, so a doubled tempo does not count against it), and both; upbeats
read right and downbeat starts padded; and, per cue of the bar-phase model alone, how often it puts the first
bar line right on the written notes and on the transcription (where the reading fails).
``--cache DIR`` keeps basic-pitch's activations (float16) and the loudness per melody, so a rerun skips
rendering and running the model (the notes are decoded again, so decoding options can be compared).
The meter settings (:data:`partita.generation.upbeat.MELODY_PERIODICITY`, ``MELODY_THREE_MARGIN``) and
``MelodyConfig.cut_overlaps`` were chosen on the validation split and the development half.

    nice -n 10 python bench/bench_transcribe_bars.py [--per-group 30] [--threads 1] [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

SLOW = True  # reads the built corpus `all` (data/corpora/all): not for `make bench --quick`

COMMAND = "nice -n 10 python bench/bench_transcribe_bars.py --per-group 30 --threads 1"
BPM = 100.0
GROUPS = (("essen", "3/4"), ("essen", "4/4"), ("chorale", "4/4"))
log = logging.getLogger("bench_transcribe_bars")


def pieces(per_group: int, split: str = "test"):
    from bench_upbeat import melodies

    taken: dict[tuple[str, str], int] = {}
    for src, pid, meter, tpq, notes, bar in melodies(split, crop=8):
        if (src, meter) not in GROUPS or taken.get((src, meter), 0) >= per_group:
            continue
        taken[(src, meter)] = taken.get((src, meter), 0) + 1
        yield src, pid, meter, tpq, notes, bar
        if all(taken.get(g, 0) >= per_group for g in GROUPS):
            return


def transcription(score, wav: Path, cfg, cache: Path | None, name: str):
    """(basic-pitch's notes, the loudness envelope, the model's activations) of ``score`` rendered as
    ``wav``; the activations and the envelope are read from ``cache`` when it holds them
    (``name``.acts.npz, float16) and written there otherwise, and the notes decoded from them with ``cfg``,
    so that decoding arms share one model run. None when nothing was heard."""
    from partita.audio import read_audio
    from partita.audio.transcription import decode_notes, rms_envelope, run_model
    from partita.render import write_wav

    path = cache / f"{name.replace('/', '_')}.acts.npz" if cache else None
    if path is not None and path.exists():
        z = np.load(path)
        acts = {k: z[k].astype(np.float32) for k in ("note", "onset", "contour")}
        return decode_notes(acts, cfg), z["envelope"], acts
    try:
        clip = read_audio(write_wav(score, wav))
        acts = run_model(clip.samples, cfg)
    except Exception as e:  # noqa: BLE001 - a melody the transcriber cannot read is skipped, as before
        log.warning("%s: %s", name, e)
        return None
    envelope = rms_envelope(clip.samples, clip.sample_rate)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, envelope=envelope, **{k: v.astype(np.float16) for k, v in acts.items()})
    return decode_notes(acts, cfg), envelope, acts


PREVIOUS = "the upbeat reading before (onsets 1, the end 2, the pickup's length 1; 90% likely)"
PREVIOUS_WEIGHTS = (1.0, 0.0, 2.0, 1.0)
PREVIOUS_CONFIDENCE = 0.9
"""The transcribed upbeat reading before the end cue was weighted down (issue 24): weights, threshold."""

KEPT = "struck repeated notes kept apart in the line (MelodyConfig.reattack_onset 0.7)"
BEFORE = "the written notes' reading (90% likely)"
OLD = "the quantiser and meter reading before (overlaps kept, accents alone by 0.8)"


def bars_old(heard, melody):
    """The reading before this arm's change (issue 24): the line quantised without cutting overlapping notes
    (``MelodyConfig.cut_overlaps`` False) and 3/4 read from the accents alone by 0.8 sd (``read_meter``'s
    ``periodicity=0, margin=0.8``), then barred as ``place_bars`` barred it (:data:`PREVIOUS_WEIGHTS`)."""
    from dataclasses import replace

    from partita.audio.melody import melody_from_notes
    from partita.generation.upbeat import place_bars, read_meter

    score = melody_from_notes(heard[0], replace(melody, cut_overlaps=False, reattack_onset=0.0), heard[1])[0]
    if not len(score.tracks) or not len(score.tracks[0].notes):
        return None
    (num, den), _ = read_meter(score, margin=0.8, periodicity=0.0)
    return place_bars(score, f"{num}/{den}", weights=PREVIOUS_WEIGHTS, confidence=PREVIOUS_CONFIDENCE)[0]


CUES = {
    "onsets": (1, 0, 0, 0),
    "long notes": (0, 1, 0, 0),
    "end": (0, 0, 1, 0),
    "pickup length": (0, 0, 0, 1),
}
"""Each cue of the bar-phase model alone (the weights of onsets, long notes, the end, the pickup's length)."""


def bars_before(score):
    """The reading before (issue 24): the written notes' bar phase (``place_pickup`` as for a MIDI file,
    90% likely), whole beats only, under the same meter reading."""

    import symusic

    from partita.generation.upbeat import place_pickup, read_meter

    (num, den), _ = read_meter(score)
    out = score.copy()
    out.time_signatures = [symusic.TimeSignature(0, num, den)]
    padded, note = place_pickup(out)
    if note is None or min(n.time for t in padded.tracks for n in t.notes) % (
        4 * out.ticks_per_quarter // den
    ):
        return out
    return padded


def cue_check(notes, first: int, bar: int, tpq: int, num: int, score, ref_line: float) -> dict:
    """Whether each cue alone (:data:`CUES`), and all of them as read, put the first bar line right under the
    right meter: on the written notes (from the first note) and on the transcription (within 0.1 s)."""
    from partita.analysis.meter_inference import PHASE_WEIGHTS, phase_counts, phase_posterior
    from partita.analysis.timeline import NoteArrays, note_arrays
    from partita.generation.upbeat import _profiles, transcribed_phase

    out = {}
    profile = _profiles()[f"{num}/4"]
    written = NoteArrays(
        notes.start - first, notes.end - first, notes.pitch, notes.velocity, notes.track, notes.drum
    )
    qpm = float(score.tempos[0].qpm) if len(score.tempos) else 120.0

    def right(key: str, slot: int, k: int) -> bool:
        if key == "clean":
            return (slot * tpq // 4) % bar == (-first) % bar
        slot_s = 60.0 / qpm / 4
        return abs((slot * slot_s - ref_line + k * slot_s / 2) % (k * slot_s) - k * slot_s / 2) < 0.1

    for key, arrays, unit in (
        ("clean", written, tpq),
        ("transcribed", note_arrays(score), score.ticks_per_quarter),
    ):
        counts = phase_counts(arrays, unit, num, 4)
        k = counts["bar"]
        weights = {**CUES, "all (written notes' weights)": PHASE_WEIGHTS}
        found = {
            c: right(key, int(phase_posterior(counts, profile, w).argmax()), k) for c, w in weights.items()
        }
        guess = transcribed_phase(arrays, unit, num, 4)
        found["transcribed reading"] = guess is not None and right(
            key, int(round(guess.bar_line * 4 / unit)), k
        )
        out[key] = found
    return out


def note_check(notes, first: int, tpq: int, raw, line) -> dict:
    """The transcription's notes against the written ones in seconds from the first note: the repeated
    notes played legato (a note of the pitch before, starting where it ends) and how many of them have an
    onset of their pitch within 50 ms in basic-pitch's notes and in the melody line; and the line's note
    precision, recall and F1 (``mir_eval.transcription``, onsets within 50 ms, offsets ignored)."""
    import mir_eval

    sec = 60.0 / BPM / tpq
    ref = np.stack([(notes.start - first) * sec, (notes.end - first) * sec]).T
    pitch = np.asarray(notes.pitch)
    out = {"repeats": 0, "repeats_raw": 0, "repeats_line": 0}
    for i in range(1, len(pitch)):
        if pitch[i] == pitch[i - 1] and notes.start[i] - notes.end[i - 1] <= 0:
            out["repeats"] += 1
            for key, est in (("repeats_raw", raw), ("repeats_line", line)):
                out[key] += any(n.pitch == pitch[i] and abs(n.start - ref[i, 0]) <= 0.05 for n in est)

    def hz(p):
        return 440.0 * 2 ** ((np.asarray(p, dtype=float) - 69) / 12)

    est = np.array([[n.start, max(n.end, n.start + 0.01)] for n in line]).reshape(-1, 2)
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref, hz(pitch), est, hz([n.pitch for n in line]), onset_tolerance=0.05, offset_ratio=None
    )
    out.update(precision=float(p), recall=float(r), f1=float(f))
    return out


def onset_peaks(acts: dict, line, notes, first: int, tpq: int) -> list[tuple[float, float, bool]]:
    """The peaks of basic-pitch's onset activation at each line note's pitch inside it (from 150 ms after its
    start to its end; prominence 0.02 or more): (height, prominence, whether a written onset of that pitch
    falls 30 ms before to 150 ms after it, the model's onset lagging the sound). Whether the activation
    tells a repeated note played legato from a held one."""
    from scipy.signal import find_peaks

    from partita.audio.transcription import _basic_pitch

    onset = acts["onset"]
    times = _basic_pitch()[1].model_frames_to_time(onset.shape[0] + 1)  # 86.57 frames a second, not 86.13
    sec = 60.0 / BPM / tpq
    written = [((a - first) * sec, int(p)) for a, p in zip(notes.start, notes.pitch, strict=True)]
    out = []
    for n in line:
        a, b = int(np.searchsorted(times, n.start + 0.15)), int(np.searchsorted(times, n.end))
        k = n.pitch - 21
        if b - a < 3 or not 0 <= k < onset.shape[1]:
            continue
        seg = onset[a:b, k]
        peaks, props = find_peaks(seg, prominence=0.02)
        for j, prom in zip(peaks, props["prominences"], strict=True):
            t = times[a + j]
            hit = any(p == n.pitch and -0.03 <= t - w <= 0.15 and w > n.start + 0.1 for w, p in written)
            out.append((float(seg[j]), float(prom), hit))
    return out


def first_bar_line(score) -> tuple[int, float]:
    """(beats a bar, seconds from the first note to the first bar line at or after it) of a Score."""
    ts = score.time_signatures[0]
    tpq = score.ticks_per_quarter
    bar = ts.numerator * 4 * tpq // ts.denominator
    first = min(n.time for t in score.tracks for n in t.notes)
    qpm = score.tempos[0].qpm if len(score.tempos) else 120.0
    return ts.numerator, ((-first) % bar) / tpq * 60.0 / qpm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-group", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--program", type=int, default=73, help="The GM program rendered (73: flute).")
    ap.add_argument("--keep", type=Path, default=None, help="A folder to write the quantised melodies to.")
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="A folder keeping each melody's transcription (basic-pitch's notes and loudness), read back "
        "instead of rendering and transcribing again.",
    )
    ap.add_argument(
        "--onset-noise",
        type=float,
        default=None,
        help="MelodyConfig.onset_noise_ms for the quantiser (default: its own); an arm of its own JSON.",
    )
    ap.add_argument(
        "--split",
        default="test",
        choices=("test", "valid"),
        help="test: halved by piece id, the held-out half reported; valid: the corpus's validation split, "
        "a development set of its own (the transcribed line's bar-phase settings were chosen on it).",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from dataclasses import replace

    import symusic

    from partita.audio import MelodyConfig, TranscriptionConfig
    from partita.audio.melody import melody_from_notes
    from partita.generation.upbeat import place_bars

    cfg = TranscriptionConfig(threads=args.threads)
    recs = []
    with tempfile.TemporaryDirectory() as tmp:
        for src, pid, meter, tpq, notes, bar in pieces(args.per_group, args.split):
            first = int(notes.start.min())
            s = symusic.Score(tpq)
            s.tempos.append(symusic.Tempo(0, BPM))
            track = symusic.Track("melody", args.program, False)
            for a, b, p in zip(notes.start, notes.end, notes.pitch, strict=True):
                track.notes.append(symusic.Note(int(a) - first, max(1, int(b - a)), int(p), 90))
            s.tracks.append(track)
            name = f"{src}-{pid}-p{args.program}"
            heard = transcription(s, Path(tmp) / f"{len(recs)}.wav", cfg, args.cache, name)
            if heard is None:
                continue
            melody = (
                MelodyConfig() if args.onset_noise is None else MelodyConfig(onset_noise_ms=args.onset_noise)
            )
            score, heard_line = melody_from_notes(heard[0], melody, heard[1])
            if not len(score.tracks) or not len(score.tracks[0].notes):
                continue
            num = int(meter.split("/")[0])
            ref_line = ((-first) % bar) / tpq * 60.0 / BPM
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                score.dump_midi(str(args.keep / f"{src}-{meter.replace('/', '')}-{first}-{pid}.mid"))
            if args.split == "valid":
                half = "valid"
            else:
                half = "dev" if int(hashlib.md5(pid.encode()).hexdigest(), 16) % 2 == 0 else "held-out"
            rec = {"source": src, "meter": meter, "piece": pid, "upbeat": first > 0, "half": half}
            kept_score, kept_line = melody_from_notes(heard[0], replace(melody, reattack_onset=0.7), heard[1])
            barred, read = place_bars(score)
            old = bars_old(heard, melody)
            previous = place_bars(score, weights=PREVIOUS_WEIGHTS, confidence=PREVIOUS_CONFIDENCE)[0]
            arms = (
                ("baseline", score),
                ("before", bars_before(score)),
                ("old", old),
                ("previous", previous),
                ("kept", place_bars(kept_score)[0] if len(kept_score.tracks[0].notes) else None),
                ("partita", barred),
            )
            for arm_name, barring in arms:
                n, line = first_bar_line(barring) if barring is not None else (0, -1.0)
                rec[f"{arm_name}_meter"] = n == num
                rec[f"{arm_name}_phase"] = abs(line - ref_line) < 0.1
                rec[f"{arm_name}_both"] = rec[f"{arm_name}_meter"] and rec[f"{arm_name}_phase"]
                rec[f"{arm_name}_padded"] = barring is not None and (
                    min(x.time for t in barring.tracks for x in t.notes) > 0
                )
            rec["read"] = read
            rec["notes"] = note_check(notes, first, tpq, heard[0], heard_line)
            rec["notes_kept"] = note_check(notes, first, tpq, heard[0], kept_line)
            rec["onset_peaks"] = onset_peaks(heard[2], heard_line, notes, first, tpq)
            rec["cues"] = cue_check(notes, first, bar, tpq, num, score, ref_line)
            recs.append(rec)
            marks = {k: v for k, v in rec.items() if "_" in k}
            print(src, meter, pid, "upbeat" if first else "", marks, read)
    command = COMMAND.replace("--per-group 30", f"--per-group {args.per_group}")
    command += f" --program {args.program}" if args.program != 73 else ""
    command += " --split valid" if args.split == "valid" else ""
    command += f" --onset-noise {args.onset_noise:g}" if args.onset_noise is not None else ""
    held = [r for r in recs if r["half"] in ("held-out", "valid")]
    tag = "valid" if args.split == "valid" else "held-out"
    groups = [
        (tag, held),
        (f"{tag} essen 3/4", [r for r in held if r["meter"] == "3/4"]),
        (f"{tag} 4/4", [r for r in held if r["meter"] == "4/4"]),
        (f"{tag} with an upbeat", [r for r in held if r["upbeat"]]),
        (f"{tag} from the downbeat", [r for r in held if not r["upbeat"]]),
    ]
    if args.split == "test":
        groups.append(("development", [r for r in recs if r["half"] == "dev"]))
    rows = []
    metrics = {"meter": "meter right", "phase": "first bar line right", "both": "bars right"}
    for label, sel in groups:
        for what, metric in metrics.items():
            if not sel:
                continue
            ours = float(np.mean([r[f"partita_{what}"] for r in sel]))
            for arm_name, base_name in (
                ("baseline", "4/4 from the first note"),
                ("before", BEFORE),
                ("old", OLD),
                ("previous", PREVIOUS),
                ("kept", KEPT),
            ):
                if arm_name == "before" and what == "meter":
                    continue  # the same meter reading
                base = float(np.mean([r[f"{arm_name}_{what}"] for r in sel]))
                rows.append(row(f"{metric}, {label} (n={len(sel)})", ours, "share", command, base_name, base))
    upbeats = [r for r in held if r["upbeat"]]
    downbeats = [r for r in held if not r["upbeat"]]
    for label, sel in [g for g in groups if g[0] in (tag, "development")]:
        for arm_name in ("old", "previous", "kept", "partita"):
            counts = {
                m: f"{sum(r[f'{arm_name}_meter'] for r in sel if r['meter'] == m)}"
                f"/{sum(r['meter'] == m for r in sel)}"
                for m in ("3/4", "4/4")
            }
            print(
                f"{label} {arm_name}: 3/4 read right {counts['3/4']}, 4/4 kept right {counts['4/4']}, "
                f"bars right {sum(r[f'{arm_name}_both'] for r in sel)}/{len(sel)}"
            )
    for arm_name in ("partita", "previous", "kept", "before", "old"):
        padded = [r for r in upbeats if r[f"{arm_name}_padded"]]
        print(
            f"{tag} {arm_name}: upbeats padded {len(padded)} of {len(upbeats)}, "
            f"{sum(r[f'{arm_name}_both'] for r in padded)} rightly (meter and bar line); "
            f"downbeat starts padded {sum(r[f'{arm_name}_padded'] for r in downbeats)} of {len(downbeats)}"
        )
    for arm_name, base_name in (("before", BEFORE), ("old", OLD), ("previous", PREVIOUS), ("kept", KEPT)):
        if upbeats:
            rows.append(
                row(
                    f"upbeats read right (meter and bar line), {tag} with an upbeat (n={len(upbeats)})",
                    float(np.mean([r["partita_both"] and r["partita_padded"] for r in upbeats])),
                    "share",
                    command,
                    base_name,
                    float(np.mean([r[f"{arm_name}_both"] and r[f"{arm_name}_padded"] for r in upbeats])),
                )
            )
        if downbeats:
            rows.append(
                row(
                    f"downbeat starts wrongly padded, {tag} (n={len(downbeats)})",
                    float(np.mean([r["partita_padded"] for r in downbeats])),
                    "share",
                    command,
                    base_name,
                    float(np.mean([r[f"{arm_name}_padded"] for r in downbeats])),
                    higher_is_better=False,
                )
            )
    for label, sel in [g for g in groups if g[0] in (tag, "development")]:
        counts = {k: sum(r["notes"][k] for r in sel) for k in ("repeats", "repeats_raw", "repeats_line")}
        f1 = float(np.mean([r["notes"]["f1"] for r in sel]))
        kept = sum(r["notes_kept"]["repeats_line"] for r in sel)
        f1_kept = float(np.mean([r["notes_kept"]["f1"] for r in sel]))
        print(f"{label}, {KEPT}: in the line {kept}; line note F1 {f1_kept:.3f}")
        print(
            f"{label}: legato repeated notes {counts['repeats']}, with an onset within 50 ms in "
            f"basic-pitch's notes {counts['repeats_raw']}, in the line {counts['repeats_line']}; "
            f"line note F1 {f1:.3f}"
        )
        rows.append(
            row(f"line note F1 (onset 50 ms), {label} (n={len(sel)})", f1, "F1", command, KEPT, f1_kept)
        )
        rows.append(
            row(
                f"legato repeated notes with an onset in the line, {label} (of {counts['repeats']})",
                counts["repeats_line"],
                "notes",
                command,
                KEPT,
                kept,
            )
        )
    from sklearn.metrics import roc_auc_score

    peak_summary = {}
    for label, sel in [g for g in groups if g[0] in (tag, "development")]:
        peaks = np.array([p for r in sel for p in r["onset_peaks"]]).reshape(-1, 3)
        hit = peaks[:, 2] > 0
        if hit.any() and (~hit).any():
            big = (peaks[:, 0] >= 0.3) & (peaks[:, 1] >= 0.15)
            peak_summary[label] = {
                "peaks": len(peaks),
                "at a repeated onset": int(hit.sum()),
                "ROC AUC, height": round(float(roc_auc_score(hit, peaks[:, 0])), 3),
                "ROC AUC, prominence": round(float(roc_auc_score(hit, peaks[:, 1])), 3),
                "0.3 high and 0.15 prominent, at a repeat": int((big & hit).sum()),
                "0.3 high and 0.15 prominent, inside held notes": int((big & ~hit).sum()),
            }
            print(f"{label}: onset-activation peaks inside the line's notes: {peak_summary[label]}")
    for r in recs:
        r.pop("onset_peaks")
    cues = {}
    for key in ("clean", "transcribed"):
        for cue in recs[0]["cues"][key] if recs else ():
            for label, sel in ((f"{tag} with an upbeat", upbeats), (f"{tag} from the downbeat", downbeats)):
                if sel:
                    cues[f"{cue}, {key}, {label}"] = f"{sum(r['cues'][key][cue] for r in sel)}/{len(sel)}"
    for k, v in cues.items():
        print(f"first bar line right by {k}: {v}")
    arm = "" if args.program == 73 else f"_program{args.program}"
    arm += "_valid" if args.split == "valid" else ""
    arm += f"_onset_noise{args.onset_noise:g}" if args.onset_noise is not None else ""
    path = write_result(
        f"transcribe_bars{arm}",
        "Bars of transcribed melodies: meter and upbeat read vs 4/4 from the first note"
        + (f" (GM program {args.program})" if args.program != 73 else "")
        + (" (validation split)" if args.split == "valid" else "")
        + (f" (quantised with onset noise {args.onset_noise:g} ms)" if args.onset_noise is not None else ""),
        rows,
        extra={"melodies": recs, "cues": cues, "onset_peaks": peak_summary},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
