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
- **readings and tone sandhi** (held-out lines rich in 3-3 pairs, 一 and 不, :data:`SANDHI_LINES`, with hand-
  written surface readings): the share of syllables whose surface tone partita reads right, against what
  partita read before (pypinyin on the whole run, citation tones); the agreement of the melody with the
  heard (hand-written) tones when it is written for the surface tones against the citation tones (same
  seeds); and on the Tang lines the same comparison against partita's own surface tones;
- **light syllables** (neutral tone 5: 的 了 们, 喜欢 huan5, ...; on the Chinese lines of both sets, the
  last syllable of each line left out, as it gets the cadence note): the share of them on a strong beat
  (downbeat or mid-bar) and their mean duration (eighths, a melisma counted whole) beside the other
  syllables', with the light rule (``light=True``, the default) and without (``light=False``, same lyrics);
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

# Held-out lines rich in 3-3 pairs, 一 and 不 (written for this benchmark, not seen while the sandhi rules
# and the lexicon were written), with their surface readings (after sandhi, 5 light) as a Beijing speaker
# says them at a normal pace, written by hand before the readings of partita were computed.
SANDHI_LINES = (
    ("永远不会忘记你", "yong2 yuan3 bu2 hui4 wang4 ji4 ni3"),
    ("不要害怕一个人", "bu2 yao4 hai4 pa4 yi2 ge4 ren2"),
    ("一年四季都有你", "yi4 nian2 si4 ji4 dou1 you2 ni3"),
    ("想你一整夜", "xiang2 ni3 yi4 zheng3 ye4"),
    ("一句话也不说", "yi2 ju4 hua4 ye3 bu4 shuo1"),
    ("美好的一天", "mei2 hao3 de5 yi4 tian1"),
    ("不知不觉又一年", "bu4 zhi1 bu4 jue2 you4 yi4 nian2"),
    ("一切都不一样", "yi2 qie4 dou1 bu4 yi2 yang4"),
    ("雨伞下的我们", "yu2 san3 xia4 de5 wo3 men5"),
    ("第一眼看见你", "di4 yi1 yan3 kan4 jian4 ni3"),
    ("不用说对不起", "bu2 yong4 shuo1 dui4 bu5 qi3"),
    ("走一走看一看", "zou3 yi5 zou3 kan4 yi5 kan4"),
    ("好不好都随你", "hao3 bu5 hao3 dou1 sui2 ni3"),
    ("你是我唯一的梦", "ni3 shi4 wo3 wei2 yi1 de5 meng4"),
    ("水果和小鸟", "shui2 guo3 he2 xiao2 niao3"),
    ("一杯酒一首歌", "yi4 bei1 jiu3 yi4 shou3 ge1"),
    ("不怕风不怕雨", "bu2 pa4 feng1 bu2 pa4 yu3"),
    ("朋友一生一起走", "peng2 you5 yi4 sheng1 yi4 qi2 zou3"),
    ("十一月的风", "shi2 yi1 yue4 de5 feng1"),
    ("你不来我不走", "ni3 bu4 lai2 wo3 bu4 zou3"),
    ("老师你好", "lao3 shi1 ni2 hao3"),
    ("一定会很美", "yi2 ding4 hui4 hen2 mei3"),
    ("不是每个人", "bu2 shi4 mei3 ge4 ren2"),
    ("一百个理由", "yi4 bai3 ge4 li3 you2"),
    ("再也不见", "zai4 ye3 bu2 jian4"),
    ("满眼都是你", "man2 yan3 dou1 shi4 ni3"),
    ("总有一天", "zong2 you3 yi4 tian1"),
    ("只有一次", "zhi2 you3 yi2 ci4"),
    ("一点一点变老", "yi4 dian3 yi4 dian3 bian4 lao3"),
    ("不会再见", "bu2 hui4 zai4 jian4"),
    ("一样的月光", "yi2 yang4 de5 yue4 guang1"),
    ("为你一个人", "wei4 ni3 yi2 ge4 ren2"),
)
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


def _tones_of(pinyin: str) -> list[int]:
    return [int(syl[-1]) for syl in pinyin.split()]


