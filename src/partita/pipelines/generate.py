"""``partita.generate``: from a prompt to ranked candidates, each with its files and its measured adherence.

This is the top of the stack (above evaluation and render), so it may use every layer: prompt projection
(:mod:`partita.generation.prompt`), condition tokens, constrained sampling, the analysis layer to measure what was
generated, the evaluation layer's adherence scores, and rendering. The CLI and the web UI call this function.

Candidates are ranked by XMusic's Selector (:mod:`partita.pipelines.selector`): their mean control adherence,
and, when the model ships a learned style / quality classifier (a ``selector/`` sub-folder of its folder), the
classifier's style and quality scores. ``selector=None`` keeps them in sampling order.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from partita.generation.form import FORM_STYLES, phrase_plan, with_return
from partita.progress import ProgressCallback, report
from partita.score import Score, ScoreError, write_midi
from partita.score.bars import trim_to_bars

if TYPE_CHECKING:
    from partita.pipelines.selector import Selector

log = logging.getLogger(__name__)

DEFAULT_MODEL = "partita-small"
TOKENS_PER_BAR = 64  # a generous budget per requested bar (REMI+ with BPE uses far fewer on average)
TONIC_WEIGHT = 0.0
"""The default pull of a requested key's tonic triad (:attr:`Constraints.tonic_weight`). It was 1.0, chosen for key
adherence (``scripts/tune-key-gravity.py``); on the realism benchmark's development prompts the pull (with the
cadence rule) made melodies circle the tonic (repeated notes 0.30-0.41 of melodic intervals, steps 0.21-0.27,
where real tunes have 0.12-0.25 and 0.46-0.76) and the pieces easier to tell from real ones in five of six styles,
so it is off unless asked for (``tonic_weight=1``, ``--tonic-weight 1``): docs/GENERATION.md § Realism."""
PRESENCE_WEIGHT = 1.5
"""The default pull back towards a requested instrument gone quiet (:attr:`Constraints.presence_weight`), chosen
on development prompts written apart from the benchmark's (``scripts/check-presence.py``; docs/GENERATION.md)."""


@dataclass
class Candidate:
    """One generated piece: its score, where its files are, and how well it follows the request."""

    rank: int
    score: Score
    seed: int
    stop_reason: str
    adherence: dict[str, float] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)  # what the pipeline did beyond sampling
    scores: dict[str, float] = field(default_factory=dict)
    """The Selector's scores (``adherence``, ``style``, ``quality`` where they apply, and ``combined``)."""

    @property
    def adherence_mean(self) -> float | None:
        vals = [v for v in self.adherence.values() if v is not None]
        return sum(vals) / len(vals) if vals else None


def debug_generator(seed: int = 0):
    """A tiny untrained model with partita's default tokenizer: for tests and for trying the pipeline."""
    from partita.models import MusicLM
    from partita.models.music_lm import MusicLMConfig
    from partita.tokens import MusicTokenizer

    tok = MusicTokenizer()
    torch.manual_seed(seed)
    config = MusicLMConfig(vocab_size=tok.vocab_size, block_size=256, n_layer=2, n_head=2, d_model=32, d_ff=64,
                           dropout=0.0, max_relative_distance=64, bos_id=tok.bos_id, eos_id=tok.eos_id,
                           pad_id=tok.pad_id)  # fmt: skip
    model = MusicLM(config)
    model.tokenizer = tok
    return model.eval()


def load_generator(name_or_path: str = DEFAULT_MODEL):
    """A model with its :class:`~partita.tokens.MusicTokenizer`; ``"debug"`` builds an untrained tiny one.

    When the model folder holds a Selector classifier (``selector/config.json``), ``model.selector_dir`` is
    that folder (``generate(selector="auto")`` uses it), else None.
    """
    from partita.models import MusicLM
    from partita.models.pretrained import resolve
    from partita.pipelines.selector import SELECTOR_DIR
    from partita.tokens import MusicTokenizer

    if name_or_path == "debug":
        return debug_generator()
    model = MusicLM.from_pretrained(name_or_path)
    if not isinstance(getattr(model, "tokenizer", None), MusicTokenizer):
        raise ValueError(
            f"{name_or_path}: this model has no partita tokenizer saved with it, so it cannot generate from prompts"
        )
    folder = resolve(name_or_path)
    shipped = folder / SELECTOR_DIR if folder is not None else None
    model.selector_dir = str(shipped) if shipped is not None and (shipped / "config.json").is_file() else None
    return model


