"""Mandarin tones of Chinese lyrics, and how a melody's direction should follow them.

**Tones** come from pypinyin (offline: its character and phrase dictionaries ship inside the package).
Each run of Han characters (between punctuation or other scripts) is read as a whole, so that pypinyin's
phrase dictionary chooses a heteronym's reading by the word it is in: 银行 yin2 hang2 (bank) but 行走
xing2 zou3 (walk). Tones are citation tones 1-4 and 5 for the neutral tone (了 le5); tone sandhi (3-3 read
2-3, 一 and 不 before tone 4) is not applied: the table below already asks for a fall from a 3 to a 3.

**Tone transitions**: :data:`TONE_INTERVALS` is the table of ReLyMe (Zhang, Chang, Wu, Tan, Qin, Liu and
Zhang, "ReLyMe: Improving Lyric-to-Melody Generation by Incorporating Lyric-Melody Relationships", ACM
Multimedia 2022; microsoft/muzic, relyme/telemelody_zh/config.py): for each pair of tones, the interval in
semitones from the note of one syllable to the note of the next that Chinese song-writing practice prefers,
its best range (the "strict" one of its three). Its directions follow the tone contours (Chao's tone letters:
tone 1 high level 55, tone 2 rising 35, tone 3 low dipping 214, tone 4 falling 51): after a high tone 1 or a
falling tone 4 the melody goes down to anything but a tone 1 (level, or up a semitone after a tone 1, level or
down a semitone after a tone 4); after a low tone 3 it goes up (except to another tone 3, the sandhi pair
sung 2-3). This is the pitch-direction principle of the
tone-melody literature (a sequence of syllables low-high is best sung to a rising interval; Wong and Diehl
2002, Ho 2006 and Schellenberg 2012 for Cantonese and across tone languages; Wee 2007 for Mandarin, which
finds Mandarin songs far less faithful to tones than Cantonese ones, so here it is a preference, never a
rule). :func:`preferred_directions` turns a range into the directions it allows and :func:`tone_agreement`
measures a melody against it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

log = logging.getLogger(__name__)

UP, LEVEL, DOWN = 1, 0, -1
DIRECTION_NAMES = {UP: "up", LEVEL: "level", DOWN: "down"}
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

TONE_INTERVALS: dict[tuple[int, int], tuple[int, int]] = {
    # (tone of this syllable, tone of the next): best interval range in semitones (ReLyMe's strict range)
    (1, 1): (0, 1), (1, 2): (-5, -4), (1, 3): (-7, -6), (1, 4): (-4, -3), (1, 5): (-7, -6),
    (2, 1): (2, 3), (2, 2): (-2, -1), (2, 3): (-4, -3), (2, 4): (1, 2), (2, 5): (-4, -3),
    (3, 1): (4, 5), (3, 2): (1, 2), (3, 3): (-4, -3), (3, 4): (3, 4), (3, 5): (1, 2),
    (4, 1): (-1, 0), (4, 2): (-4, -3), (4, 3): (-7, -6), (4, 4): (-6, -3), (4, 5): (-7, -6),
    (5, 1): (2, 3), (5, 2): (1, 2), (5, 3): (-4, 3), (5, 4): (2, 3), (5, 5): (2, 3),
}  # fmt: skip
"""Tone pair -> the best interval (semitones, next note minus this one), from ReLyMe's table (see above)."""


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def preferred_directions(first: int | None, second: int | None) -> frozenset[int]:
    """The melodic directions (:data:`UP`, :data:`LEVEL`, :data:`DOWN`) the tone pair prefers: those of the
    intervals in its best range. Empty when a tone is unknown, or when the range allows every direction
    (a neutral tone before a tone 3): such a pair says nothing."""
    if first is None or second is None or (first, second) not in TONE_INTERVALS:
        return frozenset()
    lo, hi = TONE_INTERVALS[(first, second)]
    dirs = frozenset(_sign(x) for x in range(lo, hi + 1))
    return frozenset() if len(dirs) == 3 else dirs


