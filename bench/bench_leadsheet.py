"""Melody over chords (CM-HRNN): a lead-sheet melody with phrase structure against the same chords without
it, both against the real POP909 melody of the same bars.

Issue 21 item 5. Held-out POP909 songs (split ``test`` of the built corpus ``all``; songs 801-909 are not in
the data and never used): from the bar where the MELODY track enters, 16 bars of regular 4/4 (the annotation's
four-beat downbeats, ``beat_midi.txt`` column 3; songs whose first 16 bars there are irregular are skipped),
each bar warped onto an exact 4/4 grid. From them: the chord annotation (``chord_midi.txt``), the key
(``key_audio.txt``, the song's main key), the tempo, and the real melody. Three melodies per song:

- ``hierarchy``: :func:`partita.generation.leadsheet.leadsheet_plan` (phrases of 4 bars labelled by the
  repetition of their chords: A A' for a period whose answer has the question's chords, a period again when
  its chords come again), followed by ``Generator.generate_plan`` (2 candidates a section);
- ``plain``: the baseline, measured in the same run: :func:`~partita.generation.leadsheet.leadsheet_request`,
  the same chords, key, tempo and instrument in one request (2 candidates, the Selector's first);
- ``real``: the POP909 melody of those bars.

The generator gets one chord a bar (the chord that lasts longest in each bar: its chord rules know no finer
harmonic rhythm), the key and the tempo; the melody's instrument is the lead sheet's default (flute), one note
at a time. Measured with :mod:`partita.evaluation.leadsheet`: chord tones on strong beats (beats 1 and 3)
against the per-bar chords the generator was given and against the annotation itself (POP909 changes chord
every two beats in places), COSIATEC compression ratio, tonal tension (mean tensile strain, cloud diameter
and momentum, one window a bar, against the annotated key) of the melody alone and with its chords as block
chords: each as the mean over songs and as the mean per-song gap to the real melody of the same song; the
realism two-sample test of each set against the real melodies (0.5 = indistinguishable; the real-vs-real
floor beside it); seconds per melody.

    python bench/bench_leadsheet.py [--n 12] [--bars 16] [--model partita-small|debug|PATH] [--threads 2]
                                    [--seed 0] [--render DIR]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_leadsheet")
SLOW = True  # generates dozens of pieces: run only when named
COMMAND = "python bench/bench_leadsheet.py --threads 2"
VARIANTS = ("hierarchy", "plain")
SETS = (*VARIANTS, "real")
TENSION = ("tensile_strain", "cloud_diameter", "cloud_momentum")
TPQ = 480
BAR = 4 * TPQ


@dataclass
class Song:
    """One held-out song's excerpt: its real melody on a 4/4 grid, its chords and key."""

    song: str
    melody: object
    spans: list[tuple[int, int, str]]
    bar_chords: list[str]
    key: str
    tempo: float


# ------------------------------------------------------------------------------------------------ the songs


def _column_downbeats(path: Path) -> np.ndarray:
    """The seconds of the four-beat downbeats of ``beat_midi.txt`` (its third column)."""
    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and float(parts[2]) == 1.0:
            out.append(float(parts[0]))
    return np.array(out)


