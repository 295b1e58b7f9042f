"""Mandarin readings of Chinese lyrics (tones after sandhi), and how a melody's direction should follow them.

**Readings** come from pypinyin (offline: its character and phrase dictionaries ship inside the package) and
a small lexicon of its own (:mod:`partita.lyrics.mandarin_lexicon`). Each run of Han characters (between
punctuation, spaces or other scripts) is a phrase, cut into words longest first from the left (pypinyin's
phrase dictionary and the lexicon; no other segmenter is needed), so a heteronym is read by its word: 银行
yin2 hang2 but 行走 xing2 zou3; 两行泪 hang2, 万重山 chong2, 朝辞 zhao1. A character standing alone is read
by its neighbours where pypinyin's first reading is the rarer one in songs (a single 长 chang2; 得 de5
before a complement, de2 else, dei3 after a pronoun; 还 huan2 ending a phrase; XX地 de5; 两只 zhi1).
Light (neutral) syllables are written 5: pypinyin's (了 le5, 的 de5, 我们 men5) and the lexicon's (喜欢
xi3 huan5, 妈妈 ma1 ma5, 对不起 bu5, 看一看 yi5).

**Tone sandhi** gives the **surface** tone, the one heard and the one the melody follows (the citation tone
stays in :class:`Reading`): 一 is yi2 before a tone 4, yi4 before the others, yi1 last, in numbers, ordinals
and dates and ending a word (一定 yi2, 一天 yi4, 第一, 十一, 统一); 不 is bu2 before a tone 4; 3-3 becomes
2-3 cyclically over the phrase's prosodic structure (Shih 1986; Chen 2000, Chinese Tone Sandhi): words of
two or more syllables are feet, words of one pair up from the left, one left over joins the foot before it;
sandhi applies inside a foot first, then across feet, on the tones the inner cycle left (展览馆 2 2 3, 纸老虎
3 2 3, 我也想你 2 3 2 3). Before a light syllable whose own tone is 3 a tone 3 is heard as a 2 (小姐 xiao2
jie5, 想想 xiang2 xiang5), but not in doubled kin words (姐姐 jie3 jie5) and a few others (耳朵). A light
syllable asks nothing of the melody (:func:`preferred_directions`).

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
from dataclasses import dataclass

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


def preferred_directions(first: int | None, second: int | None, light: bool = True) -> frozenset[int]:
    """The melodic directions (:data:`UP`, :data:`LEVEL`, :data:`DOWN`) the tone pair prefers: those of the
    intervals in its best range. Empty when a tone is unknown, when the range allows every direction (a
    neutral tone before a tone 3), and with ``light`` (the default) when either tone is the light
    (neutral) tone 5: a light syllable is short and unaccented and asks nothing of the melody
    (``light=False`` reads ReLyMe's neutral rows)."""
    if first is None or second is None or (first, second) not in TONE_INTERVALS:
        return frozenset()
    if light and LIGHT in (first, second):
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


# --- readings: words, context, light tones, sandhi ------------------------------------------------------

LIGHT = 5
"""The neutral (light) tone: short and unaccented, it asks nothing of the melody (see
:func:`preferred_directions`)."""
_MAX_WORD = 8
_DATES = frozenset("月号")
_HEAVY = ("重重的", "重重地")


@dataclass(frozen=True)
class Reading:
    """How one Han character is sung: ``syllable`` without its tone (``"yi"``), its ``citation`` tone (the
    dictionary's: 1-4, 5 light) and its surface ``tone`` after tone sandhi (the one the melody follows), and
    the ``word`` it was read in. Tones are None for a character pypinyin does not know."""

    char: str
    word: str
    syllable: str
    citation: int | None
    tone: int | None

    @property
    def pinyin(self) -> str:
        """The surface reading with its tone number (``"yi2"``; ``"de5"`` for a light syllable)."""
        return f"{self.syllable}{self.tone}" if self.tone else self.syllable

    @property
    def citation_pinyin(self) -> str:
        """The citation reading with its tone number (``"yi1"``)."""
        return f"{self.syllable}{self.citation}" if self.citation else self.syllable

    @property
    def marked(self) -> str:
        """The surface reading with a tone mark (``"yí"``; a light syllable unmarked: ``"de"``)."""
        from pypinyin.contrib.tone_convert import to_tone

        return to_tone(self.pinyin) if self.tone else self.syllable


def _split(syl: str | None) -> tuple[str, int | None]:
    if not syl:
        return "", None
    return (syl[:-1], int(syl[-1])) if syl[-1] in "12345" else (syl, None)


def _pypinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")


def _segment(run: str) -> list[str]:
    """Words of a run of Han characters, longest first from the left, from pypinyin's phrase dictionary and
    :data:`~partita.lyrics.mandarin_lexicon.WORDS`; a character in neither is a word of its own."""
    from pypinyin.constants import PHRASES_DICT

    from partita.lyrics.mandarin_lexicon import KIN, WORDS

    out, i = [], 0
    while i < len(run):
        n = next(
            (n for n in range(min(_MAX_WORD, len(run) - i), 1, -1) if run[i : i + n] in WORDS
             or run[i : i + n] in PHRASES_DICT),
            2 if run[i : i + 1] in KIN and run[i + 1 : i + 2] == run[i] or _doubled_verb(run, i) else 1,
        )  # fmt: skip
        out.append(run[i : i + n])
        i += n
    return out


def _doubled_verb(run: str, i: int) -> bool:
    """Whether ``run[i:i + 2]`` is a doubled verb (想想, 看看): not three in a row (走走走), not AABB
    (走走停停), not after the same character."""
    from partita.lyrics.mandarin_lexicon import VERB_DOUBLE

    ch = run[i : i + 1]
    if not ch or ch not in VERB_DOUBLE or run[i + 1 : i + 2] != ch or run[i + 2 : i + 3] == ch:
        return False
    aabb = len(run) >= i + 4 and run[i + 2] == run[i + 3]
    return not aabb and not (i > 0 and run[i - 1] == ch)


def _word_readings(word: str) -> list[str | None]:
    from partita.lyrics.mandarin_lexicon import KIN, SINGLE, VERB_DOUBLE, WORDS

    if word in WORDS:
        return list(WORDS[word])
    if len(word) == 1 and word in SINGLE:
        return [SINGLE[word]]
    got: list[str | None] = list(_pypinyin(word))
    if len(got) != len(word):
        got = [(_pypinyin(ch) or [None])[0] for ch in word]
    if len(word) == 2 and word[0] == word[1] and word[0] in KIN | VERB_DOUBLE and got[0]:
        got[1] = _split(got[0])[0] + "5"  # 妈妈 ma1 ma5, 想想 xiang3 xiang5
    return got


def _in_context(run: str, words: list[str], syls: list[str | None]) -> list[str | None]:
    """Readings fixed by their neighbours, for characters standing alone (not in a word of a dictionary),
    and 一 / 不 back to their citation tones (pypinyin's phrase dictionary writes some sandhi forms: 一个
    yi2, 不是 bu2), light where they sit between a doubled word (看一看 kan4 yi5 kan4, 好不好 bu5)."""
    from partita.lyrics.mandarin_lexicon import NUMBERS_BEFORE_MEASURE, PRONOUNS

    alone = [len(w) == 1 for w in words for _ in w]
    out = list(syls)
    n = len(run)
    for i, ch in enumerate(run):
        # between a doubled word (看一看, 好不好), not in 一步一步
        doubled = 0 < i < n - 1 and run[i - 1] == run[i + 1] and not (i > 1 and run[i - 2] == ch)
        if ch == "重" and (run[i : i + 3] in _HEAVY or run[max(0, i - 1) : i + 2] in _HEAVY):
            out[i] = "zhong4"  # 重重的包袱 'heavy' (but 心事重重, 重重叠叠 chong2 'layer upon layer')
        elif ch in "一不" and out[i] and not out[i].endswith("5"):
            out[i] = ("yi" if ch == "一" else "bu") + ("5" if doubled else "1" if ch == "一" else "4")
        elif not alone[i]:
            continue
        elif ch == "子" and i == 0:
            out[i] = "zi3"  # a run that starts with 子 is not the noun suffix
        elif ch == "还" and ((i == n - 1 and n > 1) or (i == 0 and run[1:2] in PRONOUNS)):
            out[i] = "huan2"  # 照我还, 还我河山: 'return' ends a phrase or starts one before its object
        elif ch == "地" and i >= 2 and run[i - 1] == run[i - 2]:
            out[i] = "de5"  # 慢慢地, 轻轻地: the adverbial particle
        elif ch == "得" and i > 0:
            out[i] = _de(run, i)
        elif ch == "只" and i > 0 and run[i - 1] in NUMBERS_BEFORE_MEASURE:
            out[i] = "zhi1"  # 两只老虎: the measure word
    return out


def _de(run: str, i: int) -> str:
    """得 standing alone after another character: the verb de2 after a verb of getting (报得三春晖), the
    complement particle de5 before a complement (跑得快), dei3 'must' after a pronoun (我得走), else de5."""
    from partita.lyrics.mandarin_lexicon import COMPLEMENT, DE2_AFTER, PRONOUNS

    nxt = run[i + 1 : i + 2]
    if run[i - 1] in DE2_AFTER:
        return "de2"
    if nxt in COMPLEMENT and nxt:
        return "de5"
    return "dei3" if run[i - 1] in PRONOUNS and nxt and nxt != "了" else "de5"


def _underlying(run: str, syls: list[str | None], i: int) -> int | None:
    """The tone of syllable ``i`` before sandhi; a light syllable's own tone (一个 when 个 is light)."""
    _, tone = _split(syls[i])
    if tone == LIGHT:
        _, tone = _split((_pypinyin(run[i]) or [None])[0])
    return tone


def _yi(run: str, words: list[str], syls: list[str | None], i: int) -> int:
    """一's surface tone: 1 last, in numbers, ordinals, dates, at the end of a word and counted against 二
    (十一, 第一, 一九, 一月, 统一, 独一无二); else 2 before a tone 4, 4 before the others (一定 yi2 ding4,
    一天 yi4 tian1)."""
    from partita.lyrics.mandarin_lexicon import DIGITS

    starts = [sum(map(len, words[:k])) for k in range(len(words))]
    k = max(j for j, s in enumerate(starts) if s <= i)
    word, at = words[k], i - starts[k]
    if i == len(run) - 1 or run[i + 1] in DIGITS or run[i + 1] in _DATES:
        return 1
    if len(word) > 1 and (at == len(word) - 1 or "二" in word[at:]):
        return 1  # ending a word (统一), or counted against 二 (独一无二, 一清二楚)
    if i > 0 and (run[i - 1] in DIGITS or run[i - 1] == "第"):
        return 1
    nxt = _underlying(run, syls, i + 1)
    return 1 if nxt is None else 2 if nxt == 4 else 4


def _feet(run: str, words: list[str]):
    """The prosodic structure of a phrase (nested tuples of character indices): a word of two or more
    syllables is a foot (three: [[AB]C], or [A[BC]] when only BC is a word; longer: feet of two); words of
    one syllable pair up from the left, and one left over joins the foot before it (or, first in the
    phrase, the one after it): Shih's (1986) foot formation, as in Chen (2000), Chinese Tone Sandhi."""
    from pypinyin.constants import PHRASES_DICT

    from partita.lyrics.mandarin_lexicon import WORDS

    def known(w: str) -> bool:
        return w in WORDS or w in PHRASES_DICT

    feet: list = []
    lead = None  # a lone syllable at the start of the phrase, waiting for the foot after it
    singles: list[int] = []

    def add(foot) -> None:
        nonlocal lead
        if lead is not None:
            foot, lead = (lead, foot), None
        feet.append(foot)

    def flush() -> None:
        nonlocal lead
        for k in range(0, len(singles) - 1, 2):
            add((singles[k], singles[k + 1]))
        if len(singles) % 2:
            if feet:
                feet[-1] = (feet[-1], singles[-1])
            else:
                lead = singles[-1]
        singles.clear()

    i = 0
    for w in words:
        idx = list(range(i, i + len(w)))
        i += len(w)
        if len(w) == 1:
            singles.append(idx[0])
            continue
        flush()
        if len(w) == 3:
            right = known(w[1:]) and not known(w[:2])
            add((idx[0], (idx[1], idx[2])) if right else ((idx[0], idx[1]), idx[2]))
            continue
        pairs = [tuple(idx[k : k + 2]) for k in range(0, len(idx) - 1, 2)]
        foot = pairs[0] if len(pairs) == 1 else tuple(pairs)
        add((foot, idx[-1]) if len(idx) % 2 else foot)
    flush()
    if lead is not None:
        feet.append(lead)
    return tuple(feet)


def _third_tone(tones: list[int | None], node) -> tuple[int, int]:
    """3-3 -> 2-3, cyclically: inside each constituent first, then across the boundaries between its
    parts (left to right), on the tones as the inner cycles left them (展览馆 [[展览]馆] 2 2 3, 纸老虎
    [纸[老虎]] 3 2 3). Returns the constituent's first and last index."""
    if isinstance(node, int):
        return node, node
    spans = [_third_tone(tones, child) for child in node]
    for (_, last), (first, _) in zip(spans, spans[1:], strict=False):
        if tones[last] == 3 and tones[first] == 3:
            tones[last] = 2
    return spans[0][0], spans[-1][1]


def _before_light_third(run: str, words: list[str], syls: list[str | None], surface: list) -> None:
    """A tone 3 before a light syllable of its word whose own tone is 3 becomes a tone 2 (小姐 xiao2 jie5,
    哪里 na2 li5, 想想 xiang2 xiang5): the sandhi came before the syllable went light. Not in doubled kin
    words (姐姐 jie3 jie5), before the suffix 子 (its own tone is light already) and in
    :data:`~partita.lyrics.mandarin_lexicon.NO_LIGHT_SANDHI` (耳朵 er3 duo5). Applied before the 3-3
    cycle, which then sees the tone 2 (我想想 wo3 xiang2 xiang5)."""
    from partita.lyrics.mandarin_lexicon import KIN, NO_LIGHT_SANDHI

    start = 0
    for word in words:
        kept = word in NO_LIGHT_SANDHI or (word[0] in KIN and word[:2] == word[0] * 2)
        for k in range(start, start + len(word) - 1):
            light_third = surface[k + 1] == LIGHT and _underlying(run, syls, k + 1) == 3
            if not kept and surface[k] == 3 and light_third:
                surface[k] = 2
        start += len(word)


def _read_run(run: str) -> list[Reading]:
    words = _segment(run)
    syls = _in_context(run, words, [s for w in words for s in _word_readings(w)])
    citation = [_split(s)[1] for s in syls]
    surface = list(citation)
    for i, ch in enumerate(run):
        if ch == "一" and citation[i] == 1:
            surface[i] = _yi(run, words, syls, i)
        elif ch == "不" and citation[i] == 4 and i < len(run) - 1:
            surface[i] = 2 if _underlying(run, syls, i + 1) == 4 else 4
    _before_light_third(run, words, syls, surface)
    _third_tone(surface, _feet(run, words))
    word_of = [w for w in words for _ in w]
    return [Reading(ch, word_of[i], _split(syls[i])[0], citation[i], surface[i]) for i, ch in enumerate(run)]


def have_tones() -> bool:
    """Whether pypinyin (the offline source of Mandarin readings) is installed."""
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        return False
    return True


def readings_at(text: str) -> dict[int, Reading]:
    """The :class:`Reading` of each Han character of ``text`` by its index in ``text``; empty without
    pypinyin. Each run of Han characters (between punctuation, spaces or other scripts) is a phrase: read
    word by word (heteronyms by their word, 银行 hang2, 行走 xing2), then tone sandhi within it."""
    if not have_tones():
        return {}
    out: dict[int, Reading] = {}
    for m in _HAN_RUN.finditer(text):
        out.update({m.start() + k: r for k, r in enumerate(_read_run(m.group(0)))})
    return out


def mandarin_readings(text: str) -> list[Reading]:
    """The :class:`Reading` of each Han character of ``text``, in order (see :func:`readings_at`)."""
    return list(readings_at(text).values())


def mandarin_pinyin(text: str, surface: bool = True, marks: bool = False) -> list[str]:
    """The pinyin of each Han character of ``text``: surface tones (after sandhi) or citation tones, as tone
    numbers (``["yi2", "ding4"]``) or tone marks (``["yí", "dìng"]``); raises ``ImportError`` without
    pypinyin."""
    from pypinyin.contrib.tone_convert import to_tone

    if not have_tones():
        raise ImportError("pypinyin is not installed: no Mandarin readings")
    out = []
    for r in mandarin_readings(text):
        syl = r.pinyin if surface else r.citation_pinyin
        if marks:
            syl = to_tone(syl) if syl[-1:] in "1234" else syl.rstrip("5")
        out.append(syl)
    return out


def tones_at(text: str, surface: bool = True) -> dict[int, int | None]:
    """The Mandarin tone (1-4, 5 light) of each Han character of ``text`` by its index in ``text``: the
    surface tone (after sandhi: what is heard and what the melody follows) or the citation tone; None for
    all of them when pypinyin is not installed."""
    if not have_tones():
        return {m.start() + k: None for m in _HAN_RUN.finditer(text) for k in range(len(m.group(0)))}
    return {i: (r.tone if surface else r.citation) for i, r in readings_at(text).items()}


def mandarin_tones(text: str, surface: bool = True) -> list[int | None]:
    """The Mandarin tone (1-4, 5 light) of each Han character of ``text``, in order (other characters are
    skipped); see :func:`tones_at`."""
    return list(tones_at(text, surface).values())
