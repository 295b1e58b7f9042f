"""``partita index`` / ``search`` / ``similar``: find pieces by words or by a piece (docs/DISCOVERY.md)."""

from __future__ import annotations

import json

import click

from partita.cli._errors import SEED, check_out_folder, one_line, read_checked
from partita.cli.corpus import engine_options


def _show(hits, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps([{"piece_id": h.piece_id, "score": round(h.score, 4), **h.fields} for h in hits])
        )
        return
    if not hits:
        click.echo("no pieces match")
    for i, h in enumerate(hits, 1):
        f = h.fields
        labels = ", ".join(
            v for v in (f.get("tune_type") or f.get("genre"), f.get("key"), f.get("meter")) if v
        )
        click.echo(f"{i:>3}. {h.score:.3f}  {h.piece_id}  {f.get('title') or ''}  [{labels}]")
        if f.get("bars"):
            click.echo(f"       {f['segment_caption']}")


@click.group("index")
def index() -> None:
    """The discovery index: every piece of a corpus embedded beside its labels, in LanceDB on disk."""


@index.command("build")
@click.argument("corpus", default="all")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), default=None, help="The index folder.")
@click.option("--model", "model", type=click.Path(file_okay=False), default=None, help="A discovery model.")
@click.option(
    "--workers",
    type=click.IntRange(1, 4096),
    default=1,
    show_default=True,
    help="Reader processes (--engine process) or Ray tasks at a time (--engine ray).",
)
@click.option(
    "--segments/--no-segments",
    default=None,
    help="Also store each piece's sections (bars, caption, vector) for `search --segments` "
    "[default: as the index already is].",
)
@engine_options
def build(corpus, out, model, workers, segments, engine, ray_address) -> None:
    """Index CORPUS (a built corpus name or folder); pieces already indexed are not read again."""
    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.discovery.index import build_index
    from partita.engines import EngineError, require_ray

    if out is not None:
        check_out_folder(out, "a discovery index", "index.json", "pending*.parquet")
    with one_line(ImportError):
        if engine == "ray":
            require_ray()  # before the bar: a missing Ray is one line
    with (
        one_line(ImportError, ConnectionError, EngineError),
        tqdm_progress("indexing", unit="piece") as progress,
    ):
        meta = build_index(
            load_corpus(corpus),
            out,
            model_path=model,
            workers=workers,
            progress=progress,
            engine=engine,
            address=ray_address,
            segments=segments,
        )
    parts = f", {meta['segments']} segments" if meta.get("segments") else ""
    click.echo(f"indexed {meta['count']} pieces ({meta['added']} new{parts}) -> {out or 'the default index'}")


@index.command("train")
@click.argument("corpus", default="all")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), required=True, help="The model folder.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
def train(corpus, out, epochs, workers, seed) -> None:
    """Train the text and music encoders on CORPUS's train split (valid split for the best epoch)."""
    from partita.cli.progress import tqdm_progress
    from partita.discovery.train import TrainConfig, train_on_corpus

    check_out_folder(out, "a discovery model folder", "discovery_config.json")
    with one_line(), tqdm_progress("training", unit="epoch") as progress:
        model = train_on_corpus(corpus, out, TrainConfig(epochs=epochs, seed=seed), workers, progress)
    click.echo(f"wrote {out}: valid MRR {model.config.metrics.get('valid_mrr')}")


