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
  leaps whose next interval moves the other way (gap-fill), beside partita with ``leaps=False``; those
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

    python bench/bench_song_real.py [--chorales 30] [--han 300] [--fit-share] [--fit-leaps] [--seeds 4]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_song import _german_stress  # noqa: E402
from common import row, write_result  # noqa: E402
from essen_abc import essen_dotted, essen_phrase_starts  # noqa: E402
from essen_leaps import essen_line_leaps  # noqa: E402

log = logging.getLogger("bench_song_real")
COMMAND = "python bench/bench_song_real.py"
ZH_LYRICS = Path(__file__).resolve().parent / "prompts" / "zh_lyrics.txt"

# (corpus path, part index, language, name)
SONGS = (
    ("beach/prayer_of_a_tired_child.musicxml", 0, "en", "Beach: A Prayer of a Tired Child"),
    ("johnson_j_r/lift_every_voice.mxl", 0, "en", "Johnson: Lift Every Voice and Sing"),
    ("leadSheet/fosterBrownHair.mxl", 0, "en", "Foster: Jeanie with the Light Brown Hair"),
    ("leadSheet/berlinAlexandersRagtime.mxl", 0, "en", "Berlin: Alexander's Ragtime Band"),
    ("schubert/Lindenbaum.xml", 0, "de", "Schubert: Der Lindenbaum"),
    ("schumann_robert/dichterliebe_no2.xml", 0, "de", "Schumann: Aus meinen Tränen sprießen"),
)
PUNCT = ".,;:!?\"'()“”‘’«»-–—"
LINE_END = ",;:.!?"
HAN_FILES = ("han1.abc", "han2.abc")
GERMAN_FILES = ("erk10.abc", "boehme10.abc", "kinder0.abc")
GROUP_STYLE = {"en": "pop", "de": None, "chorale": "chorale"}
"""The style partita sings each group in (its melody's range: ``partita.generation.song_pitch.STYLE_RANGE``),
chosen before measuring: the English songs are popular and parlour songs of 1850-1920 (and a hymn and an art
song): "pop"; German lieder have no style with range data (the default); the Bach chorales: "chorale"."""
SUNG: dict[str, tuple] = {}
"""Each real song's (lyrics, meter, language, style) as partita sings it, by name (for ``--fit-share``)."""
SHARES = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
"""The values of ``song_pitch.SECTION_SHARE`` that ``--fit-share`` tries on the development half."""


def halves(settings: list) -> tuple[list, list]:
    """(development, held-out) halves of a group's songs: every other song, the first to development.
    partita's range and rhythm by style were fitted looking at the development half only."""
    return settings[0::2], settings[1::2]


def fit_share(groups: dict[str, list]) -> dict[float, float]:
    """For each of :data:`SHARES`: the squared error of partita's mean verse range against the real one,
    summed over the groups sung in a style with a measured range (English "pop", Bach "chorale"; the German
    lieder are sung in the default 12 semitones, no measurement), on their development halves."""
    from partita.generation import song_pitch

    kept, out = song_pitch.SECTION_SHARE, {}
    try:
        for share in SHARES:
            song_pitch.SECTION_SHARE = share
            err = 0.0
            for v in (groups["English songs"], groups["Bach chorales"]):
                dev = halves(v)[0]
                sung = []
                for r, *_ in dev:
                    lyrics, meter, language, style = SUNG[r.name]
                    sung.append(partita_setting(lyrics, meter, r.name, language, style=style))
                err += (measures(sung)["range"] - measures([r for r, *_ in dev])["range"]) ** 2
            out[share] = err
            log.info("section share %.2f: squared range error %.2f on the development halves", share, err)
    finally:
        song_pitch.SECTION_SHARE = kept
    return out


