"""Notes held over a bar line into the next bar's chord, with chords given, before and after the carry-over
rule (issue 21; :mod:`partita.generation.rules.carry_over`).

REMI+ draws a note's duration after its pitch, and a note sampled in bar *k* may ring on into bar *k + 1*
over a chord that does not hold it. Held-out tasks with chords given, each sampled in four arms with the
same seeds (:data:`ARMS`, ``--arms``): ``before`` without the rule, ``strict`` with it allowing no
suspension (the rule as first written), ``allow`` allowing suspensions held at most ``--cap`` quarter notes
into the next bar without the pull towards their resolution, ``after`` the rule as it is.

- ``leadsheet``: held-out POP909 songs (split ``test``; :func:`bench_leadsheet.held_out_songs`), 16 bars of
  4/4 from where the melody enters, the annotation's chords one a bar:
  :func:`partita.generation.leadsheet.leadsheet_request` (the plain request, one melodic line);
- ``accompany``: held-out POP909 songs' first 16 bars, their MELODY track; the parts of
  :meth:`partita.Generator.accompaniment_of` ("a pop song for piano", the chords partita harmonises the
  melody with), sampled with the accompaniment's settings; the parts alone are measured;
- ``continue`` / ``infill``: held-out Renaissance pieces in 4/2 and 3/2 (scripts/meter-chords.py's, their
  first 6 bars), bars 5-6 continued from bars 1-4, or bars 3-4 written anew between bars 1-2 and 5-6, with
  each piece's own chords, framed in the model's bars (``partita continue`` / ``partita infill``).

Measured over the new notes (pitched, starting in the new bars): the share that sound past a bar line into a
bar whose given chord lacks their pitch class (``clash``), the share that sound past a bar line at all
(``over``), the share of their sounding time spent in such bars (``clash_time``), and the share of the new
notes starting on a beat that are tones of their bar's chord (``on_beat``: must not fall), with counts; and
how many ids were drawn (or read from the given bars) at a position past their bar (``past_bar_ids``: the soft
``PastBar`` rule giving way, which decodes the note in the next bar). And the suspensions
(:func:`suspensions`): of the notes held into the next bar's chord that lacks them, the shares that could
resolve down by a step to it, that are tones of their own bar's chord, that the rule keeps, and that a note
a step below does resolve where they end.

The same suspension counts over real music (tasks ``chorale`` and ``renaissance``: ``--real-pieces`` pieces
of the corpus's ``--split``, all their bars, their own chords as the continuations get them) say what the
rule should keep.

    python scripts/carry-over-chords.py [--songs 6] [--pieces 4] [--n 2] [--threads 1] [--render DIR]
        [--tasks leadsheet,accompany,continue,infill,chorale,renaissance] [--arms before,strict,allow,after]
        [--cap 2] [--real-pieces 60] [--split test]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BARS = 16
PROMPT = "a pop song for piano"


def carried(score, chords: list[str], first: int, last: int, tracks: list[int] | None = None) -> list[int]:
    """Over the pitched notes of ``score`` starting in bars ``first``-``last`` (1-based; ``chords`` one a
    bar from bar 1, none past its end): [notes, held past a bar line, held into a bar whose chord lacks
    them, their sounding ticks, the ticks of them in such bars]."""
    from partita.generation.harmony import chord_pitch_classes
    from partita.score.bars import bar_lines

    lines = bar_lines(score, len(chords))
    slack = max(1, int(score.ticks_per_quarter) // 64)
    out = [0, 0, 0, 0, 0]
    for i, track in enumerate(score.tracks):
        if track.is_drum or (tracks is not None and i not in tracks):
            continue
        for n in track.notes:
            t, end, pc = int(n.time), int(n.time) + int(n.duration), int(n.pitch) % 12
            bar = next((b for b in range(first - 1, last) if lines[b] <= t < lines[b + 1]), None)
            if bar is None:
                continue
            clash_ticks = 0
            for later in range(bar + 1, len(chords)):
                if lines[later] >= end - slack:
                    break
                tones = chord_pitch_classes(chords[later])
                if tones and pc not in tones:
                    clash_ticks += min(end, lines[later + 1]) - lines[later]
            over = bar + 1 < len(lines) and end > lines[bar + 1] + slack
            out = [a + b for a, b in zip(out, [1, over, clash_ticks > 0, end - t, clash_ticks], strict=True)]
    return out


SUSPENSION_FIELDS = ("clash", "resolvable", "prepared", "kept", "resolved")
"""The counts :func:`suspensions` gives, in order."""


def suspensions(
    score, chords: list[str], first: int, last: int, cap: float, least: float = 0.5
) -> tuple[list[int], list[float]]:
    """Over the pitched notes of ``score`` starting in bars ``first``-``last`` held past the next bar line
    into a bar whose chord lacks them (``clash``; ``chords`` one a bar from bar 1): how many could resolve
    down by a step (1 or 2 semitones) to a tone of that chord (``resolvable``), how many of those are tones
    of their own bar's chord (``prepared``), how many of those resolvable end ``least`` to ``cap`` quarter
    notes into the bar (``kept``: the suspensions the carry-over rule allows), and how many of the kept a
    note of the same track does resolve: one starting where the held note ends, a step below it, on a tone
    of the chord (``resolved``); and the quarter notes each resolvable note is held into the bar."""
    from partita.generation.harmony import chord_pitch_classes
    from partita.score.bars import bar_lines

    lines = bar_lines(score, len(chords))
    tpq = int(score.ticks_per_quarter) or 480
    slack = max(1, tpq // 64)
    tones = [chord_pitch_classes(label) for label in chords]
    counts, held = [0] * len(SUSPENSION_FIELDS), []
    for track in score.tracks:
        if track.is_drum:
            continue
        starts: dict[int, set[int]] = {}
        for n in track.notes:
            starts.setdefault(int(n.time), set()).add(int(n.pitch))
        for n in track.notes:
            t, end, pitch = int(n.time), int(n.time) + int(n.duration), int(n.pitch)
            bar = next((b for b in range(first - 1, last) if lines[b] <= t < lines[b + 1]), None)
            if bar is None or bar + 1 >= len(chords) or end <= lines[bar + 1] + slack:
                continue
            new = tones[bar + 1]
            if not new or pitch % 12 in new:
                continue
            counts[0] += 1
            steps = {pitch - s for s in (1, 2) if (pitch - s) % 12 in new}
            if not steps:
                continue
            into = (end - lines[bar + 1]) / tpq
            held.append(into)
            kept = least - 1e-6 <= into <= cap + 1e-6
            after = set().union(*(starts.get(x, set()) for x in range(end - slack, end + slack + 1)))
            got = [0, 1, pitch % 12 in tones[bar], kept, kept and bool(after & steps)]
            counts = [a + int(b) for a, b in zip(counts, got, strict=True)]
    return counts, held


def real_share(style: str, split: str, count: int, seed: int, cap: float) -> dict:
    """:func:`suspensions` and :func:`carried` over ``count`` pieces of ``style`` (``chorale``,
    ``renaissance``) of the corpus's ``split``, each with its own chords (one a bar, partita's recogniser on
    all its voices, as the continuations are given them), over all its bars."""
    import numpy as np

    from partita.corpus import load_corpus
    from partita.generation.tracks import kept_chords
    from partita.score.bars import notated_bars
    from partita.tokens.dataset import piece_conditions, style_of

    corpus = load_corpus("all")
    records = [r for r in corpus.records() if r["split"] == split and style_of(r) == style]
    total, over, held, pieces = [0] * len(SUSPENSION_FIELDS), [0] * 5, [], 0
    for i in np.random.default_rng(seed).permutation(len(records))[:count].tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        bars = notated_bars(score)
        if bars < 2:
            continue
        own = piece_conditions(score)
        chords, _ = kept_chords(score, bars, own.key or "C", own.mode, method="recognise")
        got, into = suspensions(score, chords, 1, bars, cap)
        total = [a + b for a, b in zip(total, got, strict=True)]
        over = [a + b for a, b in zip(over, carried(score, chords, 1, bars), strict=True)]
        held, pieces = held + into, pieces + 1
    notes = max(over[0], 1)
    out = {"pieces": pieces, "notes": over[0], "over": round(over[1] / notes, 4)}
    return out | {"clash": round(over[2] / notes, 4), **shares(total, held)}


def real_pop(songs: int, seed: int, cap: float) -> dict:
    """:func:`suspensions` and :func:`carried` over the real melodies of the held-out POP909 songs the
    lead sheets are written for (:func:`bench_leadsheet.held_out_songs`), over their annotated chords."""
    from bench_leadsheet import held_out_songs
    from partita.corpus import load_corpus

    total, over, held = [0] * len(SUSPENSION_FIELDS), [0] * 5, []
    chosen = held_out_songs(load_corpus("all"), songs, BARS, seed)
    for song in chosen:
        got, into = suspensions(song.melody, song.bar_chords, 1, BARS, cap)
        total = [a + b for a, b in zip(total, got, strict=True)]
        over = [a + b for a, b in zip(over, carried(song.melody, song.bar_chords, 1, BARS), strict=True)]
        held += into
    notes = max(over[0], 1)
    out = {"pieces": len(chosen), "notes": over[0], "over": round(over[1] / notes, 4)}
    return out | {"clash": round(over[2] / notes, 4), **shares(total, held)}


def shares(counts: list[int], held: list[float]) -> dict:
    """The shares of :func:`suspensions`'s counts among the notes held into the next bar's chord that lacks
    them, their numbers, and the median and 90th percentile of how far the resolvable are held into it."""
    import numpy as np

    clash = max(counts[0], 1)
    out = {
        f"{k}_of_clash": round(v / clash, 3) for k, v in zip(SUSPENSION_FIELDS[1:], counts[1:], strict=True)
    }
    out |= {"clash_notes": counts[0], "kept_notes": counts[3]}
    if held:
        out["held_quarters_p10_p50_p90"] = [round(float(np.percentile(held, q)), 2) for q in (10, 50, 90)]
    return out


PAST_BAR = [0]
"""Ids drawn whose position lies past the bar of the meter (``PastBar`` gave way): counted by
:func:`count_past_bar`."""


def count_past_bar() -> None:
    """Count, in :data:`PAST_BAR`, each id the rules read that places a note past its bar's last position
    (no bar line in the id; the given bars of a prompt are read too)."""
    from partita.generation.rules.tracker import Tracker, parse_meter

    advance = Tracker.advance

    def counting(self, track, t: int) -> None:
        ids = self.ids
        PAST_BAR[0] += int(
            not ids.opened[t] and ids.top_position[t] >= parse_meter(track.meter)[0] * ids.resolution
        )
        advance(self, track, t)

    Tracker.advance = counting


ARMS = ("before", "strict", "allow", "after")
"""Without the carry-over rule; with it allowing no suspension (the rule as it was first); allowing
suspensions without the pull towards their resolution; with both (the rule as it is)."""


def arm_rules(arm: str, cap: float) -> None:
    """The registry of ``arm`` (:data:`ARMS`); ``allow`` and ``after`` allow suspensions held ``cap``
    quarter notes."""
    from partita.generation.rules import ruleset
    from partita.generation.rules.carry_over import CarryOver

    if not hasattr(arm_rules, "full"):
        arm_rules.full = ruleset.RULES
    ruleset.RULES = (
        arm_rules.full if arm != "before" else tuple(r for r in arm_rules.full if r is not CarryOver)
    )
    if not hasattr(arm_rules, "pull"):
        arm_rules.pull = CarryOver.resolution_pull
    CarryOver.suspension_quarters = cap if arm in ("allow", "after") else 0.0
    CarryOver.resolution_pull = arm_rules.pull if arm == "after" else 0.0


def leadsheet_jobs(songs: int, seed: int) -> list[tuple]:
    from bench_leadsheet import held_out_songs
    from partita.corpus import load_corpus
    from partita.generation.leadsheet import leadsheet_request

    out = []
    for song in held_out_songs(load_corpus("all"), songs, BARS, seed):
        options = {"key": song.key, "tempo": song.tempo, "meter": "4/4"}
        request = leadsheet_request(song.bar_chords, "", BARS, **options)
        out.append((song.song, request, song.bar_chords, 1, BARS, {}))
    return out


def accompany_jobs(generator, songs: int, seed: int) -> list[tuple]:
    import numpy as np

    from bench_accompany import melody_and_parts
    from partita.corpus import load_corpus
    from partita.evaluation.realism import count_bars, crop_bars
    from partita.generation.accompany import ACCOMPANIMENT_SETTINGS

    corpus = load_corpus("all")
    records = [r for r in corpus.records() if r["source"] == "pop909" and r["split"] == "test"]
    out = []
    for i in np.random.default_rng(seed).permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        if count_bars(score) < BARS:
            continue
        split = melody_and_parts(crop_bars(score, BARS))
        if split is None or not split[0].note_num():
            continue
        request, mel = generator.accompaniment_of(split[0], PROMPT)
        out.append((records[i]["piece_id"], request, mel.chords, 1, mel.bars, dict(ACCOMPANIMENT_SETTINGS)))
        if len(out) >= songs:
            break
    return out


def given_jobs(generator, pieces: int, task: str) -> list[tuple]:
    """Continuations (bars 5-6 after bars 1-4) or infills (bars 3-4 between 1-2 and 5-6) of held-out
    Renaissance pieces in 4/2 and 3/2 with their own chords, framed in the model's bars."""
    from importlib import import_module

    from partita.generation.given import in_model_bars
    from partita.generation.tracks import kept_chords
    from partita.score.bars import bar_lines
    from partita.tokens.dataset import piece_conditions

    meter_chords = import_module("meter-chords")
    out = []
    for meter in ("4/2", "3/2"):
        for pid, piece in meter_chords.pieces(pieces, meter):
            own = piece_conditions(piece)
            chords, _ = kept_chords(piece, meter_chords.BARS, own.key or "C", own.mode, method="recognise")
            if task == "continue":
                given = piece.clip(0, bar_lines(piece, meter_chords.BARS)[4], clip_end=True)
                request, (first, last) = type(generator).continuation_of(given, bars=2, chords=chords), (5, 6)
            else:
                request, (first, last) = type(generator).infill_of(piece, "3-4", chords=chords), (3, 4)
            request = in_model_bars(request, generator.tokenizer.time_signatures)
            out.append((f"{meter} {pid}", request, chords, first, last, {}))
    return out