@index.command("train-recommender")
@click.argument("corpus", default="all")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), required=True, help="The model folder.")
@click.option("--steps", type=click.IntRange(1, 100000), default=1500, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
def train_recommender(corpus, out, steps, workers, seed) -> None:
    """Train the set encoder of `partita recommend` on CORPUS's real collections (train-split pieces)."""
    from partita.cli.progress import tqdm_progress
    from partita.discovery.set_encoder import SetEncoderConfig, train_on_corpus

    check_out_folder(out, "a set encoder folder", "set_encoder_config.json")
    with one_line(), tqdm_progress("training", unit="step") as progress:
        model = train_on_corpus(corpus, out, SetEncoderConfig(steps=steps, seed=seed), workers, progress)
    click.echo(f"wrote {out} ({model.config.trained_on})")


@index.command("train-similar")
@click.argument("corpus", default="all")
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), required=True, help="The model folder.")
@click.option("--steps", type=click.IntRange(1, 100000), default=600, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
def train_similar(corpus, out, steps, workers, seed) -> None:
    """Train the similarity encoder of `partita similar` on CORPUS's real collections (train-split pieces;
    the valid split chooses the step and the temperature)."""
    from partita.cli.progress import tqdm_progress
    from partita.discovery.similarity import SimilarityConfig, train_on_corpus

    check_out_folder(out, "a similarity encoder folder", "similarity_config.json")
    with one_line(), tqdm_progress("training", unit="step") as progress:
        config = SimilarityConfig(steps=steps, seed=seed, dropout=0.3, weight_decay=0.05, eval_every=50)
        model = train_on_corpus(corpus, out, config, workers=workers, progress=progress)
    hit = model.config.metrics.get("valid_hit10")
    click.echo(f"wrote {out}: valid Hit@10 {hit} ({model.config.trained_on})")


@click.command("search")
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--where", default=None, help="A filter on the labels, e.g. \"meter = '3/4'\".")
@click.option(
    "--index", "index_path", type=click.Path(file_okay=False), default=None, help="The index folder."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--hybrid", is_flag=True, help="Add BM25 on the stored captions to the embedding match.")
@click.option(
    "--segments",
    is_flag=True,
    help="Find the part of a piece QUERY describes: each hit with its bars (an index built with --segments).",
)
def search(query, k, where, index_path, as_json, hybrid, segments) -> None:
    """The pieces that best match QUERY (English or Chinese words)."""
    from partita.discovery.index import DiscoveryIndex

    with one_line():
        if not query.strip():
            raise ValueError("empty query: say what to look for, e.g. 'a slow sad waltz in D minor'")
        if segments and hybrid:
            raise ValueError("--segments and --hybrid do not combine; choose one")
        index_ = DiscoveryIndex(index_path)
        hits = index_.search_segments(query, k, where) if segments else index_.search(query, k, where, hybrid)
        _show(hits, as_json)


@click.command("similar")
@click.argument("piece", type=click.Path(exists=True, dir_okay=False))
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--where", default=None, help="A filter on the labels, e.g. \"meter = '3/4'\".")
@click.option(
    "--index", "index_path", type=click.Path(file_okay=False), default=None, help="The index folder."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option(
    "--method",
    type=click.Choice(["learned", "discovery"]),
    default="learned",
    show_default=True,
    help="learned: the similarity encoder (trained so a collection's pieces are near); discovery: the "
    "index's text-matched music vectors (the old behaviour).",
)
def similar(piece, k, where, index_path, as_json, method) -> None:
    """The indexed pieces nearest to PIECE (any score file partita reads)."""
    from partita.discovery.index import DiscoveryIndex

    with one_line():
        score = read_checked(piece, notes=True)  # a hostile file is refused before the index loads
        _show(DiscoveryIndex(index_path).similar(score, k, where, method), as_json)


@click.command("recommend")
@click.argument("pieces", nargs=-1, required=True)
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--method",
    type=click.Choice(["learned+labels", "learned", "mean", "max", "mean+max"]),
    default="learned+labels",
    show_default=True,
    help="The set encoder (+ shared labels), or the discovery vectors' centroid / nearest piece / both.",
)
@click.option("--where", default=None, help="A filter on the labels, e.g. \"meter = '3/4'\".")
@click.option(
    "--index", "index_path", type=click.Path(file_okay=False), default=None, help="The index folder."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def recommend(pieces, k, method, where, index_path, as_json) -> None:
    """What to play next after PIECES: piece ids of the index or score files (a playlist, pieces you
    liked)."""
    from pathlib import Path

    from partita.discovery.index import DiscoveryIndex

    with one_line():
        given = [read_checked(p, True) if Path(p).exists() or Path(p).is_symlink() else p for p in pieces]
        _show(DiscoveryIndex(index_path).recommend(given, k, method, where), as_json)


@click.command("chat")
@click.option("--say", "turns", multiple=True, help="A turn, instead of typing it (repeatable, in order).")
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option(
    "--index", "index_path", type=click.Path(file_okay=False), default=None, help="The index folder."
)
@click.option(
    "--endpoint",
    envvar="PARTITA_CHAT_ENDPOINT",
    default=None,
    help="An OpenAI-compatible server you run locally (e.g. http://localhost:8080/v1) to read the turns; "
    "a turn it cannot read is read by the rules. [env PARTITA_CHAT_ENDPOINT; default: rules only]",
)
@click.option(
    "--endpoint-model",
    envvar="PARTITA_CHAT_MODEL",
    default="default",
    show_default=True,
    help="The model the endpoint serves. [env PARTITA_CHAT_MODEL]",
)
@click.option(
    "--endpoint-timeout",
    type=click.FloatRange(0.1, 600),
    default=15.0,
    show_default=True,
    help="Seconds to wait for the endpoint's answer to a turn.",
)
def chat(turns, k, index_path, endpoint, endpoint_model, endpoint_timeout) -> None:
    """Find music by talking: say what you want, then refine ('in D major', 'faster', 'no jigs', 'more like
    2', 'not 3', 'I'll take 1'). Each answer says why the pieces fit. An empty line ends it."""
    from partita.discovery.chat import Conversation
    from partita.discovery.chat_endpoint import ChatEndpoint, EndpointParser
    from partita.discovery.index import DiscoveryIndex

    with one_line():
        parser = None
        if endpoint and endpoint.strip():
            parser = EndpointParser(ChatEndpoint(endpoint, endpoint_model, endpoint_timeout))
            click.echo(
                f"turns read by {endpoint} ({endpoint_model}); the rules read what it cannot", err=True
            )
        conversation = Conversation(DiscoveryIndex(index_path), k=k, parser=parser)
    scripted = list(turns)
    while True:
        text = scripted.pop(0) if turns else click.prompt("you", default="", show_default=False)
        if not text.strip():
            return
        if turns:
            click.echo(f"you: {text}")
        with one_line():
            turn, ack, hits = conversation.say(text)
        click.echo(f"partita ({turn.intent}): {ack}")
        for i, h in enumerate(hits, 1):
            title = h.fields.get("title") or h.piece_id
            click.echo(f"{i:>3}. {title}  [{h.piece_id}]\n       {h.fields.get('why', '')}")
        if turn.intent == "accept" or (turns and not scripted):
            return


commands = [index, search, similar, recommend, chat]
