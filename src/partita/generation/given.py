"""Music a person brings to a request: :class:`Given`, and how a request is built around it.

A continuation (``partita continue``) is a request whose :attr:`~partita.generation.request.Request.given`
holds the piece to go on from. :func:`continuation_request` reads what the piece is (its key by partita's key
analysis, its meter, tempo, instruments and texture from its notes) and lets the prompt say otherwise: "in D
minor for flute" changes the key and the instruments of the new bars, and leaves the rest as the piece has it.
The request's bar count is the whole piece's (the given bars and the new ones), as the model's ``Bars`` token
counted whole pieces in training and the bar rules count from the first bar.

Chords given for a piece in a meter the vocabulary lacks (4/2, 3/2, 9/8: :mod:`partita.generation.notation`)
are counted in the bars the model samples (:func:`in_model_bars`): each held for the bars of a meter it has
that fill one of the piece's (4/2: two bars of 4/4), and the given bars read in those bars
(:attr:`Given.read_in`). 3/2 is read in 4/4 as the model read it in training, its bar lines straddling the
piece's, and the plan holds each chord for a bar and a half of 4/4
(:func:`partita.generation.planning.plan_request`, :func:`partita.generation.notation.trained_frame`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from symusic import Note

from partita.generation.notation import rebar, sampled_meter, sampling_frame, single_meter, trained_frame
from partita.generation.request import Request
from partita.score import Score
from partita.score.bars import bar_lines, notated_bars
from partita.score.errors import ScoreError
from partita.score.general_midi import gm_program_names
from partita.tokens import SteerableTokenizer, distinct_programs
from partita.tokens.conditions import Conditions
from partita.tokens.dataset import piece_conditions

MAX_GIVEN_BARS = 256
"""The most bars of a given piece partita reads as context (the model sees its last half block anyway)."""

TEXTURE = ("density", "polyphony", "rhythm", "mean_pitch")
"""Condition fields measured from the given piece's notes: its texture carries on unless the prompt's faders
say otherwise."""


@dataclass
class Given:
    """A piece (or its opening) that generation starts from."""

    score: Score
    bars: int
    """Its bars as written (:func:`partita.score.bars.notated_bars`): new bars follow them."""
    source: str = ""
    tracks: list[int] = field(default_factory=list)
    """The programs of its pitched tracks, in order (the same program twice for two voices of one
    instrument)."""
    after: Score | None = None
    """For an infill: the bars that follow the gap, as written, moved to start at 0 (None: a
    continuation)."""
    after_bars: int = 0
    """The bars of :attr:`after`."""
    read_in: str | None = None
    """A meter of the model's vocabulary the piece (and :attr:`after`) is read in, its bars lining up with
    the piece's, where it is written in one the vocabulary lacks and chords are given for it
    (:func:`in_model_bars`); None: as the tokenizer writes it (a meter it lacks as 4/4, as in training)."""

    def to_dict(self) -> dict:
        notes = sum(len(t.notes) for t in self.score.tracks)
        out = {"source": self.source, "bars": self.bars, "notes": notes, "tracks": list(self.tracks)}
        if self.after is not None:
            out["after_bars"] = self.after_bars
        return out


def given_piece(score: Score, source: str = "") -> Given:
    """``score`` as the music a request starts from; a clear :class:`ScoreError` when it cannot be one (no
    notes, drums only, longer than :data:`MAX_GIVEN_BARS`)."""
    pitched = [t for t in score.tracks if not t.is_drum and len(t.notes)]
    name = source or "the given piece"
    if not any(len(t.notes) for t in score.tracks):
        raise ScoreError("it has no notes: there is nothing to continue", "no-notes", name)
    if not pitched:
        raise ScoreError("it has only drums: partita continues pieces with pitched parts", "drums-only", name)
    bars = notated_bars(score)
    if bars > MAX_GIVEN_BARS:
        raise ScoreError(
            f"it has {bars} bars: partita continues from at most {MAX_GIVEN_BARS} (cut it first)",
            "too-long",
            name,
        )
    return Given(score, bars, source, [int(t.program) for t in pitched])


def continuation_request(
    given: Given, prompt: str = "", bars: int = 8, whole: Score | None = None, **options
) -> Request:
    """The request to continue ``given`` by ``bars`` bars: the piece's own conditions (those of ``whole``
    when given: the whole piece an infill is made in) wherever the prompt (and ``options``, as for
    :func:`partita.generation.prompt.project_prompt`) names none. Its bar count is the whole piece's: the
    given bars, the new ones and an infill's bars after the gap (``given.after_bars``)."""
    from partita.generation.prompt import project_prompt

    if not 1 <= int(bars) <= 128:
        raise ValueError(f"--bars {bars}: partita continues a piece by 1 to 128 bars")
    request = project_prompt(prompt, **options)
    asked, own = request.conditions, piece_conditions(whole if whole is not None else given.score)
    kept = []
    for f in fields(Conditions):
        name = f.name
        if name in ("bars", "style", "region", "mood"):
            continue
        if name == "programs":
            if not asked.programs and not asked.drums:
                asked.programs, asked.drums = own.programs, own.drums
                kept.append("instruments")
            continue
        if name == "drums" or getattr(asked, name) is not None:
            continue
        if name in TEXTURE and name.split("_")[0] in request.faders:
            continue
        setattr(asked, name, getattr(own, name))
        if name in ("key", "meter", "tempo_bpm") and getattr(own, name) is not None:
            kept.append("tempo" if name == "tempo_bpm" else name)
    if asked.mode is None:
        asked.mode = own.mode
    voices = len(given.tracks)
    if asked.programs == own.programs and voices > len(own.programs):
        request.n_tracks = voices
    asked.bars = given.bars + int(bars) + given.after_bars
    request.given = given
    request.notes[:] = [n for n in request.notes if not n.startswith("empty prompt")]
    request.notes.append(_account(given, asked.bars) + (f"; its own {', '.join(kept)} kept" if kept else ""))
    return request


