"""Accompaniment: a melody kept as written, and the parts a prompt asks for added under it.

``partita accompany melody.mid "bossa nova for guitar, bass and drums"``
(:meth:`partita.Generator.accompany`):

1. the melody is read for what it is (:func:`partita.tokens.dataset.piece_conditions`: its key by partita's
   analysis, its meter and tempo); the prompt may say otherwise, and names the instruments to add (piano when
   it names none);
2. its harmony is chosen one chord a bar (:func:`partita.analysis.harmonize.harmonize_melody`: the key's own
   chords, strong-beat notes as chord tones, a cadence at the end), unless chords are given; a chorale's
   soprano (:data:`BEAT_HARMONY`) a chord a beat, as Bach harmonised his (:func:`beat_harmony`,
   :mod:`partita.analysis.chorale_harmony`), the voices asked each beat's chord instead of the bar's;
3. the model samples the asked-for parts over those chords under the chord rules
   (:mod:`partita.generation.rules.chords`), as many bars as the melody has, with the texture of the voices
   under a melody (:func:`parts_texture`) unless the words set one;
4. each candidate is the melody as written with the sampled parts under it (:func:`with_melody`; a part the
   model wrote above the melody is moved down by octaves, :func:`under_melody`; a chorale's bass fills its
   thirds with passing eighths, :data:`BASS_PASSING`), ranked by
   how well the parts agree with the melody (:mod:`partita.evaluation.accompaniment`) and by the Selector.

The model does not hear the melody itself while it samples (the chords carry it): a model trained to fill
tracks given others (the Anticipatory Music Transformer's objective) would; partita's is not yet.
:func:`block_chords` is the rule baseline the benchmark measures against: the same chords as sustained triads
over a bass on the root.

A melody in a meter the model's vocabulary lacks keeps its bars: the plan samples the parts in bars of a meter
it has that fill one of the melody's (4/2 as two bars of 4/4, 3/2 as a bar and a half of 4/4) and bars them
back, and :func:`with_melody` puts them on the melody's own bar lines. The chords, one a bar of the melody,
are held for as many of the sampled bars by the plan (:func:`partita.generation.planning.plan_request`, as for
any new piece in such a meter): counted one a bar of 4/4, the second half of each bar of 4/2 was sampled over
the next bar's chord.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from symusic import Note, Track

from partita.analysis.chorale_harmony import harmonize_chorale
from partita.analysis.harmonize import harmonize_melody
from partita.analysis.timeline import note_arrays
from partita.generation.harmony import (
    bass_pitch_class,
    chord_pitch_classes,
    root_pitch_class,
    scale_pitch_classes,
)
from partita.generation.passing import Passing, passing_eighths
from partita.generation.request import Request
from partita.generation.rules.constraints import Voicing
from partita.score import Score
from partita.score.bars import bar_lines, notated_bars, pickup_ticks
from partita.score.errors import ScoreError
from partita.score.general_midi import gm_program_names
from partita.tokens.conditions import Conditions
from partita.tokens.dataset import piece_conditions

MAX_MELODY_BARS = 128
"""The most bars partita accompanies at once (one request)."""
DEFAULT_ACCOMPANIMENT = [0]
"""What a prompt that names no instrument gets: a piano part."""
ACCOMPANIMENT_FADERS = {"density": 0.7, "polyphony": 0.7}
"""The texture faders of the parts where the prompt sets none and :data:`PARTS_VOICES` is None: a part that
fills the bar under the melody (sampled like a piece of its own, the parts came out as sparse as a tune: 3-6
notes a bar on development melodies). With :data:`ACCOMPANIMENT_SETTINGS` measured against neither in
``bench/bench_accompany.py``."""
HALF_NOTE_FADERS = {"density": 0.15, "polyphony": 0.7}
"""The texture faders under a melody in 4/2 or 3/2 (:data:`HALF_NOTE_METERS`), where the prompt sets none:
the faders count notes a quarter note, and a melody in half-note beats moves half as fast. Such a melody's
parts are sampled in 4/4 (3/2 as a bar and a half of it, as the model read it in training), whose bar holds
two of its half-note beats; the faders must ask no more notes a bar than those beats hold at the notes an
onset they ask. Density 0.15 asks 0.75-1.25 notes a quarter (3-5 a bar of 4/4; the real lower voices under
held-out Palestrina top voices have about 1), polyphony 0.7 3-5 notes an onset: a bar's notes fit on its
two beats. At 0.35 and 0.5 (1.25-2 notes a quarter, exactly 2 an onset) every bar of 4/4 needed a third
onset, between its beats: in 3/2 0.41 of the parts' onsets fell on the half-note beats, 0.37 on an odd
quarter; now 0.84 and 0.15 (real lower voices 0.91 and 0.09), in 4/2 0.47 -> 0.81 (``python
scripts/meter-beats.py --meters 3/2 --tasks accompany``, docs/GENERATION.md). A continuation had no such
gap: it keeps its piece's own measured texture."""
HALF_NOTE_METERS = frozenset({"4/2", "3/2"})
"""Meters in half-note beats the vocabulary lacks (Palestrina's breves), whose melodies get
:data:`HALF_NOTE_FADERS`."""
PARTS_VOICES: int | None = 3
"""The voices the parts are counted as under a melody in quarter-note beats, where the words and options set
no texture (:func:`parts_texture`; None: :data:`ACCOMPANIMENT_FADERS`). The melody is one voice of the
texture, the parts the others: the faders asked a whole piece's texture of them (polyphony 4.25: 3-5 notes an
onset, four or more sounding; 5.5 notes a quarter), and under held-out chorale sopranos they sounded 5.0 notes
at once (real alto, tenor and bass 2.6), 29% of their onsets four notes or more (real 0), 19 notes a bar (real
12.5); now 3.4, 0% and 11.8 (``python scripts/meter-beats.py --style chorale --tasks accompany --arms previous
current``, docs/COCREATION.md)."""
PARTS_DENSITY = (0.5, 6.0)
"""The range of the parts' notes a quarter :func:`parts_texture` asks (the melody's times the voices)."""
PARTS_DENSITY_SCALE: float = 0.8
"""The parts' notes a quarter asked over the melody's times the voices (:func:`accompaniment_request`). The
density is asked as a bin whose lower edge the plan makes the fewest notes a bar
(:func:`partita.generation.planning.notes_per_bar_bounds`), and three voices moving as a melody in quarters
sit on the edge 3.0 (12-18 notes a bar of 4/4). The model held its notes longer and met the floor by
cramming short notes into the bar's last beat, held over the bar line: 13% of the parts' notes started on the
bar's last sixteenth, 19% crossed a bar line, the downbeats stayed weak. At 0.8 (8-12 a bar) under held-out
chorale sopranos in 4/4 the parts put 0.33 -> 0.69 of their onsets on the beats (real 0.79), struck 0.28 ->
0.78 of the downbeats (0.83), sounded 4.2 -> 2.6 notes at once; 3/4 0.70 -> 0.91 on the beats (0.82), all
downbeats struck (0.83); they write fewer notes a bar than real voices (``python scripts/meter-beats.py
--style chorale --meters 4/4 3/4 --tasks accompany --pieces 3 --skip 3 --arms dense current``,
docs/COCREATION.md)."""
PARTS_RHYTHM: float | None = 1.0
"""The parts' onsets a quarter over the melody's (:func:`parts_texture`; None: the rhythm left open)."""
ACCOMPANIMENT_SETTINGS = {"chord_tones_only": True}
"""Generation settings of the parts unless the caller overrides them: notes of the bar's chord only (no
passing tones between the beats), as an accompaniment under a melody plays."""
PARTS_SHORTEST: dict[str, float] = {"pop": 0.5}
"""Per style, the shortest note of the parts under a melody in quarter-note beats, in quarters, and the
grid their notes start on (:func:`parts_settings`: the plan's ``shortest``,
:mod:`partita.generation.rules.shortest`); a style not listed: no bound. Pop parts under POP909 melodies held
their notes 0.40 quarters (the songs' own parts 0.93) and wrote 20.3 notes a bar (13.7): the model's
sixteenth runs; with eighths 0.96 and 15.6 (three development songs). On ten held-out songs (``python
bench/bench_accompany.py --n 10 --folk 0 --threads 1``, ``--accompany 'PARTS_SHORTEST={}'`` before) note
length 0.51 -> 0.87 (0.92), notes a bar 17.1 -> 14.9 (13.0), onset F 0.28 -> 0.43 (0.34), consonance 0.58 ->
0.63 (0.57), chord tones 0.69 -> 0.66 (0.67). Chorale parts "for choir" were
not helped (docs/COCREATION.md, fifteenth session)."""


