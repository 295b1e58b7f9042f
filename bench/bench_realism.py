"""Realism: how easily a classifier tells generated pieces from held-out real pieces of the same style.

Per style (chorale, jig, chinese_folk, german_folk, pop, renaissance), in one run: the prompts of
``bench/prompts/realism.jsonl`` (32 a style, 8 or 16 bars, written apart from the corpus captions), the
style's held-out real pieces (split ``test`` of the built corpus ``all``, picked with
:func:`partita.tokens.dataset.style_of`) each cut to the bar count of a prompt with
:func:`~partita.evaluation.realism.crop_bars` (twice as many real pieces as prompts, at least 32, where the
corpus has them; bars are counted as musicians count them, after a pickup: the first 8 bars of a tune with an
upbeat are the upbeat and 8 full bars; a chorale in both music21's Bach and JSB counts once, as notated), and
four sets of pieces made for the same prompts and bar counts:

- ``markov``: a second-order Markov chain over (pitch, duration) melody events trained on the style's
  ``train`` pieces (:class:`~partita.evaluation.realism.MarkovBaseline`; one voice, so a weak peer for
  polyphonic styles): the baseline of every other variant, measured in the same run;
- ``free``: the model unconstrained, one candidate (``generate(..., constrain=False, n=1, selector=None)``);
- ``constrained``: constrained sampling, the first of 4 candidates in sampling order (unranked);
- ``selected``: the same 4 candidates ranked by the model's Selector (``choose_selector("auto")``), the top
  one.

Each set is compared with the real pieces by :func:`~partita.evaluation.realism.realism_report`: the
cross-validated balanced accuracy of the stronger of two judges (logistic regression, gradient boosting) on
the realism features (0.5 = indistinguishable, 1.0 = every piece recognized) and the Fréchet distance of the
feature Gaussians; two disjoint halves of the real pieces give the floor. Also per variant: the share of
pieces with exactly the requested bar count and the seconds per prompt (``constrained`` and ``selected`` share
one call of 4 candidates).

    python bench/bench_realism.py [--quick] [--model partita-small|debug|PATH] [--styles chorale,jig] [--n 32]
                                  [--threads N] [--seed 0] [--form]

``--form`` adds ``planned``: the piece that follows the plan partita proposes for the prompt (its style's form
at its bars, :func:`partita.generation.plan.plan_piece`, via ``Generator.generate_plan``; 4 candidates a
section, the Selector's first kept).

``--selector NAME:DIR`` (repeatable) adds ``selected-NAME``: the same 4 constrained candidates ranked by a
Selector with the model's weights and the classifier in DIR (``partita selector train`` writes one), beside
the model's own Selector in the same run; its report gives ``same_pick``, the share of prompts where both
Selectors pick the same candidate.

``--model debug`` is an untrained tiny model: its figures are a smoke test of this script, not a result.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_realism")
SLOW = True  # generates hundreds of pieces: run only when named
LOOP_BARS = 4
"""A piece playing one bar this many times in a row counts as a loop (a diagnostic beside the judge)."""

PROMPTS = Path(__file__).resolve().parent / "prompts" / "realism.jsonl"
STYLES = {  # bench style -> the style_of() values of its real pieces
    "chorale": ("chorale",),
    "jig": ("jig",),
    "chinese_folk": ("chinese_folk",),
    "german_folk": ("german_folk",),
    "pop": ("pop",),
    "renaissance": ("renaissance",),
}
VARIANTS = ("markov", "free", "constrained", "selected")
GOAL = "beat Markov by >= 0.15 and <= 0.70"
MIN_REAL = 32
FIGURE_TIMES = 3
"""A two-bar figure played this many times in a row counts as a figure loop (a diagnostic, not a feature)."""
COPY_GRAM = 8
"""Runs of this many successive pitches of one part, shared with a training piece, count as copied."""


def load_prompts(styles: list[str], n: int, skip: int = 0) -> dict[str, list[dict]]:
    """``n`` prompts of each style after its first ``skip`` (prompts 1-16 of each style are the development
    half, on which defaults were chosen: ``--skip 16`` measures on the 16 held out;
    bench/prompts/README.md)."""
    out: dict[str, list[dict]] = {s: [] for s in styles}
    seen: Counter = Counter()
    for line in PROMPTS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            if rec["style"] not in out:
                continue
            seen[rec["style"]] += 1
            if seen[rec["style"]] > skip and len(out[rec["style"]]) < n:
                out[rec["style"]].append(rec)
    return out


def style_records(corpus_name: str) -> tuple[dict[str, dict[str, list[dict]]], object]:
    """Manifest records by bench style and split (``train`` / ``test``), and the corpus.

    A chorale both in music21's Bach and in JSB counts once, as notated (music21's): JSB's copy is quantized
    from its first note, so its upbeat is gone (68% of music21's Bach chorales open with one, no JSB piece
    does), and with both copies the real set held some chorales twice."""
    from partita.corpus import load_corpus
    from partita.tokens.dataset import style_of

    corpus = load_corpus(corpus_name)
    out: dict[str, dict[str, list[dict]]] = {s: {"train": [], "test": []} for s in STYLES}
    records = corpus.records()
    notated = {r["work_id"] for r in records if r["source"] != "jsb" and r.get("jsb_match")}
    for rec in records:
        if rec["source"] == "jsb" and rec["work_id"] in notated:
            continue
        style = style_of(rec)
        for name, labels in STYLES.items():
            if style in labels and rec["split"] in ("train", "test"):
                out[name][rec["split"]].append(rec)
    return out, corpus


def real_pieces(
    corpus, records: list[dict], bars: list[int], count: int, seed: int, meter: str | None = None
) -> tuple[list, dict]:
    """``count`` real pieces, each cut to a bar count of ``bars`` (cycled); a piece long enough is
    preferred. A piece whose declared meter says nothing of bars is barred first
    (:func:`partita.evaluation.realism.barred_as_asked`;
    ``meter`` "declared": as declared)."""
    from partita.evaluation.realism import barred_as_asked, count_bars, crop_bars

    rng = np.random.default_rng(seed)
    pool, rebarred = [], 0
    for i in rng.permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        if score.note_num():
            if meter != "declared":
                score, changed = barred_as_asked(score, meter)
                rebarred += changed
            pool.append((records[i]["piece_id"], score, count_bars(score, pickup=True)))
    wanted = sorted((bars[j % len(bars)] for j in range(min(count, len(pool)))), reverse=True)
    used: set[int] = set()
    out, short = [], 0
    for b in wanted:
        fits = [k for k, p in enumerate(pool) if k not in used and p[2] >= b]
        if fits:
            k = fits[0]
        else:
            k = max((k for k in range(len(pool)) if k not in used), key=lambda k: pool[k][2])
            short += 1
        used.add(k)
        out.append(crop_bars(pool[k][1], b, pickup=True))
    return out, {"available": len(pool), "used": len(out), "shorter_than_asked": short, "rebarred": rebarred}


def markov_pieces(
    corpus, train: list[dict], prompts: list[dict], seed: int, max_train: int
) -> tuple[list, dict]:
    """The Markov chain trained on the style's train pieces, one piece per prompt at its bars and meter."""
    from partita.evaluation.realism import MarkovBaseline, meter_of
    from partita.generation.prompt import project_prompt

    rng = np.random.default_rng(seed)
    chosen = [train[i] for i in rng.permutation(len(train))[:max_train].tolist()]
    scores = [corpus.read_piece(r["piece_id"]) for r in chosen]
    chain = MarkovBaseline().fit(scores)
    meters = Counter(meter_of(s) for s in scores if s.note_num())
    usual = meters.most_common(1)[0][0] if meters else (4, 4)
    out = []
    t0 = time.perf_counter()
    for i, p in enumerate(prompts):
        meter = project_prompt(p["prompt"]).conditions.meter
        m = tuple(int(v) for v in meter.split("/")) if meter else usual
        out.append(chain.sample(p["expect"]["bars"], m, 480, seed=seed * 1000 + i, pickup=True))
    seconds = (time.perf_counter() - t0) / max(1, len(prompts))
    info = {"train_pieces": chain.pieces, "meter_default": f"{usual[0]}/{usual[1]}", "seconds": seconds}
    return out, info, scores


