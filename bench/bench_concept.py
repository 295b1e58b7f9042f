"""Concepts from references (JEN-1 DreamStyler): a style learned from 1, 3 or 5 pieces against priming with
them and against the plain prompt.

Issue 27 item 3. The style: Monteverdi's madrigals from music21's corpus (books 3-5, MusicXML), the corpus
partita-small knows least (validation NLL 5.64 nats per note against 3.68 over all corpora: its card). The
pieces are shuffled with the seed; the first 5 that read and have 8 bars are the reference pool (sets of 1,
3 and 5 are its first k), the next ``--heldout`` are the **likeness target**: nothing learned or primed ever
sees them. Every piece is cut to its first 8 bars.

Arms, each ``--samples`` pieces of 8 bars (no Selector: sampling order):

- ``plain``: the base model and the prompt alone (the baseline measured in the same run);
- ``priming``: ``Generator.continuation_of`` a reference's first 2 bars, 6 bars more (the k references'
  openings in turn);
- ``concept``: ``partita concept learn`` (``token``: the new token alone; ``lora``: rank-4 LoRA on the
  attention projections; ``pivotal``: the last block's MLP and its layer norm), then the prompt with
  ``<monteverdi>``;
  a curve over k (1, 3, 5 references) and over training steps (snapshots of one run), and the strength knob.

Two prompts: the style's own context ("a madrigal for five voices") and a new one ("... in D major, 3/4",
which the references are not: Monteverdi wrote these in 4/4 or 2/2). Measured on bars 3-8 of every piece
(priming's first 2 bars are a reference's own, so they are left out everywhere): **likeness** to the held-out
madrigals, the Fréchet distance on :func:`partita.evaluation.realism.realism_features` and the realism
two-sample accuracy (0.5: indistinguishable; the held-out-vs-held-out floor beside them), both lower = more
alike; **adherence**, the mean of :func:`partita.evaluation.adherence.candidate_adherence` against the plain
prompt's request (the concept's prompt names the same things); the references' NLL per token under the model
with and without the concept, and seconds of training on ``--threads``; **copied**, the share of the
pieces' 6-pitch runs (one part, transposed) that also occur in a reference: memorizing, not style.

    python bench/bench_concept.py --threads 1 [--samples 12] [--heldout 20] [--steps 60] [--quick]
                                  [--model partita-small|debug|PATH] [--seed 0]

``--strengths 0,0.5,1,1.5`` measures the strength knob instead: likeness against adherence as a curve over
the strength the concept is applied at, for one LoRA concept learned from the 5 references (``--steps``
steps), with the plain prompt and priming with the 5 references measured in the same run
(``bench/results/concept-strength.json``). At strength 0 the concept is the base model itself, so that
point is the plain prompt's pieces again, seed for seed (a check of the knob's end):

    python bench/bench_concept.py --threads 1 --strengths 0,0.5,1,1.5 --steps 40
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_concept")
SLOW = True  # trains five concepts and generates about 700 bars (9-19 minutes): run only when named
COMMAND = "python bench/bench_concept.py --threads 1"
BARS, GIVEN = 8, 2
PROMPTS = {
    "own": "a madrigal for five voices",
    "new": "a madrigal for five voices in D major in 3/4",
}
NAME = "monteverdi"
CHOIR = 52  # General MIDI's Choir Aahs: what partita's prompt reads "a madrigal for five voices" as
GRAM = 6  # a run of this many pitches of one part, shared with a reference, counts as copied


def load_pieces(n: int, seed: int) -> list[tuple[str, object]]:
    """The first ``n`` Monteverdi madrigals (shuffled by ``seed``) that read and last 8 bars, cut to 8."""
    from music21 import corpus

    from partita.evaluation.realism import count_bars, crop_bars
    from partita.score import from_music21

    # "madrigal.3.1_old" is an older encoding of madrigal.3.1: left out, so no piece is in the data twice
    paths = sorted(p for p in corpus.getComposer("monteverdi") if p.suffix == ".mxl" and "_old" not in p.stem)
    random.Random(seed).shuffle(paths)
    out = []
    for path in paths:
        if len(out) >= n:
            break
        try:
            score = from_music21(corpus.parse(path))
        except Exception as e:  # a corpus file partita cannot read is left out, and said
            log.warning("%s: %s", path.name, e)
            continue
        if count_bars(score) >= BARS:
            piece = crop_bars(score, BARS)
            for track in piece.tracks:  # sung parts: music21 names no instrument, partita reads them as choir
                track.program = CHOIR
            out.append((path.stem, piece))
    return out


def tail(score):
    """Bars 3-8 of a piece, moved to time 0 (the time signature and tempo of its start kept)."""
    from symusic import Tempo, TimeSignature

    from partita.evaluation.realism import bar_ticks, crop_bars, meter_of

    score = crop_bars(score, BARS)
    start = GIVEN * bar_ticks(score)[0]
    num, den = meter_of(score)
    qpm = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    out = score.clip(start, BARS * bar_ticks(score)[0], clip_end=False).shift_time(-start)
    out.time_signatures.clear()
    out.time_signatures.append(TimeSignature(0, num, den))
    out.tempos.clear()
    out.tempos.append(Tempo(0, qpm))
    return out


def features(scores) -> list[dict]:
    from partita.evaluation.realism import realism_features

    return [realism_features(tail(s)) for s in scores if s.note_num()]


def likeness(generated: list[dict], heldout: list[dict]) -> dict:
    from partita.evaluation.realism import frechet_distance, two_sample_test

    if len(generated) < 2:
        return {"frechet": float("nan"), "two_sample": float("nan")}
    return {
        "frechet": frechet_distance(generated, heldout),
        "two_sample": two_sample_test(generated, heldout, folds=4)["accuracy"],
    }


def grams(score) -> set[tuple[int, ...]]:
    """Every run of :data:`GRAM` successive pitches in one part, transposed to start at 0."""
    out = set()
    for track in score.tracks:
        pitches = [n.pitch for n in sorted(track.notes, key=lambda n: (n.time, -n.pitch))]
        for i in range(len(pitches) - GRAM + 1):
            run = pitches[i : i + GRAM]
            out.add(tuple(p - run[0] for p in run))
    return out


def copied(scores, refs) -> float:
    """The share of the pieces' pitch runs (bars 3-8) that also occur in a reference: copying, not style."""
    known = set().union(*(grams(r) for _, r in refs))
    runs = [g for s in scores for g in grams(tail(s))]
    return float(np.mean([g in known for g in runs])) if runs else float("nan")