CHOIR_PROGRAMS = frozenset({52, 53, 54})
"""General MIDI's voices (choir aahs, voice oohs, synth voice): parts asked of these alone, with no style
named, are a chorale's for :data:`PARTS_TOGETHER`."""
CHOIR_STYLE: str | None = None
"""The style the model is told where the parts are asked of voices alone (:data:`CHOIR_PROGRAMS`, "for
choir") and no style is named (None: none, the model samples any style's choir). Such parts are voiced,
harmonised and struck as a chorale's already (:data:`PARTS_TOGETHER`, :data:`BEAT_HARMONY`,
:data:`PARTS_VOICING`); this tells the model too (an arm of ``bench/bench_accompany.py``,
docs/COCREATION.md)."""
PARTS_TOGETHER: dict[str, int] = {"chorale": 3}
"""Per style, how many notes the parts start together at each of the melody's onsets
(:func:`parts_together`: parts "for choir" with no style named count as a chorale's): the melody's onsets
become the request's (:func:`strike_with_melody`), the sampler writes an onset at each and keeps the bar's
notes for them (:mod:`partita.generation.rules.notes_per_onset`, ``event_notes``; pulled there too,
:mod:`partita.generation.rules.event_pull`), and starts that many notes there, held notes not counted; a style
not listed: the parts' onsets are their own. Under a melody in a meter of quarter-note beats only. Chorale
parts under a soprano wrote 1.8 notes an onset against the real alto, tenor and bass's 2.3, one voice moving
where the others held. Under 20 held-out chorale sopranos (``python bench/bench_accompany.py --n 0 --folk 0
--chorales 20 --threads 1 --arm 'PARTS_TOGETHER={}'``; docs/COCREATION.md), with
:data:`TOGETHER_DENSITY_SCALE`: notes an onset 1.79 -> 1.97 (2.30), notes a bar 9.5 -> 10.8 (13.0), on the
beats 0.72 -> 0.76 (0.76), melody onsets struck 0.80 -> 0.995 (0.95), struck downbeats 0.94 -> 1.00 (1.00),
chord tones 0.645 -> 0.646, beat consonance 0.596 -> 0.573 (block chords 0.599), realism 1.00 both."""
TOGETHER_DENSITY_SCALE: float = 0.9
""":data:`PARTS_DENSITY_SCALE` where the parts strike with the melody (:func:`parts_together`): the notes
kept for the melody's onsets no longer end up crammed before the bar line, so the parts may ask more (4/4
chorales: 9-13 notes a bar, the real voices 12.5). On development chorales with the strike, 0.8 -> 0.9: notes
a bar 9.8 -> 10.4, on the beats 0.86 -> 0.77 (real 0.80), struck downbeats 1.00 both; 1.0 (12-18 a bar): 11.9,
0.64, 1.00."""

