"""Plan first, then generate (MusiCoT's idea): a :class:`PiecePlan` of sections, each with its bars, key,
chords and density, written as editable JSON and followed section by section.

``partita plan "a 3-minute pop ballad" -o plan.json`` writes the plan :func:`plan_piece` proposes from the
prompt: the style's usual form (a dance tune's AABB, a song's verses and choruses, a chorale's Stollen,
Stollen, Abgesang) stretched to the length asked for (bars, or minutes at the tempo); a person edits it;
``partita generate --plan plan.json`` follows it (:func:`section_requests` and
:meth:`partita.Generator.generate_plan`): the first section is generated from its request, every later one is
a continuation of the piece so far (:mod:`partita.generation.given`), and a section whose label was played
before (A after A) comes back as it was, so that what repeats in the plan repeats in the music. A label with
a prime (A') is written anew after its first statement: a variation, not a copy.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from symusic import Note

from partita.atomic import atomic_path
from partita.generation.prompt import roman_chord
from partita.generation.request import Request
from partita.score import Score
from partita.score.bars import bar_lines

PLAN_VERSION = 1
MAX_PLAN_BARS = 256
"""The most bars a plan may hold (each section is at most 128, as one request)."""

FORMS: dict[str, list[tuple[str, str, int, float | None]]] = {
    # style -> sections as (label, name, bars, density fader): the usual form at its usual length
    "pop": [
        ("I", "intro", 4, 0.3),
        ("A", "verse", 8, 0.4),
        ("B", "chorus", 8, 0.7),
        ("A'", "verse", 8, 0.4),
        ("B", "chorus", 8, 0.7),
        ("C", "bridge", 8, 0.5),
        ("B", "chorus", 8, 0.7),
        ("O", "outro", 4, 0.3),
    ],
    "dance": [
        ("A", "part A", 8, None),
        ("A", "part A", 8, None),
        ("B", "part B", 8, None),
        ("B", "part B", 8, None),
    ],
    "chorale": [("A", "Stollen", 4, None), ("A", "Stollen", 4, None), ("B", "Abgesang", 8, None)],
    "song": [
        ("A", "verse", 8, None),
        ("A'", "verse", 8, None),
        ("B", "refrain", 8, None),
        ("A", "verse", 8, None),
    ],
    # through-composed (a motet's points of imitation): nothing comes back
    "through": [("A", "", 16, None)],
}
SHORT_FORMS: dict[str, list[tuple[str, str, int, float | None]]] = {
    # the form of a piece too short for its style's usual one at MIN_SECTION_BARS a section
    "pop": [("A", "verse", 8, 0.4), ("B", "chorus", 8, 0.7)],
    "through": FORMS["through"],
}
"""Any other form, too short for its usual sections: a period, a phrase and its answer that opens as the
phrase did (A A')."""
PERIOD = [("A", "phrase", 4, None), ("A'", "answer", 4, None)]
MIN_SECTION_BARS = 4
"""A section is at least a phrase long, where the piece allows: a two-bar section played again at once
sounds like a stuck record, not a form."""
STYLE_FORMS = {
    "pop": "pop",
    "jig": "dance",
    "irish_reel": "dance",
    "hornpipe": "dance",
    "march": "dance",
    "chorale": "chorale",
    "renaissance": "through",
}
"""The form a style's plan starts from; any other style: ``song`` (verse, verse, refrain, verse)."""

POP_CHORDS = {
    "A": "I vi IV V",
    "A'": "I vi IV V",
    "B": "IV V iii vi",
    "C": "vi IV I V",
    "I": "I IV",
    "O": "IV I",
}
"""Roman-numeral progressions for a pop plan's sections, two bars a chord or one (looped over the section)."""


@dataclass
class Section:
    """One section of a plan: what it is called, how long it is and what it asks for beyond the piece's
    own."""

    label: str
    """Letters name material: the same label is the same music (played again), a prime (A') a variation."""
    bars: int
    name: str = ""
    key: str | None = None
    chords: list[str] = field(default_factory=list)
    density: float | None = None
    """The density fader (0-1) for this section; None: the piece's own."""
    instruments: list[str] = field(default_factory=list)
    """Instruments of this section; empty: the piece's own."""
    prompt: str = ""
    """More words for this section ("softer, for solo piano")."""


@dataclass
class PiecePlan:
    """A piece as a list of sections, with what holds for all of them (the prompt, key, meter, tempo)."""

    prompt: str
    sections: list[Section]
    key: str | None = None
    meter: str | None = None
    tempo: float | None = None
    instruments: list[str] = field(default_factory=list)
    version: int = PLAN_VERSION

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.sections)

    def to_dict(self) -> dict:
        return asdict(self)

    def explain(self) -> str:
        """The plan as lines: each section's bars and what it asks for."""
        lines = [f"plan for {self.prompt!r}: {self.bars} bars in {len(self.sections)} sections"]
        at = 1
        for s in self.sections:
            extra = [f"key {s.key}" if s.key else "", " ".join(s.chords), _fader(s.density), s.prompt]
            what = ", ".join(x for x in extra if x)
            lines.append(
                f"  {s.label:3s} {s.name or '':9s} bars {at}-{at + s.bars - 1}"
                + (f"  ({what})" if what else "")
            )
            at += s.bars
        return "\n".join(lines)


