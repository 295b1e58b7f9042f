"""Text setting against real songs with lyrics (issue 25 item 1): partita's vocal line beside real settings of
the same words, in one run.

The real songs are the lyric-bearing vocal lines that ship offline in music21's corpus:

- **English**: Amy Beach, "A Prayer of a Tired Child" (soprano I), J. Rosamond Johnson, "Lift Every Voice and
  Sing" (soprano, verse 1), Stephen Foster, "Jeanie with the Light Brown Hair" (verse 1), Irving Berlin,
  "Alexander's Ragtime Band" (the lead sheet's melody);
- **German**: Schubert, "Der Lindenbaum" (voice), Schumann, "Aus meinen Tränen sprießen" (Dichterliebe 2),
  and the soprano's first verse of the first ``--chorales`` Bach chorales with text.

There is **no Chinese song with lyrics** in the corpus (the Essen Chinese folk songs, essenFolksong/han1.abc
and han2.abc, carry titles but no text under their notes), and none elsewhere offline; their melodies serve
below as a reference for notes, not syllables.

For each real song its first verse is read as syllables under notes (MusicXML's ``syllabic``), each syllable
stressed or not by a heuristic (English: partita's own, :func:`partita.lyrics.stress_index`, mapped onto the
song's syllables; German: the small heuristic of ``bench_song.py``). partita then sings **the same
syllables with the same stress marks** (a line at each ``, ; : . ! ?`` after at least four syllables, in the
song's meter) with :func:`partita.generation.song.sing`, and the issue's baseline puts one syllable per eighth
note. Measured on all three:

- stressed and unstressed syllables on strong beats (the downbeat, beat 3 of 4/4, the second dotted beat
  of 6/8: :func:`partita.generation.song.is_strong`), and all syllables;
- notes per syllable and the share of syllables sung to more than one note (melismas);
- the range of the line (semitones, highest minus lowest note of the verse) and its intervals: steps (1-2
  semitones), repeated notes, leaps over a major third (more than 4 semitones), and the share of those
  leaps whose next interval moves the other way (gap-fill) or on the same way by a third or more (an
  arpeggio: ``leap_onward``), beside partita with ``leaps=False``; those
  leaps into a lyric line's first note from the previous line's last (line starts) and inside the lines,
  and the same at the phrase starts (ABC lines) of the German Essen folk songs (notes, no text);
- **Chinese, full-tone syllables on strong beats**: partita's Chinese songs (the Tang lines of
  ``bench/prompts/zh_lyrics.txt`` and the held-out lines of ``bench_song_tones.py``), against the share of
  all syllables on strong beats in the real songs above, and the share of note onsets on strong beats in
  the Essen Chinese folk songs beside the same share in partita's Chinese songs (notes, not syllables: the
  folk songs have no text).

Every measure is also given on a **development half** and a **held-out half** of each group (every other
song: :func:`halves`): partita's range share (``song_pitch.SECTION_SHARE``, ``--fit-share`` tries its values
on the development half), rhythm by style (``song_rhythm.STYLE_RHYTHM``) and leaps by style
(``song_pitch.STYLE_LEAPS``, ``--fit-leaps`` tries their chances on the development half) were chosen
looking at the development half only; the rows "..., held-out half: ..." report the other one, beside
the plain rhythm (``sing(..., varied=False)``) and no leaps (``leaps=False``) of the same run. The leap fit
and the rows "..., mean of N seeds" average over seeds 0 .. N - 1 (``--seeds``, :data:`SEEDS`): one seed's
draws move a half's leap share by as much as the fit tries to match.

**Pop line starts against POP909** (``song_pop909.py``): how partita's lines in style "pop" start (a leap
from the previous line's last note, on the downbeat or a pickup, on a chord tone, the root, the tonic
triad) beside the lines of POP909's vocal melodies (a note after a beat's silence; songs 1-800 only, even
ids the development half, odd ids the held-out half); ``--fit-pop-starts`` tries pop's ``LeapStyle.across``
on the development half.

The parts live beside this file: ``song_setting.py`` (a verse read from a real song or sung by partita),
``song_measures.py`` (the measures), ``song_fit.py`` (the fits and the seed means), ``song_chinese.py``
(Chinese) and ``essen_abc.py`` / ``essen_leaps.py`` (the Essen folk songs' notes).

    python bench/bench_song_real.py [--chorales 30] [--han 300] [--fit-share] [--fit-leaps] [--seeds 4]
        [--pop909 400] [--fit-pop-starts]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from essen_abc import essen_dotted, essen_phrase_starts  # noqa: E402
from essen_leaps import essen_line_leaps  # noqa: E402
from song_chinese import chinese_settings, han_folk  # noqa: E402
from song_fit import SEEDS, SUNG, fit_leaps, fit_share, halves, sung_mean  # noqa: E402
from song_measures import measures  # noqa: E402
from song_pop909 import pop_start_rows, pop_start_table  # noqa: E402
from song_setting import (  # noqa: E402
    Setting,
    _as_lyrics,
    _verse_one,
    _words,
    eighth_setting,
    mark_lines,
    partita_setting,
    real_setting,
)

log = logging.getLogger("bench_song_real")
COMMAND = "python bench/bench_song_real.py"

# (corpus path, part index, language, name)
SONGS = (
    ("beach/prayer_of_a_tired_child.musicxml", 0, "en", "Beach: A Prayer of a Tired Child"),
    ("johnson_j_r/lift_every_voice.mxl", 0, "en", "Johnson: Lift Every Voice and Sing"),
    ("leadSheet/fosterBrownHair.mxl", 0, "en", "Foster: Jeanie with the Light Brown Hair"),
    ("leadSheet/berlinAlexandersRagtime.mxl", 0, "en", "Berlin: Alexander's Ragtime Band"),
    ("schubert/Lindenbaum.xml", 0, "de", "Schubert: Der Lindenbaum"),
    ("schumann_robert/dichterliebe_no2.xml", 0, "de", "Schumann: Aus meinen Tränen sprießen"),
)
HAN_FILES = ("han1.abc", "han2.abc")
GERMAN_FILES = ("erk10.abc", "boehme10.abc", "kinder0.abc")
GROUP_STYLE = {"en": "pop", "de": None, "chorale": "chorale"}
"""The style partita sings each group in (its melody's range: ``partita.generation.song_pitch.STYLE_RANGE``),
chosen before measuring: the English songs are popular and parlour songs of 1850-1920 (and a hymn and an art
song): "pop"; German lieder have no style with range data (the default); the Bach chorales: "chorale"."""


# --- the songs -------------------------------------------------------------------------------------------


def corpus_songs() -> list[tuple[Setting, ...]]:
    """(real, partita, eighth baseline, partita with no style, partita with the plain rhythm, partita with
    no leaps) for each song of :data:`SONGS`."""
    import os

    from music21 import corpus

    base = os.path.dirname(corpus.__file__)
    out = []
    for path, part_index, language, name in SONGS:
        part = corpus.parse(os.path.join(base, path)).parts[part_index]
        real, words = real_setting(part, language, name)
        lyrics = _as_lyrics(words, language)
        mark_lines(real, lyrics)
        meter = real.meter if real.meter in ("2/4", "3/4", "4/4", "6/8", "3/8", "2/2") else "4/4"
        SUNG[name] = (lyrics, meter, language, GROUP_STYLE[language])
        out.append(
            (
                real,
                partita_setting(lyrics, meter, name, language, style=GROUP_STYLE[language]),
                eighth_setting(lyrics, meter, name, language),
                partita_setting(lyrics, meter, name, language),
                partita_setting(lyrics, meter, name, language, style=GROUP_STYLE[language], varied=False),
                partita_setting(lyrics, meter, name, language, style=GROUP_STYLE[language], leaps=False),
            )
        )
        log.info("%s: %d syllables, %d lines", name, len(real.strong), len(lyrics.lines))
    return out


def chorales(n: int) -> list[tuple[Setting, ...]]:
    """The same for the soprano's first verse of the first ``n`` Bach chorales with text."""
    from music21 import corpus

    out = []
    for path in corpus.getComposer("bach"):
        if len(out) >= n:
            break
        try:
            part = corpus.parse(path).parts[0]
        except Exception:  # noqa: BLE001 - a corpus file music21 cannot read is skipped
            continue
        if len(_words(_verse_one(part))) < 10:
            continue
        name = Path(str(path)).stem
        real, words = real_setting(part, "de", name)
        lyrics = _as_lyrics(words, "de")
        mark_lines(real, lyrics)
        meter = real.meter if real.meter in ("2/4", "3/4", "4/4", "6/8", "3/8", "2/2") else "4/4"
        SUNG[name] = (lyrics, meter, "de", GROUP_STYLE["chorale"])
        out.append(
            (
                real,
                partita_setting(lyrics, meter, name, "de", style=GROUP_STYLE["chorale"]),
                eighth_setting(lyrics, meter, name, "de"),
                partita_setting(lyrics, meter, name, "de"),
                partita_setting(lyrics, meter, name, "de", style=GROUP_STYLE["chorale"], varied=False),
                partita_setting(lyrics, meter, name, "de", style=GROUP_STYLE["chorale"], leaps=False),
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chorales", type=int, default=30)
    ap.add_argument("--han", type=int, default=300, help="Essen Chinese folk songs read for the note share")
    ap.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: fewer chorales")
    ap.add_argument("--threads", type=int, default=1, help="rules only: one thread whatever is asked")
    ap.add_argument("--fit-share", action="store_true", help="also try song_pitch.SECTION_SHARE values")
    ap.add_argument("--fit-leaps", action="store_true", help="also try leap chances (song_pitch.LeapStyle)")
    ap.add_argument("--seeds", type=int, default=SEEDS, help="seeds the leap fit and leap rows average over")
    ap.add_argument("--pop909", type=int, default=400, help="POP909 songs a half (1-800) for line starts")
    ap.add_argument("--fit-pop-starts", action="store_true", help="also try pop's LeapStyle.across on POP909")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.quick:
        args.chorales, args.han = min(args.chorales, 10), min(args.han, 100)
        args.pop909 = min(args.pop909, 20)
    t0 = time.perf_counter()
    songs = corpus_songs()
    bach = chorales(args.chorales)
    zh = chinese_settings()
    zh_before = chinese_settings(full=False)
    zh_light_off = chinese_settings(light=False)
    han = han_folk(args.han)
    phrases = {"han": essen_phrase_starts(HAN_FILES), "german": essen_phrase_starts(GERMAN_FILES)}
    dotted = essen_dotted(GERMAN_FILES)
    essen_leaps = {"german": essen_line_leaps(GERMAN_FILES), "han": essen_line_leaps(HAN_FILES)}
    log.info("read and sung in %.0f s", time.perf_counter() - t0)
    zh_runs = {"on": zh, "before": zh_before, "light_off": zh_light_off}
    fit = None
    if args.fit_share:
        en = [s for s in songs if s[0].language == "en"]
        fit = fit_share({"English songs": en, "Bach chorales": bach})
    leap_fit = None
    if args.fit_leaps:
        by_language = {"English songs": "en", "German songs": "de"}
        groups = {g: [s for s in songs if s[0].language == k] for g, k in by_language.items()}
        leap_fit = fit_leaps(groups | {"Bach chorales": bach}, args.seeds)
    seeds = max(1, args.seeds)
    pop = pop_start_table(args.pop909, seeds, args.fit_pop_starts) if args.pop909 > 0 else None
    result = report(
        songs, bach, zh_runs, han, phrases, args.quick, fit, leap_fit, dotted, seeds, essen_leaps, pop
    )
    print(result)


def _group(settings, k: int) -> dict[str, float]:
    return measures([s[k] for s in settings])


HALF_MEASURES = (
    "range",
    "distinct_durations",
    "dotted",
    "off_beat",
    "melisma_share",
    "stressed_strong",
    "leaps_over_third",
    "gap_fill",
    "line_start_leaps",
    "line_starts",
    "inside_leaps",
    "leap_onward",
    "leaps_followed",
)
LEAP_MEASURES = (
    "leaps_over_third",
    "line_start_leaps",
    "inside_leaps",
    "leap_onward",
    "gap_fill",
    "steps",
    "repeats",
    "range",
)
"""The measures averaged over seeds on each half (``partita_seeds``, ``no_leaps_seeds``)."""


def _halves_table(v: list, seeds: int = 1) -> dict[str, dict[str, dict[str, float]]]:
    """Real, partita, partita with the plain rhythm and partita with no leaps on each half of a group
    (:func:`halves`); and partita's leaps with and without the rule averaged over ``seeds`` seeds."""
    out = {}
    for name, half in zip(("development", "held_out"), halves(v), strict=True):
        cols = {
            "real": _group(half, 0),
            "partita": _group(half, 1),
            "plain_rhythm": _group(half, 4),
            "no_leaps": _group(half, 5),
        }
        out[name] = {c: {k: m[k] for k in HALF_MEASURES} | {"songs": len(half)} for c, m in cols.items()}
        out[name]["partita_seeds"] = sung_mean(half, seeds, LEAP_MEASURES)
        out[name]["no_leaps_seeds"] = sung_mean(half, seeds, LEAP_MEASURES, leaps=False)
    return out


def _held_out_rows(g: str, h: dict, seeds: int = 1) -> list[dict]:
    """Range and rhythm on the held-out half of group ``g`` (the development half in the notes)."""
    held, dev = h["held_out"], h["development"]
    rows = []
    for key, label, unit in (
        ("range", "range of the verse", "semitones"),
        ("distinct_durations", "distinct syllable note lengths per verse", "lengths"),
        ("dotted", "syllables on a dotted length", "share"),
        ("off_beat", "syllables off the beat", "share"),
    ):
        rows.append(
            row(f"{g}, held-out half: {label}, partita", held["partita"][key], unit, COMMAND,
                "the real songs of the held-out half", held["real"][key], goal="near the real songs",
                notes=f"{held['real']['songs']} songs; the plain rhythm (varied=False): "
                f"{held['plain_rhythm'][key]:.3f}; development half (fitted on): partita "
                f"{dev['partita'][key]:.3f}, real {dev['real'][key]:.3f}")
        )  # fmt: skip
    rows += [
        row(f"{g}, held-out half: leaps over a major third, partita", held["partita"]["leaps_over_third"],
            "share", COMMAND, "the real songs of the held-out half", held["real"]["leaps_over_third"],
            goal="near the real songs",
            notes=f"{held['real']['songs']} songs; no leaps (leaps=False): "
            f"{held['no_leaps']['leaps_over_third']:.3f}; leaps followed by motion the other way: partita "
            f"{held['partita']['gap_fill']:.3f}, real {held['real']['gap_fill']:.3f}; development half "
            f"(fitted on): partita {dev['partita']['leaps_over_third']:.3f}, real "
            f"{dev['real']['leaps_over_third']:.3f}"),
        row(f"{g}, held-out half: leaps over a major third, partita, mean of {seeds} seeds",
            held["partita_seeds"]["leaps_over_third"], "share", COMMAND,
            "the real songs of the held-out half", held["real"]["leaps_over_third"],
            goal="near the real songs", notes=f"seeds 0-{seeds - 1}; no leaps (leaps=False): "
            f"{held['no_leaps_seeds']['leaps_over_third']:.3f}; development half (fitted on): partita "
            f"{dev['partita_seeds']['leaps_over_third']:.3f}, real "
            f"{dev['real']['leaps_over_third']:.3f}"),
        row(f"{g}, held-out half: lines starting with a leap over a major third, partita",
            held["partita"]["line_start_leaps"], "share", COMMAND, "the real songs of the held-out half",
            held["real"]["line_start_leaps"], goal="near the real songs",
            notes=f"{held['real']['line_starts']} line starts (each line's first note after the previous "
            f"line's last); mean of seeds 0-{seeds - 1}: {held['partita_seeds']['line_start_leaps']:.3f}, "
            f"no leaps (leaps=False) {held['no_leaps_seeds']['line_start_leaps']:.3f}; inside the lines: "
            f"partita {held['partita']['inside_leaps']:.3f}, real {held['real']['inside_leaps']:.3f}; "
            f"development half (fitted on): partita {dev['partita_seeds']['line_start_leaps']:.3f}, real "
            f"{dev['real']['line_start_leaps']:.3f}"),
        row(f"{g}, held-out half: leaps going on the same way, partita, mean of {seeds} seeds",
            held["partita_seeds"]["leap_onward"], "share", COMMAND, "the real songs of the held-out half",
            held["real"]["leap_onward"], goal="near the real songs",
            notes=f"of the leaps over a major third, those whose next interval moves on the same way by a "
            f"third or more (an arpeggio): {held['real']['leaps_followed']} real leaps; seed 0: "
            f"{held['partita']['leap_onward']:.3f}; no leaps (leaps=False): "
            f"{held['no_leaps_seeds']['leap_onward']:.3f}; development half (fitted on): partita "
            f"{dev['partita_seeds']['leap_onward']:.3f}, real {dev['real']['leap_onward']:.3f}"),
    ]  # fmt: skip
    return rows


def report(
    songs,
    bach,
    zh: dict,
    han: dict,
    phrases: dict,
    quick: bool = False,
    fit: dict | None = None,
    leap_fit: dict | None = None,
    dotted: dict | None = None,
    seeds: int = 1,
    essen_leaps: dict | None = None,
    pop: dict | None = None,
) -> Path:
    en = [s for s in songs if s[0].language == "en"]
    de = [s for s in songs if s[0].language == "de"]
    groups = {"English songs": en, "German songs": de, "Bach chorales": bach}
    table = {
        g: {
            "real": _group(v, 0),
            "partita": _group(v, 1),
            "eighth": _group(v, 2),
            "no_style": _group(v, 3),
            "plain_rhythm": _group(v, 4),
            "no_leaps": _group(v, 5),
            "halves": _halves_table(v, seeds),
        }
        for g, v in groups.items()
    }
    styles = {
        "English songs": GROUP_STYLE["en"],
        "German songs": GROUP_STYLE["de"],
        "Bach chorales": "chorale",
    }
    matched = sum(s[0].matched_words[0] for s in en), sum(s[0].matched_words[1] for s in en)
    rows = []
    for g, t in table.items():
        r, p, e, bare = t["real"], t["partita"], t["eighth"], t["no_style"]
        style = styles[g] or "none (default range)"
        note = f"{r['syllables']} syllables; partita sings the same syllables with the same stress marks"
        if g == "English songs":
            note += f"; partita's syllable count matches the song's for {matched[0]} of {matched[1]} words"
        rows += [
            row(f"{g}: stressed syllables on strong beats, partita", p["stressed_strong"], "share", COMMAND,
                "the real songs (same syllables)", r["stressed_strong"], goal="near the real songs",
                notes=note),
            row(f"{g}: stressed syllables on strong beats, one syllable an eighth", e["stressed_strong"],
                "share", COMMAND, "the real songs (same syllables)", r["stressed_strong"]),
            row(f"{g}: unstressed syllables on strong beats, partita", p["unstressed_strong"], "share",
                COMMAND, "the real songs (same syllables)", r["unstressed_strong"], higher_is_better=False),
            row(f"{g}: all syllables on strong beats, partita", p["all_strong"], "share", COMMAND,
                "the real songs (same syllables)", r["all_strong"]),
            row(f"{g}: notes per syllable, partita", p["notes_per_syllable"], "notes", COMMAND,
                "the real songs", r["notes_per_syllable"]),
            row(f"{g}: syllables sung to a melisma, partita", p["melisma_share"], "share", COMMAND,
                "the real songs", r["melisma_share"]),
            row(f"{g}: range of the verse, partita", p["range"], "semitones", COMMAND, "the real songs",
                r["range"], goal="near the real songs",
                notes=f"partita sung in style {style}; without a style: {bare['range']:.2f}"),
            row(f"{g}: distinct syllable note lengths per verse, partita", p["distinct_durations"], "lengths",
                COMMAND, "the real songs", r["distinct_durations"], goal="near the real songs",
                notes=f"syllables on dotted lengths {p['dotted']:.3f} vs real {r['dotted']:.3f}; the plain "
                f"rhythm (varied=False): {t['plain_rhythm']['distinct_durations']:.2f} lengths, "
                f"{t['plain_rhythm']['dotted']:.3f} dotted"),
            row(f"{g}: syllables off the beat, partita", p["off_beat"], "share", COMMAND, "the real songs",
                r["off_beat"], goal="near the real songs"),
            row(f"{g}: steps (1-2 semitones) among the intervals, partita", p["steps"], "share", COMMAND,
                "the real songs", r["steps"]),
            row(f"{g}: leaps over a major third, partita", p["leaps_over_third"], "share", COMMAND,
                "the real songs", r["leaps_over_third"], goal="near the real songs",
                notes=f"without a style: {bare['leaps_over_third']:.3f}; no leaps (leaps=False): "
                f"{t['no_leaps']['leaps_over_third']:.3f}; leaps followed by motion the other way: "
                f"partita {p['gap_fill']:.3f}, real {r['gap_fill']:.3f}"),
        ]  # fmt: skip
        rows += _held_out_rows(g, t["halves"], seeds)
    if dotted:
        other = [dotted[m] for m in ("3/4", "4/4")]
        other_share = sum(m["dotted"] * m["notes"] for m in other) / max(1, sum(m["notes"] for m in other))
        rows.append(
            row("German Essen folk songs: notes on a dotted length in 2/4", dotted["2/4"]["dotted"], "share",
                COMMAND, "the same in 3/4 and 4/4", other_share,
                notes=f"{dotted['2/4']['notes']} notes in 2/4 (erk, boehme, kinder; no text: notes, not "
                "syllables); the reference of song_rhythm.METER_DOTTED")
        )  # fmt: skip
    if essen_leaps:
        ger, han_ = essen_leaps["german"], essen_leaps["han"]
        rows.append(
            row("German Essen folk songs: phrases starting with a leap of a fourth or more",
                ger["line_start_leaps"], "share", COMMAND, "the same inside the phrases", ger["inside_leaps"],
                notes=f"{ger['line_starts']} phrase starts of {ger['tunes']} tunes (erk, boehme, kinder; ABC "
                f"lines; notes, no text): the reference of song_pitch.DEFAULT_LEAPS.across; the Chinese "
                f"tunes (han): {han_['line_start_leaps']:.3f} at phrase starts, {han_['inside_leaps']:.3f} "
                "inside")
        )  # fmt: skip
    if pop:
        rows += pop_start_rows(pop, COMMAND)
    real_all = measures([s[0] for s in [*songs, *bach]])
    on, before, light_off = zh["on"], zh["before"], zh["light_off"]
    han_ph, de_ph = phrases["han"], phrases["german"]
    rows += [
        row("Chinese: lines whose first syllable is on a strong beat, partita", on["line_first_strong"],
            "share", COMMAND, "phrases starting on a strong beat in the Essen Chinese folk songs",
            han_ph["phrase_first_strong"],
            goal="near the Chinese folk songs",
            notes=f"{on['lines']} lines; full=False (as before): {before['line_first_strong']:.3f}; "
            f"{han_ph['phrases']} phrases of {han_ph['tunes']} Chinese tunes; German Essen songs (erk, "
            f"boehme, kinder), whose phrases often begin with an upbeat: {de_ph['phrase_first_strong']:.3f}"),
        row("Chinese: full-tone syllables on strong beats, partita", on["full_strong"], "share", COMMAND,
            "all syllables on strong beats in the real songs (English and German)", real_all["all_strong"],
            goal="near the real songs' share",
            notes=f"{on['n_full']} full-tone syllables of the Tang and held-out lines, each line's last left "
            f"out; full=False (as before): {before['full_strong']:.3f}; no Chinese song with lyrics ships "
            "offline, so the reference is songs in other languages"),
        row("Chinese: light syllables on strong beats, partita", on["light_strong"], "share", COMMAND,
            "light=False (same lyrics)", light_off["light_strong"], higher_is_better=False,
            notes=f"{on['n_light']} light syllables"),
        row("Chinese: syllables on notes shorter than a beat, partita", on["shorter_than_a_beat"], "share",
            COMMAND, "full=False (as before)", before["shorter_than_a_beat"],
            notes="notes shorter than a beat in the Essen Chinese folk songs: "
            f"{han['shorter_than_a_beat']:.3f} (notes, with their melismas, not syllables)"),
        row("Chinese: note onsets on strong beats, partita's Chinese songs", on["notes_strong"], "share",
            COMMAND, "note onsets on strong beats in the Essen Chinese folk songs (no text)",
            han["notes_strong"],
            notes=f"{han['songs']} folk songs, {han['notes']} notes: a share of notes, not of syllables; "
            f"full=False: {before['notes_strong']:.3f}"),
    ]  # fmt: skip
    extra = {
        "table": table,
        "songs": {s[0].name: {"real": measures([s[0]]), "partita": measures([s[1]]),
                              "no_style": measures([s[3]]), "meter": s[0].meter} for s in songs},
        "group_style": styles,
        "chinese": zh, "han_folk": han, "essen_phrase_starts": phrases, "real_all": real_all,
        "english_words_matched": matched,
        "section_share_fit": fit,
        "leap_fit": leap_fit,
        "essen_dotted": dotted,
        "essen_line_leaps": essen_leaps,
        "pop909_line_starts": pop,
    }  # fmt: skip
    return write_result(
        "song_real",
        "Text setting against real songs with lyrics (music21's corpus)",
        rows,
        quick=quick,
        extra=extra,
    )


if __name__ == "__main__":
    main()
