"""Reading lyrics: section tags, stanzas, lines, words, syllables; bad input refused or defaulted with a note.

- ``[verse]``, ``[chorus]``, ``[bridge]``, ``[verse 2]`` ... on a line of their own start a section; a tag
  with no lines under it repeats the last section of that kind (``[chorus]`` again); without tags every
  stanza (lines between blank lines) is a verse.
- Each line is a phrase; English words go through :mod:`partita.lyrics.english`, Chinese (Han) characters
  are one syllable each, with their Mandarin tone from pypinyin read word by word
  (:mod:`partita.lyrics.mandarin`); words in other scripts are read as one syllable each (with a note).
- Emoji and other symbols are dropped (with a note); punctuation stays in the line's text only.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from pathlib import Path

from partita.lyrics.english import stress_index, syllabify
from partita.lyrics.mandarin import have_tones, tones_at
from partita.lyrics.model import Line, Lyrics, Section, Syllable
from partita.score.errors import ScoreError

log = logging.getLogger(__name__)

MAX_LINES = 1000
"""The most lyric lines read (about an hour of song); longer input is refused, not cut."""
MAX_CHARS = 100_000
"""The most characters read."""
MAX_LINE_SYLLABLES = 24
"""A longer line is cut at word boundaries into phrases of at most this many syllables (with a note)."""
_TAG = re.compile(r"^\s*\[([^\]]{1,40})\]\s*$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\d_]+(?:'[^\W\d_]+)*", re.UNICODE)


def _is_han(ch: str) -> bool:
    return len(ch) == 1 and unicodedata.name(ch, "").startswith("CJK")


def _text_of(text_or_path: str | os.PathLike) -> tuple[str, str | None]:
    """A ``Path`` is a file to read; a ``str`` is always the lyrics themselves. (A one-line string used to be
    read as a file name when such a file existed: pasted into the studio, ``/etc/passwd`` was read from the
    server's disk.)"""
    if isinstance(text_or_path, os.PathLike):
        path = Path(text_or_path)
        if not path.is_file():
            raise ScoreError("no such lyrics file", "missing", str(path))
        return path.read_text(encoding="utf-8", errors="replace"), str(path)
    return str(text_or_path), None


def _drop_symbols(text: str, notes: list[str]) -> str:
    """Remove emoji and other symbols (Unicode categories S*, and format/private characters)."""
    kept, dropped = [], 0
    for ch in text:
        cat = unicodedata.category(ch)
        if cat.startswith("S") or cat in ("Co", "Cs") or (cat == "Cf" and ch not in "\u200b"):
            dropped += 1
            continue
        kept.append(ch)
    if dropped:
        notes.append(f"dropped {dropped} emoji or symbol character(s): they are not sung")
    return "".join(kept)


def _word_syllables(word: str) -> list[Syllable]:
    parts = syllabify(word)
    stressed = stress_index(word, parts)
    out = []
    for i, part in enumerate(parts):
        pos = (
            "single" if len(parts) == 1 else "begin" if i == 0 else "end" if i == len(parts) - 1 else "middle"
        )
        out.append(Syllable(part, word, pos, stressed == i))
    return out


def line_syllables(text: str, scripts: set[str]) -> list[Syllable]:
    """The syllables of one line of text; ``scripts`` collects the scripts seen (``latin``, ``han``,
    ``other``)."""
    out: list[Syllable] = []
    tones = tones_at(text) if _HAN.search(text) else {}
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if _is_han(tok):
            scripts.add("han")
            out.append(Syllable(tok, tok, "single", False, tones.get(m.start())))
        elif all(("LATIN" in unicodedata.name(c, "")) or c == "'" for c in tok):
            scripts.add("latin")
            out += _word_syllables(tok)
        else:
            scripts.add("other")
            out.append(Syllable(tok, tok, "single", True))
    return out


def _cut(text: str, syllables: list[Syllable]) -> list[Line]:
    """One line, or several at word boundaries when it has more than :data:`MAX_LINE_SYLLABLES`."""
    if len(syllables) <= MAX_LINE_SYLLABLES:
        return [Line(text, tuple(syllables))]
    lines, cur = [], []
    for s in syllables:
        if len(cur) >= MAX_LINE_SYLLABLES // 2 and s.position in ("single", "begin"):
            lines.append(cur)
            cur = []
        cur.append(s)
    lines.append(cur)
    return [
        Line(" ".join(x.text for x in part if x.position in ("single", "begin")), tuple(part))
        for part in lines
    ]


def _blocks(text: str) -> list[tuple[str | None, list[str]]]:
    """(tag or None, lines) blocks: a tag opens a block, a blank line closes an untagged one."""
    blocks: list[tuple[str | None, list[str]]] = []
    tag, lines, tagged = None, [], False
    for raw in text.splitlines():
        m = _TAG.match(raw)
        if m:
            if lines or tag is not None:
                blocks.append((tag, lines))
            tag, lines, tagged = m.group(1).strip().lower(), [], True
        elif not raw.strip():
            if lines and not tagged:
                blocks.append((None, lines))
                lines = []
        else:
            lines.append(raw.strip())
    if lines or tag is not None:
        blocks.append((tag, lines))
    return blocks


def _sections(blocks, notes: list[str], scripts: set[str]) -> list[Section]:
    sections: list[Section] = []
    for tag, raw_lines in blocks:
        label = tag or "verse"
        if not raw_lines:
            same = [s for s in sections if s.kind == (label.split() or ["verse"])[0]]
            if same:
                sections.append(Section(label, same[-1].lines))
            continue
        lines: list[Line] = []
        for raw in raw_lines:
            syl = line_syllables(raw, scripts)
            if syl:
                cut = _cut(raw, syl)
                if len(cut) > 1:
                    notes.append(f"a line of {len(syl)} syllables was cut into {len(cut)} phrases")
                lines += cut
        if lines:
            sections.append(Section(label, tuple(lines)))
    return sections


def read_lyrics(text_or_path: str | os.PathLike) -> Lyrics:
    """Lyrics from text or a text file: sections, lines (phrases) and syllables with stress.

    Raises :class:`ScoreError` (a ``ValueError``) for empty lyrics (``"empty"``) and for more than
    :data:`MAX_LINES` lines or :data:`MAX_CHARS` characters (``"too-large"``).
    """
    text, path = _text_of(text_or_path)
    if len(text) > MAX_CHARS:
        raise ScoreError(
            f"lyrics of {len(text)} characters, over the limit of {MAX_CHARS}", "too-large", path
        )
    n_lines = sum(1 for raw in text.splitlines() if raw.strip())
    if n_lines > MAX_LINES:
        raise ScoreError(f"{n_lines} lyric lines, over the limit of {MAX_LINES}", "too-large", path)
    notes: list[str] = []
    text = _drop_symbols(text, notes)
    scripts: set[str] = set()
    sections = _sections(_blocks(text), notes, scripts)
    if not sections:
        raise ScoreError("no words to sing: the lyrics are empty", "empty", path)
    if not any(tag for tag, _ in _blocks(text)):
        notes.append(f"no section tags: each of the {len(sections)} stanza(s) is a verse")
    if "han" in scripts:
        notes.append(
            "Chinese: one character per syllable, with Mandarin tones read by pypinyin, after tone sandhi"
            if have_tones()
            else "Chinese: one character per syllable, without tones (pypinyin is not installed)"
        )
    if len(scripts) > 1:
        notes.append(f"mixed scripts ({', '.join(sorted(scripts))}): each word read by its own script")
    if "other" in scripts:
        notes.append("words in scripts other than Latin and Han are read as one syllable each")
    language = (
        {"han": "zh", "latin": "en"}.get(next(iter(scripts)), "other") if len(scripts) == 1 else "mixed"
    )
    for n in notes:
        log.info("lyrics: %s", n)
    return Lyrics(sections, language, notes)