def known_runs(train: list) -> set:
    """Every :data:`COPY_GRAM`-pitch run (transposed) of the style's training pieces."""
    from partita.training.concept import pitch_runs

    return set().union(*(pitch_runs(s, COPY_GRAM) for s in train)) if train else set()


def copied(pieces: list, known: set) -> float:
    """The share of the pieces' :data:`COPY_GRAM`-pitch runs found in a training piece of the style: copying
    (a model that memorised its data would look real to the judge); held-out real pieces give the style's
    own rate of shared formulas beside it."""
    from partita.training.concept import pitch_runs

    runs = [g for p in pieces for g in pitch_runs(p, COPY_GRAM)]
    return sum(g in known for g in runs) / len(runs) if runs else math.nan


def parse_ablation(text: str) -> tuple[str, dict]:
    """``"notonic:tonic_weight=0,cadence=false"`` -> ("constrained-notonic", {"tonic_weight": 0, "cadence":
    False}): a constrained set sampled with these ``generate`` options changed (values are JSON, lists
    included: ``"intro:entries=[8,0,0]"``)."""
    name, _, items = text.partition(":")
    if not name or not items:
        raise ValueError(f"--ablate {text!r}: give NAME:option=value[,option=value]")
    options = {}
    for item in re.split(r",(?=\s*[A-Za-z_]\w*\s*=)", items):
        key, _, value = item.partition("=")
        options[key.strip()] = json.loads(value)
    return f"constrained-{name}", options


