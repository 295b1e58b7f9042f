"""``partita encoder``: continual pretraining of the music encoder on a culture's pieces, and task arithmetic
(merging adapted encoders in weight space); see docs/UNDERSTANDING.md, "Cultural adaptation"."""

from __future__ import annotations

import json
from pathlib import Path

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder, one_line
from partita.cli._interrupt import resumable

SCHEDULES = ("rewarm", "constant")
MASKINGS = ("random", "adversarial")
"""``partita.training.culture.MASKINGS`` (here so --help needs no torch; a test checks that they agree)."""
MERGE_METHODS = ("linear", "ties", "dare", "dare_ties")
"""The names of ``partita.training.merge_methods.MERGE_METHODS`` (kept here so --help needs no torch; a test
checks that they agree)."""
MAX_LAM = 10.0
"""The largest |--lam| of a merge: task arithmetic uses -1..2; far beyond, the weights are noise."""


@click.group("encoder")
def encoder() -> None:
    """Adapt the music encoder to a musical culture (continual masked-note pretraining) and merge adapted
    encoders (task arithmetic)."""


def _threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _pieces(
    corpus_name: str,
    cultures: tuple[str, ...],
    model,
    max_notes: int,
    limit: int | None,
    limits: dict[str, int | None] | None = None,
) -> dict:
    """Train-split token arrays of each culture (``limits``: another limit for some of them)."""
    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.training.culture import culture, culture_pieces

    limits = limits or {}
    for name in cultures:
        culture(name)  # an unknown name is one line before anything is read
    corpus = load_corpus(corpus_name)
    data = {}
    for name in cultures:
        with tqdm_progress(f"reading {name}", unit="piece") as progress:
            data[name] = culture_pieces(
                corpus, name, "train", model.config, max_notes, limits.get(name, limit), progress=progress
            )
    return data


def _train_options(f):
    for opt in reversed(
        [
            click.option(
                "--corpus", default="all", show_default=True, help="A built corpus (its train split)."
            ),
            click.option(
                "--culture",
                "cultures",
                multiple=True,
                required=True,
                help="china, lorraine_luxembourg or western; repeat for multi-culture training.",
            ),
            click.option(
                "-o", "--out", required=True, type=click.Path(file_okay=False), help="The new folder."
            ),
            click.option("--steps", type=click.IntRange(1), default=200, show_default=True),
            click.option("--lr", type=FiniteRange(0, 1, min_open=True), default=5e-4, show_default=True),
            click.option("--warmup", type=click.IntRange(0), default=20, show_default=True),
            click.option("--batch-size", type=click.IntRange(1, 4096), default=16, show_default=True),
            click.option("--max-notes", type=click.IntRange(1), default=512, show_default=True),
            click.option("--limit", type=click.IntRange(1), default=None, help="At most N pieces a culture."),
            click.option("--seed", type=SEED, default=0, show_default=True),
            click.option("--threads", type=click.IntRange(1, 256), default=1, show_default=True),
        ]
    ):
        f = opt(f)
    return f


def _config(train: dict, **extra):
    """The AdaptConfig of the shared training options ``train`` and the command's own fields."""
    from partita.training.culture import AdaptConfig

    keys = ("cultures", "steps", "lr", "warmup", "batch_size", "max_notes", "seed")
    return AdaptConfig(**{k: train[k] for k in keys}, **extra)


def _masking_options(f):
    """--masking, --resume and --checkpoint-every: the same on pretrain and adapt."""
    f = click.option(
        "--checkpoint-every",
        type=click.IntRange(0),
        default=100,
        show_default=True,
        help="Save the encoder with its training state (train_state.safetensors) every N steps, so that an "
        "interrupted run goes on with --resume where it stopped (0: only at the end). Ctrl-C or SIGTERM "
        "saves it at the step reached.",
    )(f)
    f = click.option(
        "--resume",
        is_flag=True,
        help="Go on with the encoder in --out: a run that was interrupted goes on from its last checkpoint "
        "with its own options, to the end of its schedule, as if never stopped; a finished one goes on for "
        "--steps more steps (a new warm-up and decay). The optimizer's moments, the random streams and an "
        "adversarial run's masker and mask book (masker.safetensors) go on too.",
    )(f)
    return click.option(
        "--masking",
        type=click.Choice(MASKINGS),
        default=None,
        help="Which notes are masked: random (each with probability 0.15; the default) or adversarial "
        "(Adversarial-MidiBERT's learned masker and mask book). Saved in adapt_config.json and the card; "
        "--resume keeps the folder's.",
    )(f)


