"""Prompt projection: from what a person types to the controls a model can follow (XMusic's XProjector).

:func:`project_prompt` reads a free-text prompt such as ``"a lively Irish jig in D major for fiddle and
guitar, 32 bars"`` and returns a :class:`Request`: condition values for the model
(:class:`partita.tokens.Conditions`), a chord progression, faders, the valence/arousal of any mood words,
and an account of what it understood, what it did not, and every default or correction it made. Nothing is
dropped silently: words that map to nothing are listed in ``not_understood``; conflicts and out-of-range
requests are explained in ``notes``.

Precedence, highest first: an explicit option (``project_prompt(text, tempo=90)``), an explicit phrase in the
text ("in D minor", "90 bpm"), a default implied by a style ("waltz" -> 3/4), a default implied by a mood
("melancholic" -> minor, slower, lower).
"""

from __future__ import annotations

import difflib
import re

from partita.analysis.key import PITCH_NAMES, TONICS, tonic_name
from partita.analysis.tempo import tempo_bin
from partita.generation.lexicon import (
    FADER_WORDS,
    INSTRUMENT_WORDS,
    LENGTH_WORDS,
    MOOD_WORDS,
    NON_GM_INSTRUMENTS,
    NOTE_VALUE_WORDS,
    NUMBER_WORDS,
    STOPWORDS,
    STYLE_BARS,
    STYLE_WORDS,
    TEMPO_WORDS,
)
from partita.generation.request import DEFAULT_BARS, Request, Understood
from partita.generation.texture import texture_from_faders
from partita.score.general_midi import gm_program_names
from partita.tokens.conditions import (
    METERS,
    RHYTHM_EDGES,
    bin_index,
    register_of,
)

MAX_BARS = 128
MAX_PROMPT_CHARS = 1000  # a prompt is a sentence or two; longer text is cut (matching time grows with it)
MAX_INSTRUMENTS = 16
_VALID_DENOMINATORS = {1, 2, 4, 8, 16, 32}
_ACCIDENTAL = {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}
_CHORD_QUALITY = {
    "": "maj", "maj": "maj", "M": "maj", "m": "min", "min": "min", "-": "min", "7": "7", "maj7": "maj7",
    "M7": "maj7", "m7": "min7", "min7": "min7", "dim": "dim", "o": "dim", "dim7": "dim7", "aug": "aug",
    "+": "aug", "sus2": "sus2", "sus4": "sus4", "sus": "sus4", "m7b5": "hdim7", "ø": "hdim7", "6": "maj6",
    "m6": "min6", "9": "9",
}  # fmt: skip
_CHORD_RE = r"[A-G][#b♯♭]?(?:maj7|min7|m7b5|dim7|sus2|sus4|maj|min|dim|aug|sus|M7|m7|m6|M|m|7|6|9|o|\+|ø)?"
_ROMAN_RE = r"(?:b|#)?(?:VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(?:o|ø|\+|7|maj7)?"
_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
_REGISTER_WORDS = {
    "low": ("low", 52.0),
    "high": ("high", 74.0),
    "mid": ("mid", 62.0),
    "middle": ("mid", 62.0),
}
_REGISTER_RE = r"\b(low|high|middle|mid)(?:\s+|-)(register|range|pitched)\b"
"""An explicit register ("in a high register", "low-pitched"): a mean pitch in the middle of the Register
token's bin (:func:`partita.tokens.conditions.register_of`); it wins over a mood's and a picture's."""