def parse_ranking(text: str) -> tuple[str, dict[str, float]]:
    """``"style:adherence=0,style=1,quality=0"`` -> ("style", {"adherence": 0.0, "style": 1.0, "quality":
    0.0}): the Selector weights of an extra ranking of the constrained candidates; ``sampled=1`` (not a
    weight) makes its classifier read the candidates as sampled (``Selector.as_sampled``)."""
    name, _, items = text.partition(":")
    try:
        weights = {k.strip(): float(v) for k, _, v in (i.partition("=") for i in items.split(","))}
    except ValueError as e:
        raise ValueError(f"--rank {text!r}: give NAME:score=weight[,score=weight]") from e
    if not name or not items:
        raise ValueError(f"--rank {text!r}: give NAME:score=weight[,score=weight]")
    return name, weights


def parse_selector(text: str) -> tuple[str, str]:
    """``"noprog:/tmp/selector-noprog"`` -> ("noprog", "/tmp/selector-noprog"): a classifier folder to rank
    the constrained candidates with, as set ``selected-NAME``."""
    name, _, folder = text.partition(":")
    if not name or not folder:
        raise ValueError(f"--selector {text!r}: give NAME:DIR")
    if not Path(folder).expanduser().is_dir():
        raise ValueError(f"--selector {text!r}: {folder} is not a folder")
    return name, folder


def planned_piece(lm, prompt: dict, seed: int, selector) -> dict:
    """The piece for ``prompt`` that follows the plan partita proposes for it (its style's form at its bars,
    :func:`partita.generation.plan.plan_piece`), section by section, 4 candidates a section, the Selector's
    first kept (:meth:`partita.Generator.generate_plan`)."""
    from partita.generation.plan import plan_piece
    from partita.score import Score

    t0 = time.perf_counter()
    try:
        plan = plan_piece(lm.request(prompt["prompt"]))
        score, error = lm.generate_plan(plan, n=4, seed=seed, selector=selector)[1][0].score, None
    except Exception as e:  # a failing prompt counts as an empty piece, and is named
        log.error("planned %s failed: %s", prompt["id"], e)
        score, error = Score(480), f"{type(e).__name__}: {e}"
    return {"id": prompt["id"], "score": score, "seconds": time.perf_counter() - t0, "error": error}