FREE = ("out", "resume", "threads", "checkpoint_every", "masking")
"""Options that a resumed, interrupted run takes from the command line (the masking must be the folder's:
:func:`partita.training.culture.resume_masking`); it takes every other one from the run."""


def _resumed(ctx: click.Context, opts: dict):
    """--resume: the encoder in --out, its masking (another one refused in one line), the AdaptConfig saved
    there (None: none), its saved masker (None: none saved, or not adversarial) and its training state (None:
    none saved). An interrupted run's own options replace ``opts`` (one given on the command line must be
    the same, else one line)."""
    from partita.models.encoder import MusicEncoder
    from partita.training.adversarial_mask import MaskerState, load_masker
    from partita.training.culture import ADAPT_CONFIG, load_adapt_config, load_resume_state, resume_masking

    out = opts["out"]
    masking = resume_masking(out, opts["masking"])
    model = MusicEncoder.from_pretrained(out)
    saved = load_adapt_config(out) if (Path(out) / ADAPT_CONFIG).is_file() else None
    masker = (load_masker(out) or MaskerState()) if masking == "adversarial" else None
    state = load_resume_state(out, model, masker)
    if state is not None and not state.finished:
        if saved is None:
            raise ValueError(f"{out}: an interrupted run without its {ADAPT_CONFIG}: it cannot go on")
        opts.update(_interrupted(ctx, state, out))
    return model, masking, saved, masker, state


def _options(params: dict) -> dict:
    """The options of ``params`` that make the run (not --out, --threads, ...), as JSON has them."""
    return json.loads(json.dumps({k: v for k, v in params.items() if k not in FREE}))


def _interrupted(ctx: click.Context, state, out: str) -> dict:
    """--resume of an interrupted run: its own options; one given on the command line must be the same."""
    saved = state.record.get("options") or {}
    flags = {p.name: p.opts[0] for p in ctx.command.params}
    for name, value in _options(ctx.params).items():
        given = ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        if given and name in saved and saved[name] != value:
            flag = flags.get(name, name)
            raise click.UsageError(
                f"{out} holds a run interrupted at step {state.step} of {state.total}, made with {flag} "
                f"{_shown(saved[name])}: --resume finishes it with its own options (not {_shown(value)})"
            )
    return {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}


def _shown(value) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _run(model, data: dict, config, opts: dict, options: dict, masker=None, state=None) -> dict:
    """Train ``model`` by ``config`` (an adversarial masker from ``masker``, else fresh; the optimizer and
    random streams from ``state``, else fresh) and save it, with the masker and the training state, to
    --out: every --checkpoint-every steps and at the end. ``options``: the run's, kept for a resume."""
    from partita.cli.progress import tqdm_progress
    from partita.training.adversarial_mask import MaskerState
    from partita.training.culture import adapt, save_adapted
    from partita.training.train_state import TrainState

    out = opts["out"]
    if config.masking == "adversarial" and masker is None:
        masker = MaskerState()
    masker = masker if config.masking == "adversarial" else None
    went_on = state.step if state is not None and not state.finished else None
    state = state or TrainState()
    state.record["options"] = options

    every = opts["checkpoint_every"]
    with tqdm_progress("training", unit="step") as progress:
        info = adapt(
            model, data, config, progress, masker, resume_from=state, save_to=out, checkpoint_every=every
        )
    if opts["resume"]:
        model.card["adaptation"][-1]["resumed"] = str(out)
        if went_on is not None:
            model.card["adaptation"][-1]["went_on_from"] = went_on
    save_adapted(model, out, config, masker=masker, state=state)
    return {**info, "went_on_from": went_on}


def _masker_note(info: dict) -> str:
    resumed = (info.get("adversarial") or {}).get("resumed")
    note = {True: ", its masker and book resumed", "masker": ", its masker resumed (a new book)"}.get(
        resumed, ""
    )
    if info.get("went_on_from") is not None:
        note += f", went on from step {info['went_on_from']}"
    return note