LEAP_CHANCES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""The chances of a leap after a quarter note that ``--fit-leaps`` tries (after a half note: three times as
much, at most 1), each group in its style (``song_pitch.STYLE_LEAPS``, the German lieder
``DEFAULT_LEAPS``)."""
ACROSS_CHANCES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""The chances of a line starting with a leap (``LeapStyle.across``) that ``--fit-leaps`` tries first."""
SEEDS = 4
"""Seeds (0, 1, ...) the leap fit and the held-out leap rows average over (``--seeds``): one seed's draws
moved the chorales' share by 0.03 (seed 0 read 0.082 on the development half, seeds 0-7 0.077-0.108)."""


def _with_leaps(style: str | None, leaps) -> None:
    """Make ``leaps`` the leaps partita sings ``style`` with (``song_pitch.STYLE_LEAPS`` or, for a style
    without its own, ``DEFAULT_LEAPS``)."""
    from partita.generation import song_pitch

    if style in song_pitch.STYLE_LEAPS:
        song_pitch.STYLE_LEAPS[style] = leaps
    else:
        song_pitch.DEFAULT_LEAPS = leaps


def sung_mean(half: list, seeds: int, keys: tuple[str, ...], leaps: bool = True) -> dict[str, float]:
    """``keys`` of :func:`measures` on partita's songs for ``half`` (each as in :data:`SUNG`), averaged over
    seeds 0 .. ``seeds`` - 1."""
    runs = []
    for seed in range(seeds):
        sung = [
            partita_setting(*SUNG[r.name][:2], r.name, SUNG[r.name][2], seed, SUNG[r.name][3], leaps=leaps)
            for r, *_ in half
        ]
        runs.append(measures(sung))
    return {k: float(np.nanmean([m[k] for m in runs])) for k in keys}


def _nearest_chance(tried: dict[float, float], real: float) -> float:
    return min(tried, key=lambda c: abs(tried[c] - real))


def fit_leaps(groups: dict[str, list], seeds: int = SEEDS) -> dict[str, dict]:
    """For each group, on its development half, averaged over ``seeds`` seeds: first the share of lines
    that start with a leap over a major third for each of :data:`ACROSS_CHANCES` (``LeapStyle.across``),
    then, with the nearest to the real one, the share of leaps over a major third among all intervals for
    each of :data:`LEAP_CHANCES` (``after_long``), beside the real songs' (keys "real", "real_line_start")."""
    from dataclasses import replace

    from partita.generation import song_pitch

    kept_style, kept_default = dict(song_pitch.STYLE_LEAPS), song_pitch.DEFAULT_LEAPS
    out: dict[str, dict] = {}
    try:
        for g, v in groups.items():
            dev = halves(v)[0]
            style = SUNG[dev[0][0].name][3]
            real = measures([r for r, *_ in dev])
            got: dict = {"real": real["leaps_over_third"], "real_line_start": real["line_start_leaps"]}
            base = song_pitch.leaps_for(style)
            got["across"] = {}
            for a in ACROSS_CHANCES:
                _with_leaps(style, replace(base, across=a))
                got["across"][a] = sung_mean(dev, seeds, ("line_start_leaps",))["line_start_leaps"]
            got["across_fit"] = across = _nearest_chance(got["across"], real["line_start_leaps"])
            got["after_long"] = {}
            for chance in LEAP_CHANCES:
                _with_leaps(
                    style, replace(base, across=across, after_long=chance, after_held=min(1, 3 * chance))
                )
                got["after_long"][chance] = sung_mean(dev, seeds, ("leaps_over_third",))["leaps_over_third"]
            got["after_long_fit"] = _nearest_chance(got["after_long"], real["leaps_over_third"])
            log.info("%s: leap fit %s", g, got)
            out[g] = got
    finally:
        song_pitch.STYLE_LEAPS.clear()
        song_pitch.STYLE_LEAPS.update(kept_style)
        song_pitch.DEFAULT_LEAPS = kept_default
    return out


