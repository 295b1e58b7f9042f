"""``partita concept learn`` (a style learned from a few reference pieces) and ``partita concept info``."""

from __future__ import annotations

from pathlib import Path

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder, check_writable

COPY_BARS = 8
"""Bars of each piece sampled to measure a concept's copy rate (``--copy-check``)."""


@click.group()
def concept() -> None:
    """Concepts: a new prompt token (and a few parameters) learned from 1 to 5 reference pieces, then asked
    for by name: `partita generate "a waltz in <my-style>" --concept my-style/`."""


@concept.command("learn")
@click.argument("references", type=click.Path())
@click.option("--name", required=True, help="The concept's name, used in prompts as <name>, e.g. my-style.")
@click.option(
    "-o",
    "--out",
    type=click.Path(),
    default=None,
    help=(
        "The concept folder to write (default: NAME/ here: concept.safetensors, concept_config.json, "
        "README.md); a path ending in .safetensors writes the older single file (NAME.json beside it)."
    ),
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
@click.option("--lr", type=FiniteRange(1e-6, 1.0), default=None, help="Learning rate of LoRA / pivotal.")
@click.option(
    "--strength",
    type=FiniteRange(0, 2),
    default=1.0,
    show_default=True,
    help="The concept's default strength at generation (0: the base model, 1: as learned).",
)
@click.option(
    "--copy-check",
    "copy_check",
    type=click.IntRange(0, 16),
    default=0,
    show_default=True,
    help=(
        f"After learning, sample this many pieces of {COPY_BARS} bars for '<NAME>' and measure the share of "
        "their 6-pitch runs found in a reference (copying, not style); written on the concept's card."
    ),
)
@click.option(
    "--model",
    default="partita-small",
    show_default=True,
    help="The base model (a folder or name); the concept works only with it.",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for torch.")
def learn(references, name, out, method, steps, rank, lr, strength, copy_check, model, seed, threads) -> None:
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
    target = Path(out) if out else Path(name)
    if target.suffix != ".safetensors" and target.is_file():
        raise click.ClickException(
            f"{target}: a file; give a folder for the concept (or a .safetensors path)"
        )
    if (target / "config.json").is_file():  # said before training, not after
        raise click.ClickException(f"{target} holds a model: write the concept to a folder of its own")
    if target.suffix == ".safetensors":
        check_writable(target)
    else:
        check_out_folder(target, "a concept folder", "concept_config.json", "concept.safetensors")
    pieces, skipped = _within_limits(*read_references(references))  # an empty folder: one clear sentence
    for line in skipped:
        click.echo(f"skipped {line}")
    click.echo(f"learning <{name}> ({method}) from {len(pieces)} piece(s): {', '.join(n for n, _ in pieces)}")
    generator = Generator.from_pretrained(model)
    with tqdm_progress("concept", unit="step") as bar:
        learned = learn_concept(pieces, generator.model, generator.tokenizer, config, progress=bar)
    learned.config.skipped = skipped
    if copy_check:
        _copy_check(generator, learned, [score for _, score in pieces], copy_check, seed)
    single = target.suffix == ".safetensors"
    path = learned.save(target) if single else learned.save_pretrained(target)
    c = learned.config
    click.echo(
        f"reference NLL per token: {c.nll_plain:.3f} without the concept, {c.nll_after:.3f} with it "
        f"({c.steps} steps, {c.train_seconds:.1f} s)"
    )
    if c.copy_rate is not None:
        click.echo(f"copy rate: {c.copy_rate:.3f} of the 6-pitch runs of {c.copy_samples} pieces")
    weights = path if single else path / "concept.safetensors"
    click.echo(f"wrote {path} ({weights.stat().st_size / 1024:.0f} KiB)")
    click.echo(f'use it: partita generate "a piece in <{name}>" --concept {path} --model {model}')


def _within_limits(pieces: list, skipped: list[str]) -> tuple[list, list[str]]:
    """The reference pieces within :class:`partita.score.ScoreLimits` (0 ticks per quarter note, a note of
    days, thousands of tracks are skipped and named like an unreadable file); none left is one line."""
    from partita.score import ScoreError, check_limits

    kept = []
    for name, score in pieces:
        try:
            check_limits(score, name)
            kept.append((name, score))
        except ScoreError as e:
            skipped.append(str(e))
    if not kept:
        raise click.ClickException(f"no reference piece to learn from: {'; '.join(skipped)}")
    return kept, skipped


def _copy_check(generator, learned, references, n: int, seed: int) -> None:
    """Sample ``n`` pieces with the concept and record on its config how much of them the references hold."""
    from partita.cli.progress import tqdm_progress
    from partita.training.concept import copy_rate

    prompt = f"<{learned.name}>"
    with tqdm_progress("copy check", unit="step") as bar:
        candidates = generator.with_concept(learned).generate(
            generator.request(prompt, bars=COPY_BARS), n=n, seed=seed, selector=None, progress=bar
        )
    c = learned.config
    c.copy_rate = copy_rate([cand.score for cand in candidates], references)
    c.copy_samples, c.copy_prompt = n, prompt


@concept.command("info")
@click.argument("path", type=click.Path())
def info(path) -> None:
    """The key facts of the concept at PATH (its folder, or an older .safetensors file): base model, method,
    references, training, NLL, copy rate."""
    from partita.training.concept import CONCEPT_CONFIG, CONCEPT_WEIGHTS, load_concept

    learned = load_concept(path)
    facts = learned.facts()
    label, text = facts[0]
    click.echo(f"{label} {text}")
    for label, text in facts[1:]:
        click.echo(f"{label}: {text}")
    where = Path(path).expanduser()
    if (where / CONCEPT_CONFIG).is_file():
        size = (where / CONCEPT_WEIGHTS).stat().st_size
        click.echo(f"folder: {where} ({CONCEPT_WEIGHTS} {size / 1024:.0f} KiB, {CONCEPT_CONFIG}, README.md)")
    else:
        click.echo(f"file: {where} (the older single-file form; `partita concept learn` now writes a folder)")


concept.add_command(info, "show")  # the earlier name of `info`

commands = [concept]
