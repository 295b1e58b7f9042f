"""``partita tokens``: turn a corpus into the token folder a model trains on."""

from __future__ import annotations

import click


@click.group()
def tokens() -> None:
    """Tokenize corpora (miditok REMI+ with partita's condition prefix, optional BPE)."""


@tokens.command("build")
@click.argument("corpus_name")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--kind", type=click.Choice(["remi", "tsd"]), default="remi", show_default=True)
@click.option("--bpe", "bpe_size", type=int, default=0, show_default=True,
              help="Train BPE on the corpus's training split up to this vocabulary size (0: no BPE).")  # fmt: skip
@click.option("--bpe-files", type=int, default=3000, show_default=True,
              help="At most this many training pieces (evenly spaced) to learn BPE from.")  # fmt: skip
@click.option(
    "--copies", type=int, default=2, show_default=True, help="Training copies per piece (augmented)."
)
@click.option("--workers", type=int, default=2, show_default=True)
def build(
    corpus_name: str, out_dir: str, kind: str, bpe_size: int, bpe_files: int, copies: int, workers: int
) -> None:
    """Tokenize corpus CORPUS_NAME into OUT_DIR (train/valid/test .npy, meta.json, tokenizer/); resumable.

    Training pieces are transposed and tempo-scaled (their labels follow); validation and test pieces are not.
    Then: partita train --preset small --data OUT_DIR
    """
    import json
    from pathlib import Path

    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.tokens import MusicTokenizer, TokenizerConfig
    from partita.tokens.dataset import TokenizeConfig, tokenize_corpus

    corpus = load_corpus(corpus_name)
    out = Path(out_dir)
    saved = out / "tokenizer"
    if (saved / "partita_tokenizer.json").exists():
        tok = MusicTokenizer.from_pretrained(saved)  # a resumed run keeps the tokenizer it started with
    else:
        tok = MusicTokenizer(TokenizerConfig(kind=kind))
        if bpe_size:
            train_ids = corpus.split("train").ids()
            step = max(1, len(train_ids) // max(1, bpe_files))
            files = [corpus.midi_path(i) for i in train_ids[::step]]
            with tqdm_progress("bpe", unit="step") as bar:
                tok.train_bpe(files, bpe_size, progress=bar)
    with tqdm_progress("tokenize", unit="chunk") as bar:
        meta = tokenize_corpus(corpus, tok, out, TokenizeConfig(copies=copies), workers=workers, progress=bar)
    summary = {k: meta[k] for k in ("vocab_size", "splits", "tokens_per_note", "sha256")}
    click.echo(json.dumps(summary, indent=2))
    if meta["failed"]:
        click.echo(
            f"{len(meta['failed'])} pieces could not be tokenized (listed in {out / 'meta.json'})", err=True
        )


commands = [tokens]
