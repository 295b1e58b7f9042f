"""``partita generate`` (music from a prompt) and ``partita continue`` (a piece carried on), with what was
understood and how well each candidate follows it."""

from __future__ import annotations

from pathlib import Path

import click

from partita.cli._errors import OVERWRITE_HELP, SEED, FiniteRange, check_out_files

_OUTPUT_OPTIONS = [
    click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=None,
        help=(
            "Folder for the candidates' MIDI, MusicXML, WAV, piano rolls and generation.json "
            "(default: out/generate, out/continue)."
        ),
    ),
    click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP),
    click.option(
        "--n", "n", type=click.IntRange(1, 16), default=4, show_default=True, help="Candidates to generate."
    ),
    click.option("--seed", type=SEED, default=None, help="Seed for reproducible results."),
    click.option(
        "--model",
        default="partita-small",
        show_default=True,
        help="A model folder or name; 'debug' is an untrained tiny model for trying the pipeline.",
    ),
    click.option(
        "--explain", is_flag=True, help="Print what the prompt was understood to ask for, then generate."
    ),
]

_REQUEST_OPTIONS = [
    click.option("--key", default=None, help="Key, e.g. 'D', 'F# minor' (overrides the prompt)."),
    click.option("--tempo", type=float, default=None, help="Tempo in bpm (overrides the prompt)."),
    click.option("--meter", default=None, help="Time signature, e.g. 3/4 (overrides the prompt)."),
    click.option(
        "--instruments", default=None, help="Comma-separated GM names or programs, e.g. 'violin,guitar'."
    ),
    click.option(
        "--chords",
        default=None,
        help="Chord progression, one per bar, looping over the piece, e.g. 'Am F C G'.",
    ),
    click.option("--density", type=FiniteRange(0, 1), default=None, help="Note-density fader, 0 to 1."),
    click.option("--polyphony", type=FiniteRange(0, 1), default=None, help="Polyphony fader, 0 to 1."),
    click.option("--rhythm", type=FiniteRange(0, 1), default=None, help="Rhythmic-density fader, 0 to 1."),
]