def _with_tones(lyrics, tone_lines: list[list[int | None]]):
    """The same lyrics with other tones on their syllables (to sing the citation tones)."""
    import dataclasses

    from partita.lyrics import Lyrics, Section

    it = iter(tone_lines)
    sections = []
    for section in lyrics.sections:
        lines = []
        for line in section.lines:
            tones = next(it)
            syls = tuple(dataclasses.replace(s, tone=t) for s, t in zip(line.syllables, tones, strict=True))
            lines.append(dataclasses.replace(line, syllables=syls))
        sections.append(Section(section.label, tuple(lines)))
    return Lyrics(sections, lyrics.language, list(lyrics.notes))


def _plain_pypinyin_tones(text: str) -> list[int | None]:
    """What partita read before sandhi and the lexicon: pypinyin on the whole run, citation tones."""
    from pypinyin import Style, lazy_pinyin

    from partita.lyrics.mandarin import _HAN_RUN

    out: list[int | None] = []
    for m in _HAN_RUN.finditer(text):
        syl = lazy_pinyin(m.group(0), style=Style.TONE3, neutral_tone_with_five=True)
        out += [int(x[-1]) if x[-1:] in "12345" else None for x in syl]
    return out


def _share(got: list[list[int | None]], gold: list[list[int]]) -> float:
    pairs = [(a, b) for g, t in zip(got, gold, strict=True) for a, b in zip(g, t, strict=True)]
    return sum(a == b for a, b in pairs) / len(pairs)


def _melody_vs(lyrics, tone_lines, against, seeds: int) -> dict[str, float]:
    """Sing ``lyrics`` with ``tone_lines`` on its syllables and measure against the tones ``against``."""
    from partita.generation.song import sing

    sung = _with_tones(lyrics, tone_lines)
    keys = [k for k, _ in _lines(lyrics)]
    runs = []
    for seed in range(seeds):
        land = _landing(sing(sung, seed=seed, tones=True))
        runs.append(_measure([land[k] for k in keys], against))
    return {m: float(np.mean([r[m] for r in runs])) for m in runs[0]}


def run_sandhi(seeds: int) -> tuple[list[dict], dict]:
    """Readings and melodies on the held-out sandhi lines, and surface against citation tones on the Tang
    lines, all in one run."""
    from partita.lyrics import mandarin_tones, read_lyrics

    cmd = COMMAND
    gold = [_tones_of(p) for _, p in SANDHI_LINES]
    texts = [t for t, _ in SANDHI_LINES]
    surface = [mandarin_tones(t) for t in texts]
    citation = [mandarin_tones(t, surface=False) for t in texts]
    plain = [_plain_pypinyin_tones(t) for t in texts]
    n_syl = sum(map(len, gold))
    changed = sum(a != b for g, c in zip(gold, citation, strict=True) for a, b in zip(g, c, strict=True))
    acc = {"surface": _share(surface, gold), "citation": _share(citation, gold), "plain": _share(plain, gold)}
    lyrics = read_lyrics("\n".join(texts))
    m_surface = _melody_vs(lyrics, surface, gold, seeds)
    m_citation = _melody_vs(lyrics, citation, gold, seeds)
    tang = read_lyrics(LYRICS.read_text(encoding="utf-8"))
    t_lines = [line.text for _, line in _lines(tang)]
    t_surface = [mandarin_tones(t) for t in t_lines]
    t_citation = [mandarin_tones(t, surface=False) for t in t_lines]
    t_changed = sum(
        a != b for s, c in zip(t_surface, t_citation, strict=True) for a, b in zip(s, c, strict=True)
    )
    tm_surface = _melody_vs(tang, t_surface, t_surface, seeds)
    tm_citation = _melody_vs(tang, t_citation, t_surface, seeds)
    note = (
        f"{len(texts)} held-out lines, {n_syl} syllables, {changed} of them with a surface tone other "
        "than the citation tone (hand-written readings)"
    )
    rows = [
        row("song tones: surface tones read right (held-out sandhi lines)", acc["surface"], "share", cmd,
            "pypinyin by phrase, citation tones (before)", acc["plain"],
            notes=f"{note}; partita's own citation tones {acc['citation']:.3f}"),
        row("song tones: agreement with the heard tones, melody on surface tones (sandhi lines)",
            m_surface["agree"], "share", cmd, "melody on citation tones, same seeds", m_citation["agree"],
            notes=f"{note}; {int(m_surface['pairs'])} pairs with a preference in the hand-written tones, "
                  f"mean of {seeds} seeds"),
        row("song tones: steps against the heard tones (sandhi lines)", m_surface["contrary"], "share", cmd,
            "melody on citation tones, same seeds", m_citation["contrary"], higher_is_better=False,
            notes=note),
        row("song tones: agreement with the surface tones, melody on surface tones (Tang lines)",
            tm_surface["agree"], "share", cmd, "melody on citation tones, same seeds", tm_citation["agree"],
            notes=f"{len(t_lines)} lines, {t_changed} syllables changed by sandhi or light tones; "
                  "surface tones as partita reads them (no hand-written readings)"),
    ]  # fmt: skip
    extra = {
        "sandhi_reading_accuracy": acc,
        "sandhi_melody": {"surface": m_surface, "citation": m_citation},
        "tang_melody_vs_surface": {"surface": tm_surface, "citation": tm_citation},
        "sandhi_misread": [
            {"line": t, "gold": g, "partita": s}
            for t, g, s in zip(texts, gold, surface, strict=True)
            if g != s
        ],
    }
    for name, value in (("readings", acc), ("melody", extra["sandhi_melody"])):
        log.info("sandhi %s: %s", name, value)
    return rows, extra


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


