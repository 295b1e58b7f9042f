"""Accompaniment: parts added under a held-out melody, against block chords and the song's own parts.

Issue 21 item 3. Held-out POP909 songs (split ``test`` of the built corpus ``all``), their first 16 bars: the
MELODY track is the melody; three accompaniments of it, one run:

- ``partita``: :meth:`partita.Generator.accompany` with "a pop song for piano" (4 candidates, the first kept;
  since the twentieth session pop's default is a POP909 figure, ``bench_accompany_figures.py``);
- ``partita, plain``: the ablation, the model's sampled parts without the accompaniment's defaults (the
  texture of three voices under the melody, :func:`partita.generation.accompany.parts_texture`: polyphony 3,
  density the melody's notes a quarter times 3, rhythm the melody's onsets a quarter; texture faders at 0.7,
  :data:`~partita.generation.accompany.ACCOMPANIMENT_FADERS`, where ``PARTS_VOICES`` is None; chord tones
  only, ``ACCOMPANIMENT_SETTINGS``);
- ``block``: the rule baseline, :func:`partita.generation.accompany.block_chords` on the same chords (a
  sustained triad and a bass root a bar);
- ``real``: the song's own BRIDGE and PIANO tracks (the reference, not a competitor).

Measured: :func:`partita.evaluation.accompaniment.chord_tone_agreement` (the melody's on-beat notes in the
chord the parts play there), :func:`~partita.evaluation.accompaniment.beat_consonance` (those that clash with
no sounding part) and :func:`~partita.evaluation.accompaniment.onset_agreement` (onset F-measure between
melody and parts, within a sixteenth), each set's mean; realism of the whole pieces (melody and parts)
against the first 16 bars of other held-out songs (the classifier two-sample test of the realism benchmark);
and how well the melody alone is harmonised: bar chords of
:func:`partita.analysis.harmonize.harmonize_melody` against POP909's chord annotations (``mir_eval.chord``
majmin, over the bars), beside partita's chord recogniser run on the melody alone. Folk melodies (German and
Chinese folk songs, jigs) have no accompaniment to compare with: their rows give consonance and onset
agreement of partita's parts against block chords.

``--chorales N``: held-out chorales of four voices in 4/4 or 3/4 (the test split less the development
pieces, :data:`CHORALE_CHOSEN_ON`), their first 8 bars: the soprano accompanied "for choir" as configured
(``partita``) and with ``--arm``'s attributes of :mod:`partita.generation.accompany` set (``partita, arm``,
the ablation: by default ``PARTS_TOGETHER={}``, the parts' onsets their own), same seeds, beside block chords
and the real alto, tenor and bass; agreement as above, the parts' notes a bar, notes an onset, share on the
beats, melody onsets struck and struck downbeats (:func:`parts_rhythm`), how they move as voices (inner
repeats, time above the soprano, crossings: :func:`parts_voicing`), and realism against up to ``2 N``
other held-out chorales. ``--n 0 --folk 0`` runs the chorales alone.

    python bench/bench_accompany.py [--n 12] [--folk 6] [--model partita-small|debug|PATH] [--threads 2]
        [--save DIR] [--chorales 20 [--arm NAME=json ...]]

On shared cores the chorale run goes in parts: ``--chorales 20 --skip K --save DIR`` samples sopranos K to 19
(seeds as in the whole run; ``--upto J`` stops before soprano J, so that two parts run side by side), each
saved as it finishes; ``--chorales 20 --measure DIR`` reads every set back
and writes the rows (the same figures as one run: the 8 sopranos of ``accompany-chorales-bass-span-dotted-8``
read back gave its 62 rows to the digit).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accompany_parts import parts_harmony, parts_lines, parts_rhythm, parts_voicing  # noqa: E402
from bench_realism import style_records  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_accompany")
SLOW = True  # generates dozens of accompaniments: run only when named
BARS = 16
POP_PROMPT = "a pop song for piano"
FOLK_PROMPT = "for piano"
WHAT = ("chord-tone agreement on beats", "beat consonance", "onset agreement (F)")


def melody_and_parts(score, melody_name: str = "MELODY") -> tuple[object, object] | None:
    """``score`` as (its melody track alone, its other tracks), or None when it has no such track."""
    from partita.evaluation.accompaniment import split_melody

    names = [t.name for t in score.tracks]
    if melody_name not in names:
        return None
    piece = score.copy()
    i = names.index(melody_name)
    piece.tracks = [score.tracks[i].copy()] + [t.copy() for k, t in enumerate(score.tracks) if k != i]
    return split_melody(piece, 1)


def bar_chord_accuracy(melody, record: dict, labels: list[str], bars: int) -> float | None:
    """mir_eval majmin of one chord a bar (``labels``) against the record's annotated chord segments."""
    import mir_eval

    from partita.analysis.chords import merge_labels
    from partita.analysis.timeline import TempoMap
    from partita.score.bars import bar_lines

    segments = record.get("chord_segments") or []
    if not segments:
        return None
    lines = np.asarray(bar_lines(melody, bars))
    tmap = TempoMap(melody)
    seg = merge_labels(labels, lines)
    est_i = np.array([[float(tmap.seconds(a)), float(tmap.seconds(b))] for a, b, _ in seg])
    ref_i = np.array([[s["start"], s["end"]] for s in segments])
    ref_l = [s["label"] for s in segments]
    end = est_i[-1, 1]
    keep = ref_i[:, 0] < end
    ref_i, ref_l = np.minimum(ref_i[keep], end), [lab for lab, k in zip(ref_l, keep, strict=True) if k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ri, rl = mir_eval.util.adjust_intervals(ref_i, ref_l, est_i[0, 0], end, "N", "N")
        ei, el = mir_eval.util.adjust_intervals(est_i, [lab for *_, lab in seg], est_i[0, 0], end, "N", "N")
        merged, rl, el = mir_eval.util.merge_labeled_intervals(ri, rl, ei, el)
        durations = mir_eval.util.intervals_to_durations(merged)
        return float(mir_eval.chord.weighted_accuracy(mir_eval.chord.majmin(rl, el), durations))


def recognised_chords(melody, bars: int) -> list[str]:
    """partita's chord recogniser (made for textures) on the melody alone, one chord a bar."""
    from partita.analysis.chords import chords_per_bar, estimate_chords, merge_labels
    from partita.analysis.timeline import note_arrays
    from partita.score.bars import bar_lines

    notes = note_arrays(melody)
    tpq = int(melody.ticks_per_quarter)
    lines = np.asarray(bar_lines(melody, bars))
    beats = np.arange(0, int(lines[-1]) + 1, tpq)
    return chords_per_bar(merge_labels(estimate_chords(notes, beats), beats), lines)


def pop_sets(generator, records: dict, corpus, n: int, seed: int) -> tuple[dict, list, list, dict]:
    """The three accompaniments of ``n`` held-out songs, the real pieces to judge them against, the
    harmonisation scores, and timing."""
    from partita.evaluation.realism import count_bars, crop_bars

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(records["test"])).tolist()
    sets: dict[str, list] = {"partita": [], "partita, plain": [], "block": [], "real": []}
    others, chords, seconds = [], {"harmonised": [], "recogniser": []}, []
    for i in order:
        rec = records["test"][i]
        score = corpus.read_piece(rec["piece_id"])
        if count_bars(score) < BARS:
            continue
        piece = crop_bars(score, BARS)
        split = melody_and_parts(piece)
        if split is None or not split[0].note_num():
            continue
        if len(sets["real"]) >= n:
            others.append(piece)
            if len(others) >= 2 * n:
                break
            continue
        melody, parts = split
        t0 = time.perf_counter()
        prepared = generator.accompaniment_of(melody, POP_PROMPT)
        _, cands = generator.accompany(prepared, n=4, seed=seed + i)
        seconds.append(time.perf_counter() - t0)
        mel = prepared[1]
        sets["partita"].append(cands[0].score)
        plain = plain_request(generator, melody)
        sets["partita, plain"].append(
            generator.accompany(plain, n=4, seed=seed + i, chord_tones_only=False, figures=False)[1][0].score
        )
        sets["block"].append(_block(mel))
        joined = melody.copy()
        joined.tracks = [*melody.tracks, *parts.tracks]
        sets["real"].append(joined)
        chords["harmonised"].append(bar_chord_accuracy(melody, rec, mel.chords, mel.bars))
        chords["recogniser"].append(
            bar_chord_accuracy(melody, rec, recognised_chords(melody, mel.bars), mel.bars)
        )
        log.info("%s: %.1f s", rec["piece_id"], seconds[-1])
    return sets, others, chords, {"seconds": seconds}