def _account(given: Given, total: int) -> str:
    """What a request does with its given piece, for its notes: which bars are given and which are new."""
    name = given.source or "the given piece"
    if given.after is None:
        return f"continuing {name}: bars 1-{given.bars} given, {given.bars + 1}-{total} new"
    last = total - given.after_bars
    kept = f"bars 1-{given.bars}" + (f" and {last + 1}-{total}" if given.after_bars else "")
    return f"infilling bars {given.bars + 1}-{last} of {name}: {kept} kept as written"


def sampled_programs(given: Given, written: dict[int, int]) -> list[int]:
    """The program each pitched track of ``given`` is tokenized as: a requested instrument that has a stand-in
    as its stand-in (the inverse of the plan's ``written``), then made distinct as the tokenizer separates
    tracks (:func:`partita.tokens.distinct_programs`), so the model reads the piece's voices as the voices
    it is asked to go on with."""
    inverse: dict[int, int] = {}
    for sampled, program in written.items():
        if sampled != program and list(written.values()).count(program) == 1:
            inverse[program] = sampled
    return distinct_programs([inverse.get(p, p) for p in given.tracks])


def model_frame(request: Request, meters: Sequence[str]) -> tuple[str, int] | None:
    """The meter of the model's vocabulary (its tokenizer's ``meters``) the piece ``request`` asks for is
    sampled in and how many of its bars make one of the piece's: ``("4/4", 2)`` for a piece in 4/2. For a
    request with a given piece, that of its meter (:func:`partita.generation.notation.sampling_frame`), unless
    the new bars are asked for in another; for a new piece, the meter asked for (as the plan samples it). None
    where the vocabulary has the meter (or nothing fits)."""
    meter = request.conditions.meter
    if request.given is not None:  # the new bars in the given piece's meter (not one the prompt changed)
        own = single_meter(request.given.score)
        return sampling_frame(request.given.score, tuple(meters)) if own == meter else None
    return sampled_meter(meter, tuple(meters)) if meter else None


def in_model_bars(request: Request, meters: Sequence[str], frame: tuple[str, int] | None = None) -> Request:
    """``request`` with its chords (one a bar of the piece) counted in the bars the model samples, in a
    meter its vocabulary (``meters``) lacks: each chord held for the ``k`` bars of the meter it is sampled in
    that make one bar of the piece (``frame``, else :func:`model_frame`: in 4/2, two bars of 4/4), since the
    chord rules count those bars (counted one a bar of 4/4, the second half of each bar of 4/2 was sampled
    over the next bar's chord), and a given piece read in those bars (:attr:`Given.read_in`; with ``frame``
    3/2 as one bar of 6/4). Without ``frame`` a piece in 3/2 is left as the tokenizer reads it, in 4/4 as
    the model read 3/2 in training, and the plan holds each chord for a bar and a half of it. A copy with a
    note saying so; ``request`` itself where nothing changes (no chords, a meter the vocabulary has, 3/2
    read in 4/4). The request's meter and bars stay the piece's (what the candidates are measured against).
    Frame a request once, where it is sampled:
    :meth:`partita.Generator.generate` frames one with a given piece (a continuation, an infill); the plan
    holds a new piece's chords (an accompaniment's too) for its bars itself
    (:func:`partita.generation.planning.plan_request`), so without ``frame`` such a request is returned as
    it is."""
    if frame is None and (request.given is None or request.given.read_in is not None):
        return request  # a new piece (the plan frames it), or one framed already
    if frame is None and request.chords and _read_as_trained(request, meters):
        return request  # 3/2 read in 4/4 as in training: the plan holds its chords for a bar and a half
    frame = frame if frame is not None else model_frame(request, meters)
    if frame is None or not request.chords or (frame[1] == 1 and request.given is None):
        return request
    sampled, k = frame
    out = copy.deepcopy(request)
    out.chords = [chord for chord in request.chords for _ in range(k)]
    if out.given is not None:
        out.given.read_in = sampled
    held = f"each chord held for {k} of them" if k > 1 else "each chord on its own bar"
    out.notes.append(f"meter {request.conditions.meter} is sampled in bars of {sampled}: {held}")
    return out


