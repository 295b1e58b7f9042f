"""``partita serve``: the studio (web UI and HTTP API) on a local port."""

from __future__ import annotations

import click

from partita.cli._errors import FiniteRange


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; loopback by default. Anything else exposes the studio to your network.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.option(
    "--model",
    default="partita-small",
    show_default=True,
    help="A model folder or name; 'debug' is an untrained tiny model for trying the studio.",
)
@click.option(
    "--concept",
    "concepts",
    type=click.Path(),
    multiple=True,
    help=(
        "A concept folder (`partita concept learn`) a request may sample with; give it again for more. "
        "Compose and Co-create pick one per request: the one the prompt names (<name>), one chosen in the "
        "page, or none (docs/CONCEPTS.md)."
    ),
)
@click.option(
    "--concept-strength",
    type=FiniteRange(0, 2),
    default=None,
    help="With --concept: 0 is the base model, 1 the concept as learned (default: each concept's own).",
)
@click.option(
    "--corpora",
    "corpora",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of built corpora to browse (default: $PARTITA_DATA/corpora).",
)
@click.option("--max-candidates", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--max-bars", type=click.IntRange(1, 128), default=32, show_default=True)
@click.option(
    "--time-limit",
    "time_limit",
    type=FiniteRange(1, 3600),
    default=120.0,
    show_default=True,
    help="Seconds one generation may take.",
)
@click.option(
    "--queue-size",
    type=click.IntRange(1, 10000),
    default=64,
    show_default=True,
    help="Requests that may wait; beyond this the server answers 'queue full'.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Generations that run at the same time.",
)
@click.option(
    "--max-temp-mib",
    type=click.IntRange(16, 1_000_000),
    default=256,
    show_default=True,
    help="Cap on the studio's temporary files (answers, uploads); the oldest go first.",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(1, 100_000),
    default=64,
    show_default=True,
    help="Browser sessions whose state is kept (memory grows with them).",
)
def serve(
    host,
    port,
    model,
    concepts,
    concept_strength,
    corpora,
    max_candidates,
    max_bars,
    time_limit,
    queue_size,
    concurrency,
    max_temp_mib,
    max_sessions,
) -> None:
    """Serve partita studio (Compose, Co-create, Picture, Song, Analyze, Corpus, Discover) in the browser, and
    the same as an HTTP API.

    Open http://127.0.0.1:7860 (the default). The API's schema is on the page's "Use via API" link.
    """
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise click.ClickException("the studio needs gradio: pip install -e '.[web]'") from None
    from partita.web import Limits
    from partita.web import serve as run

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"partita: serving on {host}: anyone who can reach this address can use the studio", err=True
        )
    limits = Limits(
        max_candidates=max_candidates,
        max_bars=max_bars,
        request_seconds=time_limit,
        queue_size=queue_size,
        generate_concurrency=concurrency,
        max_temp_bytes=max_temp_mib * 2**20,
        max_sessions=max_sessions,
    )
    click.echo(f"partita studio: loading {model} ...", err=True)
    loaded, carried = model, []
    if concepts:  # each refused, in one sentence, when learned on another model or tokenizer
        from partita.pipelines import load_generator

        loaded = load_generator(model)
        for path in concepts:
            carried.append(loaded.with_concept(path, concept_strength))
            if carried[-1].concept in [c.concept for c in carried[:-1]]:
                raise click.ClickException(f"{path}: a second concept named <{carried[-1].concept}>")
        names = ", ".join(f"<{c.concept}>" for c in carried)
        click.echo(f"partita studio: with the concept{'s' if len(carried) > 1 else ''} {names}", err=True)
    from partita.web.app import StartupError

    try:
        run(host=host, port=port, model=loaded, limits=limits, corpora_root=corpora, concepts=carried)
    except StartupError as err:
        raise click.ClickException(str(err)) from None


commands = [serve]
