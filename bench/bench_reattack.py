"""Legato repeated notes in a transcribed melody (issue 24): the note activation's dip as a re-attack cue.

basic-pitch hears the same pitch sung or played again without a gap as one held note (on the flute, 0 of 211
held-out legato repeats have an onset of their own), and its onset activation does not tell a re-attack from
vibrato (ROC AUC 0.55, docs/AUDIO.md "Legato repeated notes"). This bench tries the note (frame) activation's
dip inside a line note (:attr:`partita.audio.transcription.NoteEvent.dips`, split by
``MelodyConfig.reattack_dip``) against the shipped reading (``MelodyConfig()``), in the same run, on:

* ``flute``, ``voice`` and ``piano`` (GM 73, 53 Voice Oohs, 0): random tunes of 24 notes (steps and small
  leaps on a major scale, about one note in four a repeat, 80-112 quarters a minute) played legato (each
  note held to the next onset) and rendered with FluidSynth; seeds 0.. choose, seeds 1000.. are held out.
  (Made here, so the bench needs no corpus; the corpus melodies of ``bench/bench_transcribe_bars.py`` have
  fewer repeats.)
* ``hum``: synthetic voice-like hums (``partita.audio.synth``: vibrato, glides, breath, tempo drift) of random
  tunes with repeated notes, sung with no gap (``legato`` 1.0) or a short one (0.92); seeds 0.. choose,
  seeds 1000.. are held out. (The synthesiser fades every note in and out, so its repeats dip in loudness.)

Counted per set: the legato repeated notes (a written note of the pitch before, starting where it ends; for
the hums any repeated note) with a line onset of their pitch within 50 ms ("kept"); the false splits of held
notes (a line note touching one of its own pitch before it, within 40 ms, with no written onset of its pitch
within 100 ms: a repeat found late is not a false split, though it is not kept); the line's note F1
(``mir_eval.transcription``, onsets within 50 ms, offsets ignored); and the ROC AUC of the dip's depth (and of
the onset activation beside it) for telling a written repeat (30 ms before to 100 ms after the dip) from the
rest, over the shipped line's dips, and of the loudness's (RMS envelope) dip at the same places, and of the
partials' phase jumps (:attr:`partita.audio.transcription.NoteEvent.attacks`, a written onset of the pitch
30 ms before to 80 ms after). Arms: the shipped line, ``reattack_onset`` 0.7, the dip cue over a grid (depth,
onset beside, shift) and the phase-jump cue over a grid (``reattack_phase``, its shift). Chosen on the
validation sets (the best mean note F1, with no more false splits added than repeats mended, and better than
the shipped line): one setting for every timbre (would it do as the default, for hums?) and one per
instrument (``MelodyConfig.for_instrument``), reported held out.

    nice -n 10 python bench/bench_reattack.py --threads 1 --cache DIR [--tunes 20] [--hums 20]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

SLOW = True  # renders and transcribes 120 melodies with basic-pitch

COMMAND = "nice -n 10 python bench/bench_reattack.py --threads 1 --cache DIR"
log = logging.getLogger("bench_reattack")
PROGRAMS = {"flute": 73, "voice": 53, "piano": 0}
DEPTHS = (0.7, 0.8, 0.85, 0.9, 0.95)
ONSETS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
SHIFTS = (0.0, 30.0, 60.0)
PHASES = (2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.5)
PHASE_SHIFTS = (0.0, -15.0, -30.0)
SHIPPED = "the shipped line (MelodyConfig(): no dip cue)"


def random_tune(rng: np.random.Generator, n: int = 16) -> list[tuple[int, float]]:
    """A tune of ``n`` notes on a major scale, steps and small leaps, about one note in four a repeat."""
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 14, 16]
    root = int(rng.integers(55, 63))
    deg, out = int(rng.integers(0, 5)), []
    for _ in range(n):
        if out and rng.random() < 0.28:
            pitch = out[-1][0]
        else:
            deg = int(np.clip(deg + rng.choice([-2, -1, -1, 1, 1, 2, 3]), 0, len(scale) - 1))
            pitch = root + scale[deg]
        out.append((pitch, float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))))
    return out


def hum_set(count: int, first_seed: int):
    """(name, reference notes (start, end, pitch) in seconds, repeat flags, samples, sample rate)."""
    from partita.audio.synth import HumStyle, synthesize_hum

    for seed in range(first_seed, first_seed + count):
        rng = np.random.default_rng(seed)
        tune = random_tune(rng)
        style = HumStyle(
            seed=seed,
            vowel=("mm", "oo", "ah")[seed % 3],
            tempo=float(rng.choice([72, 84, 96, 108])),
            legato=(1.0, 0.92)[seed % 2],
        )
        hum = synthesize_hum(tune, style)
        ref = [(a, b, p) for a, b, p in hum.notes]
        repeat = [i > 0 and ref[i][2] == ref[i - 1][2] for i in range(len(ref))]
        yield f"hum-{seed}", ref, repeat, hum.samples, hum.sample_rate


def hum_activations(name: str, samples, sr: int, cfg, cache: Path | None):
    """(the model's activations, the loudness envelope) of a hum, from ``cache`` where it has them."""
    from partita.audio import audio_array
    from partita.audio.transcription import rms_envelope, run_model

    path = cache / f"{name}.acts.npz" if cache else None
    if path is not None and path.exists():
        z = np.load(path)
        return {k: z[k].astype(np.float32) for k in ("note", "onset", "contour")}, z["envelope"]
    clip = audio_array(samples, sr)
    acts = run_model(clip.samples, cfg)
    envelope = rms_envelope(clip.samples, clip.sample_rate)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, envelope=envelope, **{k: v.astype(np.float16) for k, v in acts.items()})
    return acts, envelope