class _Matcher:
    """Finds phrases in the text, remembers which characters are taken, and records what each phrase set."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.taken = [False] * len(text)
        self.found: list[tuple[int, Understood]] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def take(self, start: int, end: int, fld: str, value: object, note: str = "") -> None:
        for i in range(start, end):
            self.taken[i] = True
        self.found.append((start, Understood(self.text[start:end], fld, value, note)))

    def phrases(self, table: dict, fld: str, transform=lambda k, v: v, plural: bool = False) -> None:
        for phrase in sorted(table, key=len, reverse=True):
            suffix = r"(?:e?s)?" if plural else ""
            for m in re.finditer(rf"(?<![\w/-]){re.escape(phrase)}{suffix}(?![\w/-])", self.lower):
                if self.free(m.start(), m.end()):
                    self.take(m.start(), m.end(), fld, transform(phrase, table[phrase]))

    def leftovers(self) -> list[str]:
        out = []
        for m in re.finditer(r"[\w'#♯♭-]+", self.text):
            word = m.group(0)
            if (
                self.free(m.start(), m.end())
                and word.lower().strip("'-") not in STOPWORDS
                and not word.isdigit()
            ):
                out.append(word)
        return out


def _parse_number(s: str) -> int | None:
    s = s.lower()
    if s.isdigit():
        return int(s)
    return NUMBER_WORDS.get(s)


_SONG_SECTIONS_RE = (
    r"\b(?:(?:verses?|intro|bridge|pre-?chorus|outro)\s*(?:,|and|&|/|-)?\s*(?:an?\s+|the\s+)?choruse?s?"
    r"|(?:big|catchy|last|final|singalong)\s+chorus(?:es)?)\b"
)
"""Song-section phrases whose "chorus" is the refrain, not a choir."""


def _chord_label(symbol: str) -> str:
    """``"Am7"`` -> ``"A:min7"`` (mir_eval's syntax)."""
    m = re.fullmatch(r"([A-G])([#b♯♭]?)(.*)", symbol)
    if not m:
        raise ValueError(f"not a chord symbol: {symbol!r}")
    root = m.group(1) + {"♯": "#", "♭": "b"}.get(m.group(2), m.group(2))
    quality = _CHORD_QUALITY.get(m.group(3))
    if quality is None:
        raise ValueError(f"unknown chord quality in {symbol!r}")
    return f"{root}:{quality}"


def roman_chord(numeral: str, tonic: str, mode: str) -> str:
    """``"vi"`` in C major -> ``"A:min"``: a roman numeral as a chord label (mir_eval's syntax) in a key."""
    m = re.fullmatch(r"(b|#)?([ivIV]+)(o|ø|\+|7|maj7)?", numeral)
    if not m:
        raise ValueError(f"not a roman numeral: {numeral!r}")
    degree = ["i", "ii", "iii", "iv", "v", "vi", "vii"].index(m.group(2).lower())
    scale = _MAJOR_SCALE if mode != "minor" else _MINOR_SCALE
    shift = {"b": -1, "#": 1}.get(m.group(1) or "", 0)
    pc = (TONICS.index(tonic) + scale[degree] + shift) % 12
    upper = m.group(2).isupper()
    suffix = m.group(3) or ""
    quality = {"o": "dim", "ø": "hdim7", "+": "aug"}.get(suffix)
    if quality is None:
        quality = ("maj" if upper else "min") if suffix != "7" else ("7" if upper else "min7")
        if suffix == "maj7":
            quality = "maj7"
    return f"{PITCH_NAMES[pc]}:{quality}"


def _add(found: dict, fld: str, value, phrase: str, start: int = -1) -> None:
    """Record that ``phrase`` (at character ``start``) set ``fld``; values are later read in text order."""
    found.setdefault(fld, []).append((value, phrase, start))


def project_prompt(
    text: str,
    *,
    key: str | None = None,
    tempo: float | None = None,
    meter: str | None = None,
    instruments: list[str | int] | None = None,
    bars: int | None = None,
    chords: list[str] | str | None = None,
    style: str | None = None,
    density: float | None = None,
    polyphony: float | None = None,
    rhythm: float | None = None,
) -> Request:
    """Project ``text`` (and any explicit options, which win) onto partita's controls. Never raises on
    text."""
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    cut = None
    if len(text) > MAX_PROMPT_CHARS:
        cut = len(text)
        head = text[:MAX_PROMPT_CHARS]
        text = head.rsplit(" ", 1)[0] if " " in head else head
    req = Request(text=text)
    if cut is not None:
        req.notes.append(
            f"the prompt is {cut} characters long: only its first {len(text)} were read "
            f"(at most {MAX_PROMPT_CHARS})"
        )
    given = any(
        v is not None
        for v in (key, tempo, meter, instruments, bars, chords, style, density, polyphony, rhythm)
    )
    if not text.strip() and not given:
        req.notes.append(
            f"empty prompt: generating with no conditions (the model's own defaults: it chooses key, "
            f"tempo, meter and instruments), {DEFAULT_BARS} bars"
        )
    mt = _Matcher(text)
    found: dict[str, list[tuple[object, str]]] = {}
    _concepts(req, mt)

    # Chord progressions first (case matters: "Am" is a chord, "am" is not).
    for m in re.finditer(rf"(?<![\w])({_CHORD_RE}(?:\s*[,\-–|]?\s*{_CHORD_RE}){{1,15}})(?![\w#])", text):
        symbols = re.findall(_CHORD_RE, m.group(1))
        if len(symbols) >= 2 or re.search(r"chords?\b[^.]*$", text[: m.start()], re.I):
            labels = [_chord_label(s) for s in symbols]
            mt.take(m.start(), m.end(), "chords", labels)
            _add(found, "chords", labels, m.group(0), m.start())
    roman = [
        m
        for m in re.finditer(rf"(?<![\w])({_ROMAN_RE}(?:\s*[\-–,]\s*{_ROMAN_RE}){{2,15}})(?![\w])", text)
        if mt.free(m.start(), m.end())
    ]
    for m in roman:
        mt.take(m.start(), m.end(), "roman numerals", m.group(1))

    # Keys: "in D major", "key of Eb", "F# minor"; "a minor key" is a mode, not A minor.
    for m in re.finditer(r"\b(?:in|key of)\s+(a|an)\s+(major|minor)\s+key\b", mt.lower):
        mt.take(m.start(), m.end(), "mode", m.group(2))
        _add(found, "mode", m.group(2), m.group(0), m.start())
    key_re = (
        r"\b(?:(in|key of)\s+)?([A-Ga-g])(\s*(?:#|♯|b|♭|-sharp|-flat| sharp| flat))?"
        r"\s*(major|minor|maj|min)?(?![\w#♯♭])"
    )
    for m in re.finditer(key_re, text):
        lead, letter, acc, mode = m.group(1), m.group(2), (m.group(3) or "").strip(" -"), m.group(4)
        if not mt.free(m.start(), m.end()):
            continue
        if not (mode or lead) or (letter.islower() and not lead and not mode):
            continue
        if letter == "a" and not mode and lead:  # "in a ..." is an article
            continue
        tonic = tonic_name(letter.upper() + _ACCIDENTAL.get(acc, ""))
        mt.take(m.start(), m.end(), "key", f"{tonic} {mode or ''}".strip())
        _add(found, "key", tonic, m.group(0), m.start())
        if mode:
            _add(found, "mode", "minor" if mode.startswith("min") else "major", m.group(0), m.start())
    for m in re.finditer(r"\b(major|minor)(?:\s+(?:key|mode|tonality))?\b", mt.lower):
        if mt.free(m.start(), m.end()):
            mt.take(m.start(), m.end(), "mode", m.group(1))
            _add(found, "mode", m.group(1), m.group(0), m.start())

    # Tempo: numbers with bpm first, then words.
    for m in re.finditer(
        r"\b(\d{1,3}(?:\.\d+)?)\s*(?:bpm|beats per minute|beats a minute)\b|\btempo\s*(?:of\s*)?(\d{2,3})\b",
        mt.lower,
    ):
        bpm = float(m.group(1) or m.group(2))
        if bpm <= 0:
            mt.take(m.start(), m.end(), "tempo", bpm, "not a tempo")
            req.notes.append(f"'{m.group(0)}' is not a tempo: ignored")
            continue
        mt.take(m.start(), m.end(), "tempo", bpm)
        _add(found, "tempo", bpm, m.group(0), m.start())
    _pickup_words(mt, found)  # before tempo words: "with an upbeat" is a pickup, "an upbeat song" a tempo
    for phrase in sorted(TEMPO_WORDS, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", mt.lower):
            if mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "tempo", TEMPO_WORDS[phrase])
                _add(found, "tempo", float(TEMPO_WORDS[phrase]), m.group(0), m.start())

    # Meter.
    named_meters = {
        "common time": "4/4",
        "cut time": "2/2",
        "alla breve": "2/2",
        "waltz time": "3/4",
        "triple meter": "3/4",
        "triple time": "3/4",
        "duple meter": "2/4",
        "compound duple": "6/8",
    }
    for phrase, value in named_meters.items():
        for m in re.finditer(re.escape(phrase), mt.lower):
            if mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "meter", value)
                _add(found, "meter", value, m.group(0), m.start())
    for m in re.finditer(r"\b(\d{1,2})\s*/\s*(\d{1,2})\b", mt.lower):
        num, den = int(m.group(1)), int(m.group(2))
        if mt.free(m.start(), m.end()):
            value = f"{num}/{den}"
            note = "" if den in _VALID_DENOMINATORS and num > 0 else "not a meter"
            mt.take(m.start(), m.end(), "meter", value, note)
            if not note:
                _add(found, "meter", value, m.group(0), m.start())
            else:
                req.notes.append(
                    f"'{m.group(0)}' is not a time signature (the lower number must be a power of 2)"
                )

    for m in re.finditer(_REGISTER_RE, mt.lower):
        if mt.free(m.start(), m.end()):
            name, pitch = _REGISTER_WORDS[m.group(1)]
            mt.take(m.start(), m.end(), "register", f"{name} (mean pitch {pitch:g})")
            _add(found, "register", pitch, m.group(0), m.start())

    # Length and track count.
    num_re = r"(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
    for m in re.finditer(rf"\b{num_re}[\s-]*(bars?|measures?)\b", mt.lower):
        n = _parse_number(m.group(1))
        if n is not None and mt.free(m.start(), m.end()):
            mt.take(m.start(), m.end(), "bars", n)
            _add(found, "bars", n, m.group(0), m.start())
    for m in re.finditer(
        rf"\b{num_re}(?:\s+(?:tracks|instruments|parts|voices)|-(?:track|part|voice)s?)\b", mt.lower
    ):
        n = _parse_number(m.group(1))
        if n is not None and mt.free(m.start(), m.end()):
            mt.take(m.start(), m.end(), "tracks", n)
            _add(found, "tracks", n, m.group(0), m.start())
    ensembles = {"solo": 1, "unaccompanied": 1, "duet": 2, "duo": 2, "trio": 3, "quartet": 4, "quintet": 5}
    # "a solo melody" is one track and one line: the span is taken whole, and its texture is read below
    ensemble_re = r"(?<!string )\b(solo|unaccompanied|duet|duo|trio|quartet|quintet)s?(?: melod(?:y|ies))?\b"
    for m in re.finditer(ensemble_re, mt.lower):
        if mt.free(m.start(), m.end()):
            mt.take(m.start(), m.end(), "tracks", ensembles[m.group(1)])
            _add(found, "tracks", ensembles[m.group(1)], m.group(0), m.start())
    for m in re.finditer(r"\bstring (quartet|quintet|trio)s?\b", mt.lower):  # the words stay the instrument's
        _add(found, "tracks", ensembles[m.group(1)], m.group(0), m.start())
    mt.phrases(NOTE_VALUE_WORDS, "note value")  # before length words: "long notes" is a rhythm, not 48 bars
    for phrase in sorted(LENGTH_WORDS, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", mt.lower):
            if mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "bars", LENGTH_WORDS[phrase])
                _add(found, "bars", LENGTH_WORDS[phrase], m.group(0), m.start())

    # Song sections name a form, not an instrument: "verse and chorus" is no choir (a choir's "chorus" stays).
    for m in re.finditer(_SONG_SECTIONS_RE, mt.lower):
        if mt.free(m.start(), m.end()):
            mt.take(m.start(), m.end(), "song sections", m.group(0))

    # Instruments: non-GM names, full GM names, everyday words (plurals allowed).
    for phrase in sorted(NON_GM_INSTRUMENTS, key=len, reverse=True):
        program, why = NON_GM_INSTRUMENTS[phrase]
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}s?(?![\w-])", mt.lower):
            if mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "instrument", program, f"not in General MIDI: {why}")
                _add(found, "instrument", program, m.group(0), m.start())
                req.notes.append(f"'{m.group(0)}' is not a General MIDI instrument: using the nearest, {why}")
    table: dict[str, int | str] = {
        re.sub(r"\s*\(.*?\)", "", n).lower(): i for i, n in enumerate(gm_program_names())
    }
    table.update({n.lower(): i for i, n in enumerate(gm_program_names())})
    table.update(INSTRUMENT_WORDS)  # everyday words win: "fiddle" is a violin, not GM's ethnic Fiddle
    for phrase in sorted(table, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?:e?s)?(?![\w-])", mt.lower):
            if mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "instrument", table[phrase])
                _add(found, "instrument", table[phrase], m.group(0), m.start())

    # Styles, regions, moods, texture faders.
    for phrase in sorted(STYLE_WORDS, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}s?(?![\w-])", mt.lower):
            if mt.free(m.start(), m.end()):
                info = STYLE_WORDS[phrase]
                mt.take(m.start(), m.end(), "style", info.get("style") or info.get("region"))
                _add(found, "style_info", info, m.group(0), m.start())
    mt.phrases(MOOD_WORDS, "mood", lambda k, v: v[0])
    for start, u in mt.found:
        if u.field == "mood":
            _add(found, "mood", MOOD_WORDS[u.phrase.lower()], u.phrase, start)
    mt.phrases(FADER_WORDS, "fader")
    for start, u in mt.found:
        if u.field == "fader":
            for k, v in u.value.items():
                _add(found, f"fader_{k}", v, u.phrase, start)
        elif u.field == "tracks" and u.phrase.lower() in FADER_WORDS:  # "unaccompanied", "solo melody"
            for k, v in FADER_WORDS[u.phrase.lower()].items():
                _add(found, f"fader_{k}", v, u.phrase, start)
        elif u.field == "note value":  # onsets per quarter -> the fader position of their Rhythm bin
            _add(found, "fader_rhythm", bin_index(u.value, RHYTHM_EDGES) / len(RHYTHM_EDGES), u.phrase, start)
            _add(found, "note_rhythm", u.value, u.phrase, start)

    # Roman-numeral progressions need the key: resolved after keys are known.
    req.understood = [u for _, u in sorted(mt.found, key=lambda x: x[0])]
    req.not_understood = mt.leftovers()
    _explain_leftovers(req, mt, table)
    if text.strip() and not req.understood and not given:
        req.notes.append(
            "nothing in the prompt was understood: generating with no conditions (the model's own "
            f"defaults), {DEFAULT_BARS} bars"
        )
    _resolve(req, found, roman)
    _apply_options(req, key, tempo, meter, instruments, bars, chords, style, density, polyphony, rhythm)
    _apply_defaults(req, found)
    _check_limits(req)
    return req