def _controls_of(request):
    from partita.evaluation.adherence import Controls
    from partita.generation.prompt import DEFAULT_BARS

    c = request.conditions
    return Controls(
        key=f"{c.key} {c.mode or 'major'}" if c.key else None,
        tempo=c.tempo_bpm,
        time_signature=c.meter,
        instruments=[*c.programs, *(["Drums"] if c.drums else [])] or None,
        chords=request.chords or None,
        bars=c.bars or DEFAULT_BARS,
    )


def fader_adherence(conditions, score: Score) -> dict[str, float]:
    """How close a piece's density, polyphony and rhythm are to the requested fader levels.

    Measured in the condition-token bins the model is trained on (:data:`partita.tokens.conditions.DENSITY_EDGES`
    and its siblings): ``1 - |measured bin - requested bin| / (bins - 1)`` as ``density_level`` and so on, for
    each fader the request sets.
    """
    from partita.tokens.conditions import DENSITY_EDGES, POLYPHONY_EDGES, RHYTHM_EDGES, bin_index
    from partita.tokens.dataset import score_statistics

    wanted = {"density": DENSITY_EDGES, "polyphony": POLYPHONY_EDGES, "rhythm": RHYTHM_EDGES}
    wanted = {k: e for k, e in wanted.items() if getattr(conditions, k, None) is not None}
    if not wanted or not score.note_num():
        return {}
    stats = score_statistics(score)
    return {
        f"{name}_level": 1.0
        - abs(bin_index(stats[name], edges) - bin_index(getattr(conditions, name), edges)) / len(edges)
        for name, edges in wanted.items()
        if stats[name] is not None
    }


def notes_per_bar_bounds(density: float | None, meter: str | None) -> tuple[int, int | None]:
    """(at least, at most) notes per bar for a requested density (notes per quarter, as the condition token bins it).

    The bounds are the edges of the requested bin (:data:`partita.tokens.conditions.DENSITY_EDGES`) times the
    quarters in a bar; at least one note in every bar whatever the density; no upper bound for the top bin.
    """
    from partita.tokens.conditions import DENSITY_EDGES

    return _per_bar_bounds(density, DENSITY_EDGES, meter)


def onsets_per_bar_bounds(rhythm: float | None, meter: str | None) -> tuple[int, int | None]:
    """(at least, at most) onsets (distinct note starts) per bar for a requested rhythmic density (onsets per
    quarter, :data:`partita.tokens.conditions.RHYTHM_EDGES`), as :func:`notes_per_bar_bounds` does for notes."""
    from partita.tokens.conditions import RHYTHM_EDGES

    return _per_bar_bounds(rhythm, RHYTHM_EDGES, meter)


def _per_bar_bounds(
    value: float | None, edges: tuple[float, ...], meter: str | None
) -> tuple[int, int | None]:
    import math

    from partita.tokens.conditions import bin_index

    if value is None:
        return 1, None
    num, _, den = (meter or "4/4").partition("/")
    quarters = int(num) * 4 / int(den) if num.isdigit() and den.isdigit() and int(den) else 4.0
    b = bin_index(value, edges)
    lo = edges[b - 1] if b > 0 else 0.0
    hi = edges[b] if b < len(edges) else None
    at_least = max(1, math.floor(lo * quarters))
    return at_least, (max(at_least, math.ceil(hi * quarters)) if hi is not None else None)