_SETTING_OPTIONS = [
    click.option("--in-key", is_flag=True, help="Only pitches of the requested key's scale."),
    click.option(
        "--chord-tones-only",
        is_flag=True,
        help=(
            "With chords: only tones of each bar's chord (by default notes between beats may also be "
            "tones of the key's scale)."
        ),
    ),
    click.option(
        "--tonic-weight",
        type=FiniteRange(0, 4),
        default=None,
        help=(
            "With a key: how strongly notes are pulled to the tonic triad (default 0: it made melodies "
            "circle the tonic; 1 was the earlier default, for key adherence)."
        ),
    ),
    click.option(
        "--presence-weight",
        type=FiniteRange(0, 6),
        default=None,
        help=(
            "With two or more instruments: how strongly one silent for two bars is pulled back in (0: not "
            "at all; default: partita's, chosen on development prompts)."
        ),
    ),
    click.option(
        "--repeat-weight",
        type=FiniteRange(0, 6),
        default=None,
        help=(
            "How strongly a bar that has begun to repeat an earlier one (2, 4 or 8 bars back, never the "
            "bar just played) is pulled to go on repeating it (default: by style, 2.5 for jigs, where it "
            "made them harder to tell from real ones; 0 elsewhere: docs/GENERATION.md)."
        ),
    ),
    click.option(
        "--step-weight",
        type=FiniteRange(0, 6),
        default=None,
        help=(
            "How strongly each voice is pulled to move by step (to the next tone of the key's scale) and "
            "held back from leaps over an octave (default: by style, 1 for Renaissance pieces, where it made "
            "them harder to tell from real ones; 0 elsewhere: docs/GENERATION.md)."
        ),
    ),
    click.option(
        "--loop-penalty",
        type=FiniteRange(0, 6),
        default=None,
        help=(
            "How much a bar that has begun to copy the bar just played is held back from going on (default: "
            "by style, 1.0 for jigs, which otherwise loop a bar; 0 elsewhere: docs/GENERATION.md)."
        ),
    ),
    click.option(
        "--entries",
        callback=lambda ctx, param, value: _entries(value),
        default=None,
        metavar="BARS",
        help=(
            "The bar each voice comes in at, counted from 0 in the order the voices are listed, e.g. "
            "'0,1,2,3' (or 'none': every voice from the first bar; default: by style, Renaissance voices "
            "one bar apart: docs/GENERATION.md)."
        ),
    ),
    click.option(
        "--no-constraints", is_flag=True, help="Sample freely: no guaranteed meter, bars or instruments."
    ),
    click.option(
        "--literal-instruments",
        is_flag=True,
        help=(
            "Sample every instrument as itself, even one the model barely knows for such a piece (by "
            "default it is sampled as one the model knows and written back for the instrument asked for)."
        ),
    ),
    click.option(
        "--no-expert",
        is_flag=True,
        help="Sample with the base model even where it has a style expert for the prompt's style.",
    ),
    click.option(
        "--cadence",
        is_flag=True,
        help="With a key: open and close on the tonic triad (its whole first and last bars).",
    ),
    click.option(
        "--form",
        is_flag=True,
        help="A folk or dance tune states a phrase and returns to it (first quarter again after the half).",
    ),
    click.option(
        "--temperature",
        type=FiniteRange(0.05, 3.0),
        default=None,
        help="Sampling temperature (default: the model's generation_config.json, 1.0 for partita-small).",
    ),
    click.option(
        "--selector",
        default="auto",
        show_default=True,
        metavar="auto|adherence|none|DIR",
        help=(
            "How candidates are ranked: auto (the model's learned Selector when it ships one, else "
            "adherence), adherence, none (sampling order), or a classifier folder written by "
            "`partita selector train`."
        ),
    ),
]


_CONCEPT_OPTIONS = [
    click.option(
        "--concept",
        type=click.Path(),
        default=None,
        help=(
            "A concept learned by `partita concept learn` (its folder, or an older .safetensors file): its "
            'token goes into the prefix, e.g. "a waltz in <my-style>" --concept my-style/ (docs/CONCEPTS.md).'
        ),
    ),
    click.option(
        "--concept-strength",
        type=FiniteRange(0, 2),
        default=None,
        help="With --concept: 0 is the base model, 1 the concept as learned (default: the concept's own).",
    ),
]


def _options(*groups: list):
    """Apply click options (lists of decorators, each list in its order) to a command."""

    def apply(f):
        for option in reversed([o for group in groups for o in group]):
            f = option(f)
        return f

    return apply


class _Pickup(click.ParamType):
    """``--pickup``: auto, 0 or a number of beats (:func:`partita.generation.upbeat.parse_pickup`)."""

    name = "auto|0|BEATS"

    def convert(self, value, param, ctx):
        from partita.generation.upbeat import parse_pickup

        try:
            return parse_pickup(value)
        except ValueError as e:
            self.fail(str(e).removeprefix(f"--pickup {value}: "), param, ctx)


PICKUP = _Pickup()
PICKUP_HELP = (
    "A MIDI melody's upbeat (MIDI has no pickup bar): auto (read from its notes, padded when sure), 0 (the "
    "file's bars as they are) or a number of beats. MusicXML and ABC state their bars."
)


