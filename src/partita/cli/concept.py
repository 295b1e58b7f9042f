"""``partita concept learn`` (a style learned from a few reference pieces) and ``partita concept show``."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def concept() -> None:
    """Concepts: a new prompt token (and a few parameters) learned from 1 to 5 reference pieces, then asked
    for by name: `partita generate "a waltz in <my-style>" --concept my-style.safetensors`."""


@concept.command("learn")
@click.argument("references", type=click.Path())
@click.option("--name", required=True, help="The concept's name, used in prompts as <name>, e.g. my-style.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="The concept file to write (default: NAME.safetensors here; NAME.json beside it).",
)
@click.option(
    "--method",
    type=click.Choice(["lora", "pivotal", "token"]),
    default="lora",
    show_default=True,
    help=(
        "What is learned with the token: LoRA on the attention projections, the pivotal layers (the last "
        "block's MLP), or the token alone."
    ),
)
@click.option(
    "--steps",
    type=click.IntRange(1, 20000),
    default=40,
    show_default=True,
    help="Training steps (more steps memorize the references: docs/CONCEPTS.md).",
)
@click.option("--rank", type=click.IntRange(1, 64), default=4, show_default=True, help="LoRA rank.")
@click.option("--lr", type=click.FloatRange(1e-6, 1.0), default=None, help="Learning rate of LoRA / pivotal.")
@click.option(
    "--strength",
    type=click.FloatRange(0, 2),
    default=1.0,
    show_default=True,
    help="The concept's default strength at generation (0: the base model, 1: as learned).",
)
@click.option(
    "--model",
    default="partita-small",
    show_default=True,
    help="The base model (a folder or name); the concept works only with it.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for torch.")
def learn(references, name, out, method, steps, rank, lr, strength, model, seed, threads) -> None:
    """Learn concept NAME from the pieces in REFERENCES (a folder of 1 to 5 MIDI, MusicXML or ABC files, or
    one file); files that do not read are skipped and named. The base model stays frozen."""
    import torch

    from partita.cli.progress import tqdm_progress
    from partita.pipelines import Generator
    from partita.training.concept import ConceptConfig, learn_concept, read_references

    if threads:
        torch.set_num_threads(threads)
    try:
        config = ConceptConfig(name=name, method=method, steps=steps, rank=rank, strength=strength, seed=seed)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if lr is not None:
        config.lr = lr
    pieces, skipped = read_references(references)  # an empty folder: one clear sentence
    for line in skipped:
        click.echo(f"skipped {line}")
    click.echo(f"learning <{name}> ({method}) from {len(pieces)} piece(s): {', '.join(n for n, _ in pieces)}")
    generator = Generator.from_pretrained(model)
    with tqdm_progress("concept", unit="step") as bar:
        learned = learn_concept(pieces, generator.model, generator.tokenizer, config, progress=bar)
    learned.config.skipped = skipped
    path = learned.save(Path(out) if out else Path(f"{name}.safetensors"))
    c = learned.config
    click.echo(
        f"reference NLL per token: {c.nll_plain:.3f} without the concept, {c.nll_after:.3f} with it "
        f"({c.steps} steps, {c.train_seconds:.1f} s)"
    )
    click.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    click.echo(f'use it: partita generate "a piece in <{name}>" --concept {path} --model {model}')


@concept.command("show")
@click.argument("path", type=click.Path())
def show(path) -> None:
    """What the concept at PATH is: its base model, method, references and NLL."""
    from partita.training.concept import load_concept

    learned = load_concept(path)
    c = learned.config
    size = sum(t.numel() for t in learned.tensors.values())
    click.echo(f"concept <{c.name}>: {c.method}, {size:,} numbers, {c.steps} steps ({c.train_seconds} s)")
    click.echo(f"base model: {c.base_model} (weights {c.base_hash[:12]}, tokenizer {c.tokenizer_hash[:12]})")
    click.echo(f"references: {', '.join(c.references)}")
    for line in c.skipped:
        click.echo(f"skipped: {line}")
    if c.nll_after is not None:
        click.echo(f"reference NLL per token: {c.nll_plain:.3f} without, {c.nll_after:.3f} with the concept")


commands = [concept]