NOTES_PER_ONSET: tuple[tuple[int, int | None], ...] = ((1, 1), (1, 2), (2, 2), (2, 3), (3, 5), (5, None))
"""(at least, at most) notes starting together, per polyphony bin (:data:`partita.tokens.conditions.POLYPHONY_EDGES`:
under 1.25, 1.25-1.75, 1.75-2.5, 2.5-3.5, 3.5-5, over 5 notes sounding together). A heuristic: notes held across
onsets add to the measured polyphony, so the bounds sit at or under each bin."""


MAX_NOTES_PER_ONSET = 12
"""No more notes than this start together, whatever the request: a chord that never closes is a degenerate loop
(partita-small once stacked 370 notes on 7 onsets of a 16-bar reel until its token budget ran out, and FluidSynth
hung on the result)."""


MAX_SOUNDING: tuple[int, ...] = (1, 2, 3, 4, 5, MAX_NOTES_PER_ONSET)
"""At most this many notes sounding at once, per polyphony bin: each bin's upper edge rounded up (the top bin:
:data:`MAX_NOTES_PER_ONSET`). Polyphony is measured with held notes, so the notes starting together alone do not
bound it: a model asked for full chords once held 553 notes over 8 bars (90 sounding at once)."""


MIN_SOUNDING: tuple[float, ...] = (0, 1.25, 2, 3, 4, 5)
"""At least this many notes sounding from each onset to the next, per polyphony bin: the bin's lower edge rounded
up, so that the measured polyphony (a mean over time) lands inside the bin, not under it (with only the notes
starting together bounded, chords whose notes end early measured 1.55 in the 1.75-2.5 bin and 2.66 in 3.5-5). The
second bin's edge is kept as a fraction, a floor for the mean (two notes while the piece so far measures under
1.25, else none: 1.25 rounded up is the bin's upper edge); the lowest has none (a floor of one would forbid
rests)."""


def sounding_bounds(polyphony: float | None) -> tuple[float, int | None]:
    """The (fewest, most) notes sounding at once for a requested polyphony ((0, None): no bound)."""
    from partita.tokens.conditions import POLYPHONY_EDGES, bin_index

    if polyphony is None:
        return 0, None
    b = bin_index(polyphony, POLYPHONY_EDGES)
    return MIN_SOUNDING[b], MAX_SOUNDING[b]


def notes_per_onset_bounds(polyphony: float | None) -> tuple[int, int]:
    """The (fewest, most) notes starting together for a requested polyphony (None: only the upper bound)."""
    from partita.tokens.conditions import POLYPHONY_EDGES, bin_index

    if polyphony is None:
        return 0, MAX_NOTES_PER_ONSET
    fewest, most = NOTES_PER_ONSET[bin_index(polyphony, POLYPHONY_EDGES)]
    return fewest, MAX_NOTES_PER_ONSET if most is None else min(most, MAX_NOTES_PER_ONSET)


def candidate_adherence(request, score: Score) -> dict[str, float]:
    """The adherence scores of one candidate for ``request``: the evaluation layer's control adherence
    (:func:`partita.evaluation.adherence.piece_adherence`) plus :func:`fader_adherence`; empty for a silent one."""
    from partita.evaluation.adherence import measure, piece_adherence

    if not score.note_num():
        return {}
    return {
        **piece_adherence(_controls_of(request), measure(score)),
        **fader_adherence(request.conditions, score),
    }


