"""``partita.Generator`` and ``partita.generate``: a request in, ranked candidates (and their files) out.

In the manner of audiocraft's ``MusicGen``: a :class:`Generator` owns a model, its tokenizer, its
:class:`~partita.generation.config.GenerationConfig` (``generation_config.json`` beside the weights) and its
critic (the Selector shipped in the model's ``selector/`` folder)::

    generator = partita.Generator.from_pretrained("partita-small")
    request = generator.request("a jig in G major for fiddle, 16 bars")
    candidates = generator.generate(request, n=4, seed=1, out_dir="out/jig")

This is the top floor: it composes the generation layer
(:func:`partita.generation.candidates.sample_candidates`), the evaluation layer (adherence,
:mod:`partita.evaluation.selector`) and render (:func:`partita.render.candidates.write_candidates`).
Co-creation builds its requests here from the generation layer (:meth:`Generator.continuation_of`,
:meth:`Generator.infill_of`, :meth:`Generator.accompaniment_of` and :meth:`Generator.accompany`,
:meth:`Generator.tracks_of` and :meth:`Generator.refill_tracks`), and
:meth:`Generator.generate_plan` is a loop of :meth:`Generator.generate` calls over a plan's sections, each
section's rule (play again, vary, write on) taken from :mod:`partita.generation.plan`.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from partita.audio import read_music
from partita.evaluation.accompaniment import accompaniment_agreement, chord_tone_agreement, split_melody
from partita.evaluation.adherence import candidate_adherence
from partita.evaluation.selector import SELECTOR_DIR, Selector, choose_selector
from partita.generation.accompany import (
    ACCOMPANIMENT_SETTINGS,
    Melody,
    accompaniment_request,
    parts_settings,
    strike_with_melody,
    with_melody,
)
from partita.generation.candidates import Candidate, sample_candidates
from partita.generation.config import GenerationConfig
from partita.generation.given import continuation_request, given_piece, in_model_bars
from partita.generation.infill import infill_request, parse_bar_range
from partita.generation.plan import (
    PiecePlan,
    plan_options,
    play_again,
    repeats,
    save_plan,
    section_options,
    section_starts,
    with_theme,
)
from partita.generation.pop_texture import FIGURE_STYLES, figure_candidates
from partita.generation.prompt import project_prompt
from partita.generation.request import Request
from partita.generation.tracks import (
    NLL_WEIGHT,
    TRACK_SETTINGS,
    TrackRefill,
    in_vocabulary,
    new_and_kept,
    piece_nll,
    tracks_request,
    whole_request,
    with_tracks,
)
from partita.generation.upbeat import is_midi_file, place_pickup, read_melody
from partita.models import MusicLM
from partita.models.experts import StyleExpert, experts_of
from partita.models.music_lm import MusicLMConfig
from partita.models.pretrained import debug_model, resolve, save_pretrained
from partita.progress import ProgressCallback, report
from partita.render.candidates import candidate_names, write_candidates
from partita.render.own_files import check_own_files, own_writes
from partita.score import Score, ScoreError, check_limits
from partita.score.bars import notated_bars
from partita.tokens import MiditokTokenizer, SteerableTokenizer

if TYPE_CHECKING:
    from partita.training.concept import Concept

DEFAULT_MODEL = "partita-small"
MAX_CANDIDATES = 16


class Generator:
    """A model with its tokenizer, generation settings and critic; :meth:`generate` turns requests into
    pieces."""

    def __init__(
        self,
        model: MusicLM,
        tokenizer: SteerableTokenizer,
        config: GenerationConfig | None = None,
        selector_dir: str | Path | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config or GenerationConfig()
        self.selector_dir = str(selector_dir) if selector_dir is not None else None
        """The classifier shipped with the model (``selector="auto"`` ranks with it), or None."""
        self.concept: str | None = None
        """The name of the learned concept this generator carries (:meth:`with_concept`), or None."""
        self.learned_concept: Concept | None = None
        """The concept itself (to apply it again at another strength, or to name its version), or None."""
        self.experts: dict[str, Path] = {}
        """The model's style experts by style (:mod:`partita.models.experts`; ``from_pretrained`` finds them
        in the model folder's ``experts/``): a request of that style samples with its expert merged in."""
        self._expert_models: dict[str, MusicLM] = {}

    @property
    def card(self) -> dict[str, Any]:
        """The model's card (``card.json``: its name, data and metrics), empty for an unsaved model."""
        return getattr(self.model, "card", {}) or {}

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path = DEFAULT_MODEL) -> Generator:
        """The model saved in a folder (or shipped with partita under that name); ``"debug"``: a tiny
        untrained model for tests. Its ``generation_config.json`` and ``selector/`` are used when present.
        A concept (``partita concept learn``: its folder, the older single ``.safetensors`` file, or a folder
        holding only that file) loads the base model it was learned on, by the name it records, with the
        concept in place at its own strength (:meth:`of_concept`)."""
        if str(name_or_path) == "debug":
            return cls.debug()
        path = Path(name_or_path).expanduser()
        if path.is_file() and path.suffix == ".safetensors":
            return cls.of_concept(path)  # a model is a folder: a single weights file can only be a concept
        if path.is_dir() and not (path / "config.json").is_file():
            from partita.training.concept import CONCEPT_CONFIG  # torch training code: only when asked

            if (path / CONCEPT_CONFIG).is_file() or len(list(path.glob("*.safetensors"))) == 1:
                return cls.of_concept(path)
        model = MusicLM.from_pretrained(name_or_path)
        tokenizer = getattr(model, "tokenizer", None)
        if not isinstance(tokenizer, SteerableTokenizer):
            raise ValueError(
                f"{name_or_path}: this model has no partita tokenizer saved with it, so it cannot generate "
                "from "
                "prompts"
            )
        folder = resolve(name_or_path)
        shipped = folder / SELECTOR_DIR if folder is not None else None
        has_selector = shipped is not None and (shipped / "config.json").is_file()
        out = cls(
            model, tokenizer, GenerationConfig.from_pretrained(folder), shipped if has_selector else None
        )
        out.experts = experts_of(folder)
        return out

    @classmethod
    def of_concept(cls, concept: str | Path | Concept, strength: float | None = None) -> Generator:
        """The base model a concept (a folder or file, or a :class:`~partita.training.concept.Concept`) was
        learned on, loaded by the name the concept records (a model shipped with partita, or a folder by
        that name), with the concept in place at ``strength`` (default its own). A base that does not load
        here, or whose weights or tokenizer differ from the ones the concept was learned on, is one
        sentence."""
        from partita.training.concept import Concept, load_concept  # torch training code: only when asked

        loaded = concept if isinstance(concept, Concept) else load_concept(concept)
        base = loaded.config.base_model
        try:
            generator = cls.from_pretrained(base)
        except (FileNotFoundError, ValueError) as e:
            raise ValueError(
                f"concept <{loaded.name}> was learned on the base model {base!r}, which does not load here "
                f"({str(e).splitlines()[0]}): give the base model and the concept (--model BASE --concept "
                f"{concept if not isinstance(concept, Concept) else loaded.name})"
            ) from None
        return generator.with_concept(loaded, strength)

    @classmethod
    def debug(cls, seed: int = 0) -> Generator:
        """A tiny untrained model with partita's default tokenizer: for tests and for trying the pipeline."""
        tok = MiditokTokenizer()
        model = debug_model(
            seed,
            vocab_size=tok.vocab_size,
            block_size=256,
            max_relative_distance=64,
            attention_block=MusicLMConfig.attention_block,
            bos_id=tok.bos_id,
            eos_id=tok.eos_id,
            pad_id=tok.pad_id,
        )
        return cls(model, tok)

    @staticmethod
    def request_of(prompt: str, **options: Any) -> Request:
        """The :class:`Request` a text prompt asks for (``options`` override the text:
        :func:`partita.generation.prompt.project_prompt`); no model is needed to build one."""
        return project_prompt(prompt, **options)

    @staticmethod
    def continuation_of(
        piece: Score | str | Path,
        prompt: str = "",
        bars: int = 8,
        pickup: str | float | None = None,
        **options: Any,
    ) -> Request:
        """The :class:`Request` to continue ``piece`` (a score, or a MIDI, MusicXML or ABC file) by ``bars``
        bars: its own key, meter, tempo, instruments and texture unless ``prompt`` (or ``options``, as for
        :meth:`request_of`) says otherwise (:func:`partita.generation.given.continuation_request`).
        :meth:`generate` returns the piece as written with the new bars after it. ``pickup`` as for
        :meth:`accompaniment_of`, read (``"auto"``) only in a MIDI file of one pitched track (a melody)."""
        note = None
        if isinstance(piece, Score):
            score, note = place_pickup(_within_limits(piece), 0 if pickup is None else pickup)
            given = given_piece(score)
        else:
            score = _within_limits(piece, read_music)
            melody = sum(1 for t in score.tracks if len(t.notes) and not t.is_drum) == 1
            if is_midi_file(piece) and (melody or pickup not in (None, "auto")):
                try:
                    score, note = place_pickup(score, "auto" if pickup is None else pickup)
                except ValueError as e:
                    raise ScoreError(str(e), "bad-pickup", Path(piece).name) from None
            given = given_piece(score, source=Path(piece).name)
        request = continuation_request(given, prompt, bars, **options)
        if note:
            request.notes.insert(0, note)
        return request

    @staticmethod
    def infill_of(
        piece: Score | str | Path, bars: str | tuple[int, int], prompt: str = "", **options: Any
    ) -> Request:
        """The :class:`Request` to write bars ``bars`` (``"9-12"`` or ``(9, 12)``) of ``piece`` anew, the
        other bars kept as written (:func:`partita.generation.infill.infill_request`); :meth:`generate`
        samples twice the candidates and keeps those the bars after the gap fit best."""
        first, last = parse_bar_range(bars) if isinstance(bars, str) else (int(bars[0]), int(bars[1]))
        if isinstance(piece, Score):
            return infill_request(_within_limits(piece), first, last, prompt, **options)
        score = _within_limits(piece, read_music)
        return infill_request(score, first, last, prompt, source=Path(piece).name, **options)

    @staticmethod
    def accompaniment_of(
        melody: Score | str | Path, prompt: str = "", pickup: str | float | None = None, **options: Any
    ) -> tuple[Request, Melody]:
        """The :class:`Request` for parts under ``melody`` (a score, or a MIDI, MusicXML or ABC file) and the
        melody with its chords (:func:`partita.generation.accompany.accompaniment_request`): its key, meter,
        tempo and bars, the prompt's instruments, its chords given (``chords=``) or harmonised.

        ``pickup`` (:func:`partita.generation.upbeat.place_pickup`): the upbeat of a melody whose MIDI file
        does not pad it, ``"auto"`` (read from the notes, padded when the reading is confident: the default
        for a MIDI file), a number of beats, or 0 (the file's bars as they are: the default for a score
        given as such); MusicXML and ABC files are never changed. The request's notes say what was read."""
        if isinstance(melody, Score):
            score, note = place_pickup(_within_limits(melody), 0 if pickup is None else pickup)
            request, mel = accompaniment_request(score, prompt, **options)
        else:
            score, note = read_melody(melody, pickup)  # held to the score limits as it is read
            request, mel = accompaniment_request(score, prompt, source=Path(melody).name, **options)
        if note:
            request.notes.insert(0, note)
        return request, mel

    def accompany(
        self,
        melody: Score | str | Path | tuple[Request, Melody],
        prompt: str = "",
        n: int = 4,
        seed: int | None = None,
        *,
        chords: list[str] | str | None = None,
        selector: Selector | str | None = "auto",
        out_dir: str | Path | None = None,
        overwrite: bool = False,
        wav: bool | None = None,
        progress: ProgressCallback | None = None,
        concept: str | Path | Concept | None = None,
        figures: bool | None = None,
        **settings: Any,
    ) -> tuple[Request, list[Candidate]]:
        """``n`` accompaniments of ``melody``, best first: each the melody as written with sampled parts
        under it (:mod:`partita.generation.accompany`), ranked by the Selector's combined score plus the
        :func:`~partita.evaluation.accompaniment.chord_tone_agreement` of the melody with the parts.
        Returns the request for the whole piece (melody and parts) and the candidates; files as
        :meth:`generate`. ``melody`` may also be what :meth:`accompaniment_of` returned (a request built
        once, with options). With ``concept``, sampled with it in place (:meth:`with_concept`).

        ``figures=True`` (the default for the styles of :data:`partita.generation.pop_texture.FIGURE_STYLES`;
        ``False`` samples the parts) takes the parts from the opening figures of POP909 training songs
        re-voiced to the melody's chords (:func:`~partita.generation.pop_texture.figure_candidates`), where
        the melody is in 4/4; else the parts are sampled and the request's notes say why."""
        names = _check_out(out_dir, n, overwrite)
        if concept is not None:
            return self.with_concept(concept).accompany(
                melody, prompt, n, seed, chords=chords, selector=selector, out_dir=out_dir,
                overwrite=overwrite, wav=wav, progress=progress, figures=figures, **settings,
            )  # fmt: skip
        if isinstance(melody, tuple):
            request, mel = melody
        else:
            request, mel = self.accompaniment_of(melody, prompt, chords=chords)
        if figures is None:
            figures = request.conditions.style in FIGURE_STYLES
        seed = int(seed) if seed is not None else secrets.randbelow(2**31 - 1)
        candidates = []
        if figures:  # a POP909 figure re-voiced to the melody's chords (pop_texture), where it can take one
            key = (
                f"{request.conditions.key} {request.conditions.mode or 'major'}"
                if request.conditions.key
                else None
            )
            candidates = figure_candidates(mel.score, mel.bars, mel.chords or [], key, int(n), seed)
            if candidates:
                request.notes.append(
                    "the parts are opening figures of POP909 songs re-voiced to these chords, their texture "
                    "their own (--sampled-parts: the model's parts, with the texture above)"
                )
                report(progress, 1, 1, "figures re-voiced")
            else:
                request.notes.append("no library figure fits this melody (4/4 only): the parts are sampled")
        if not candidates:
            strike_with_melody(
                request, mel, self.tokenizer.positions_per_beat, self.tokenizer.time_signatures
            )
            settings = {**ACCOMPANIMENT_SETTINGS, **parts_settings(request), **settings}
            candidates = self.generate(request, n=n, seed=seed, selector=None, progress=progress, **settings)
        whole = copy.deepcopy(request)
        whole.given = None
        melody_programs = [int(t.program) for t in mel.score.tracks if not t.is_drum and len(t.notes)]
        whole.conditions.programs = [*melody_programs, *request.conditions.programs]
        fit = {}
        for cand in candidates:
            cand.score = with_melody(mel, cand.score)  # the parts on the melody's ticks, then measured
            agreement = accompaniment_agreement(*split_melody(cand.score, len(mel.score.tracks)))
            fit[id(cand)] = agreement.chord_tones or 0.0
            cand.adherence = candidate_adherence(whole, cand.score)
            cand.remarks.append(
                f"melody kept as written; its notes on the beats in the parts' chords: {fit[id(cand)]:.2f}"
                + (f", onsets shared (F): {agreement.onset_f:.2f}" if agreement.onset_f is not None else "")
            )
        chosen = choose_selector(
            selector, self.selector_dir, self.config.selector_weights, self.config.selector_windows
        )
        candidates = _ranked(candidates, whole, chosen)
        candidates.sort(key=lambda c: -(c.scores.get("combined", 0.0) + fit[id(c)]))
        for rank, cand in enumerate(candidates, 1):
            cand.rank = rank
        if out_dir is not None:
            used = {"kind": "accompaniment", "chords": mel.chords_from, "selector": chosen is not None}
            with own_writes(out_dir, names, overwrite):
                write_candidates(whole, candidates, out_dir, wav, used)
        return whole, candidates

    @staticmethod
    def tracks_of(
        piece: Score | str | Path,
        tracks: str | list[str | int],
        bars: str | tuple[int, int] | None = None,
        prompt: str = "",
        **options: Any,
    ) -> TrackRefill:
        """What it takes to write the tracks ``tracks`` names ("bass,piano", "2", ["Alto"]) of ``piece`` (a
        score, or a MIDI, MusicXML or ABC file) anew over ``bars`` (``"9-12"``, ``(9, 12)``; None: the whole
        piece), every other track kept as written (:func:`partita.generation.tracks.tracks_request`): the
        request for those tracks, over the kept tracks' chords, and the piece."""
        span = parse_bar_range(bars) if isinstance(bars, str) else bars
        span = (int(span[0]), int(span[1])) if span is not None else None
        if isinstance(piece, Score):
            return tracks_request(_within_limits(piece), tracks, span, prompt, **options)
        score = _within_limits(piece, read_music)
        return tracks_request(score, tracks, span, prompt, source=Path(piece).name, **options)

    def refill_tracks(
        self,
        piece: Score | str | Path | TrackRefill,
        tracks: str | list[str | int] | None = None,
        bars: str | tuple[int, int] | None = None,
        prompt: str = "",
        n: int = 4,
        seed: int | None = None,
        *,
        nll_weight: float = NLL_WEIGHT,
        selector: Selector | str | None = "auto",
        out_dir: str | Path | None = None,
        overwrite: bool = False,
        wav: bool | None = None,
        progress: ProgressCallback | None = None,
        concept: str | Path | Concept | None = None,
        **settings: Any,
    ) -> tuple[Request, list[Candidate]]:
        """``n`` versions of ``piece`` with the tracks ``tracks`` names written anew over ``bars`` (see
        :meth:`tracks_of`; ``piece`` may also be what it returned), best first: each the kept tracks as
        written with the new notes (:mod:`partita.generation.tracks`), ranked by the Selector's combined
        score plus the new notes' chord-tone agreement with the kept tracks, less ``nll_weight`` (default 0:
        measured, :data:`~partita.generation.tracks.NLL_WEIGHT`) times the model's NLL of the merged piece
        over those bars (nats per token; in each candidate's ``scores`` either way). Returns the request for
        the whole piece and the candidates; files as :meth:`generate`. With ``concept``, sampled and
        measured with it in place (:meth:`with_concept`)."""
        names = _check_out(out_dir, n, overwrite)
        if concept is not None:
            return self.with_concept(concept).refill_tracks(
                piece, tracks, bars, prompt, n, seed, nll_weight=nll_weight, selector=selector,
                out_dir=out_dir, overwrite=overwrite, wav=wav, progress=progress, **settings,
            )  # fmt: skip
        if isinstance(piece, TrackRefill):
            refill = piece
        elif tracks is None:
            raise ValueError("name the tracks to write anew (tracks='bass' or '2,3')")
        else:
            refill = self.tracks_of(piece, tracks, bars, prompt)
        refill = in_vocabulary(refill, self.tokenizer.time_signatures)  # a meter it lacks: in bars it has
        settings = {**TRACK_SETTINGS, **settings}
        request = copy.deepcopy(refill.request)
        candidates = self.generate(request, n=n, seed=seed, selector=None, progress=progress, **settings)
        # what sampling noted (a concept at strength 0, ...) is said where the caller reads the request
        shown = {id(r): r for r in (refill.request, getattr(piece, "request", None)) if r is not None}
        for said in shown.values():
            said.notes += [note for note in request.notes if note not in said.notes]
        whole = whole_request(refill)
        fit: dict[int, float] = {}
        for cand in candidates:
            cand.score, remarks = with_tracks(refill, cand.score)
            agreement = track_agreement(refill, cand.score)
            nll = piece_nll(self.model, self.tokenizer, cand.score, refill.first, refill.last)
            cand.scores.update({"chord_tones": agreement or 0.0, "nll": nll})
            fit[id(cand)] = (agreement or 0.0) - float(nll_weight) * nll
            cand.adherence = candidate_adherence(whole, cand.score)
            cand.remarks += [
                *remarks,
                "other tracks kept as written; new notes on the beats in their chords: "
                f"{agreement or 0.0:.2f}, piece NLL over bars {refill.first}-{refill.last}: "
                f"{nll:.3f} nats per token",
            ]
        chosen = choose_selector(
            selector, self.selector_dir, self.config.selector_weights, self.config.selector_windows
        )
        ours = {id(c): dict(c.scores) for c in candidates}
        candidates = _ranked(candidates, whole, chosen)
        for cand in candidates:  # the Selector's scores replace the dict: keep ours beside them
            cand.scores = {**ours[id(cand)], **cand.scores}
        candidates.sort(key=lambda c: -(c.scores.get("combined", 0.0) + fit[id(c)]))
        for rank, cand in enumerate(candidates, 1):
            cand.rank = rank
        if out_dir is not None:
            used = {"kind": "track infill", "chords": refill.chords_from, "tracks": refill.tracks,
                    "bars": [refill.first, refill.last], "nll_weight": float(nll_weight),
                    "selector": chosen is not None}  # fmt: skip
            with own_writes(out_dir, names, overwrite):
                write_candidates(whole, candidates, out_dir, wav, used)
        return whole, candidates

    def with_concept(self, concept: str | Path | Concept, strength: float | None = None) -> Generator:
        """A generator with a learned concept (a folder or file written by ``partita concept learn``, or a
        :class:`~partita.training.concept.Concept`) in place: the concept token in every condition prefix,
        its deltas scaled by ``strength`` (0: the base model, 1: as learned; default the concept's own).
        A concept learned on another base model or tokenizer is refused."""
        from partita.training.concept import Concept, load_concept  # torch training code: only when asked

        loaded = concept if isinstance(concept, Concept) else load_concept(concept)
        if self.concept is not None:
            raise ValueError(
                f"this generator already carries the concept <{self.concept}>: load the base model"
            )
        model, tokenizer = loaded.apply(self.model, self.tokenizer, strength)
        out = Generator(model, tokenizer, self.config, self.selector_dir)
        out.concept = loaded.name
        out.learned_concept = loaded
        return out

    def model_for(
        self, style: str | None, config: GenerationConfig | None = None
    ) -> tuple[MusicLM, str | None]:
        """The model a request of ``style`` samples with, and the style of the expert merged into it (None:
        the base model). An expert is used where the model has one for the style, ``config.experts`` is on
        and no concept is loaded (a concept was learned on the base model); it is merged once and kept."""
        config = config or self.config
        if not config.experts or self.concept is not None or style not in self.experts:
            return self.model, None
        if style not in self._expert_models:
            expert = StyleExpert.from_pretrained(self.experts[style])
            self._expert_models[style] = expert.apply(self.model)
        return self._expert_models[style], style

    def request(self, prompt: str, **options: Any) -> Request:
        """:meth:`request_of`, for a generator at hand."""
        return self.request_of(prompt, **options)

    def save_pretrained(self, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write the model, its tokenizer and ``generation_config.json`` into ``directory`` (a folder
        :meth:`from_pretrained` loads); the critic's ``selector/`` is written by ``partita selector train``.
        """
        if self.concept is not None:
            raise ValueError(
                f"this generator carries the concept <{self.concept}>, which is saved as its own file or "
                "folder: save the base model's generator instead"
            )
        folder = save_pretrained(self.model, directory, tokenizer=self.tokenizer, card=card)
        self.config.save_pretrained(folder)
        return Path(folder)

    def generate(
        self,
        request: Request | str,
        n: int = 4,
        seed: int | None = None,
        *,
        selector: Selector | str | None = "auto",
        out_dir: str | Path | None = None,
        overwrite: bool = False,
        wav: bool | None = None,
        progress: ProgressCallback | None = None,
        concept: str | Path | Concept | None = None,
        **settings: Any,
    ) -> list[Candidate]:
        """``n`` candidates for ``request`` (a :class:`Request`, or text to project), best first.

        ``settings`` override the model's :class:`GenerationConfig` for this call (``tonic_weight=1``,
        ``in_key=True``, ``temperature=0.9``, ...). ``selector`` ranks the candidates
        (:func:`partita.evaluation.selector.choose_selector`: ``"auto"``, ``"adherence"``, None for sampling
        order, a Selector or a classifier folder). With ``out_dir`` each candidate's files and
        ``generation.json`` are written there (:func:`partita.render.candidates.write_candidates`) and
        recorded as partita's (:mod:`partita.render.own_files`); a file of those names there that partita
        did not write (or that changed since) is refused, before any sampling, with
        :class:`~partita.render.own_files.ForeignFileError`, unless ``overwrite``. With ``concept`` (a
        concept folder or file) the call samples with it in place (:meth:`with_concept`).
        """
        if not 1 <= int(n) <= MAX_CANDIDATES:
            raise ValueError(f"n={n}: partita generates 1 to {MAX_CANDIDATES} candidates at once")
        names = _check_out(out_dir, n, overwrite)
        if concept is not None:
            return self.with_concept(concept).generate(
                request, n, seed, selector=selector, out_dir=out_dir, overwrite=overwrite, wav=wav,
                progress=progress, **settings,
            )  # fmt: skip
        config = self.config.update(**settings)
        request = self.request(request) if isinstance(request, str) else request
        _concept_notes(request, self.concept, self.card.get("concept_strength"))
        # sampled with its chords held for the bars the model samples (4/2: two bars of 4/4 each); measured
        # and written as asked, one chord a bar of the piece
        sampled = (
            in_model_bars(request, self.tokenizer.time_signatures) if request.given is not None else request
        )
        chosen = choose_selector(
            selector,
            self.selector_dir,
            config.selector_weights,
            config.selector_windows,
            config.style_selector_weights,
        )
        seed = int(seed) if seed is not None else secrets.randbelow(2**31 - 1)
        n = int(n)
        # more candidates where the Selector's realism critic chooses better among more
        # (GenerationConfig.style_candidate_pool)
        pool = candidates_sampled(config, chosen, request.conditions.style, n)
        model, expert = self.model_for(request.conditions.style, config)
        candidates = sample_candidates(
            model,
            self.tokenizer,
            sampled,
            config,
            pool,
            seed,
            progress=lambda i, total, what: report(progress, i, 2 * pool + 1, what),
        )
        request.notes += [note for note in sampled.notes if note not in request.notes]
        if expert is not None:
            for cand in candidates:
                cand.remarks.append(f"sampled with the {expert} style expert")
        for i, cand in enumerate(candidates):
            cand.adherence = candidate_adherence(request, cand.score)
            report(progress, pool + 1 + i, 2 * pool + 1, f"measured candidate {i + 1}")
        candidates = _ranked(candidates, request, chosen)[:n]
        if pool > n:
            for cand in candidates:
                cand.remarks.append(f"the Selector's best {n} of {pool} sampled (sample {cand.sample})")
        if out_dir is not None:
            used = chosen.describe() if chosen is not None else {"kind": "none (sampling order)"}
            with own_writes(out_dir, names, overwrite):  # checked again: a file may have come meanwhile
                write_candidates(request, candidates, out_dir, wav, used)
        report(progress, 2 * pool + 1, 2 * pool + 1, "done")
        return candidates

    def generate_plan(
        self,
        plan: PiecePlan,
        n: int = 4,
        seed: int | None = None,
        *,
        selector: Selector | str | None = "auto",
        theme: Score | None = None,
        out_dir: str | Path | None = None,
        overwrite: bool = False,
        wav: bool | None = None,
        progress: ProgressCallback | None = None,
        concept: str | Path | Concept | None = None,
        onsets: Sequence[tuple[int, int]] = (),
        **settings: Any,
    ) -> tuple[Request, list[Candidate]]:
        """One piece that follows ``plan`` (:mod:`partita.generation.plan`), section by section: the first
        generated from its request, each later one a continuation of the piece so far (``n`` candidates,
        the Selector's first kept), a section whose label came before played again as it was (a primed one,
        A', its first half again and the rest written on). With a ``theme`` (a score) the theme is the first
        section and every section of its label, as given. Returns the
        request for the whole piece (its adherence is measured against it) and the piece as one candidate;
        with ``out_dir`` its files, ``generation.json`` and ``plan.json`` are written there. With ``concept``,
        every section is sampled with it in place (:meth:`with_concept`). ``onsets``: (bar, position) pairs of
        the whole piece where notes should start (``Request.onsets``: a video's events), asked of every
        section. Files as :meth:`generate` (``plan.json`` among them)."""
        names = _check_out(out_dir, 1, overwrite, "plan.json")
        if concept is not None:
            return self.with_concept(concept).generate_plan(
                plan, n, seed, selector=selector, theme=theme, out_dir=out_dir, overwrite=overwrite, wav=wav,
                progress=progress, onsets=onsets, **settings,
            )  # fmt: skip
        seed = int(seed) if seed is not None else secrets.randbelow(2**31 - 1)
        piece, remarks = None, []
        if theme is not None:  # the theme is the first section, and every section of its label
            piece = given_piece(theme, "the theme").score.copy()
            plan = with_theme(plan, notated_bars(piece))
            remarks.append(f"{plan.sections[0].label} (bars 1-{plan.sections[0].bars}): the theme as given")
        again, starts = repeats(plan), section_starts(plan)
        for i, section in enumerate(plan.sections):
            if i == 0 and theme is not None:
                continue
            report(progress, i, len(plan.sections) + 1, f"section {i + 1}: {section.label} {section.name}")
            where = f"{section.label} (bars {starts[i] + 1}-{starts[i] + section.bars})"
            taken = 0
            if again[i] is not None:
                source, taken = again[i]
                play_again(piece, starts[source], taken, starts[i])
                remarks.append(f"{where}: bars {starts[source] + 1}-{starts[source] + taken} again")
                if taken == section.bars:
                    continue
            text = ", ".join(t for t in (plan.prompt, section.prompt) if t)
            options = {**section_options(plan, section), "bars": section.bars - taken}
            if piece is None:
                request = self.request(text, **options)
            else:  # from the plan's bar, also where the piece so far ends in silent bars
                given = given_piece(piece, "the piece so far")
                given.bars = starts[i] + taken
                new = options.pop("bars")
                request = continuation_request(given, text, bars=new, **options)
            request.onsets = [(int(b), int(p)) for b, p in onsets]  # bars of the whole piece, as sampled
            # no pickup bar: the plan's sections count bars from the first
            sampled = {"pickups": False, **settings}
            best = self.generate(request, n=n, seed=seed + i, selector=selector, **sampled)[0]
            piece = best.score
            remarks.append(f"{where}: {section.bars - taken} bars, the best of {n} ({best.stop_reason})")
        report(progress, len(plan.sections), len(plan.sections) + 1, "measuring the whole piece")
        whole = self.request(plan.prompt, **plan_options(plan))  # measured on its key, meter, tempo, bars
        cand = Candidate(1, piece, seed, "plan", remarks=remarks)
        cand.adherence = candidate_adherence(whole, piece)
        if out_dir is not None:
            with own_writes(out_dir, names, overwrite):
                write_candidates(whole, [cand], out_dir, wav, {"kind": "plan", "candidates_per_section": n})
                save_plan(plan, Path(out_dir) / "plan.json")
        report(progress, len(plan.sections) + 1, len(plan.sections) + 1, "done")
        return whole, [cand]


def _within_limits(piece: Score | str | Path, read: Any = None) -> Score:
    """A piece given to build on (a score, or a file read with ``read``) held to
    :class:`~partita.score.ScoreLimits` before any work: 0 ticks per quarter note, a note of days or
    thousands of tracks are refused in one line naming the file (not after sampling, by the writer of the
    candidates, naming a candidate's file)."""
    score = piece if isinstance(piece, Score) else read(piece)
    check_limits(score, None if isinstance(piece, Score) else piece)
    return score


def _check_out(out_dir: str | Path | None, n: int, overwrite: bool, *more: str) -> list[str]:
    """The files a call writes into ``out_dir`` (``n`` candidates' and ``more``); refused before any work
    when one of them is there and is not partita's own, unless ``overwrite``
    (:func:`partita.render.own_files.check_own_files`)."""
    names = [*candidate_names(int(n)), *more]
    if out_dir is not None:
        check_own_files(out_dir, names, overwrite)
    return names


def track_agreement(refill: TrackRefill, piece: Score) -> float | None:
    """The share of the new notes of ``piece`` starting on a beat (in the bars written anew) that are tones
    of the chord the kept tracks play there (the kept tracks heard alone); None when no such note has a chord
    under it."""
    return chord_tone_agreement(*new_and_kept(refill, piece))


def _concept_notes(request: Request, concept: str | None, strength: float | None = None) -> None:
    """Say when the prompt's concept and the generator's differ (the generator's is used, or none), and,
    for a concept applied at ``strength`` 0, that the base model made the pieces (no concept token, no
    learned weights: :meth:`partita.training.concept.Concept.apply`)."""
    base = concept is not None and strength is not None and float(strength) == 0.0
    if request.concept and request.concept != concept:
        loaded = f"the concept loaded is <{concept}>" if concept else "no concept is loaded (give --concept)"
        if base:
            loaded = f"the concept loaded is <{concept}> at strength 0, which is the base model"
        request.notes.append(
            f"the prompt names <{request.concept}> but {loaded}: <{request.concept}> is not applied"
        )
    elif base:
        request.notes.append(
            f"the concept <{concept}> is at strength 0: the base model made these pieces (no concept token "
            "in the prefix, none of its learned weights); raise the strength to hear it"
        )
    elif concept and not request.concept:
        request.notes.append(f"the concept <{concept}> is in the prefix though the prompt does not name it")


def _ranked(candidates: list[Candidate], request: Request, selector: Selector | None) -> list[Candidate]:
    """The candidates best first (by ``selector``; without one, in sampling order), ranks and scores set."""
    if selector is not None:
        ranked = selector.rank(candidates, request)
        for cand, scores in ranked:
            cand.scores = scores
            if selector.note:
                cand.remarks.append(selector.note)
        candidates = [cand for cand, _ in ranked]
    for rank, cand in enumerate(candidates, 1):
        cand.rank = rank
    return candidates


def candidates_sampled(config: GenerationConfig, selector: Selector | None, style: str | None, n: int) -> int:
    """How many candidates are sampled for ``n`` asked of ``style``: ``n`` times the style's
    :attr:`~partita.generation.config.GenerationConfig.style_candidate_pool` where ``selector`` ranks the
    style by its realism critic (a Selector without one chose no better among eight than among four: 0.843
    against 0.778 on pop, docs/GENERATION.md § Selector), else ``n``."""
    if selector is None or not selector.ranks_realism(style):
        return n
    return n * config.candidate_pool_for(style)


def generate(
    prompt: str | Request,
    *,
    n: int = 4,
    seed: int | None = None,
    model: str | Generator | MusicLM = DEFAULT_MODEL,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    wav: bool | None = None,
    selector: Selector | str | None = "auto",
    progress: ProgressCallback | None = None,
    concept: str | Path | Concept | None = None,
    **options: Any,
) -> tuple[Request, list[Candidate]]:
    """Generate ``n`` candidates for ``prompt``; return the understood request and the ranked candidates.

    One call for a script: ``model`` is a name or folder (:meth:`Generator.from_pretrained`), a Generator, or
    a loaded :class:`~partita.models.MusicLM` with its tokenizer. ``options`` are either request fields that
    override the text (``key``, ``tempo``, ``meter``, ``instruments``, ``bars``, ``chords``, ``style``,
    ``density``, ``polyphony``, ``rhythm``: :func:`partita.generation.prompt.project_prompt`) or generation
    settings (any :class:`GenerationConfig` field: ``constrain``, ``in_key``, ``tonic_weight``, ``cadence``,
    ``form``, ``temperature``, ...). ``concept``: a learned concept (its folder or file, or a
    :class:`~partita.training.concept.Concept`) to sample with (:meth:`Generator.with_concept`). With
    ``out_dir`` the files are written there as :meth:`Generator.generate` writes them: a file there that
    partita did not write is refused (:class:`~partita.render.own_files.ForeignFileError`) before the model
    loads, unless ``overwrite``.
    """
    if out_dir is not None:
        check_own_files(out_dir, candidate_names(int(n)), overwrite)
    generator = load_generator(model) if not isinstance(model, Generator) else model
    if concept is not None:
        generator = generator.with_concept(concept)
    settings = {k: options.pop(k) for k in list(options) if k in _SETTINGS}
    request = prompt if isinstance(prompt, Request) else generator.request(prompt, **options)
    if isinstance(prompt, Request) and options:
        raise ValueError(f"{sorted(options)}: not generation settings, and the request is already built")
    candidates = generator.generate(
        request, n=n, seed=seed, selector=selector, out_dir=out_dir, overwrite=overwrite, wav=wav,
        progress=progress, **settings,
    )  # fmt: skip
    return request, candidates


_SETTINGS = frozenset(GenerationConfig.__dataclass_fields__)


def load_generator(model: str | Path | MusicLM = DEFAULT_MODEL) -> Generator:
    """A :class:`Generator` for a model name or folder, or for a loaded model carrying its tokenizer."""
    if isinstance(model, MusicLM):
        tokenizer = getattr(model, "tokenizer", None)
        if not isinstance(tokenizer, SteerableTokenizer):
            raise ValueError("this model carries no partita tokenizer, so it cannot generate from prompts")
        return Generator(model, tokenizer)
    return Generator.from_pretrained(model)
