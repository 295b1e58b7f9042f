"""``partita encoder``: continual pretraining of the music encoder on a culture's pieces, and task arithmetic
(merging adapted encoders in weight space); see docs/UNDERSTANDING.md, "Cultural adaptation"."""

from __future__ import annotations

import click

from partita.cli._errors import one_line

SCHEDULES = ("rewarm", "constant")


@click.group("encoder")
def encoder() -> None:
    """Adapt the music encoder to a musical culture (continual masked-note pretraining) and merge adapted
    encoders (task arithmetic)."""


def _threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _pieces(corpus_name: str, cultures: tuple[str, ...], model, max_notes: int, limit: int | None) -> dict:
    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.training.culture import culture, culture_pieces

    for name in cultures:
        culture(name)  # an unknown name is one line before anything is read
    corpus = load_corpus(corpus_name)
    data = {}
    for name in cultures:
        with tqdm_progress(f"reading {name}", unit="piece") as progress:
            data[name] = culture_pieces(
                corpus, name, "train", model.config, max_notes, limit, progress=progress
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
            click.option(
                "--lr", type=click.FloatRange(min=0, min_open=True), default=5e-4, show_default=True
            ),
            click.option("--warmup", type=click.IntRange(0), default=20, show_default=True),
            click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True),
            click.option("--max-notes", type=click.IntRange(1), default=512, show_default=True),
            click.option("--limit", type=click.IntRange(1), default=None, help="At most N pieces a culture."),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option("--threads", type=click.IntRange(1), default=1, show_default=True),
        ]
    ):
        f = opt(f)
    return f


def _run(model, data: dict, config, out: str) -> dict:
    from partita.cli.progress import tqdm_progress
    from partita.training.culture import adapt, save_adapted

    with tqdm_progress("training", unit="step") as progress:
        info = adapt(model, data, config, progress)
    save_adapted(model, out, config)
    return info


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
def adapt_cmd(
    base, corpus, cultures, out, steps, lr, warmup, batch_size, max_notes, limit, seed, threads, schedule
):
    """Continue pretraining the encoder BASE (a folder or shipped name) on the train-split pieces of one
    culture (or several, each window from a culture chosen with equal probability) and save it to --out."""
    from partita.models.encoder import MusicEncoder
    from partita.training.culture import AdaptConfig

    with one_line():
        _threads(threads)
        model = MusicEncoder.from_pretrained(base)
        config = AdaptConfig(
            cultures=cultures,
            schedule=schedule,
            steps=steps,
            lr=lr,
            warmup=warmup,
            batch_size=batch_size,
            max_notes=max_notes,
            seed=seed,
            base=str(base),
        )
        data = _pieces(corpus, cultures, model, max_notes, limit)
        model.card["name"] = f"{model.card.get('name', base)} adapted to {'+'.join(cultures)} ({schedule})"
        info = _run(model, data, config, out)
    click.echo(
        f"{info['steps']} steps in {info['seconds']:.0f} s, masked loss {info['first_loss']:.3f} -> "
        f"{info['final_loss']:.3f} -> {out}"
    )


@encoder.command("pretrain")
@_train_options
@click.option("--layers", type=click.IntRange(1, 24), default=3, show_default=True)
@click.option("--width", type=click.IntRange(8, 1024), default=96, show_default=True)
@click.option("--heads", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option("--max-len", type=click.IntRange(8, 4096), default=128, show_default=True)
def pretrain_cmd(
    corpus,
    cultures,
    out,
    steps,
    lr,
    warmup,
    batch_size,
    max_notes,
    limit,
    seed,
    threads,
    layers,
    width,
    heads,
    max_len,
):
    """Pretrain a new encoder from random weights on the train-split pieces of a culture (the base of an
    adaptation: `--culture western`) and save it to --out."""
    import torch

    from partita.models.encoder import EncoderConfig, MusicEncoder
    from partita.training.culture import AdaptConfig

    with one_line():
        _threads(threads)
        torch.manual_seed(seed)
        model = MusicEncoder(
            EncoderConfig(n_layer=layers, n_head=heads, d_model=width, d_ff=4 * width, max_len=max_len)
        )
        config = AdaptConfig(
            cultures=cultures,
            schedule="cosine",
            steps=steps,
            lr=lr,
            warmup=warmup,
            batch_size=batch_size,
            max_notes=max_notes,
            seed=seed,
            base="random weights",
        )
        data = _pieces(corpus, cultures, model, max_notes, limit)
        model.card["name"] = f"encoder pretrained on {'+'.join(cultures)}"
        info = _run(model, data, config, out)
    click.echo(
        f"{model.num_parameters():,} parameters, {info['steps']} steps in {info['seconds']:.0f} s, "
        f"masked loss {info['first_loss']:.3f} -> {info['final_loss']:.3f} -> {out}"
    )


@encoder.command("merge")
@click.argument("base")
@click.argument("models", nargs=-1, required=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="The merged folder.")
@click.option("--lam", type=float, default=0.5, show_default=True, help="base + LAM * sum of (model - base).")
def merge_cmd(base, models, out, lam):
    """Task arithmetic: merge adapted encoders MODELS of the encoder BASE in weight space."""
    from partita.models.encoder import MusicEncoder
    from partita.training.culture import MergeConfig, merge, save_merged

    with one_line():
        b = MusicEncoder.from_pretrained(base)
        ms = [MusicEncoder.from_pretrained(m) for m in models]
        merged = merge(b, ms, lam, config=MergeConfig(base=str(base), models=tuple(models)))
        save_merged(merged, out)
    click.echo(f"merged {len(ms)} model(s) at lambda {lam:g} -> {out}")


commands = [encoder]