@click.command()
@click.argument("prompt", required=False, default="")
@_options(_OUTPUT_OPTIONS, _REQUEST_OPTIONS)
@click.option(
    "--bars", type=click.IntRange(1, 128), default=None, help="Length in bars (overrides the prompt)."
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Follow a plan written by `partita plan` (and edited): one piece, section by section.",
)
@click.option(
    "--theme",
    "theme_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=(
        "A theme (MIDI, MusicXML or ABC; or audio, WAV, MP3, FLAC, Ogg or M4A: a hummed or played melody, "
        "transcribed) stated first, played again and varied where the plan's first label comes back (with no "
        "--plan, the plan partita proposes for the prompt)."
    ),
)
@click.option("--pickup", type=PICKUP, default="auto", show_default=True, help="With --theme: " + PICKUP_HELP)
@click.option(
    "--image",
    "image_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=(
        "A picture (JPEG, PNG, WebP, ...) whose light, colour, contrast and edges set what the prompt leaves "
        "open: mode, tempo, register, density, mood (docs/PICTURES.md)."
    ),
)
@click.option(
    "--lead-sheet",
    is_flag=True,
    help=(
        "A lead-sheet melody over --chords: one melodic line in phrases, a phrase that comes back where the "
        "chords do (docs/LEADSHEETS.md)."
    ),
)
@_options(_SETTING_OPTIONS, _CONCEPT_OPTIONS)
def generate(
    prompt,
    out_dir,
    n,
    seed,
    model,
    explain,
    selector,
    plan_path,
    theme_path,
    pickup,
    image_path,
    lead_sheet,
    concept,
    concept_strength,
    overwrite,
    **options,
) -> None:
    """Generate music that follows PROMPT, e.g. "a lively Irish jig in D major for fiddle and guitar, 32
    bars".

    Each candidate is measured with partita's own analysis (key, tempo, meter, instruments, chords) and the
    candidates are ranked by the Selector: how well they follow the request and, when the model ships a
    learned classifier, how much they sound like the requested style and like real music. With --image, a
    picture's light, colour, contrast and edges set what the prompt leaves open.
    """
    out_dir = out_dir or "out/generate"
    planned = lead_sheet or plan_path is not None or theme_path is not None  # one piece and its plan.json
    check_out_files(out_dir, _written(1 if planned else n, planned), overwrite)
    settings = _settings(options)
    concept = (concept, concept_strength) if concept else None
    if image_path is not None and plan_path is not None:
        raise click.UsageError("--image and --plan: the plan says what is wanted; give one of them")
    if lead_sheet:
        from partita.generation.leadsheet import leadsheet_plan

        asked = _request_options(options)
        if not asked.get("chords") or plan_path or theme_path or image_path:
            raise click.UsageError("--lead-sheet: give --chords (and no --plan, --theme or --image)")
        plan = leadsheet_plan(asked.pop("chords"), prompt, asked.pop("bars", None), **asked)
        click.echo(plan.explain())
        _run(plan, explain, model, out_dir, n, seed, selector, settings, concept=concept, overwrite=overwrite)
        return
    theme = None
    if theme_path is not None:
        from partita.generation.upbeat import read_melody

        theme, note = read_melody(theme_path, pickup)  # a score file, or audio: a hummed or played melody
        if note:
            click.echo(f"note: the theme: {note}")
    if plan_path is not None or theme is not None:
        from partita.generation.plan import load_plan, plan_piece

        asked = _request_options(options)
        if plan_path is not None and (prompt or asked):
            raise click.UsageError("--plan: the plan says what is wanted; give no prompt or request options")
        plan = (
            load_plan(plan_path) if plan_path else plan_piece(_request_of(prompt, asked, image_path, explain))
        )
        click.echo(plan.explain())
        _run(plan, explain, model, out_dir, n, seed, selector, settings, theme, concept, overwrite)
        return
    # the request is built once; what was understood (and any bad option) is shown before the model loads and
    # samples, not after the wait
    request = _request_of(prompt, _request_options(options), image_path, explain)
    _run(request, explain, model, out_dir, n, seed, selector, settings, concept=concept, overwrite=overwrite)


