"""``partita model``: list, inspect and ship trained models."""

from __future__ import annotations

import click


@click.group("model")
def model_group() -> None:
    """List, inspect and ship the models partita can load by name."""


@model_group.command("list")
def list_models() -> None:
    """The model names `--model` accepts (besides a folder path)."""
    from partita.models.pretrained import available_models

    for name in available_models():
        click.echo(name)


@model_group.command("info")
@click.argument("name")
def info(name: str) -> None:
    """Show the model card of NAME (a shipped name or a model folder)."""
    from partita.models.pretrained import resolve

    folder = resolve(name)
    if folder is None:
        click.echo("debug: a tiny randomly initialised model built in code (for tests)")
        return
    card = folder / "README.md"
    click.echo(card.read_text(encoding="utf-8") if card.is_file() else f"{folder}: no model card")


@model_group.command("ship")
@click.argument("model_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("name")
@click.option("--selector", "selector_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="A trained Selector classifier folder, shipped inside the model as selector/.")  # fmt: skip
def ship(model_dir: str, name: str, selector_dir: str | None) -> None:
    """Copy the trained model in MODEL_DIR into the package as NAME (then `--model NAME` loads it)."""
    from partita.models.pretrained import ship_model

    target = ship_model(model_dir, name, selector_dir=selector_dir)
    click.echo(f"shipped {model_dir} as {name}: {target}")


commands = [model_group]