def rendered_set(program: int, count: int, first_seed: int, cfg, cache: Path | None, tmp: Path):
    """(name, reference notes (start, end, pitch) in seconds, legato repeat flags, decoded notes (with their
    phase jumps), envelope, samples at 22,050 Hz) of random tunes played legato (each note held to the next
    onset, so a repeat starts where the note before it ends) with ``program``, rendered with FluidSynth."""
    import symusic

    from partita.audio import read_audio
    from partita.audio.transcription import add_phase_attacks, decode_notes, rms_envelope, run_model
    from partita.render import write_wav

    for seed in range(first_seed, first_seed + count):
        rng = np.random.default_rng(seed)
        tune = random_tune(rng, 24)
        tempo = float(rng.choice([80, 92, 100, 112]))
        beat = 60.0 / tempo
        ref, t = [], beat
        for pitch, dur in tune:
            ref.append((t, t + dur * beat, pitch))
            t += dur * beat
        repeat = [i > 0 and ref[i][2] == ref[i - 1][2] for i in range(len(ref))]
        name = f"tune-{seed}-p{program}"
        path = cache / f"{name}.acts.npz" if cache else None
        s = symusic.Score(480)
        s.tempos.append(symusic.Tempo(0, tempo))
        track = symusic.Track("melody", program, False)
        for a, b, p in ref:
            start = int(round(a / beat * 480))
            track.notes.append(symusic.Note(start, int(round((b - a) / beat * 480)), int(p), 90))
        s.tracks.append(track)
        clip = read_audio(write_wav(s, tmp / f"{name}.wav"))
        if path is not None and path.exists():
            z = np.load(path)
            acts = {k: z[k].astype(np.float32) for k in ("note", "onset", "contour")}
            envelope = z["envelope"]
        else:
            acts = run_model(clip.samples, cfg)
            envelope = rms_envelope(clip.samples, clip.sample_rate)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(
                    path, envelope=envelope, **{k: v.astype(np.float16) for k, v in acts.items()}
                )
        notes = add_phase_attacks(clip.samples, decode_notes(acts, cfg), clip.sample_rate)
        yield name, ref, repeat, notes, envelope, clip.samples


def score_line(ref, repeat, line) -> dict:
    """Repeats kept, false splits of held notes and note F1 of a line against the reference notes."""
    import mir_eval

    onsets = [(a, p) for a, _, p in ref]
    kept = sum(
        any(n.pitch == ref[i][2] and abs(n.start - ref[i][0]) <= 0.05 for n in line)
        for i in range(len(ref))
        if repeat[i]
    )
    false = 0
    for prev, n in zip(line, line[1:], strict=False):
        if prev.pitch == n.pitch and n.start - prev.end <= 0.04:
            false += not any(p == n.pitch and abs(a - n.start) <= 0.1 for a, p in onsets)

    def hz(p):
        return 440.0 * 2 ** ((np.asarray(p, dtype=float) - 69) / 12)

    r = np.array([[a, b] for a, b, _ in ref]).reshape(-1, 2)
    est = np.array([[n.start, max(n.end, n.start + 0.01)] for n in line]).reshape(-1, 2)
    _, _, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        r, hz([p for *_, p in ref]), est, hz([n.pitch for n in line]), onset_tolerance=0.05, offset_ratio=None
    )
    return {"repeats": int(sum(repeat)), "kept": int(kept), "false": int(false), "f1": float(f)}