def adherence(request, scores) -> float:
    from partita.evaluation.adherence import candidate_adherence
    from partita.generation.candidates import adherence_mean

    values = [adherence_mean(candidate_adherence(request, s)) for s in scores]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else float("nan")


def sample_arm(generator, prompt: str, samples: int, seed: int) -> list:
    request = generator.request(prompt, bars=BARS)
    return [c.score for c in generator.generate(request, n=samples, seed=seed, selector=None)]


def priming_arm(generator, refs, prompt: str, samples: int, seed: int) -> list:
    """``samples`` continuations of the references' first 2 bars, 6 bars each, the references in turn."""
    from partita.evaluation.realism import crop_bars

    per = [samples // len(refs) + (i < samples % len(refs)) for i in range(len(refs))]
    out = []
    for (_, ref), n in zip(refs, per, strict=True):
        if n:
            request = generator.continuation_of(crop_bars(ref, GIVEN), prompt, bars=BARS - GIVEN)
            out += [c.score for c in generator.generate(request, n=n, seed=seed, selector=None)]
    return out


def measure(arm: str, scores_by_prompt: dict, requests: dict, heldout_f: list, refs, extra: dict) -> dict:
    out = {"arm": arm, **extra}
    for key, scores in scores_by_prompt.items():
        like = likeness(features(scores), heldout_f)
        out[key] = {**like, "adherence": adherence(requests[key], scores), "copied": copied(scores, refs)}
        out[key]["n"] = len(scores)
    log.info("%s: %s", arm, {k: v for k, v in out.items() if k in PROMPTS})
    return out


def run(args) -> dict:
    import torch

    from partita.evaluation.realism import real_floor
    from partita.pipelines import Generator
    from partita.training.concept import ConceptConfig, learn_concept

    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    pool = load_pieces(5 + args.heldout, args.seed)
    refs, heldout = pool[:5], pool[5:]
    log.info(
        "references %s; held out %s (%.0f s)",
        [n for n, _ in refs],
        [n for n, _ in heldout],
        time.perf_counter() - t0,
    )
    heldout_f = features([s for _, s in heldout])
    floor = real_floor(heldout_f, seed=args.seed, folds=3)
    base = Generator.from_pretrained(args.model)
    requests = {k: base.request(p, bars=BARS) for k, p in PROMPTS.items()}
    arms = []

    def gen_all(generator, suffix: str = "") -> dict:
        return {
            k: sample_arm(generator, p + suffix, args.samples, args.seed + i)
            for i, (k, p) in enumerate(PROMPTS.items())
        }

    arms.append(measure("plain", gen_all(base), requests, heldout_f, refs, {"k": 0}))
    if args.strengths:
        return strength_curve(args, base, refs, heldout, heldout_f, floor, requests, arms, gen_all, t0)
    for k in (1, 3, 5):
        scores = {key: priming_arm(base, refs[:k], p, args.samples, args.seed) for key, p in PROMPTS.items()}
        arms.append(measure(f"priming k={k}", scores, requests, heldout_f, refs[:k], {"k": k}))
    runs = [
        ("token", 3, (args.steps,)),
        ("lora", 3, (args.steps,)),
        ("pivotal", 3, (args.steps,)),
        ("lora", 1, (args.steps,)),
        ("lora", 5, tuple(sorted({args.steps // 3, args.steps, 3 * args.steps}))),
    ]
    if args.quick:
        runs = [("token", 3, (args.steps,)), ("lora", 3, (args.steps // 2, args.steps))]
    for method, k, steps in runs:
        config = ConceptConfig(
            name=NAME, method=method, steps=max(steps), seed=args.seed, batch=args.batch, window=args.window
        )
        learned = learn_concept(refs[:k], base.model, base.tokenizer, config, snapshots=steps)
        for s in steps:
            concept = learned.snapshots.get(s, learned) if s != max(steps) else learned
            c = concept.config
            info = {
                "k": k,
                "method": method,
                "steps": s,
                "train_seconds": c.train_seconds,
                "nll_plain": c.nll_plain,
                "nll_after": c.nll_after,
            }
            strengths = (1.0, 0.5) if (method, k, s) == ("lora", 5, args.steps) else (1.0,)
            for strength in strengths:
                generator = base.with_concept(concept, strength=strength)
                label = f"concept {method} k={k} steps={s}" + (
                    f" strength={strength}" if strength != 1 else ""
                )
                scores = gen_all(generator, f" in <{NAME}>")
                arms.append(
                    measure(label, scores, requests, heldout_f, refs[:k], {**info, "strength": strength})
                )
    return {
        "references": [n for n, _ in refs],
        "heldout": [n for n, _ in heldout],
        "floor": {"frechet": floor["frechet"], "two_sample": (floor["two_sample"] or {}).get("accuracy")},
        "arms": arms,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def strength_curve(args, base, refs, heldout, heldout_f, floor, requests, arms, gen_all, t0) -> dict:
    """The plain arm is measured; add priming with the 5 references and one LoRA concept of the 5 at each
    of ``args.strengths``."""
    from partita.training.concept import ConceptConfig, learn_concept

    scores = {key: priming_arm(base, refs, p, args.samples, args.seed) for key, p in PROMPTS.items()}
    arms.append(measure("priming k=5", scores, requests, heldout_f, refs, {"k": 5}))
    config = ConceptConfig(
        name=NAME, method="lora", steps=args.steps, seed=args.seed, batch=args.batch, window=args.window
    )
    concept = learn_concept(refs, base.model, base.tokenizer, config)
    c = concept.config
    info = {"k": 5, "method": "lora", "steps": args.steps, "train_seconds": c.train_seconds,
            "nll_plain": c.nll_plain, "nll_after": c.nll_after}  # fmt: skip
    for strength in args.strengths:
        generator = base.with_concept(concept, strength=strength)
        label = f"concept lora k=5 steps={args.steps} strength={strength:g}"
        arms.append(
            measure(
                label, gen_all(generator, f" in <{NAME}>"), requests, heldout_f, refs,
                {**info, "strength": strength},
            )
        )  # fmt: skip
    return {
        "references": [n for n, _ in refs],
        "heldout": [n for n, _ in heldout],
        "floor": {"frechet": floor["frechet"], "two_sample": (floor["two_sample"] or {}).get("accuracy")},
        "arms": arms,
        "strengths": list(args.strengths),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def strengths_arg(text: str) -> list[float]:
    """``--strengths``: comma-separated strengths from 0 to 2, e.g. 0,0.5,1,1.5."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give strengths like 0,0.5,1,1.5") from None
    if not values or not all(0.0 <= v <= 2.0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: strengths from 0 (the base model) to 2")
    return values


def command_of(args) -> str:
    """The command that reproduces this run."""
    cmd = COMMAND + (" --quick" if args.quick else "") + (f" --seed {args.seed}" if args.seed else "")
    if args.strengths:
        cmd += " --strengths " + ",".join(f"{v:g}" for v in args.strengths) + f" --steps {args.steps}"
    elif args.steps != 60:
        cmd += f" --steps {args.steps}"
    cmd += f" --samples {args.samples}" if args.samples != 12 else ""
    cmd += f" --heldout {args.heldout}" if args.heldout != 20 else ""
    return cmd


def rows_of(result: dict, args) -> list[dict]:
    arms = {a["arm"]: a for a in result["arms"]}
    cmd = command_of(args)
    floor = {k: "-" if v is None else f"{v:.2f}" for k, v in result["floor"].items()}
    note = (
        f"{args.samples} pieces of 8 bars an arm, bars 3-8 measured, against {len(result['heldout'])} "
        "held-out "
        f"Monteverdi madrigals (floor, held-out halves: Fréchet {floor['frechet']}, two-sample "
        f"{floor['two_sample']})"
    )
    rows = []
    for name, arm in arms.items():
        if name == "plain":
            continue
        for key in PROMPTS:
            # the strength curve's concept rows are read against priming with the same 5 references
            versus = "priming k=5" if args.strengths and name.startswith("concept") else "plain"
            m, p = arm[key], arms[versus][key]
            said = "priming with the 5 references" if versus != "plain" else "plain prompt"
            context = f"{key} context"
            rows.append(
                row(
                    f"concept: {name}, likeness Fréchet ({context})",
                    m["frechet"],
                    "distance",
                    cmd,
                    said,
                    p["frechet"],
                    higher_is_better=False,
                    notes=note,
                )
            )
            rows.append(
                row(
                    f"concept: {name}, likeness two-sample accuracy ({context})",
                    m["two_sample"],
                    "acc",
                    cmd,
                    said,
                    p["two_sample"],
                    higher_is_better=False,
                    notes=note,
                )
            )
            rows.append(
                row(
                    f"concept: {name}, adherence ({context})",
                    m["adherence"],
                    "mean",
                    cmd,
                    said,
                    p["adherence"],
                    notes=note,
                )
            )
            rows.append(
                row(
                    f"concept: {name}, pitch runs copied from its references ({context})",
                    m["copied"],
                    "share",
                    cmd,
                    said + (" (against all 5 references)" if versus == "plain" else ""),
                    p["copied"],
                    higher_is_better=False,
                    notes=f"runs of {GRAM} pitches of one part (transposed) also in a reference: copying",
                )
            )
        if "train_seconds" in arm and arm.get("strength", 1.0) == 1.0:
            rows.append(
                row(
                    f"concept: {name}, references' NLL per token",
                    arm["nll_after"],
                    "nats",
                    cmd,
                    "base model, no concept",
                    arm["nll_plain"],
                    higher_is_better=False,
                    notes=f"training {arm['train_seconds']:.0f} s on {args.threads or 'all'} thread(s); "
                    "the NLL is on the references themselves (training data), not held out",
                )
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=12, help="pieces per arm and prompt")
    ap.add_argument("--heldout", type=int, default=20, help="held-out madrigals (the likeness target)")
    ap.add_argument("--steps", type=int, default=60, help="training steps of the concepts")
    ap.add_argument("--batch", type=int, default=2, help="training windows per step")
    ap.add_argument("--window", type=int, default=192, help="music tokens per training window")
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="two concepts only (a smoke run)")
    ap.add_argument(
        "--strengths",
        type=strengths_arg,
        default=None,
        help="measure the strength knob: one LoRA concept of 5 references at each strength, e.g. 0,0.5,1,1.5",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("partita").setLevel(logging.WARNING)
    result = run(args)
    name = "concept" if args.model == "partita-small" and not args.quick else "concept-quick"
    name += "-strength" if args.strengths else ""
    name += f"-seed{args.seed}" if args.seed else ""  # another draw of pieces and samples, kept beside
    path = write_result(
        name,
        "Concepts from references (DreamStyler)"
        + (": the strength knob" if args.strengths else "")
        + (" (quick smoke run)" if args.quick else ""),  # each result its own title
        rows_of(result, args),
        quick=args.quick,
        extra={"details": result},
    )
    print(f"wrote {path} ({result['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
