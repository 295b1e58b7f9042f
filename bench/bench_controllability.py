"""Controllability: does generated music have the key, tempo, meter, instruments, chords and texture asked
for?

On the hand-written prompts of ``bench/prompts/controllability.jsonl`` (written apart from the training
captions, never trained on; see ``bench/prompts/README.md``), for one model and three ways of generating, in
one run:

- ``free``: no constraints, one candidate (the model and its condition prefix alone);
- ``constrained``: constrained sampling (meter, bars, instruments, tempo bin, chords), one candidate;
- ``selected``: constrained sampling, 4 candidates, the best-ranked one (the pipeline's Selector);
- ``in-key``: as ``selected``, with pitches kept inside the requested key's scale (``--in-key``) where a
  prompt names a key.

Each piece is measured with partita's analysis and scored against the prompt's *expected* controls (what a
musician would expect from the text, not what partita's prompt projection understood) with the definitions of
:mod:`partita.evaluation.adherence`: TB, TBT, CK, CKD (text2midi / Mustango), meter, instrument F1, chord
match (in order, and any order); the faders by the Spearman correlation of requested level and measured note
density / polyphony / onset density. text2midi's published MidiCaps figures are given beside TB, TBT, CK and
CKD (published, not re-measured: text2midi is not installed and its prompts are captions of MidiCaps, not
these). The baseline measured in the same run is the ``free`` variant.

Also: the prompt projection alone scored the same way (how much of each prompt partita understands, an upper
bound of what constraints can enforce); the wall time of a 32-bar piece with 4 candidates; and, for prompts of
a corpus style (chorales, Irish tunes, German and Chinese folk songs from music21's corpus, POP909), Yang &
Lerch's mean overlapped area and MusPy metrics of the generated set against pieces of that style.

    python bench/bench_controllability.py [--quick] [--model partita-small|debug|PATH] [--threads 1]

``--model debug`` is an untrained tiny model: its figures are a smoke test of this script, not a result.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.evaluation.adherence import FADERS  # noqa: E402

log = logging.getLogger("bench_controllability")
SLOW = True  # generates a hundred or more pieces: run only when named

PROMPTS = Path(__file__).resolve().parent / "prompts" / "controllability.jsonl"
# text2midi (Bhandari et al., AAAI 2025), Table 2, on the MidiCaps test set: published figures, not
# re-measured
TEXT2MIDI = {"TB": 0.397, "TBT": 0.658, "CK": 0.336, "CKD": 0.356}
VARIANTS = {
    "free": {"constrain": False, "n": 1},
    "constrained": {"constrain": True, "n": 1},
    "selected": {"constrain": True, "n": 4},
    # the same 4 candidates as "selected" (same seeds), ranked by control adherence alone: what the learned
    # style / quality classifier changes in the pick
    "selected by adherence": {"constrain": True, "n": 4, "selector": "adherence"},
    "in-key": {"constrain": True, "n": 4, "in_key": True},
}
RANKED = ("selected", "in-key")  # the variants that run the Selector
METRICS = [  # (adherence key, row label, goal)
    ("TB", "TB (tempo bin)", ">= 0.9"),
    ("TBT", "TBT (tempo bin +-1)", None),
    ("CK", "CK (key)", ">= 0.9"),
    ("CKD", "CKD (key or relative)", None),
    ("meter", "meter accuracy", ">= 0.9"),
    ("instrument_f1", "instrument F1", ">= 0.9"),
    ("instrument_presence", "instrument presence (mean bar share of the requested)", None),
    ("chord_in_order", "chord match, in order (ECM)", None),
    ("chord_any_order", "chord match, any order (CMO)", None),
]
LONG_PROMPT = "a lively Irish jig in D major for fiddle and guitar, 32 bars"


def load_prompts(path: Path = PROMPTS) -> list[dict]:
    """The prompt records; each gets its expected :class:`~partita.evaluation.adherence.Controls`."""
    from partita.evaluation.adherence import Controls

    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        e = rec["expect"]
        rec["controls"] = Controls.from_dict(
            {
                "key": e.get("key"),
                "tempo": e.get("tempo"),
                "time_signature": e.get("meter"),
                "instruments": e.get("instruments"),
                "chords": e.get("chords"),
            }
        )
        rec.setdefault("id", f"line{i}")
        out.append(rec)
    return out


def quick_subset(prompts: list[dict]) -> list[dict]:
    """A few prompts of every kind: 4 plain ones (one with chords) and the 5 density-fader prompts."""
    plain = [p for p in prompts if "fader" not in p["expect"]]
    chosen = plain[:4]
    if not any(p["expect"].get("chords") for p in chosen):
        chosen[-1] = next(p for p in plain if p["expect"].get("chords"))
    faders = [p for p in prompts if p.get("options", {}).get("density") is not None]
    return chosen + faders


def measured_of(score):
    """What the analysis finds; an empty piece has nothing, so every control asked of it is missed."""
    from partita.evaluation.adherence import Measured, measure

    return measure(score) if score.note_num() else Measured()


def projection_scores(prompts: list[dict]) -> dict:
    """Score the projected request itself against the expected controls: what the prompt reader gets right."""
    from partita.evaluation.adherence import Measured, set_adherence
    from partita.generation.prompt import project_prompt

    measured = []
    for p in prompts:
        r = project_prompt(p["prompt"], **p.get("options", {}))
        c = r.conditions
        measured.append(
            Measured(
                key=f"{c.key} {c.mode or 'major'}" if c.key else None,
                tempo=c.tempo_bpm,
                time_signature=c.meter,
                instruments=[*c.programs, *(["Drums"] if c.drums else [])],
                chords=list(r.chords),
            )
        )
    return set_adherence([p["controls"] for p in prompts], measured)


def run_variant(lm, prompts: list[dict], name: str, selector_kw: bool) -> list[dict]:
    """Generate for every prompt with one variant; the best-ranked candidate is the one measured."""
    from partita.pipelines import generate
    from partita.score import Score

    kw = dict(VARIANTS[name])
    if selector_kw:
        kw.setdefault("selector", "auto" if name in RANKED else None)
    else:
        kw.pop("selector", None)
    records = []
    for i, p in enumerate(prompts):
        t0 = time.perf_counter()
        try:
            request, candidates = generate(
                p["prompt"], seed=1000 + i, model=lm, wav=False, **kw, **p.get("options", {})
            )
            best, error, bars = candidates[0], None, request.conditions.bars
        except (
            Exception
        ) as e:  # a failing prompt counts as an empty piece (every control missed), and is named
            log.error("%s %s failed: %s", name, p["id"], e)
            best, error, bars = None, f"{type(e).__name__}: {e}", None
        seconds = time.perf_counter() - t0
        score = best.score if best is not None else Score(480)
        records.append(
            {
                "id": p["id"],
                "seconds": seconds,
                "score": score,
                "measured": measured_of(score),
                "notes": int(score.note_num()),
                "stop_reason": best.stop_reason if best is not None else "error",
                "error": error,
                "bars": bars,
            }
        )
        log.info("%s %s: %.1f s, %d notes", name, p["id"], seconds, records[-1]["notes"])
    return records


def fader_correlations(prompts: list[dict], records: list[dict]) -> dict:
    """Spearman (and Pearson) of requested fader level and the measured value, per fader."""
    from partita.evaluation.adherence import correlation

    out = {}
    for name in FADERS:
        pairs = [
            (p["expect"]["fader"][name], getattr(r["measured"], name))
            for p, r in zip(prompts, records, strict=True)
            if name in p["expect"].get("fader", {})
        ]
        pairs = [(a, b if b is not None else math.nan) for a, b in pairs]
        if pairs:
            out[name] = correlation([a for a, _ in pairs], [b for _, b in pairs])
    return out


def time_long_piece(lm, repeats: int, selector_kw: bool) -> dict:
    """Seconds for a 32-bar piece with 4 candidates (constrained, ranked), and with 1 free candidate."""
    from partita.pipelines import generate

    def once(n: int, constrain: bool, seed: int) -> float:
        kw = {"selector": "auto" if n > 1 else None} if selector_kw else {}
        t0 = time.perf_counter()
        generate(LONG_PROMPT, n=n, seed=seed, model=lm, constrain=constrain, wav=False, **kw)
        return time.perf_counter() - t0

    four = [once(4, True, 7 + r) for r in range(repeats)]
    one = [once(1, False, 7 + r) for r in range(repeats)]
    return {
        "four": statistics.median(four),
        "one": statistics.median(one),
        "runs_four": four,
        "runs_one": one,
    }


def reference_pieces(group: str, n: int) -> list:
    """Up to ``n`` pieces of one corpus style, read from music21's corpus or POP909 (the shared data)."""
    import music21

    from partita.score import iter_abc_tunes, read_score
    from partita.score.music21_bridge import first_score, from_music21

    root = Path(music21.__file__).parent / "corpus"
    out = []

    def abc(files):
        for f in files:
            for _, text in iter_abc_tunes(f.read_text(encoding="latin-1")):
                if len(out) >= n:
                    return
                try:
                    out.append(from_music21(first_score(music21.converter.parseData(text, format="abc"))))
                except Exception as e:  # a tune music21 cannot read is skipped
                    log.info("reference tune skipped: %s", e)

    if group == "chorale":
        for f in sorted((root / "bach").glob("bwv*.mxl"))[:n]:
            out.append(from_music21(music21.converter.parse(f)))
    elif group == "irish":
        abc(sorted((root / "oneills1850").glob("*.abc")))
    elif group == "german_folk":
        abc(root / "essenFolksong" / f for f in ("altdeu10.abc", "erk10.abc", "boehme10.abc"))
    elif group == "chinese_folk":
        abc(sorted((root / "essenFolksong").glob("han*.abc")))
    elif group == "pop":
        from partita.paths import shared_data_dir

        for d in sorted(p for p in (shared_data_dir() / "pop909").iterdir() if p.is_dir())[:n]:
            out.append(read_score(d / f"{d.name}.mid"))
    return [s for s in out if s.note_num()]


