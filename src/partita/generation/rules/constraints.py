"""What constrained decoding enforces: :class:`Constraints`, read by the rules of this package."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Voicing:
    """How the voices of one choir (``Constraints.voice_order``) sing as lines, and under a given voice above
    them (a melody kept as written, with parts added under it: :mod:`partita.generation.accompany`). One
    object carried whole from the request to the rules: a new voicing setting is a field here and its
    reading in its rule (:mod:`~partita.generation.rules.voice_order`,
    :mod:`~partita.generation.rules.leaps`, :mod:`~partita.generation.rules.voice_lines`)."""

    above: list[tuple[float, float, int]] = field(default_factory=list)
    """The notes of a given voice above the sampled ones, (start, end) in quarters from the first bar line and
    pitch: no sampled note starts above the one sounding where it lands, nor a second, seventh or tritone
    from one starting there."""
    max_repeats: int = 0
    """The most times running a voice starts its last pitch again; 0: no bound."""
    held: bool = False
    """(with ``above``) No sampled note is held while a given note lower than it starts: judged where its
    duration is read, not only where it starts."""
    repeat_weight: float = 0.0
    """A logit penalty for an id that starts a voice's last pitch again: a pull, not a rule."""
    max_leaps: list[int] = field(default_factory=list)
    """The largest leap of each voice from the pitch it last started, in semitones, top down; 0: no bound."""
    spacing: int = 0
    """The most semitones between neighbouring upper voices (the given voice and the top sampled one, and
    the sampled ones but the lowest: the bass may lie further under the tenor), judged where a note lands;
    0: no bound."""
    chords: list[tuple[float, float, int, int, int]] = field(default_factory=list)
    """Chords by the beat under the given voice (a chorale soprano harmonised by
    :mod:`partita.analysis.chorale_harmony`): (start, end) in quarters as ``above``, the chord's pitch classes
    (bit k: pitch class k), those a note starting between its beats may take (its tones and the key's scale),
    and its bass's pitch class (-1: any). A voice's note starting where a chord starts is one of its tones,
    and none is held into a chord it is not a tone of; the bar's chords (``Constraints.chords``) are not asked
    with them."""
    chord_pull: float = 0.0
    """(with ``chords``) A logit bonus where a chord starts: for the lowest voice's note on its bass, and for
    a note on a tone of it that nothing sounding there sings yet."""
    parallels: float = 0.0
    """A logit penalty for a voice's note landing on a beat that moves in parallel perfect fifths, octaves or
    unisons with another voice (the given one included) from the beat before: both move, the same way, and
    the interval (upper minus lower, mod 12) is 0 or 7 at both beats, as ``bench/bench_accompany.py``
    counts them; 0: none. A pull, not a mask: where every tone left is one, one is sung."""
    ranges: list[tuple[int, int]] = field(default_factory=list)
    """The lowest and highest pitch (MIDI) each voice may start, top down; (0, 0) or a voice not listed: any
    (:mod:`~partita.generation.rules.voice_lines`, ``Registers``)."""
    holds: list[tuple[float, float]] = field(default_factory=list)
    """The given voice's phrase ends, (start, end) in quarters as ``above``: a voice's note that starts within
    one lasts to its end, the chord held under the fermata (:mod:`~partita.generation.rules.voice_lines`,
    ``PhraseHolds``)."""
    sustain: bool = False
    """(with ``Constraints.event_positions``) A voice's note does not end inside the open bar where no note
    of the parts may start: off the asked positions once the bar's most notes are kept for those still ahead
    (:mod:`~partita.generation.rules.voice_lines`, ``Sustain``)."""
    spans: list[int] = field(default_factory=list)
    """The widest span in semitones the pitches each voice starts over the piece may cover, top down; 0 or a
    voice not listed: any (:mod:`~partita.generation.rules.voice_span`)."""


