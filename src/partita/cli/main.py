"""Entry point of the ``partita`` command."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import click

import partita
import partita.cli as cli_pkg
from partita.score.errors import ScoreError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(partita.__version__, prog_name="partita")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """partita: learn from music, generate it, describe it and measure it, on one CPU machine.

    Every piece passes through one score type with MIDI semantics. Start with
    `partita demo`, or build a corpus: `partita corpus build bach --source music21:bach`.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if info.name in ("main", "progress") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"partita.cli.{info.name}")
        for command in getattr(module, "commands", []):
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; known errors become one clear line on stderr and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except (ScoreError, FileNotFoundError, ValueError) as e:
        click.echo(f"partita: error: {e}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