def generate(
    prompt: str,
    *,
    n: int = 4,
    seed: int | None = None,
    model=DEFAULT_MODEL,
    out_dir: str | Path | None = None,
    constrain: bool = True,
    in_key: bool = False,
    chord_tones_only: bool = False,
    cadence: bool | None = None,
    tonic_weight: float | None = None,
    tonic_on_downbeats: bool = False,
    presence_weight: float | None = None,
    temperature: float = 1.0,
    top_p: float = 0.95,
    wav: bool | None = None,
    selector: Selector | str | None = "auto",
    stand_ins: bool = True,
    form: bool = False,
    progress: ProgressCallback | None = None,
    **options,
) -> tuple[object, list[Candidate]]:
    """Generate ``n`` candidates for ``prompt``; return the understood request and the ranked candidates.

    ``options`` override what the text says (``key``, ``tempo``, ``meter``, ``instruments``, ``bars``, ``chords``,
    ``style``, ``density``, ``polyphony``, ``rhythm``; see :func:`partita.generation.prompt.project_prompt`).
    With ``out_dir`` each candidate is written as MIDI, MusicXML, a piano-roll PNG and (when audio is available,
    or ``wav=True``) WAV, beside ``generation.json`` with the request and every candidate's adherence and scores.

    With ``constrain`` (the default) sampling keeps the meter, bars, instruments, tempo bin and chords asked for,
    REMI+'s token order and no silent bar, a requested density bounds the notes of every bar
    (:func:`notes_per_bar_bounds`), a requested rhythmic density its onsets (:func:`onsets_per_bar_bounds`), and a
    requested polyphony the notes starting together
    (:func:`notes_per_onset_bounds`) and sounding at once (:func:`sounding_bounds`); ``in_key`` keeps pitches in the key's scale; ``chord_tones_only`` (with chords) every pitch of a bar
    a tone of its chord, not only those on the beats; ``cadence`` (with a key; off by
    default since it made the first and last bars arpeggios of the triad) opens and closes the piece on its tonic
    triad. With ``constrain`` and
    ``stand_ins`` (the default) an instrument the model barely knows for such a piece is sampled as one it knows
    and written back for the instrument asked for (:mod:`partita.pipelines.instruments`).

    With ``constrain`` and ``form``, a folk or dance tune of 8 bars or more (a multiple of 4) states a phrase and
    comes back to it (:mod:`partita.generation.form`): its first half is sampled, the first quarter returns, and
    the last quarter is sampled as a continuation of all that came before. Off by default: its exact returns at
    fixed places made pieces easier to tell from real ones (docs/GENERATION.md § Realism).

    ``selector`` ranks the candidates (see :func:`partita.pipelines.selector.choose_selector`): ``"auto"`` uses
    the classifier shipped with the model when there is one, else adherence alone; ``"adherence"`` adherence
    alone; ``None`` keeps the sampling order (no ranking, ``scores`` empty); a
    :class:`~partita.pipelines.selector.Selector` (or a classifier folder) is used as given.
    """
    from partita.generation import sample
    from partita.generation.constraints import Constraints, RemiConstraintProcessor
    from partita.generation.prompt import DEFAULT_BARS, project_prompt
    from partita.pipelines.instruments import (
        StandIns,
        bass_program,
        monophonic_programs,
        program_prior,
        stand_in_programs,
        with_programs,
        write_back,
    )
    from partita.pipelines.selector import choose_selector
    from partita.tokens import voice_programs

    if not 1 <= int(n) <= 16:
        raise ValueError(f"n={n}: partita generates 1 to 16 candidates at once")
    request = project_prompt(prompt, **options)
    lm = load_generator(model) if isinstance(model, str) else model
    chosen = choose_selector(selector, lm)
    tok = lm.tokenizer
    c = request.conditions
    bars = c.bars or DEFAULT_BARS
    processor = None
    meter = c.meter
    known = sorted(t.split("_", 1)[1] for t in tok.miditok.vocab if t.startswith("TimeSig_"))
    if constrain and meter and known and meter not in known:  # enforcing it would leave no token to sample
        request.notes.append(
            f"meter {meter} is not in this model's vocabulary ({', '.join(known)}): not enforced"
        )
        meter = None
    fewest, most = notes_per_bar_bounds(c.density, c.meter)
    onsets = onsets_per_bar_bounds(c.rhythm, c.meter)
    # n voices of fewer instruments (a chorale's four parts for one choir) are written with the programs the
    # tokenizer gives such voices (separate_programs), and read back as the instrument they stand for
    n_voices = request.n_tracks or 0
    if constrain and stand_ins:
        stand = stand_in_programs(c.programs, program_prior(lm, c))
        request.notes.extend(stand.notes)
    else:
        stand = StandIns(sampled=list(c.programs), prefix_programs=list(c.programs))
    programs = stand.sampled
    voices = voice_programs(programs, n_voices) if constrain and len(programs) < n_voices else {}
    # sampled program -> the program it is written as: a voice of its instrument, a stand-in for the one asked for
    written = {q: stand.written.get(v, v) for q, v in voices.items()} or dict(stand.written)
    if constrain:
        constraints = Constraints(meter=meter, bars=bars, programs=list(voices or programs), drums=c.drums, key=c.key,
                                  mode=c.mode, in_key=in_key and c.key is not None, chords=list(request.chords),
                                  chord_tones_only=chord_tones_only,
                                  bass=bass_program(list(voices or programs), written) if request.chords else None,
                                  cadence=bool(c.key) and bool(cadence),
                                  tonic_weight=(TONIC_WEIGHT if tonic_weight is None else tonic_weight) if c.key else 0.0, tonic_on_downbeats=tonic_on_downbeats,
                                  tempo=c.tempo_bpm, min_notes_per_bar=fewest, max_notes_per_bar=most,
                                  min_onsets_per_bar=onsets[0] if c.rhythm is not None else 0,
                                  max_onsets_per_bar=onsets[1] if c.rhythm is not None else None,
                                  notes_per_onset=notes_per_onset_bounds(c.polyphony),
                                  min_sounding=sounding_bounds(c.polyphony)[0],
                                  max_sounding=sounding_bounds(c.polyphony)[1] or MAX_NOTES_PER_ONSET,
                                  hold_within_bar=c.polyphony is not None, enter_all_programs=True, grammar=True,
                                  presence_weight=PRESENCE_WEIGHT if presence_weight is None else float(presence_weight),
                                  monophonic=monophonic_programs(list(voices or programs), written))  # fmt: skip
    base_seed = int(seed) if seed is not None else int(torch.randint(0, 2**31 - 1, (1,)).item())
    report(progress, 0, n + 1, "sampling")
    prefix = tok.condition_ids(with_programs(c, stand.prefix_programs))
    per_bar = max(TOKENS_PER_BAR, 4 * fewest + 16)
    plan = phrase_plan(bars) if constrain and form and c.style in FORM_STYLES else None
    first_bars = plan.statement if plan is not None else bars  # with a form, the statement comes first
    budget = per_bar * first_bars + 64
    if plan is not None:
        request.notes.append(f"phrase form: bars 1-{plan.statement} sampled, bars 1-{plan.returning} return, "
                             f"{plan.ending} more bars sampled after them")  # fmt: skip
    if constrain:
        processor = RemiConstraintProcessor(tok, replace(constraints, bars=first_bars, token_budget=budget),
                                            vocab_size=lm.config.vocab_size)  # fmt: skip
    result = sample(lm, prefix, keep_prefix=len(prefix), max_new_tokens=budget, temperature=temperature,
                    top_p=top_p, seed=base_seed, batch_size=n, logits_processor=processor,
                    bar=tok.bar_ids or None, max_bars=None if constrain else bars)  # fmt: skip
    if plan is not None:
        ending = RemiConstraintProcessor(tok, constraints, vocab_size=lm.config.vocab_size)
        for i, seq in enumerate(result.tokens):
            result.tokens[i], result.stop_reasons[i] = _sample_ending(
                lm, tok, seq, prefix, plan, ending, per_bar * plan.ending + 64, base_seed + 7919 * (i + 1),
                temperature=temperature, top_p=top_p)  # fmt: skip
    candidates = []
    for i, (seq, reason) in enumerate(zip(result.tokens, result.stop_reasons, strict=True)):
        score = tok.decode(seq)
        remarks = []
        if constrain and trim_to_bars(score, bars):  # the piece ends with its last bar, not where a note rings out
            remarks.append(f"notes ringing past bar {bars} end with it")
        write_back(score, written, refit=set(stand.written.values()))
        if constrain and c.tempo_bpm and _set_missing_tempo(score, c.tempo_bpm):
            remarks.append(f"no tempo token was sampled: the requested {c.tempo_bpm:g} bpm was written")
        adherence = candidate_adherence(request, score)
        candidates.append(Candidate(0, score, base_seed, reason, adherence, remarks=remarks))
        report(progress, i + 1, n + 1, f"measured candidate {i + 1}")
    if chosen is not None:
        ranked = chosen.rank(candidates, request)
        for cand, scores in ranked:
            cand.scores = scores
        candidates = [cand for cand, _ in ranked]
        if chosen.note:
            for cand in candidates:
                cand.remarks.append(chosen.note)
    for rank, cand in enumerate(candidates, 1):
        cand.rank = rank
    if out_dir is not None:
        used = chosen.describe() if chosen is not None else {"kind": "none (sampling order)"}
        _write(request, candidates, Path(out_dir), wav, used)
    report(progress, n + 1, n + 1, "done")
    return request, candidates