PARTS_VOICING: dict[str, dict] = {
    "chorale": {
        "above": 1, "under": 1, "repeats": 1, "held": 1, "leaps": [9, 9, 12], "repeat_pull": 2.0,
        "spacing": 12, "parallels": 6.0, "ranges": [[0, 0], [0, 0], [40, 62]], "holds": 1, "sustain": 1,
        "spans": [0, 0, 14], "dotted": 1, "sung": 4.0,
    }
}  # fmt: skip
"""Per style of :data:`PARTS_TOGETHER`, how the parts that strike with the melody are voiced
(:func:`strike_with_melody`; the style not listed: as any new piece's voices): ``above`` of the style's
voices are the melody's, so the parts are sampled as its lower voices (a chorale's alto, tenor and bass, not
its soprano, alto and tenor, of which the first was sung in the soprano's register and moved down an octave
under the others); ``under``: the voices keep their order and keep under the melody, clashing with none of
its notes where they start (:mod:`partita.generation.rules.voice_order`, ``Voicing.above``); ``repeats``: no
voice starts its last pitch again more than this many times running (0: no bound). Bach's inner voices start
their last pitch again at 20% of their notes, a fourth time running at 2% (training chorales). Under 20
held-out chorale sopranos (``python bench/bench_accompany.py --n 0 --folk 0 --chorales 20 --threads 1 --arm
'PARTS_VOICING={}'``; docs/COCREATION.md), before -> after (real alto, tenor and bass): inner repeats 0.51 ->
0.40 (0.23), a fourth time running 0.14 -> 0.04 (0.02), time above the soprano 0.055 -> 0.011 (0), crossed
voices 0.003 (0.005), beat consonance 0.573 -> 0.871 (0.802), notes a bar 10.8 -> 12.6 (13.0), realism 1.00
both (Fréchet 28.6 -> 20.9), with ``repeats`` 2; ``repeats`` 1 (chosen on the six development chorales, then
the same bench with ``--arm`` of it): inner repeats 0.40 -> 0.35, a fourth time 0.044 -> 0.019, notes a bar
12.6 -> 12.9, consonance 0.871 -> 0.901, chord tones 0.660 -> 0.648 (0.633), Fréchet 20.9 -> 21.6.

The voices as sung lines (docs/COCREATION.md, eighteenth session): ``held``, no voice holds a note while a
lower melody note starts, and each starts one note at a time (``Voicing.held``); ``leaps``, the largest
move of each voice from its last pitch, top down, in semitones (:mod:`partita.generation.rules.leaps`; Bach's
bass leaps more than an octave at 0.16% of its moves, his alto and tenor more than a major sixth at 0.2-0.3%);
``repeat_pull``, the logits a voice loses for starting its last pitch again (chosen on the development
sopranos: inner repeats 0.36 -> 0.25, their real voices 0.28). Under 20 held-out chorale sopranos, against the
keys before (``python bench/bench_accompany.py --n 0 --folk 0 --chorales 20 --threads 1 --arm
'PARTS_VOICING={"chorale": {"above": 1, "under": 1, "repeats": 1}}' 'PICKUP_SAMPLED=false'``, with
:data:`PICKUP_SAMPLED`): time above the soprano 0.0088 -> 0.0022 (real 0), crossings 0.0045 -> 0.0015
(0.0045), the bass's leaps over an octave 0.021 -> 0.013 (0), inner leaps over a sixth 0.038 -> 0.014 (0),
inner repeats 0.333 -> 0.297 (0.229), chord tones 0.648 -> 0.674 (0.633), consonance 0.895 -> 0.919 (0.802),
onset F 0.866 -> 0.876 (0.778), realism 1.00 both, Fréchet 22.2 -> 20.5. ``spacing``: no upper voice more than
this many semitones under the one above it (``Voicing.spacing``; Bach's soprano-alto and alto-tenor keep
within an octave): the same bench, ``--arm`` without it, upper spacing over an octave 0.115 -> 0.004 (0.012),
time above the soprano 0.0022 -> 0.0114, bass leaps over an octave 0.013 -> 0.023, realism 1.00 -> 0.975.
``parallels``: the logits a voice's note on a beat loses for moving in parallel perfect fifths, octaves or
unisons with another voice, the soprano included (``Voicing.parallels``; 6, tried on the development sopranos
only). The same bench, ``--arm`` without it (docs/COCREATION.md): parallel fifths and octaves 0.104 -> 0.004
(Bach 0.006), chord tones 0.840 -> 0.788 (0.633), consonance 0.997 -> 0.992 (0.802), inner leaps over a sixth
0.005 -> 0.009 (0), bass leaps over an octave 0.029 -> 0.025 (0), realism 1.00 -> 0.975, Fréchet 18.4
-> 18.2.

``ranges``: each voice's lowest and highest pitch, top down ((0, 0): any; ``Voicing.ranges``,
:mod:`partita.generation.rules.voice_lines`): the bass E2-D4, where 99.3% of Bach's bass notes lie (training
chorales, first 8 bars). ``holds``: a voice's note struck under one of the soprano's phrase ends
(:func:`phrase_spans`) ends with it, and the chord there is held through it (:func:`held_chords`;
``Voicing.holds``). Bach's bass spans 15.5 semitones a piece (G#2-A#3 on average), and his voices hold the
fermata's chord (silent 0.6% of the time under phrase ends). On the development sopranos the bass spanned
38.8-62.0 -> 42.3-58.3 and the parts were silent under phrase ends 0.148 -> 0. Under 20 held-out sopranos
(``python bench/bench_accompany.py --n 0 --folk 0 --chorales 20 --threads 1 --arm 'PARTS_VOICING={"chorale":
{"above": 1, "under": 1, "repeats": 1, "held": 1, "leaps": [9, 9, 12], "repeat_pull": 2.0, "spacing": 12,
"parallels": 6.0}}'``; docs/COCREATION.md), without -> with (Bach's alto, tenor and bass): the bass's track
40.4-59.3 -> 42.0-59.3 a piece (43.7-58.3), its span 18.9 -> 17.3 (14.6); silent under phrase ends 0.180
-> 0.034 (0), phrase ends held throughout 0.46 -> 0.89 (1.00); bass leaps over an octave 0.025 -> 0.018 (0:
the bass's own line leaps none in either, the rest is a part falling silent), onset F 0.883 -> 0.916, notes
a bar 12.3 -> 11.5 (13.0), realism 0.975 both, Fréchet 18.2 -> 15.4.

``sustain``: a voice's note does not end inside the bar off the soprano's onsets while the bar has no note
to spare for the note after it (``Voicing.sustain``, :mod:`partita.generation.rules.voice_lines`): the parts
rested there because the model ended a voice's note on an eighth and the bar's budget, kept for the
soprano's onsets, then refused the next. Under 6 held-out sopranos (``python bench/bench_accompany.py --n 0
--folk 0 --chorales 6 --threads 1 --arm`` the keys before; docs/COCREATION.md), without -> with (Bach's):
silent under the soprano 0.061 -> 0.009 (0), under its phrase ends 0.058 -> 0.012 (0), notes a bar 11.6 ->
12.1 (12.8), parallels 0.006 -> 0 (0.010), realism 0.90 -> 1.00, Fréchet 32.0 -> 28.9.

``spans``: the widest span each voice's pitches may cover over the piece, top down (``Voicing.spans``,
:mod:`partita.generation.rules.voice_span`): the bass kept within 14 semitones of where it has been. Each of
its notes was in its register and within an octave of the last, but the line opened high (a pickup on D4)
and sank, or climbed into the tenor's register in the last bars: 16.9 semitones a piece against Bach's 14.3
under ten sopranos (his 15.5 under 249 training chorales, median 15). Chosen on the development sopranos:
the bench's bass range 18.0 -> 15.25 (their real bass 15.0). ``dotted``: the parts are not asked to strike
with the short note of the melody's dotted figures (:func:`dotted_onsets`; left out of ``request.onsets``):
Bach's alto, tenor and bass start 0.93 notes there (none under 38% of them, all three under 8%), where
three were asked (docs/COCREATION.md). ``sung``: each part is sung as one line, a note held until the voice's
next and a rest of up to this many quarters closed by the note before
(:func:`partita.generation.lines.sung_lines`, as new chorales' voices: ``style_sung_lines``). The model
starts a voice's next note while its last still sounds: 7-12% of each part's notes under 20 held-out
sopranos (a quarter or a half held under the next note an eighth later; Bach's 0), so a voice sang two notes
at once, a second apart at times, and a bass "sixteenth" was the tail of such an overlap. Those sopranos'
chosen candidates written so (docs/COCREATION.md): realism 0.975 -> 0.838 (real 0.675), silent under the
soprano 0.018 -> 0.002 (0.0006), chord tones 0.785 -> 0.768 (0.633), phrase ends held 0.946 -> 0.929 (1).
The sampler's own run under the 20 held-out sopranos of the rebuilt corpus
(``accompany-chorales-sung-sampled-20``): realism 0.850 (real 0.637), phrase ends held 0.975, no voice's
notes overlapping."""
VOICES_GAP: float = 2.0
"""The gap :func:`under_melody` keeps under a melody when the parts were sampled under it in order
(:data:`PARTS_VOICING`'s ``under``): a real alto's mean lies 4.0-7.2 semitones under the soprano's (5th to
95th percentile, training chorales), so the default 5 moved a real alto down under the tenor."""