def model_pieces(
    lm,
    prompts: list[dict],
    seed: int,
    ablations: dict[str, dict] | None = None,
    planned: bool = False,
    peers: dict[str, object] | None = None,
    rankings: dict[str, dict[str, float]] | None = None,
    selector_dirs: dict[str, str] | None = None,
) -> dict:
    """free / constrained / selected pieces for each prompt (one record per piece), one constrained set
    per ablation (the first of 4 candidates sampled with the same seed and the ablation's options) with its
    selected one, one such pair per peer model (``peers``: set name -> generator; same seeds, the peer's own
    Selector), and with ``planned`` the pieces that follow their plan (:func:`planned_piece`); per
    ``rankings`` (name -> Selector weights) the constrained candidates' first under a Selector of those
    weights, as set ``selected-NAME`` (no more sampling); per ``selector_dirs`` (name -> classifier folder)
    the same under a Selector of the model's weights with that classifier (loaded and ranked once every
    prompt's candidates are made)."""
    from partita.evaluation.selector import choose_selector
    from partita.pipelines import generate
    from partita.pipelines.generator import candidates_sampled
    from partita.score import Score

    selector = choose_selector(
        "auto",
        lm.selector_dir,
        lm.config.selector_weights,
        lm.config.selector_windows,
        lm.config.style_selector_weights,
    )
    ablations, peers, rankings = ablations or {}, peers or {}, rankings or {}
    rankers = {f"selected-{name}": _ranker(lm, w, choose_selector) for name, w in rankings.items()}
    kept: list[tuple] = []  # the constrained candidates of every prompt, for the classifiers of selector_dirs
    selectors = {
        name: choose_selector(
            "auto",
            g.selector_dir,
            g.config.selector_weights,
            g.config.selector_windows,
            g.config.style_selector_weights,
        )
        for name, g in peers.items()
    }
    out: dict[str, list[dict]] = {"free": [], "constrained": [], "selected": []}
    if planned:
        out["planned"] = []
    for a in [*ablations, *peers]:
        out[a], out[a.replace("constrained", "selected", 1)] = [], []
    out.update({name: [] for name in rankers})
    for i, p in enumerate(prompts):
        s = seed * 1000 + 1000 + i
        # 4 candidates, times the style's pool where the shipped Selector's realism critic chooses among more
        # (GenerationConfig.style_candidate_pool): the first is the constrained piece, the Selector's best the
        # selected one, as `partita generate` picks it
        k = candidates_sampled(lm.config, selector, p.get("style"), 4)
        runs = [("free", {"constrain": False, "n": 1}), ("constrained", {"n": k})]
        runs += [(name, {"n": k, **options}) for name, options in ablations.items()]
        runs += [(name, {"n": k}) for name in peers]
        for variant, kw in runs:
            t0 = time.perf_counter()
            error = None
            try:
                model = peers.get(variant, lm)
                request, cands = generate(p["prompt"], seed=s, model=model, wav=False, selector=None, **kw)
            except Exception as e:  # a failing prompt counts as an empty piece, and is named
                log.error("%s %s failed: %s", variant, p["id"], e)
                request, cands, error = None, [], f"{type(e).__name__}: {e}"
            seconds = time.perf_counter() - t0
            first = cands[0].score if cands else Score(480)
            out[variant].append({"id": p["id"], "score": first, "seconds": seconds, "error": error})
            if variant.startswith("constrained"):
                t1 = time.perf_counter()
                judge = selectors.get(variant, selector)
                best = judge.rank(cands, request)[0][0].score if cands and judge else first
                out[variant.replace("constrained", "selected", 1)].append(
                    {
                        "id": p["id"],
                        "score": best,
                        "seconds": seconds + time.perf_counter() - t1,
                        "error": error,
                    }
                )
            if variant == "constrained":
                kept.append((p["id"], cands, request, first, seconds, error))
                for name, ranker in rankers.items():
                    top = ranker.rank(cands, request)[0][0].score if cands and ranker else first
                    out[name].append({"id": p["id"], "score": top, "seconds": seconds, "error": error})
        if planned:
            out["planned"].append(planned_piece(lm, p, s, selector))
        log.info(
            "%s: %.1f s free, %.1f s constrained",
            p["id"],
            out["free"][-1]["seconds"],
            out["constrained"][-1]["seconds"],
        )
    for name, folder in (selector_dirs or {}).items():
        judge = choose_selector(
            folder,
            None,
            lm.config.selector_weights,
            lm.config.selector_windows,
            lm.config.style_selector_weights,
        )
        out[f"selected-{name}"] = [
            {"id": i, "score": judge.rank(c, r)[0][0].score if c else f, "seconds": t, "error": e}
            for i, c, r, f, t, e in kept
        ]
    return out


def _ranker(lm, weights: dict[str, float], choose_selector):
    """The Selector of one ``--rank``: its weights, and ``sampled`` (0 / 1) for what its classifier reads."""
    weights = dict(weights)
    sampled = weights.pop("sampled", None)
    ranker = choose_selector("auto", lm.selector_dir, weights, lm.config.selector_windows)
    if ranker is not None and sampled is not None:
        ranker.as_sampled = bool(sampled)
    return ranker


