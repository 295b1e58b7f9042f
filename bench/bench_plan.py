"""Plan, then generate: does a long piece have the sections its plan asks for?

Issue 21 item 6. For each prompt (a pop ballad, a jig, a song, a chorale) and seed, ``partita plan``'s
proposal at 64 bars (``plan_piece``), and two pieces of those 64 bars:

- ``plan``: ``Generator.generate_plan`` (each new section a continuation of the piece so far, 2 candidates a
  section, a label that comes back played again);
- ``plain``: the baseline, measured in the same run: one ``generate`` of the same prompt, key, meter and
  tempo at 64 bars (2 candidates, the Selector's first).

Both are judged by partita's own structure analysis (``describe(...).sections``, which knows nothing of the
plan) against the plan's sections, in bars: boundary detection F at a window of 1 and of 2 bars
(``mir_eval.segment.detection``) and pairwise label F (``mir_eval.segment.pairwise``: do bars the plan calls
the same section sound alike?). Also the seconds per piece.

    python bench/bench_plan.py [--seeds 3] [--bars 64] [--model partita-small|debug|PATH] [--threads 2]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_plan")
SLOW = True  # generates a dozen pieces of 64 bars: run only when named
PROMPTS = (
    "a pop ballad in E flat major for piano",
    "an Irish jig in D major for fiddle",
    "a folk song in G major for flute",
    "a chorale in F major for choir",
)
VARIANTS = ("plan", "plain")
COMMAND = "python bench/bench_plan.py --threads 2"


def intervals(pairs: list[tuple[int, int, str]]) -> tuple[np.ndarray, list[str]]:
    """(start bar, end bar, label) triples as mir_eval's interval array and labels."""
    return np.array([[a, b] for a, b, _ in pairs], dtype=float), [lab for _, _, lab in pairs]


def plan_sections(plan) -> list[tuple[int, int, str]]:
    """The plan's sections as (first bar, end bar, label): 0-based, end exclusive, a prime its own label."""
    out, at = [], 0
    for s in plan.sections:
        out.append((at, at + s.bars, s.label))
        at += s.bars
    return out


def found_sections(score, bars: int) -> list[tuple[int, int, str]]:
    """The sections partita's structure analysis finds, in bars, clipped to the piece's ``bars``."""
    from partita.analysis import describe

    d = describe(score, analyse_chords=False)
    out = []
    for sec in d.sections:
        a, b = (int(x) for x in sec["bars"])
        a, b = min(a, bars), min(b, bars)
        if b > a:
            out.append((a, b, str(sec["label"])))
    if not out or out[-1][1] < bars:  # mir_eval wants both segmentations to span the same time
        out.append((out[-1][1] if out else 0, bars, "end"))
    if out[0][0] > 0:
        out.insert(0, (0, out[0][0], "start"))
    return out


def scores(reference: list, estimate: list) -> dict[str, float]:
    import mir_eval

    ref, ref_labels = intervals(reference)
    est, est_labels = intervals(estimate)
    return {
        "boundary_f_1bar": float(mir_eval.segment.detection(ref, est, window=1.0, trim=True)[2]),
        "boundary_f_2bars": float(mir_eval.segment.detection(ref, est, window=2.0, trim=True)[2]),
        "pairwise_f": float(mir_eval.segment.pairwise(ref, ref_labels, est, est_labels)[2]),
        "sections_found": len(estimate),
    }


def run(generator, prompt: str, seed: int, bars: int) -> dict:
    """Both variants for one prompt and seed."""
    from partita.generation.plan import plan_piece
    from partita.generation.prompt import project_prompt

    plan = plan_piece(project_prompt(prompt, bars=bars))
    reference = plan_sections(plan)
    out = {"prompt": prompt, "seed": seed, "plan": [s.label for s in plan.sections]}
    t0 = time.perf_counter()
    _, (cand,) = generator.generate_plan(plan, n=2, seed=seed, wav=False)
    out["plan_seconds"] = time.perf_counter() - t0
    out["plan_scores"] = scores(reference, found_sections(cand.score, bars))
    t0 = time.perf_counter()
    request = generator.request(prompt, bars=bars)
    plain = generator.generate(request, n=2, seed=seed, wav=False)[0]
    out["plain_seconds"] = time.perf_counter() - t0
    out["plain_scores"] = scores(reference, found_sections(plain.score, bars))
    log.info(
        "%s seed %d: plan %s, plain %s",
        prompt,
        seed,
        {k: round(v, 2) for k, v in out["plan_scores"].items()},
        {k: round(v, 2) for k, v in out["plain_scores"].items()},
    )
    return out


def build_rows(results: list[dict], bars: int) -> list[dict]:
    def mean(variant: str, key: str) -> float:
        return float(np.mean([r[f"{variant}_scores"][key] for r in results]))

    note = f"{len(results)} pieces of {bars} bars, {len(PROMPTS)} prompts; baseline: no plan"
    rows = [
        row(
            f"plan: section boundaries found (F, {w})",
            mean("plan", key),
            "F",
            COMMAND,
            "no plan",
            mean("plain", key),
            goal="beat the baseline",
            notes=note,
        )
        for key, w in (("boundary_f_1bar", "1 bar"), ("boundary_f_2bars", "2 bars"))
    ]
    rows.append(
        row(
            "plan: sections the plan repeats sound alike (pairwise label F)",
            mean("plan", "pairwise_f"),
            "F",
            COMMAND,
            "no plan",
            mean("plain", "pairwise_f"),
            goal="beat the baseline",
        )
    )
    rows.append(
        row(
            f"plan: seconds for a {bars}-bar piece (2 candidates a section)",
            float(np.mean([r["plan_seconds"] for r in results])),
            "s",
            COMMAND,
            "no plan",
            float(np.mean([r["plain_seconds"] for r in results])),
            higher_is_better=False,
        )
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="pieces per prompt")
    ap.add_argument("--bars", type=int, default=64)
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--name", default=None, help="result name (default plan, or plan-debug)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    generator = load_generator(args.model)
    results = [run(generator, p, seed, args.bars) for p in PROMPTS for seed in range(args.seeds)]
    name = args.name or ("plan" if args.model != "debug" else "plan-debug")
    path = write_result(
        name,
        "Plan, then generate: the sections partita's structure analysis finds against the plan",
        build_rows(results, args.bars),
        extra={"pieces": results, "model": args.model, "bars": args.bars},
    )
    print(path)


if __name__ == "__main__":
    main()
