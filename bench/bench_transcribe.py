"""Transcription and hummed themes (issue 24 items 1 and 2), each beside a baseline measured in the same run.

(a) Note-level F1 (``mir_eval.transcription.precision_recall_f1_overlap``, onset within 50 ms; and with
    offsets within 20% of the note or 50 ms) of ``partita.audio.transcribe`` on FluidSynth renders of held-out
    pieces (split ``test`` of the built corpus ``all``: folk tunes and part music, the first 15 s of each),
    every track re-assigned to one instrument family's General MIDI program. Peers: basic-pitch's own note
    decoding (``join_onset=0``: its splits of held notes kept) and a pYIN transcriber (``librosa.pyin``
    frames, rounded to semitones, runs of one pitch as notes), which can only ever find one line.
(b) Hummed melodies: synthetic voice-like hums (``partita.audio.synth``: formants, vibrato, glides, breath,
    drifting tempo) of known tunes; ``mir_eval.melody`` raw pitch and overall accuracy of the cleaned line
    (``read_hummed_melody``'s line) against the raw basic-pitch notes and the pYIN f0 track; and the share
    of hums whose cleaned, quantised theme has exactly the tune's pitches, and its rhythm.
(c) Seconds of CPU wall time to transcribe a minute of audio (2 threads), against pYIN.

    python bench/bench_transcribe.py [--pieces 6] [--seconds 15] [--families piano,strings] [--threads 2]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import mir_eval
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_transcribe")
COMMAND = "nice python bench/bench_transcribe.py --threads 2"
FAMILIES = {
    "piano": 0,
    "strings": 48,  # string ensemble (violin alone: 40)
    "winds": 73,  # flute
    "brass": 56,  # trumpet
    "plucked": 24,  # nylon guitar
    "organ": 19,  # church organ
    "choir": 52,  # choir aahs
}
TUNES = {
    "ode": [
        (64, 1),
        (64, 1),
        (65, 1),
        (67, 1),
        (67, 1),
        (65, 1),
        (64, 1),
        (62, 1),
        (60, 1),
        (60, 1),
        (62, 1),
        (64, 1),
        (64, 1.5),
        (62, 0.5),
        (62, 2),
    ],
    "air": [(67, 1), (64, 0.5), (65, 0.5), (67, 1), (72, 1), (71, 1), (69, 1), (67, 2)],
    "jig": [
        (67, 0.5),
        (69, 0.5),
        (71, 0.5),
        (72, 0.5),
        (71, 0.5),
        (69, 0.5),
        (67, 1.0),
        (62, 0.5),
        (67, 1.5),
        (66, 0.5),
        (64, 0.5),
        (62, 0.5),
        (64, 1.0),
        (66, 0.5),
        (67, 1.5),
    ],
    "minor": [
        (57, 1),
        (60, 1),
        (64, 1.5),
        (62, 0.5),
        (60, 1),
        (59, 1),
        (57, 2),
        (64, 1),
        (65, 0.5),
        (64, 0.5),
        (62, 1),
        (59, 1),
        (57, 2),
    ],
}
HUM_STYLES = [("mm", 84, 0), ("oo", 100, 1), ("ah", 120, 2), ("oo", 72, 3), ("mm", 108, 4), ("ah", 92, 5)]


def pyin_notes(samples: np.ndarray, sr: int) -> tuple[list, np.ndarray, np.ndarray, float]:
    """The pYIN baseline: (notes as (start, end, midi), frame times, f0 Hz with 0 unvoiced, seconds)."""
    import librosa

    t0 = time.perf_counter()
    f0, voiced, _ = librosa.pyin(samples, fmin=60.0, fmax=1100.0, sr=sr, frame_length=2048, hop_length=256)
    elapsed = time.perf_counter() - t0
    times = librosa.times_like(f0, sr=sr, hop_length=256)
    f0 = np.where(voiced & np.isfinite(f0), f0, 0.0)
    midi = np.where(f0 > 0, np.round(librosa.hz_to_midi(np.maximum(f0, 1e-3))), 0).astype(int)
    notes, i = [], 0
    while i < midi.size:
        j = i
        while j < midi.size and midi[j] == midi[i]:
            j += 1
        if midi[i] > 0 and times[min(j, midi.size - 1)] - times[i] >= 0.06:
            notes.append((float(times[i]), float(times[min(j, midi.size - 1)]), int(midi[i])))
        i = j
    return notes, times, f0, elapsed


def note_f1(ref: list, est: list) -> tuple[float, float]:
    """(onset-only F1, onset-and-offset F1) of (start, end, midi) notes."""
    if not ref:
        return float("nan"), float("nan")
    hz = lambda ns: np.array([440.0 * 2 ** ((p - 69) / 12) for _, _, p in ns])  # noqa: E731
    iv = lambda ns: np.array([[a, max(b, a + 1e-3)] for a, b, _ in ns]).reshape(-1, 2)  # noqa: E731
    if not est:
        return 0.0, 0.0
    on = mir_eval.transcription.precision_recall_f1_overlap(
        iv(ref), hz(ref), iv(est), hz(est), offset_ratio=None
    )
    off = mir_eval.transcription.precision_recall_f1_overlap(
        iv(ref), hz(ref), iv(est), hz(est), offset_ratio=0.2
    )
    return float(on[2]), float(off[2])


def held_out_pieces(n: int, seconds: float, seed: int) -> list[tuple[str, object, str]]:
    """``n`` held-out pieces cut to ``seconds``: half one-line tunes, half part music (id, score, texture)."""
    from partita.corpus import load_corpus

    corpus = load_corpus("all", split="test")
    rng = np.random.default_rng(seed)
    records = corpus.records()
    mono = [r for r in records if r["n_tracks"] == 1 and r["collection"] != "pop909"]
    poly = [
        r for r in records if r["n_tracks"] >= 3 and r["collection"] in ("bach", "jsb/test", "palestrina")
    ]
    out = []
    for pool, texture, k in ((mono, "one line", n - n // 2), (poly, "part music", n // 2)):
        for i in rng.permutation(len(pool))[:k].tolist():
            score = corpus.read_piece(pool[i]["piece_id"])
            cut = score.to("second").clip(0, seconds, True).to("tick")
            for t in list(cut.tracks):
                if t.is_drum:
                    cut.tracks.remove(t)
            if cut.note_num():
                out.append((pool[i]["piece_id"], cut, texture))
    return out


def reference(score) -> list:
    sec = score.to("second")
    return [(float(n.time), float(n.time + n.duration), int(n.pitch)) for t in sec.tracks for n in t.notes]


def run_renders(args) -> tuple[list[dict], dict]:
    from partita.audio import TranscriptionConfig, read_audio, transcribe_audio
    from partita.render import write_wav

    pieces = held_out_pieces(args.pieces, args.seconds, args.seed)
    families = args.families.split(",") if args.families else list(FAMILIES)
    cfg = TranscriptionConfig(threads=args.threads)
    raw_cfg = TranscriptionConfig(threads=args.threads, join_onset=0.0)
    recs, timing = [], {"audio_s": 0.0, "bp_s": 0.0, "pyin_s": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for family in families:
            for pid, score, texture in pieces:
                s = score.copy()
                for t in s.tracks:
                    t.program = FAMILIES[family]
                wav = write_wav(s, Path(tmp) / f"{family}-{pid}.wav")
                clip = read_audio(wav)
                ref = reference(s)
                tr = transcribe_audio(clip, cfg)
                raw = transcribe_audio(clip, raw_cfg)
                py, _, _, py_s = pyin_notes(clip.samples, clip.sample_rate)
                rec = {"family": family, "piece": pid, "texture": texture, "notes": len(ref)}
                for name, notes in (
                    ("partita", [(n.start, n.end, n.pitch) for n in tr.notes]),
                    ("basic_pitch_raw", [(n.start, n.end, n.pitch) for n in raw.notes]),
                    ("pyin", py),
                ):
                    rec[f"{name}_onset_f1"], rec[f"{name}_offset_f1"] = note_f1(ref, notes)
                timing["audio_s"] += clip.seconds
                timing["bp_s"] += tr.elapsed
                timing["pyin_s"] += py_s
                recs.append(rec)
                log.info(
                    "%s %s (%s): F1 %.2f (raw %.2f, pyin %.2f)",
                    family,
                    pid,
                    texture,
                    rec["partita_onset_f1"],
                    rec["basic_pitch_raw_onset_f1"],
                    rec["pyin_onset_f1"],
                )
    return recs, timing


def run_hums(args) -> list[dict]:
    from partita.audio import TranscriptionConfig, melody_from_notes, transcribe_audio
    from partita.audio.synth import HumStyle, f0_track, synthesize_hum

    out = []
    for name, tune in TUNES.items():
        for vowel, tempo, seed in HUM_STYLES:
            hum = synthesize_hum(tune, HumStyle(seed=seed, vowel=vowel, tempo=tempo))
            tr = transcribe_audio(hum.samples, TranscriptionConfig(threads=args.threads), hum.sample_rate)
            score, line = melody_from_notes(tr.notes, envelope=tr.envelope)
            _, py_times, py_f0, _ = pyin_notes(hum.samples, hum.sample_rate)
            est = {
                "clean": f0_track([(n.start, n.end, n.pitch) for n in line], hum.f0_times),
                "raw": f0_track([(n.start, n.end, n.pitch) for n in tr.notes], hum.f0_times),
                "pyin": np.interp(hum.f0_times, py_times, py_f0)
                * (np.interp(hum.f0_times, py_times, py_f0 > 0) > 0.5),
            }
            rec = {"tune": name, "vowel": vowel, "tempo": tempo, "seed": seed}
            for k, f0 in est.items():
                m = mir_eval.melody.evaluate(hum.f0_times, hum.f0_hz, hum.f0_times, f0)
                rec[f"{k}_rpa"], rec[f"{k}_oa"] = float(m["Raw Pitch Accuracy"]), float(m["Overall Accuracy"])
            notes = score.tracks[0].notes
            rec["pitches_exact"] = float([n.pitch for n in notes] == [p for p, _ in tune])
            lengths = [n.duration / notes[0].duration * tune[0][1] for n in notes] if len(notes) else []
            rec["rhythm_exact"] = float(lengths == [d for _, d in tune])
            rec["raw_note_count_error"] = abs(len(tr.notes) - len(tune))
            out.append(rec)
            log.info(
                "hum %s %s %d: clean OA %.2f raw %.2f pyin %.2f, pitches %s rhythm %s",
                name,
                vowel,
                tempo,
                rec["clean_oa"],
                rec["raw_oa"],
                rec["pyin_oa"],
                rec["pitches_exact"],
                rec["rhythm_exact"],
            )
    return out


def mean(recs: list[dict], key: str, **where) -> float:
    vals = [r[key] for r in recs if all(r[k] == v for k, v in where.items()) and np.isfinite(r[key])]
    return float(np.mean(vals)) if vals else float("nan")


def rows_for(renders: list[dict], hums: list[dict], timing: dict) -> list[dict]:
    rows = []
    n_pieces = len({r["piece"] for r in renders})
    note = f"{n_pieces} held-out pieces (test split of corpus all), first 15 s, FluidSynth FluidR3_GM"
    for family in dict.fromkeys(r["family"] for r in renders):
        rows.append(
            row(
                f"transcription: note F1 (onset), {family} (GM {FAMILIES[family]})",
                mean(renders, "partita_onset_f1", family=family),
                "F1",
                COMMAND,
                "pyin",
                mean(renders, "pyin_onset_f1", family=family),
                notes=note if not rows else "",
            )
        )
    for texture in ("one line", "part music"):
        rows.append(
            row(
                f"transcription: note F1 (onset), all families, {texture}",
                mean(renders, "partita_onset_f1", texture=texture),
                "F1",
                COMMAND,
                "pyin",
                mean(renders, "pyin_onset_f1", texture=texture),
            )
        )
    rows.append(
        row(
            "transcription: note F1 (onset), all",
            mean(renders, "partita_onset_f1"),
            "F1",
            COMMAND,
            "basic-pitch raw decoding",
            mean(renders, "basic_pitch_raw_onset_f1"),
            notes="partita joins basic-pitch's weak-onset splits of held notes (join_onset 0.7)",
        )
    )
    rows.append(
        row(
            "transcription: note F1 (onset and offset), all",
            mean(renders, "partita_offset_f1"),
            "F1",
            COMMAND,
            "pyin",
            mean(renders, "pyin_offset_f1"),
        )
    )
    hum_note = f"{len(hums)} synthetic hums: {len(TUNES)} tunes x {len(HUM_STYLES)} voices (vowel, tempo)"
    rows.append(
        row(
            "hum: melody overall accuracy (mir_eval.melody), cleaned line",
            mean(hums, "clean_oa"),
            "share",
            COMMAND,
            "pyin f0",
            mean(hums, "pyin_oa"),
            notes=hum_note,
        )
    )
    rows.append(
        row(
            "hum: melody overall accuracy, cleaned line vs raw basic-pitch notes",
            mean(hums, "clean_oa"),
            "share",
            COMMAND,
            "raw basic-pitch",
            mean(hums, "raw_oa"),
        )
    )
    rows.append(
        row(
            "hum: raw pitch accuracy, cleaned line",
            mean(hums, "clean_rpa"),
            "share",
            COMMAND,
            "pyin f0",
            mean(hums, "pyin_rpa"),
        )
    )
    rows.append(
        row(
            "hum: themes with exactly the tune's pitches",
            mean(hums, "pitches_exact"),
            "share",
            COMMAND,
            notes="after cleaning and quantising; no baseline quantises",
        )
    )
    rows.append(
        row(
            "hum: themes with exactly the tune's rhythm (up to tempo doubling)",
            mean(hums, "rhythm_exact"),
            "share",
            COMMAND,
        )
    )
    minutes = timing["audio_s"] / 60
    rows.append(
        row(
            "transcription: seconds per minute of audio (2 threads)",
            timing["bp_s"] / minutes,
            "s",
            COMMAND,
            "pyin",
            timing["pyin_s"] / minutes,
            higher_is_better=False,
            notes=f"{minutes:.1f} minutes of audio; includes reading and tempo estimation",
        )
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=int, default=6, help="held-out pieces (half one line, half part music)")
    ap.add_argument("--seconds", type=float, default=15.0, help="seconds of each piece rendered")
    ap.add_argument("--families", default=None, help=f"comma-separated, of {', '.join(FAMILIES)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="transcribe")
    ap.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    hums = run_hums(args)
    renders, timing = run_renders(args)
    rows = rows_for(renders, hums, timing)
    by_family = {
        f: {k: mean(renders, f"{k}_onset_f1", family=f) for k in ("partita", "basic_pitch_raw", "pyin")}
        for f in dict.fromkeys(r["family"] for r in renders)
    }
    path = write_result(
        args.name,
        "Transcription (basic-pitch ONNX) and hummed themes, against pYIN",
        rows,
        extra={
            "by_family": by_family,
            "renders": renders,
            "hums": hums,
            "timing": timing,
            "seconds": time.perf_counter() - t0,
        },
    )
    print(path)


if __name__ == "__main__":
    main()
