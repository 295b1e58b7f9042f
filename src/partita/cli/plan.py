"""``partita plan``: an editable plan of sections for a long piece; ``partita generate --plan`` follows it."""

from __future__ import annotations

import click
from click.core import ParameterSource

from partita.cli._errors import FiniteRange, check_out_files, check_writable


@click.command("plan")
@click.argument("prompt")
@click.option(
    "-o",
    "--out",
    "path",
    type=click.Path(dir_okay=False),
    default="plan.json",
    show_default=True,
    help="The plan's JSON file (edit it, then `partita generate --plan FILE`).",
)
@click.option(
    "--bars", type=click.IntRange(8, 256), default=None, help="Length in bars (overrides the prompt)."
)
@click.option(
    "--minutes",
    type=FiniteRange(0.1, 20),
    default=None,
    help="Length in minutes at the piece's tempo (overrides the prompt's 'a 3-minute ...').",
)
@click.option("--key", default=None, help="Key, e.g. 'D', 'F# minor' (overrides the prompt).")
@click.option("--tempo", type=float, default=None, help="Tempo in bpm (overrides the prompt).")
@click.option("--meter", default=None, help="Time signature, e.g. 3/4 (overrides the prompt).")
@click.option("--instruments", default=None, help="Comma-separated GM names or programs, e.g. 'piano,bass'.")
def plan(prompt, path, bars, minutes, key, tempo, meter, instruments) -> None:
    """Write a plan for PROMPT, e.g. "a 3-minute pop ballad in E flat": the style's usual form (a dance tune's
    AABB, a song's verses and choruses, a chorale's Stollen and Abgesang) at the length asked for, each
    section with its bars, key, chords and density, as JSON to edit before `partita generate --plan`."""
    from partita.generation.plan import parse_minutes, plan_piece, save_plan
    from partita.generation.prompt import project_prompt

    if click.get_current_context().get_parameter_source("path") == ParameterSource.DEFAULT:
        # a name partita chose: never over a plan.json it did not write, or one edited since
        check_out_files(".", [path], advice="name the plan to write with -o/--out")
    check_writable(path)
    options = {"key": key, "tempo": tempo, "meter": meter}
    if instruments:
        options["instruments"] = [s.strip() for s in instruments.split(",") if s.strip()]
    request = project_prompt(prompt, **{k: v for k, v in options.items() if v is not None})
    if bars is not None:
        request.conditions.bars = bars
    length = minutes if minutes is not None else (None if bars is not None else parse_minutes(prompt))
    piece = plan_piece(request, length)
    if request.conditions.programs:
        from partita.score.general_midi import gm_program_names

        piece.instruments = [gm_program_names()[p] for p in request.conditions.programs]
    save_plan(piece, path)
    click.echo(piece.explain())
    click.echo(f"wrote {path}: edit it, then `partita generate --plan {path}`")


commands = [plan]
