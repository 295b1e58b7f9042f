"""Mandarin tones and the melody (issue 25 item 1): does the vocal line's direction from syllable to syllable
follow the tone transitions of Chinese lyrics?

On the Chinese lyrics of ``bench/prompts/zh_lyrics.txt`` (34 lines of eight Tang poems, public domain; tones
by pypinyin, read word by word), sung by :func:`partita.generation.song.sing` with several seeds:

- **tone-melody agreement**: the share of adjacent syllable pairs within a line whose melodic direction (up,
  level, down, on the note each syllable lands on) is one the tone pair prefers, by ReLyMe's table
  (:data:`partita.lyrics.mandarin.TONE_INTERVALS`); pairs whose tones prefer nothing (a neutral tone before
  a tone 3) are left out; and the share moving **against** the preference (lower is better);
- for partita with tones (``tones=True``, the default) and without (``tones=False``: the same seeds, the
  same rhythm and harmony, the tone-blind pitches), and the issue's baseline: one syllable per eighth note
  in order, each line from a downbeat, pitches as the tone-blind writer chooses them for that rhythm;
- **singability** of the same melodies beside it: the mean interval between syllables (semitones), the share
  of leaps over a major third (more than 4 semitones) and of leaps over a fifth (more than 7), so that a
  gain in agreement bought with a jagged line shows;
- **real Chinese folk melodies**: music21's Essen Chinese songs (han1.abc, han2.abc) carry no text under
  their notes (only titles and notes in German), so there is no real reference here; the result says so.

    python bench/bench_song_tones.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_song_tones")
COMMAND = "python bench/bench_song_tones.py"
LYRICS = Path(__file__).resolve().parent / "prompts" / "zh_lyrics.txt"


def _landing(song) -> dict[tuple[int, int], list[int]]:
    """The pitch each syllable lands on (its first note), by (section, line)."""
    out: dict[tuple[int, int], list[int]] = {}
    for n in song.notes:
        if n.syllable is not None:
            out.setdefault((n.section, n.line), []).append(n.pitch)
    return out


def _lines(lyrics):
    return [((si, li), line) for si, s in enumerate(lyrics.sections) for li, line in enumerate(s.lines)]


def _measure(pitch_lines: list[list[int]], tone_lines: list[list[int | None]]) -> dict[str, float]:
    from partita.lyrics import pooled_agreement, tone_agreement

    pooled = pooled_agreement([tone_agreement(p, t) for p, t in zip(pitch_lines, tone_lines, strict=True)])
    steps = np.array([abs(b - a) for p in pitch_lines for a, b in zip(p, p[1:], strict=False)], dtype=float)
    return {
        "pairs": int(pooled["pairs"]),
        "agree": float(pooled["agree"]),
        "contrary": float(pooled["contrary"]),
        "mean_interval": float(steps.mean()) if steps.size else math.nan,
        "leaps_over_third": float((steps > 4).mean()) if steps.size else math.nan,
        "leaps_over_fifth": float((steps > 7).mean()) if steps.size else math.nan,
    }


def _chance(tone_lines: list[list[int | None]]) -> float:
    """The agreement of a melody choosing up, level or down at random: the mean share of directions the
    pairs allow."""
    from partita.lyrics import preferred_directions

    allowed = [len(w) for t in tone_lines for w in map(preferred_directions, t, t[1:]) if w]
    return float(np.mean(allowed)) / 3 if allowed else math.nan


def _eighth_pitches(lyrics, seed: int) -> list[list[int]]:
    """The issue's baseline: one syllable per eighth note in order from a downbeat, pitches by the tone-blind
    writer for that rhythm (the same phrase seeds and cadences as :func:`sing`)."""
    import zlib

    from partita.generation import song as S

    bar = len(S.slot_weights("4/4"))
    tonic_midi = S._tonic_midi("C")
    out = []
    for section in lyrics.sections:
        for li, line in enumerate(section.lines):
            n = len(line.syllables)
            total = math.ceil((n + 1) / bar) * bar
            end = S._ending(li, len(section.lines))
            rng = np.random.default_rng(seed * 7919 + zlib.crc32(f"{line.text}|{end}|eighth".encode()))
            degrees = S.line_pitches(list(range(n)), total, "4/4", end, rng)
            out.append([S._midi(d, tonic_midi, S.MAJOR, False) for d in degrees])
    return out


def run(seeds: int) -> tuple[list[dict], dict]:
    from partita.generation.song import sing
    from partita.lyrics import read_lyrics

    lyrics = read_lyrics(LYRICS.read_text(encoding="utf-8"))
    lines = _lines(lyrics)
    tone_lines = [[s.tone for s in line.syllables] for _, line in lines]
    keys = [k for k, _ in lines]
    per: dict[str, list[dict[str, float]]] = {"tones": [], "no_tones": [], "eighth": []}
    seconds = {"tones": 0.0, "no_tones": 0.0}
    for seed in range(seeds):
        for name, on in (("tones", True), ("no_tones", False)):
            t0 = time.perf_counter()
            song = sing(lyrics, seed=seed, tones=on)
            seconds[name] += time.perf_counter() - t0
            land = _landing(song)
            per[name].append(_measure([land[k] for k in keys], tone_lines))
        per["eighth"].append(_measure(_eighth_pitches(lyrics, seed), tone_lines))
    mean = {name: {m: float(np.mean([r[m] for r in runs])) for m in runs[0]} for name, runs in per.items()}
    for name, m in mean.items():
        log.info("%s: %s", name, {k: round(v, 3) for k, v in m.items()})
    ours, off, eighth = mean["tones"], mean["no_tones"], mean["eighth"]
    pairs = int(ours["pairs"])
    chance = _chance(tone_lines)
    note = f"{len(lines)} lines, {pairs} tone pairs, mean of {seeds} seeds (0..{seeds - 1})"
    rows = [
        row("song tones: tone-melody agreement", ours["agree"], "share", COMMAND,
            "one syllable an eighth, tone-blind pitches", eighth["agree"], notes=note),
        row("song tones: tone-melody agreement, tones on against off", ours["agree"], "share", COMMAND,
            "tones=False, same seeds", off["agree"], notes=f"{note}; chance {chance:.3f}"),
        row("song tones: steps against the tones", ours["contrary"], "share", COMMAND,
            "tones=False, same seeds", off["contrary"], higher_is_better=False, notes=note),
        row("song tones: mean interval between syllables", ours["mean_interval"], "semitones",
            COMMAND, "tones=False, same seeds", off["mean_interval"], higher_is_better=False,
            notes="singability: smaller is smoother"),
        row("song tones: leaps over a major third", ours["leaps_over_third"], "share", COMMAND,
            "tones=False, same seeds", off["leaps_over_third"], higher_is_better=False, notes=note),
        row("song tones: leaps over a fifth", ours["leaps_over_fifth"], "share", COMMAND,
            "tones=False, same seeds", off["leaps_over_fifth"], higher_is_better=False, notes=note),
        row("song tones: seconds to sing the 34 lines", seconds["tones"] / seeds, "s", COMMAND,
            "tones=False", seconds["no_tones"] / seeds, higher_is_better=False),
    ]  # fmt: skip
    extra = {
        "per_seed": per,
        "mean": mean,
        "chance": chance,
        "real_reference": (
            "none: music21's Essen Chinese folk songs (essenFolksong/han1.abc, han2.abc) carry no lyrics "
            "under their notes, and no other lyric-aligned Chinese melody ships offline"
        ),
        "table": "ReLyMe (Zhang et al., ACM MM 2022), best interval range per tone pair; see "
        "partita.lyrics.mandarin.TONE_INTERVALS",
    }
    return rows, extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    rows, extra = run(args.seeds)
    path = write_result(
        "song_tones", "Mandarin tones and the melody (issue 25 item 1)", rows, quick=False, extra=extra
    )
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
