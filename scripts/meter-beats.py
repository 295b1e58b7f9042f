"""Where the notes fall in a meter the vocabulary lacks (3/2, 4/2): onsets on the meter's beats, before and
after the meter a piece is sampled in was chosen by its beats (issue 21;
:func:`partita.generation.notation.sampled_meter`).

Held-out Renaissance pieces (split ``test`` of the built corpus ``all``) written in 3/2 or 4/2, their first 6
bars. Three tasks, each sampled in every frame of ``--frames`` (the known meter and how many of its bars make
one of the piece's, e.g. ``6/4x1``, as 3/2 was sampled before; ``auto``: what partita chooses now, for 3/2
4/4 as the model read it in training, :func:`~partita.generation.notation.trained_frame`, with chords too,
each held for a bar and a half of 4/4):

- ``generate``: a new piece of 4 bars in the piece's meter (its key, "renaissance", 4 voices);
- ``chords``: the same new piece over the piece's own chords of its bars 1-4 (one a bar, as ``partita
  generate --chords`` gives them);
- ``continue``: bars 5-6 from bars 1-4, with the piece's own chords (one a bar, as ``partita continue
  --chords`` gives them; the given bars are read in the frame);
- ``accompany``: the top voice of the 6 bars as the melody, a choir's parts added (``partita accompany``);
- ``refill``: the voices under the top one written anew over the 6 bars, the top one kept (``partita
  infill --tracks``: track refill, :meth:`partita.Generator.refill_tracks`).

Measured over the new notes (the parts, for ``accompany``) and over the same bars of the real pieces (the
voices under the top one, for ``accompany``): notes per bar of the piece, and the share of onsets on the
meter's beats (half notes in 3/2 and 4/2: quarters 0, 2, 4 (, 6) of the bar), on the bar's downbeat, and on
an odd quarter (3/2 read as 6/4's dotted halves puts a note on quarter 3); with chords, ``chord_tones``: of
the notes on a quarter-note beat, the share that are tones of their bar's chord (the chords given; for
``accompany`` the melody's harmonised chords the parts were sampled over; for the real pieces their own).

``--style german_folk``: held-out German folk songs instead (the test split's first in the meter; a new
"German folk song" for ``generate`` and ``chords``).

``--style chorale`` / ``any`` (pieces of two voices or more, any style: the only 6/8 ones), ``--skip`` to
measure on the pieces after those a choice was made on, and ``--arms current previous`` to sample each
accompaniment with :mod:`partita.generation.accompany`'s texture before and after the parts were counted as
the voices under the melody (same pieces, same seeds); ``notes_per_onset`` is the parts' notes over their
distinct onsets (the real pieces': the voices under the top one), ``melody_notes_per_bar`` the melody's,
``struck_downbeats`` the share of bars whose downbeat starts a note (``downbeats`` is the share of the notes
that start on one); ``--arms dense current`` measures the parts' density before and after
:data:`partita.generation.accompany.PARTS_DENSITY_SCALE`, ``--arms current eighths`` the parts "for choir"
without and with :data:`~partita.generation.accompany.PARTS_SHORTEST`'s bound to eighths (tried, not kept),
``--arms 'before:PARTS_TOGETHER={}' current`` the parts before and after they strike with the melody's
onsets. ``--prompt`` sets the accompaniment's prompt ("for choir"); ``--refill-bars 4-6`` refills those bars
only, the bars before them kept (read in the sampling frame of a piece whose range has bars before it).

    python scripts/meter-beats.py [--pieces 4] [--n 2] [--frames 6/4x1 auto] [--tasks generate] [--threads 1]
    python scripts/meter-beats.py --style chorale --meters 4/4 3/4 --tasks accompany --arms current previous
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import logging
from collections import Counter
from pathlib import Path

BARS = 6
THICK = 4
COUNTS = ("notes", "onsets", "thick", "held", "span", "beats", "downbeats", "odd_quarters", "melody_notes")
COUNTS += ("chord_tones", "on_quarters", "bars", "struck_bars")
"""Notes starting together that make a thick onset (``thick``: the share of onsets with this many or more)."""


SETTINGS: dict = {}
"""Generation settings every request is sampled with (``--set name=json``; none: the defaults)."""
ARMS: dict[str, dict] = {
    "current": {},
    "previous": {  # the accompaniment's texture before the parts were counted as voices under the melody
        "ACCOMPANIMENT_FADERS": {"density": 0.7, "polyphony": 0.7},
        "HALF_NOTE_FADERS": {"density": 0.15, "polyphony": 0.7},
        "PARTS_VOICES": None,
    },
    "dense": {"PARTS_DENSITY_SCALE": 1.0},  # the voices' notes a quarter as asked before (session 13)
    "unbounded": {"PARTS_SHORTEST": {}},  # no style's parts bounded to eighths (session 14)
    "eighths": {"PARTS_SHORTEST": {"": 0.5}},  # a prompt without a style ("for choir") bounded too
}
"""``--arms`` for ``accompany``: attributes of :mod:`partita.generation.accompany` set while the arm samples
(``current``: as they are); ``NAME:ATTR=json;ATTR=json`` on the command line adds one (``ATTR`` may name
another module of :mod:`partita.generation`: ``rules.notes_per_onset.NAME``, or a generation setting the arm
samples with: ``settings.style_shortest``)."""
REFILL_BARS: list[tuple[int, int] | None] = [None]
"""The bars ``refill`` writes anew (``--refill-bars 4-6``: bars 1-3 kept before them; None: all 6)."""
PROMPT = ["for choir"]
"""The prompt of an accompaniment (``--prompt``)."""
PROMPTS = {
    "renaissance": "a motet for four voices",
    "german_folk": "a German folk song",
    "chorale": "a chorale for four voices",
    "any": "a piece for four voices",
}
"""The prompt of a new piece per ``--style`` (its key, meter, bars and chords given as options)."""


def _pieces(count: int, meter: str, style: str = "renaissance", skip: int = 0, voices: int = 0) -> list:
    """The held-out pieces scripts/meter-chords.py measures (the first ``count`` in ``meter`` after ``skip``,
    6 bars); for another ``style`` its test split's pieces chosen the same way (``voices``: only those with
    that many pitched tracks, no instrument doubling a voice)."""
    if style != "renaissance":
        return _style_pieces(count + skip, meter, style, voices)[skip:]
    path = Path(__file__).with_name("meter-chords.py")
    spec = importlib.util.spec_from_file_location("meter_chords", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pieces(count + skip, meter)[skip:]


def _style_pieces(count: int, meter: str, style: str, voices: int = 0) -> list:
    """The first ``count`` pieces of ``style`` (``any``: pieces of two voices or more, whatever their style)
    in the test split written in ``meter`` throughout with :data:`BARS` bars or more, cut to those bars."""
    from partita.corpus import load_corpus
    from partita.generation.notation import single_meter
    from partita.score.bars import bar_lines, notated_bars
    from partita.tokens.dataset import style_of

    corpus, out = load_corpus("all"), []
    for rec in corpus.records():
        if len(out) >= count or rec["split"] != "test":
            continue
        if style_of(rec) != style and not (style == "any" and (rec["n_tracks"] or 0) >= 2):
            continue
        score = corpus.read_piece(rec["piece_id"])
        if single_meter(score) == meter and notated_bars(score) > BARS:
            cut = score.clip(0, bar_lines(score, BARS)[-1], clip_end=True)
            pitched = sum(1 for t in cut.tracks if len(t.notes) and not t.is_drum)
            if (style != "any" or pitched >= 2) and (not voices or pitched == voices):
                out.append((rec["piece_id"], cut))
    return out


def onset_counts(score, first: int, last: int, tracks: list[int] | None = None) -> dict[str, int]:
    """Of the pitched onsets of ``score`` (its tracks ``tracks``, all when None) in bars ``first``-``last``
    (1-based, its own meter): how many, at how many distinct times (``onsets``: notes / onsets is the notes
    starting together; ``thick``: of those, the times :data:`THICK` or more start at), the ticks they sound
    within the bars (``held``) and the bars' ticks (``span``: held / span is the notes sounding together), how
    many on a beat of the meter (the denominator's note), on a downbeat, on an odd quarter note; the bars
    (``bars``) and those whose downbeat starts a note (``struck_bars``)."""
    from partita.generation.notation import single_meter
    from partita.score.bars import bar_lines

    lines = bar_lines(score, last)
    q = int(score.ticks_per_quarter) or 480
    beat = q * 4 // int((single_meter(score) or "4/4").split("/")[1])
    out = {"notes": 0, "onsets": 0, "thick": 0, "held": 0, "span": 0, "beats": 0, "downbeats": 0}
    out |= {"odd_quarters": 0, "bars": last - first + 1}
    out |= {f"beat_{k + 1}": 0 for k in range(int((single_meter(score) or "4/4").split("/")[0]))}
    chosen = [t for i, t in enumerate(score.tracks) if not t.is_drum and (tracks is None or i in tracks)]
    lo, hi = lines[first - 1], lines[last]
    out["span"] = hi - lo
    together = Counter()
    for n in (n for track in chosen for n in track.notes):
        t = int(n.time)
        out["held"] += max(0, min(hi, t + int(n.duration)) - max(lo, t))
        bar = bisect.bisect_right(lines, t) - 1
        if first - 1 <= bar < last:
            at = t - lines[bar]
            together[t] += 1
            out["notes"] += 1
            out["beats"] += at % beat == 0
            out["downbeats"] += at == 0
            out["odd_quarters"] += at % q == 0 and (at // q) % 2 == 1
            if at % beat == 0 and f"beat_{at // beat + 1}" in out:
                out[f"beat_{at // beat + 1}"] += 1
    out["onsets"] = len(together)
    out["struck_bars"] = sum(1 for b in range(first - 1, last) if lines[b] in together)
    out["thick"] = sum(1 for k in together.values() if k >= THICK)
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
    for module in (given, planning):
        module.trained_frame = lambda m, known: None if m == meter and forced else trained(m, known)


def with_chord_tones(
    counts: dict, score, chords: list[str] | None, first: int, last: int, tracks=None
) -> dict:
    """``counts`` with the notes on a quarter-note beat of bars ``first``-``last`` of ``score`` (its tracks
    ``tracks``) that are tones of their bar's chord (``chords``, one a bar from bar 1) and how many there are
    (none without chords)."""
    from partita.generation.harmony import on_beat_chord_tones

    good, total = on_beat_chord_tones(score, chords, first, last, tracks=tracks) if chords else (0, 0)
    return {**counts, "chord_tones": good, "on_quarters": total}


def use_arm(patch: dict) -> dict:
    """Set the attributes ``patch`` names on :mod:`partita.generation.accompany` (``NAME``) or on another
    module of :mod:`partita.generation` (``rules.notes_per_onset.NAME``); returns their old values. Names
    starting ``settings.`` are generation settings of the arm (:func:`arm_settings`), not set here."""
    import importlib

    old = {}
    for name, value in patch.items():
        if name.startswith("settings."):
            continue
        where, _, attr = name.rpartition(".")
        module = importlib.import_module(f"partita.generation.{where or 'accompany'}")
        old[name] = getattr(module, attr)
        setattr(module, attr, value)
    return old


def arm_settings(patch: dict | None) -> dict:
    """The generation settings an arm samples its accompaniments with (``settings.NAME=json``), on top of
    ``--set``'s."""
    return {k.partition(".")[2]: v for k, v in (patch or {}).items() if k.startswith("settings.")}


def parse_arm(text: str) -> tuple[str, dict]:
    """``current`` / ``previous`` (:data:`ARMS`) or ``NAME:ATTR=json;ATTR=json``."""
    name, _, rest = text.partition(":")
    if not rest:
        return name, ARMS[name]
    return name, {k: json.loads(v) for k, _, v in (a.partition("=") for a in rest.split(";"))}


def run_task(
    generator, piece, task: str, n: int, seed: int, style: str = "renaissance", arm: dict | None = None
) -> tuple[dict, dict]:
    """The new notes' counts and the real ones' for ``task`` on ``piece`` (``arm``: :func:`use_arm`'s patch
    while an accompaniment samples)."""
    from partita.generation.tracks import kept_chords
    from partita.score.bars import bar_lines
    from partita.tokens.dataset import piece_conditions

    own = piece_conditions(piece)
    chords = kept_chords(piece, BARS, own.key or "C", own.mode, method="recognise")[0]
    span = (5, 6) if task == "continue" else (1, 4)
    real = with_chord_tones(onset_counts(piece, *span), piece, chords, *span)
    if task in ("generate", "chords"):
        key = f"{own.key} {own.mode or 'major'}" if own.key else None
        asked = chords[:4] if task == "chords" else None
        request = generator.request_of(PROMPTS[style], meter=own.meter, key=key, bars=4, chords=asked)
        cands = generator.generate(request, n=n, seed=seed, selector=None, **SETTINGS)
        got = [with_chord_tones(onset_counts(c.score, 1, 4), c.score, asked, 1, 4) for c in cands]
    elif task == "continue":
        given = piece.clip(0, bar_lines(piece, BARS)[4], clip_end=True)
        request = generator.continuation_of(given, bars=2, chords=chords)
        cands = generator.generate(request, n=n, seed=seed, selector=None, **SETTINGS)
        got = [with_chord_tones(onset_counts(c.score, 5, 6), c.score, chords, 5, 6) for c in cands]
    elif task == "refill":  # the voices under the top one written anew over the 6 bars, the top one kept
        top = max(range(len(piece.tracks)), key=lambda i: _mean_pitch(piece.tracks[i]))
        rest = [i for i in range(len(piece.tracks)) if i != top and len(piece.tracks[i].notes)]
        first, last = REFILL_BARS[0] or (1, BARS)
        real = with_chord_tones(onset_counts(piece, first, last, rest), piece, chords, first, last, rest)
        named, span = [str(i + 1) for i in rest], REFILL_BARS[0]
        whole, cands = generator.refill_tracks(piece, named, span, n=n, seed=seed, selector=None, **SETTINGS)
        got = [
            with_chord_tones(
                onset_counts(c.score, first, last, rest), c.score, whole.chords, first, last, rest
            )
            for c in cands
        ]
    else:
        top = max(range(len(piece.tracks)), key=lambda i: _mean_pitch(piece.tracks[i]))
        melody = piece.copy()
        melody.tracks = [piece.tracks[top].copy()]
        rest = [i for i in range(len(piece.tracks)) if i != top]
        real = with_chord_tones(onset_counts(piece, 1, BARS, rest), piece, chords, 1, BARS, rest)
        real["melody_notes"] = onset_counts(piece, 1, BARS, [top])["notes"]
        old = use_arm(arm or {})
        try:
            settings = {**SETTINGS, **arm_settings(arm)}
            whole, cands = generator.accompany(melody, PROMPT[0], n=n, seed=seed, selector=None, **settings)
        finally:
            use_arm(old)
        parts = [list(range(1, len(c.score.tracks))) for c in cands]
        got = [  # against the chords the parts were sampled over (the melody's, harmonised)
            with_chord_tones(onset_counts(c.score, 1, BARS, p), c.score, whole.chords, 1, BARS, p)
            | {"melody_notes": onset_counts(c.score, 1, BARS, [0])["notes"]}
            for c, p in zip(cands, parts, strict=True)
        ]
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
    if counts.get("onsets"):  # notes starting together, over all the parts counted
        out["notes_per_onset"] = round(notes / counts["onsets"], 2)
        out["thick_onsets"] = round(counts["thick"] / counts["onsets"], 3)
    if counts.get("span"):  # notes sounding together over the bars
        out["sounding"] = round(counts["held"] / counts["span"], 2)
    if counts.get("melody_notes"):  # the melody's notes a bar (accompany)
        out["melody_notes_per_bar"] = round(counts["melody_notes"] / bars, 2) if bars else None
    for k in ("beats", "downbeats", "odd_quarters"):
        out[k] = round(counts[k] / notes, 3) if notes else None
    if counts.get("bars"):  # the share of bars whose downbeat starts a note
        out["struck_downbeats"] = round(counts["struck_bars"] / counts["bars"], 3)
    beats = sorted((k for k in counts if k.startswith("beat_")), key=lambda k: int(k[5:]))
    if beats and notes:  # the share of the onsets on each beat of the bar
        out["per_beat"] = [round(counts[k] / notes, 3) for k in beats]
    if counts.get("on_quarters"):  # of the notes on a quarter-note beat, the tones of their bar's chord
        out["chord_tones"] = round(counts["chord_tones"] / counts["on_quarters"], 3)
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
    ap.add_argument("--set", nargs="*", default=[], help="generation settings, name=json (entries=[])")
    ap.add_argument(
        "--style", default="renaissance", choices=sorted(PROMPTS), help="the held-out pieces' style"
    )
    ap.add_argument("--skip", type=int, default=0, help="pieces skipped first (held out from a choice)")
    ap.add_argument("--voices", type=int, default=0, help="only pieces of this many pitched tracks")
    ap.add_argument(
        "--arms", nargs="+", default=["current"], help="accompany: current previous NAME:ATTR=json"
    )
    ap.add_argument("--refill-bars", default=None, help="refill: the bars written anew (4-6; all 6)")
    ap.add_argument("--prompt", default=PROMPT[0], help="accompany: the prompt the parts are asked with")
    args = ap.parse_args()
    PROMPT[0] = args.prompt
    if args.refill_bars:
        first, _, last = args.refill_bars.partition("-")
        REFILL_BARS[0] = (int(first), int(last or first))
    logging.basicConfig(level=logging.WARNING)
    SETTINGS.update({k: json.loads(v) for k, _, v in (a.partition("=") for a in args.set)})
    generator, table = _generator(args.model, args.threads), {}
    arms = [parse_arm(a) for a in args.arms]
    for meter in args.meters:
        chosen = _pieces(args.pieces, meter, args.style, args.skip, args.voices)
        for task in args.tasks:
            refilled = REFILL_BARS[0][1] - REFILL_BARS[0][0] + 1 if REFILL_BARS[0] else BARS
            bars = {"generate": 4, "chords": 4, "continue": 2, "accompany": BARS, "refill": refilled}[task]
            per_bar = [f"beat_{k + 1}" for k in range(int(meter.split("/")[0]))]
            real = dict.fromkeys((*COUNTS, *per_bar), 0)
            first = True
            for frame in args.frames if meter == "3/2" else ["auto"]:
                use_frame(meter, frame)
                for arm_name, arm in arms if task == "accompany" else arms[:1]:
                    new = dict.fromkeys(real, 0)
                    for i, (_, piece) in enumerate(chosen):
                        got, own = run_task(generator, piece, task, args.n, args.seed + i, args.style, arm)
                        new = {k: new[k] + got.get(k, 0) for k in new}
                        if first:
                            real = {k: real[k] + own.get(k, 0) for k in real}
                    first = False
                    name = f"{meter} {task} {frame}" + (f" {arm_name}" if len(arms) > 1 else "")
                    table[name] = shares(new, bars * len(chosen) * args.n)
                    print(json.dumps({name: table[name]}), flush=True)
            table[f"{meter} {task} real"] = shares(real, bars * len(chosen))
            print(json.dumps({f"{meter} {task} real": table[f"{meter} {task} real"]}), flush=True)
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