def plain_request(generator, melody) -> tuple:
    """The ablation: the accompaniment request without its texture defaults (the three voices of
    :func:`partita.generation.accompany.parts_texture` or the faders: the parts' density, polyphony and
    rhythm left to the model; sampled with passing tones allowed)."""
    request, mel = generator.accompaniment_of(melody, POP_PROMPT)
    request.faders.clear()
    request.conditions.density = request.conditions.polyphony = request.conditions.rhythm = None
    return request, mel


def _block(melody) -> object:
    from partita.generation.accompany import block_chords

    return block_chords(melody)


def folk_rows(generator, records: dict, corpus, styles: list[str], n: int, seed: int) -> dict:
    """Consonance and onset agreement of partita's parts and of block chords under ``n`` held-out folk
    melodies of each style."""
    from partita.evaluation.accompaniment import accompaniment_agreement, split_melody
    from partita.evaluation.realism import count_bars, crop_bars

    out = {}
    for style in styles:
        got: dict[str, list] = {"partita": [], "block": []}
        for rec in records[style]["test"]:
            score = corpus.read_piece(rec["piece_id"])
            pitched = [t for t in score.tracks if not t.is_drum and len(t.notes)]
            if len(pitched) != 1 or count_bars(score) < 8:
                continue
            melody = crop_bars(score, 8)
            prepared = generator.accompaniment_of(melody, FOLK_PROMPT)
            _, cands = generator.accompany(prepared, n=4, seed=seed)
            for name, piece in (("partita", cands[0].score), ("block", _block(prepared[1]))):
                got[name].append(accompaniment_agreement(*split_melody(piece, len(melody.tracks))))
            if len(got["partita"]) >= n:
                break
        out[style] = got
    return out