def _fader(value: float | None) -> str:
    return f"density {value:.1f}" if value is not None else ""


def plan_piece(request: Request, minutes: float | None = None) -> PiecePlan:
    """The plan partita proposes for ``request``: its style's form (:data:`STYLE_FORMS`), stretched or cut to
    the bars asked for (or to ``minutes`` at the request's tempo), with a pop plan's chords in its key."""
    c = request.conditions
    name = STYLE_FORMS.get(c.style or "", "song")
    form = FORMS[name]
    usual = sum(b for _, _, b, _ in form)
    target = c.bars or usual
    if minutes is not None:
        bpm = c.tempo_bpm or 100.0
        num, _, den = (c.meter or "4/4").partition("/")
        quarters = int(num) * 4 / int(den) if num.isdigit() and den.isdigit() and int(den) else 4.0
        target = max(8, round(minutes * bpm / quarters))
    target = min(target, MAX_PLAN_BARS)
    if target < MIN_SECTION_BARS * len(form):
        form = SHORT_FORMS.get(name, PERIOD)
    sections = _fit(form, target)
    if (c.style or "") == "pop" and not request.chords:
        tonic, mode = c.key or "C", c.mode or "major"
        for s in sections:
            numerals = POP_CHORDS.get(s.label, "I IV V I").split()
            s.chords = [roman_chord(r, tonic, mode) for r in numerals]
    if request.chords:
        for s in sections:
            s.chords = list(request.chords)
    return PiecePlan(
        prompt=request.text,
        sections=sections,
        key=f"{c.key} {c.mode or 'major'}" if c.key else None,
        meter=c.meter,
        tempo=c.tempo_bpm,
    )


def _fit(form: list[tuple[str, str, int, float | None]], target: int) -> list[Section]:
    """The form's sections scaled to ``target`` bars: each label one length (what comes back is the same
    music), whole multiples of 4 where it can; what rounding leaves over goes to a section that comes once
    (or to a coda). A target under two bars a section is one section (under 8 bars) or two."""
    if target < 2 * len(form):
        half = target // 2
        return [Section("A", target)] if target < 8 else [Section("A", target - half), Section("B", half)]
    usual = sum(b for _, _, b, _ in form)
    size: dict[str, int] = {}
    for label, _, bars, _ in form:
        scaled = bars * target / usual
        size.setdefault(label, max(1, int(round(scaled / 4)) * 4 or round(scaled)))
    out = [Section(label, size[label], name, density=density) for label, name, _, density in form]
    left = target - sum(s.bars for s in out)
    once = [s for s in out if sum(t.label == s.label for t in out) == 1 and s.bars + left >= 1]
    if once:
        max(reversed(once), key=lambda s: s.bars).bars += left  # the longest that comes once (the latest)
    elif left > 0:
        out.append(Section("Z", left, "coda"))
    while sum(s.bars for s in out) > target:  # too long, and nothing comes once: shorten the last label
        last = out[-1].label
        for s in out:
            if s.label == last:
                s.bars -= 1
        if any(s.bars < 1 for s in out):
            return [Section("A", target)]
        left = target - sum(s.bars for s in out)
        if left > 0:
            out.append(Section("Z", left, "coda"))
    return out


