"""A lead sheet: one melody over a given chord progression, with phrase structure (CM-HRNN's task).

CM-HRNN (Guo, Makris and Herremans, 2020) writes a melody over given chords with a bar- and phrase-level
hierarchy, so that the melody has long-term structure. partita does it with the tools it has: the chord
rules (:mod:`partita.generation.rules.chords`: a note on a beat is a tone of its bar's chord) hold the melody
to the chords bar by bar, and a :class:`~partita.generation.plan.PiecePlan` built from the progression's own
repetition gives it phrases (:func:`leadsheet_plan`):

- the bars are cut into phrases of :data:`PHRASE_BARS` bars, and pairs of phrases into periods;
- a phrase whose chords come for the first time is written anew (a new letter: A, B, ...);
- a phrase whose chords came before is a variation of that phrase (A'): it opens as that phrase did (its first
  half again) and is written on from there, an antecedent answered by a consequent;
- a period whose chords came before is the same music again (its labels repeated: played again as it was).

A four-bar loop over 16 bars ("C Am F G") is A A' A A'; an eight-bar progression twice, A B A B. Sixteen bars
of chords that never repeat (A B C D) have no structure to take: the plan is then one section, the plain
request: written phrase by phrase, each a continuation of the last, such a melody repeated itself less than
one request's (docs/LEADSHEETS.md). :meth:`partita.Generator.generate_plan` follows
the plan. :func:`leadsheet_request` is the same lead sheet as one request without the hierarchy (the chords
looped over the bars, one melodic line): the baseline, ``partita generate --chords`` made a lead sheet.

The melody is one line: the instrument the prompt names, else :data:`DEFAULT_INSTRUMENT` (flute, a monophonic
program), with the polyphony fader at 0 (``monophonic``) unless the prompt sets it; the key is the prompt's,
else the key the chords suggest (:func:`key_of_chords`): the chord rules let a note between beats be a
tone of the key's scale, so a lead sheet without a key would be chord tones only. One chord a bar: the
generator's chord rules know no finer harmonic rhythm (a progression with two chords a bar is written as
the chord of each bar that lasts longest).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from partita.analysis.chords import QUALITIES
from partita.analysis.key import key_correlations, key_name, key_templates, pitch_class
from partita.generation.plan import PiecePlan, Section
from partita.generation.prompt import project_prompt
from partita.generation.request import Request

log = logging.getLogger(__name__)

DEFAULT_INSTRUMENT = "flute"
"""The melody's instrument when the prompt names none: a monophonic program, a singer's range."""
PHRASE_BARS = 4
"""Bars of a phrase; two phrases are a period."""
DEFAULT_BARS = 16
"""The bars of a lead sheet whose request names none, for a progression shorter than that (a longer one is
played once)."""
MAX_BARS = 128
SOLO = "monophonic"
"""The word that sets the polyphony fader to 0 (one note at a time) in each section of a plan ("solo
melody" would not: "solo" is read as one track)."""


# ---------------------------------------------------------------------------------------------- the chords


def vocabulary_label(label: str) -> str:
    """A mir_eval / Harte chord label in the generator's chord vocabulary (:data:`partita.analysis.chords.
    QUALITIES`): its bass and extensions dropped, an unknown quality read as the nearest known one (most
    tones in common; ``"G:sus4(b7)"`` -> ``"G:sus4"``, ``"C:maj/3"`` -> ``"C:maj"``, ``"D:min9"`` ->
    ``"D:min7"``); ``N`` stays."""
    import mir_eval

    if label in ("N", "X", ""):
        return "N"
    root_name, _, rest = label.partition(":")
    quality = rest.split("/")[0]
    if quality in QUALITIES or (not rest and root_name):
        return f"{root_name}:{quality or 'maj'}"
    try:
        _, bitmap, _ = mir_eval.chord.encode(label, reduce_extended_chords=True)
    except mir_eval.chord.InvalidChordException as e:
        raise ValueError(f"not a chord label: {label!r} ({e})") from None
    tones = set(np.flatnonzero(bitmap).tolist())

    def fit(q: str) -> tuple[float, int]:
        ivs = set(QUALITIES[q])
        return len(tones & ivs) / len(tones | ivs), -list(QUALITIES).index(q)

    return f"{root_name}:{max(QUALITIES, key=fit)}"


def progression(chords: str | Sequence[str]) -> list[str]:
    """Chords as the generator's labels: symbols (``"C Am F G7"``, read as ``--chords`` reads them) or
    mir_eval labels (:func:`vocabulary_label`); a clear ValueError for none or one that does not read."""
    symbols = chords.replace(",", " ").replace("|", " ").split() if isinstance(chords, str) else list(chords)
    if not symbols:
        raise ValueError("no chords given: a lead sheet needs a progression such as 'C Am F G'")
    symbols = [str(s) for s in symbols]
    plain = [s for s in symbols if ":" not in s and s not in ("N", "X")]
    read = iter(project_prompt("", chords=plain).chords if plain else [])
    return [vocabulary_label(s if ":" in s or s in ("N", "X") else next(read)) for s in symbols]


def bar_chords(chords: Sequence[str], bars: int) -> list[str]:
    """The chord of each of ``bars`` bars: the progression looped (bar *i* has chord *i* mod *n*)."""
    return [chords[i % len(chords)] for i in range(bars)]


def lead_sheet_bars(chords: Sequence[str], bars: int | None) -> int:
    """The bars of a lead sheet: those asked for, else :data:`DEFAULT_BARS` or the progression once when it
    is longer; a clear ValueError outside 1 to :data:`MAX_BARS`."""
    n = int(bars) if bars is not None else max(DEFAULT_BARS, len(chords))
    if not 1 <= n <= MAX_BARS:
        raise ValueError(f"--bars {n}: a lead sheet has 1 to {MAX_BARS} bars")
    return n


def key_of_chords(chords: Sequence[str]) -> str:
    """The key a progression suggests (``"C major"``): its chords' tones, a bar each, matched to partita's
    key profiles, the roots of its first and last chords counted once more (a song opens or closes on its
    tonic: "Dm7 G7 Cmaj7" is C major, "Am F C G" C major, "Am Dm E Am" A minor)."""
    named = [c for c in chords if c not in ("N", "X", "")]
    if not named:
        raise ValueError("the progression has no chord (only N): give chords such as 'C Am F G'")
    chroma = np.zeros(12)
    for label in named:
        for pc in _tones(label):
            chroma[pc] += 1.0
    for label in (named[0], named[-1]):
        chroma[pitch_class(label.partition(":")[0])] += 1.0
    return key_name(int(np.argmax(key_correlations(chroma, key_templates()))))


def _tones(label: str) -> list[int]:
    """The pitch classes of a chord label (mir_eval syntax; its bass and extensions included)."""
    import mir_eval

    root, bitmap, bass = mir_eval.chord.encode(label, reduce_extended_chords=True)
    return sorted({(root + i) % 12 for i in np.flatnonzero(bitmap).tolist()} | {(root + bass) % 12})


# ------------------------------------------------------------------------------------------ the request


def leadsheet_options(chords: Sequence[str], prompt: str = "", **options: Any) -> dict:
    """The request options of a lead sheet over ``chords`` (generator labels): the prompt's and
    ``options``' own, with the melody's instrument (:data:`DEFAULT_INSTRUMENT`), its key (the chords') and
    one note at a time (polyphony 0) where neither names one."""
    asked = project_prompt(prompt, **options)
    out = dict(options)
    if not asked.conditions.programs and not asked.conditions.drums:
        out["instruments"] = [DEFAULT_INSTRUMENT]
    if not asked.conditions.key:
        out["key"] = key_of_chords(chords)
    if "polyphony" not in asked.faders:
        out["polyphony"] = 0.0
    return out


def leadsheet_request(
    chords: str | Sequence[str], prompt: str = "", bars: int | None = None, **options: Any
) -> Request:
    """One request for a lead-sheet melody over ``chords`` (the progression looped over ``bars`` bars), with
    no phrase structure beyond what the model writes: the baseline of :func:`leadsheet_plan`. ``options`` as
    :func:`partita.generation.prompt.project_prompt` takes them (``key``, ``tempo``, ``meter``,
    ``instruments``, ...)."""
    labels = progression(chords)
    n = lead_sheet_bars(labels, bars)
    request = project_prompt(prompt, **leadsheet_options(labels, prompt, **options), bars=n, chords=labels)
    request.notes.append(f"lead sheet: {len(labels)} chords looped over {n} bars, one melodic line")
    return request


# --------------------------------------------------------------------------------------------- the plan


def phrase_labels(chords: Sequence[str], phrase_bars: int = PHRASE_BARS) -> list[str]:
    """The label of each phrase of ``phrase_bars`` bars of the per-bar ``chords`` (see the module
    docstring): a new letter for chords new to the piece, a prime (a variation) for a phrase whose chords
    came before, a period's labels again for a period (two phrases) whose chords came before."""
    if phrase_bars < 1:
        raise ValueError(f"phrase_bars={phrase_bars}: a phrase is at least one bar")
    phrases = [tuple(chords[i : i + phrase_bars]) for i in range(0, len(chords), phrase_bars)]
    letters: dict[tuple[str, ...], str] = {}
    periods: dict[tuple[tuple[str, ...], ...], list[str]] = {}
    out: list[str] = []
    for p in range(0, len(phrases), 2):
        period = tuple(phrases[p : p + 2])
        if period in periods:
            out += periods[period]
            continue
        labels = []
        for phrase in period:
            if phrase in letters:
                labels.append(letters[phrase] + "'")
            else:
                letters[phrase] = _letter(len(letters))
                labels.append(letters[phrase])
        periods[period] = labels
        out += labels
    return out


def _letter(i: int) -> str:
    """A, B, ..., Z, then AA, AB, ... (never a prime)."""
    return chr(65 + i) if i < 26 else _letter(i // 26 - 1) + chr(65 + i % 26)


def leadsheet_plan(
    chords: str | Sequence[str],
    prompt: str = "",
    bars: int | None = None,
    phrase_bars: int = PHRASE_BARS,
    **options: Any,
) -> PiecePlan:
    """The plan of a lead-sheet melody with phrase structure: one section a phrase, labelled by the
    progression's repetition (:func:`phrase_labels`), each with its bars' chords, the whole piece's key,
    meter, tempo and instrument; :meth:`partita.Generator.generate_plan` follows it. ``options`` as for
    :func:`leadsheet_request`."""
    labels = progression(chords)
    n = lead_sheet_bars(labels, bars)
    per_bar = bar_chords(labels, n)
    opts = leadsheet_options(labels, prompt, **options)
    request = project_prompt(prompt, **opts, bars=n)
    c = request.conditions
    solo = "" if "polyphony" in project_prompt(prompt).faders or "polyphony" in options else SOLO
    labels = phrase_labels(per_bar, phrase_bars)
    if not _takes_anything(labels):  # nothing repeats: one section, the plain request's melody
        labels, phrase_bars = ["A"], n
    sections, at = [], 0
    for k, label in enumerate(labels):
        length = min(phrase_bars, n - at)
        own = per_bar[at : at + length]
        sections.append(Section(label, length, f"phrase {k + 1}", chords=_aligned(own, at), prompt=solo))
        at += length
    plan = PiecePlan(
        prompt=prompt,
        sections=sections,
        key=f"{c.key} {c.mode or 'major'}" if c.key else None,
        meter=c.meter,
        tempo=c.tempo_bpm,
        instruments=list(opts.get("instruments") or []),
    )
    log.info("lead-sheet plan: %s", " ".join(s.label for s in sections))
    return plan


def _takes_anything(labels: list[str]) -> bool:
    """Whether a phrase takes music from an earlier one (a label again, or a prime)."""
    return len(set(labels)) < len(labels) or any(label.endswith("'") for label in labels)


def _aligned(chords: list[str], start: int) -> list[str]:
    """A section's chords as the chord rules read them: the rules count bars from the piece's first bar
    (bar *b* plays chord *(b - 1) mod n* of the list), so a section starting at 0-based bar ``start`` gets
    its chords rotated to land on its own bars (no change when the section starts on a multiple of its
    length, as a phrase of a lead sheet does)."""
    n = len(chords)
    shift = start % n
    return chords[-shift:] + chords[:-shift] if shift else list(chords)