@click.command("continue")
@click.argument("piece", type=click.Path(dir_okay=False))  # a score file, or audio (transcribed)
@click.argument("prompt", required=False, default="")
@_options(_OUTPUT_OPTIONS, _REQUEST_OPTIONS)
@click.option(
    "--bars", type=click.IntRange(1, 128), default=8, show_default=True, help="New bars to add to the piece."
)
@_options(_SETTING_OPTIONS, _CONCEPT_OPTIONS)
@click.option(
    "--pickup",
    type=PICKUP,
    default="auto",
    show_default=True,
    help="For a MIDI melody (one track): " + PICKUP_HELP,
)
def continue_(
    piece,
    prompt,
    out_dir,
    n,
    seed,
    model,
    explain,
    selector,
    concept,
    concept_strength,
    overwrite,
    pickup,
    **options,
) -> None:
    """Continue PIECE (MIDI, MusicXML, ABC, or a recording, transcribed) by --bars bars, in its own key,
    meter, tempo and instruments unless PROMPT (or an option) says otherwise, e.g.
    `partita continue song.mid "for flute" --bars 8` or `partita continue take.wav`.

    Each candidate is the piece as written with the new bars after it; the new bars are sampled with the
    whole piece in view and held to the same rules as `partita generate`.
    """
    from partita.pipelines import Generator

    out_dir = out_dir or "out/continue"
    check_out_files(out_dir, _written(n), overwrite)
    settings = _settings(options)
    request = Generator.continuation_of(piece, prompt, pickup=pickup, **_request_options(options))
    concept = (concept, concept_strength) if concept else None
    _run(request, explain, model, out_dir, n, seed, selector, settings, concept=concept, overwrite=overwrite)


@click.command("infill")
@click.argument("piece", type=click.Path(dir_okay=False))  # a score file, or audio (transcribed)
@click.argument("prompt", required=False, default="")
@click.option(
    "--bars",
    "gap",
    default=None,
    help="The bars to write anew, FIRST-LAST, e.g. 9-12 (with --tracks: default the whole piece).",
)
@click.option(
    "--tracks",
    default=None,
    help=(
        "Write only these tracks anew, every other track kept as written: track names, instruments or "
        "numbers (1 first), comma-separated, e.g. 'bass,piano' or '2,3'."
    ),
)
@_options(_OUTPUT_OPTIONS, _REQUEST_OPTIONS, _SETTING_OPTIONS, _CONCEPT_OPTIONS)
def infill(
    piece,
    prompt,
    gap,
    tracks,
    out_dir,
    n,
    seed,
    model,
    explain,
    selector,
    concept,
    concept_strength,
    overwrite,
    **options,
) -> None:
    """Write bars --bars of PIECE (MIDI, MusicXML, ABC, or a recording, transcribed) anew, keeping every
    other bar as written, e.g. `partita infill song.mid --bars 9-12`; or, with --tracks, write those tracks
    anew (over --bars, or the whole piece), keeping every other track as written, e.g.
    `partita infill song.mid --tracks bass`.

    The gap is sampled with the bars before it in view; twice as many candidates as --n are sampled and the
    ones kept are those under which the model finds the bars after the gap likeliest. New tracks are sampled
    over the chords of the kept tracks (after their own bars before --bars, when there are some) and ranked
    by how well their notes on the beats agree with those chords; each candidate also shows the model's NLL
    of the whole piece with them.
    """
    from partita.pipelines import Generator

    out_dir = out_dir or "out/infill"
    check_out_files(out_dir, _written(n), overwrite)
    settings = _settings(options)
    concept = (concept, concept_strength) if concept else None
    if tracks is not None:
        args = (piece, prompt, gap, tracks, out_dir, n, seed, model, explain, selector, settings, options)
        _refill(*args, concept=concept, overwrite=overwrite)
        return
    if gap is None:
        raise click.UsageError("give --bars FIRST-LAST (the bars to write anew), --tracks, or both")
    request = Generator.infill_of(piece, gap, prompt, **_request_options(options))
    _run(request, explain, model, out_dir, n, seed, selector, settings, concept=concept, overwrite=overwrite)