PICKUP_SAMPLED: bool = True
"""Whether the sampler is told of the melody's upbeat where the parts strike with it
(:func:`strike_with_melody`): the plan's own pickup in the melody's padded first bar
(``Request.pickup_in_bars``, :mod:`partita.generation.rules.pickup`: the parts' first notes on the
upbeat, the bar's lower bounds its share), so no note is sampled in the empty beats before it. Before,
the parts were sampled over the whole bar and :data:`PICKUP_SILENT` dropped those notes afterwards: 6.5
a candidate under 20 held-out chorale sopranos (15 with an upbeat), now 0 (docs/COCREATION.md)."""

PICKUP_SILENT: bool = True
"""Whether the parts keep silent in a pickup bar's empty beats (:func:`with_melody`): under a melody
that opens with an upbeat (:func:`partita.score.bars.pickup_ticks`: readers pad it to a full bar of rest)
the parts were sampled over the whole first bar and sounded before the melody's first note, where real
accompaniment is silent (Bach's alto, tenor and bass enter with the soprano's upbeat, never before it). Under
20 held-out chorale sopranos, 15 with a pickup (``python bench/bench_accompany.py --n 0 --folk 0 --chorales 20
--threads 1 --arm 'PICKUP_SILENT=false'``; docs/COCREATION.md): the parts' notes before the soprano's first
note 6.45 -> 0 a piece (real 0), notes a bar 12.91 -> 12.29 (12.99), onset F 0.841 -> 0.866, consonance
0.901 -> 0.895, chord tones 0.648 both, realism 1.00 both."""

BEAT_HARMONY: list[str] = ["chorale"]
"""Styles whose melody is harmonised by the beat (:func:`beat_harmony`, where the parts strike with it: a
chorale's, or a choir's with no style named) rather than one chord a bar: the chords a beat are then asked
of the voices (``Voicing.chords``), the bars' chords not. ``[]``: one chord a bar for every style."""
BEAT_CHORD_PULL: float = 1.5
"""``Voicing.chord_pull`` under chords a beat: the bass pulled to the chord's bass, a voice to a tone of the
chord nothing sings yet."""
BASS_PASSING: bool = True
"""Whether the lowest voice of parts sung in order under a melody harmonised by the beat (a chorale's bass,
:func:`strike_with_melody`) fills a third between two quarter notes on the beats with a passing eighth
(:func:`partita.generation.passing.passing_eighths`, in :func:`with_melody`, before the candidates are
ranked). Under the 20 held-out chorale sopranos, the sampler's own run, off -> on (Bach's alto, tenor and
bass; ``python bench/bench_accompany.py --n 0 --folk 0 --chorales 20 --threads 1 --arm 'BASS_PASSING=true'``
in two parts, ``accompany-chorales-bass-passing-20``, docs/COCREATION.md): the bass's notes in 8 bars 29.5
-> 32.8 (35.75), an eighth after the last 0.19 -> 0.39 (0.43), moves by step 0.44 -> 0.59 (0.67); realism
0.85 -> 0.75 (real 0.64), Fréchet 14.9 -> 13.8; parallels 0.0074 -> 0.0060 (0.0044), crossings 0.0008 both
(0.005), above the soprano 0 both; upper spacing over an octave 0.0009 -> 0.0047 (0.013), onset F 0.883 ->
0.851 (0.768)."""


@dataclass
class Melody:
    """A melody to accompany: the person's score as written, its bars and the chords chosen for it."""

    score: Score
    bars: int
    source: str = ""
    chords: list[str] | None = None
    """One chord a bar (mir_eval syntax), or None until chosen."""
    chords_from: str = ""
    """"given" (the person's) or "harmonised" (:func:`partita.analysis.harmonize.harmonize_melody`), or
    "harmonised by the beat" (:func:`beat_harmony`)."""
    beat_chords: list[tuple[float, float, str]] | None = None
    """A chord a beat, (start, end) in quarters from the melody's first tick and label, where the melody is
    harmonised by the beat (:data:`BEAT_HARMONY`); None: one chord a bar."""
    gap: float = 5.0
    """The semitones :func:`under_melody` keeps the parts' mean pitches under the melody's (:data:`VOICES_GAP`
    where the parts were sampled under it in order)."""
    passing: Passing | None = None
    """Where the parts' lowest voice takes passing eighths (:data:`BASS_PASSING`); None: it does not."""


