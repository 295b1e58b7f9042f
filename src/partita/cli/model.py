"""``partita model``: list, inspect and ship trained models."""

from __future__ import annotations

from pathlib import Path

import click

from partita.cli._errors import SEED, check_out_folder


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

    folder = resolve(name)  # a name that is no model: FileNotFoundError, one line from partita.cli.main
    if folder is None:
        click.echo("debug: a tiny randomly initialised model built in code (for tests)")
        return
    _check_config(folder / "config.json")
    card = folder / "README.md"
    click.echo(card.read_text(encoding="utf-8") if card.is_file() else f"{folder}: no model card")


def _check_config(path: Path) -> None:
    """Refuse in one line a config.json that is not a model config (not JSON, or JSON of another shape)."""
    import json

    from partita.models.music_lm import MusicLMConfig

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object of model settings")
        MusicLMConfig.from_dict(data)
    except (OSError, ValueError, TypeError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise click.ClickException(f"{path}: unreadable model config: {e}") from None


@model_group.command("ship")
@click.argument("model_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("name")
@click.option(
    "--selector",
    "selector_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="A trained Selector classifier folder, shipped inside the model as selector/.",
)
def ship(model_dir: str, name: str, selector_dir: str | None) -> None:
    """Copy the trained model in MODEL_DIR into the package as NAME (then `--model NAME` loads it)."""
    from partita.models.pretrained import ship_model

    target = ship_model(model_dir, name, selector_dir=selector_dir)
    click.echo(f"shipped {model_dir} as {name}: {target}")


@model_group.command("import")
@click.argument("shard_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option(
    "--tokenizer",
    "tokenizer_from",
    required=True,
    metavar="TOKEN_DIR_OR_MODEL",
    help="The tokenizer the run's tokens were made with: a token folder, its tokenizer/, or a model.",
)
def import_command(shard_dir: str, out_dir: str, tokenizer_from: str) -> None:
    """Join the weight shards a GPU run exported (scripts/train-bundle.py --export) into model folder
    OUT_DIR."""
    from pathlib import Path

    from partita.cli.tokens import _tokenizer_of
    from partita.models.pretrained import import_shards

    check_out_folder(out_dir, "a model folder", "config.json")
    folder = Path(tokenizer_from)
    tok = _tokenizer_of(str(folder / "tokenizer") if (folder / "tokenizer").is_dir() else tokenizer_from)
    try:
        out = import_shards(shard_dir, out_dir, tokenizer=tok)
    except (FileNotFoundError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="SHARD_DIR") from None
    click.echo(f"model folder {out}")


@model_group.command("eval")
@click.argument("name")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="A token folder (`partita tokens build`) in the model's vocabulary.",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(0),
    default=100_000,
    show_default=True,
    help="Tokens scored per set (0: all), as the training presets' eval_tokens.",
)
@click.option(
    "--shards",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Deal each set out as a torchrun run of this many processes did (to reproduce its card).",
)
@click.option(
    "--bf16/--fp32", "bf16", default=False, help="bf16 autocast, as a run trained with it evaluated."
)
def evaluate(name: str, data_dir: str, max_tokens: int, shards: int, bf16: bool) -> None:
    """NLL per token and per note of model NAME on the validation, test and per-source sets of a token folder.

    Two models scored by the same command on the same folder are compared on the same tokens.
    """
    import json

    from partita.cli.progress import tqdm_progress
    from partita.models import MusicLM
    from partita.training import evaluate_lm, load_token_data

    model = MusicLM.from_pretrained(name)
    try:
        data = load_token_data(data_dir)
    except (FileNotFoundError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="--data") from None
    if data.vocab_size and data.vocab_size > model.config.vocab_size:
        raise click.BadParameter(
            f"the tokens' vocabulary ({data.vocab_size}) is larger than the model's "
            f"({model.config.vocab_size}): "
            "tokenize with the model's tokenizer (`partita tokens build ... --tokenizer MODEL`)",
            param_hint="--data",
        )
    with tqdm_progress("eval", unit="set") as bar:
        metrics = evaluate_lm(model, data, max_tokens=max_tokens, autocast=bf16, shards=shards, progress=bar)
    click.echo(json.dumps({"model": name, "data": data_dir, **metrics}, indent=2))


@model_group.command("samples")
@click.argument("name")
@click.option(
    "-o", "--out", "out_dir", type=click.Path(file_okay=False), default="out/samples", show_default=True
)
@click.option(
    "--n", "n", type=click.IntRange(1, 16), default=2, show_default=True, help="Candidates per prompt."
)
@click.option("--seed", type=SEED, default=1, show_default=True)
@click.option("--card", is_flag=True, help="Also write the Samples section into the model folder's card.")
def samples(name: str, out_dir: str, n: int, seed: int, card: bool) -> None:
    """Generate one listening sample per style prompt with model NAME (MIDI, WAV, piano roll, adherence)."""
    from partita.atomic import atomic_write_text
    from partita.cli.progress import tqdm_progress
    from partita.models.pretrained import resolve
    from partita.pipelines.samples import samples_markdown, write_samples

    check_out_folder(out_dir, "a samples folder", "samples.json", "*/generation.json")
    with tqdm_progress("samples", unit="prompt") as bar:
        # the folder passed as a samples folder (new, empty or one of samples): its files are partita's
        records = write_samples(name, out_dir, n=n, seed=seed, progress=bar, overwrite=True)
    section = samples_markdown(records)
    click.echo(section)
    folder = resolve(name)
    if card and folder is not None:
        readme = folder / "README.md"
        text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        text = text.split("## Samples")[0].rstrip() + "\n\n" + section
        atomic_write_text(readme, text)
        click.echo(f"wrote the Samples section into {readme}")


commands = [model_group]
