"""``partita prefs``: the preferences people gave in the studio (pairs of candidates, ratings), kept in
``$PARTITA_DATA/preferences.db``: counts, an export to Parquet, and an import of pairs judged elsewhere (with
winners or reward scores). Nothing leaves the machine."""

from __future__ import annotations

import datetime as dt
import json

import click

from partita.cli._errors import check_writable, one_line

STORE_HELP = "The preference store (default: $PARTITA_DATA/preferences.db)."


@click.group("prefs")
def prefs() -> None:
    """Preferences between candidates: what the studio's Compose view stored when you picked the better one
    or rated one, or pairs judged elsewhere and imported (`partita tune --prefs` learns from them)."""


@prefs.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help=STORE_HELP)
def export(out: str, db: str | None) -> None:
    """Write every stored preference (prompt, both pieces as MIDI bytes, winner or rating, model version,
    the learned concept the pieces were sampled with (name, version, strength) if any, rater, time) to the
    Parquet file OUT."""
    from partita.training.preferences import default_store, export_preferences

    check_writable(out)
    with one_line(OSError):
        n = export_preferences(db or default_store(), out)
    click.echo(f"{n} preferences -> {out}")


@prefs.command("import")
@click.argument("pairs", type=click.Path(dir_okay=False))
@click.option(
    "--model",
    default="partita-small",
    show_default=True,
    help="The model that made the pieces (a folder or name): the pairs are stored under its version.",
)
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help=STORE_HELP)
@click.option("--rater", default=None, help="Who judged (default: import:<file name>); a row's rater wins.")
@click.option(
    "--skip-bad", is_flag=True, help="Import the good rows and name the bad ones (default: refuse the file)."
)
def import_(pairs: str, model: str, db: str | None, rater: str | None, skip_bad: bool) -> None:
    """Store the pairs judged elsewhere in PAIRS: a JSON list (or JSON Lines, or CSV with a header) of rows
    with prompt, a and b (paths of the two pieces, relative to PAIRS' folder) and winner (a, b or tie) or
    reward scores score_a and score_b (the higher wins), e.g.
    `{"prompt": "a jig in D", "a": "x.mid", "b": "y.mid", "score_a": 0.8, "score_b": 0.3}`.

    All rows are stored in one transaction, or none: a bad row refuses the file, naming it, unless
    --skip-bad.
    """
    from partita.pipelines import load_generator
    from partita.pipelines.preferences import read_preference_file
    from partita.training.preferences import add_preferences, default_store, model_version

    if db is not None:
        check_writable(db)
    with one_line(OSError):
        generator = load_generator(model)
        name = str(model)
        version = model_version(generator.model)
        rows, bad = read_preference_file(pairs, name, version, rater=rater, skip_bad=skip_bad)
        store = db or default_store()
        ids = add_preferences(store, rows)
    for line in bad:
        click.echo(f"skipped {line}", err=True)
    decided = sum(p.winner != "tie" for p in rows)
    click.echo(
        f"{len(ids)} pairs ({decided} decided, {len(ids) - decided} ties) from {pairs} -> {store} "
        f"(model {name}, version {version})" + (f"; {len(bad)} bad rows skipped" if bad else "")
    )


@prefs.command("stats")
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help=STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(db: str | None, as_json: bool) -> None:
    """How many pairs and ratings the store holds, for which prompts, raters and model versions."""
    from partita.training.preferences import default_store, preference_stats

    with one_line(OSError):
        s = preference_stats(db or default_store())
    if as_json:
        click.echo(json.dumps(s, indent=2, sort_keys=True))
        return
    click.echo(f"store {s['store']} (schema {s['schema_version']})")
    winners = ", ".join(f"{k} {v}" for k, v in sorted(s["winners"].items())) or "none"
    click.echo(
        f"{s['preferences']} preferences: {s['pairs']} pairs (winners: {winners}), {s['ratings']} ratings"
        + (f" (mean {s['mean_rating']:.2f})" if s["mean_rating"] is not None else "")
    )
    click.echo(f"{s['prompts']} prompts; raters: " + ", ".join(f"{k} {v}" for k, v in s["raters"].items()))
    for version, n in s["model_versions"].items():
        click.echo(f"  model {version}: {n}")
    for concept, n in s.get("concepts", {}).items():
        click.echo(f"  with the concept {concept}: {n}")
    if s["first"] is not None:
        first, last = (
            dt.datetime.fromtimestamp(t).isoformat(timespec="seconds") for t in (s["first"], s["last"])
        )
        click.echo(f"from {first} to {last}")


commands = [prefs]
