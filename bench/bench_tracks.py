"""Track infill: one track of a held-out piece removed and written anew, the others kept as written.

Issue 21 item 2 (``partita infill piece.mid --tracks bass``). Held-out pieces only (split ``test`` of the
built corpus ``all``), in 4/4, 8 bars from the bar of their first (melody) note, onsets on a sixteenth grid
(POP909 is played, not quantized; its songs open with silent bars): POP909 songs (the PIANO accompaniment
written anew under MELODY and BRIDGE) and JSB chorales (the Bass written anew under Soprano, Alto and Tenor).
Four fills of each, one run:

- ``partita``: :meth:`partita.Generator.refill_tracks` (4 candidates, the best kept by its default
  ranking: the Selector plus chord-tone agreement with the kept tracks);
- ``partita + NLL``: the same 4 candidates ranked with the model's NLL of the merged piece subtracted
  (``nll_weight=1``: the model hears the kept tracks when it ranks; the question is whether that helps);
- ``block``: the rule baseline, :func:`partita.generation.tracks.block_fill` on the same chords (each bar's
  chord held, its root alone for a one-voice track, all its tones for a chordal one, in the track's register);
- ``real``: the track as the composer wrote it (the reference).

Measured over the bars written anew: chord-tone agreement of the new track's on-beat notes with the chord the
kept tracks play there (:func:`partita.pipelines.generator.track_agreement`); register against the real track
(mean-pitch gap in semitones, overlap of the pitch ranges); notes per bar against the real track (the mean
|log ratio|, and the mean ratio); the model's NLL of the merged piece (nats per token,
:func:`partita.generation.tracks.piece_nll`; ``partita + NLL`` ranks by it, so there it is no independent
judge).
And how the kept tracks' harmony is read (:func:`partita.generation.tracks.kept_chords`): the recogniser and
the melody harmoniser, one chord a bar, against POP909's annotations (majmin) and, for chorales, against the
recogniser on all four voices.

And bars 3-6 of the same pieces' track written anew (``--span``), sampled on from the track's own bars 1-2
(and chosen by how well its bars 7-8 follow: the bar infill's rescoring) against sampling it from bar 1 and
keeping bars 3-6: the mean-pitch jump at the seams, agreement, NLL, notes per bar.

Realism (:func:`partita.evaluation.realism.realism_report`): each set of whole 8-bar pieces (the kept
tracks with the new one: ``partita``, ``partita + NLL``, ``block``, the range task's fills, and ``real``,
the pieces as written) against other held-out pieces of the same corpus windowed the same way (twice as
many, none of them refilled), with the real-vs-real floor (two halves of those) from the same run: the
two-sample accuracy (0.5: cannot be told apart; lower is better) and the Fréchet distance of the features.

    python bench/bench_tracks.py [--pop 6] [--jsb 6] [--span 3-6] [--model partita-small|debug|PATH]
        [--threads 1]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_accompany import bar_chord_accuracy  # noqa: E402
from bench_realism import style_records  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_tracks")
SLOW = True  # samples dozens of tracks: run only when named
BARS = 8
SETS = ("partita", "partita + NLL", "block", "real")
TASKS = (
    ("pop", "PIANO", "POP909, PIANO under MELODY and BRIDGE"),
    ("chorale", "Bass", "JSB, Bass under S, A, T"),
)


def pieces(records: list[dict], corpus, track: str, count: int, seed: int) -> list[tuple[str, object, dict]]:
    """``count`` held-out pieces in 4/4 with a track named ``track``: :data:`BARS` bars from the bar of their
    first note (:func:`window`), with notes in both ``track`` and another track."""
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        names = [t.name for t in score.tracks]
        meters = {(int(t.numerator), int(t.denominator)) for t in score.time_signatures}
        if track not in names or meters - {(4, 4)}:
            continue
        cut = window(score, BARS)
        if cut is None or not cut[0].tracks[names.index(track)].notes:
            continue
        piece, offset = cut
        if sum(1 for t in piece.tracks if len(t.notes)) < 2:
            continue
        record = dict(records[i])  # the annotated chords, on the window's clock
        record["chord_segments"] = [
            {**seg, "start": seg["start"] - offset, "end": seg["end"] - offset}
            for seg in record.get("chord_segments") or []
            if seg["end"] > offset
        ]
        out.append((records[i]["piece_id"], piece, record))
        if len(out) >= count:
            break
    return out


def window(score, bars: int, grid: int = 4, lead: str = "MELODY"):
    """``bars`` bars of ``score`` from the bar of its first note (of its ``lead`` track where it has one:
    POP909 songs open with silent bars and an instrumental intro), notes
    cut at the window's end and their onsets and ends put on a ``grid``-per-beat grid (POP909 is played,
    not quantized: on-beat measures would find no note on a beat), and the second the window starts at; None
    when the piece is shorter."""
    from symusic import Note, Tempo, TimeSignature

    from partita.analysis.timeline import TempoMap
    from partita.score.bars import bar_lines, notated_bars

    total = notated_bars(score)
    leads = [t for t in score.tracks if t.name == lead and len(t.notes)] or list(score.tracks)
    first = min((n.time for t in leads for n in t.notes), default=None)
    if first is None:
        return None
    lines = bar_lines(score, total)
    k = int(np.searchsorted(lines, first, side="right")) - 1
    if k + bars > total:
        return None
    a, b = lines[k], lines[k + bars]
    out = score.copy()
    qpm = [float(t.qpm) for t in score.tempos if t.time <= a] or [120.0]
    step = max(1, int(score.ticks_per_quarter) // grid)
    out.markers.clear()  # events past the window (POP909's markers, pedals) would make the piece longer
    for track in out.tracks:
        for events in (track.controls, track.pedals, track.pitch_bends, track.lyrics):
            events.clear()
        notes = []
        for n in track.notes:
            start, end = round((n.time - a) / step) * step, round((n.time + n.duration - a) / step) * step
            if 0 <= start < b - a:
                notes.append(Note(start, max(step, min(end, b - a) - start), int(n.pitch), int(n.velocity)))
        track.notes.clear()
        track.notes.extend(sorted(notes, key=lambda n: (n.time, n.pitch)))
    out.tempos.clear()
    out.tempos.append(Tempo(0, qpm=qpm[-1]))
    out.time_signatures.clear()
    out.time_signatures.append(TimeSignature(0, 4, 4))
    return out, float(TempoMap(score).seconds(a))


def measure(generator, refill, piece) -> dict:
    """The metrics of one filled piece (see the module's docstring)."""
    from partita.generation.tracks import new_notes, piece_nll
    from partita.pipelines.generator import track_agreement

    real = [n for t in new_notes(refill, refill.score).tracks for n in t.notes]
    mine = [n for t in new_notes(refill, piece).tracks for n in t.notes]
    out = {"agreement": track_agreement(refill, piece)}
    out["nll"] = piece_nll(generator.model, generator.tokenizer, piece, refill.first, refill.last)
    out["notes_ratio"] = len(mine) / max(1, len(real))
    out["notes_log"] = abs(np.log(max(1, len(mine)) / max(1, len(real))))
    if mine and real:
        a, b = [n.pitch for n in mine], [n.pitch for n in real]
        out["mean_gap"] = abs(float(np.mean(a)) - float(np.mean(b)))
        lo, hi = max(min(a), min(b)), min(max(a), max(b))
        out["range_iou"] = max(0, hi - lo) / max(1, max(max(a), max(b)) - min(min(a), min(b)))
    return out


def chord_reading(refill, record: dict) -> dict:
    """One chord a bar for the kept tracks by the recogniser and by the harmoniser, against POP909's
    annotations (majmin) or, without them, against the recogniser on the whole piece (all tracks)."""
    import mir_eval

    from partita.analysis.chords import chords_per_bar, estimate_chords, merge_labels
    from partita.analysis.timeline import note_arrays
    from partita.generation.tracks import TEXTURE_CHORDS, kept_chords
    from partita.score.bars import bar_lines

    kept, bars, c = refill.kept, refill.total_bars, refill.request.conditions
    recognised, _ = kept_chords(kept, bars, c.key or "C", c.mode, "recognise")
    harmonised, _ = kept_chords(kept, bars, c.key or "C", c.mode, "harmonise")
    out = {"chosen": refill.chords_from, "threshold": TEXTURE_CHORDS}
    if record.get("chord_segments"):
        out["recognised"] = bar_chord_accuracy(kept, record, recognised, bars)
        out["harmonised"] = bar_chord_accuracy(kept, record, harmonised, bars)
        return out
    notes = note_arrays(refill.score)
    lines = np.asarray(bar_lines(refill.score, bars))
    beat = int(refill.score.ticks_per_quarter)
    beats = np.arange(0, int(lines[-1]) + beat, beat)
    reference = chords_per_bar(merge_labels(estimate_chords(notes, beats), beats), lines)
    for name, labels in (("recognised", recognised), ("harmonised", harmonised)):
        scores = mir_eval.chord.majmin(reference, labels)
        out[name] = float(np.mean([s for s in scores if s >= 0])) if any(s >= 0 for s in scores) else None
    return out


def run_task(generator, items: list, track: str, seed: int) -> tuple[dict, list, list, dict]:
    """The four fills of each piece, measured; the chord readings, the seconds per piece and the filled
    pieces of each set (for realism)."""
    from partita.generation.tracks import block_fill

    got: dict[str, list[dict]] = {k: [] for k in SETS}
    filled_sets: dict[str, list] = {k: [] for k in SETS}
    chords, seconds = [], []
    for k, (piece_id, piece, record) in enumerate(items):
        refill = generator.tracks_of(piece, [track])
        t0 = time.perf_counter()
        _, cands = generator.refill_tracks(refill, n=4, seed=seed + k, nll_weight=1.0)
        seconds.append(time.perf_counter() - t0)
        plain = max(cands, key=lambda c: c.scores.get("combined", 0.0) + c.scores.get("chord_tones", 0.0))
        for name, filled in (
            ("partita", plain.score),  # the default ranking: the Selector and chord-tone agreement
            ("partita + NLL", cands[0].score),
            ("block", block_fill(refill)),
            ("real", piece),
        ):
            got[name].append(measure(generator, refill, filled))
            filled_sets[name].append(filled)
        chords.append(chord_reading(refill, record))
        log.info("%s: %.1f s, chords %s", piece_id, seconds[-1], refill.chords_from)
    return got, chords, seconds, filled_sets


def seam_gap(refill, piece) -> float | None:
    """How far the named tracks jump at the edges of the bars written anew: the gap in mean pitch between
    the new notes of the first new bar and the notes of the bar before it, and between those of the last new
    bar and the bar after it (semitones, the mean of the seams there are)."""
    from partita.score.bars import bar_lines

    lines = bar_lines(piece, refill.total_bars)
    pitches = [n for i in refill.tracks for n in piece.tracks[i].notes]

    def mean_in(bar: int) -> float | None:  # 1-based bar
        got = [n.pitch for n in pitches if lines[bar - 1] <= n.time < lines[bar]]
        return float(np.mean(got)) if got else None

    gaps = []
    for inside, outside in ((refill.first, refill.first - 1), (refill.last, refill.last + 1)):
        if 1 <= outside <= refill.total_bars:
            a, b = mean_in(inside), mean_in(outside)
            if a is not None and b is not None:
                gaps.append(abs(a - b))
    return float(np.mean(gaps)) if gaps else None


def run_range(
    generator, items: list, track: str, seed: int, span: tuple[int, int]
) -> tuple[dict, dict[str, list]]:
    """Bars ``span`` of the named track written anew, sampled on from its own bars before them (and chosen
    by its bars after: ``context``) or sampled from bar 1 with only those bars kept (``from bar 1``); the
    measures and the filled pieces of each."""
    got: dict[str, list[dict]] = {"context": [], "from bar 1": [], "real": []}
    filled: dict[str, list] = {"context": [], "from bar 1": []}
    for k, (_, piece, _) in enumerate(items):
        for name, context in (("context", True), ("from bar 1", False)):
            refill = generator.tracks_of(piece, [track], span, context=context)
            _, cands = generator.refill_tracks(refill, n=4, seed=seed + k)
            got[name].append(
                {**measure(generator, refill, cands[0].score), "seam": seam_gap(refill, cands[0].score)}
            )
            filled[name].append(cands[0].score)
        got["real"].append({**measure(generator, refill, piece), "seam": seam_gap(refill, piece)})
    return got, filled


def range_rows(label: str, got: dict, span: tuple[int, int], cmd: str) -> list[dict]:
    what = (
        ("seam", "mean-pitch jump at the seams (semitones)", "semitones", False),
        ("agreement", "chord-tone agreement with the kept tracks (on-beat notes)", "", True),
        ("nll", "model NLL of the merged piece over the new bars (nats/token)", "nats/token", False),
        ("notes_log", "notes-per-bar error against the real track (|log ratio|)", "", False),
    )
    return [
        row(
            f"track infill, bars {span[0]}-{span[1]} of {BARS}: {name}, {label}, "
            "sampled on from the track's own bars",
            _mean(got["context"], key),
            unit,
            cmd,
            baseline="sampled from bar 1, only the bars asked for kept, same run",
            baseline_value=_mean(got["from bar 1"], key),
            higher_is_better=higher,
            notes=f"{len(got['real'])} held-out pieces; the real track: {_mean(got['real'], key):.3f}",
        )
        for key, name, unit, higher in what
    ]


def _mean(found: list[dict], key: str) -> float:
    values = [f[key] for f in found if f.get(key) is not None and np.isfinite(f[key])]
    return float(np.mean(values)) if values else float("nan")


def task_rows(label: str, got: dict, chords: list, seconds: list, cmd: str) -> list[dict]:
    n = len(got["real"])
    notes = f"{n} held-out pieces, first {BARS} bars; the real track: "
    what = (
        ("agreement", "chord-tone agreement with the kept tracks (on-beat notes)", "", True),
        ("nll", "model NLL of the merged piece (nats/token)", "nats/token", False),
        ("mean_gap", "mean-pitch gap to the real track (semitones)", "semitones", False),
        ("range_iou", "pitch-range overlap with the real track", "IoU", True),
        ("notes_log", "notes-per-bar error against the real track (|log ratio|)", "", False),
        ("notes_ratio", "notes per bar / the real track's", "ratio", True),
    )
    rows = []
    for key, name, unit, higher in what:
        for mine in ("partita", "partita + NLL"):
            rows.append(
                row(
                    f"track infill: {name}, {label}, {mine}",
                    _mean(got[mine], key),
                    unit,
                    cmd,
                    baseline="block chords in the track's register, same run",
                    baseline_value=_mean(got["block"], key),
                    higher_is_better=higher,
                    notes=notes
                    + f"{_mean(got['real'], key):.3f}"
                    + ("; ranked by it" if key == "nll" and mine == "partita + NLL" else ""),
                )
            )
    for method in ("recognised", "harmonised"):
        values = [c[method] for c in chords if c.get(method) is not None]
        rows.append(
            row(
                f"track infill: kept tracks' chords, {method}, {label}",
                float(np.mean(values)) if values else float("nan"),
                "accuracy",
                cmd,
                notes=f"{len(values)} pieces, one chord a bar (majmin) against "
                + ("POP909's annotations" if "POP" in label else "the recogniser on all four voices")
                + f"; partita chose {sorted({c['chosen'] for c in chords})}",
            )
        )
    rows.append(
        row(
            f"track infill: seconds per {BARS}-bar piece (4 candidates), {label}",
            float(np.mean(seconds)) if seconds else float("nan"),
            "s",
            cmd,
            higher_is_better=False,
            notes="2 CPU cores shared with other work while measured",
        )
    )
    return rows


REALISM_SETS = (
    ("partita", "the default ranking"),
    ("partita + NLL", "ranked with the model's NLL"),
    ("context", "bars {span}, sampled on from the track's own bars"),
    ("from bar 1", "bars {span}, sampled from bar 1"),
)


def realism_rows(label: str, report: dict, n: int, span: str, cmd: str) -> list[dict]:
    """Two-sample accuracy and Fréchet distance of each refilled set against the other held-out pieces,
    beside block chords (the rule baseline), the pieces as written and the real-vs-real floor."""
    sets, floor = report["sets"], report["floor"]
    real_n = report["real"]["n"]

    def at(name: str, key: str) -> float:
        return float(sets[name].get(key, float("nan"))) if name in sets else float("nan")

    floor_acc = (floor.get("two_sample") or {}).get("accuracy")
    context = (
        f"{n} refilled pieces vs {real_n} other held-out pieces ({BARS} bars); the pieces as written "
        f"{at('real', 'accuracy'):.3f} / Fréchet {at('real', 'frechet'):.2f}; real-vs-real floor "
        + (f"{floor_acc:.3f}" if floor_acc is not None else "n/a")
        + (f" / {floor['frechet']:.2f}" if floor.get("frechet") is not None else "")
    )
    rows = []
    for name, what in REALISM_SETS:
        if name not in sets:
            continue
        for key, metric, unit in (
            ("accuracy", "realism two-sample accuracy", "accuracy"),
            ("frechet", "realism Fréchet distance", ""),
        ):
            rows.append(
                row(
                    f"track infill: {metric}, {label}, {name} ({what.format(span=span)})",
                    at(name, key),
                    unit,
                    cmd,
                    baseline="block chords in the track's register, same run",
                    baseline_value=at("block", key),
                    higher_is_better=False,
                    notes=context,
                )
            )
    return rows


def reference(records: list, corpus, track: str, count: int, seed: int, used: list) -> list:
    """Held-out pieces windowed as the refilled ones, none of them refilled: ``count`` of them."""
    skip = {p for p, _, _ in used}
    more = pieces(records, corpus, track, len(used) + count, seed)
    return [piece for p, piece, _ in more if p not in skip][:count]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pop", type=int, default=6, help="held-out POP909 songs")
    ap.add_argument("--jsb", type=int, default=6, help="held-out JSB chorales")
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default=None)
    ap.add_argument("--span", default="3-6", help="bars of the range task, FIRST-LAST ('': no range task)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.realism import realism_report
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    records, corpus = style_records("all")
    generator = load_generator(args.model)
    cmd = " ".join(
        ["python bench/bench_tracks.py"]
        + ([f"--pop {args.pop}"] if args.pop != 6 else [])
        + ([f"--jsb {args.jsb}"] if args.jsb != 6 else [])
        + ([f"--model {args.model}"] if args.model != "partita-small" else [])
        + ([f"--threads {args.threads}"] if args.threads else [])
        + ([f"--span '{args.span}'"] if args.span != "3-6" else [])
    )
    t0 = time.perf_counter()
    rows, detail = [], {}
    for style, count in (("pop", args.pop), ("chorale", args.jsb)):
        _, track, label = next(t for t in TASKS if t[0] == style)
        items = pieces(records[style]["test"], corpus, track, count, args.seed)
        got, chords, seconds, filled = run_task(generator, items, track, args.seed)
        rows += task_rows(label, got, chords, seconds, cmd)
        detail[style] = {"pieces": [p for p, _, _ in items], "fills": got, "chords": chords}
        if args.span:
            span = tuple(int(x) for x in args.span.split("-"))
            ranged, filled_range = run_range(generator, items, track, args.seed, span)
            rows += range_rows(label, ranged, span, cmd)
            detail[style]["range"] = ranged
            filled.update(filled_range)
        others = reference(records[style]["test"], corpus, track, 2 * len(items), args.seed, items)
        report = realism_report(filled, others, seed=args.seed)
        rows += realism_rows(label, report, len(items), args.span, cmd)
        detail[style]["realism"] = report
    name = args.name or ("tracks" if args.model != "debug" else "tracks-debug")
    title = "Track infill: a track of held-out pieces written anew, against block chords and the real track"
    if args.name:  # a distinct title for each result file
        title += f" ({args.name})"
    extra = {"model": args.model, "seconds": time.perf_counter() - t0, "detail": detail}
    print(write_result(name, title, rows, extra=extra))


if __name__ == "__main__":
    main()
