"""The data of a lyric: sections of lines, lines of syllables (typed dataclasses, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Syllable:
    """One sung syllable.

    ``text`` is the syllable as written (``"twin"``); ``word`` the whole word it belongs to; ``position`` is
    ``"single"``, ``"begin"``, ``"middle"`` or ``"end"`` (MusicXML's ``syllabic``). ``stressed`` comes from
    a heuristic (see :mod:`partita.lyrics.english`); Chinese syllables are never marked stressed. ``tone`` is
    the Mandarin tone of a Chinese syllable, 1-4 or 5 for the neutral tone, from pypinyin
    (:mod:`partita.lyrics.mandarin`); None for other syllables.
    """

    text: str
    word: str
    position: str = "single"
    stressed: bool = False
    tone: int | None = None

    @property
    def sung(self) -> str:
        """The text under a note, with a hyphen where the word goes on (karaoke MIDI style: ``"twin-"``)."""
        return self.text + ("-" if self.position in ("begin", "middle") else "")


@dataclass(frozen=True)
class Line:
    """A lyric line: one phrase of the melody."""

    text: str
    syllables: tuple[Syllable, ...]

    @property
    def stresses(self) -> str:
        """The line's stress pattern, e.g. ``"DUM da DUM da"``."""
        return " ".join("DUM" if s.stressed else "da" for s in self.syllables)


@dataclass(frozen=True)
class Section:
    """A section of the song: ``label`` as tagged (``"verse 2"``), ``kind`` its first word (``"verse"``)."""

    label: str
    lines: tuple[Line, ...]

    @property
    def kind(self) -> str:
        return self.label.split()[0] if self.label.split() else "verse"

    @property
    def words(self) -> tuple[str, ...]:
        """The section's lines as text: sections with the same words get the same melody."""
        return tuple(line.text for line in self.lines)


@dataclass
class Lyrics:
    """Lyrics read by :func:`partita.lyrics.read_lyrics`; ``notes`` says what was dropped or defaulted."""

    sections: list[Section]
    language: str = "en"
    notes: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for s in self.sections for line in s.lines]

    @property
    def syllables(self) -> list[Syllable]:
        return [syl for line in self.lines for syl in line.syllables]