def agreement_found(pieces: list, melody_tracks: int = 1) -> list:
    """The Agreement record of each piece (its first ``melody_tracks`` tracks the melody)."""
    from partita.evaluation.accompaniment import accompaniment_agreement, split_melody

    return [accompaniment_agreement(*split_melody(p, melody_tracks)) for p in pieces]


CHORALE_BARS = 8
CHORALE_PROMPT = "for choir"
CHORALE_CHOSEN_ON = frozenset(
    {"bach-cabdc052be28", "bach-56067df5f8bb", "bach-79e4efde1917"}  # scripts/meter-beats.py's 4/4 1-3
    | {"bach-cfc749db241c", "bach-01c9bbac3010", "bach-d06b77cc6862"}  # and 3/4 1-3
)
"""The development chorales (``python scripts/meter-beats.py --style chorale --meters 4/4 3/4 --pieces 3``)
the accompaniment's chorale settings were chosen on: left out of the chorale rows."""


def chorale_melodies(records: dict, corpus, n: int, development: bool = False) -> tuple[list, list]:
    """``n`` held-out chorales of four voices in 4/4 or 3/4 (the test split in manifest order, less
    :data:`CHORALE_CHOSEN_ON`), their first :data:`CHORALE_BARS` bars; and up to ``2 n`` more, the real
    pieces the accompanied ones are judged against. ``development``: the pieces of :data:`CHORALE_CHOSEN_ON`
    alone, to choose settings on."""
    from partita.evaluation.realism import count_bars, crop_bars
    from partita.generation.notation import single_meter

    chosen, others = [], []
    for rec in records["test"]:
        dev = rec["piece_id"] in CHORALE_CHOSEN_ON
        if dev and not development:
            continue
        score = corpus.read_piece(rec["piece_id"])
        pitched = [t for t in score.tracks if len(t.notes) and not t.is_drum]
        if len(pitched) != 4 or single_meter(score) not in ("4/4", "3/4") or count_bars(score) < CHORALE_BARS:
            continue
        piece = crop_bars(score, CHORALE_BARS)
        top = max(range(len(piece.tracks)), key=lambda i: _mean_pitch(piece.tracks[i]))
        piece.tracks = [piece.tracks[top]] + [t for i, t in enumerate(piece.tracks) if i != top]
        if development:  # the development sopranos, judged against held-out chorales
            if dev and len(chosen) < n:
                chosen.append(piece)
            elif not dev and len(others) < 2 * n:
                others.append(piece)
        else:
            (chosen if len(chosen) < n else others).append(piece)
        if len(others) >= 2 * n and len(chosen) >= n:
            break
    return chosen, others