def music21_key(score) -> str | None:
    """The key music21's own analysis (Krumhansl-Schmuckler, ``Stream.analyze("key")``) hears in a piece's
    notes: a judge the generator does not use (its tonic pull and partita's analyzer could agree with each
    other)."""
    from music21 import note, stream

    s = stream.Stream()
    tpq = int(score.ticks_per_quarter) or 480
    for track in score.tracks:
        if track.is_drum:
            continue
        for n in track.notes:
            m = note.Note(int(n.pitch), quarterLength=max(1 / 16, n.duration / tpq))
            s.insert(n.time / tpq, m)
    if not len(s.notes):
        return None
    k = s.analyze("key")
    return f"{k.tonic.name.replace('-', 'b')} {k.mode}"


def key_scores(pieces: list, keys: list[str | None]) -> dict[str, float]:
    """CK (the asked-for key heard) by partita's analyzer and by music21's, over the pieces that asked for
    one."""
    from partita.analysis import describe
    from partita.analysis.key import parse_key

    ours, theirs = [], []
    for score, want in zip(pieces, keys, strict=True):
        if not want or not score.note_num():
            continue
        target = parse_key(want)
        got = describe(score, analyse_structure=False).key
        ours.append(got is not None and parse_key(got) == target)
        got21 = music21_key(score)
        theirs.append(got21 is not None and parse_key(got21) == target)
    return {
        "CK": float(np.mean(ours)) if ours else math.nan,
        "CK_music21": float(np.mean(theirs)) if theirs else math.nan,
    }


def asked_meter(prompts: list[dict]) -> str | None:
    """The meter most of ``prompts`` ask for, said or implied by their style (None: none asks for one)."""
    from partita.generation.prompt import project_prompt

    asked = Counter(project_prompt(p["prompt"]).conditions.meter for p in prompts)
    asked.pop(None, None)
    return asked.most_common(1)[0][0] if asked else None


def run_style(style: str, prompts: list[dict], lm, corpus, records: dict, args) -> dict:
    """Every set of one style and its realism report."""
    from partita.evaluation.realism import (
        count_bars,
        longest_figure_run,
        longest_repeat_run,
        realism_report,
        voice_crossing,
    )

    bars = [p["expect"]["bars"] for p in prompts]
    meter = "declared" if args.declared_meters else asked_meter(prompts)
    count = max(MIN_REAL, 2 * len(prompts))
    real, real_info = real_pieces(corpus, records["test"], bars, count, args.seed, meter)
    markov, markov_info, train = markov_pieces(corpus, records["train"], prompts, args.seed, args.max_train)
    known = known_runs(train)
    sets = {
        "markov": [
            {"id": p["id"], "score": s, "seconds": markov_info["seconds"], "error": None}
            for p, s in zip(prompts, markov, strict=True)
        ]
    }
    sets.update(
        model_pieces(
            lm, prompts, args.seed, args.ablations, args.form, args.peers, args.rankings, args.selector_dirs
        )
    )
    extra = [*args.ablations, *args.peers]
    variants = [*VARIANTS, *(k for a in extra for k in (a, a.replace("constrained", "selected", 1)))]
    variants += [f"selected-{name}" for name in [*args.rankings, *args.selector_dirs]]
    variants += ["planned"] if args.form else []
    report = realism_report({v: [r["score"] for r in sets[v]] for v in variants}, real, seed=args.seed)
    for v in variants:
        recs = sets[v]
        report["sets"][v]["exact_bars"] = float(
            np.mean([count_bars(r["score"], pickup=True) == b for r, b in zip(recs, bars, strict=True)])
        )
        report["sets"][v]["seconds_per_prompt"] = float(np.mean([r["seconds"] for r in recs]))
        # loops of one bar (4 or more in a row): the judge reads the run too (longest_repeat_run)
        runs = [longest_repeat_run(r["score"]) for r in recs]
        report["sets"][v]["longest_repeat_run"] = float(np.mean(runs))
        report["sets"][v]["loops"] = float(np.mean([r >= LOOP_BARS for r in runs]))
        figures = [longest_figure_run(r["score"]) for r in recs]
        report["sets"][v]["figure_loops"] = float(np.mean([f >= FIGURE_TIMES for f in figures]))
        report["sets"][v]["errors"] = [r["id"] for r in recs if r["error"]]
        report["sets"][v]["copied"] = copied([r["score"] for r in recs], known)
        report["sets"][v]["voice_crossing"] = float(np.mean([voice_crossing(r["score"]) for r in recs]))
        if v.removeprefix("selected-") in args.selector_dirs:
            same = [a["score"] is b["score"] for a, b in zip(recs, sets["selected"], strict=True)]
            report["sets"][v]["same_pick"] = float(np.mean(same))
        if v != "markov":
            report["sets"][v].update(
                key_scores([r["score"] for r in recs], [p["expect"].get("key") for p in prompts])
            )
    report["real_pieces"] = real_info
    real_runs = [longest_repeat_run(x) for x in real]
    report["real_loops"] = float(np.mean([r >= LOOP_BARS for r in real_runs])) if real_runs else math.nan
    real_figures = [longest_figure_run(x) >= FIGURE_TIMES for x in real]
    report["real_figure_loops"] = float(np.mean(real_figures)) if real_figures else math.nan
    report["real_copied"] = copied(real, known)
    report["real_voice_crossing"] = float(np.mean([voice_crossing(x) for x in real])) if real else math.nan
    report["markov"] = markov_info
    report["bars_asked"] = dict(Counter(bars))
    return report