def save_plan(plan: PiecePlan, path: str | Path) -> Path:
    """Write ``plan`` as indented JSON (atomically): a person edits it, :func:`load_plan` reads it back."""
    path = Path(path)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(
            json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return path


def load_plan(path: str | Path) -> PiecePlan:
    """A plan from its JSON, checked: a clear ValueError names what is wrong (a section without bars, a
    plan longer than :data:`MAX_PLAN_BARS`, a label used for sections of different lengths)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read the plan: {e}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not a JSON plan ({e.msg} at line {e.lineno})") from None
    return plan_from_dict(doc, str(path))


def plan_from_dict(doc: object, name: str = "the plan") -> PiecePlan:
    """:func:`load_plan` for a parsed document."""
    if not isinstance(doc, dict) or not isinstance(doc.get("sections"), list) or not doc["sections"]:
        raise ValueError(f"{name}: a plan is an object with a non-empty list of 'sections'")
    known = {f.name for f in fields(Section)}
    sections = []
    for i, s in enumerate(doc["sections"], 1):
        if not isinstance(s, dict) or not str(s.get("label", "")).strip():
            raise ValueError(f"{name}: section {i} has no label")
        bars = s.get("bars")
        if not isinstance(bars, int) or isinstance(bars, bool) or not 1 <= bars <= 128:
            raise ValueError(f"{name}: section {i} ({s['label']}): bars must be a whole number from 1 to 128")
        unknown = sorted(set(s) - known)
        if unknown:
            raise ValueError(
                f"{name}: section {i}: unknown field(s) {unknown}; a section has {sorted(known)}"
            )
        sections.append(Section(**s))
    lengths: dict[str, int] = {}
    for s in sections:
        if lengths.setdefault(s.label, s.bars) != s.bars:
            raise ValueError(
                f"{name}: section {s.label} is {lengths[s.label]} bars once and {s.bars} bars later: a label "
                "that comes back is the same music (give the new one a prime, e.g. "
                f"{s.label}', to vary it)"
            )
    total = sum(s.bars for s in sections)
    if total > MAX_PLAN_BARS:
        raise ValueError(f"{name}: {total} bars; a plan holds at most {MAX_PLAN_BARS}")
    top = {k: v for k, v in doc.items() if k in {f.name for f in fields(PiecePlan)} and k != "sections"}
    return PiecePlan(sections=sections, **{"prompt": "", **top})


def plan_options(plan: PiecePlan) -> dict:
    """The request options (as :func:`partita.generation.prompt.project_prompt` takes them) that hold for the
    whole piece: its key, meter, tempo and instruments, and its bars."""
    out: dict = {"bars": plan.bars}
    for name, value in (("key", plan.key), ("meter", plan.meter), ("tempo", plan.tempo)):
        if value:
            out[name] = value
    if plan.instruments:
        out["instruments"] = list(plan.instruments)
    return out


def section_options(plan: PiecePlan, section: Section) -> dict:
    """The request options of one section: its own fields over the plan's."""
    out = {**plan_options(plan), "bars": section.bars}
    if section.key:
        out["key"] = section.key
    if section.instruments:
        out["instruments"] = list(section.instruments)
    if section.chords:
        out["chords"] = list(section.chords)
    if section.density is not None:
        out["density"] = float(section.density)
    return out


def repeats(plan: PiecePlan) -> list[tuple[int, int] | None]:
    """For each section, what it takes from an earlier one as (that section's index, bars), or None when it
    is written anew (a first statement): a label that comes back (A after A) takes all its bars, a variation
    (A' after A) the first half of them, and the rest of it is written on from there."""
    first: dict[str, int] = {}
    out: list[tuple[int, int] | None] = []
    for i, s in enumerate(plan.sections):
        base = s.label.rstrip("'")
        if s.label in first and not s.label.endswith("'"):
            out.append((first[s.label], s.bars))
        elif s.label.endswith("'") and base in first and plan.sections[first[base]].bars >= 2:
            out.append((first[base], min(plan.sections[first[base]].bars, s.bars) // 2))
        else:
            out.append(None)
        first.setdefault(s.label, i)
    return out


def with_theme(plan: PiecePlan, bars: int) -> PiecePlan:
    """``plan`` with its first section (and every section of the same label) ``bars`` long: the length of a
    theme that is its first statement."""
    label = plan.sections[0].label
    sections = [replace(s, bars=bars) if s.label == label else s for s in plan.sections]
    return replace(plan, sections=sections)


def parse_minutes(text: str) -> float | None:
    """The length a prompt names in minutes ("a 3-minute ballad", "2.5 minutes", "90 seconds"), or None."""
    m = re.search(r"(\d+(?:\.\d+)?)[\s-]*(minutes?|mins?|seconds?|secs?)\b", text, re.I)
    if not m:
        return None
    value = float(m.group(1))
    minutes = value if m.group(2).lower().startswith("m") else value / 60
    return minutes if minutes > 0 and math.isfinite(minutes) else None


def section_starts(plan: PiecePlan) -> list[int]:
    """The first bar (0-based) of each section."""
    out, at = [], 0
    for s in plan.sections:
        out.append(at)
        at += s.bars
    return out


def play_again(score: Score, first: int, bars: int, at: int) -> Score:
    """``score`` with its bars ``first`` to ``first + bars - 1`` (0-based) played again from bar ``at`` (its
    end, the piece so far), notes ringing past the copied span cut there; in place, and returned."""
    lines = bar_lines(score, max(first + bars, at + bars))
    start, end, to = lines[first], lines[first + bars], lines[at]
    for track in score.tracks:
        copied = [
            Note(
                int(n.time) - start + to,
                min(int(n.duration), end - int(n.time)),
                int(n.pitch),
                int(n.velocity),
            )
            for n in track.notes
            if start <= n.time < end
        ]
        track.notes.extend(copied)
        track.notes.sort()
    return score