_UPBEAT_RE = r"(?:upbeat|up-beat|pickup|pick-up|anacrusis)"


def _pickup_words(mt: _Matcher, found: dict) -> None:
    """An upbeat asked for in words: "with an upbeat" (one beat), "a two-beat pickup", "an upbeat of two
    beats", or none: "no upbeat", "without a pickup", "starting on the downbeat"."""
    num = r"(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
    patterns = [
        (rf"\b(?:no|without\s+(?:an?\s+)?)\s*{_UPBEAT_RE}s?\b", lambda m: 0),
        (
            r"\b(?:starting|starts|start|opening|opens|open|beginning|begins|begin)\s+on\s+the\s+downbeat\b",
            lambda m: 0,
        ),
        (rf"\b{num}[\s-]*beats?\s+{_UPBEAT_RE}\b", lambda m: _parse_number(m.group(1))),
        (rf"\b{_UPBEAT_RE}\s+of\s+{num}\s+beats?\b", lambda m: _parse_number(m.group(1))),
        (rf"\bwith\s+an?\s+{_UPBEAT_RE}\b", lambda m: 1),
        (r"\ban?\s+(?:pickup|pick-up|anacrusis)\b", lambda m: 1),  # "an upbeat song" is a tempo
    ]
    for pattern, beats in patterns:
        for m in re.finditer(pattern, mt.lower):
            n = beats(m)
            if n is not None and mt.free(m.start(), m.end()):
                mt.take(m.start(), m.end(), "pickup", n)
                _add(found, "pickup", n, m.group(0), m.start())