def run(generator, jobs: list[tuple], n: int, seed: int, render: Path | None, task: str, cap: float,
        arms: tuple[str, ...] = ARMS) -> dict:  # fmt: skip
    import copy

    from partita.generation.harmony import on_beat_chord_tones
    from partita.score.formats import write_midi

    table, kept = {}, {}
    for arm in arms:
        arm_rules(arm, cap)
        total, beats, seconds, PAST_BAR[0] = [0] * 5, [0, 0], 0.0, 0
        sus, held = [0] * len(SUSPENSION_FIELDS), []
        for k, (pid, request, chords, first, last, settings) in enumerate(jobs):
            t0 = time.perf_counter()
            cands = generator.generate(
                copy.deepcopy(request), n=n, seed=seed + k, selector=None, wav=False, **settings
            )
            seconds += time.perf_counter() - t0
            for j, cand in enumerate(cands):
                got = carried(cand.score, chords, first, last)
                total = [a + b for a, b in zip(total, got, strict=True)]
                on = on_beat_chord_tones(cand.score, chords, first, last)
                beats = [a + b for a, b in zip(beats, on, strict=True)]
                got_sus, into = suspensions(cand.score, chords, first, last, cap)
                sus, held = [a + b for a, b in zip(sus, got_sus, strict=True)], held + into
                kept[arm, k, j] = (got[2], cand.score if render is not None else None)
            logging.info("%s %s %s: %s", task, arm, pid, total)
        table[arm] = {
            "notes": total[0],
            "over": round(total[1] / max(total[0], 1), 4),
            "clash": round(total[2] / max(total[0], 1), 4),
            "clash_time": round(total[4] / max(total[3], 1), 4),
            "on_beat": round(beats[0] / max(beats[1], 1), 4),
            "on_beat_notes": beats[1],
            "seconds": round(seconds, 1),
            "past_bar_ids": PAST_BAR[0],
            "suspensions": shares(sus, held),
        }
    if render is not None:  # the candidate with the most notes held into a chord without the rule, both arms
        (_, k, j), (clashes, _) = max(((key, v) for key, v in kept.items() if key[0] == arms[0]),
                                      key=lambda kv: kv[1][0])  # fmt: skip
        render.mkdir(parents=True, exist_ok=True)
        for arm in arms:
            write_midi(kept[arm, k, j][1], render / f"{task}-{k}-{j}-{arm}.mid")
        logging.info(
            "%s: job %d (%s), candidate %d rendered: %d notes held into a chord",
            task,
            k,
            jobs[k][0],
            j,
            clashes,
        )
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--songs", type=int, default=6, help="POP909 songs (lead sheets, accompaniments)")
    ap.add_argument("--pieces", type=int, default=4, help="Renaissance pieces per meter (continue, infill)")
    ap.add_argument("--n", type=int, default=2, help="candidates per request")
    ap.add_argument("--tasks", default="leadsheet,accompany,continue,infill")
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--render",
        type=Path,
        default=None,
        help="write, for both arms, the candidate with the most clashes before as MIDI here",
    )
    ap.add_argument("--real-pieces", type=int, default=60, help="real pieces a style (chorale, renaissance)")
    ap.add_argument("--split", default="test", help="the corpus split the real pieces come from")
    ap.add_argument("--arms", default=",".join(ARMS), help="of " + ", ".join(ARMS))
    ap.add_argument("--cap", type=float, default=2.0, help="quarter notes a suspension is held into its bar")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in ("partita", "miditok"):
        logging.getLogger(name).setLevel(logging.WARNING)
    import torch

    from partita.pipelines import Generator

    torch.set_num_threads(args.threads)
    generator = Generator.from_pretrained(args.model)
    count_past_bar()
    out = {}
    for task in args.tasks.split(","):
        if task in ("chorale", "renaissance", "pop"):
            out[task] = (
                real_pop(args.real_pieces, args.seed, args.cap)
                if task == "pop"
                else real_share(task, args.split, args.real_pieces, args.seed, args.cap)
            )
            logging.info("%s", json.dumps({task: out[task]}))
            continue
        if task == "leadsheet":
            jobs = leadsheet_jobs(args.songs, args.seed)
        elif task == "accompany":
            jobs = accompany_jobs(generator, args.songs, args.seed)
        elif task in ("continue", "infill"):
            jobs = given_jobs(generator, args.pieces, task)
        else:
            raise SystemExit(f"no task {task!r}: leadsheet, accompany, continue, infill")
        out[task] = {
            "jobs": len(jobs),
            **run(
                generator, jobs, args.n, args.seed, args.render, task, args.cap, tuple(args.arms.split(","))
            ),
        }
        logging.info("%s", json.dumps({task: out[task]}))
    sys.stdout.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