def _sample_ending(lm, tok, seq, prefix, plan, processor, budget: int, seed: int, **sampling) -> tuple[list, str]:
    """The statement ``seq`` with its return written in (:func:`partita.generation.form.with_return`), re-encoded,
    and sampled on to the piece's last bar under ``processor`` (the constraints over all bars)."""
    from partita.generation import sample

    piece = with_return(tok.decode(seq), plan)
    music = tok.encode_music(piece)
    ids = [*prefix, *music]
    processor.reset(token_budget=len(music) + budget)  # the budget counts all music tokens, the prompt's too
    out = sample(lm, ids, keep_prefix=len(prefix), max_new_tokens=budget, seed=seed, logits_processor=processor,
                 bar=tok.bar_ids or None, **sampling)  # fmt: skip
    return out.tokens[0], out.stop_reasons[0]


def _set_missing_tempo(score: Score, bpm: float) -> bool:
    """Give a score without a tempo event of its own the requested tempo; True when it did.

    The constraint processor keeps sampled tempo tokens inside the requested bin, but the model may emit none, and
    the decoder then falls back to its default tempo; the request is the better default.
    """
    from partita.analysis.tempo import tempo_bin

    tempos = list(score.tempos)
    if tempos and tempo_bin(float(tempos[0].qpm)) == tempo_bin(bpm):
        return False
    from symusic import Tempo

    score.tempos.clear()
    score.tempos.append(Tempo(0, float(bpm)))
    return True


