"""``partita tokens``: turn a corpus into the token folder a model trains on."""

from __future__ import annotations

import click

from partita.cli._errors import check_out_folder


@click.group()
def tokens() -> None:
    """Tokenize corpora (miditok REMI+ with partita's condition prefix, optional BPE)."""


@tokens.command("build")
@click.argument("corpus_name")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--kind", type=click.Choice(["remi", "tsd"]), default="remi", show_default=True)
@click.option(
    "--bpe",
    "bpe_size",
    type=int,
    default=0,
    show_default=True,
    help="Train BPE on the corpus's training split up to this vocabulary size (0: no BPE).",
)
@click.option(
    "--bpe-files",
    type=int,
    default=3000,
    show_default=True,
    help="At most this many training pieces (evenly spaced) to learn BPE from.",
)
@click.option(
    "--copies", type=int, default=2, show_default=True, help="Training copies per piece (augmented)."
)
@click.option(
    "--tokenizer",
    "tokenizer_from",
    default=None,
    metavar="MODEL_OR_DIR",
    help=(
        "Tokenize with the tokenizer of this model (a shipped name such as partita-small, or a "
        "folder) instead of making one: the tokens to continue training or fine-tune that model."
    ),
)
@click.option(
    "--style",
    "styles",
    multiple=True,
    help="Only the pieces of this style (repeatable; e.g. jig, chinese_folk): the data of a style expert.",
)
@click.option("--workers", type=int, default=2, show_default=True)
def build(
    corpus_name: str,
    out_dir: str,
    kind: str,
    bpe_size: int,
    bpe_files: int,
    copies: int,
    tokenizer_from: str | None,
    styles: tuple[str, ...],
    workers: int,
) -> None:
    """Tokenize corpus CORPUS_NAME into OUT_DIR (train/valid/test .npy, meta.json, tokenizer/); resumable.

    Training pieces are transposed and tempo-scaled (their labels follow); validation and test pieces are not.
    Then: partita train --preset small --data OUT_DIR
    """
    import json
    from pathlib import Path

    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.tokens import MiditokTokenizer, TokenizerConfig
    from partita.tokens.dataset import TokenizeConfig, tokenize_corpus

    if tokenizer_from and bpe_size:
        raise click.UsageError("--tokenizer reuses a tokenizer as it is: give it or --bpe, not both")
    check_out_folder(out_dir, "a token folder", "tokenize_config.json", "tokenizer/partita_tokenizer.json")
    corpus = load_corpus(corpus_name)
    out = Path(out_dir)
    saved = out / "tokenizer"
    if (saved / "partita_tokenizer.json").exists():
        tok = MiditokTokenizer.from_pretrained(saved)  # a resumed run keeps the tokenizer it started with
    elif tokenizer_from:
        tok = _tokenizer_of(tokenizer_from)
    else:
        tok = MiditokTokenizer(TokenizerConfig(kind=kind))
        if bpe_size:
            train_ids = corpus.split("train").ids()
            step = max(1, len(train_ids) // max(1, bpe_files))
            files = [corpus.midi_path(i) for i in train_ids[::step]]
            if bpe_size <= tok.vocab_size:
                raise click.BadParameter(
                    f"{bpe_size} must exceed the base vocabulary ({tok.vocab_size} tokens)",
                    param_hint="--bpe",
                )
            with tqdm_progress("bpe", unit="step") as bar:
                tok.train_bpe(files, bpe_size, progress=bar)
    with tqdm_progress("tokenize", unit="chunk") as bar:
        try:
            meta = tokenize_corpus(
                corpus, tok, out, TokenizeConfig(copies=copies), workers=workers, progress=bar, styles=styles
            )
        except ValueError as e:
            raise click.ClickException(str(e)) from None
    summary = {k: meta[k] for k in ("vocab_size", "splits", "tokens_per_note", "sha256")}
    click.echo(json.dumps(summary, indent=2))
    if meta["failed"]:
        click.echo(
            f"{len(meta['failed'])} pieces could not be tokenized (listed in {out / 'meta.json'})", err=True
        )


@tokens.command("bundle")
@click.argument("token_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("out", type=click.Path(dir_okay=False))
@click.option(
    "--max-train-tokens",
    type=click.IntRange(1),
    default=None,
    help="Keep at most this many training tokens (whole pieces), to fit a size limit.",
)
def bundle(token_dir: str, out: str, max_train_tokens: int | None) -> None:
    """Pack TOKEN_DIR's arrays into one compressed OUT (.npz) that trains with only torch and numpy.

    Then, on a machine with a GPU: python scripts/train-bundle.py OUT --preset base --out RUN --seconds 420
    """
    import json

    from partita.training.bundle import save_bundle

    if not out.endswith(".npz"):
        raise click.BadParameter("a bundle is an .npz file", param_hint="OUT")
    try:
        info = save_bundle(token_dir, out, max_train_tokens=max_train_tokens)
    except (FileNotFoundError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="TOKEN_DIR") from None
    click.echo(json.dumps(info, indent=2))


def _tokenizer_of(name_or_dir: str):
    """The tokenizer saved in a tokenizer folder, a model folder or a shipped model, or a clear error."""
    from pathlib import Path

    from partita.models.pretrained import resolve
    from partita.tokens import MiditokTokenizer
    from partita.tokens.tokenizer import CONFIG_FILE

    folder = Path(name_or_dir).expanduser()
    if not (folder / CONFIG_FILE).is_file():
        try:
            folder = resolve(name_or_dir) or folder
        except FileNotFoundError:
            pass
    if not (folder / CONFIG_FILE).is_file():
        raise click.BadParameter(
            f"{name_or_dir!r} is neither a tokenizer folder nor a model that carries a partita tokenizer",
            param_hint="--tokenizer",
        )
    return MiditokTokenizer.from_pretrained(folder)


commands = [tokens]