@dataclass
class Setting:
    """A sung verse: per syllable its onset's strength, stress, note count; the line's pitches in order."""

    name: str
    language: str
    strong: list[bool] = field(default_factory=list)
    stressed: list[bool] = field(default_factory=list)
    notes_per_syllable: list[int] = field(default_factory=list)
    pitches: list[int] = field(default_factory=list)
    meter: str = "4/4"
    matched_words: tuple[int, int] = (0, 0)
    """(English words whose syllable count partita's syllabifier matches, English words)."""
    durations: list[float] = field(default_factory=list)
    """Per syllable, the length of its (first) note in quarter notes."""
    on_beat: list[bool] = field(default_factory=list)
    """Per syllable, whether its onset is on a beat (any beat of the bar, not only a strong one)."""
    syllable_notes: list[int] = field(default_factory=list)
    """Per syllable, the index of its (first) note in :attr:`pitches`."""
    line_starts: list[int] = field(default_factory=list)
    """The indices in :attr:`pitches` of each lyric line's first note but the first line's: the interval
    into such a note goes from one line to the next."""


# --- reading a real song ---------------------------------------------------------------------------------


def _meter_at(note) -> str:
    ts = note.getContextByClass("TimeSignature")
    return f"{ts.numerator}/{ts.denominator}" if ts is not None else "4/4"


def _strong(note) -> bool:
    from partita.generation.song import TPQ, is_strong

    ts = note.getContextByClass("TimeSignature")
    beat_ql = float(ts.beatDuration.quarterLength) if ts is not None else 1.0
    tick = round((float(note.beat) - 1.0) * beat_ql * TPQ)
    return is_strong(tick, _meter_at(note))


def _on_beat(note) -> bool:
    return abs(float(note.beat) - round(float(note.beat))) < 1e-6


def _verse_one(part) -> list[tuple[object, str, str] | None]:
    """The part's notes (ties merged) as (note, syllable text, syllabic) or (note, "", "") for a note with no
    syllable; None for a rest and for a note with a syllable of another verse only (a melisma of verse 1
    crosses neither)."""
    out: list = []
    from music21 import harmony

    for x in part.recurse().notesAndRests:
        if isinstance(x, harmony.ChordSymbol):
            continue  # a lead sheet's chord symbol is not a sung note
        if x.isRest:
            out.append(None)
            continue
        if x.tie is not None and x.tie.type != "start":
            continue
        lyr = [ly for ly in x.lyrics if ly.number == 1 and ly.text and ly.text.strip(PUNCT + " ")]
        if lyr:
            out.append((x, lyr[0].text, lyr[0].syllabic or "single"))
        else:  # a note sung to another verse only ends verse 1's melisma, as a rest does
            out.append((x, "", "") if not any(ly.text for ly in x.lyrics) else None)
    return out


def _words(items) -> list[list[tuple[object, str]]]:
    """Words as lists of (note, syllable text), in order."""
    words, cur = [], []
    for it in items:
        if it is None or not it[1]:
            continue
        note, text, syllabic = it
        cur.append((note, text))
        if syllabic in ("single", "end"):
            words.append(cur)
            cur = []
    if cur:
        words.append(cur)
    return words


def english_stress(syllables: list[str]) -> tuple[list[bool], bool]:
    """Stress of an English word sung as ``syllables`` by partita's heuristic: its stressed syllable in
    partita's own syllabification, mapped onto the song's syllables (first to first, last to last, else in
    proportion); and whether the two syllable counts agree."""
    from partita.lyrics import stress_index, syllabify

    word = "".join(s.strip(PUNCT + " ") for s in syllables)
    word = "".join(ch for ch in word if ch.isalpha() or ch == "'").strip("'")
    mine = syllabify(word) or [word]
    k = stress_index(word, mine)
    n = len(syllables)
    if n == 1:
        return [stress_index(word, [word]) is not None], len(mine) == 1
    if k is None:
        k = 0
    m = len(mine)
    at = 0 if k == 0 else n - 1 if k == m - 1 else min(n - 1, round(k * (n - 1) / max(1, m - 1)))
    return [i == at for i in range(n)], m == n


def _stresses(words, language: str) -> tuple[list[list[bool]], tuple[int, int]]:
    out, matched = [], 0
    for word in words:
        texts = [t for _, t in word]
        if language == "en":
            st, ok = english_stress(texts)
            matched += ok
        else:
            st = _german_stress(texts)
        out.append(st)
    return out, (matched, len(words) if language == "en" else 0)


