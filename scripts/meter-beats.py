"""Where the notes fall in a meter the vocabulary lacks (3/2, 4/2): onsets on the meter's beats, before and
after the meter a piece is sampled in was chosen by its beats (issue 21;
:func:`partita.generation.notation.sampled_meter`).

Held-out Renaissance pieces (split ``test`` of the built corpus ``all``) written in 3/2 or 4/2, their first 6
bars. Three tasks, each sampled in every frame of ``--frames`` (the known meter and how many of its bars make
one of the piece's, e.g. ``6/4x1``, as 3/2 was sampled before; ``auto``: what partita chooses now, for a new
3/2 piece without chords 4/4 as the model read it in training,
:func:`~partita.generation.notation.trained_frame`):

- ``generate``: a new piece of 4 bars in the piece's meter (its key, "renaissance", 4 voices);
- ``continue``: bars 5-6 from bars 1-4, with the piece's own chords (one a bar, as ``partita continue
  --chords`` gives them; the given bars are read in the frame);
- ``accompany``: the top voice of the 6 bars as the melody, a choir's parts added (``partita accompany``).

Measured over the new notes (the parts, for ``accompany``) and over the same bars of the real pieces (the
voices under the top one, for ``accompany``): notes per bar of the piece, and the share of onsets on the
meter's beats (half notes in 3/2 and 4/2: quarters 0, 2, 4 (, 6) of the bar), on the bar's downbeat, and on
an odd quarter (3/2 read as 6/4's dotted halves puts a note on quarter 3).

    python scripts/meter-beats.py [--pieces 4] [--n 2] [--frames 6/4x1 auto] [--tasks generate] [--threads 1]
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import logging
from pathlib import Path

BARS = 6


def _pieces(count: int, meter: str) -> list:
    """The held-out pieces scripts/meter-chords.py measures (the first ``count`` in ``meter``, 6 bars)."""
    path = Path(__file__).with_name("meter-chords.py")
    spec = importlib.util.spec_from_file_location("meter_chords", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pieces(count, meter)


def onset_counts(score, first: int, last: int, tracks: list[int] | None = None) -> dict[str, int]:
    """Of the pitched onsets of ``score`` (its tracks ``tracks``, all when None) in bars ``first``-``last``
    (1-based, its own meter): how many, how many on a beat of the meter (the denominator's note), on a
    downbeat, on an odd quarter note."""
    from partita.generation.notation import single_meter
    from partita.score.bars import bar_lines

    lines = bar_lines(score, last)
    q = int(score.ticks_per_quarter) or 480
    beat = q * 4 // int((single_meter(score) or "4/4").split("/")[1])
    out = {"notes": 0, "beats": 0, "downbeats": 0, "odd_quarters": 0}
    chosen = [t for i, t in enumerate(score.tracks) if not t.is_drum and (tracks is None or i in tracks)]
    for t in (int(n.time) for track in chosen for n in track.notes):
        bar = bisect.bisect_right(lines, t) - 1
        if first - 1 <= bar < last:
            at = t - lines[bar]
            out["notes"] += 1
            out["beats"] += at % beat == 0
            out["downbeats"] += at == 0
            out["odd_quarters"] += at % q == 0 and (at // q) % 2 == 1
    return out


def use_frame(meter: str, frame: str) -> None:
    """Sample pieces in ``meter`` in ``frame`` ("6/4x1"; "auto": as partita chooses)."""
    from partita.generation import given, notation, planning

    original = getattr(notation, "_measured_original", notation.sampled_meter)
    trained = getattr(notation, "_measured_trained", notation.trained_frame)
    notation._measured_original, notation._measured_trained = original, trained
    forced = frame != "auto"

    def chosen(m, known):
        if m == meter and forced and m not in known:
            sampled, _, k = frame.partition("x")
            return sampled, int(k)
        return original(m, known)

    for module in (notation, given, planning):
        module.sampled_meter = chosen
    planning.trained_frame = lambda m, known: None if m == meter and forced else trained(m, known)


def run_task(generator, piece, task: str, n: int, seed: int) -> tuple[dict, dict]:
    """The new notes' counts and the real ones' for ``task`` on ``piece``."""
    from partita.generation.tracks import kept_chords
    from partita.score.bars import bar_lines
    from partita.tokens.dataset import piece_conditions

    own = piece_conditions(piece)
    real = onset_counts(piece, 5, 6) if task == "continue" else onset_counts(piece, 1, 4)
    if task == "generate":
        key = f"{own.key} {own.mode or 'major'}" if own.key else None
        request = generator.request_of("a motet for four voices", meter=own.meter, key=key, bars=4)
        cands = generator.generate(request, n=n, seed=seed, selector=None)
        got = [onset_counts(c.score, 1, 4) for c in cands]
    elif task == "continue":
        chords, _ = kept_chords(piece, BARS, own.key or "C", own.mode, method="recognise")
        given = piece.clip(0, bar_lines(piece, BARS)[4], clip_end=True)
        request = generator.continuation_of(given, bars=2, chords=chords)
        cands = generator.generate(request, n=n, seed=seed, selector=None)
        got = [onset_counts(c.score, 5, 6) for c in cands]
    else:
        top = max(range(len(piece.tracks)), key=lambda i: _mean_pitch(piece.tracks[i]))
        melody = piece.copy()
        melody.tracks = [piece.tracks[top].copy()]
        rest = [i for i in range(len(piece.tracks)) if i != top]
        real = onset_counts(piece, 1, BARS, rest)
        _, cands = generator.accompany(melody, "for choir", n=n, seed=seed, selector=None)
        got = [onset_counts(c.score, 1, BARS, list(range(1, len(c.score.tracks)))) for c in cands]
    total = {k: sum(g[k] for g in got) for k in real}
    return total, real


def _mean_pitch(track) -> float:
    pitches = [n.pitch for n in track.notes]
    return sum(pitches) / len(pitches) if pitches else -1.0


def _generator(model: str, threads: int):
    import torch

    from partita.pipelines import Generator

    torch.set_num_threads(threads)
    return Generator.from_pretrained(model)


def shares(counts: dict, bars: int) -> dict:
    notes = counts["notes"]
    out = {"notes": notes, "notes_per_bar": round(notes / bars, 2) if bars else None}
    for k in ("beats", "downbeats", "odd_quarters"):
        out[k] = round(counts[k] / notes, 3) if notes else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pieces", type=int, default=4, help="pieces per meter")
    ap.add_argument("--n", type=int, default=2, help="candidates per request")
    ap.add_argument("--meters", nargs="+", default=["3/2", "4/2"])
    ap.add_argument("--tasks", nargs="+", default=["generate", "continue", "accompany"])
    ap.add_argument("--frames", nargs="+", default=["auto"], help="e.g. auto 6/4x1 2/4x3 (3/2 only)")
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    generator, table = _generator(args.model, args.threads), {}
    for meter in args.meters:
        chosen = _pieces(args.pieces, meter)
        for task in args.tasks:
            bars = {"generate": 4, "continue": 2, "accompany": BARS}[task]
            real = {"notes": 0, "beats": 0, "downbeats": 0, "odd_quarters": 0}
            for frame in args.frames if meter == "3/2" else ["auto"]:
                use_frame(meter, frame)
                new = dict.fromkeys(real, 0)
                for i, (_, piece) in enumerate(chosen):
                    got, own = run_task(generator, piece, task, args.n, args.seed + i)
                    new = {k: new[k] + got[k] for k in new}
                    if frame == args.frames[0] or meter != "3/2":
                        real = {k: real[k] + own[k] for k in real}
                table[f"{meter} {task} {frame}"] = shares(new, bars * len(chosen) * args.n)
                print(json.dumps({f"{meter} {task} {frame}": table[f"{meter} {task} {frame}"]}), flush=True)
            table[f"{meter} {task} real"] = shares(real, bars * len(chosen))
            print(json.dumps({f"{meter} {task} real": table[f"{meter} {task} real"]}), flush=True)
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