def bass_motion(pieces: list, bars: int, melody_tracks: int = 1) -> dict[str, float]:
    """How the lowest part (by mean pitch) of ``pieces`` moves over their first ``bars`` bars, the mean over
    the pieces: its notes, the share of them starting an eighth or less after the one before, and the share of
    its moves (pitch changes) that are steps (1-2 semitones). Bach's bass under 20 held-out sopranos: 35.8
    notes in 8 bars, 43% an eighth after the last, 67% steps."""
    from partita.score.bars import bar_lines

    notes, eighths, steps = [], [], []
    for piece in pieces:
        parts = [t for t in piece.tracks[melody_tracks:] if len(t.notes) and not t.is_drum]
        if not parts:
            continue
        end = bar_lines(piece, bars)[-1]
        q = int(piece.ticks_per_quarter) or 480
        low = min(parts, key=_mean_pitch)
        line = sorted((int(n.time), int(n.pitch)) for n in low.notes if int(n.time) < end)
        starts = np.array([t for t, _ in line], dtype=float) / q
        moves = np.diff([p for _, p in line])
        moves = np.abs(moves[moves != 0])
        notes.append(len(line))
        eighths.append(float((np.diff(starts) <= 0.5 + 1e-6).mean()) if len(line) > 1 else 0.0)
        steps.append(float((moves <= 2).mean()) if len(moves) else 0.0)
    return {
        f"bass notes in {bars} bars": float(np.mean(notes)) if notes else 0.0,
        "bass notes an eighth after the last": float(np.mean(eighths)) if eighths else 0.0,
        "bass moves by step": float(np.mean(steps)) if steps else 0.0,
    }


def _mean_pitch(track) -> float:
    pitches = [n.pitch for n in track.notes]
    return sum(pitches) / len(pitches) if pitches else -1.0


def chorale_sets(generator, pieces: list, seed: int, arm: dict, first: int = 0) -> tuple[dict, dict]:
    """The soprano of each chorale of ``pieces`` (its first track) accompanied "for choir": ``partita`` as
    configured, ``partita, arm`` with :mod:`partita.generation.accompany`'s attributes ``arm`` set (the
    ablation, same seeds), block chords, and the real alto, tenor and bass; and seconds a melody per arm.
    ``first``: the index of ``pieces[0]`` among the bench's sopranos (its seed is ``seed + first``)."""
    from partita.generation import accompany
    from partita.pipelines import generator as pipeline

    sets: dict[str, list] = {"partita": [], "partita, arm": [], "block": [], "real": []}
    seconds: dict[str, list] = {"partita": [], "partita, arm": []}
    sampled: dict[str, list] = {"partita": [], "partita, arm": []}
    written = pipeline.with_melody
    for i, piece in enumerate(pieces):
        melody = piece.copy()
        melody.tracks = [piece.tracks[0].copy()]
        for name, patch in (("partita", {}), ("partita, arm", arm)):
            old = {k: getattr(accompany, k) for k in patch}
            for k, v in patch.items():
                setattr(accompany, k, v)
            pipeline.with_melody = _counting(written, sampled[name])
            try:
                t0 = time.perf_counter()
                prepared = generator.accompaniment_of(melody, CHORALE_PROMPT)
                _, cands = generator.accompany(prepared, n=4, seed=seed + first + i)
                seconds[name].append(time.perf_counter() - t0)
            finally:
                pipeline.with_melody = written
                for k, v in old.items():
                    setattr(accompany, k, v)
            sets[name].append(cands[0].score)
        sets["block"].append(_block(prepared[1]))
        sets["real"].append(piece)
    seconds["sampled before the melody"] = {k: float(np.mean(v)) if v else 0.0 for k, v in sampled.items()}
    return sets, seconds


def _counting(written, counts: list):
    """``with_melody`` that first counts the sampled parts' notes starting before the melody's first note in
    a pickup bar (into ``counts``, one a candidate): what the sampler wrote there, before it is dropped."""
    from partita.score.bars import pickup_ticks

    def counted(melody, parts):
        entry = pickup_ticks(melody.score)
        scale = int(melody.score.ticks_per_quarter) / max(1, int(parts.ticks_per_quarter))
        counts.append(sum(1 for t in parts.tracks for n in t.notes if round(n.time * scale) < entry))
        return written(melody, parts)

    return counted