def _concepts(req: Request, mt: _Matcher) -> None:
    """A learned concept named in angle brackets (``"a waltz in <my-style>"``); the first one is used."""
    for m in re.finditer(r"<([A-Za-z0-9][\w.-]{0,63})>", mt.text):
        mt.take(m.start(), m.end(), "concept", m.group(1))
        if req.concept is None:
            req.concept = m.group(1)
        elif m.group(1) != req.concept:
            req.notes.append(f"more than one concept named: using the first, <{req.concept}>")


def _first(req: Request, found: dict, fld: str, label: str, show=None):
    values = sorted(found.get(fld, []), key=lambda x: x[2])
    if not values:
        return None
    distinct = []
    for v, p, _ in values:
        if all(v != dv for dv, _ in distinct):
            distinct.append((v, p))
    if len(distinct) > 1:
        shown = " and ".join(f"'{p}'" for _, p in distinct)
        value = f" ({show(distinct[0][0])})" if show else ""
        req.notes.append(f"conflicting {label}: {shown}; using the first, '{distinct[0][1]}'{value}")
    return distinct[0][0]


def _tempo(req: Request, found: dict) -> float | None:
    """A number in bpm is more precise than a tempo word: it wins, and a word only conflicts when it is far
    off."""
    entries = found.get("tempo", [])
    numeric = [e for e in entries if any(ch.isdigit() for ch in e[1])]
    if not numeric:
        return _first(req, found, "tempo", "tempo words", show=lambda v: f"{float(v):g} bpm")
    numbers = {"tempo": numeric}
    bpm = _first(req, numbers, "tempo", "tempi")
    for value, phrase, _ in entries:
        if abs(tempo_bin(float(value)) - tempo_bin(float(bpm))) > 1:
            req.notes.append(f"'{phrase}' does not agree with {bpm:g} bpm; the number is used")
    return bpm