def _refill(
    piece, prompt, gap, tracks, out_dir, n, seed, model, explain, selector, settings, options, **run
) -> None:
    """``partita infill --tracks``: the named tracks written anew, the others kept; the ranked candidates
    (``run``: :func:`run_prepared`'s ``concept`` and ``overwrite``)."""
    from partita.pipelines import Generator

    asked = _request_options(options)
    asked.pop("bars", None)
    try:
        refill = Generator.tracks_of(piece, tracks, gap, prompt, **asked)  # read first: bad input fails fast
    except ValueError as err:  # a ScoreError too: one sentence naming the problem, nothing written
        raise click.ClickException(str(err)) from None
    run_prepared(
        "refill_tracks",
        refill,
        refill.request,
        explain,
        model,
        out_dir,
        n,
        seed,
        selector,
        settings,
        label="infill",
        **run,
    )


def run_prepared(
    method: str,
    prepared,
    request,
    explain,
    model,
    out_dir,
    n,
    seed,
    selector,
    settings,
    label: str,
    concept: tuple[str, float | None] | None = None,
    overwrite: bool = False,
) -> None:
    """Run ``Generator.<method>(prepared, ...)`` (``accompany``, ``refill_tracks``: a request read once,
    bad input already refused) with a progress bar, and print the ranked candidates and what was written;
    with ``concept`` (a path and a strength) the generator carries it; ``overwrite`` as the command's
    --overwrite."""
    from partita.cli.progress import tqdm_progress
    from partita.pipelines import Generator

    click.echo(request.explain() if explain else "\n".join(f"note: {x}" for x in request.notes))
    generator = Generator.from_pretrained(model)
    if concept is not None:  # refused, in one sentence, when learned on another model or tokenizer
        generator = generator.with_concept(*concept)
    kept = {k: v for k, v in settings.items() if v is not None}
    said = list(request.notes)
    with tqdm_progress(label, unit="step") as bar:
        made, candidates = getattr(generator, method)(
            prepared,
            n=n,
            seed=seed,
            selector=None if selector == "none" else selector,
            out_dir=out_dir,
            overwrite=overwrite,
            progress=bar,
            **kept,
        )
    for note in getattr(made, "notes", []):  # what the run itself found (e.g. how the parts were made)
        if note not in said:
            click.echo(f"note: {note}")
    for cand in candidates:
        click.echo(f"#{cand.rank}  {ranking_scores(cand)}  {cand.remarks[-1]}  {cand.files.get('midi', '')}")
    click.echo(f"wrote {Path(out_dir) / 'generation.json'}")


commands = [generate, continue_, infill]


def _written(n: int, planned: bool = False) -> list[str]:
    """The files a generating command writes into its folder: ``n`` candidates' and, following a plan (or
    a theme's), ``plan.json``."""
    from partita.render.candidates import candidate_names

    return candidate_names(n) + (["plan.json"] if planned else [])


def _request_options(options: dict) -> dict:
    """The request fields among the command's options (those given), instruments as a list."""
    picked = {k: options.pop(k) for k in _REQUEST_FIELDS if k in options}
    if picked.get("instruments"):
        picked["instruments"] = [s.strip() for s in picked["instruments"].split(",") if s.strip()]
    return {k: v for k, v in picked.items() if v not in (None, "")}


def _request_of(prompt: str, asked: dict, image_path: str | None, explain: bool):
    """The request for the prompt and options, and (with ``--image``) what the picture sets that they leave
    open; with ``--explain`` what was read from the picture is shown first."""
    from partita.pipelines import Generator

    if image_path is None:
        return Generator.request_of(prompt, **asked)
    from partita.generation.picture import image_request
    from partita.picture import read_image_features

    features = read_image_features(image_path)
    if explain:
        click.echo(f"read from {image_path}:\n{features.describe()}")
    return image_request(features, prompt, Path(image_path).name, **asked)