def agreement_rows(means: dict, name: str, where: str, cmd: str, notes) -> list[dict]:
    """A row for each measure of :data:`WHAT` of the set ``name`` (``means``: each set's :func:`_mean`)
    beside block chords', ``notes(i)`` its notes."""
    return [
        row(
            f"accompaniment: {what}, {where}",
            means[name][i],
            "",
            cmd,
            baseline="block chords, same run",
            baseline_value=means["block"][i],
            notes=notes(i),
        )
        for i, what in enumerate(WHAT)
    ]


def realism_row(what: str, acc: dict, name: str, cmd: str, notes: str) -> dict:
    """The realism row (two-sample accuracy, ``acc`` by set) of the set ``name`` beside block chords'."""
    return row(
        f"accompaniment: realism two-sample accuracy {what}",
        acc[name],
        "accuracy",
        cmd,
        baseline="block chords, same run",
        baseline_value=acc["block"],
        higher_is_better=False,
        notes=notes,
    )


def chorale_rows(
    sets: dict, report: dict, seconds: dict, cmd: str, arm: str, n_others: int, split: str = "held-out"
) -> list[dict]:
    """The chorale rows: agreement with the soprano, the parts' rhythm and realism, for ``partita`` and the
    arm, each beside block chords (the real alto, tenor and bass in the notes)."""
    found = {k: agreement_found(v) for k, v in sets.items()}
    means = {k: _mean(v) for k, v in found.items()}
    rhythm = {
        k: {
            **parts_rhythm(v, CHORALE_BARS),
            **parts_voicing(v, CHORALE_BARS),
            **parts_harmony(v, CHORALE_BARS),
            **parts_lines(v, CHORALE_BARS),
            **bass_motion(v, CHORALE_BARS),
        }
        for k, v in sets.items()
    }
    acc = {k: report["sets"][k].get("accuracy", float("nan")) for k in sets}
    n, rows = len(sets["real"]), []
    for name in ("partita", "partita, arm"):
        label = f"{name} ({arm})" if name == "partita, arm" else name
        where = f"chorales {split}, {label}"
        rows += agreement_rows(
            means,
            name,
            where,
            cmd,
            lambda i: (
                f"{n} sopranos, first {CHORALE_BARS} bars, '{CHORALE_PROMPT}'; "
                f"the real alto, tenor and bass: {means['real'][i]:.3f}"
            ),
        )
        for what, value in rhythm[name].items():
            rows.append(
                row(
                    f"accompaniment: the parts' {what}, {where}",
                    value,
                    "",
                    cmd,
                    baseline="the real alto, tenor and bass",
                    baseline_value=rhythm["real"][what],
                    notes=f"{n} sopranos; block chords {rhythm['block'][what]:.2f}",
                )
            )
        early = seconds.get("sampled before the melody", {}).get(name)
        if early is not None:
            rows.append(
                row(
                    f"accompaniment: the parts' notes sampled before the melody's first note, {where}",
                    early,
                    "notes a candidate",
                    cmd,
                    higher_is_better=False,
                    notes=f"{n} sopranos, 4 candidates each, before with_melody drops them; real voices 0",
                )
            )
        rows.append(
            realism_row(
                f"(soprano and parts), {where}",
                acc,
                name,
                cmd,
                f"{n} pieces vs {n_others} other held-out chorales; the real chorales {acc['real']:.3f}; "
                f"{float(np.mean(seconds[name])):.1f} s a soprano (4 candidates)",
            )
        )
    return rows


MEASURES = ("chord_tones", "beat_consonance", "onset_f")
"""The Agreement fields of :data:`WHAT`, in its order."""


def _mean(found: list) -> tuple[float, float, float]:
    """Mean chord-tone agreement, beat consonance and onset F of ``found`` (Agreement records), each over
    the records where it is defined (:func:`_covered` counts them)."""
    out = []
    for name in MEASURES:
        values = [getattr(a, name) for a in found if getattr(a, name) is not None]
        out.append(float(np.mean(values)) if values else float("nan"))
    return out[0], out[1], out[2]


