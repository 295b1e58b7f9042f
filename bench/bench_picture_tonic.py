"""Does music set to a picture land on its tonic, in minor as in major?

Issue 26. A picture whose valence asks a mode gets a key chosen for it at planning
(:data:`partita.generation.planning.CHOOSE_KEY`), and a chosen **minor** key the tonic pull
(:data:`~partita.generation.planning.CHOSEN_TONIC_WEIGHT`, 0.5); the final pull
(:data:`~partita.generation.planning.CHOSEN_FINAL_WEIGHT`: the last bar towards the tonic,
:mod:`partita.generation.rules.final`) is off. Whether the mode is *heard* was measured before
(``bench_mode_key.py``); this measures whether the music **lands on the key's tonic and emphasises it**,
for minor asks against major ones, in arms of the same requests and seeds:

- ``shipped``: the defaults (minor: key chosen + tonic pull 0.5; major: key chosen alone);
- ``final``: the same and the final pull at ``--final`` (the planning switch set for the run only: the bench
  asks for the rule, it does not change it).

Images are made in code as ``bench_picture_mode.py`` draws them (``--images`` asking minor and as many asking
major), read back as ``generate --image`` reads them, the prompt empty, ``--bars`` bars, ``--n`` candidates
(the first kept: no choice, so the arms differ only in the pull). Per piece, against the chosen key's tonic:
the last onset's lowest note on the tonic (the final bass), any note of the last onset on it, the tonic's
share of the notes' duration (all notes) and of the notes starting a bar, and whether music21 hears the key
(tonic and mode). ``--keep DIR`` writes each piece's MIDI and piano roll.

    python bench/bench_picture_tonic.py --threads 1 [--images 8] [--bars 8] [--n 1] [--seed 11]
        [--final 2.0] [--keep DIR] [--name picture-tonic]
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
from bench_picture_mode import draw_images, paired_interval  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_picture_tonic")
SLOW = True  # two generations an image with partita-small: run only when named
TITLE = "Music set to a picture: does it land on its tonic, minor against major?"
MEASURES = (
    ("final_bass", "the last onset's lowest note on the tonic"),
    ("final_any", "a note of the last onset on the tonic"),
    ("tonic_share", "the tonic's share of the notes' duration"),
    ("downbeat_share", "the tonic's share of the notes starting a bar"),
    ("key_heard", "music21 hears the chosen key (tonic and mode)"),
)


def tonic_measures(score, key: str) -> dict:
    """How a piece lands on and weighs the tonic of ``key`` ("E minor")."""
    from bench_realism import music21_key
    from partita.analysis.key import parse_key
    from partita.analysis.timeline import beat_grid, note_arrays

    tonic = parse_key(key) % 12
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    out: dict = {"notes": int(notes.pitch.size)}
    if notes.pitch.size == 0:
        return {**out, **{m: None for m, _ in MEASURES}}
    pcs = notes.pitch % 12
    last = notes.start == notes.start.max()
    out["final_bass"] = float(int(notes.pitch[last].min()) % 12 == tonic)
    out["final_any"] = float(bool(np.any(pcs[last] == tonic)))
    dur = np.maximum(notes.end - notes.start, 1).astype(float)
    out["tonic_share"] = float(dur[pcs == tonic].sum() / dur.sum())
    grid = beat_grid(score, notes, int(notes.end.max()))
    on_bar = np.isin(notes.start, grid.bars)
    out["downbeat_share"] = float(np.mean(pcs[on_bar] == tonic)) if on_bar.any() else None
    heard = music21_key(score)
    out["key_music21"] = heard
    out["key_heard"] = None if heard is None else float(parse_key(heard) == parse_key(key))
    return out


def arm_piece(generator, request_of, seed: int, n: int, final: float) -> tuple:
    """The first candidate for the request with the final pull at ``final`` (0: the shipped plan)."""
    from partita.generation import planning

    shipped = planning.CHOSEN_FINAL_WEIGHT
    planning.CHOSEN_FINAL_WEIGHT = float(final)
    try:
        request = request_of()
        t0 = time.perf_counter()
        cand = generator.generate(request, n=n, seed=seed, selector=None)[0]
        return request, cand.score, time.perf_counter() - t0
    finally:
        planning.CHOSEN_FINAL_WEIGHT = shipped


def rows_for(records: list[dict], command: str, seed: int, final: float) -> list[dict]:
    """Per mode and measure, the final pull's arm against the shipped one (paired); then the shipped arm's
    minor asks against its major asks (is the minor tonic weaker?)."""

    def values(arm: str, mode: str, measure: str) -> list:
        return [r[arm].get(measure) for r in records if r["mode"] == mode and arm in r]

    def share_row(metric: str, now: list, base: list, baseline: str, notes: str) -> dict:
        return row(metric, float(np.mean(now)), "share", command, baseline, float(np.mean(base)), notes=notes)

    rows = []
    for mode in ("minor", "major"):
        for measure, text in MEASURES:
            pairs = [
                (a, b)
                for a, b in zip(values("shipped", mode, measure), values("final", mode, measure), strict=True)
                if a is not None and b is not None
            ]
            if pairs:
                base, now = [p[0] for p in pairs], [p[1] for p in pairs]
                diff, lo, hi = paired_interval(base, now, seed)
                metric = f"{mode} asks: {text} (final pull {final:g}; shipped in baseline)"
                notes = f"{len(pairs)} pieces; paired difference {diff:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                rows.append(share_row(metric, now, base, "shipped (no final pull)", notes))
    for measure, text in MEASURES:
        minor = [x for x in values("shipped", "minor", measure) if x is not None]
        major = [x for x in values("shipped", "major", measure) if x is not None]
        if minor and major:
            metric = f"shipped: {text}, minor asks (major asks in baseline)"
            rows.append(
                share_row(metric, minor, major, "major asks", f"{len(minor)} minor, {len(major)} major")
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=8, help="images asking minor, and as many asking major")
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--n", type=int, default=1, help="candidates a piece (the first kept)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--final", type=float, default=2.0, help="the final pull of the second arm")
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="write each piece's MIDI and piano roll here")
    ap.add_argument("--name", default="picture-tonic")
    ap.add_argument("--quick", action="store_true", help="2 images a mode, 4 bars")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.quick:
        args.images, args.bars = 2, 4
    from partita.generation.picture import image_request
    from partita.picture import read_image_features
    from partita.pipelines import load_generator

    command = " ".join(["python bench/bench_picture_tonic.py", *sys.argv[1:]])
    generator = load_generator(args.model)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        images = draw_images(np.random.default_rng(args.seed), args.images, Path(tmp), args.bars)
        for i, image in enumerate(images):
            path = image["path"]

            def request_of(path=path):
                return image_request(read_image_features(path), "", path.name, bars=args.bars)

            rec = {"image": path.name, "mode": image["mode"]}
            for arm, final in (("shipped", 0.0), ("final", args.final)):
                request, score, seconds = arm_piece(generator, request_of, args.seed * 100 + i, args.n, final)
                c = request.conditions
                key = c.key if c.key is None or " " in c.key else f"{c.key} {c.mode}"
                rec["key"], rec["key_chosen"] = key, request.key_chosen
                if key is None:  # no key chosen (no seed, or given music): nothing to land on
                    log.warning("%s: no key chosen", path.name)
                    continue
                rec[arm] = {**tonic_measures(score, key), "seconds": round(seconds, 1)}
                if args.keep is not None:
                    from partita.render.pianoroll import write_pianoroll
                    from partita.score.formats import write_midi

                    stem = f"{image['mode']}-{i:02d}-{arm}"
                    write_midi(score, args.keep / f"{stem}.mid")
                    write_pianoroll(score, args.keep / f"{stem}.png", title=f"{path.name}: {key}, {arm}")
                log.info("%s %s (%s): %s", path.name, arm, key, rec[arm])
            records.append(rec)
    rows = rows_for(records, command, args.seed, args.final)
    title = TITLE if args.name == "picture-tonic" else f"{TITLE} (run {args.name})"
    print(write_result(args.name, title, rows, quick=args.quick, extra={"records": records}))


if __name__ == "__main__":
    main()
