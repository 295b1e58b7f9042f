"""Sampling candidates for a request: the generation layer's part of :meth:`partita.Generator.generate`.

:func:`sample_candidates` plans the request (:func:`partita.generation.planning.plan_request`), samples ``n``
continuations of its condition prefix under the plan's rules, decodes them, ends each piece with its last bar,
gives stand-in instruments back their programs and writes the requested tempo where none was sampled. What
comes out is a list of unranked :class:`Candidate`\\ s; measuring their adherence and ranking them is the
evaluation layer's work (:mod:`partita.evaluation.selector`), writing their files the render layer's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from symusic import KeySignature, Tempo

from partita.analysis.key import signature_fifths
from partita.analysis.tempo import tempo_bin
from partita.generation.config import GenerationConfig
from partita.generation.form import FORM_STYLES, PhrasePlan, phrase_plan, stollen_plan, with_return
from partita.generation.given import Reading, read_given, splice
from partita.generation.infill import after_music, infill_markers, what_follows_nll, with_what_follows
from partita.generation.instruments import program_prior, voices_prior, with_programs, write_back
from partita.generation.lines import closed_rests, sung_lines
from partita.generation.notation import one_line, rebar
from partita.generation.planning import Plan, plan_request
from partita.generation.request import Request
from partita.generation.rules import RULES, RuleSet
from partita.generation.rules.duration_pull import DurationPull
from partita.generation.sampling import sample
from partita.generation.strays import drop_stray_tracks
from partita.generation.texture import ask_style_texture
from partita.models import MusicLM
from partita.models.fim import FimIds, fim_prompt, without_suffix
from partita.progress import ProgressCallback, report
from partita.score import Score
from partita.score.bars import hold_last_notes, trim_to_bars
from partita.tokens import SteerableTokenizer, voice_programs

MAX_BATCH = 16
"""The most sequences sampled together (an infill samples twice the candidates asked for, up to this)."""


@dataclass
class Candidate:
    """One generated piece: its score, how it was sampled, and (filled in above the generation layer) how well
    it follows the request, its Selector scores and its files."""

    rank: int
    score: Score
    seed: int
    stop_reason: str
    adherence: dict[str, float] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)  # what the pipeline did beyond sampling
    scores: dict[str, float] = field(default_factory=dict)
    """The Selector's scores (``adherence``, ``style``, ``quality`` where they apply, and ``combined``)."""
    sample: int = 1
    """Its row in the sampled batch (1 to n): the candidates of one request are sampled together from
    ``seed``, so the same seed and number of candidates give this piece again as sample ``sample``."""
    sampled: Score | None = None
    """The piece as the model sampled it, where writing it out changed that: the programs it was sampled as
    before stand-ins and voices were written back as the instruments asked for, its bars before a meter the
    vocabulary lacks was written; None: ``score`` is as sampled. The Selector's classifier, trained on the
    model's own tokens, reads this."""

    @property
    def adherence_mean(self) -> float | None:
        """The mean of the adherence scores (:func:`adherence_mean`), or None."""
        return adherence_mean(self.adherence)


def adherence_mean(adherence: dict[str, float | None]) -> float | None:
    """The mean of a piece's adherence scores, or None when it has none. Entries named ``*_error`` (such as
    ``density_relative_error``) are errors, not scores in [0, 1], and are left out."""
    vals = [float(v) for k, v in adherence.items() if v is not None and not k.endswith("_error")]
    return sum(vals) / len(vals) if vals else None


def planned_prefix(
    model, tokenizer, request: Request, config: GenerationConfig, seed: int | None = None
) -> tuple[Plan, list[int]]:
    """The plan of ``request`` and the condition prefix its music is sampled after (the one a piece of
    it must be scored under, e.g. for preference tuning); ``seed``: as :func:`plan_request` takes it."""
    ask_style_texture(request, config.style_texture.get(request.conditions.style or "", {}))
    _draw_voices(request, config, seed)
    # a given piece shows the model its instruments: they are sampled as themselves, never as stand-ins
    literal = not (config.constrain and config.stand_ins) or request.given is not None
    voiced = config.voices_by_style and len(request.conditions.programs) < (request.n_tracks or 0)
    read = voices_prior if voiced else program_prior
    prior = None if literal else read(model, tokenizer, request.conditions)
    plan = plan_request(request, tokenizer, config, prior, seed)
    return plan, list(tokenizer.condition_ids(with_programs(request.conditions, plan.prefix_programs)))