def _covered(found: list) -> tuple[int, int, int]:
    """How many of ``found`` each mean of :func:`_mean` covers: a piece whose melody has no note on a beat,
    or whose parts have no onset, has no figure and is left out of that mean."""
    out = [sum(getattr(a, name) is not None for a in found) for name in MEASURES]
    return out[0], out[1], out[2]


def coverage_note(mine: int, total: int, baseline: int | None = None) -> str:
    """``"8 of 10 covered"`` (and the baseline's where it differs): the songs a row's mean is over."""
    note = f"{mine} of {total} covered"
    if baseline is not None and baseline != mine:
        note += f" (baseline {baseline})"
    return note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="held-out POP909 songs")
    ap.add_argument("--folk", type=int, default=6, help="held-out melodies per folk style (0: none)")
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default=None)
    ap.add_argument("--save", type=Path, default=None, help="a folder to write each set's pieces to (MIDI)")
    ap.add_argument("--chorales", type=int, default=0, help="held-out chorale sopranos (0: none)")
    ap.add_argument(
        "--development",
        action="store_true",
        help="the chorale sopranos settings are chosen on (CHORALE_CHOSEN_ON), not held-out ones",
    )
    ap.add_argument(
        "--arm",
        nargs="*",
        default=["PARTS_TOGETHER={}"],
        help="NAME=json: the chorales' second arm, attributes of partita.generation.accompany set while it "
        "samples (the ablation, same run and seeds)",
    )
    ap.add_argument(
        "--skip",
        type=int,
        default=None,
        help="sample only the chorale sopranos from this index on (seeds as in the whole run) into --save, "
        "with their seconds; no rows (--measure reads the pieces back)",
    )
    ap.add_argument(
        "--upto",
        type=int,
        default=None,
        help="with --skip: stop before this soprano (two parts of a run side by side: --skip 0 --upto 10, "
        "--skip 10)",
    )
    ap.add_argument(
        "--measure",
        type=Path,
        default=None,
        help="a --save folder whose chorale sets (every soprano of --chorales, sampled in parts with --skip) "
        "are read back and measured in place of sampling",
    )
    ap.add_argument(
        "--accompany",
        nargs="*",
        default=[],
        help="NAME=json: attributes of partita.generation.accompany set for the run (an arm: "
        "PARTS_SHORTEST={} as before the pop parts' shortest note)",
    )
    args = ap.parse_args()
    if args.skip is not None and not args.save:
        ap.error("--skip writes its sopranos to --save DIR: name one")
    if args.upto is not None and args.skip is None:
        ap.error("--upto ends a part of the run that --skip starts: name --skip too")
    from partita.generation import accompany

    for name, _, value in (a.partition("=") for a in args.accompany):
        setattr(accompany, name, json.loads(value))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.evaluation.realism import realism_report
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    records, corpus = style_records("all")
    generator = load_generator(args.model)
    cmd = " ".join(
        ["python bench/bench_accompany.py"]
        + ([f"--n {args.n}"] if args.n != 12 else [])
        + ([f"--folk {args.folk}"] if args.folk != 6 else [])
        + ([f"--model {args.model}"] if args.model != "partita-small" else [])
        + ([f"--threads {args.threads}"] if args.threads else [])
        + ([f"--seed {args.seed}"] if args.seed else [])
        + ([f"--accompany {' '.join(args.accompany)}"] if args.accompany else [])
        + ([f"--chorales {args.chorales}"] if args.chorales else [])
        + ([f"--skip {args.skip}"] if args.skip is not None else [])
        + ([f"--upto {args.upto}"] if args.upto is not None else [])
        + ([f"--measure {args.measure}"] if args.measure else [])
        + (["--development"] if args.development else [])
        + ([f"--arm {' '.join(args.arm)}"] if args.chorales and args.arm else [])
    )
    t0 = time.perf_counter()
    rows, extra = [], {"model": args.model}
    if args.n:
        sets, others, chords, timing = pop_sets(generator, records["pop"], corpus, args.n, args.seed)
        if args.save:
            save_sets(sets, args.save)
        report = realism_report(sets, others, seed=args.seed)
        rows += pop_rows(sets, report, chords, timing, cmd, len(others)) + shape_rows(sets, cmd)
        extra["realism"] = report
    if args.chorales:
        arm = {k: json.loads(v) for k, _, v in (a.partition("=") for a in args.arm)}
        pieces, real = chorale_melodies(records["chorale"], corpus, args.chorales, args.development)
        if args.skip is not None:  # a part of the run, each soprano saved as it is done
            for k in range(args.skip, len(pieces) if args.upto is None else min(args.upto, len(pieces))):
                found, seconds = chorale_sets(generator, pieces[k : k + 1], args.seed, arm, first=k)
                save_sets(found, args.save / "chorales", first=k)
                write_seconds(seconds, args.save / "chorales" / f"seconds-{k:02d}.json")
                log.info("soprano %d saved under %s", k, args.save)
            return
        if args.measure:
            found, seconds = read_chorale_sets(args.measure / "chorales", pieces)
        else:
            found, seconds = chorale_sets(generator, pieces, args.seed, arm)
        if args.save:
            save_sets(found, args.save / "chorales")
            write_seconds(seconds, args.save / "chorales" / "seconds-00.json")
        report = realism_report(found, real, seed=args.seed)
        split = "development" if args.development else "held-out"
        rows += chorale_rows(found, report, seconds, cmd, " ".join(args.arm), len(real), split)
        extra["chorale_realism"] = report
        from partita.score.bars import pickup_ticks

        extra["chorales_with_a_pickup"] = sum(1 for p in pieces if pickup_ticks(p))
    if args.folk:
        styles = ["german_folk", "chinese_folk", "jig"]
        rows += folk_table(folk_rows(generator, records, corpus, styles, args.folk, args.seed), cmd)
    name = args.name or ("accompany" if args.model != "debug" else "accompany-debug")
    title = "Accompaniment: parts under held-out melodies, against block chords and the real parts"
    if args.chorales and not (args.n or args.folk):
        title = (
            f"Accompaniment: parts under {'development' if args.development else 'held-out'} chorale "
            "sopranos, with and without "
            f"{' '.join(args.arm)}, against block chords and the real voices"
        )
    extra["seconds"] = time.perf_counter() - t0
    print(write_result(name, title, rows, extra=extra))