def _notes_per_syllable(items) -> list[int]:
    """For each syllable, its note and the notes after it without a syllable, up to a rest or the next
    syllable (the notes of a melisma)."""
    counts: list[int] = []
    open_ = False
    for it in items:
        if it is None:
            open_ = False
        elif it[1]:
            counts.append(1)
            open_ = True
        elif open_:
            counts[-1] += 1
    return counts


def real_setting(part, language: str, name: str) -> tuple[Setting, list[list[tuple[str, str, bool]]]]:
    """A real song's verse as a :class:`Setting`, and its words (text, syllabic, stressed) to sing."""
    items = _verse_one(part)
    words = _words(items)
    stresses, matched = _stresses(words, language)
    s = Setting(name, language, matched_words=matched)
    s.meter = _meter_at(words[0][0][0])
    for word, st in zip(words, stresses, strict=True):
        for (note, _), stressed in zip(word, st, strict=True):
            s.strong.append(_strong(note))
            s.stressed.append(stressed)
            s.durations.append(float(note.quarterLength))
            s.on_beat.append(_on_beat(note))
    s.notes_per_syllable = _notes_per_syllable(items)
    first = next(i for i, it in enumerate(items) if it is not None and it[1])
    last = max(i for i, it in enumerate(items) if it is not None and it[1])
    sounding = [it for it in items[first : last + 1] if it is not None]
    s.pitches = [int(it[0].pitches[-1].midi) for it in sounding]
    s.syllable_notes = [k for k, it in enumerate(sounding) if it[1]]
    sung = []
    for word, st in zip(words, stresses, strict=True):
        texts = [t.strip(PUNCT + " ") or t for _, t in word]
        pos = ["single"] if len(texts) == 1 else ["begin"] + ["middle"] * (len(texts) - 2) + ["end"]
        end_mark = word[-1][1].rstrip()[-1:] in LINE_END
        sung.append([(t, p, x) for t, p, x in zip(texts, pos, st, strict=True)] + ([("", "", end_mark)]))
    return s, sung


def _as_lyrics(words: list[list[tuple[str, str, bool]]], language: str):
    """The words (each ending with its line-end mark) as partita's :class:`Lyrics`: a line at each
    punctuation mark after at least four syllables, at most 24 syllables a line."""
    from partita.lyrics import Line, Lyrics, Section, Syllable

    lines, cur = [], []
    for word in words:
        *syls, (_, _, end) = word
        whole = "".join(t for t, _, _ in syls)
        if len(cur) + len(syls) > 24 and cur:
            lines.append(cur)
            cur = []
        cur += [Syllable(t, whole, p, st) for t, p, st in syls]
        if end and len(cur) >= 4:
            lines.append(cur)
            cur = []
    if cur:
        lines.append(cur)
    built = [Line(" ".join(s.text for s in line), tuple(line)) for line in lines]
    return Lyrics([Section("verse", tuple(built))], language=language)


def mark_lines(setting: Setting, lyrics) -> Setting:
    """Set a real song's :attr:`Setting.line_starts` from the lines ``lyrics`` (:func:`_as_lyrics`) makes of
    its syllables."""
    firsts = np.cumsum([len(line.syllables) for line in lyrics.lines])[:-1]
    setting.line_starts = [setting.syllable_notes[k] for k in firsts if k < len(setting.syllable_notes)]
    return setting