def style_figures(prompts: list[dict], results: dict[str, list[dict]], n_ref: int) -> dict:
    """Per corpus style: mean OA of each variant's set against that style's pieces, and MusPy metric means."""
    from partita.evaluation.distribution import compare_sets
    from partita.evaluation.metrics import piece_metrics, summarize

    out = {}
    for group in sorted({p["group"] for p in prompts if p.get("group")}):
        idx = [i for i, p in enumerate(prompts) if p.get("group") == group]
        ref = reference_pieces(group, n_ref)
        entry = {"prompts": len(idx), "reference": len(ref), "variants": {}}
        entry["muspy_reference"] = summarize([piece_metrics(s).to_dict() for s in ref])
        for name, recs in results.items():
            gen = [recs[i]["score"] for i in idx if recs[i]["notes"]]
            v = {"pieces": len(gen)}
            if len(gen) >= 2 and len(ref) >= 2:
                v["mean_oa"] = compare_sets(gen, ref).to_dict()["mean_oa"]
                v["muspy"] = summarize([piece_metrics(s).to_dict() for s in gen])
            entry["variants"][name] = v
        out[group] = entry
    return out


def _mean(scores: dict, key: str) -> float:
    return scores["scores"].get(key, {}).get("mean", math.nan)


def _n(scores: dict, key: str) -> int:
    return scores["scores"].get(key, {}).get("n", 0)