def save_sets(sets: dict, folder: Path, first: int = 0) -> None:
    """Each set's pieces as ``folder/SET/NN.mid`` (the songs in the order measured, the first numbered
    ``first``), to hear and compare."""
    from partita.score.formats import write_midi

    for name, pieces in sets.items():
        for i, piece in enumerate(pieces):
            write_midi(piece, folder / name.replace(", ", "-") / f"{first + i:02d}.mid")


def write_seconds(seconds: dict, path: Path) -> None:
    """The chorale arms' seconds a soprano (``chorale_sets``'s) as JSON beside the saved pieces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seconds))


def read_chorale_sets(folder: Path, pieces: list) -> tuple[dict, dict]:
    """The chorale sets saved under ``folder`` (``SET/NN.mid``, one file a soprano of ``pieces``) read
    back, the real ones the pieces themselves; and the seconds of each ``seconds-NN.json`` there (NN its
    first soprano), the early notes averaged over the sopranos. A soprano not saved in every set (a run in
    parts that did not finish) is left out, and said so."""
    from partita.score.formats import read_midi

    names = ("partita", "partita, arm", "block")
    where = {name: folder / name.replace(", ", "-") for name in names}
    kept = [i for i in range(len(pieces)) if all((where[k] / f"{i:02d}.mid").exists() for k in names)]
    if len(kept) < len(pieces):
        log.warning("%d of %d sopranos saved under %s: measured on those", len(kept), len(pieces), folder)
    sets: dict[str, list] = {"real": [pieces[i] for i in kept]}
    for name in names:
        sets[name] = [read_midi(where[name] / f"{i:02d}.mid") for i in kept]
    seconds: dict = {"partita": [], "partita, arm": []}
    early: dict[str, list] = {"partita": [], "partita, arm": []}
    for path in sorted(folder.glob("seconds-*.json")):
        part = json.loads(path.read_text())
        first = int(path.stem.split("-")[1])
        if any(first + j not in kept for j in range(len(part["partita"]))):
            continue
        for name in early:
            seconds[name] += part[name]
            early[name] += [part["sampled before the melody"][name]] * len(part[name])
    seconds["sampled before the melody"] = {k: float(np.mean(v)) for k, v in early.items() if v}
    return sets, seconds


def parts_shape(pieces: list, melody_tracks: int = 1, bars: int = BARS) -> tuple[float, float]:
    """The parts' notes a bar (over ``bars`` bars) and their mean length in quarters, over ``pieces`` (each
    the melody's ``melody_tracks`` tracks first, then the parts)."""
    counts, lengths = [], []
    for piece in pieces:
        q = int(piece.ticks_per_quarter) or 480
        notes = [n for t in piece.tracks[melody_tracks:] if not t.is_drum for n in t.notes]
        counts.append(len(notes) / bars)
        lengths += [n.duration / q for n in notes]
    return float(np.mean(counts)) if counts else float("nan"), float(np.mean(lengths)) if lengths else 0.0