def _warp(ticks: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Ticks of the song to ticks of the exact grid: bar b (``lines[b]`` to ``lines[b + 1]``) onto
    ``b * BAR`` to ``(b + 1) * BAR``, linearly."""
    return np.interp(ticks, lines, np.arange(len(lines)) * BAR)


def excerpt(corpus, rec: dict, bars: int) -> Song | None:
    """The song's ``bars`` bars from the bar its melody enters, or None when they are not regular 4/4."""
    import symusic

    from partita.analysis.chords import chords_per_bar
    from partita.analysis.timeline import TempoMap
    from partita.paths import shared_data_dir

    song_dir = shared_data_dir(required=True) / "pop909" / rec["tune_ref"]
    score = corpus.read_piece(rec["piece_id"])
    melody = next((t for t in score.tracks if t.name.upper() == "MELODY" and len(t.notes)), None)
    if melody is None or int(score.ticks_per_quarter) != TPQ:
        return None
    tmap = TempoMap(score)
    down = tmap.ticks_at(_column_downbeats(song_dir / "beat_midi.txt"))
    first_note = min(int(n.time) for n in melody.notes)
    i = int(np.searchsorted(down, first_note + TPQ // 4, side="right")) - 1
    lines = down[max(i, 0) : max(i, 0) + bars + 1]
    if i < 0 or len(lines) < bars + 1 or np.any(np.abs(np.diff(lines) - BAR) > 0.03 * BAR):
        return None
    out = symusic.Score(TPQ)
    out.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    out.tempos.append(symusic.Tempo(0, float(rec["tempo_qpm"])))
    track = symusic.Track("MELODY", 0, False)
    for n in melody.notes:
        if lines[0] - TPQ // 8 <= n.time < lines[-1] - TPQ // 8:
            start, end = _warp(np.array([n.time, n.time + n.duration]), lines)
            start = max(0, round(start))
            track.notes.append(symusic.Note(start, max(1, min(round(end), bars * BAR) - start), n.pitch, 90))
    out.tracks.append(track)
    spans = []
    for seg in rec["chord_segments"]:
        a, b = _warp(tmap.ticks_at(np.array([seg["start"], seg["end"]])), lines)
        if b - a >= TPQ // 8 and a < bars * BAR and b > 0:  # a sliver at the excerpt's start: none
            spans.append((max(0, round(a)), min(bars * BAR, round(b)), seg["label"]))
    if len(track.notes) < 2 * bars or not spans:
        return None
    per_bar = chords_per_bar(spans, np.arange(bars + 1) * BAR)
    return Song(rec["tune_ref"], out, spans, per_bar, rec["key"], float(rec["tempo_qpm"]))


def held_out_songs(corpus, n: int, bars: int, seed: int) -> list[Song]:
    """``n`` test-split POP909 songs with ``bars`` regular bars from where their melody enters."""
    records = sorted(
        (r for r in corpus.records() if r["source"] == "pop909" and r["split"] == "test"),
        key=lambda r: r["tune_ref"],
    )
    assert all(int(r["tune_ref"]) <= 800 for r in records), "POP909 songs 801-909 must never be used"
    out = []
    for k in np.random.default_rng(seed).permutation(len(records)).tolist():
        song = excerpt(corpus, records[k], bars)
        if song is None:
            log.info("song %s: its first %d bars are not regular 4/4, skipped", records[k]["tune_ref"], bars)
            continue
        out.append(song)
        if len(out) == n:
            break
    return out


# ---------------------------------------------------------------------------------------------- generation


def generate(generator, song: Song, bars: int, candidates: int, seed: int) -> dict:
    """Both generated melodies of one song (cut to ``bars`` bars) and the seconds each took."""
    from partita.evaluation.realism import crop_bars
    from partita.generation.leadsheet import leadsheet_plan, leadsheet_request

    options = {"key": song.key, "tempo": song.tempo, "meter": "4/4"}
    t0 = time.perf_counter()
    plan = leadsheet_plan(song.bar_chords, "", bars, **options)
    _, (cand,) = generator.generate_plan(plan, n=candidates, seed=seed, wav=False)
    t1 = time.perf_counter()
    request = leadsheet_request(song.bar_chords, "", bars, **options)
    plain = generator.generate(request, n=candidates, seed=seed, wav=False)[0]
    t2 = time.perf_counter()
    return {
        "hierarchy": crop_bars(cand.score, bars),
        "plain": crop_bars(plain.score, bars),
        "labels": [s.label for s in plan.sections],
        "seconds": {"hierarchy": t1 - t0, "plain": t2 - t1},
    }


def scaled(spans: list[tuple[int, int, str]], score) -> list[tuple[int, int, str]]:
    """The annotation's spans (ticks at 480 a quarter) in the ticks of ``score``."""
    f = int(score.ticks_per_quarter) / TPQ
    out = [(round(a * f), round(b * f), label) for a, b, label in spans]
    return [(a, b, label) for a, b, label in out if b > a]


def measure(melody, song: Song) -> dict:
    """The lead-sheet measures of one melody over the song's chords."""
    from partita.evaluation.leadsheet import chord_tones_of, leadsheet_report

    report = leadsheet_report(melody, song.bar_chords, song.key)
    annotated = chord_tones_of(melody, scaled(song.spans, melody))
    out = {
        "notes": report.notes,
        "chord_tone_ratio": report.chord_tone_ratio,
        "strong_onsets": report.chord_tones.strong_onsets,
        "all_notes": report.chord_tones.all_notes,
        "chord_tone_ratio_annotated": annotated.strong_beats,
        "compression_ratio": report.compression_ratio,
    }
    out.update({k: report.melody_tension[k] for k in TENSION})
    out.update({f"{k}_with_chords": report.tension[k] for k in TENSION})
    return out


# -------------------------------------------------------------------------------------------------- summary


def summarize(per_song: list[dict], pieces: dict[str, list]) -> dict:
    """Means per set, per-song gaps to the real melody, the realism test of each generated set."""
    from partita.evaluation.realism import realism_report

    keys = [k for k in per_song[0]["real"] if k != "notes"] + ["notes"]
    out: dict = {s: {k: float(np.nanmean([p[s][k] for p in per_song])) for k in keys} for s in SETS}
    for v in VARIANTS:
        out[v]["gap"] = {k: float(np.nanmean([abs(p[v][k] - p["real"][k]) for p in per_song])) for k in keys}
        out[v]["seconds"] = float(np.mean([p["seconds"][v] for p in per_song]))
    report = realism_report({v: pieces[v] for v in VARIANTS}, pieces["real"], seed=0)
    for v in VARIANTS:
        out[v]["realism_accuracy"] = report["sets"][v]["accuracy"]
        out[v]["frechet"] = report["sets"][v]["frechet"]
        out[v]["differences"] = report["sets"][v]["differences"]
    floor = report["floor"]["two_sample"]
    out["real_floor"] = floor["accuracy"] if floor else math.nan
    return out


def build_rows(s: dict, n: int) -> list[dict]:
    h, p, r = s["hierarchy"], s["plain"], s["real"]
    note = f"{n} held-out POP909 songs (test split), 16 bars each; baseline: the chords without the hierarchy"
    rows = [
        row("lead sheet: chord tones on strong beats (per-bar chords given)", h["chord_tone_ratio"], "share",
            COMMAND, "plain request", p["chord_tone_ratio"],
            notes=f"{note}; real POP909 melodies {r['chord_tone_ratio']:.3f}"),
        row("lead sheet: chord tones on strong beats (POP909's chord annotation)",
            h["chord_tone_ratio_annotated"], "share", COMMAND, "plain request",
            p["chord_tone_ratio_annotated"],
            notes=f"real POP909 melodies {r['chord_tone_ratio_annotated']:.3f}"),
        row("lead sheet: COSIATEC compression ratio of the melody", h["compression_ratio"], "ratio", COMMAND,
            "plain request", p["compression_ratio"],
            notes=f"real POP909 melodies {r['compression_ratio']:.3f}"),
        row("lead sheet: compression-ratio gap to the real melody (per song)", h["gap"]["compression_ratio"],
            "|difference|", COMMAND, "plain request", p["gap"]["compression_ratio"], higher_is_better=False,
            goal="beat the baseline"),
    ]  # fmt: skip
    for k in TENSION:
        name = k.replace("_", " ")
        rows.append(
            row(f"lead sheet: {name} gap to the real melody (per song, melody alone)", h["gap"][k],
                "|difference|", COMMAND, "plain request", p["gap"][k], higher_is_better=False,
                notes=f"means: hierarchy {h[k]:.3f}, plain {p[k]:.3f}, real {r[k]:.3f}")
        )  # fmt: skip
    rows += [
        row("lead sheet: realism, two-sample accuracy against the real melodies", h["realism_accuracy"],
            "accuracy", COMMAND, "plain request", p["realism_accuracy"], higher_is_better=False,
            goal="as realistic as plain generation", notes=f"real-vs-real floor {s['real_floor']:.2f}"),
        row("lead sheet: seconds for a 16-bar melody (2 candidates a section / request)", h["seconds"], "s",
            COMMAND, "plain request", p["seconds"], higher_is_better=False, notes="model loaded, no files"),
    ]  # fmt: skip
    return rows


def render(outdir: Path, song: Song, made: dict) -> None:
    """Piano rolls of one song's three melodies."""
    from partita.render.pianoroll import write_pianoroll

    outdir.mkdir(parents=True, exist_ok=True)
    chords = " ".join(c.partition(":")[0] + ("m" if ":min" in c else "") for c in song.bar_chords)
    for name, score in (("real", song.melody), ("hierarchy", made["hierarchy"]), ("plain", made["plain"])):
        path = write_pianoroll(
            score, outdir / f"pop909-{song.song}-{name}.png", f"{song.song} {name}: {chords}"
        )
        log.info("wrote %s", path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="held-out POP909 songs")
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument(
        "--candidates", type=int, default=2, help="candidates a section (plan) or request (plain)"
    )
    ap.add_argument("--model", default="partita-small", help="a model name or folder; 'debug' = untrained")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default="all", help="the built corpus of real pieces (default: all)")
    ap.add_argument("--render", default=None, help="a folder for piano rolls of the first song's melodies")
    ap.add_argument("--name", default=None, help="result name (default leadsheet, or leadsheet-debug)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from partita.corpus import load_corpus
    from partita.pipelines import load_generator

    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.name or ("leadsheet" if args.model != "debug" else "leadsheet-debug")
    generator = load_generator(args.model)
    songs = held_out_songs(load_corpus(args.corpus), args.n, args.bars, args.seed)
    per_song, pieces = [], {s: [] for s in SETS}
    for j, song in enumerate(songs):
        made = generate(generator, song, args.bars, args.candidates, args.seed * 1000 + j)
        rec = {"song": song.song, "key": song.key, "chords": song.bar_chords, "labels": made["labels"]}
        rec.update({v: measure(made[v], song) for v in VARIANTS})
        rec["real"] = measure(song.melody, song)
        rec["seconds"] = made["seconds"]
        per_song.append(rec)
        for v in VARIANTS:
            pieces[v].append(made[v])
        pieces["real"].append(song.melody)
        log.info(
            "song %s (%s): chord tones %.2f / %.2f / real %.2f, CR %.2f / %.2f / real %.2f",
            song.song, " ".join(made["labels"]),
            *(rec[s]["chord_tone_ratio"] for s in SETS), *(rec[s]["compression_ratio"] for s in SETS),
        )  # fmt: skip
        if args.render and j == 0:
            render(Path(args.render), song, made)
    summary = summarize(per_song, pieces)
    path = write_result(
        name,
        "Melody over chords (CM-HRNN): lead sheets with phrase structure against the plain request",
        build_rows(summary, len(songs)),
        extra={
            "summary": summary,
            "songs": per_song,
            "model": args.model,
            "n": len(songs),
            "bars": args.bars,
        },
    )
    print(path)


if __name__ == "__main__":
    main()