def _read_as_trained(request: Request, meters: Sequence[str]) -> bool:
    """Whether the given piece of ``request`` is read as the tokenizer writes it, in 4/4 as the model read
    such pieces in training, though chords are given (its meter, which the new bars keep, has a
    :func:`~partita.generation.notation.trained_frame`: 3/2)."""
    meter = request.conditions.meter
    own = single_meter(request.given.score) if request.given is not None else None
    return own is not None and own == meter and trained_frame(meter, tuple(meters)) is not None


def model_reading(given: Given, score: Score | None = None) -> Score:
    """``score`` (default the given piece; an infill's bars after the gap) as the model reads it: a copy,
    in bars of :attr:`Given.read_in` where it is set."""
    out = (score if score is not None else given.score).copy()
    return rebar(out, given.read_in) if given.read_in else out


def given_music(tokenizer: SteerableTokenizer, given: Given, written: dict[int, int]) -> list[int]:
    """The music ids of ``given`` as the model reads them (each pitched track as :func:`sampled_programs`
    says, in the bars it reads them in: :func:`model_reading`), to sample on from."""
    score = model_reading(given)
    pitched = [t for t in score.tracks if not t.is_drum and len(t.notes)]
    score.tracks = [t for t in score.tracks if len(t.notes)]
    for track, program in zip(pitched, sampled_programs(given, written), strict=True):
        track.program = program
    return list(tokenizer.encode_music(score))


@dataclass
class Reading:
    """A given piece as the model reads it: its ids, and its bars counted as the tokenizer counts them (a
    meter the vocabulary lacks, such as 4/2, is read as one it has, 4/4: twice the bars)."""

    music: list[int]
    bars: int
    """The given bars, as the tokenizer counts them."""
    end_bar: int
    """The last bar to sample, as the tokenizer counts it."""
    after: int
    """The tick (on the decoder's grid) after which a note is new: the given bars stay as written."""


def read_given(
    tokenizer: SteerableTokenizer, given: Given, written: dict[int, int], end_bar: int, prefix: list[int]
) -> Reading:
    """How the model reads ``given`` (its music ids after the condition ``prefix``), with the given bars and
    the piece's bar ``end_bar`` (both in the piece's own meter) counted in the tokenizer's bars."""
    music = given_music(tokenizer, given, written)
    decoded = tokenizer.decode([*prefix, *music])
    scale = int(decoded.ticks_per_quarter) / max(1, int(given.score.ticks_per_quarter))
    own = bar_lines(given.score, end_bar)
    start, end = own[given.bars] * scale, own[end_bar] * scale
    lines = bar_lines(decoded, 4 * end_bar + 8)  # a meter read as a shorter one has more bars

    def count(tick: float) -> int:  # the bars of the decoded piece up to ``tick`` (a part bar counts)
        return next((k for k, line in enumerate(lines) if line >= tick - 0.5), len(lines) - 1)

    return Reading(music, count(start), max(count(end), count(start) + 1), round(start) - 1)


def splice(given: Given, sampled: Score, after: int, written: dict[int, int]) -> Score:
    """The given piece, as written, with the notes of ``sampled`` (the decoded sequence, given bars
    included) that start after tick ``after`` of it (the given piece's last onset as the tokenizer decodes
    it): each into the track of the given piece it was sampled as, a new instrument into a new track (with
    the program ``written`` maps it to)."""
    out = given.score.copy()
    pitched = [t for t in out.tracks if not t.is_drum and len(t.notes)]
    into = dict(zip(sampled_programs(given, written), pitched, strict=True))
    drums = next((t for t in out.tracks if t.is_drum), None)
    scale = int(out.ticks_per_quarter) / max(1, int(sampled.ticks_per_quarter))
    for track in sampled.tracks:
        new = [n for n in track.notes if int(n.time) > after]
        if not new:
            continue
        target = drums if track.is_drum else into.get(int(track.program))
        if target is None:
            target = track.copy()
            target.notes.clear()
            if not track.is_drum:
                target.program = written.get(int(track.program), int(track.program))
                target.name = gm_program_names()[int(target.program)]
            out.tracks.append(target)
            if track.is_drum:
                drums = target
            else:
                into[int(track.program)] = target
        for n in new:
            start, end = round(n.time * scale), round((n.time + n.duration) * scale)
            target.notes.append(Note(start, max(1, end - start), int(n.pitch), int(n.velocity)))
        target.notes.sort()
    return out