def _draw_voices(request: Request, config: GenerationConfig, seed: int | None) -> None:
    """A new piece whose style implies its voices (a motet "for choir") is written in as many as real
    pieces of the style are (:meth:`GenerationConfig.voices_for`); a number asked for stands."""
    asked = any(u.field == "tracks" for u in request.understood)
    if seed is None or asked or request.given is not None or not request.n_tracks:
        return
    if not config.style_voices.get(request.conditions.style or ""):
        return
    voices = config.voices_for(request.conditions.style, request.n_tracks, seed)
    request.voices_drawn = True
    if voices != request.n_tracks:
        request.notes.append(
            f"{voices} voices, not {request.n_tracks}: as many as real pieces of the style often have"
        )
        request.n_tracks = voices


def drops_strays(request: Request, config: GenerationConfig) -> bool:
    """Whether a new piece for ``request`` loses its stray parts (:func:`~partita.generation.strays.
    drop_stray_tracks`): where the model chose the parts (no instrument, no number of voices asked) and
    :attr:`GenerationConfig.drop_strays` is on, or where the style drew the number of voices
    (``request.voices_drawn``): a voice that then sings under a note a bar is dropped, as a musician would
    (none of 86 training motets of four to eight voices has one; 7 of 32 selected motets of four to six
    drawn voices had one, a fifth voice singing 2 notes in 16 bars)."""
    c = request.conditions
    chosen = not (c.programs or c.drums or request.n_tracks)  # the model chose the parts
    return config.constrain and ((chosen and config.drop_strays) or request.voices_drawn)