def _entries(value: str | None) -> list[float] | None:
    """``--entries``: "0,1,2,3" -> [0, 1, 2, 3]; "none" -> []; a bad list is one clear message."""
    if value is None:
        return None
    if value.strip().lower() in ("none", "0", ""):
        return []
    try:
        out = [float(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give bars as numbers, e.g. 0,1,2,3 (or none)") from None
    if any(v < 0 for v in out):
        raise click.BadParameter(f"{value!r}: an entry bar cannot be negative")
    return out


def _settings(options: dict) -> dict:
    """The generation settings the flags override; a flag left unset leaves the model's own
    generation_config.json in charge (None: not overridden)."""
    o = {k: options.pop(k) for k in list(options) if k not in _REQUEST_FIELDS}
    return dict(
        constrain=False if o["no_constraints"] else None,
        in_key=o["in_key"] or None,
        chord_tones_only=o["chord_tones_only"] or None,
        tonic_weight=o["tonic_weight"],
        presence_weight=o["presence_weight"],
        repeat_weight=o["repeat_weight"],
        step_weight=o["step_weight"],
        loop_penalty=o["loop_penalty"],
        entries=o["entries"],
        temperature=o["temperature"],
        stand_ins=False if o["literal_instruments"] else None,
        experts=False if o["no_expert"] else None,
        cadence=o["cadence"] or None,
        form=o["form"] or None,
    )


_REQUEST_FIELDS = frozenset(
    ("key", "tempo", "meter", "bars", "chords", "density", "polyphony", "rhythm", "instruments")
)


def _run(
    request,
    explain: bool,
    model: str,
    out_dir: str,
    n: int,
    seed,
    selector: str,
    settings: dict,
    theme=None,
    concept: tuple[str, float | None] | None = None,
    overwrite: bool = False,
) -> None:
    """Show the request, load the model, generate with a progress bar and list the ranked candidates. A
    :class:`~partita.generation.plan.PiecePlan` in place of the request is followed section by section;
    ``overwrite`` is the command's --overwrite (the library checks the files again before it writes)."""
    from partita.cli.progress import tqdm_progress
    from partita.generation.plan import PiecePlan
    from partita.pipelines import Generator

    plan = request if isinstance(request, PiecePlan) else None
    understood = len(request.notes) if plan is None else 0
    if plan is None and (explain or request.not_understood or request.notes):
        click.echo(request.explain())
    generator = Generator.from_pretrained(model)
    if concept is not None:  # refused, in one sentence, when learned on another model or tokenizer
        generator = generator.with_concept(*concept)
    kw = dict(n=n, seed=seed, out_dir=out_dir, overwrite=overwrite, **settings)
    kw["selector"] = None if selector == "none" else selector
    with tqdm_progress("generate", unit="step") as bar:
        if plan is None:
            candidates = generator.generate(request, progress=bar, **kw)
        else:
            request, candidates = generator.generate_plan(plan, theme=theme, progress=bar, **kw)
    for note in request.notes[understood:]:  # what sampling did beyond the request (stand-ins)
        click.echo(f"note: {note}")
    for cand in candidates:
        for remark in cand.remarks if plan is not None else []:
            click.echo(f"  {remark}")
        detail = ", ".join(f"{k} {v:.2f}" for k, v in sorted(cand.adherence.items()))
        click.echo(
            f"#{cand.rank}  {ranking_scores(cand)}  ({detail or 'nothing measurable'})  "
            f"{cand.files.get('midi', '')}"
        )
    click.echo(f"wrote {Path(out_dir) / 'generation.json'}")


def ranking_scores(cand) -> str:
    """What a candidate was ranked by: the Selector's combined, style, quality and realism scores (when it has
    them) and its mean adherence, e.g. ``selector 0.91  style 0.80  quality 0.95  adherence 0.97``."""
    parts = [f"{k} {cand.scores[k]:.2f}" for k in ("style", "quality", "realism") if k in cand.scores]
    if "combined" in cand.scores:
        parts.insert(0, f"selector {cand.scores['combined']:.2f}")
    parts.append("adherence " + ("-" if cand.adherence_mean is None else f"{cand.adherence_mean:.2f}"))
    return "  ".join(parts)
