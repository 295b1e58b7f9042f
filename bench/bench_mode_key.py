"""A mode asked without a key, with a key chosen for it at planning and without: pictures and mood words.

Issue 26. A picture's valence and a mood word ("sad", "happy") ask a mode but no key, and partita-small barely
follows a bare ``Mode_`` token. The plan now chooses a key in the mode asked
(:data:`partita.generation.planning.CHOOSE_KEY`, :mod:`partita.generation.mode_keys`: a tonic drawn with the
seed from the keys real pieces of the style are in, in that mode). Two kinds of request, each generated in
two arms with the same seed and candidates count (the arms interleaved request by request):

- **pictures**: images made in code as ``bench_picture_mode.py`` draws them (``--images`` asking minor and as
  many asking major), read back as ``generate --image`` reads them, the prompt empty;
- **words**: :data:`TEXTS`, 16 prompts a mood word makes minor and 16 major, none naming a key (a few name
  a style or an instrument);

and the arms:

- ``before``: no key chosen (``CHOOSE_KEY`` off): the model chooses, as before this change;
- ``key chosen``: a key chosen, nothing else (the first version of this change);
- ``key chosen + tonic`` (``--arms``): the same and the tonic pull (0.5, towards the tonic triad of the key
  chosen: :data:`~partita.generation.planning.CHOSEN_TONIC_WEIGHT`), in either mode;
- ``key chosen + final``: the same and the final pull (2.0, the last bar towards the tonic:
  :data:`~partita.generation.planning.CHOSEN_FINAL_WEIGHT`), not benched;
- ``shipped``: the defaults now (a key chosen in either mode, the tonic pull in minor only).

Each request gets ``--n`` candidates (partita-small's defaults) and the shipped Selector's pick (it counts CM,
the mode heard, among the adherence in both arms), and the first candidate (no choice). Measured: the share
heard in the mode asked, by partita's key analysis (which CM reads) and by music21's ``analyze("key")`` (which
the generator never uses: the claim), for minor and major asks, with a paired 95% bootstrap interval over
requests; what it costs: the Selector's quality score (P(real music)), repeated notes and steps among melodic
intervals, pitch-class entropy.

    python bench/bench_mode_key.py --threads 1 [--images 16] [--texts] [--n 4] [--bars 8] [--seed 4]
        [--arms 'before,key chosen[,key chosen + tonic]'] [--modes minor,major]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_picture_mode import draw_images, heard, in_mode, paired_interval  # noqa: E402
from common import row, write_result  # noqa: E402
from picture_common import realism_measures  # noqa: E402

log = logging.getLogger("bench_mode_key")
SLOW = True  # two generations of several candidates a request with partita-small: run only when named
TITLE = "A mode asked without a key (pictures, mood words): a key chosen for it at planning, or the model's"
ARMS: dict[str, tuple[bool, float, float, tuple[str, ...], bool]] = {
    "before": (False, 0.0, 0.0, (), False),
    "key chosen": (True, 0.0, 0.0, (), False),
    "key chosen + tonic": (True, 0.0, 0.5, ("major", "minor"), False),
    "key chosen + final": (True, 2.0, 0.0, (), False),
    "tonic everywhere": (True, 0.0, 0.5, ("minor",), False),
    "downbeats 1": (True, 0.0, 1.0, ("minor",), True),
    "downbeats 2": (True, 0.0, 2.0, ("minor",), True),
    "shipped": (True, 0.0, 0.5, ("minor",), False),
}
"""Each arm's :data:`~partita.generation.planning.CHOOSE_KEY`, :data:`~partita.generation.planning.
CHOSEN_FINAL_WEIGHT`, :data:`~partita.generation.planning.CHOSEN_TONIC_WEIGHT`,
:data:`~partita.generation.planning.CHOSEN_TONIC_MODES` and
:data:`~partita.generation.planning.CHOSEN_TONIC_ON_DOWNBEATS` (``downbeats 1`` / ``2``: the chosen minor
key's tonic pull at 1.0 or 2.0 on the notes that start a bar only; ``tonic everywhere``: the pull at 0.5 on
every note, as shipped in the nineteenth session)."""
SWITCHES = (
    "CHOOSE_KEY",
    "CHOSEN_FINAL_WEIGHT",
    "CHOSEN_TONIC_WEIGHT",
    "CHOSEN_TONIC_MODES",
    "CHOSEN_TONIC_ON_DOWNBEATS",
)
PICKS = ("selector", "first")
TEXTS: dict[str, tuple[str, ...]] = {
    "minor": (
        "a sad piano piece",
        "a melancholic melody for violin",
        "a mournful tune for cello",
        "a gloomy piece for flute",
        "a sad song for guitar",
        "a melancholy waltz for piano",
        "a dark piece for clarinet",
        "a sad jig",
        "a melancholic chorale",
        "a mournful air for violin",
        "a sad folk song for flute",
        "an anxious piece for piano and violin",
        "a gloomy melody for oboe",
        "a melancholy tune for piano",
        "a sad slow piece for strings",
        "a tense piece for piano",
    ),
    "major": (
        "a happy piano piece",
        "a joyful melody for violin",
        "a cheerful tune for flute",
        "a bright piece for guitar",
        "a sunny song for piano",
        "a happy waltz for piano",
        "a playful piece for clarinet",
        "a happy jig",
        "a joyful chorale",
        "a cheerful air for violin",
        "a happy folk song for flute",
        "a hopeful piece for piano and violin",
        "a cheerful melody for oboe",
        "a joyful tune for piano",
        "a tender piece for strings",
        "a peaceful piece for piano",
    ),
}
"""Prompts a mood word makes minor or major (|valence| >= 0.2), none naming a key."""
MEASURES = (
    ("quality", "the Selector's quality score (P(real music))"),
    ("melody_repeat_share", "repeated notes among melodic intervals"),
    ("melody_step_share", "steps among melodic intervals"),
    ("pitch_class_entropy", "pitch-class entropy (bits)"),
)


def arm_picks(generator, selector, make_request, n: int, seed: int, arm: str) -> dict:
    """One arm for one request: the Selector's pick and the first candidate, each heard and measured."""
    from partita.generation import planning

    shipped = {name: getattr(planning, name) for name in SWITCHES}
    for name, value in zip(SWITCHES, ARMS[arm], strict=True):
        setattr(planning, name, value)
    try:
        request = make_request()
        t0 = time.perf_counter()
        cands = generator.generate(request, n=n, seed=seed, selector=None)
        seconds = time.perf_counter() - t0
    finally:
        for name, value in shipped.items():
            setattr(planning, name, value)
    chosen = {"selector": selector.rank(cands, request)[0][0], "first": cands[0]}
    out = {"asked_key": request.conditions.key if request.key_chosen else None, "seconds": seconds}
    for name, cand in chosen.items():
        out[name] = {**heard(cand.score), **realism_measures(cand.score, selector, request)}
        out[name]["CM"] = cand.adherence.get("CM")
    return out


def requests(args, folder: Path) -> list[dict]:
    """The requests benched: each its kind, mode asked, label and a function that makes it afresh."""
    from partita.generation.picture import image_request
    from partita.generation.prompt import project_prompt
    from partita.picture import read_image_features

    out = []
    if args.images:
        images = draw_images(np.random.default_rng(args.seed), args.images, folder, args.bars)
        for image in images:

            def make(path=image["path"]):
                return image_request(read_image_features(path), "", path.name, bars=args.bars)

            out.append({"kind": "picture", "mode": image["mode"], "label": image["path"].name, "make": make})
    if args.texts:
        for mode, prompts in ((m, TEXTS[m]) for m in args.modes.split(",")):
            for text in prompts:
                request = project_prompt(text, bars=args.bars)
                if request.conditions.mode != mode or request.conditions.key:
                    raise SystemExit(f"{text!r} does not ask {mode} without a key")

                def make(text=text):
                    return project_prompt(text, bars=args.bars)

                out.append({"kind": "words", "mode": mode, "label": text, "make": make})
    return out


def paired_row(metric: str, pairs: list[tuple], unit: str, command: str, seed: int, what: str) -> dict:
    """One row: the mean of the arm's values (each pair's second) against the before arm's, with the
    paired difference's 95% bootstrap interval; ``what`` opens the notes."""
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    diff, lo, hi = paired_interval(a, b, seed)
    return row(
        metric,
        float(np.mean(b)),
        unit,
        command,
        baseline="no key chosen (the model's), same requests and seeds",
        baseline_value=float(np.mean(a)),
        notes=f"{what}; difference {diff:+.3f} [{lo:+.3f}, {hi:+.3f}] (95% bootstrap)",
    )


def mode_rows(records: list[dict], arms: list[str], command: str, seed: int) -> list[dict]:
    rows = []
    for kind, arm in ((k, a) for k in sorted({r["kind"] for r in records}) for a in arms if a != "before"):
        for judge, field in (("music21's analyze('key')", "key_music21"), ("partita's key analysis", "key")):
            for mode in ("minor", "major"):
                recs = [r for r in records if r["kind"] == kind and r["mode"] == mode]
                for pick in PICKS:
                    pairs = [
                        (in_mode(r["before"][pick][field], mode), in_mode(r[arm][pick][field], mode))
                        for r in recs
                    ]
                    pairs = [p for p in pairs if None not in p]
                    if pairs:
                        what = f"{sum(p[1] for p in pairs):.0f} of {len(pairs)} {arm}, "
                        what += f"{sum(p[0] for p in pairs):.0f} before"
                        metric = f"mode key: {kind}, {mode} asks heard {mode} by {judge}, {pick}, {arm}"
                        rows.append(paired_row(metric, pairs, "share", command, seed, what))
        for key, label in MEASURES:
            recs = [r for r in records if r["kind"] == kind]
            pairs = [(r["before"]["selector"].get(key), r[arm]["selector"].get(key)) for r in recs]
            pairs = [p for p in pairs if None not in p]
            if pairs:
                metric = f"mode key: {kind}, {label}, selector's pick, {arm}"
                rows.append(paired_row(metric, pairs, "mean", command, seed, f"{len(pairs)} requests"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=16, help="images asking each mode (0: none)")
    ap.add_argument("--texts", action="store_true", help="the mood-word prompts too")
    ap.add_argument("--n", type=int, default=4, help="candidates a request")
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--arms", default="before,key chosen", help=f"comma-separated, of {', '.join(ARMS)}")
    ap.add_argument("--modes", default="minor,major", help="the modes asked (words: which prompts)")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.selector import choose_selector
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.name or ("mode-key" if args.model != "debug" else "mode-key-debug")
    generator = load_generator(args.model)
    selector = choose_selector("auto", generator.selector_dir)
    command = " ".join(["python bench/bench_mode_key.py", *sys.argv[1:]])
    arms = [a.strip() for a in args.arms.split(",")]
    if "before" not in arms or not set(arms) <= set(ARMS):
        raise SystemExit(f"--arms {args.arms!r}: 'before' and any of {', '.join(ARMS)}")
    t0 = time.perf_counter()
    records = []
    with tempfile.TemporaryDirectory(prefix="bench-mode-key-") as tmp:
        for i, req in enumerate(requests(args, Path(tmp))):
            seed = args.seed * 1000 + i
            rec = {k: req[k] for k in ("kind", "mode", "label")}
            for arm in arms:
                rec[arm] = arm_picks(generator, selector, req["make"], args.n, seed, arm)
            heard_by = "; ".join(
                f"{arm}{' (' + rec[arm]['asked_key'] + ')' if rec[arm]['asked_key'] else ''} "
                f"{rec[arm]['selector']['key']} / {rec[arm]['selector']['key_music21']}"
                for arm in arms
            )
            log.info("%s %r asks %s: %s", req["kind"], req["label"], req["mode"], heard_by)
            records.append(rec)
    rows = mode_rows(records, arms, command, args.seed)
    extra = {"records": records, "model": args.model, "n": args.n, "seconds": time.perf_counter() - t0}
    print(write_result(name, TITLE, rows, extra=extra))


if __name__ == "__main__":
    main()