def build_rows(m: dict, cmd: str, smoke: bool) -> list[dict]:
    label = "debug model (untrained; SMOKE TEST)" if smoke else m["model"]
    rows = []
    proj = m["projection"]
    for key, name, _ in METRICS:
        if _n(proj, key):
            rows.append(
                row(
                    f"prompt projection: {name}",
                    _mean(proj, key),
                    "fraction",
                    cmd,
                    notes=(
                        f"the understood request scored against the expected controls, {_n(proj, key)} "
                        "prompts; needs no model: the ceiling of what constrained sampling can enforce"
                    ),
                )
            )
    free = m["adherence"]["free"]
    for key, name, goal in METRICS:
        for variant in [v for v in VARIANTS if v in m["adherence"]]:
            scores = m["adherence"][variant]
            if not _n(scores, key):
                continue
            published = TEXT2MIDI.get(key) if variant == "free" else None
            rows.append(
                row(
                    f"{name}, {label}, {variant}",
                    _mean(scores, key),
                    "fraction",
                    cmd,
                    baseline=(
                        "text2midi, published (MidiCaps)"
                        if published is not None
                        else (None if variant == "free" else "free sampling, same run")
                    ),
                    baseline_value=(
                        published
                        if published is not None
                        else (None if variant == "free" else _mean(free, key))
                    ),
                    goal=goal if variant in RANKED else None,
                    notes=f"{_n(scores, key)} prompts"
                    + (
                        f"; text2midi published {TEXT2MIDI[key]:.3f} on MidiCaps (its prompts, not these)"
                        if key in TEXT2MIDI
                        else ""
                    ),
                )
            )
    for fader in FADERS:
        for variant in [v for v in VARIANTS if v in m["faders"]]:
            corr = m["faders"][variant].get(fader)
            if not corr:
                continue
            base = m["faders"]["free"].get(fader, {}).get("spearman") if variant != "free" else None
            rows.append(
                row(
                    f"{fader} fader Spearman rho, {label}, {variant}",
                    corr["spearman"],
                    "rho",
                    cmd,
                    baseline=None if variant == "free" else "free sampling, same run",
                    baseline_value=base,
                    goal=">= 0.8" if variant in RANKED else None,
                    notes=f"{corr['n']} prompts; Pearson {corr['pearson']:.3f}",
                )
            )
    for variant in [v for v in VARIANTS if v != "free" and v in m["seconds"]]:
        rows.append(
            row(
                f"wall time per prompt, {label}, {variant}",
                m["seconds"][variant],
                "s",
                cmd,
                baseline="free sampling, same run",
                baseline_value=m["seconds"]["free"],
                higher_is_better=False,
                notes=f"mean over {m['n_prompts']} prompts (8-16 bars), {m['threads']} torch thread(s)",
            )
        )
    t = m["long_piece"]
    rows.append(
        row(
            f"32-bar piece, 4 candidates (constrained, ranked), {label}",
            t["four"],
            "s",
            cmd,
            baseline="32 bars, 1 free candidate, same run",
            baseline_value=t["one"],
            higher_is_better=False,
            goal="< 30 s on 2 cores",
            notes=(
                f"median of {len(t['runs_four'])} runs, {m['threads']} torch "
                f"thread(s), while the machine is shared: {LONG_PROMPT!r}"
            ),
        )
    )
    for group, entry in m["styles"].items():
        sel, fr = entry["variants"]["selected"], entry["variants"]["free"]
        if "mean_oa" in sel:
            rows.append(
                row(
                    f"mean OA vs {group} pieces, {label}, selected",
                    sel["mean_oa"],
                    "OA",
                    cmd,
                    baseline="free sampling, same run",
                    baseline_value=fr.get("mean_oa"),
                    notes=(
                        f"{sel['pieces']} generated pieces against {entry['reference']} reference pieces "
                        "(Yang & Lerch, partita.evaluation.distribution)"
                    ),
                )
            )
        for metric in MUSPY_ROWS:
            if "muspy" not in sel:
                break
            rows.append(
                row(
                    f"MusPy {metric}, {group}, {label}, selected",
                    sel["muspy"][metric]["mean"],
                    "",
                    cmd,
                    baseline=f"{group} reference pieces, same run",
                    baseline_value=entry["muspy_reference"][metric]["mean"],
                    notes="alike when the ratio is near 1x (neither higher nor lower is better)",
                )
            )
    return rows


