"""Telling the instrument heard for ``partita transcribe --melody --instrument auto`` (issue 24).

The re-attack settings of a melody line depend on the instrument heard (``MelodyConfig.for_instrument``: a
hum, a voice, the piano, the flute); the default reads every take as a hum. ``--instrument auto`` asks the
shipped instrument recogniser (``partita.discovery.instruments_audio``, ten families) for its family
probabilities and maps them to one of the four (:func:`partita.audio.melody.instrument_from_families`, one
threshold: how much a voice must also sound like pipe, organ, strings or brass to be a hum). The material is
``bench/bench_reattack.py``'s: random legato tunes rendered with FluidSynth on the flute (GM 73), a voice
(GM 53) and the piano, 20 each, and 12 synthetic hums; seeds 0.. choose the threshold, seeds 1000.. are
held out. Reported held out, in the same run: the accuracy against the majority class, and each set's note
F1 (``mir_eval.transcription``, onsets within 50 ms) with the instrument guessed against the fixed default
(``hum``) and against the instrument known.

    nice -n 10 python bench/bench_instrument_auto.py --threads 1 --cache DIR [--tunes 20] [--hums 12]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reattack import PROGRAMS, hum_activations, hum_set, rendered_set, score_line  # noqa: E402
from common import row, write_result  # noqa: E402

SLOW = True  # renders and transcribes 144 melodies with basic-pitch

COMMAND = "nice -n 10 python bench/bench_instrument_auto.py --threads 1 --cache DIR"
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.3)
log = logging.getLogger("bench_instrument_auto")


def melodies(args, first: int, tmp: Path) -> list[dict]:
    """Every melody of one half: its set, reference, notes (with phase jumps), envelope and the recogniser's
    family probabilities."""
    import torch

    from partita.audio import TranscriptionConfig, audio_array
    from partita.audio.transcription import add_phase_attacks, decode_notes
    from partita.discovery.instruments_audio import InstrumentModel, instruments_in

    torch.set_num_threads(args.threads)
    model = InstrumentModel.from_pretrained()
    cfg = TranscriptionConfig(threads=args.threads)
    out = []
    for name, ref, repeat, samples, sr in hum_set(args.hums, first):
        acts, envelope = hum_activations(name, samples, sr, cfg, args.cache)
        clip = audio_array(samples, sr)
        notes = add_phase_attacks(clip.samples, decode_notes(acts, cfg), clip.sample_rate)
        probs = dict(instruments_in(clip.samples, clip.sample_rate, model))
        out.append({"set": "hum", "ref": ref, "repeat": repeat, "notes": notes, "env": envelope, "p": probs})
    for label, program in PROGRAMS.items():
        for _, ref, repeat, notes, envelope, samples in rendered_set(
            program, args.tunes, first, cfg, args.cache, tmp
        ):
            probs = dict(instruments_in(samples, 22050, model))
            out.append(
                {"set": label, "ref": ref, "repeat": repeat, "notes": notes, "env": envelope, "p": probs}
            )
    return out


def f1(m: dict, instrument: str) -> float:
    from partita.audio import MelodyConfig
    from partita.audio.melody import clean_notes

    line = clean_notes(m["notes"], MelodyConfig.for_instrument(instrument), m["env"])
    return score_line(m["ref"], m["repeat"], line)["f1"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunes", type=int, default=20, help="Rendered tunes per instrument and half.")
    ap.add_argument("--hums", type=int, default=12, help="Hums per half.")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=None, help="Keeps each melody's activations for a rerun.")
    ap.add_argument("--quick", action="store_true", help="4 tunes and 4 hums a half.")
    args = ap.parse_args()
    if args.quick:
        args.tunes, args.hums = 4, 4
    logging.basicConfig(level=logging.WARNING)
    from partita.audio.melody import instrument_from_families

    with tempfile.TemporaryDirectory() as tmp:
        valid = melodies(args, 0, Path(tmp))
        held = melodies(args, 1000, Path(tmp))

    def accuracy(ms: list[dict], threshold: float) -> float:
        return float(np.mean([instrument_from_families(m["p"], threshold) == m["set"] for m in ms]))

    best = max(THRESHOLDS, key=lambda t: (accuracy(valid, t), -abs(t - 0.15)))
    for t in THRESHOLDS:
        print(f"threshold {t:g}: valid accuracy {accuracy(valid, t):.3f}")
    guess = [instrument_from_families(m["p"], best) for m in held]
    acc = float(np.mean([g == m["set"] for g, m in zip(guess, held, strict=True)]))
    counts = Counter(m["set"] for m in held)
    majority = max(counts.values()) / len(held)
    confusion = Counter(f"{m['set']} -> {g}" for g, m in zip(guess, held, strict=True))
    print(f"held out: accuracy {acc:.3f} (majority class {majority:.3f}), threshold {best:g}")
    print("confusion:", dict(confusion))
    command = COMMAND + (f" --tunes {args.tunes}" if args.tunes != 20 else "")
    command += f" --hums {args.hums}" if args.hums != 12 else ""
    command += " --quick" if args.quick else ""
    rows = [
        row(
            f"instrument heard right, held out (n={len(held)}: hum, flute, voice, piano)",
            acc,
            "share",
            command,
            "the majority class",
            majority,
            notes=f"threshold {best:g} chosen on the validation sets; confusion {dict(confusion)}",
        )
    ]
    scores: dict[str, dict[str, list[float]]] = {}
    for g, m in zip(guess, held, strict=True):
        s = scores.setdefault(m["set"], {"hum": [], "auto": [], "known": []})
        s["hum"].append(f1(m, "hum"))
        s["auto"].append(f1(m, g) if g != "hum" else s["hum"][-1])
        s["known"].append(f1(m, m["set"]))
    every = {k: [v for s in scores.values() for v in s[k]] for k in ("hum", "auto", "known")}
    for label, s in [*scores.items(), ("all", every)]:
        n = len(s["hum"])
        fixed, auto, known = (float(np.mean(s[k])) for k in ("hum", "auto", "known"))
        print(
            f"{label} (n={n}): note F1 fixed hum {fixed:.3f}, auto {auto:.3f}, instrument known {known:.3f}"
        )
        rows.append(
            row(
                f"note F1 (onset 50 ms) with --instrument auto, {label}, held out (n={n})",
                auto,
                "F1",
                command,
                "--instrument hum (the default)",
                fixed,
                notes=f"the instrument known: {known:.3f}",
            )
        )
    path = write_result(
        "instrument_auto",
        "Telling the instrument for a transcribed melody's re-attack settings: --instrument auto vs hum",
        rows,
        quick=args.quick,
        extra={"threshold": best, "confusion": dict(confusion), "valid accuracy": accuracy(valid, best)},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
