"""``partita prefs``: the preferences people gave in the studio (pairs of candidates, ratings), kept in
``$PARTITA_DATA/preferences.db``: counts, and an export to Parquet. Nothing leaves the machine."""

from __future__ import annotations

import datetime as dt
import json

import click

from partita.cli._errors import one_line

STORE_HELP = "The preference store (default: $PARTITA_DATA/preferences.db)."


@click.group("prefs")
def prefs() -> None:
    """Preferences between candidates: what the studio's Compose view stored when you picked the better one
    or rated one (`partita tune --prefs` learns from them)."""


@prefs.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help=STORE_HELP)
def export(out: str, db: str | None) -> None:
    """Write every stored preference (prompt, both pieces as MIDI bytes, winner or rating, model version,
    rater, time) to the Parquet file OUT."""
    from partita.training.preferences import default_store, export_preferences

    with one_line(OSError):
        n = export_preferences(db or default_store(), out)
    click.echo(f"{n} preferences -> {out}")


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
    if s["first"] is not None:
        first, last = (
            dt.datetime.fromtimestamp(t).isoformat(timespec="seconds") for t in (s["first"], s["last"])
        )
        click.echo(f"from {first} to {last}")


commands = [prefs]