def shape_rows(sets: dict, cmd: str) -> list[dict]:
    """The parts' notes a bar and note length of partita's sets against the songs' own parts."""
    shapes = {k: parts_shape(v) for k, v in sets.items()}
    rows, measures = [], (("the parts' notes a bar", "notes"), ("the parts' note length", "quarters"))
    for name in ("partita", "partita, plain"):
        for i, (what, unit) in enumerate(measures):
            rows.append(
                row(
                    f"accompaniment: {what}, POP909 held-out, {name}",
                    shapes[name][i],
                    unit,
                    cmd,
                    baseline="the songs' own parts",
                    baseline_value=shapes["real"][i],
                    notes=f"{len(sets[name])} songs, first {BARS} bars; "
                    f"block chords {shapes['block'][i]:.2f}",
                )
            )
    return rows


def pop_rows(sets: dict, report: dict, chords: dict, timing: dict, cmd: str, n_others: int) -> list[dict]:
    found = {k: agreement_found(v) for k, v in sets.items()}
    means = {k: _mean(v) for k, v in found.items()}
    covered = {k: _covered(v) for k, v in found.items()}
    n = len(sets["real"])
    rows = []
    acc = {k: report["sets"][k].get("accuracy", float("nan")) for k in sets}
    floor = report["floor"]["two_sample"]
    for name in ("partita", "partita, plain"):
        rows += agreement_rows(
            means,
            name,
            f"POP909 held-out, {name}",
            cmd,
            lambda i, name=name: (
                f"{n} songs, first {BARS} bars, "
                + coverage_note(covered[name][i], n, covered["block"][i])
                + f"; the songs' own parts: {means['real'][i]:.3f} ({covered['real'][i]} covered)"
            ),
        )
        rows.append(
            realism_row(
                f"(melody and parts), POP909, {name}",
                acc,
                name,
                cmd,
                f"{n} pieces vs {n_others} other held-out songs; the songs' own parts {acc['real']:.3f}"
                + (f"; floor {floor['accuracy']:.3f}" if floor else ""),
            )
        )
    harm = [x for x in chords["harmonised"] if x is not None]
    recog = [x for x in chords["recogniser"] if x is not None]
    rows.append(
        row(
            "accompaniment: melody harmonised, bar chords vs POP909 annotations (majmin)",
            float(np.mean(harm)) if harm else float("nan"),
            "accuracy",
            cmd,
            baseline="partita's chord recogniser on the melody alone, same run",
            baseline_value=float(np.mean(recog)) if recog else None,
            notes=f"{len(harm)} songs, one chord a bar over the first {BARS} bars",
        )
    )
    rows.append(
        row(
            "accompaniment: seconds per 16-bar melody (4 candidates)",
            float(np.mean(timing["seconds"])),
            "s",
            cmd,
            higher_is_better=False,
            notes="2 CPU cores, shared with other work while measured",
        )
    )
    return rows


def folk_table(folk: dict, cmd: str) -> list[dict]:
    rows = []
    for style, got in folk.items():
        if not got["partita"]:
            continue
        mine, block = _mean(got["partita"]), _mean(got["block"])
        mine_n, block_n, total = _covered(got["partita"]), _covered(got["block"]), len(got["partita"])
        for i, what in enumerate(WHAT):
            rows.append(
                row(
                    f"accompaniment: {what}, {style} held-out, partita",
                    mine[i],
                    "",
                    cmd,
                    baseline="block chords, same run",
                    baseline_value=block[i],
                    notes=f"{total} melodies, first 8 bars, '{FOLK_PROMPT}', "
                    + coverage_note(mine_n[i], total, block_n[i]),
                )
            )
    return rows


if __name__ == "__main__":
    main()