@dataclass
class Constraints:
    """What to enforce; ``None`` or empty means not enforced."""

    meter: str | None = None
    bars: int | None = None
    programs: list[int] = field(default_factory=list)
    drums: bool = False
    key: str | None = None
    mode: str | None = None
    in_key: bool = False
    cadence: bool = False
    """With a key: the first and the last bar play only tones of the tonic triad (the piece opens and closes
    on its tonic, which is what a listener, and a key finder, hears as the key)."""
    tonic_weight: float = 0.0
    """With a key: a logit bonus for ids whose pitches are tones of the tonic triad (the tonic counts fully,
    the third and the fifth half), so that the tonic sounds longest and most often: a pull towards the key,
    not a guarantee."""
    tonic_on_downbeats: bool = False
    """With ``tonic_weight``: the bonus applies only to notes starting a bar (where a listener hears the
    harmony most), so the melody elsewhere keeps all the scale's tones."""
    chords: list[str] = field(default_factory=list)
    chord_tones_only: bool = False
    """With chords: every pitch in bar i is a tone of chord i (else notes between beats may also be tones of
    the key's scale; see :mod:`partita.generation.rules.chords`). The progression loops over the bars."""
    chord_slots: int = 1
    """Chords a bar, each for an equal part of it: with 2, ``chords[2 * i + j]`` holds for half ``j`` of bar
    ``i`` (3/2 sampled in 4/4, :func:`partita.generation.notation.trained_frame`: a 3/2 bar's chord lasts
    three half bars of 4/4, so it changes in mid-bar every other bar)."""
    bass: int | None = None
    """(with chords) The program that plays the bass line: its first note in each bar is the chord's root
    (:mod:`partita.generation.rules.bass_roots`). Soft."""
    tempo: float | None = None
    """Tempo tokens only from the requested tempo's bin (Mustango's bins, :mod:`partita.analysis.tempo`)."""
    min_notes_per_bar: int = 0
    """A bar may not be closed (by the next bar line or the end) before it holds this many notes: no silent
    bars."""
    max_notes_per_bar: int | None = None
    """Once a bar holds this many notes no new note starts in it (with ``grammar``: the bar is closed
    next)."""
    min_onsets_per_bar: int = 0
    """(with ``grammar``) A bar may not be closed before this many of its positions start notes: the lower
    bound of the rhythmic-density fader (onsets per beat). Soft: yields where it would leave no token."""
    max_onsets_per_bar: int | None = None
    """(with ``grammar``) Once this many positions of a bar start notes, notes start only where one already
    does (the chord grows, time does not move inside the bar). Soft."""
    notes_per_onset: tuple[int, int | None] | None = None
    """(at least, at most) notes starting together at each position (with ``grammar``): the polyphony
    fader."""
    max_sounding: int | None = None
    """(with ``grammar``) At most this many pitched notes sound at once, held notes included: a note may start
    only where fewer than this are still sounding, and no note lasts longer than a bar (so that every bar has
    room for its notes). Yields where it would leave no token (a bar that still needs notes);
    ``notes_per_onset``'s lower bound yields to it."""
    hold_within_bar: bool = True
    """With ``max_sounding``: no note lasts longer than a bar (off: the cap only counts notes; a guard against
    degenerate pile-ups rather than a texture asked for)."""
    min_sounding: float = 0.0
    """(with ``grammar``) At least this many pitched notes sound from each onset to the next: held notes count
    towards ``notes_per_onset``'s lower bound (which this replaces), and time moves on no later than the
    moment fewer would still sound (no gap in the texture; a rest only where a bar could not be filled
    otherwise). Soft like ``max_sounding``. Polyphony is measured over time, so notes starting together are
    not enough when some of them end early. A fraction is a floor for the mean: the bound is the number
    rounded up while the piece's polyphony so far (the mean over the time anything sounds) is under it, else
    rounded down (1.25: two notes until the mean reaches 1.25, then no bound, and again when it falls
    under)."""
    voice_order: list[int] = field(default_factory=list)
    """(with ``grammar``) The programs of one choir's voices, top down: no voice starts a note above a higher
    voice's sounding note or below a lower one's (:mod:`~partita.generation.rules.voice_order`). Soft."""
    voices: list[int] = field(default_factory=list)
    """(with ``grammar``) The programs of a piece's voices as its style lists them (pop: melody, bridge,
    piano), whether or not they keep an order: the voices :class:`Voicing`'s ``ranges`` name where
    ``voice_order`` is empty (:mod:`~partita.generation.rules.voice_lines`, ``Registers``)."""
    voicing: Voicing = field(default_factory=Voicing)
    """(with ``voice_order``) How the voices sing as lines, and under a given voice above them
    (:class:`Voicing`). Soft."""
    filled_beats: bool = False
    """(with ``grammar``) A note sounds as each beat begins, once the first has sounded: a rest stays inside
    a beat (:mod:`~partita.generation.rules.filled_beats`). Soft."""
    enter_all_programs: bool = False
    """(with ``programs``) Every requested pitched program plays from the first bar on: while one has not
    played, the next program named is one not heard yet and the bar line waits for it (two instruments asked
    for are two instruments heard, not one). Soft: yields where the sounding cap or the grammar leaves nothing
    else."""
    entry_bars: dict[int, int] = field(default_factory=dict)
    """(with ``enter_all_programs``) The bar (0-based) a requested program enters at; before it the program
    plays nothing, from it on the rule above holds for it. A program not listed enters in the first bar."""
    presence_weight: float = 0.0
    """(with two or more pitched ``programs``) A logit bonus for the ids naming a requested program that has
    started no note in the open bar or the bar before (:mod:`partita.generation.rules.presence`): a pull, not
    a rule."""
    repeat_weight: float = 0.0
    """A logit bonus for the next id of an earlier bar (2, 4 or 8 bars back) that the open bar has followed
    so far (:mod:`partita.generation.rules.repeat`): a pull towards repeating bars, not a rule."""
    loop_penalty: float = 0.0
    """A logit penalty for the id that goes on copying the bar before while the open bar has copied it so
    far (:mod:`partita.generation.rules.loops`): against playing a bar twice in a row, not a rule."""
    step_weight: float = 0.0
    """A logit bonus for a program's next note a step (1-2 semitones) from its previous one, the same less
    for a leap over an octave (:mod:`partita.generation.rules.steps`): a pull towards stepwise melody."""
    step_scale: tuple[int, ...] = ()
    """With ``step_weight``: the pitch classes a step may land on (the key's scale: a step to a tone outside
    it, a chromatic semitone, gets no bonus); empty: any."""
    scale: tuple[int, ...] = ()
    """Pitch classes of the style's scale (:mod:`partita.generation.scales`: a Chinese folk song's pentatonic
    collection), for ``scale_weight``."""
    scale_weight: float = 0.0
    """A logit penalty for ids with a pitch outside ``scale`` (:mod:`partita.generation.rules.scale_pull`): a
    pull into the scale, not a rule."""
    mode_weight: float = 0.0
    """(with ``mode`` and no ``key``) The logit penalty of a pitch outside the asked mode's scale over the
    tonic the model chose in the first bar (:mod:`partita.generation.rules.mode_pull`); 0: the rule is off."""
    final_weight: float = 0.0
    """A logit bonus for ids with the tonic in the last bar
    (:mod:`partita.generation.rules.final`): a pull towards ending on the tonic, not a rule."""
    monophonic: list[int] = field(default_factory=list)
    """(with ``grammar``) Programs that start one note at a time (a bass, a flute: the caller knows which).
    Soft."""
    ambitus: int = 0
    """The widest range in semitones the piece's pitches may span (:mod:`partita.generation.rules.ambitus`; a
    melody's range); 0: any. Soft."""
    shortest: float = 0.0
    """No note shorter than this many beats of the sampled meter, and no onset off that grid
    (:mod:`partita.generation.rules.shortest`); 0: any. Hard."""
    pickup: int = 0
    """(with ``grammar`` and ``bars``) The piece opens with a pickup of this many beats of its meter: its
    first notes start that long before the first bar line, the beats before them rest
    (:mod:`partita.generation.rules.pickup`); ``bars`` counts the pickup bar. 0: no pickup. Soft."""
    token_budget: int | None = None
    """(with ``bars``) The music tokens the sampler will draw at most: once no more is left than the open bars
    need to close with their fewest notes, each bar gets only those, so the bar lines come before the budget
    ends (a hymn for organ stacked 221 notes in one voice and ran out of tokens after 11 of 16 bars)."""
    paced_onset: int = 0
    """(with ``token_budget`` and ``bars``) Once the open bar has drawn more than its share of the tokens left
    when it opened, at most this many notes start together in it
    (:mod:`partita.generation.rules.budget_pace`); 0: no pace. Soft."""
    event_positions: list[tuple[int, int]] = field(default_factory=list)
    """(bar from 0, position) pairs where onsets are asked for, a video's cuts and motion peaks: a logit
    bonus for an onset there, a louder one, and a penalty for skipping it
    (:mod:`partita.generation.rules.event_pull`): a pull, not a rule."""
    event_weight: float = 3.0
    """The logit bonus of an onset on an asked position and the penalty of skipping one; 0 with no velocity
    pull either: the rule is off."""
    event_notes: int = 0
    """(with ``event_positions`` and ``notes_per_onset``) At an asked position, at least this many notes start
    together, held notes not counted (parts striking with a given melody's onsets,
    :mod:`~partita.generation.rules.notes_per_onset`); 0: as elsewhere."""
    grammar: bool = False
    """Keep REMI+'s token order (:data:`partita.generation.rules.grammar.REMI_NEXT`): e.g. after a position
    comes a tempo or a program, after a program a pitch. Without it a model that wants a program the request
    forbids wanders off into positions and durations."""