def _resolve(req: Request, found: dict, roman: list) -> None:
    c = req.conditions
    c.key = _first(req, found, "key", "keys")
    c.mode = _first(req, found, "mode", "modes")
    bpm = _tempo(req, found)
    c.tempo_bpm = float(bpm) if bpm is not None else None
    c.meter = _first(req, found, "meter", "meters")
    c.bars = _first(req, found, "bars", "lengths")
    c.mean_pitch = _first(req, found, "register", "registers")
    req.pickup = _first(req, found, "pickup", "upbeats")
    req.n_tracks = _first(req, found, "tracks", "track counts")
    chords = _first(req, found, "chords", "chord progressions")
    req.chords = list(chords) if chords else []
    programs: list[int] = []
    for v, _, _ in sorted(found.get("instrument", []), key=lambda x: x[2]):
        if v == "drums":
            c.drums = True
        elif v not in programs:
            programs.append(int(v))
    c.programs = programs
    moods = found.get("mood", [])
    if moods:
        c.mood = moods[0][0][0]
        req.valence = round(sum(v[1] for v, _, _ in moods) / len(moods), 3)
        req.arousal = round(sum(v[2] for v, _, _ in moods) / len(moods), 3)
    for k in ("density", "polyphony", "rhythm"):
        f = _first(req, found, f"fader_{k}", f"{k} words")
        if f is not None:
            req.faders[k] = float(f)
    styles = [v for v, _, _ in sorted(found.get("style_info", []), key=lambda x: x[2])]
    for info in styles:
        if info.get("style") and not c.style:
            c.style = info["style"]
        if info.get("region") and not c.region:
            c.region = info["region"]
    if roman and not req.chords:
        m = roman[0]
        numerals = re.findall(_ROMAN_RE, m.group(1))
        tonic, mode = c.key or "C", c.mode or "major"
        req.chords = [roman_chord(n, tonic, mode) for n in numerals]
        req.understood = [u for u in req.understood if u.field != "roman numerals"]
        note = "" if c.key else "no key given: read in C major"
        req.understood.append(Understood(m.group(0), "chords", req.chords, note))
        if note:
            req.notes.append(f"roman numerals '{m.group(0)}': {note}")