@encoder.command("adapt")
@click.argument("base")
@_train_options
@click.option(
    "--schedule",
    type=click.Choice(SCHEDULES),
    default="rewarm",
    show_default=True,
    help="rewarm: warm-up then cosine decay from the base weights; constant: lr x 0.1 throughout (ablation).",
)
@click.option(
    "--replay",
    type=FiniteRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    help="Share of each batch replayed from the base's pieces (--replay-culture), against forgetting.",
)
@click.option("--replay-culture", default="western", show_default=True, help="The culture replayed.")
@click.option(
    "--replay-limit",
    type=click.IntRange(1),
    default=4000,
    show_default=True,
    help="A sample of at most N replayed pieces.",
)
@_masking_options
@click.pass_context
def adapt_cmd(ctx, **opts):
    """Continue pretraining the encoder BASE (a folder or shipped name) on the train-split pieces of one
    culture (or several, each window from a culture chosen with equal probability) and save it to --out.
    With --replay, that share of the windows comes from the base's own culture instead. With --resume,
    the adaptation of BASE already in --out goes on."""
    from partita.models.encoder import MusicEncoder

    out, base = opts["out"], str(opts["base"])
    check_out_folder(out, "an encoder folder", "encoder_config.json")
    with one_line(OSError):
        _threads(opts["threads"])
        masker, adversarial, state, saved = None, None, None, None
        if opts["resume"]:
            model, masking, saved, masker, state = _resumed(ctx, opts)
            _check_base(saved, str(opts["base"]), out)
            adversarial = saved.adversarial if masking == "adversarial" else None
        else:
            model, masking = MusicEncoder.from_pretrained(base), opts["masking"] or "random"
        cultures, schedule, replay, replay_culture = (
            opts[k] for k in ("cultures", "schedule", "replay", "replay_culture")
        )
        config = _config(
            opts,
            schedule=schedule,
            base=base,
            replay=replay,
            replay_culture=replay_culture,
            masking=masking,
            adversarial=adversarial,
        )
        if state is not None and not state.finished:
            config = saved
        read = cultures + ((replay_culture,) if replay and replay_culture not in cultures else ())
        limits = {replay_culture: opts["replay_limit"]} if replay else None
        data = _pieces(opts["corpus"], read, model, opts["max_notes"], opts["limit"], limits)
        what = f"{schedule}, replay {replay:g}" if replay else schedule
        if not opts["resume"]:
            name = model.card.get("name", base)
            model.card["name"] = f"{name} adapted to {'+'.join(cultures)} ({what}, {masking} masking)"
        with resumable(ctx):
            info = _run(model, data, config, opts, _options(opts), masker, state)
    click.echo(
        f"{masking} masking{_masker_note(info)}, {info['steps']} steps in {info['seconds']:.0f} s, masked "
        f"loss {info['first_loss']:.3f} -> {info['final_loss']:.3f} -> {out}"
    )


def _check_base(saved, base: str, out: str) -> None:
    """adapt --resume: ``out`` must be an adaptation of BASE (one line otherwise)."""
    if saved is None or saved.schedule == "cosine":
        raise click.ClickException(
            f"{out} holds a pretrained encoder, not an adaptation: resume it with `partita encoder pretrain "
            "--resume`, or adapt it into a new folder"
        )
    if saved.base != base:
        raise click.ClickException(f"{out} is {saved.base} adapted, not {base}: give BASE {saved.base}")


SHAPE = {"layers": "n_layer", "width": "d_model", "heads": "n_head", "max_len": "max_len"}
"""pretrain's shape options and the EncoderConfig fields they set."""