def melody_piece(score: Score, source: str = "") -> Melody:
    """``score`` as a melody to accompany; a clear :class:`ScoreError` where it cannot be one (no notes,
    drums only, more than :data:`MAX_MELODY_BARS` bars)."""
    name = source or "the melody"
    if not any(len(t.notes) for t in score.tracks):
        raise ScoreError("it has no notes: there is nothing to accompany", "no-notes", name)
    if not any(len(t.notes) for t in score.tracks if not t.is_drum):
        raise ScoreError("it has only drums: partita accompanies a pitched melody", "drums-only", name)
    bars = notated_bars(score)
    if bars > MAX_MELODY_BARS:
        raise ScoreError(
            f"it has {bars} bars: partita accompanies at most {MAX_MELODY_BARS} at once (cut it first)",
            "too-long",
            name,
        )
    return Melody(score, bars, source)


def beat_harmony(melody: Melody, key: str, mode: str | None) -> list[tuple[float, float, str]]:
    """A chord a beat of ``melody`` (a meter of quarter-note beats) in ``key`` ``mode``, as Bach harmonised
    his chorale sopranos (:func:`partita.analysis.chorale_harmony.harmonize_chorale`): (start, end) in
    quarters from its first tick and the chord's label."""
    lines = bar_lines(melody.score, melody.bars)
    q = float(int(melody.score.ticks_per_quarter) or 480)
    beats, downbeats = [], set()
    for a, b in zip(lines[:-1], lines[1:], strict=True):
        downbeats.add(a / q)
        beats += [t / q for t in range(int(a), int(b), int(q))]
    beats.append(lines[-1] / q)
    labels = harmonize_chorale(melody_notes(melody), beats, downbeats, f"{key} {mode or 'major'}")
    return [(beats[i], beats[i + 1], label) for i, label in enumerate(labels)]


def by_the_beat(request: Request, meter: str | None) -> bool:
    """Whether the melody of ``request`` is harmonised by the beat (:data:`BEAT_HARMONY`): its parts a
    style's listed there (a choir's with no style named: a chorale's), in a meter of quarter-note beats."""
    c = request.conditions
    style = c.style or ""
    if not style and c.programs and not c.drums and set(c.programs) <= CHOIR_PROGRAMS:
        style = "chorale"
    return style in BEAT_HARMONY and bool(meter) and str(meter).endswith("/4")


def beat_voicing_chords(
    chords: list[tuple[float, float, str]], key: str | None, mode: str | None
) -> list[tuple[float, float, int, int, int]]:
    """``chords`` (a chord a beat) as the rules read them (``Voicing.chords``): each chord's tones, and its
    tones with the key's scale between its beats, as bitmasks, and its bass."""
    scale = scale_pitch_classes(key, mode) if key else set()
    out = []
    for a, b, label in chords:
        tones = chord_pitch_classes(label)
        bass = bass_pitch_class(label)
        on, off = sum(1 << pc for pc in tones), sum(1 << pc for pc in tones | scale)
        out.append((a, b, on, off, -1 if bass is None else bass))
    return out


def bar_chords(melody: Melody) -> list[str]:
    """What the melody's chords a beat are as a line of bars: ``"| G D/F# Em C | ..."`` (a chord held over
    beats written once)."""
    lines = bar_lines(melody.score, melody.bars)
    q = float(int(melody.score.ticks_per_quarter) or 480)
    bars: list[list[str]] = [[] for _ in range(melody.bars)]
    last = None
    for a, _, label in melody.beat_chords or []:
        bar = int(np.searchsorted(np.asarray(lines) / q, a + 1e-6, side="right")) - 1
        if 0 <= bar < melody.bars and (label != last or not bars[bar]):
            bars[bar].append(label if label != last else "-")
        last = label
    return ["| " + " ".join(b) for b in bars]


def melody_chords(melody: Melody, key: str, mode: str | None) -> list[str]:
    """One chord a bar for ``melody`` in ``key`` ``mode``: the key's chords that fit its notes best."""
    return harmonized_chords(melody.score, melody.bars, key, mode)


def harmonized_chords(score: Score, bars: int, key: str, mode: str | None) -> list[str]:
    """One chord a bar over ``bars`` bars for the pitched notes of ``score`` in ``key`` ``mode``
    (:func:`partita.analysis.harmonize.harmonize_melody`): shared by accompaniment and track infill."""
    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    lines = np.asarray(bar_lines(score, bars))
    beat = int(score.ticks_per_quarter) or 480
    return harmonize_melody(notes, lines, f"{key} {mode or 'major'}", beat)


