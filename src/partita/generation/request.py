"""The :class:`Request`: what a person asks for, whatever the modality, projected onto partita's controls.

Text is projected into a Request by :func:`partita.generation.prompt.project_prompt`; the inputs to come (a
MIDI file to continue, a melody to accompany, a hummed theme, lyrics, an image, a video) produce the same
Request or add their conditioning to it. The CLI and the web build a Request once, show it
(:meth:`Request.explain`) and pass it down to :meth:`partita.Generator.generate`, so the prompt is parsed once
per request.

A Request says *what* is wanted (key, meter, instruments, bars, chords, style, faders); *how* to sample it
(temperature, rule weights, token budgets) is the model's
:class:`~partita.generation.config.GenerationConfig`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from partita.analysis.tempo import tempo_term
from partita.generation.rules.constraints import Voicing
from partita.score.general_midi import gm_program_names
from partita.tokens.conditions import Conditions

if TYPE_CHECKING:
    from partita.generation.given import Given

DEFAULT_BARS = 16
"""The bars of a piece whose request names no length (and whose style implies none)."""


@dataclass
class Understood:
    """One phrase of the prompt and what it set."""

    phrase: str
    field: str
    value: object
    note: str = ""


@dataclass
class Request:
    """What a person asked for, projected onto the controls of partita's models."""

    text: str
    conditions: Conditions = field(default_factory=Conditions)
    chords: list[str] = field(default_factory=list)
    faders: dict[str, float] = field(default_factory=dict)
    valence: float | None = None
    arousal: float | None = None
    n_tracks: int | None = None
    understood: list[Understood] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    given: Given | None = None
    """Music the request starts from (a piece to continue: :mod:`partita.generation.given`), or None."""
    concept: str | None = None
    """The learned concept the prompt names (``"a waltz in <my-style>"``: ``"my-style"``), or None."""
    pickup: int | None = None
    """The pickup (upbeat) asked for, in beats of the meter ("with an upbeat": 1; "no upbeat": 0), or None:
    a new piece then opens with one as often as real pieces of its style do (``GenerationConfig``)."""
    voices_drawn: bool = False
    """Whether the number of voices was drawn as real pieces of the style have them (a motet "for choir":
    ``GenerationConfig.style_voices``), not asked for: a voice that then barely sings is dropped."""
    onsets: list[tuple[int, int]] = field(default_factory=list)
    """(bar from the piece's first, position in the vocabulary's positions of that bar) where the music
    should start notes, a video's cuts and motion peaks: the sampler is pulled there
    (:mod:`partita.generation.rules.event_pull`, ``GenerationConfig.event_weight``)."""
    above_voices: int = 0
    """How many of the style's voices are given above the sampled ones: the request's voices are sampled as
    the style's lower ones (under a soprano, a chorale's alto, tenor and bass, not its soprano, alto and
    tenor)."""
    voicing: Voicing = field(default_factory=Voicing)
    """How the sampled voices sing as lines, and under the notes of a given voice above them (a soprano kept
    as written, with parts added under it: ``Voicing.above``): read by the rules
    (:mod:`partita.generation.rules.voice_order`, :mod:`partita.generation.rules.leaps`) as it is."""
    key_chosen: bool = False
    """The key in :attr:`conditions` was chosen by the plan for the mode asked, not by the person
    (:func:`partita.generation.planning.plan_request`, :mod:`partita.generation.mode_keys`): adherence judges
    the mode (CM), not this key."""
    pickup_in_bars: bool = False
    """The :attr:`pickup` is the first of the bars asked for, not a bar before them: a melody's bar padded
    before its upbeat, from which its chords and onsets count (:mod:`partita.generation.accompany`)."""

    def to_dict(self) -> dict:
        d = asdict(replace(self, given=None))  # a given score is not data: its summary is written instead
        d["conditions"] = self.conditions.to_dict()
        d["given"] = self.given.to_dict() if self.given is not None else None
        return d

    def explain(self) -> str:
        """A readable account: what was understood, what was not, and the defaults or corrections made."""
        c = self.conditions
        lines = [f"prompt: {self.text!r}" if self.text.strip() else "prompt: (empty)"]
        names = gm_program_names()
        rows = [
            ("style", c.style),
            ("region", c.region),
            ("key", _key_row(c.key, c.mode, self.key_chosen)),
            ("meter", c.meter),
            ("tempo", f"{c.tempo_bpm:g} bpm ({tempo_term(c.tempo_bpm)})" if c.tempo_bpm else None),
            (
                "instruments",
                ", ".join([f"{names[p]} ({p})" for p in c.programs] + (["drums"] if c.drums else [])) or None,
            ),
            ("bars", c.bars),
            (
                "pickup",
                None if self.pickup is None else f"{self.pickup} beat{'s' if self.pickup != 1 else ''}",
            ),
            ("chords", " ".join(self.chords) or None),
            ("mood", c.mood),
            ("concept", f"<{self.concept}>" if self.concept else None),
            ("faders", ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.faders.items())) or None),
        ]
        lines.append("understood:")
        lines += [f"  {k:12s} {v}" for k, v in rows if v not in (None, "")]
        if self.understood:
            lines.append("from the words:")
            lines += [
                f"  {u.phrase!r} -> {u.field} = {u.value}{' (' + u.note + ')' if u.note else ''}"
                for u in self.understood
            ]
        if self.not_understood:
            lines.append("not understood (ignored): " + ", ".join(repr(w) for w in self.not_understood))
        if self.notes:
            lines.append("notes:")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    @property
    def bars(self) -> int:
        """The bars asked for (:data:`DEFAULT_BARS` when the request names none)."""
        return self.conditions.bars or DEFAULT_BARS


def _key_row(key: str | None, mode: str | None, chosen: bool) -> str | None:
    """The key as :meth:`Request.explain` shows it: ``"? minor"`` for a mode alone, and a key the plan chose
    for the mode marked so."""
    if not (key or mode):
        return None
    text = f"{key or '?'} {mode or ''}".strip()
    return f"{text} (chosen for the mode: none was asked)" if chosen else text