def _acc(entry: dict) -> float:
    return float(entry.get("accuracy", math.nan))


def build_rows(reports: dict[str, dict], cmd: str, label: str) -> list[dict]:
    rows = []
    for style, rep in reports.items():
        sets, floor = rep["sets"], rep["floor"]
        floor_acc = floor["two_sample"]["accuracy"] if floor["two_sample"] else None
        n_real = rep["real"]["n"]
        if floor_acc is not None:
            rows.append(
                row(
                    f"realism: real vs real floor, {style}",
                    floor_acc,
                    "accuracy",
                    cmd,
                    higher_is_better=False,
                    notes=(
                        f"two disjoint halves of {n_real} held-out real pieces ({floor['n_half']} each); "
                        f"Fréchet {floor['frechet']:.3f}; chance is 0.5 (a small set reads above it)"
                    ),
                )
            )
        for v in [*VARIANTS, *(k for k in sets if k not in VARIANTS)]:
            e = sets[v]
            if "two_sample" not in e:
                continue
            ts = e["two_sample"]
            top = ", ".join(f"{d['feature']} {d['a']:.2f} vs {d['b']:.2f}" for d in e["differences"][:3])
            note = (
                f"{e['n']} pieces vs {n_real} real; logistic {ts['logistic']['accuracy']:.3f}, boosting "
                f"{ts['boosting']['accuracy']:.3f}; Fréchet {e['frechet']:.3f}; exact bars "
                f"{e['exact_bars']:.2f}; {e['seconds_per_prompt']:.1f} s/prompt; "
                + (f"CK {e['CK']:.2f} (music21 {e['CK_music21']:.2f}); " if "CK" in e else "")
                + f"most apart (generated vs real): {top}"
            )
            if v == "markov":
                rows.append(
                    row(
                        f"realism: two-sample accuracy, {style}, markov",
                        e["accuracy"],
                        "accuracy",
                        cmd,
                        baseline="real vs real floor, same run",
                        baseline_value=floor_acc,
                        higher_is_better=False,
                        notes=note,
                    )
                )
            else:
                rows.append(
                    row(
                        f"realism: two-sample accuracy, {style}, {label}, {v}",
                        e["accuracy"],
                        "accuracy",
                        cmd,
                        baseline="Markov chain, same run",
                        baseline_value=_acc(sets["markov"]),
                        higher_is_better=False,
                        goal=GOAL,
                        notes=note,
                    )
                )
        for v in VARIANTS[1:]:
            if "frechet" in sets[v] and "frechet" in sets["markov"]:
                rows.append(
                    row(
                        f"realism: Fréchet distance, {style}, {label}, {v}",
                        sets[v]["frechet"],
                        "",
                        cmd,
                        baseline="Markov chain, same run",
                        baseline_value=sets["markov"]["frechet"],
                        higher_is_better=False,
                        notes=f"real vs real floor {floor['frechet']:.3f}",
                    )
                )
    if len(reports) > 1:
        shown = [*VARIANTS, *(k for k in next(iter(reports.values()))["sets"] if k not in VARIANTS)]
        means = {v: float(np.nanmean([_acc(r["sets"][v]) for r in reports.values()])) for v in shown}
        for v in shown[1:]:
            rows.append(
                row(
                    f"realism: two-sample accuracy, mean of {len(reports)} styles, {label}, {v}",
                    means[v],
                    "accuracy",
                    cmd,
                    baseline="Markov chain, same run",
                    baseline_value=means["markov"],
                    higher_is_better=False,
                    goal=GOAL,
                    notes=", ".join(reports),
                )
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 prompts per style, chorale and jig only")
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--styles", default=None, help=f"comma-separated, of {', '.join(STYLES)} (default: all)")
    ap.add_argument("--n", type=int, default=None, help="prompts (generated pieces) per style, at most 32")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--skip", type=int, default=0, help="skip each style's first K prompts (16: the held-out half)"
    )
    ap.add_argument("--corpus", default="all", help="the built corpus of real pieces (default: all)")
    ap.add_argument(
        "--declared-meters",
        action="store_true",
        help="cut real pieces in the bars their files declare, even 1/4 (before 2026-12-05's fourth session)",
    )
    ap.add_argument(
        "--max-train", type=int, default=2000, help="training pieces of the Markov chain per style"
    )
    ap.add_argument("--name", default=None, help="result name (default realism, or realism-debug)")
    ap.add_argument(
        "--ablate",
        action="append",
        default=[],
        metavar="NAME:OPTION=VALUE,...",
        help=(
            "also a constrained set with these generate() options (JSON values), e.g. "
            "notonic:tonic_weight=0; repeatable"
        ),
    )
    ap.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="NAME:MODEL",
        help="also constrained and selected sets of another model (name or folder), same seeds; repeatable",
    )
    ap.add_argument(
        "--rank",
        action="append",
        default=[],
        metavar="NAME:SCORE=WEIGHT,...",
        help=(
            "also the constrained candidates' first under a Selector of these weights, as set "
            "selected-NAME, e.g. style:adherence=0,style=1,quality=0; repeatable"
        ),
    )
    ap.add_argument(
        "--selector",
        action="append",
        default=[],
        metavar="NAME:DIR",
        help=(
            "also the constrained candidates' first under a Selector with the classifier in DIR (the "
            "model's weights), as set selected-NAME; repeatable"
        ),
    )
    ap.add_argument(
        "--form",
        action="store_true",
        help="also a set that follows the plan partita proposes (its style's form; generate_plan)",
    )
    args = ap.parse_args()
    try:
        args.ablations = dict(parse_ablation(a) for a in args.ablate)
        args.rankings = dict(parse_ranking(r) for r in args.rank)
        args.selector_dirs = dict(parse_selector(t) for t in args.selector)
    except (ValueError, json.JSONDecodeError) as e:
        sys.exit(f"bench_realism: {e}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    styles = args.styles.split(",") if args.styles else (["chorale", "jig"] if args.quick else list(STYLES))
    unknown = [s for s in styles if s not in STYLES]
    if unknown:
        sys.exit(f"bench_realism: unknown style(s) {unknown}: choose from {', '.join(STYLES)}")
    n = args.n or (8 if args.quick else 32)
    try:
        records, corpus = style_records(args.corpus)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f"bench_realism: {e}")
    try:
        lm = load_generator(args.model)
        args.peers = {}
        for text in args.peer:
            label, _, model = text.partition(":")
            if not label or not model:
                sys.exit(f"bench_realism: --peer {text!r}: give NAME:MODEL")
            args.peers[f"constrained-{label}"] = load_generator(model)
    except (FileNotFoundError, ValueError, OSError) as e:
        sys.exit(f"bench_realism: cannot load a model: {e}")
    smoke = args.model == "debug"
    cmd = " ".join(
        ["python bench/bench_realism.py"]
        + (["--quick"] if args.quick else [])
        + ([f"--model {args.model}"] if args.model != "partita-small" else [])
        + ([f"--styles {args.styles}"] if args.styles else [])
        + ([f"--n {args.n}"] if args.n else [])
        + ([f"--threads {args.threads}"] if args.threads else [])
        + ([f"--seed {args.seed}"] if args.seed else [])
        + ([f"--skip {args.skip}"] if args.skip else [])
        + ([f"--corpus {args.corpus}"] if args.corpus != "all" else [])
        + [f"--ablate {a}" for a in args.ablate]
        + [f"--peer {a}" for a in args.peer]
        + [f"--selector {a}" for a in args.selector]
        + (["--form"] if args.form else [])
    )
    prompts = load_prompts(styles, n, args.skip)
    reports = {}
    for style in styles:
        recs = records[style]
        if len(recs["test"]) < 4 or not recs["train"]:
            log.warning(
                "%s: %d test and %d train pieces in corpus %s: skipped",
                style,
                len(recs["test"]),
                len(recs["train"]),
                args.corpus,
            )
            continue
        t0 = time.perf_counter()
        reports[style] = run_style(style, prompts[style], lm, corpus, recs, args)
        reports[style]["seconds"] = time.perf_counter() - t0
        log.info("%s done in %.0f s", style, reports[style]["seconds"])
    if not reports:
        sys.exit("bench_realism: no style had real pieces to compare with")
    label = "debug model (untrained; SMOKE TEST)" if smoke else args.model
    rows = build_rows(reports, cmd, label)
    title = "Realism: generated pieces against held-out real pieces (classifier two-sample test)"
    if args.ablate or args.peer or args.rank or args.selector:
        half = "held-out" if args.skip else "development"
        what = ", ".join(a.split(":")[0] for a in [*args.ablate, *args.peer, *args.rank])
        chosen = [f"selector {a.split(':')[0]} on {','.join(styles)}" for a in args.selector]
        what = ", ".join(x for x in [what, *chosen] if x)
        title = f"Realism ablation on the {half} prompts ({what})"
    elif args.name and args.name != "realism":  # another run of the headline's sets: a title of its own
        title = f"{title}: {args.name}"
    if smoke:
        title = "Realism SMOKE TEST (untrained debug model: not a result)"
    extra = {
        "model": args.model,
        "n_per_style": n,
        "skip": args.skip,
        "threads": torch.get_num_threads(),
        "styles": reports,
    }
    name = args.name or ("realism-debug" if smoke else "realism")
    path = write_result(
        name, title, rows, quick=args.quick, extra=json.loads(json.dumps(extra, default=float))
    )
    print(
        f"{'style':13s} {'set':12s} {'n':>3s} {'acc':>6s} {'logit':>6s} {'boost':>6s} {'Fréchet':>8s} "
        f"{'bars ok':>7s} {'s/prompt':>8s} {'CK':>5s} {'CK m21':>6s} {'loops':>5s} {'fig':>5s} "
        f"{'copied':>6s} {'cross':>5s}"
    )
    for style, rep in reports.items():
        fl = rep["floor"]
        if fl["two_sample"]:
            ts = fl["two_sample"]
            print(
                f"{style:13s} {'real/real':12s} {fl['n_half']:3d} {ts['accuracy']:6.3f} "
                f"{ts['logistic']['accuracy']:6.3f} {ts['boosting']['accuracy']:6.3f} {fl['frechet']:8.3f}"
                f"{'':34s} {rep.get('real_loops', math.nan):5.2f} "
                f"{rep.get('real_figure_loops', math.nan):5.2f} {rep.get('real_copied', math.nan):6.2f} "
                f"{rep.get('real_voice_crossing', math.nan):5.3f}"
            )
        for v in rep["sets"]:
            e = rep["sets"][v]
            if "two_sample" in e:
                ts = e["two_sample"]
                print(
                    f"{style:13s} {v:12s} {e['n']:3d} {ts['accuracy']:6.3f} "
                    f"{ts['logistic']['accuracy']:6.3f} "
                    f"{ts['boosting']['accuracy']:6.3f} {e['frechet']:8.3f} {e['exact_bars']:7.2f} "
                    f"{e['seconds_per_prompt']:8.1f} {e.get('CK', math.nan):5.2f} "
                    f"{e.get('CK_music21', math.nan):6.2f} {e.get('loops', math.nan):5.2f} "
                    f"{e.get('figure_loops', math.nan):5.2f} {e.get('copied', math.nan):6.2f} "
                    f"{e.get('voice_crossing', math.nan):5.3f}"
                )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