def accompaniment_request(
    melody: Score | Melody, prompt: str = "", source: str = "", **options
) -> tuple[Request, Melody]:
    """The request for the parts under ``melody`` and the melody with its chords: the melody's key, meter
    and tempo unless ``prompt`` (or ``options``, as for :func:`partita.generation.prompt.project_prompt`)
    says otherwise, its bars, the prompt's instruments (piano if it names none), and its chords (those
    given as ``chords=`` or in the prompt, else :func:`melody_chords`)."""
    from partita.generation.prompt import project_prompt

    melody = melody if isinstance(melody, Melody) else melody_piece(melody, source)
    options.pop("bars", None)  # the melody's length decides
    request = project_prompt(prompt, **options)
    own = piece_conditions(melody.score)
    half_notes = own.meter in HALF_NOTE_METERS
    texture = {}
    if PARTS_VOICES and not half_notes:
        together = parts_together(request) and (own.meter or "").endswith("/4")
        scale = TOGETHER_DENSITY_SCALE if together else PARTS_DENSITY_SCALE
        texture = parts_texture(own, PARTS_VOICES, scale)
    faders = HALF_NOTE_FADERS if half_notes else ACCOMPANIMENT_FADERS
    unset = {k: v for k, v in faders.items() if k not in request.faders and k not in texture}
    if unset:  # the texture of an accompaniment, where neither the words nor the options set one
        request = project_prompt(prompt, **options, **unset)
    asked = request.conditions
    for measure, value in texture.items():
        if measure not in request.faders:
            setattr(asked, measure, value)
            request.notes.append(f"{measure} {value:g}: {PARTS_VOICES} voices under the melody")
    # what the words or options name wins; what a style only implies ("pop": 4/4) gives way to the melody
    said = {u.field for u in request.understood} | {k for k, v in options.items() if v is not None}
    _melody_as_a_voice(request, said)
    kept = []
    for name, word in (("key", "key"), ("meter", "meter"), ("tempo_bpm", "tempo")):
        if word not in said and getattr(own, name) is not None:
            setattr(asked, name, getattr(own, name))
            kept.append(word)
            if name == "key":
                asked.mode = own.mode
            request.notes[:] = [n for n in request.notes if not n.startswith((f"{word} ", "no mode given"))]
    if asked.mode is None:
        asked.mode = own.mode
    if not asked.programs and not asked.drums:
        asked.programs = list(DEFAULT_ACCOMPANIMENT)
        request.notes.append("no instrument asked for: a piano part")
    if CHOIR_STYLE and not asked.style and not asked.drums and set(asked.programs) <= CHOIR_PROGRAMS:
        asked.style = CHOIR_STYLE
        request.notes.append(f"voices alone, no style named: the parts sampled as a {CHOIR_STYLE}'s")
    asked.bars = melody.bars
    request.notes[:] = [n for n in request.notes if "usual length" not in n]
    if request.chords:
        melody.chords, melody.chords_from = list(request.chords), "given"
    else:
        melody.chords, melody.chords_from = melody_chords(melody, asked.key or "C", asked.mode), "harmonised"
        request.chords = list(melody.chords)
        if by_the_beat(request, own.meter) and not half_notes:
            melody.beat_chords = beat_harmony(melody, asked.key or "C", asked.mode)
            if PARTS_VOICING.get(asked.style or "chorale", {}).get("holds"):
                melody.beat_chords = held_chords(melody.beat_chords, phrase_spans(melody))
            melody.chords_from = "harmonised by the beat"
    request.notes[:] = [n for n in request.notes if not n.startswith("empty prompt")]
    name = melody.source or "the melody"
    request.notes.append(
        f"accompanying {name}: {melody.bars} bars kept as written"
        + (f"; its own {', '.join(kept)} kept" if kept else "")
        + f"; chords {melody.chords_from}: "
        + (" ".join(bar_chords(melody)) + " |" if melody.beat_chords else " ".join(melody.chords))
    )
    return request, melody


def _melody_as_a_voice(request: Request, said: set[str]) -> None:
    """A style's implied voices, sung, count the melody as one of them: "a chorale" under a soprano asks the
    alto, tenor and bass (3 parts), not four more voices. A count the words or options give is kept as said;
    instruments keep the style's count (pop's three piano parts under a tune: not measured otherwise)."""
    n, programs = request.n_tracks, request.conditions.programs
    if not n or n < 2 or "tracks" in said or "n_tracks" in said:
        return
    if not programs or not set(programs) <= CHOIR_PROGRAMS:
        return
    request.n_tracks = n - 1
    request.notes[:] = [x for x in request.notes if x != f"{n} voices implied by the style"]
    request.notes.append(f"{n - 1} voices under the melody: the style's {n}, the melody one of them")


def parts_settings(request: Request) -> dict:
    """Generation settings of the parts the accompaniment ``request`` asks for, on top of
    :data:`ACCOMPANIMENT_SETTINGS` (:meth:`partita.Generator.accompany`; track refill does not share them):
    under a melody in quarter-note beats in a style of :data:`PARTS_SHORTEST`, no note shorter than its
    value nor starting off its grid (melodies in 4/2 and 3/2 keep :data:`HALF_NOTE_FADERS` alone); where
    :func:`strike_with_melody` asked the melody's onsets of a style of :data:`PARTS_TOGETHER`, that many
    notes starting together at each (``event_notes``), and with :data:`PARTS_VOICING`'s ``sung`` each voice
    written as a sung line (``style_sung_lines``)."""
    c = request.conditions
    out: dict = {}
    together = parts_together(request)
    if together and request.onsets:  # the melody's onsets, asked by strike_with_melody
        out["event_notes"] = int(together)
    if together and request.voicing.above:  # voices in order under the melody, asked by strike_with_melody
        out["style_voice_order"] = [c.style or ""]
    sung = (
        PARTS_VOICING.get(c.style or "chorale", {}).get("sung")
        if together and request.voicing.above
        else None
    )
    if sung:  # each voice one line: a note ends where the voice's next begins
        out["style_sung_lines"] = {c.style or "": float(sung)}
    shortest = PARTS_SHORTEST.get(c.style or "")
    if shortest and c.meter not in HALF_NOTE_METERS:
        out["style_shortest"] = {c.style or "": float(shortest)}
    return out


def parts_together(request: Request) -> int:
    """The notes :data:`PARTS_TOGETHER` asks the parts of ``request`` to start at each melody onset (0:
    none): by the request's style, and parts asked of voices alone (:data:`CHOIR_PROGRAMS`, "for choir")
    with no style named count as a chorale's."""
    c = request.conditions
    style = c.style or ""
    if not style and c.programs and not c.drums and set(c.programs) <= CHOIR_PROGRAMS:
        style = "chorale"
    return int(PARTS_TOGETHER.get(style, 0))