def loudness_dip(envelope: np.ndarray, t: float) -> float:
    """The RMS envelope's lowest value within 50 ms of ``t`` over the lower of its peaks within 150 ms
    before and after: the loudness's dip, measured as the note activation's is."""
    from partita.audio.transcription import ENVELOPE_RATE

    i = int(round(t * ENVELOPE_RATE))
    low = envelope[max(0, i - 5) : i + 6]
    before, after = envelope[max(0, i - 15) : max(1, i)], envelope[i + 1 : i + 16]
    if not low.size or not before.size or not after.size:
        return 1.0
    return float(low.min()) / max(min(float(before.max()), float(after.max())), 1e-9)


def dip_labels(ref, line, envelope) -> list[tuple[float, float, float, bool]]:
    """(depth, onset activation beside, the loudness's dip there, whether a written onset of the note's pitch
    falls 30 ms before to 100 ms after the dip) for every dip inside the shipped line's notes."""
    out = []
    for n in line:
        for t, ratio, onset in n.dips:
            if n.start + 0.09 <= t <= n.end - 0.09:
                hit = any(p == n.pitch and -0.1 <= a - t <= 0.03 for a, _, p in ref)
                out.append((ratio, onset, loudness_dip(envelope, t), hit))
    return out


def arms():
    """The settings tried: (name, MelodyConfig changes)."""
    yield "shipped", {}
    yield "struck (reattack_onset 0.7)", {"reattack_onset": 0.7}
    for depth, onset, shift in itertools.product(DEPTHS, ONSETS, SHIFTS):
        name = f"dip<{depth:g} onset>={onset:g} shift {shift:g} ms"
        yield name, {"reattack_dip": depth, "reattack_dip_onset": onset, "reattack_shift_ms": shift}
    for phase, shift in itertools.product(PHASES, PHASE_SHIFTS):
        name = f"phase jump>={phase:g} shift {shift:g} ms"
        yield name, {"reattack_phase": phase, "reattack_phase_shift_ms": shift}


def evaluate(melodies: list[dict]) -> dict[str, dict]:
    """Each arm's totals over ``melodies``: repeats, kept, false splits, mean note F1."""
    from partita.audio import MelodyConfig
    from partita.audio.melody import clean_notes

    out = {}
    for name, changes in arms():
        cfg = replace(MelodyConfig(), **changes)
        scores = [
            score_line(m["ref"], m["repeat"], clean_notes(m["notes"], cfg, m["envelope"])) for m in melodies
        ]
        out[name] = {
            "repeats": sum(s["repeats"] for s in scores),
            "kept": sum(s["kept"] for s in scores),
            "false": sum(s["false"] for s in scores),
            "f1": float(np.mean([s["f1"] for s in scores])) if scores else 0.0,
        }
    return out