MUSPY_ROWS = ("pitch_class_entropy", "scale_consistency", "groove_consistency")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="9 prompts, 1 timing run, 4 reference pieces per style"
    )
    ap.add_argument(
        "--model", default="partita-small", help="a model name or folder; 'debug' = untrained (smoke)"
    )
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N prompts (after --quick)")
    ap.add_argument(
        "--name", default=None, help="result name (default controllability, or controllability-debug)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.pipelines import generate, load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    smoke = args.model == "debug"
    prompts = load_prompts()
    if args.quick:
        prompts = quick_subset(prompts)
    if args.limit:
        prompts = prompts[: args.limit]
    try:
        lm = load_generator(args.model)
    except (FileNotFoundError, ValueError, OSError) as e:
        sys.exit(f"bench_controllability: cannot load model {args.model!r}: {e}")
    selector_kw = "selector" in inspect.signature(generate).parameters
    cmd = " ".join(
        ["python bench/bench_controllability.py"]
        + (["--quick"] if args.quick else [])
        + ([f"--model {args.model}"] if args.model != "partita-small" else [])
        + ([f"--threads {args.threads}"] if args.threads else [])
        + ([f"--limit {args.limit}"] if args.limit else [])
    )
    # one short warm-up piece, so that the first prompt's time does not include torch's first-call set-up
    generate(
        "a warm-up", n=1, seed=0, model=lm, bars=1, wav=False, **({"selector": None} if selector_kw else {})
    )
    m: dict = {"model": args.model, "threads": torch.get_num_threads(), "n_prompts": len(prompts)}
    m["projection"] = projection_scores(prompts)
    results, m["adherence"], m["faders"], m["seconds"] = {}, {}, {}, {}
    from partita.evaluation.adherence import set_adherence

    for name in VARIANTS:
        results[name] = recs = run_variant(lm, prompts, name, selector_kw)
        m["adherence"][name] = set_adherence([p["controls"] for p in prompts], [r["measured"] for r in recs])
        m["faders"][name] = fader_correlations(prompts, recs)
        m["seconds"][name] = float(np.mean([r["seconds"] for r in recs]))
    m["long_piece"] = time_long_piece(lm, 1 if args.quick else 3, selector_kw)
    m["styles"] = style_figures(prompts, results, 4 if args.quick else 20)
    rows = build_rows(m, cmd, smoke)
    per_prompt = [
        {
            "id": p["id"],
            "prompt": p["prompt"],
            **{
                v: {
                    "notes": results[v][i]["notes"],
                    "seconds": round(results[v][i]["seconds"], 2),
                    "stop_reason": results[v][i]["stop_reason"],
                    "error": results[v][i]["error"],
                    "measured": results[v][i]["measured"].to_dict(),
                    "adherence": m["adherence"][v]["per_piece"][i],
                }
                for v in VARIANTS
            },
        }
        for i, p in enumerate(prompts)
    ]
    title = "Controllability: prompts written apart from the training captions"
    if smoke:
        title = "Controllability SMOKE TEST (untrained debug model: not a result)"
    extra = {
        "model": args.model,
        "selector_keyword": selector_kw,
        "text2midi_published": TEXT2MIDI,
        "projection": {k: v for k, v in m["projection"].items() if k != "per_piece"},
        "styles": m["styles"],
        "long_piece": m["long_piece"],
        "errors": {v: [r["id"] for r in recs if r["error"]] for v, recs in results.items()},
        "per_prompt": per_prompt,
    }
    name = args.name or ("controllability-debug" if smoke else "controllability")
    path = write_result(
        name, title, rows, quick=args.quick, extra=json.loads(json.dumps(extra, default=_json))
    )
    for r in rows:
        base = "" if r["baseline_value"] is None else f"  ({r['baseline']}: {r['baseline_value']:.3f})"
        print(f"{r['metric']}: {r['value']:.3f} {r['unit']}{base}")
    print(f"wrote {path}")


def _json(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


if __name__ == "__main__":
    main()