def _parse_key_option(key: str) -> tuple[str, str | None]:
    m = re.fullmatch(r"\s*([A-Ga-g])\s*(#|♯|b|♭)?\s*(major|minor|maj|min|m)?\s*", key)
    if not m:
        raise ValueError(f"--key {key!r}: expected a key such as 'D', 'F# minor' or 'Bb major'")
    tonic = tonic_name(m.group(1).upper() + _ACCIDENTAL.get(m.group(2) or "", ""))
    mode = None if not m.group(3) else ("major" if m.group(3) in ("major", "maj") else "minor")
    return tonic, mode


def _apply_options(
    req, key, tempo, meter, instruments, bars, chords, style, density, polyphony, rhythm
) -> None:
    c = req.conditions
    if key is not None:
        c.key, mode = _parse_key_option(key)
        c.mode = mode or c.mode
        req.notes.append(f"key set by option: {c.key} {c.mode or ''}".strip())
    if tempo is not None:
        if not 10 <= float(tempo) <= 400:
            raise ValueError(f"--tempo {tempo}: expected 10 to 400 bpm")
        c.tempo_bpm = float(tempo)
    if meter is not None:
        m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*", meter)
        if not m or int(m.group(2)) not in _VALID_DENOMINATORS or int(m.group(1)) == 0:
            raise ValueError(f"--meter {meter!r}: expected a time signature such as 3/4 or 6/8")
        c.meter = f"{int(m.group(1))}/{int(m.group(2))}"
    if instruments is not None:
        progs, drums = [], False
        names = {re.sub(r"\s*\(.*?\)", "", n).lower(): i for i, n in enumerate(gm_program_names())}
        for inst in instruments:
            if isinstance(inst, int) or str(inst).isdigit():
                p = int(inst)
                if not 0 <= p < 128:
                    raise ValueError(f"instrument program {p} is outside General MIDI's 0-127")
                progs.append(p)
                continue
            word = str(inst).lower().strip()
            if word in ("drums", "drum kit", "percussion"):
                drums = True
            elif word in INSTRUMENT_WORDS and INSTRUMENT_WORDS[word] != "drums":
                progs.append(int(INSTRUMENT_WORDS[word]))
            elif word in names:
                progs.append(names[word])
            elif word in NON_GM_INSTRUMENTS:
                p, why = NON_GM_INSTRUMENTS[word]
                progs.append(int(p)) if p != "drums" else None
                req.notes.append(f"'{inst}' is not a General MIDI instrument: using the nearest, {why}")
            else:
                close = difflib.get_close_matches(word, [*INSTRUMENT_WORDS, *names, *NON_GM_INSTRUMENTS], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(
                    f"unknown instrument {inst!r}{hint}: use a General MIDI name, a program number 0-127 "
                    "or a common name such as piano, violin, guitar, flute"
                )
        c.programs, c.drums = list(dict.fromkeys(progs)), drums
    if bars is not None:
        c.bars = int(bars)
    if chords is not None:
        symbols = chords.replace(",", " ").split() if isinstance(chords, str) else list(chords)
        try:
            req.chords = [s if ":" in s else _chord_label(s) for s in symbols]
        except ValueError as e:
            raise ValueError(
                f"--chords {' '.join(map(str, symbols))!r}: {e} (expected symbols such as "
                "'Am F C G7' or 'Dm7 G7 Cmaj7')"
            ) from None
    if style is not None:
        c.style = style
    for name, value in (("density", density), ("polyphony", polyphony), ("rhythm", rhythm)):
        if value is not None:
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"--{name} {value}: a fader goes from 0 (least) to 1 (most)")
            req.faders[name] = float(value)