def melody_onsets(melody: Melody, positions_per_beat: int) -> list[tuple[int, int]]:
    """Where ``melody``'s pitched notes start, as (bar from 0, position) pairs on a grid of
    ``positions_per_beat`` a quarter note (the sampler's positions in a meter of quarter-note beats), each
    once; a note off that grid is left out."""
    lines = bar_lines(melody.score, melody.bars)
    q = int(melody.score.ticks_per_quarter) or 480
    out = set()
    for track in melody.score.tracks:
        if track.is_drum:
            continue
        for n in track.notes:
            t = int(n.time)
            bar = int(np.searchsorted(lines, t, side="right")) - 1
            if not 0 <= bar < melody.bars:
                continue
            at = (t - lines[bar]) * positions_per_beat
            if at % q == 0:
                out.add((bar, at // q))
    return sorted(out)


def dotted_onsets(melody: Melody, positions_per_beat: int) -> list[tuple[int, int]]:
    """Where the short note of ``melody``'s dotted figures starts, as :func:`melody_onsets`: a note three
    times as long as the note after it, which starts as it ends, off the beat, an eighth or shorter (a
    dotted quarter and an eighth)."""
    q = int(melody.score.ticks_per_quarter) or 480
    starts = []
    for track in melody.score.tracks:
        notes = sorted(track.notes, key=lambda n: int(n.time)) if not track.is_drum else []
        for a, b in zip(notes, notes[1:], strict=False):
            short = int(b.duration)
            if int(b.time) == int(a.time + a.duration) and int(a.duration) == 3 * short and 2 * short <= q:
                starts.append(int(b.time))
    lines = bar_lines(melody.score, melody.bars)
    out = set()
    for t in starts:
        bar = int(np.searchsorted(lines, t, side="right")) - 1
        at = (t - lines[bar]) * positions_per_beat if 0 <= bar < melody.bars else 0
        if at % q == 0 and (at // q) % positions_per_beat:
            out.add((bar, at // q))
    return sorted(out)


def strike_with_melody(
    request: Request, melody: Melody, positions_per_beat: int, meters: list[str] | tuple[str, ...]
) -> int:
    """Ask the parts of the accompaniment ``request`` to strike with ``melody``'s onsets where
    :data:`PARTS_TOGETHER` lists its style (``request.onsets``, :func:`melody_onsets`, in place; the
    vocabulary has ``positions_per_beat`` positions a beat and the meters ``meters``): only under a melody in
    a meter of quarter-note beats the parts are sampled in as written. Returns the notes asked at each onset
    (0: nothing asked)."""
    from partita.generation.notation import single_meter

    c = request.conditions
    together = parts_together(request)
    meter = c.meter or ""
    if not together or not meter.endswith("/4") or meter not in meters:
        return 0
    if single_meter(melody.score) not in (meter, None):
        return 0
    voicing = PARTS_VOICING.get(c.style or "chorale", {})
    request.onsets = melody_onsets(melody, int(positions_per_beat))
    if voicing.get("dotted"):  # the short note of a dotted figure passes over the parts' held notes
        short = set(dotted_onsets(melody, int(positions_per_beat)))
        request.onsets = [o for o in request.onsets if o not in short]
    if not request.onsets:
        return 0
    request.notes.append(f"the parts strike with the melody: {together} notes at each of its onsets")
    if voicing.get("above") and not c.drums:
        if not request.n_tracks:  # "for choir": as many voices as notes at each onset, each a part
            request.n_tracks = together
            request.notes.append(f"{together} voices under the melody, one a note at each of its onsets")
        request.above_voices = int(voicing["above"])
        request.notes.append(f"the parts sampled as the style's lower voices, {voicing['above']} given above")
    if voicing.get("under"):
        request.voicing = Voicing(
            above=melody_notes(melody),
            max_repeats=int(voicing.get("repeats", 0)),
            held=bool(voicing.get("held")),
            repeat_weight=float(voicing.get("repeat_pull", 0.0)),
            max_leaps=[int(b) for b in voicing.get("leaps", [])],
            spacing=int(voicing.get("spacing", 0)),
            parallels=float(voicing.get("parallels", 0.0)),
            ranges=[(int(lo), int(hi)) for lo, hi in voicing.get("ranges", [])],
            holds=phrase_spans(melody) if voicing.get("holds") else [],
            sustain=bool(voicing.get("sustain")),
            spans=[int(b) for b in voicing.get("spans", [])],
        )
        if melody.beat_chords:  # the chords a beat, asked of the voices instead of the bars' chords
            request.voicing.chords = beat_voicing_chords(melody.beat_chords, c.key, c.mode)
            request.voicing.chord_pull = BEAT_CHORD_PULL
            request.chords = []
            request.notes.append("the voices sing each beat's chord (harmonised by the beat)")
        melody.gap = VOICES_GAP
        request.notes.append("the voices in order under the melody, no clash where its notes start")
        melody.passing = bass_passing(melody, c.key, c.mode) if BASS_PASSING else None
        if melody.passing is not None:
            request.notes.append("the bass fills its thirds between the beats with passing eighths")
    if PICKUP_SAMPLED:
        upbeat = pickup_beats(melody)
        if upbeat:
            request.pickup, request.pickup_in_bars = upbeat, True
    return together


def bass_passing(melody: Melody, key: str | None, mode: str | None) -> Passing | None:
    """What the bass's passing eighths may take under ``melody`` (harmonised by the beat) in ``key``
    ``mode``: each beat's chord tones and the key's scale, none under its phrase ends (:func:`phrase_spans`);
    None without chords a beat."""
    if not melody.beat_chords:
        return None
    scale = frozenset(scale_pitch_classes(key, mode)) if key else frozenset()
    tones = [(a, b, scale | frozenset(chord_pitch_classes(label))) for a, b, label in melody.beat_chords]
    return Passing(tones, phrase_spans(melody))


def phrase_spans(melody: Melody) -> list[tuple[float, float]]:
    """Where ``melody``'s phrases end, (start, end) in quarters as :func:`melody_notes`: its notes of two
    quarters or more and twice its median note, and its last note (the phrase ends
    :func:`partita.analysis.chorale_harmony.phrase_ends` reads from a soprano's notes: a melody read from MIDI
    has no fermatas)."""
    notes = melody_notes(melody)
    if not notes:
        return []
    lengths = np.array([b - a for a, b, _ in notes])
    floor = max(2.0, 2.0 * float(np.median(lengths))) - 1e-6
    last = max(a for a, _, _ in notes)
    return sorted({(a, b) for a, b, _ in notes if b - a >= floor or a == last})


def held_chords(
    chords: list[tuple[float, float, str]], spans: list[tuple[float, float]]
) -> list[tuple[float, float, str]]:
    """``chords`` (a chord a beat) with the chord where each of ``spans`` starts held through it: the
    fermata's chord, which the voices hold (``Voicing.holds``), is not changed under it."""
    out = []
    for a, b, label in chords:
        for start, end in spans:
            if start + 1e-6 < a < end - 1e-6:
                label = next((x for s, e, x in chords if s <= start + 1e-6 < e), label)
                break
        out.append((a, b, label))
    return out


def pickup_beats(melody: Melody) -> int:
    """The whole beats of ``melody``'s upbeat (:func:`partita.score.bars.pickup_ticks`: its first note in the
    second half of a padded first bar), in its first meter's beats; 0 without one, or where it does not start
    on a beat."""
    entry = pickup_ticks(melody.score)
    if not entry:
        return 0
    lines = bar_lines(melody.score, 2)
    sigs = melody.score.time_signatures
    denominator = int(sigs[0].denominator) if len(sigs) else 4
    beat = (int(melody.score.ticks_per_quarter) or 480) * 4 // denominator
    rest = int(lines[1] - lines[0]) - int(entry)
    return rest // beat if rest % beat == 0 else 0


def melody_notes(melody: Melody) -> list[tuple[float, float, int]]:
    """``melody``'s pitched notes as (start, end) in quarters from its first tick and pitch: where the parts,
    sampled from that tick in whole bars, meet them."""
    q = float(int(melody.score.ticks_per_quarter) or 480)
    return sorted(
        (int(n.time) / q, (int(n.time) + int(n.duration)) / q, int(n.pitch))
        for track in melody.score.tracks
        if not track.is_drum
        for n in track.notes
    )


def parts_texture(melody: Conditions, voices: int, density_scale: float = 1.0) -> dict[str, float]:
    """The texture of ``voices`` parts under a melody whose own is ``melody`` (its notes and onsets a
    quarter): as many notes sounding together as there are voices (``polyphony``), each voice moving about as
    often as the melody (``density``: its notes a quarter times the voices and ``density_scale``, within
    :data:`PARTS_DENSITY`), and the parts starting notes :data:`PARTS_RHYTHM` times as often as the melody
    (``rhythm``), so that the voices move together, about two at a time. A melody in eighths gets busy
    parts, one in half notes slow ones."""
    out = {"polyphony": float(voices)}
    if melody.density:
        low, high = PARTS_DENSITY
        out["density"] = round(min(high, max(low, melody.density * voices * density_scale)), 3)
    if melody.rhythm and PARTS_RHYTHM:
        out["rhythm"] = round(melody.rhythm * PARTS_RHYTHM, 3)
    return out


def under_melody(melody: Score, parts: Score, gap: float = 5.0) -> int:
    """Move each pitched track of ``parts`` (in place) by whole octaves until its mean pitch lies at least
    ``gap`` semitones under the melody's, as long as its lowest note stays at or above MIDI 28 (E1): the
    model, not hearing the melody, may write its parts above it. Octaves keep every pitch class, so the
    harmony and the rhythm stay as sampled. Returns the octaves moved in all."""
    pitches = [n.pitch for t in melody.tracks if not t.is_drum for n in t.notes]
    if not pitches:
        return 0
    ceiling, moved = sum(pitches) / len(pitches) - gap, 0
    for track in parts.tracks:
        if track.is_drum or not len(track.notes):
            continue
        own = [n.pitch for n in track.notes]
        shift = 0
        while sum(own) / len(own) + shift > ceiling and min(own) + shift - 12 >= 28:
            shift -= 12
        if shift:
            for note in track.notes:
                note.pitch += shift
            moved += -shift // 12
    return moved


def with_melody(melody: Melody, parts: Score, figured: bool = True) -> Score:
    """The melody as written with the pitched and drum tracks of ``parts`` (a sampled piece of the same bars)
    under it (:func:`under_melody`), on the melody's ticks, tempo and meter; parts cut at the melody's last
    bar line. Under a melody that opens with a pickup (:data:`PICKUP_SILENT`) the parts start no note before
    its first note: a note sounding there starts with it, one ending before it is left out. Where
    ``melody.passing`` is set and ``figured``, the lowest part takes its passing eighths
    (:func:`partita.generation.passing.passing_eighths`)."""
    parts = parts.copy()
    under_melody(melody.score, parts, melody.gap)
    out = melody.score.copy()
    scale = int(out.ticks_per_quarter) / max(1, int(parts.ticks_per_quarter))
    end = bar_lines(out, melody.bars)[-1]
    entry = pickup_ticks(out) if PICKUP_SILENT else 0
    names = gm_program_names()
    for track in parts.tracks:
        if not len(track.notes):
            continue
        new = Track(
            name=track.name or names[int(track.program)], program=int(track.program), is_drum=track.is_drum
        )
        struck = {(round(n.time * scale), int(n.pitch)) for n in track.notes}
        for n in track.notes:
            start = round(n.time * scale)
            if start >= end:
                continue
            stop = min(end, round((n.time + n.duration) * scale))
            if start < entry:  # in a pickup bar's empty beats: enters with the melody's first note, or not
                if stop <= entry or (entry, int(n.pitch)) in struck:
                    continue
                start = entry
            new.notes.append(Note(start, max(1, stop - start), int(n.pitch), int(n.velocity)))
        if len(new.notes):
            out.tracks.append(new)
    if figured and melody.passing is not None:
        passing_eighths(out, list(range(len(melody.score.tracks), len(out.tracks))), melody.passing)
    return out


def block_chords(melody: Melody, program: int = 0, velocity: int = 70) -> Score:
    """The rule baseline: each bar's chord (of ``melody.chords``) as a triad held for the bar around middle
    C, over its root an octave and more below, on ``program``; the melody on top as written. A melody
    harmonised by the beat (``melody.beat_chords``) gets its chords a beat so, each held while it lasts, over
    its bass."""
    if not melody.chords:
        raise ValueError("the melody has no chords yet: build its request first (accompaniment_request)")
    lines = bar_lines(melody.score, melody.bars)
    q = int(melody.score.ticks_per_quarter) or 480
    if melody.beat_chords:
        spans: list[tuple[int, int, str]] = []
        for a, b, label in melody.beat_chords:
            if spans and spans[-1][2] == label:
                spans[-1] = (spans[-1][0], round(b * q), label)
            else:
                spans.append((round(a * q), round(b * q), label))
    else:
        spans = [(lines[b], lines[b + 1], melody.chords[b % len(melody.chords)]) for b in range(melody.bars)]
    chords, bass = Track(name="block chords", program=program), Track(name="bass", program=program)
    for start, stop, label in spans:
        tones = chord_pitch_classes(label)
        if not tones or stop <= start:
            continue
        for pc in sorted(tones):
            chords.notes.append(Note(start, stop - start, 60 + (pc - 60) % 12, velocity))
        low = bass_pitch_class(label)
        low = root_pitch_class(label) if low is None else low
        bass.notes.append(Note(start, stop - start, 36 + (low - 36) % 12, velocity))
    parts = Score(int(melody.score.ticks_per_quarter))
    parts.tracks.extend([chords, bass])
    return with_melody(melody, parts, figured=False)