@encoder.command("pretrain")
@_train_options
@click.option("--layers", type=click.IntRange(1, 24), default=3, show_default=True)
@click.option("--width", type=click.IntRange(8, 1024), default=96, show_default=True)
@click.option("--heads", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option("--max-len", type=click.IntRange(8, 4096), default=128, show_default=True)
@_masking_options
@click.pass_context
def pretrain_cmd(ctx, **opts):
    """Pretrain a new encoder from random weights on the train-split pieces of a culture (the base of an
    adaptation: `--culture western`) and save it to --out."""
    import torch

    from partita.models.encoder import EncoderConfig, MusicEncoder

    out = opts["out"]
    check_out_folder(out, "an encoder folder", "encoder_config.json")
    with one_line(OSError):
        _threads(opts["threads"])
        torch.manual_seed(opts["seed"])
        masker, adversarial, state, saved = None, None, None, None
        if opts["resume"]:
            shape = {k: opts[k] for k in SHAPE}
            model, masking, saved, masker, state = _resumed(ctx, opts)
            _check_shape(ctx, model.config, out, **shape)
            adversarial = saved.adversarial if saved is not None and masking == "adversarial" else None
        else:
            masking, width = opts["masking"] or "random", opts["width"]
            model = MusicEncoder(
                EncoderConfig(
                    n_layer=opts["layers"],
                    n_head=opts["heads"],
                    d_model=width,
                    d_ff=4 * width,
                    max_len=opts["max_len"],
                )
            )
        cultures = opts["cultures"]
        base = f"resumed from {out}" if opts["resume"] else "random weights"
        config = _config(opts, schedule="cosine", base=base, masking=masking, adversarial=adversarial)
        if state is not None and not state.finished:
            config = saved
        data = _pieces(opts["corpus"], cultures, model, opts["max_notes"], opts["limit"])
        model.card["name"] = f"encoder pretrained on {'+'.join(cultures)} ({masking} masking)"
        with resumable(ctx):
            info = _run(model, data, config, opts, _options(opts), masker, state)
    loss = f"masked loss {info['first_loss']:.3f} -> {info['final_loss']:.3f}"
    click.echo(
        f"{model.num_parameters():,} parameters, {masking} masking{_masker_note(info)}, "
        f"{info['steps']} steps in {info['seconds']:.0f} s, {loss} -> {out}"
    )


def _check_shape(ctx: click.Context, config, out: str, **given: int) -> None:
    """--resume: a shape option given on the command line must be the folder's (one line otherwise)."""
    for name, value in given.items():
        have = getattr(config, SHAPE[name])
        if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE and value != have:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{out} has {flag} {have}, not {value}: --resume keeps the folder's shape")


@encoder.command("merge")
@click.argument("base")
@click.argument("models", nargs=-1, required=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="The merged folder.")
@click.option(
    "--lam",
    type=FiniteRange(-MAX_LAM, MAX_LAM),
    default=0.5,
    show_default=True,
    help="base + LAM * combined (model - base).",
)
@click.option(
    "--method",
    type=click.Choice(MERGE_METHODS),
    default="linear",
    show_default=True,
    help="linear: the sum of the task vectors; ties: trimmed, sign-elected, disjoint mean (TIES-merging); "
    "dare: entries dropped at random and the rest rescaled (DARE), then summed; dare_ties: dropped and "
    "rescaled as DARE, then TIES's sign election and disjoint mean (DARE-TIES).",
)
@click.option(
    "--density",
    type=FiniteRange(0, 1, min_open=True),
    default=0.2,
    show_default=True,
    help="ties: the share of each task vector's entries kept (largest magnitudes); dare, dare_ties: the "
    "probability that an entry is kept.",
)
@click.option(
    "--weights",
    default=None,
    help="Per-model factors, comma-separated in the order of MODELS (e.g. 0.7,0.3); default all 1.",
)
@click.option(
    "--seed", type=SEED, default=0, show_default=True, help="dare, dare_ties: the seed of the drops."
)
def merge_cmd(base, models, out, lam, method, density, weights, seed):
    """Task arithmetic: merge adapted encoders MODELS of the encoder BASE in weight space."""
    from partita.models.encoder import MusicEncoder
    from partita.training.culture import MergeConfig, merge, save_merged

    factors = _weights(weights, len(models))
    check_out_folder(out, "an encoder folder", "encoder_config.json")
    with one_line(OSError):
        b = MusicEncoder.from_pretrained(base)
        ms = [MusicEncoder.from_pretrained(m) for m in models]
        cfg = MergeConfig(base=str(base), models=tuple(models))
        merged = merge(b, ms, lam, factors, config=cfg, method=method, density=density, seed=seed)
        save_merged(merged, out)
    how = f"{method}, density {density:g}" if method != "linear" else "linear"
    if factors:
        how += f", weights {','.join(f'{w:g}' for w in factors)}"
    click.echo(f"merged {len(ms)} model(s) ({how}) at lambda {lam:g} -> {out}")


def _weights(text: str | None, n: int) -> list[float] | None:
    """``--weights 0.7,0.3``: one finite factor a model, or one clear usage error."""
    import math

    if text is None:
        return None
    try:
        factors = [float(x) for x in text.split(",")]
    except ValueError:
        factors = []
    if len(factors) != n or not all(math.isfinite(w) and abs(w) <= MAX_LAM for w in factors):
        raise click.BadParameter(
            f"{text!r}: give {n} weights, one a model, comma-separated numbers within +-{MAX_LAM:g} "
            "(e.g. 0.7,0.3)",
            param_hint="--weights",
        )
    return factors


commands = [encoder]