def _syllable_notes(song) -> list[tuple[object, bool, float]]:
    """(syllable, on a strong beat, duration in eighths) of each syllable but the last of its line."""
    from partita.generation.song import SLOT, is_strong

    by: dict[tuple[int, int], list[list]] = {}
    for n in song.notes:
        if n.syllable is not None:
            by.setdefault((n.section, n.line), []).append(
                [n.syllable, is_strong(n.onset, song.meter), n.duration]
            )
        else:
            by[(n.section, n.line)][-1][2] += n.duration
    return [(s, strong, d / SLOT) for notes in by.values() for s, strong, d in notes[:-1]]


def _light_measure(songs) -> dict[str, float]:
    from partita.lyrics.mandarin import LIGHT

    notes = [x for song in songs for x in _syllable_notes(song)]
    light = [(strong, d) for s, strong, d in notes if s.tone == LIGHT]
    other = [(strong, d) for s, strong, d in notes if s.tone != LIGHT]

    def mean(xs: list[float]) -> float:
        return float(np.mean(xs)) if xs else math.nan

    return {
        "light": len(light),
        "other": len(other),
        "light_on_strong": mean([a for a, _ in light]),
        "light_eighths": mean([d for _, d in light]),
        "other_on_strong": mean([a for a, _ in other]),
        "other_eighths": mean([d for _, d in other]),
    }


def run_light() -> tuple[list[dict], dict]:
    """Light (neutral-tone) syllables in the rhythm: the light rule on against off, same lyrics."""
    from partita.generation.song import sing
    from partita.lyrics import read_lyrics

    sets = [
        read_lyrics(LYRICS.read_text(encoding="utf-8")),
        read_lyrics("\n".join(t for t, _ in SANDHI_LINES)),
    ]
    on = _light_measure([sing(lyr, seed=0, light=True) for lyr in sets])
    off = _light_measure([sing(lyr, seed=0, light=False) for lyr in sets])
    log.info("light on: %s; off: %s", on, off)
    note = (
        f"{on['light']} light syllables (none in the Tang lines, all in the sandhi lines) and {on['other']} "
        "others, each line's last syllable left out; the rhythm does not depend on the seed"
    )
    rows = [
        row("song tones: light syllables on strong beats", on["light_on_strong"], "share", COMMAND,
            "light=False, same lyrics", off["light_on_strong"], higher_is_better=False,
            notes=f"{note}; other syllables {on['other_on_strong']:.3f} (light=False "
                  f"{off['other_on_strong']:.3f})"),
        row("song tones: mean duration of light syllables", on["light_eighths"], "eighths", COMMAND,
            "light=False, same lyrics", off["light_eighths"], higher_is_better=False,
            notes=f"{note}; other syllables {on['other_eighths']:.2f} eighths (light=False "
                  f"{off['other_eighths']:.2f}); light notes are also sung softer (velocity 56, others 80)"),
    ]  # fmt: skip
    return rows, {"on": on, "off": off}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    rows, extra = run(args.seeds)
    sandhi_rows, sandhi_extra = run_sandhi(args.seeds)
    rows += sandhi_rows
    extra["sandhi"] = sandhi_extra
    light_rows, extra["light"] = run_light()
    rows += light_rows
    path = write_result(
        "song_tones", "Mandarin tones and the melody (issue 25 item 1)", rows, quick=False, extra=extra
    )
    log.info("wrote %s", path)


if __name__ == "__main__":
    main()