def direction(a: int, b: int) -> int:
    """The direction from pitch (or scale degree) ``a`` to ``b``."""
    return _sign(b - a)


def tone_agreement(pitches: Sequence[int], tones: Sequence[int | None]) -> dict[str, float | int]:
    """How well a melody follows the tones of its syllables: one pitch per syllable (the note the syllable
    lands on), in order, within one phrase.

    Returns ``pairs`` (adjacent pairs whose tones prefer something), ``agree`` (the share of them whose
    direction is one the tone pair prefers) and ``contrary`` (the share that move against it: down where it
    prefers up, up where it prefers down or level-or-down, ...; a level step where a move is preferred is
    neither). ``agree`` is NaN when there are no such pairs.
    """
    if len(pitches) != len(tones):
        raise ValueError(f"{len(pitches)} pitches for {len(tones)} tones")
    pairs = agree = contrary = 0
    for i in range(len(pitches) - 1):
        want = preferred_directions(tones[i], tones[i + 1])
        if not want:
            continue
        pairs += 1
        d = direction(pitches[i], pitches[i + 1])
        if d in want:
            agree += 1
        elif d != LEVEL and -d in want:
            contrary += 1
    nan = float("nan")
    return {
        "pairs": pairs,
        "agree": agree / pairs if pairs else nan,
        "contrary": contrary / pairs if pairs else nan,
    }


def pooled_agreement(results: Sequence[dict[str, float | int]]) -> dict[str, float | int]:
    """:func:`tone_agreement` of several phrases pooled over their pairs."""
    pairs = sum(int(r["pairs"]) for r in results)
    agree = sum(float(r["agree"]) * int(r["pairs"]) for r in results if r["pairs"])
    contrary = sum(float(r["contrary"]) * int(r["pairs"]) for r in results if r["pairs"])
    nan = float("nan")
    return {
        "pairs": pairs,
        "agree": agree / pairs if pairs else nan,
        "contrary": contrary / pairs if pairs else nan,
    }


def _readings(run: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")


def _pinyin_tones(run: str) -> list[int | None]:
    return [int(syl[-1]) if syl and syl[-1] in "12345" else None for syl in _readings(run)]


def mandarin_pinyin(text: str) -> list[str]:
    """The pinyin of each Han character of ``text`` with its tone number (``["yin2", "hang2"]``), read word
    by word as :func:`tones_at` reads it; raises ``ImportError`` without pypinyin."""
    return [syl for m in _HAN_RUN.finditer(text) for syl in _readings(m.group(0))]


def have_tones() -> bool:
    """Whether pypinyin (the offline source of Mandarin readings) is installed."""
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        return False
    return True


def tones_at(text: str) -> dict[int, int | None]:
    """The Mandarin tone (1-4, 5 neutral) of each Han character of ``text`` by its index in ``text``; None
    for all of them when pypinyin is not installed. Runs of Han characters are read as words, so
    heteronyms get their reading in context (银行 hang2, 行走 xing2)."""
    out: dict[int, int | None] = {}
    ok = have_tones()
    for m in _HAN_RUN.finditer(text):
        run = m.group(0)
        tones = _pinyin_tones(run) if ok else []
        if len(tones) != len(run):  # a character pypinyin does not know: read the run one by one
            log.debug("pypinyin gave %d readings for %d characters: %s", len(tones), len(run), run)
            tones = [(_pinyin_tones(ch) or [None])[0] if ok else None for ch in run]
        out.update({m.start() + k: t for k, t in enumerate(tones)})
    return out


def mandarin_tones(text: str) -> list[int | None]:
    """The Mandarin tone (1-4, 5 neutral) of each Han character of ``text``, in order (other characters
    are skipped); see :func:`tones_at`."""
    return list(tones_at(text).values())
