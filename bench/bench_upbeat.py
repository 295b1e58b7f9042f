"""Bar lines of a melody whose MIDI file does not pad its upbeat (issue 21): the bar phase from the notes.

MIDI has no pickup bar: music21 (and most tools) write an upbeat melody from tick 0, so a reader counting bars
from tick 0 puts every bar line a beat or more off. :func:`partita.analysis.meter_inference.bar_phase` reads
where the first bar line falls under the declared meter from the notes (onsets, long notes, the end, the
pickup's length, each by position in the bar, a model fitted per meter), and
:func:`partita.generation.upbeat.place_pickup` pads the pickup when it is confident.

Melodies: music21's Bach chorale sopranos (top voice) and Essen folk songs, one meter throughout, as the built
corpus ``all`` holds them (padded to full bars by partita's music21 reader), and the same notes moved to start
at tick 0, as music21's ``.write('midi')`` writes them (checked on ``bach/bwv269``). The model is fitted on
the corpus's train split, whole and their first 8 bars (``--fit`` writes
``src/partita/analysis/bar_phase.json``); the test split is halved by piece id: the development half chose
the settings (the cues' weights, the confidence to shift at), the held-out half is reported. Reported, each
against the baseline "the first note starts bar 1" (the file's bars) in the same run,
for whole melodies and for their first 8 bars (with the pickup), separately for melodies with an upbeat and
without: the bar phase exactly right (to the sixteenth), and the false shifts: files whose bars were right
(no upbeat, or padded as partita writes them) that the reader would move.

    python bench/bench_upbeat.py [--fit] [--tau 0.9]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

SLOW = True  # reads the built corpus `all` (data/corpora/all): not for `make bench --quick`

COMMAND = "python bench/bench_upbeat.py"
SOURCES = {"music21:bach": "chorale", "music21:essenFolksong": "essen"}
FALSE_SHIFTS = ("false shift, padded files", "false shift, padded with upbeat", "false shift, no upbeat")
MIN_FIT = 30
"""Meters with fewer train melodies are left out of the model (the reader then keeps the file's bars)."""


def melodies(split: str, crop: int | None = None):
    """(source, piece id, meter, tpq, padded notes, bar ticks) of the corpus's chorale sopranos and Essen
    songs of ``split`` in one meter, first note within the first bar; ``crop``: their first bars only."""
    from partita.analysis.timeline import meters_of, note_arrays
    from partita.corpus import load_corpus

    corpus = load_corpus("all")
    for rec in corpus.records():
        if rec["source"] not in SOURCES or rec["split"] != split:
            continue
        score = corpus.read_piece(rec["piece_id"])
        meters = meters_of(score)
        if len({m[1:] for m in meters}) != 1 or meters[0][0] != 0 or meters[0][1] < 2:
            continue
        tracks = [t for t in score.tracks if len(t.notes) and not t.is_drum]
        if not tracks:
            continue
        top = max(tracks, key=lambda t: np.mean([n.pitch for n in t.notes]))
        score.tracks = [top]
        notes = note_arrays(score)
        num, den = meters[0][1:]
        tpq = int(score.ticks_per_quarter)
        bar = num * 4 * tpq // den
        first = int(notes.start.min())
        if first >= bar or first % (tpq // 4):
            continue
        if crop:
            stop = (crop + (1 if first else 0)) * bar
            keep = notes.start < stop
            notes = notes.select(keep)
            notes.end = np.minimum(notes.end, stop)
        yield SOURCES[rec["source"]], rec["piece_id"], f"{num}/{den}", tpq, notes, bar


def moved(notes, by: int):
    """``notes`` moved ``by`` ticks (to tick 0 for an unpadded file)."""
    from partita.analysis.timeline import NoteArrays

    return NoteArrays(notes.start + by, notes.end + by, notes.pitch, notes.velocity, notes.track, notes.drum)


def fit(out: Path) -> dict:
    import json

    from partita.analysis.meter_inference import SLOTS_PER_QUARTER, fit_phase_model, phase_counts

    examples, seen = [], {}
    whole_and_cropped = itertools.chain(melodies("train"), melodies("train", 8))
    for _, _, meter, tpq, notes, _bar in whole_and_cropped:
        num, den = map(int, meter.split("/"))
        c = phase_counts(notes, tpq, num, den)
        if c is not None:
            examples.append((meter, c, 0))  # the corpus's own bars: the bar line at tick 0
            seen[meter] = seen.get(meter, 0) + 1
    keep = [e for e in examples if seen[e[0]] >= MIN_FIT]
    model = fit_phase_model(keep)
    out.write_text(json.dumps({"slots_per_quarter": SLOTS_PER_QUARTER, "meters": model}, indent=1) + "\n")
    print(f"fitted {len(keep)} train melodies, meters {sorted(model)}; wrote {out}")
    return model


def half(piece_id: str) -> str:
    return "dev" if int(hashlib.md5(piece_id.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def evaluate(crop: int | None, weights) -> list[dict]:
    """Per test melody: its half, source, whether it has an upbeat, and the posterior of the bar line of
    the unpadded and of the padded file (the truth's and the file's own)."""
    from partita.analysis.meter_inference import bar_phase

    out = []
    for src, pid, meter, tpq, notes, bar in melodies("test", crop):
        num, den = map(int, meter.split("/"))
        first = int(notes.start.min())
        item = {"half": half(pid), "source": src, "upbeat": first > 0, "meter": meter, "piece": pid}
        for kind, shift, truth in (("unpadded", -first, (-first) % bar), ("padded", 0, 0)):
            guess = bar_phase(moved(notes, shift), tpq, num, den, weights)
            if guess is None:
                item = None
                break
            item[kind] = {
                "guess": guess.bar_line,
                "conf": guess.confidence,
                "truth": truth,
                "starts_at_0": shift + first == 0,
            }
        if item is not None:
            out.append(item)
    return out


def decided(r: dict, tau: float, tau_late: float) -> int:
    """The bar line the reader settles on: the guess when confident enough (more so for a file whose
    first note starts after tick 0), else the file's own (0)."""
    need = tau if r["starts_at_0"] else tau_late
    return r["guess"] if r["guess"] != 0 and r["conf"] >= need else 0


def scores(items: list[dict], tau: float, tau_late: float) -> dict:
    def acc(sel, kind, fn):
        rows = [fn(i[kind]) for i in items if sel(i)]
        return (float(np.mean(rows)) if rows else float("nan")), len(rows)

    out = {}
    for name, sel in (("upbeat", lambda i: i["upbeat"]), ("no upbeat", lambda i: not i["upbeat"])):
        out[name] = {
            "read": acc(sel, "unpadded", lambda r: decided(r, tau, tau_late) == r["truth"]),
            "baseline": acc(sel, "unpadded", lambda r: r["truth"] == 0),
            "raw guess": acc(sel, "unpadded", lambda r: r["guess"] == r["truth"]),
        }
    out["false shift, padded files"] = acc(lambda i: True, "padded", lambda r: decided(r, tau, tau_late) != 0)
    out["false shift, padded with upbeat"] = acc(
        lambda i: i["upbeat"], "padded", lambda r: decided(r, tau, tau_late) != 0
    )
    out["false shift, no upbeat"] = acc(
        lambda i: not i["upbeat"], "unpadded", lambda r: decided(r, tau, tau_late) != 0
    )
    return out


def _score_of(notes, tpq: int, meter: str):
    import symusic

    num, den = map(int, meter.split("/"))
    score = symusic.Score(tpq)
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    score.tempos.append(symusic.Tempo(0, qpm=90.0))
    track = symusic.Track("melody", 0, False)
    for a, b, p in zip(notes.start, notes.end, notes.pitch, strict=True):
        track.notes.append(symusic.Note(int(a), int(b - a), int(p), 80))
    score.tracks.append(track)
    return score


def downstream(sources: tuple[str, ...] = ("chorale",), limit: int = 60) -> dict:
    """partita's rule accompaniment (block chords, one a bar, from its harmonisation of the melody) under
    held-out melodies with an upbeat, first 8 bars, read three ways: the unpadded file's bars (baseline),
    the bars read (:func:`place_pickup`) and the true bars (the corpus's): the share of its chords struck on
    a true bar line, and the melody's notes on the beats that are tones of the chord under them."""
    from partita.evaluation.accompaniment import accompaniment_agreement, split_melody
    from partita.generation.accompany import accompaniment_request, block_chords
    from partita.generation.upbeat import place_pickup

    got: dict[str, dict[str, list]] = {k: {"on bar lines": [], "chord tones": []} for k in READINGS}
    for src, pid, meter, tpq, notes, bar in melodies("test", 8):
        first = int(notes.start.min())
        if src not in sources or half(pid) != "held-out" or not first:
            continue
        raw = _score_of(moved(notes, -first), tpq, meter)
        read, _ = place_pickup(raw)
        for name, score in zip(READINGS, (raw, read, _score_of(notes, tpq, meter)), strict=True):
            _, mel = accompaniment_request(score, "for piano")
            piece = block_chords(mel)
            lag = first - min(n.time for n in score.tracks[0].notes)  # to the true bars' ticks
            struck = [n.time + lag for t in piece.tracks[1:] for n in t.notes]
            got[name]["on bar lines"].append(float(np.mean([t % bar == 0 for t in struck])))
            got[name]["chord tones"].append(
                accompaniment_agreement(*split_melody(piece, 1)).chord_tones or 0.0
            )
        if len(got["true"]["chord tones"]) >= limit:
            break
    return {
        k: {m: float(np.mean(v)) for m, v in d.items()} | {"n": len(d["chord tones"])} for k, d in got.items()
    }


READINGS = ("file's bars", "read", "true")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="fit the model on the train split first")
    ap.add_argument("--tau", type=float, default=None, help="confidence to shift at (default: the reader's)")
    ap.add_argument("--tau-late", type=float, default=None, help="the same for a file starting after tick 0")
    ap.add_argument("--weights", default=None, help="onset,long,end,pickup weights (default: the reader's)")
    args = ap.parse_args()
    from partita.analysis import meter_inference as mi
    from partita.generation import upbeat

    if args.fit:
        fit(mi.PHASE_MODEL_FILE)
        mi._MODEL = None
    weights = tuple(map(float, args.weights.split(","))) if args.weights else mi.PHASE_WEIGHTS
    tau = upbeat.MIN_CONFIDENCE if args.tau is None else args.tau
    tau_late = upbeat.MIN_CONFIDENCE_LATE if args.tau_late is None else args.tau_late
    rows, extra = (
        [],
        {"settings": {"weights": weights, "tau": tau, "tau_late": tau_late}, "dev": {}, "held-out": {}},
    )
    cmd = COMMAND + (f" --weights {args.weights}" if args.weights else "")
    for crop in (None, 8):
        items = evaluate(crop, weights)
        what = "whole melodies" if crop is None else f"first {crop} bars"
        for part in ("dev", "held-out"):
            for src in ("chorale", "essen", "all"):
                sel = [i for i in items if i["half"] == part and src in ("all", i["source"])]
                s = scores(sel, tau, tau_late)
                key = f"{what}, {src}"
                extra[part][key] = s
                if part == "dev":
                    continue
                for group in ("upbeat", "no upbeat"):
                    (v, n), (b, _) = s[group]["read"], s[group]["baseline"]
                    rows.append(
                        row(
                            f"bar phase exact, {group}, {key} (held-out, n={n})",
                            v,
                            "share",
                            cmd,
                            baseline="first note starts bar 1",
                            baseline_value=b,
                            notes=f"the model's best guess alone (no confidence needed): "
                            f"{s[group]['raw guess'][0]:.3f}",
                        )
                    )
                for name in FALSE_SHIFTS:
                    v, n = s[name]
                    rows.append(
                        row(
                            f"{name}, {key} (held-out, n={n})",
                            v,
                            "share",
                            cmd,
                            baseline="first note starts bar 1 (never shifts)",
                            baseline_value=0.0,
                            higher_is_better=False,
                        )
                    )
    for sources in (("chorale",), ("essen",)):
        down = downstream(sources)
        extra[f"downstream, {sources[0]}"] = down
        for metric in ("on bar lines", "chord tones"):
            rows.append(
                row(
                    f"block chords under held-out {sources[0]} melodies with an upbeat, first 8 bars "
                    f"(n={down['read']['n']}): {metric}, bars read",
                    down["read"][metric],
                    "share",
                    cmd,
                    baseline="the file's bars (first note starts bar 1)",
                    baseline_value=down["file's bars"][metric],
                    notes=f"with the true bars: {down['true'][metric]:.3f}",
                )
            )
    for r in rows:
        print(f"{r['metric']}: {r['value']:.3f} (baseline {r['baseline_value']:.3f})")
    path = write_result("upbeat", "Upbeats read from unpadded MIDI melodies (bar phase)", rows, extra=extra)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