def sample_candidates(
    model: MusicLM,
    tokenizer: SteerableTokenizer,
    request: Request,
    config: GenerationConfig,
    n: int,
    seed: int,
    progress: ProgressCallback | None = None,
) -> list[Candidate]:
    """``n`` unranked candidates for ``request`` sampled from ``model`` under ``config``, in sampling order.

    What the plan changed (a stand-in instrument, a meter the vocabulary lacks, a phrase form) is added to
    ``request.notes``; what was done to one candidate after sampling to its ``remarks``.
    """
    given = request.given
    plan, prefix = planned_prefix(model, tokenizer, request, config, seed)
    request.notes.extend(plan.notes)
    bars = plan.sampled_bars(request.bars)  # as sampled (4/2 as two bars of 4/4; a pickup bar first)
    form = _phrase_form(request, plan, config, seed, bars)
    end_bar = bars - (given.after_bars if given else 0)  # an infill's gap ends before the last bar
    # the bars sampled to, counted as the tokenizer counts them: with a form, the statement's; with a given
    # piece, its last new bar
    reading = read_given(tokenizer, given, plan.written, end_bar, prefix) if given is not None else None
    sample_to = reading.end_bar if reading else (form.statement if form is not None else end_bar)
    new_bars = sample_to - (reading.bars if reading else 0)
    infill = given is not None and given.after is not None
    mode = _infill_mode(model, config)
    fim = infill_markers(model, mode) if infill else None
    rescore = infill and mode != "fim"
    batch = min(2 * n, MAX_BATCH) if rescore else n  # rescoring keeps the n that fit what follows best
    budget = plan.tokens_per_bar * new_bars + config.extra_tokens
    if form is not None:
        request.notes.append(_form_note(form, plan.lead_bars))
    report(progress, 0, batch + 1, "sampling")
    music = reading.music if reading else []
    prompt, keep = [*prefix, *music], len(prefix)
    if fim is not None:  # the bars after the gap first, kept in view (partita.models.fim)
        after = after_music(tokenizer, given, plan.written, model.config.block_size // 4 - len(prefix) - 2)
        prompt, keep = fim_prompt(prefix, music, after, fim), len(prefix) + len(after) + 2
    processor = None
    if plan.constraints is not None:
        processor = RuleSet(
            tokenizer,
            replace(
                plan.constraints,
                bars=sample_to,
                token_budget=len(music) + budget,  # the budget counts all music tokens, the given ones too
            ),
            vocab_size=model.config.vocab_size,
            fim=fim,
            rules=_rules(request, plan, config),
        )
    sampling = {"temperature": config.temperature, "top_p": config.top_p}
    result = sample(
        model,
        prompt,
        keep_prefix=keep,
        max_new_tokens=budget,
        seed=seed,
        batch_size=batch,
        logits_processor=processor,
        bar=tokenizer.bar_ids or None,
        max_bars=None if config.constrain else new_bars,
        suppress_tokens=_markers(model),  # never drawn in free sampling either
        **sampling,
    )
    if form is not None:
        ending = RuleSet(
            tokenizer,
            plan.constraints,
            vocab_size=model.config.vocab_size,
            rules=_rules(request, plan, config),
        )
        for i, seq in enumerate(result.tokens):
            result.tokens[i], result.stop_reasons[i] = _sample_ending(
                model,
                tokenizer,
                seq,
                prefix,
                form,
                ending,
                plan.tokens_per_bar * form.ending + config.extra_tokens,
                seed + 7919 * (i + 1),
                **sampling,
            )
    candidates = []
    for i, (seq, reason) in enumerate(zip(result.tokens, result.stop_reasons, strict=True)):
        seq = without_suffix(seq, fim) if fim is not None else seq
        candidate = _finish(tokenizer.decode(seq), request, plan, config, seed, reason, reading, end_bar)
        candidate.sample = i + 1
        candidates.append(candidate)
        report(progress, i + 1, batch + 1, f"decoded candidate {i + 1}")
    if rescore:
        read_in = request.given.read_in if request.given is not None else None
        candidates = _fitting(model, tokenizer, prefix, candidates, plan, reading.end_bar, n, read_in)
    if fim is not None:
        request.notes.append("the gap was written with the bars after it in view (fill in the middle)")
    return candidates


def accompanying_programs(request: Request, plan: Plan) -> list[int]:
    """The sampled programs of a new piece's voices that accompany its melody: where the request's
    instruments play more voices than there are instruments (pop's three piano voices: MELODY, BRIDGE,
    PIANO), every voice after the first that is sampled (a tacet melody leaves both); else none."""
    programs, voices = list(request.conditions.programs), request.n_tracks or 0
    if request.given is not None or plan.constraints is None or not programs or voices <= len(programs):
        return []
    later = list(voice_programs(programs, voices))[1:]
    return [p for p in plan.constraints.programs if p in later]


def _rules(request: Request, plan: Plan, config: GenerationConfig) -> tuple:
    """The rules a request is sampled under: the registered ones, and the style's held parts
    (:attr:`GenerationConfig.style_held_parts`, :mod:`partita.generation.rules.duration_pull`)."""
    weight = config.style_held_parts.get(request.conditions.style or "", 0.0)
    parts = accompanying_programs(request, plan) if weight else []
    return (*RULES, DurationPull.configured(weight, parts)) if parts else RULES


def _phrase_form(
    request: Request, plan: Plan, config: GenerationConfig, seed: int, bars: int
) -> PhrasePlan | None:
    """The phrase form a new piece of ``bars`` sampled bars is sampled in: a folk tune's return
    (``GenerationConfig.form``), a chorale's Stollen (``style_restatements``, drawn with ``seed``; not with
    chords given one a bar, nor in a meter sampled as another), or None."""
    c = request.conditions
    if not config.constrain or request.given is not None or not request.bars:
        return None
    if plan.bar_multiple != int(plan.bar_multiple):  # 3/2 in 4/4: a return would start inside a bar
        return None
    if config.form and c.style in FORM_STYLES:
        return phrase_plan(bars)
    if plan.bar_multiple == 1 and not request.chords and config.restates(c.style, seed):
        return stollen_plan(bars, plan.lead_bars)
    return None


def _form_note(form: PhrasePlan, lead: int) -> str:
    """The request's note on ``form``, in the bars a musician counts (a pickup bar, ``lead``, not one)."""
    first, last = form.source + 1 - lead, form.source + form.returning - lead
    again = form.statement + 1 - lead
    return (
        f"phrase form: bars 1-{form.statement - lead} sampled, bars {first}-{last} come back as bars "
        f"{again}-{again + form.returning - 1}, {form.ending} more bar{'s' if form.ending != 1 else ''} "
        "sampled after them"
    )


def _markers(model: MusicLM) -> list[int]:
    """A fill-in-the-middle model's HOLE and FILL ids (none for another model): right after a condition
    prefix partita-small puts a third to two thirds of its probability on HOLE, half its last training
    stage's windows having begun so; drawn in a new piece, it turns the piece into a suffix-first infill."""
    ids = FimIds.of_model(model.config)
    return [ids.hole, ids.fill] if ids is not None else []


def _infill_mode(model: MusicLM, config: GenerationConfig) -> str:
    """``config.infill`` with "auto" resolved for ``model``."""
    if config.infill != "auto":
        return config.infill
    return "fim+rescore" if FimIds.of_model(model.config) is not None else "rescore"


def _fitting(model, tokenizer, prefix, candidates, plan, end_bar, n, read_in=None) -> list[Candidate]:
    """The ``n`` infill candidates under which the bars after the gap are likeliest, in sampling order (the
    piece read in the bars it was sampled in, ``read_in``: :attr:`partita.generation.given.Given.read_in`)."""
    for cand in candidates:
        nll = what_follows_nll(model, tokenizer, prefix, cand.score, plan.written, end_bar, read_in=read_in)
        cand.scores["what_follows_nll"] = nll
        cand.remarks.append(f"the bars after the gap: {nll:.3f} nats per token under this fill")
    best = sorted(candidates, key=lambda c: c.scores["what_follows_nll"])[:n]
    return [c for c in candidates if any(c is b for b in best)]


def _finish(
    score: Score,
    request: Request,
    plan: Plan,
    config: GenerationConfig,
    seed: int,
    reason: str,
    reading: Reading | None = None,
    end_bar: int | None = None,
):
    """A decoded piece as a candidate: its last bar its end, its instruments written back, its tempo set.
    With a given piece (``reading``: as the model read it), what was sampled after its bars is added to it as
    written (and an infill's bars after the gap, after bar ``end_bar`` of the piece)."""
    remarks = []
    bars = reading.end_bar if reading else plan.sampled_bars(request.bars)
    if config.constrain and trim_to_bars(score, bars):  # the piece ends with its last bar, not a ringing note
        remarks.append(f"notes ringing past bar {end_bar if reading else request.bars} end with it")
    if config.constrain and config.hold_final and reading is None and hold_last_notes(score, bars):
        remarks.append(f"the last notes are held to the end of bar {request.bars}")
    given = request.given
    if given is not None and reading is not None:
        piece = splice(given, score, reading.after, plan.written)
        if given.after is not None:
            with_what_follows(piece, given, end_bar)
        return Candidate(0, piece, seed, reason, remarks=remarks)
    single = set(plan.constraints.monophonic) if plan.constraints is not None else set()
    in_line = (request.conditions.style or "") in config.style_single_line
    if in_line and single and one_line(score, single):
        remarks.append("notes of a one-line part end where the next begins")
    sung = config.style_sung_lines.get(request.conditions.style or "")
    if config.constrain and sung is not None and sung_lines(score, round(sung * score.ticks_per_quarter)):
        remarks.append("each voice is sung as one line, a note held until the next")
    closed = config.style_closed_rests.get(request.conditions.style or "")
    if config.constrain and closed and closed_rests(score, round(closed * score.ticks_per_quarter)):
        remarks.append(f"rests of up to {closed:g} quarters inside a part closed by the note before")
    top = config.style_closed_top_rests.get(request.conditions.style or "")
    if config.constrain and top and closed_rests(score, round(top * score.ticks_per_quarter), top_only=True):
        remarks.append(f"rests of up to {top:g} quarters inside the top part closed by the note before")
    c = request.conditions
    asked = request.bars or bars
    if drops_strays(request, config) and drop_stray_tracks(score, asked):
        remarks.append(f"parts with fewer notes than the piece's {asked} bars were dropped")
    sampled = score.copy() if plan.written or plan.written_meter else None
    write_back(score, plan.written, refit=plan.refit)
    if plan.written_meter:
        rebar(score, plan.written_meter)
        if request.bars and plan.bar_multiple != int(plan.bar_multiple):  # 3/2 sampled in 4/4
            _end_in_own_bars(score, request.bars, config)
    if config.constrain:
        _set_key_signature(score, c.key, c.mode)
    bpm = request.conditions.tempo_bpm
    if config.constrain and bpm and _set_missing_tempo(score, bpm):
        remarks.append(f"no tempo token was sampled: the requested {bpm:g} bpm was written")
    steady = (request.conditions.style or "") in config.style_steady_tempo
    if config.constrain and steady and _hold_tempo(score, bpm):
        remarks.append("one tempo throughout, as the style keeps it: the tempo changes sampled are left out")
    return Candidate(0, score, seed, reason, remarks=remarks, sampled=sampled)


def _end_in_own_bars(score: Score, bars: int, config: GenerationConfig) -> None:
    """End a piece sampled in bars that straddle its own (3/2 in 4/4,
    :func:`partita.generation.notation.trained_frame`) with its own last bar, in place: what was sampled past
    it goes, and its last notes are held to its end as the plan would have."""
    trim_to_bars(score, bars)
    if config.hold_final:
        hold_last_notes(score, bars)


def _sample_ending(
    model: MusicLM, tokenizer, seq, prefix, form: PhrasePlan, processor, budget: int, seed: int, **sampling
) -> tuple[list, str]:
    """The statement ``seq`` with its return written in (:func:`partita.generation.form.with_return`),
    re-encoded, and sampled on to the piece's last bar under ``processor`` (the constraints over all bars)."""
    piece = with_return(tokenizer.decode(seq), form)
    music = tokenizer.encode_music(piece)
    ids = [*prefix, *music]
    processor.reset(token_budget=len(music) + budget)  # the budget counts all music tokens, the prompt's too
    out = sample(
        model,
        ids,
        keep_prefix=len(prefix),
        max_new_tokens=budget,
        seed=seed,
        logits_processor=processor,
        bar=tokenizer.bar_ids or None,
        **sampling,
    )
    return out.tokens[0], out.stop_reasons[0]


def _hold_tempo(score: Score, bpm: float | None) -> bool:
    """Keep one tempo through ``score``: ``bpm`` if given, else its first; True when a change was dropped."""
    tempos = list(score.tempos)
    if len(tempos) <= 1:
        return False
    score.tempos.clear()
    score.tempos.append(Tempo(0, float(bpm) if bpm else float(tempos[0].qpm)))
    return True


def _set_key_signature(score: Score, key: str | None, mode: str | None) -> bool:
    """Give a new piece without a key signature the requested key's (with its mode); True when it did.

    Without one an engraved score's signature is estimated from the notes, and a motet asked for in E minor
    was engraved with four sharps."""
    if not key or mode not in ("major", "minor") or len(score.key_signatures):
        return False
    score.key_signatures.append(KeySignature(0, signature_fifths(key, mode), int(mode == "minor")))
    return True


def _set_missing_tempo(score: Score, bpm: float) -> bool:
    """Give a score without a tempo event of its own the requested tempo; True when it did.

    The constraint processor keeps sampled tempo tokens inside the requested bin, but the model may emit none,
    and the decoder then falls back to its default tempo; the request is the better default.
    """
    tempos = list(score.tempos)
    if tempos and tempo_bin(float(tempos[0].qpm)) == tempo_bin(bpm):
        return False
    score.tempos.clear()
    score.tempos.append(Tempo(0, float(bpm)))
    return True