def partita_setting(
    lyrics,
    meter: str,
    name: str,
    language: str,
    seed: int = 0,
    style: str | None = None,
    varied: bool = True,
    leaps: bool = True,
) -> Setting:
    """partita's song for ``lyrics`` in ``meter`` (and ``style``: its range, rhythm and leaps;
    ``varied=False``: the plain rhythm; ``leaps=False``: no leaps) as a :class:`Setting`."""
    from partita.generation.song import TPQ, is_strong, sing, slot_weights

    song = sing(lyrics, meter=meter, seed=seed, style=style, varied=varied, leaps=leaps)
    s = Setting(name, language, meter=song.meter)
    beat = TPQ * 4 // int(song.meter.split("/")[1]) * (3 if song.meter.endswith("/8") else 1)
    bar = len(slot_weights(song.meter)) * TPQ // 2
    for n in song.notes:
        if n.syllable is not None:
            s.durations.append(n.duration / TPQ)
            s.on_beat.append((n.onset % bar) % beat == 0)
            s.strong.append(is_strong(n.onset, song.meter))
            s.stressed.append(n.syllable.stressed)
            s.notes_per_syllable.append(1)
        else:
            s.notes_per_syllable[-1] += 1
    s.pitches = [n.pitch for n in song.notes]
    where = [(n.section, n.line) for n in song.notes]
    s.line_starts = [k for k in range(1, len(where)) if where[k] != where[k - 1]]
    return s


def eighth_setting(lyrics, meter: str, name: str, language: str) -> Setting:
    """The issue's baseline: one syllable per eighth note in order, each line from a downbeat (rhythm)."""
    from partita.generation.song import eighth_baseline, is_strong

    s = Setting(name, language, meter=meter)
    s.strong = [is_strong(t, meter) for t in eighth_baseline(lyrics, meter)]
    s.stressed = [x.stressed for x in lyrics.syllables]
    s.notes_per_syllable = [1] * len(s.strong)
    return s


# --- measures --------------------------------------------------------------------------------------------


def _share(xs) -> float:
    return float(np.mean(xs)) if len(xs) else math.nan


def _dotted(quarters: float) -> bool:
    """A dotted length (3/4, 3/2, 3 quarter notes ...): three times a power of two."""
    return quarters > 0 and math.log2(quarters / 3) == round(math.log2(quarters / 3))


def measures(settings: list[Setting]) -> dict[str, float]:
    """Pooled over the settings' syllables (and intervals); range averaged over songs."""
    strong = [h for s in settings for h in s.strong]
    stressed = [h for s in settings for h, st in zip(s.strong, s.stressed, strict=True) if st]
    unstressed = [h for s in settings for h, st in zip(s.strong, s.stressed, strict=True) if not st]
    nps = [k for s in settings for k in s.notes_per_syllable]
    steps = np.array([abs(b - a) for s in settings for a, b in zip(s.pitches, s.pitches[1:], strict=False)])
    ranges = [max(s.pitches) - min(s.pitches) for s in settings if s.pitches]
    kinds = [len(set(s.durations)) for s in settings if s.durations]
    back = [_turns_back(s.pitches) for s in settings]
    across, inside = _line_leaps(settings)
    return {
        "syllables": len(strong),
        "stressed_strong": _share(stressed),
        "unstressed_strong": _share(unstressed),
        "all_strong": _share(strong),
        "notes_per_syllable": _share(nps),
        "melisma_share": _share([k > 1 for k in nps]),
        "range": _share(ranges),
        "distinct_durations": _share(kinds),
        "off_beat": _share([not b for s in settings for b in s.on_beat]),
        "dotted": _share([_dotted(d) for s in settings for d in s.durations]),
        "steps": float(((steps >= 1) & (steps <= 2)).mean()) if steps.size else math.nan,
        "repeats": float((steps == 0).mean()) if steps.size else math.nan,
        "leaps_over_third": float((steps > 4).mean()) if steps.size else math.nan,
        "gap_fill": _share([t for b in back for t in b]),
        "line_start_leaps": _share(across),
        "line_starts": len(across),
        "inside_leaps": _share(inside),
    }


def _line_leaps(settings: list[Setting]) -> tuple[list[bool], list[bool]]:
    """Whether each interval is a leap over a major third: (those into a line's first note, the others)."""
    across, inside = [], []
    for s in settings:
        starts = set(s.line_starts)
        for k in range(1, len(s.pitches)):
            (across if k in starts else inside).append(abs(s.pitches[k] - s.pitches[k - 1]) > 4)
    return across, inside