def _apply_defaults(req: Request, found: dict) -> None:
    c = req.conditions
    for info in (v for v, _, _ in sorted(found.get("style_info", []), key=lambda x: x[2])):
        if c.meter is None and info.get("meter"):
            c.meter = info["meter"]
            req.notes.append(f"meter {c.meter} implied by the style")
        if c.tempo_bpm is None and info.get("tempo"):
            c.tempo_bpm = float(info["tempo"])
            req.notes.append(f"tempo {c.tempo_bpm:g} bpm implied by the style")
        if not c.programs and not c.drums and info.get("programs"):
            c.programs = list(info["programs"])
            req.notes.append(f"instrument {gm_program_names()[c.programs[0]]} implied by the style")
        voiced = not info.get("tracks_with") or set(c.programs) <= set(info["tracks_with"])
        if req.n_tracks is None and info.get("tracks") and len(c.programs) <= 1 and voiced:
            req.n_tracks = int(info["tracks"])
            req.notes.append(f"{req.n_tracks} voices implied by the style")
    if c.bars is None and c.style in STYLE_BARS:
        c.bars = STYLE_BARS[c.style]
        req.notes.append(f"{c.bars} bars: the usual length of the style")
    if req.valence is not None:
        if c.mode is None and abs(req.valence) >= 0.2:
            c.mode = "major" if req.valence > 0 else "minor"
            req.notes.append(f"mode {c.mode} implied by the mood (valence {req.valence:+.1f})")
        if c.mean_pitch is None:
            c.mean_pitch, why = mood_pitch(req.valence, c.style, c.programs)
            if why:
                req.notes.append(why)
    if req.arousal is not None:
        if c.tempo_bpm is None:
            c.tempo_bpm = float(round(105 + 55 * req.arousal))
            req.notes.append(f"tempo {c.tempo_bpm:g} bpm implied by the mood (arousal {req.arousal:+.1f})")
        if c.style is None:
            req.faders.setdefault("density", round(0.5 + 0.4 * req.arousal, 2))
            req.faders.setdefault("rhythm", round(0.5 + 0.4 * req.arousal, 2))
        elif not {"density", "rhythm"} & set(req.faders):
            # the fader bins are absolute (notes per beat over all parts): a "calm" chorale held to a calm
            # solo line's 1.6 notes per beat came out as four voices in half notes, where Bach writes about
            # four notes per beat; with a style named, its own density (which the model learnt with the style)
            # stands
            req.notes.append(f"the mood sets no density: the {c.style.replace('_', ' ')} style's own is kept")
    texture_from_faders(req, counted_rhythm=bool(found.get("note_rhythm")))
    if c.key and not c.mode:
        c.mode = "major"
        req.notes.append("no mode given: major")


LOW_REGISTER_FROM = -0.35
HIGH_REGISTER_FROM = 0.45
"""The valence from which a mood (or a picture) asks for the low or the high register; nearer 0 the mean pitch
stays 62 + 8 valence, inside the Register token's middle bin."""
TESSITURA = 6
"""Semitones a part needs on each side of its mean pitch: a register is asked only where every named
instrument has that room."""


def mood_pitch(
    valence: float, style: str | None = None, programs: list[int] | None = None, source: str = "the mood"
) -> tuple[float, str]:
    """The mean pitch a valence (a mood's, or a picture's) asks for, and a note saying why when it is not the
    plain 62 + 8 valence ("" otherwise).

    The Register token the model sees has three bins (low under G3, high from C5: ``register_of``), so 62 + 8
    valence (54-70) asked "mid" for every mood and every picture: the register never followed. A strong
    valence now crosses into a bin, no further than a musician would go: -0.35 (sombre, dark, sad) and below
    asks 54.5 down to 50 (D3), +0.45 (gentle, bright, happy) and above 72 up to 76 (E5), nothing shrill; the
    moods between (calm, solemn, nostalgic ...) keep 62 + 8 valence. It stays there when a style is named (the
    bins are absolute and a style has its own register, learnt with it: as with the density) and when a named
    instrument has no room for it (:data:`TESSITURA` inside its range: no low flute, no high cello)."""
    plain = round(62 + 8 * valence, 1)
    if valence >= HIGH_REGISTER_FROM:
        target = 72 + 4 * (min(valence, 1.0) - HIGH_REGISTER_FROM) / (1 - HIGH_REGISTER_FROM)
    elif valence <= LOW_REGISTER_FROM:
        target = 54.5 - 4.5 * (min(-valence, 1.0) + LOW_REGISTER_FROM) / (1 + LOW_REGISTER_FROM)
    else:
        return plain, ""
    if style is not None:
        return plain, ""
    register = register_of(target)
    if programs:
        from partita.generation.instruments import instrument_range  # music21, only when it matters

        ranges = {int(p): instrument_range(int(p)) for p in programs}
        low = max(lo for lo, _ in ranges.values()) + TESSITURA
        high = min(hi for _, hi in ranges.values()) - TESSITURA
        target = min(max(target, low), high) if low <= high else plain
        if register_of(target) != register:
            short = [p for p, (lo, hi) in ranges.items() if not lo + TESSITURA <= target <= hi - TESSITURA]
            names = ", ".join(gm_program_names()[p].lower() for p in short or ranges)
            return plain, f"{source}'s {register} register is out of the {names}'s range: not asked"
    target = round(target, 1)
    return target, f"{register} register (mean pitch {target:g}) implied by {source} (valence {valence:+.2f})"


