"""How a model samples: :class:`GenerationConfig`, saved as ``generation_config.json`` beside the weights.

As in Hugging Face transformers, the settings a model's outputs were tuned with travel with the model: the
sampling temperature and nucleus, the weights of the soft rules (the tonic pull, the presence pull), which
rules are on (the key's scale, the cadence, the phrase form), the token budget per bar and the Selector's
weights. A model folder without the file gets these defaults; :meth:`partita.Generator.generate` takes any
field as an override for one call (``generator.generate(request, tonic_weight=1.0)``).

What a person asks for (key, meter, instruments, bars) is not here: that is the
:class:`~partita.generation.request.Request`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from partita.atomic import atomic_write_text

CONFIG_FILE = "generation_config.json"

SELECTOR_SCORES = ("adherence", "style", "quality", "realism")
INFILL_MODES = ("auto", "fim", "fim+rescore", "rescore")
PRESENCE_WEIGHT = 1.5
"""The presence pull where neither the request nor its style says otherwise."""


@dataclass(frozen=True)
class GenerationConfig:
    """Sampling settings and rule weights; every field has the default partita-small was measured with."""

    temperature: float = 1.0
    top_p: float = 0.95
    """The nucleus: tokens outside the smallest set holding this share of the probability are not sampled."""
    constrain: bool = True
    """Constrained decoding (:mod:`partita.generation.rules`): the meter, bars, instruments, tempo bin and
    chords asked for are kept. Off: the model samples freely up to the bars asked for."""
    in_key: bool = False
    """Every pitch in the requested key's scale (a hard rule)."""
    chord_tones_only: bool = False
    """With chords: every pitch of a bar a tone of its chord, not only those on the beats."""
    cadence: bool = False
    """With a key: the first and last bar play only tones of the tonic triad. Off: it made the first and last
    bars arpeggios of the triad and the pieces easier to tell from real ones (docs/GENERATION.md § Realism).
    """
    tonic_weight: float = 0.0
    """The pull of a requested key's tonic triad. It was 1.0, chosen for key adherence
    (``scripts/tune-key-gravity.py``); on the realism benchmark's development prompts the pull made melodies
    circle the tonic (repeated notes 0.30-0.41 of melodic intervals where real tunes have 0.12-0.25) and the
    pieces easier to tell from real ones in five of six styles, so it is off unless asked for."""
    tonic_on_downbeats: bool = False
    """With ``tonic_weight``: the pull only on notes starting a bar."""
    presence_weight: float | None = None
    """The pull back towards a requested instrument gone quiet; None: the requested style's in
    :attr:`style_presence_weights`, else :data:`PRESENCE_WEIGHT` (1.5, chosen on development prompts written
    apart from the benchmark's, ``scripts/check-presence.py``)."""
    style_presence_weights: dict[str, float] = field(default_factory=lambda: {"pop": 0.0, "renaissance": 0.0})
    """The presence pull per style where another weight made pieces harder to tell from real ones: pop 0
    (real POP909 excerpts sound 2.1 of their 3 tracks; pulled, partita's sounded all 3 at twice the density;
    two-sample accuracy constrained / selected 0.944 / 0.885 -> 0.818 / 0.868 on the development prompts,
    0.863 / 0.893 -> 0.826 / 0.789 held out); Renaissance 0 once its voices enter in turn (a voice that rests
    is not pulled back in: selected 0.752 -> 0.746 development, 0.844 -> 0.746 held out; docs/GENERATION.md
    § Realism)."""
    repeat_weight: float | None = None
    """The pull towards repeating an earlier bar (:mod:`partita.generation.rules.repeat`); 0: off; None: the
    requested style's weight in :attr:`style_repeat_weights` (off for styles not listed there)."""
    style_repeat_weights: dict[str, float] = field(default_factory=lambda: {"jig": 2.5, "chinese_folk": 1.5})
    """The repeat pull per style where it made pieces harder to tell from real ones on the realism
    benchmark on both halves of its prompts and in the piano rolls: jigs 2.5 (selected set, two-sample
    accuracy 0.86 -> 0.76 on the development prompts, 0.96 -> 0.83 held out); Chinese folk songs 1.5 with
    the loop penalty 1.0, once they were one line with a note on each beat (0.711 -> 0.574 development,
    0.711 -> 0.611 held out, 2026-12-06; alone, before those, a slow flute tune held one note for five bars).
    German folk songs, chorales and Renaissance pieces got easier to tell (docs/GENERATION.md § Realism)."""
    loop_penalty: float | None = None
    """The penalty on copying the bar just played (:mod:`partita.generation.rules.loops`); 0: off; None: the
    requested style's in :attr:`style_loop_penalties` (off for styles not listed there)."""
    style_loop_penalties: dict[str, float] = field(default_factory=lambda: {"jig": 1.0, "chinese_folk": 1.0})
    """The loop penalty per style where it made pieces harder to tell from real ones on the realism benchmark
    (development prompts, then held out): jigs 1.0 (partita-small's jigs looped a bar four or more times in
    19% of pieces; docs/GENERATION.md § Realism), Chinese folk songs 1.0 with their repeat pull. German folk
    songs got easier to tell with it; chorales did not move."""
    entries: list[float] | None = None
    """The bar each voice enters at, in the order the voices are listed (a choir's top down; pop's melody,
    bridge, piano), scaled so the last comes no later than the middle of the piece
    (:mod:`partita.generation.entries`); ``[]``: every voice from the first bar; None: the requested style's
    in :attr:`style_entries`, where the voices are the style's own (a choir of four for a motet, not a
    violin and a guitar)."""
    style_entries: dict[str, list[float]] = field(
        default_factory=lambda: {"renaissance": [0.0, 1.0, 2.0, 3.0]}
    )
    """The entries per style where they made pieces harder to tell from real ones on the realism benchmark:
    Renaissance voices one bar of 4/2 apart, top voice first (the median gap in the corpus's Palestrina;
    docs/GENERATION.md § Realism)."""
    pickups: bool = True
    """A new piece of a style listed in :attr:`style_pickups` opens with a pickup as often as real pieces of
    the style do (:mod:`partita.generation.rules.pickup`; the bars asked for follow it); off: every piece
    opens on the downbeat."""
    style_pickups: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "jig": {"1": 0.64},
            "chorale": {"1": 0.68},
            "german_folk": {"1": 0.44, "2": 0.05},
        }
    )
    """Per style, the share of real pieces opening with a pickup of each length in beats of the meter (``{"1":
    0.64}``: 64% open one beat before the first bar line), on the training split (``python
    scripts/pickup-stats.py``; chorales: music21's Bach, as notated, since JSB's copies are quantized from
    their first note and lost their upbeats). Chinese folk songs (1%), pop (none of whole beats) and
    Renaissance pieces (none) open on the downbeat."""
    style_tacet: dict[str, dict[str, float]] = field(default_factory=lambda: {"pop": {"0": 0.3}})
    """Per style, the share of real excerpts in which a voice of the style's own texture is silent throughout,
    drawn with the request's seed for a new piece whose voices the style implies (not a track count asked
    for): POP909's first voice, MELODY, is silent in 30% of the training split's 8- and 16-bar excerpts (36
    of 120: their intros, the tune in the BRIDGE over the PIANO). With it partita's pop was harder to tell
    from real pop on both halves of the realism prompts (selected 0.896 -> 0.788 development, 0.771 -> 0.736
    held out; docs/GENERATION.md § Realism); ``{}`` turns it off."""
    tacet_presence_weight: float | None = None
    """The presence pull in a piece with a tacet voice (:attr:`style_tacet`), for the voices left; None: the
    style's as for any piece."""
    style_ambitus: dict[str, int] = field(default_factory=dict)
    """Per style, the widest range (semitones) of a one-instrument piece's melody
    (:mod:`partita.generation.rules.ambitus`). Empty by default: held to the 90th percentile of their style's
    training pieces cut to 8 and 16 bars (German folk songs 14, Chinese 17, jigs 19), German songs and jigs
    were easier to tell from real ones on the development prompts, Chinese songs a little harder
    (docs/GENERATION.md § Realism)."""
    style_shortest: dict[str, float] = field(default_factory=lambda: {"renaissance": 1.0})
    """Per style, the shortest note in quarters, and the grid notes start on (a hard rule,
    :mod:`partita.generation.rules.shortest`); only where the sampled meter counts quarters. Renaissance 1.0:
    a motet's notes start on a quarter and last a quarter or more, as Renaissance motion in halves and
    quarters does (300 training pieces: 2.8% of notes eighths, none shorter, 2.5% of note starts off the
    quarter grid; partita-small's 3.8% and 4.4%, and the inter-onset intervals' entropy was the judge's
    first tell). Together with the style's own onsets (:attr:`style_texture`), all 32 prompts against 64
    held-out real pieces, selected 0.713 -> 0.694 (seed 1: 0.777 -> 0.687; docs/GENERATION.md § Realism,
    nineteenth session). Held to eighths (0.5), before the entries and the
    step pull, the motets were easier to tell (0.655 / 0.602 -> 0.774 / 0.707, sixth session). Pop held to
    eighths was far easier to tell at the issue's size (selected 0.733 -> 0.970, seed 1 0.849 -> 0.970:
    POP909's parts start notes on sixteenths)."""
    scale_weight: float | None = None
    """The pull into the style's own scale (:mod:`partita.generation.scales`: pentatonic for Chinese folk
    songs; only with a key), a logit penalty for pitches outside it; 0: off; None: the requested style's in
    :attr:`style_scale_weights`."""
    style_scale_weights: dict[str, float] = field(default_factory=dict)
    """The scale pull per style."""
    final_weight: float | None = None
    """The pull towards ending on the asked tonic (:mod:`partita.generation.rules.final`: in the last bar;
    only with a key); 0: off; None: the requested style's in :attr:`style_final_weights`."""
    style_final_weights: dict[str, float] = field(default_factory=dict)
    """The final pull per style."""
    step_weight: float | None = None
    """The pull towards melodic steps (:mod:`partita.generation.rules.steps`: a program's next note a step
    from its previous one, 1-2 semitones and, with a key, to a tone of its scale, gets this bonus, a leap over
    an octave this much less); 0: off; None: the requested style's in :attr:`style_step_weights`."""
    style_step_weights: dict[str, float] = field(default_factory=lambda: {"renaissance": 1.0})
    """The step pull per style where it made pieces harder to tell from real ones on the realism benchmark:
    Renaissance 1.0 (a motet's lines moving by step in the key's scale, as Palestrina's do; selected pieces
    0.705 -> 0.621 on the development prompts, 0.740 -> 0.630 held out; docs/GENERATION.md § Realism, twelfth
    session)."""
    mode_weight: float = 0.0
    """The pull towards a mode asked without a key (:mod:`partita.generation.rules.mode_pull`: after the first
    bar, pitches outside the asked mode's scale over the tonic the model chose lose this much); 0: off, the
    default (at 3.0 held-out images' minor asks were heard in minor no more often, and repeated notes rose:
    docs/PICTURES.md § The mode pull)."""
    infill: str = "auto"
    """How a gap between given bars is written (:mod:`partita.generation.infill`): ``"fim"``, conditioned
    on the bars after it (a model trained to fill in the middle); ``"fim+rescore"``, twice the candidates
    and the ones the bars after the gap fit best kept; ``"rescore"``, sampled from the bars before it and
    chosen by what follows (any model); ``"auto"``, ``"fim+rescore"`` where the model can (the best of the
    three on ``bench/bench_infill.py``), else ``"rescore"``."""
    experts: bool = True
    """A request whose style has a style expert beside the model (:mod:`partita.models.experts`) samples with
    it merged in; off: always the base model."""
    stand_ins: bool = True
    """An instrument the model barely knows for such a piece is sampled as one it knows and written back
    (:mod:`partita.generation.instruments`)."""
    voices_by_style: bool = True
    """With :attr:`stand_ins`: for several voices of one instrument (a motet's four, a chorale's), whether
    the model knows the instrument is read from the style and region alone
    (:func:`partita.generation.instruments.voices_prior`), not from the key and tempo asked for; off: from
    all of them, as for one instrument."""
    form: bool = False
    """Folk and dance tunes state a phrase and come back to it (:mod:`partita.generation.form`). Off: its
    exact returns at fixed places made pieces easier to tell from real ones."""
    hold_final: bool = False
    """A new piece's last notes (each track's last onset, in the last bar) are held to the end of that bar,
    as a final note or chord is written (:func:`partita.score.bars.hold_last_notes`)."""
    event_weight: float = 3.0
    """The pull towards a request's onsets (``Request.onsets``: a video's events), in logits: an onset there
    gains it, skipping one loses it (:mod:`partita.generation.rules.event_pull`); 0: off."""
    event_notes: int = 0
    """At each of a request's onsets, at least this many notes start together (held notes not counted;
    :mod:`partita.generation.rules.notes_per_onset`): an accompaniment's parts striking with its melody
    (:func:`partita.generation.accompany.parts_settings`); 0: off."""
    style_meters: dict[str, dict[str, float]] = field(default_factory=dict)
    """The meters a new piece of a style is written in where the request names none, each with its share
    (drawn with the seed; the rest of the time the model chooses), as real pieces of the style are."""
    style_single_line: list[str] = field(default_factory=lambda: ["chinese_folk", "german_folk"])
    """Styles whose new pieces for one instrument are one line whatever the instrument (a folk tune on a
    pipa): a note at a time, each ending where the next begins
    (:func:`partita.generation.notation.one_line`; real Chinese folk tunes sound 1.00 notes at each onset,
    partita's 1.02-1.03). German folk songs too (fourteenth session): real ones sound exactly one note at each
    onset, and the 3 of 32 melodies for piano that kept a chord were enough for the judge; all 32 prompts
    against 64 held-out real, selected 0.710 -> 0.637 (seed 1: 0.707 -> 0.616), constrained 0.656 -> 0.671
    (0.770 -> 0.768); 16 held-out prompts 0.594 -> 0.596 / 0.646 -> 0.618 (docs/GENERATION.md § Realism)."""
    style_sung_lines: dict[str, float] = field(default_factory=lambda: {"chorale": 4.0})
    """Styles whose new pieces' voices are sung lines, each with the longest rest (in quarters) closed by
    holding the note before it: every track that is one voice sings one note at a time, each held until its
    next (:func:`partita.generation.lines.sung_lines`; a real four-part chorale sounds 4.00 notes at each
    note start)."""
    style_closed_rests: dict[str, float] = field(default_factory=dict)
    """Styles whose new pieces' rests inside a part are closed up to this many quarters, the note before
    held to the next (:func:`partita.generation.lines.closed_rests`; chords and starts untouched). Empty by
    default: ``{"renaissance": 2.0}`` brought the motets' skyline nearer real ones offline, but on the
    realism benchmark the selected piece was easier to tell held out (0.740 -> 0.751; development 0.705 ->
    0.685; docs/GENERATION.md § Realism, eleventh session)."""
    style_closed_top_rests: dict[str, float] = field(default_factory=lambda: {"renaissance": 2.0})
    """Styles whose new pieces' highest part (by mean pitch) has its rests closed up to this many quarters,
    the note before held to the next (:func:`partita.generation.lines.closed_rests` with ``top_only``).
    Renaissance: 2 quarters, together with :attr:`style_voices`. The motets' top voice rested 0.16 times a
    bar (real 0.05), and each rest sent the skyline down to a lower voice and back. Alone, with every motet
    in four voices, the benchmark's halves disagreed (twelfth session); with the voices drawn as real motets
    have them, see :attr:`style_voices` (docs/GENERATION.md § Realism, thirteenth session)."""
    drop_strays: bool = False
    """Where a request names no instrument and no number of voices, a part of a new piece with fewer notes
    than its bars (and under a tenth of the piece's) is dropped
    (:func:`partita.generation.strays.drop_stray_tracks`). Voices whose number the style drew
    (:attr:`style_voices`) lose such a part whatever this says (``candidates.drops_strays``)."""
    style_filled_beats: list[str] = field(default_factory=lambda: ["chinese_folk"])
    """Styles whose new pieces sound a note as each beat begins, once the first has sounded (a rest stays
    inside a beat: :mod:`partita.generation.rules.filled_beats`). Pop had it from the eighth session to the
    twenty-fourth; it lets pop's accompaniment hold its notes (:attr:`style_held_parts`) only without it,
    and alone its leaving changed nothing the judge reads (selected 0.743 -> 0.736 over 12 draws, lower on 6;
    docs/GENERATION.md § Realism, twenty-fifth session)."""
    style_sounding_floor: dict[str, float] = field(default_factory=dict)
    """The fewest notes sounding at once in a new piece of a style for several voices where the request sets
    no polyphony (a fractional floor bounds the mean; never more than the voices:
    :mod:`partita.generation.rules.sounding_floor`)."""
    style_paced_onset: dict[str, int] = field(default_factory=lambda: {"pop": 1})
    """Per style, the most notes starting together in a bar that has drawn more than its share of the token
    budget left (:mod:`partita.generation.rules.budget_pace`): a dense style's budget spent over all its
    bars, not on the first ones; a style not listed: no pace. Pop 1: its last bars had thinned to 9.5 notes
    (the body 24.8) and its melody stopped 3.7 bars before the end; paced, all 32 prompts against 64 held-out
    real pieces, selected 0.784 -> 0.733 (seed 1: 0.756 -> 0.849), constrained 0.807 -> 0.778 (seed 1: 0.782
    -> 0.734), the 16 held-out prompts 0.635 -> 0.596 (docs/GENERATION.md § Realism, fourteenth session)."""
    style_held_parts: dict[str, float] = field(default_factory=lambda: {"pop": 0.1})
    """Per style, the pull towards longer notes in the parts that accompany a melody (every voice of a
    style's own texture after its first: pop's BRIDGE and PIANO;
    :mod:`partita.generation.rules.duration_pull`, each note value ``beats ** weight`` times as likely as the
    model has it); a style not listed: none. ``{"pop": 0.25}`` brought pop's notes a bar and notes sounding
    at each onset to real ones' but overshot the note length (1.0-1.1 quarters against 0.9); no win on both
    seeds (nineteenth session). Pop 0.1, without :attr:`style_filled_beats`: all 32 prompts against 64
    held-out real pieces, seeds 0-2 and 7, three judge draws each, selected 0.743 -> 0.723 (lower on 9 of
    12), first candidates 0.758 -> 0.713 (lower on 10 of 12), Fréchet 11.96 -> 11.99 (docs/GENERATION.md §
    Realism, twenty-fifth session)."""
    style_voice_ranges: dict[str, list[list[int]]] = field(
        default_factory=lambda: {"pop": [[56, 84], [53, 89], [37, 72]]}
    )
    """Per style, the (lowest, highest) MIDI pitch each of its own voices may start, in the order the voices
    are listed (pop: melody, bridge, piano; ``[0, 0]``: any), for a new piece whose voices its style implies
    (:mod:`partita.generation.rules.voice_lines`, ``Registers``); a voice left out by ``style_tacet`` takes
    its range with it. Pop: POP909's MELODY, BRIDGE and PIANO notes from their 1st to their 98th percentile
    (training split). partita's top voice sat 4 semitones above POP909's melodies and its pieces spanned 47
    semitones against real openings' 42; in their registers, selected pop at the issue's size read 0.776 ->
    0.743 (12 draws over seeds 0-2 and 7, lower on 11), Fréchet 12.3 -> 12.0 (docs/GENERATION.md § Realism,
    twenty-fourth session). ``{}``: any register."""
    style_voice_order: list[str] = field(default_factory=list)
    """Styles whose voices of one choir keep their order, none crossing another
    (:mod:`partita.generation.rules.voice_order`)."""
    style_steady_tempo: list[str] = field(
        default_factory=lambda: ["chorale", "chinese_folk", "german_folk", "renaissance", "pop"]
    )
    """Styles whose new pieces keep one tempo: the tempo changes the model sampled are dropped and the asked
    tempo (else the first sampled) held throughout. Their real pieces have one tempo or none (training split,
    ``partita.corpus``: none of 200 Chinese or German folk songs or 60 Renaissance pieces changes tempo, 2 of
    200 chorales), while 47% of partita-small's motets changed tempo, about five times a piece, each a
    marking in the engraved score. The realism features count beats, not seconds: the benchmark does not see
    it. Pop since the twenty-fifth session: 128 of 300 POP909 training songs change tempo (0.14 changes a bar,
    their tempo maps follow the recordings), partita's pop candidates as often (0.11-0.15 a bar), but one
    sample's score carried five tempo markings in two bars; held, the same 32 prompts (seed 0) chose the same
    candidates and read the same to the judge (docs/GENERATION.md § Realism)."""
    style_texture: dict[str, dict[str, float]] = field(
        default_factory=lambda: {"renaissance": {"rhythm": 0.5}}
    )
    """Per style, the texture a new piece is asked for where its request sets none: measure ("density",
    "rhythm", "polyphony") -> a fader read within the style (:mod:`partita.generation.texture`; 0.5: the
    median of its training pieces). Renaissance: the rhythm of its training motets (0.61 onsets a quarter:
    at most 3 note starts a sampled bar of 4/4), together with the quarter grid (:attr:`style_shortest`).
    Alone, with eighth notes, it had made the motets easier to tell (0.705 -> 0.744, eleventh session;
    0.679 -> 0.724 in the fifteenth's lab); on the quarter grid, all 32 prompts against 64 held-out real
    pieces, selected 0.713 -> 0.694 (seed 1: 0.777 -> 0.687), the grid alone 0.696 (0.767)
    (docs/GENERATION.md § Realism, nineteenth session)."""
    style_voices: dict[str, dict[str, float]] = field(
        default_factory=lambda: {"renaissance": {"4": 0.4, "5": 0.42, "6": 0.18}}
    )
    """Per style, the shares of the number of voices a new piece is written in where the style implies its
    voices (a motet "for choir"), not a number the prompt asked for (:meth:`voices_for`, drawn with the
    seed); a drawn voice that then sings under a note a bar is dropped (``candidates.drops_strays``).
    Renaissance: the corpus's training motets and madrigals of four to six voices (402, 417 and 183 pieces).
    With every motet in four voices the number of parts told them from real ones at the issue's size (4.00
    against 4.83 in the 64 held-out excerpts). With :attr:`style_closed_top_rests`, all 32 prompts against
    64 held-out real pieces, same run, selected four voices -> drawn: 0.798 -> 0.713 (seed 0), 0.826 ->
    0.756 (seed 1); the 16 held-out prompts alone against 32 real measured the other way (0.630 -> 0.760),
    the 16 development prompts 0.621 -> 0.582 (docs/GENERATION.md § Realism, thirteenth session)."""
    style_restatements: dict[str, float] = field(default_factory=lambda: {"chorale": 0.5})
    """The share of new pieces of a style whose first phrase comes back at once (a chorale's Stollen:
    :func:`partita.generation.form.stollen_plan`), drawn with the seed; a style not listed: none. Chorales
    0.5 (real ones: 0.29 of 120 training chorales restate their opening phrase, 0.49 repeat a bar), together
    with their sung lines (docs/GENERATION.md § Realism, tenth session)."""
    tokens_per_bar: int = 64
    """The token budget per requested bar (REMI+ with BPE uses far fewer on average)."""
    extra_tokens: int = 64
    """Tokens added to the budget of a whole piece."""
    selector_weights: dict[str, float] = field(
        default_factory=lambda: {"adherence": 0.5, "style": 0.3, "quality": 0.2}
    )
    """The Selector's weights for its scores (:mod:`partita.evaluation.selector`)."""
    style_selector_weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "chinese_folk": {"adherence": 1.0},
            "pop": {"adherence": 3.5, "style": 0.3, "quality": 0.2, "realism": 1.0},
        }
    )
    """The Selector's weights for the requests of a style, in place of :attr:`selector_weights` (Chinese
    folk songs: adherence alone, where the classifier's picks were easier to tell from real tunes; pop: the
    realism critic's score, :mod:`partita.evaluation.realism_critic`, beside adherence weighed seven times
    as much as in the shared weights, which keeps the asked key, choosing among twice the candidates, see
    :attr:`style_candidate_pool`; docs/GENERATION.md § Selector)."""
    style_candidate_pool: dict[str, int] = field(default_factory=lambda: {"pop": 2})
    """Per style, how many times the candidates asked for are sampled where a Selector ranks the style by its
    realism critic (:meth:`partita.evaluation.selector.Selector.ranks_realism`); the Selector's best are kept
    (:meth:`partita.Generator.generate`). Pop 2: its realism critic chose pop
    candidates harder to tell from real ones among eight (seeds sampled after the choice, the benchmark's
    judge 0.778 -> 0.714, Fréchet 12.7 -> 10.7) and not among four (0.778 -> 0.831); pop takes twice the time
    (docs/GENERATION.md § Selector)."""
    selector_windows: int = 8
    """Windows of a long piece the Selector's classifier reads before averaging."""

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.tokens_per_bar < 1 or self.extra_tokens < 0:
            raise ValueError("tokens_per_bar must be at least 1 and extra_tokens at least 0")
        if self.infill not in INFILL_MODES:
            raise ValueError(f"infill must be one of {', '.join(INFILL_MODES)}, got {self.infill!r}")
        for name, weights in [("selector_weights", self.selector_weights)] + [
            (f"style_selector_weights[{style!r}]", w) for style, w in self.style_selector_weights.items()
        ]:
            unknown = sorted(set(weights) - set(SELECTOR_SCORES))
            if unknown:
                raise ValueError(f"{name}: unknown scores {unknown}; the scores are {SELECTOR_SCORES}")
        bad = {k: v for k, v in self.style_candidate_pool.items() if not (isinstance(v, int) and 1 <= v <= 4)}
        if bad:
            raise ValueError(f"style_candidate_pool: each a whole number from 1 to 4, got {bad}")

    def candidate_pool_for(self, style: str | None) -> int:
        """How many times the candidates asked for a request of ``style`` are sampled (1: as asked)."""
        return int(self.style_candidate_pool.get(style or "", 1))

    def repeat_weight_for(self, style: str | None) -> float:
        """The repeat pull for a request of ``style``: :attr:`repeat_weight` if set, else the style's."""
        if self.repeat_weight is not None:
            return float(self.repeat_weight)
        return float(self.style_repeat_weights.get(style or "", 0.0))

    def presence_weight_for(self, style: str | None) -> float:
        """The presence pull for a request of ``style``: :attr:`presence_weight` if set, else the style's,
        else :data:`PRESENCE_WEIGHT`."""
        if self.presence_weight is not None:
            return float(self.presence_weight)
        return float(self.style_presence_weights.get(style or "", PRESENCE_WEIGHT))

    def loop_penalty_for(self, style: str | None) -> float:
        """The loop penalty for a request of ``style``: :attr:`loop_penalty` if set, else the style's."""
        if self.loop_penalty is not None:
            return float(self.loop_penalty)
        return float(self.style_loop_penalties.get(style or "", 0.0))

    def final_weight_for(self, style: str | None) -> float:
        """The final pull for a request of ``style``: :attr:`final_weight` if set, else the style's."""
        if self.final_weight is not None:
            return float(self.final_weight)
        return float(self.style_final_weights.get(style or "", 0.0))

    def step_weight_for(self, style: str | None) -> float:
        """The step pull for a request of ``style``: :attr:`step_weight` if set, else the style's."""
        if self.step_weight is not None:
            return float(self.step_weight)
        return float(self.style_step_weights.get(style or "", 0.0))

    def scale_weight_for(self, style: str | None) -> float:
        """The scale pull for a request of ``style``: :attr:`scale_weight` if set, else the style's."""
        if self.scale_weight is not None:
            return float(self.scale_weight)
        return float(self.style_scale_weights.get(style or "", 0.0))

    def entries_for(self, style: str | None, own_voices: bool = True) -> list[float]:
        """The entries for a request of ``style``: :attr:`entries` if set, else the style's where the voices
        are its own (``own_voices``), else none."""
        if self.entries is not None:
            return [float(e) for e in self.entries]
        return [float(e) for e in self.style_entries.get(style or "", [])] if own_voices else []

    def tacet_voices(self, style: str | None, voices: int, seed: int) -> set[int]:
        """The voices (by position, of ``voices``) silent throughout a new piece of ``style``, each drawn with
        ``seed`` from the style's shares in :attr:`style_tacet`; never all of them."""
        shares = self.style_tacet.get(style or "", {})
        rng = np.random.default_rng([seed, 7])  # a stream of its own: the pickup draw keeps its value
        out = {
            int(k) for k, share in sorted(shares.items()) if rng.random() < float(share) and int(k) < voices
        }
        return out if len(out) < voices else set()

    def voices_for(self, style: str | None, implied: int, seed: int) -> int:
        """The number of voices of a new piece of ``style`` whose style implies ``implied``, drawn with
        ``seed`` from :attr:`style_voices` (``implied`` for a style not listed)."""
        draw, at = float(np.random.default_rng([seed, 17]).random()), 0.0
        for voices, share in sorted(
            self.style_voices.get(style or "", {}).items(), key=lambda kv: int(kv[0])
        ):
            at += float(share)
            if draw < at:
                return int(voices)
        return int(implied)

    def restates(self, style: str | None, seed: int) -> bool:
        """Whether a new piece of ``style`` drawn with ``seed`` plays its first phrase twice
        (:attr:`style_restatements`)."""
        share = float(self.style_restatements.get(style or "", 0.0))
        return share > 0 and float(np.random.default_rng([seed, 11]).random()) < share

    def meter_for(self, style: str | None, seed: int) -> str | None:
        """The meter drawn with ``seed`` for a new piece of ``style`` that names none (:attr:`style_meters`),
        or None: the model's choice."""
        draw, at = float(np.random.default_rng([seed, 13]).random()), 0.0
        for meter, share in sorted(self.style_meters.get(style or "", {}).items()):
            at += float(share)
            if draw < at:
                return meter
        return None

    def pickup_beats(self, style: str | None, beats_in_bar: int, seed: int) -> int:
        """The pickup a new piece of ``style`` opens with, in beats (0: none), drawn with ``seed`` from the
        style's shares in :attr:`style_pickups`; never over half a bar (it would be engraved as a bar)."""
        shares = self.style_pickups.get(style or "", {}) if self.pickups else {}
        fits = {int(k): float(v) for k, v in shares.items() if int(k) > 0 and 2 * int(k) <= beats_in_bar}
        draw, at = float(np.random.default_rng(seed).random()), 0.0
        for beats, share in sorted(fits.items()):
            at += share
            if draw < at:
                return beats
        return 0

    def update(self, **overrides: Any) -> GenerationConfig:
        """A copy with ``overrides`` (None values ignored); an unknown name is an error naming the fields."""
        given = {k: v for k, v in overrides.items() if v is not None}
        names = {f.name for f in fields(self)}
        unknown = sorted(set(given) - names)
        if unknown:
            raise ValueError(
                f"unknown generation setting(s) {', '.join(unknown)}; "
                f"the settings are {', '.join(sorted(names))}"
            )
        return replace(self, **given)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationConfig:
        """A config from saved JSON: fields this version does not know are an error (a newer file)."""
        return cls().update(**data)

    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        """Write ``generation_config.json`` into ``directory`` (atomically)."""
        path = Path(directory) / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike | None) -> GenerationConfig:
        """The config saved in ``directory``; the defaults when there is none (or no directory)."""
        path = Path(directory) / CONFIG_FILE if directory is not None else None
        if path is None or not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{path}: not a readable generation config ({e})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a generation config is a JSON object")
        return cls.from_dict(data)
