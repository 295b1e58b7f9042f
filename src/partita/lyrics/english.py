"""English syllables and stress: pyphen's hyphenation, a vowel-group split, and a stress *heuristic*.

There is no pronunciation dictionary offline, so stress comes from simple rules, right for most words of
plain song lyrics and wrong for some:

- a one-syllable word is stressed unless it is a function word (articles, pronouns, prepositions,
  conjunctions, auxiliary verbs: :data:`FUNCTION_WORDS`);
- a longer word is stressed on one syllable: by a known suffix (``-tion`` and ``-sion`` on the syllable
  before them, ``-ity`` two before, ``-ee``/``-eer``/``-oon`` on the last), by a known unstressed prefix
  syllable (``a-``, ``be-``, ``de-``, ``re-``, ``to-``: ``above``, ``before``, ``amazing``, ``tomorrow``),
  else on the first syllable (two-syllable nouns and adjectives: ``river``, ``happy``).

Syllables: pyphen's en_US hyphenation patterns place the breaks where a dictionary would, but they leave out
breaks near the word's edges (``above``, ``Mary``); a piece with more than one vowel group is split again
between its vowel groups (a final silent ``e`` and a silent ``-ed`` are not syllables).
"""

from __future__ import annotations

import functools
import re

_FUNCTION_WORDS_TEXT = """
a an the and or but nor so yet if as than that of to in on at by for from with into onto upon
i me my mine you your yours he him his she her hers it its we us our ours they them their theirs
is am are was were be been being do does did have has had will shall would should can could may might
must not no thy thee thou ye o oh ah who whom whose which what when where while there then
this these those up out off down all some such each own
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
"""Words left unstressed when they have one syllable (``up``, ``out``, ``down`` are often stressed in a
phrasal verb: the heuristic gets those wrong)."""

UNSTRESSED_PREFIXES = ("a", "be", "de", "re", "to")
"""Prefixes that take no stress (``again``, ``before``, ``today``, ``amazing``, ``tomorrow``)."""
FIRST_STRESSED = frozenset(
    ["any", "many", "able", "angel", "area", "only", "open", "ever", "even", "every", "evening", "after"]
    + ["other"]
)
"""Common words that look prefixed but are stressed on their first syllable."""

_VOWELS = "aeiouy"
_DIGRAPHS = ("th", "ch", "sh", "ph", "wh", "gh", "ck", "qu")


@functools.cache
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US", left=1, right=2)


def _vowel_groups(word: str) -> list[tuple[int, int]]:
    """Spans of the word's sounded vowel groups (``y`` after a consonant is a vowel)."""
    w = word.lower()
    spans = [m.span() for m in re.finditer(r"[aeiou]+|(?<=[^aeiou])y+", w)]
    keeps_le = len(w) >= 3 and w[-2] == "l" and w[-3] not in _VOWELS  # "little" keeps its -le
    if len(spans) > 1 and w.endswith("e") and spans[-1] == (len(w) - 1, len(w)) and not keeps_le:
        spans.pop()  # silent final e: "fleece", "tine"
    if (
        len(spans) > 1
        and re.search(r"[aeiouy][^aeiouy]es$", w)
        and not re.search(r"([sxz]|[cs]h|[cg])es$", w)
    ):
        spans.pop()  # silent e of -es: "shines", "comes" (but "roses", "places")
    if len(spans) > 1 and re.search(r"[^td]ed$", w) and spans[-1][0] == len(w) - 2:
        spans.pop()  # silent -ed: "saved", "loved" (but "wanted", "needed")
    return spans


def _split_piece(piece: str) -> list[str]:
    """Split a hyphenation piece between its vowel groups (V-CV, VC-CV, digraphs kept together)."""
    spans = _vowel_groups(piece)
    if len(spans) < 2:
        return [piece]
    cuts = []
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        cluster = piece[end:start].lower()
        if len(cluster) <= 1 or cluster[:2] in _DIGRAPHS and len(cluster) == 2:
            cut = end if cluster[:2] not in ("ck",) else start
        elif cluster.startswith("ng"):
            cut = end + 2
        else:
            cut = end + 1
        cuts.append(cut)
    bounds = [0, *cuts, len(piece)]
    return [piece[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def syllabify(word: str) -> list[str]:
    """The syllables of an English word as written, e.g. ``twinkle`` -> ``["twin", "kle"]``."""
    if not word:
        return []
    pieces = _hyphenator().inserted(word).split("-")
    out = [s for p in pieces if p for s in _split_piece(p)]
    return _merge_vowelless(out)


def _merge_vowelless(parts: list[str]) -> list[str]:
    """Join a piece without a vowel (``s-tar``) to its neighbour."""
    out: list[str] = []
    for p in parts:
        if out and (not _vowel_groups(p) or not _vowel_groups(out[-1])):
            out[-1] += p
        else:
            out.append(p)
    return out or parts


def stress_index(word: str, syllables: list[str]) -> int | None:
    """Which syllable of ``word`` is stressed (None for an unstressed function word); a heuristic."""
    w = word.lower()
    n = len(syllables)
    if n == 1:
        return None if w in FUNCTION_WORDS else 0
    if n >= 2 and re.search(r"(tion|sion|cian|tian|cial|tial|cious|tious|ic|ical)s?$", w):
        return n - 2
    if n >= 3 and re.search(r"(ity|ify|ian|ious|ial)$", w):
        return max(0, n - 3) if w.endswith(("ity", "ify")) else n - 2
    if re.search(r"(ee|eer|oon|ese|ique|ette)s?$", w):
        return n - 1
    if syllables[0].lower() in UNSTRESSED_PREFIXES and w not in FIRST_STRESSED:
        return 1
    return 0