def _turns_back(pitches: list[int]) -> list[bool]:
    """For each leap over a major third (but the last interval), whether the next interval moves the
    other way (gap-fill)."""
    moves = np.diff(np.asarray(pitches, dtype=int))
    return [bool(moves[k + 1] * m < 0) for k, m in enumerate(moves[:-1]) if abs(m) > 4]


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


# --- Chinese ---------------------------------------------------------------------------------------------


def chinese_settings(light: bool = True, full: bool = True) -> dict[str, float]:
    """partita's Chinese songs (the Tang lines and the held-out sandhi lines): full-tone and light syllables
    on strong beats (each line's last syllable, its cadence note, left out), lines whose first syllable is on
    a strong beat, syllables on notes shorter than a beat, and all note onsets on strong beats."""
    from bench_song_tones import SANDHI_LINES
    from partita.generation.song import SLOT, is_strong, sing
    from partita.lyrics import read_lyrics
    from partita.lyrics.mandarin import LIGHT

    texts = [ZH_LYRICS.read_text(encoding="utf-8"), "\n".join(line for line, _ in SANDHI_LINES)]
    full_hits, first, notes, light_hits, short = [], [], [], [], []
    for text in texts:
        song = sing(read_lyrics(text), light=light, full=full)
        by_line: dict = {}
        for n in song.notes:
            notes.append(is_strong(n.onset, song.meter))
            if n.syllable is not None:
                by_line.setdefault((n.section, n.line), []).append(n)
        for ns in by_line.values():
            first.append(is_strong(ns[0].onset, song.meter))
            for n in ns[:-1]:
                (light_hits if n.syllable.tone == LIGHT else full_hits).append(is_strong(n.onset, song.meter))
                short.append(n.duration < 2 * SLOT)
    return {
        "full_strong": _share(full_hits),
        "n_full": len(full_hits),
        "light_strong": _share(light_hits),
        "n_light": len(light_hits),
        "line_first_strong": _share(first),
        "lines": len(first),
        "shorter_than_a_beat": _share(short),
        "notes_strong": _share(notes),
    }


def han_folk(limit: int) -> dict[str, float]:
    """Note onsets on strong beats, and notes shorter than a beat, in the first ``limit`` Essen Chinese folk
    songs (no text: notes only)."""
    from music21 import corpus

    hits, short, songs = [], [], 0
    for name in ("essenFolksong/han1", "essenFolksong/han2"):
        for score in corpus.parse(name).scores:
            if songs >= limit:
                break
            try:
                notes = [x for x in score.recurse().notes if not (x.tie and x.tie.type != "start")]
                if not notes:
                    continue
                hits += [_strong(x) for x in notes]
                beat = notes[0].getContextByClass("TimeSignature").beatDuration.quarterLength
                short += [float(x.quarterLength) < float(beat) for x in notes]
                songs += 1
            except Exception:  # noqa: BLE001 - a song music21 cannot place in its bars is skipped
                continue
    return {
        "songs": songs,
        "notes": len(hits),
        "notes_strong": _share(hits),
        "shorter_than_a_beat": _share(short),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chorales", type=int, default=30)
    ap.add_argument("--han", type=int, default=300, help="Essen Chinese folk songs read for the note share")
    ap.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: fewer chorales")
    ap.add_argument("--threads", type=int, default=1, help="rules only: one thread whatever is asked")
    ap.add_argument("--fit-share", action="store_true", help="also try song_pitch.SECTION_SHARE values")
    ap.add_argument("--fit-leaps", action="store_true", help="also try leap chances (song_pitch.LeapStyle)")
    ap.add_argument("--seeds", type=int, default=SEEDS, help="seeds the leap fit and leap rows average over")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.quick:
        args.chorales, args.han = min(args.chorales, 10), min(args.han, 100)
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
    result = report(
        songs, bach, zh_runs, han, phrases, args.quick, fit, leap_fit, dotted, max(1, args.seeds), essen_leaps
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
)
LEAP_MEASURES = ("leaps_over_third", "line_start_leaps", "inside_leaps")


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