def _write(
    request, candidates: list[Candidate], out: Path, wav: bool | None, selector: dict | None = None
) -> None:
    from partita.atomic import atomic_write_text
    from partita.render import audio_available, write_pianoroll, write_wav
    from partita.render.audio import AudioUnavailable
    from partita.score.musicxml import write_musicxml

    out.mkdir(parents=True, exist_ok=True)
    want_wav = audio_available() if wav is None else wav
    for cand in candidates:
        stem = out / f"candidate-{cand.rank}"
        if not cand.score.note_num():
            continue
        cand.files["midi"] = str(write_midi(cand.score, stem.with_suffix(".mid")))
        cand.files["musicxml"] = str(
            write_musicxml(cand.score, stem.with_suffix(".musicxml"), title=request.text[:60])
        )
        cand.files["pianoroll"] = str(
            write_pianoroll(cand.score, f"{stem}-pianoroll.png", title=f"#{cand.rank}")
        )
        if want_wav:
            try:
                cand.files["wav"] = str(write_wav(cand.score, stem.with_suffix(".wav")))
            except AudioUnavailable:  # asked for WAV where there is no synthesiser: said as it is
                raise
            except ScoreError as e:  # the piece's other files stand; the failure is said, not fatal
                log.warning("candidate %d: no WAV (%s)", cand.rank, e)
                cand.remarks.append(f"WAV not written: {e}")
    doc = {
        "request": request.to_dict(),
        "explain": request.explain(),
        "selector": selector or {},
        "candidates": [
            {
                "rank": c.rank,
                "seed": c.seed,
                "stop_reason": c.stop_reason,
                "notes": c.score.note_num(),
                "adherence": c.adherence,
                "adherence_mean": c.adherence_mean,
                "scores": c.scores,
                "remarks": c.remarks,
                "files": c.files,
            }  # fmt: skip
            for c in candidates
        ],
    }
    atomic_write_text(
        out / "generation.json", json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
    )