def _check_limits(req: Request) -> None:
    c = req.conditions
    if c.bars is not None:
        if c.bars < 1:
            req.notes.append(f"{c.bars} bars is not a length: using {DEFAULT_BARS}")
            c.bars = DEFAULT_BARS
        elif c.bars > MAX_BARS:
            req.notes.append(
                f"{c.bars} bars is more than partita generates at once ({MAX_BARS}): using {MAX_BARS}"
            )
            c.bars = MAX_BARS
    n = req.n_tracks
    if n is not None and n < 1:
        req.notes.append(f"{n} tracks is not a track count: ignored")
        req.n_tracks = None
    elif n is not None and n > MAX_INSTRUMENTS:
        req.notes.append(
            f"{n} tracks is more than partita generates at once ({MAX_INSTRUMENTS}): "
            f"using at most {MAX_INSTRUMENTS}; the track count is not a control the model follows, "
            "so name the instruments to choose them"
        )
        req.n_tracks = MAX_INSTRUMENTS
    if len(c.programs) > MAX_INSTRUMENTS:
        req.notes.append(f"{len(c.programs)} instruments: keeping the first {MAX_INSTRUMENTS}")
        c.programs = c.programs[:MAX_INSTRUMENTS]
    if c.meter and c.meter not in METERS:
        req.notes.append(f"meter {c.meter} is rare in the training data: the model is told 'another meter'")
    if c.tempo_bpm is not None:
        c.tempo_bpm = float(c.tempo_bpm)
        if not 20 <= c.tempo_bpm <= 320:
            clamped = min(320.0, max(20.0, c.tempo_bpm))
            req.notes.append(f"{c.tempo_bpm:g} bpm is outside 20-320: using {clamped:g}")
            c.tempo_bpm = clamped
        _ = tempo_bin(c.tempo_bpm)


_INSTRUMENT_SLOT = re.compile(
    r"(?:\b(?:for|on|featuring|played by)\s+(?:(?:a|an|the|solo|two|three|four|\d+)\s+)?|\bsolo\s+)$", re.I
)
_AND_SLOT = re.compile(r"\s*(?:,|\band\b|&)\s*(?:(?:a|an|the)\s+)?$", re.I)


def _vocabulary(instruments: dict) -> dict[str, str]:
    """Every single word partita understands -> what it is (for "did you mean" suggestions)."""
    vocab: dict[str, str] = {}
    for table, what in (
        (TEMPO_WORDS, "tempo word"),
        (MOOD_WORDS, "mood"),
        (STYLE_WORDS, "style"),
        (FADER_WORDS, "texture word"),
        (NOTE_VALUE_WORDS, "note value"),
        (NON_GM_INSTRUMENTS, "instrument"),
        (instruments, "instrument"),
    ):
        for phrase in table:
            if " " not in phrase and len(phrase) >= 4:
                vocab.setdefault(phrase, what)
    return vocab


def _explain_leftovers(req: Request, mt: _Matcher, instruments: dict) -> None:
    """Say what a word that was not understood might be: a misspelling, or an instrument partita does not
    know."""
    if not req.not_understood:
        return
    vocab = _vocabulary(instruments)
    ends = {start + len(u.phrase) for start, u in mt.found if u.field == "instrument"}
    seen: set[str] = set()
    for m in re.finditer(r"[\w'#♯♭-]+", mt.text):
        word = m.group(0)
        low = word.lower()
        if word not in req.not_understood or low in seen or not mt.free(m.start(), m.end()):
            continue
        seen.add(low)
        close = difflib.get_close_matches(low, vocab, n=1, cutoff=0.8) if len(low) >= 4 else []
        before = mt.text[max(0, m.start() - 40) : m.start()]
        after = mt.text[m.end() : m.end() + 12].lower()
        joined = _AND_SLOT.search(before)
        slot = (
            bool(_INSTRUMENT_SLOT.search(before))
            or after.lstrip().startswith(("solo", "duet", "trio"))
            or (joined is not None and m.start() - len(before) + joined.start() in ends)
        )
        if close and (vocab[close[0]] == "instrument" or not slot):
            req.notes.append(f"'{word}' was not understood: did you mean '{close[0]}' ({vocab[close[0]]})?")
        elif slot:
            req.notes.append(
                f"unknown instrument '{word}': not a General MIDI name, nor a common name such as piano, "
                "violin, guitar or erhu; ignored"
                + (
                    ""
                    if req.conditions.programs or any(u.field == "instrument" for u in req.understood)
                    else ", so the model chooses the instruments"
                )
            )