def auc(melodies: list[dict]) -> dict:
    from sklearn.metrics import roc_auc_score

    from partita.audio import MelodyConfig
    from partita.audio.melody import clean_notes

    dips = np.array(
        [
            d
            for m in melodies
            for d in dip_labels(
                m["ref"], clean_notes(m["notes"], MelodyConfig(), m["envelope"]), m["envelope"]
            )
        ]
    ).reshape(-1, 4)
    hit = dips[:, 3] > 0
    jumps = np.array(
        [
            (r, any(p == n.pitch and -0.03 <= t - a <= 0.08 for a, _, p in m["ref"]))
            for m in melodies
            for n in clean_notes(m["notes"], MelodyConfig(), m["envelope"])
            for t, r in n.attacks
            if n.start + 0.09 <= t <= n.end - 0.09
        ]
    ).reshape(-1, 2)
    phase = {}
    if 0 < jumps[:, 1].sum() < len(jumps):
        phase = {
            "phase jumps": len(jumps),
            "phase jumps at a repeat": int(jumps[:, 1].sum()),
            "ROC AUC, phase jump": round(float(roc_auc_score(jumps[:, 1] > 0, jumps[:, 0])), 3),
        }
    if not hit.any() or hit.all():
        return {"dips": len(dips), "at a repeat": int(hit.sum()), **phase}
    return {
        **phase,
        "dips": len(dips),
        "at a repeat": int(hit.sum()),
        "ROC AUC, depth": round(float(roc_auc_score(hit, -dips[:, 0])), 3),
        "ROC AUC, onset beside": round(float(roc_auc_score(hit, dips[:, 1])), 3),
        "ROC AUC, loudness (RMS) dip there": round(float(roc_auc_score(hit, -dips[:, 2])), 3),
        "median depth at a repeat": round(float(np.median(dips[hit, 0])), 3),
        "median depth elsewhere": round(float(np.median(dips[~hit, 0])), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunes", type=int, default=20, help="Rendered tunes per instrument and set.")
    ap.add_argument("--hums", type=int, default=20, help="Hums per set (validation, held out).")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=None, help="Keeps each melody's activations for a rerun.")
    ap.add_argument("--sets", default="hum,flute,voice,piano", help="Which sets to run (comma-separated).")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from partita.audio import TranscriptionConfig, audio_array
    from partita.audio.transcription import add_phase_attacks, decode_notes

    cfg = TranscriptionConfig(threads=args.threads)
    wanted = args.sets.split(",")
    sets: dict[str, dict[str, list[dict]]] = {}
    if "hum" in wanted:
        for half, first in (("valid", 0), ("held-out", 1000)):
            for name, ref, repeat, samples, sr in hum_set(args.hums, first):
                acts, envelope = hum_activations(name, samples, sr, cfg, args.cache)
                clip = audio_array(samples, sr)
                notes = add_phase_attacks(clip.samples, decode_notes(acts, cfg), clip.sample_rate)
                m = {"name": name, "ref": ref, "repeat": repeat, "notes": notes, "envelope": envelope}
                sets.setdefault("hum", {}).setdefault(half, []).append(m)
            print(f"hum {half}: {len(sets['hum'][half])}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for label, program in PROGRAMS.items():
            if label not in wanted:
                continue
            for half, first in (("valid", 0), ("held-out", 1000)):
                for name, ref, repeat, notes, envelope, _ in rendered_set(
                    program, args.tunes, first, cfg, args.cache, Path(tmp)
                ):
                    m = {"name": name, "ref": ref, "repeat": repeat, "notes": notes, "envelope": envelope}
                    sets.setdefault(label, {}).setdefault(half, []).append(m)
                print(f"{label} {half}: {len(sets[label][half])}", flush=True)
    results = {label: {half: evaluate(ms) for half, ms in halves.items()} for label, halves in sets.items()}
    aucs = {f"{label} {half}": auc(ms) for label, halves in sets.items() for half, ms in halves.items()}
    for k, v in aucs.items():
        print(f"dips inside the shipped line's notes, {k}: {v}")
    names = [n for n, _ in arms()]

    def pick(name: str, valid: list[dict]) -> float:
        """Mean validation note F1 of an arm; -1 where it adds more false splits than it mends repeats."""
        mended = sum(v[name]["kept"] - v["shipped"]["kept"] for v in valid)
        added = sum(v[name]["false"] - v["shipped"]["false"] for v in valid)
        return float(np.mean([v[name]["f1"] for v in valid])) if added <= mended else -1.0

    def choose(valid: list[dict]) -> str:
        best = max(names[1:], key=lambda n: pick(n, valid))
        return best if pick(best, valid) > pick("shipped", valid) else "shipped"

    one = choose([results[label]["valid"] for label in results])
    own = {label: choose([results[label]["valid"]]) for label in results}
    print(f"one setting for all, chosen on the validation sets: {one}")
    for label, name in own.items():
        print(f"{label}, chosen on its own validation set: {name}")
    command = COMMAND + (f" --tunes {args.tunes}" if args.tunes != 20 else "")
    command += f" --hums {args.hums}" if args.hums != 20 else ""
    command += f" --sets {args.sets}" if args.sets != "hum,flute,voice,piano" else ""
    rows = []
    for label, halves in results.items():
        for half, res in halves.items():
            n = len(sets[label][half])
            for arm, note in ((one, "one setting for all timbres"), (own[label], f"chosen on {label}'s own")):
                if note.startswith("chosen on") and (half != "held-out" or arm == one):
                    continue
                ours, base = res[arm], res["shipped"]
                note = f"{arm} ({note}, on the validation sets)"
                tag = f"{label}, {half} (n={n})" + ("" if arm == one else ", per instrument")
                rows.append(
                    row(
                        f"note F1 (onset 50 ms), {tag}",
                        ours["f1"],
                        "F1",
                        command,
                        SHIPPED,
                        base["f1"],
                        notes=note,
                    )
                )
                rows.append(
                    row(
                        f"legato repeats kept, {tag}, of {base['repeats']}",
                        ours["kept"],
                        "notes",
                        command,
                        SHIPPED,
                        base["kept"],
                        notes=note,
                    )
                )
                rows.append(
                    row(
                        f"false splits of held notes, {tag}",
                        ours["false"],
                        "notes",
                        command,
                        SHIPPED,
                        base["false"],
                        higher_is_better=False,
                        notes=note,
                    )
                )
                print(
                    f"{tag}, {arm}: kept {base['kept']} -> {ours['kept']} of {base['repeats']}, false splits "
                    f"{base['false']} -> {ours['false']}, note F1 {base['f1']:.3f} -> {ours['f1']:.3f}"
                )
    path = write_result(
        "reattack_dip",
        "Legato repeated notes: re-attack cues (the note activation's dip, the partials' phase jump) vs the "
        "shipped line",
        rows,
        extra={"one setting": one, "per instrument": own, "arms": results, "dips": aucs},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
