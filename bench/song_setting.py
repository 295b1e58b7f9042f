"""A sung verse as ``bench_song_real.py`` measures it (:class:`Setting`): read from a real song of music21's
corpus (its first verse's syllables under notes), or sung by partita to the same syllables, or the issue's
baseline of one syllable an eighth (issue 25)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench_song import _german_stress

PUNCT = ".,;:!?\"'()“”‘’«»-–—"
LINE_END = ",;:.!?"


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
