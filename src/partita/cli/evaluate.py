"""``partita evaluate``: metrics, set comparison, control adherence -> report (benchmarks:
``python -m bench``)."""

from __future__ import annotations

import click

from partita.cli._errors import check_out_folder


@click.command()
@click.argument("generated")
@click.option(
    "--reference",
    "-r",
    metavar="REF",
    help=(
        "Reference set: a folder of score files, a score file, or a built corpus NAME[:SPLIT] (e.g. "
        "bach:test)."
    ),
)
@click.option(
    "--prompts", "-p", type=click.Path(dir_okay=False), help="prompts.jsonl: the controls of each piece."
)
@click.option("-o", "--out", "out_dir", default="report", show_default=True, help="Folder for the report.")
@click.option(
    "--max-reference",
    type=int,
    default=200,
    show_default=True,
    help="Use at most this many reference pieces.",
)
@click.option(
    "--no-compression", is_flag=True, help="Skip the COSIATEC compression ratio (the slowest metric)."
)
@click.option(
    "--compression-window",
    type=click.IntRange(min=16),
    default=300,
    show_default=True,
    help="COSIATEC window in points (cost grows with its cube; larger = closer to whole-piece COSIATEC).",
)
@click.option("--no-tension", is_flag=True, help="Skip the spiral-array tonal tension.")
@click.option(
    "--realism",
    is_flag=True,
    help="Also run the realism benchmark against --reference (classifier two-sample test, Fréchet distance; "
    "reference pieces cut to the generated pieces' median count of full bars) and write realism.json.",
)
def evaluate(
    generated: str,
    reference: str | None,
    prompts: str | None,
    out_dir: str,
    max_reference: int,
    no_compression: bool,
    compression_window: int,
    no_tension: bool,
    realism: bool,
) -> None:
    """Measure GENERATED (a score file, a folder of them or a corpus) and write report.json, report.md and
    PNGs.

    With --reference, the generated set is compared with it (Yang & Lerch's overlapped areas, MusPy's metrics
    side by side). With --prompts (one JSON object per line: "file", and any of "key", "tempo", "tempo_bin",
    "time_signature", "instruments", "chords", "density", "polyphony"), control adherence is scored as in
    Mustango and text2midi (TB, TBT, CK, CKD, meter, instrument F1, chord match, correlations). With --realism
    and --reference, how easily a classifier tells the generated pieces from the reference ones (0.5 = not at
    all) is measured too, beside the floor of two halves of the reference set (realism.json).
    """
    from partita.cli.progress import tqdm_progress
    from partita.evaluation.report import evaluate as run_evaluation
    from partita.evaluation.report import match_prompts, read_prompts, read_scores, write_report

    if max_reference < 2:
        raise click.BadParameter("must be at least 2", param_hint="--max-reference")
    if realism and not reference:
        raise click.UsageError("--realism compares with a reference set: give --reference too")
    check_out_folder(out_dir, "a report folder", "report.json")
    gen, skipped_gen = read_scores(generated)
    sources: dict = {"generated": generated}
    ref = None
    if skipped_gen:
        sources["skipped_generated"] = skipped_gen
    if reference:
        ref, skipped_ref = read_scores(reference, limit=max_reference)
        sources["reference"] = reference
        if skipped_ref:
            sources["skipped_reference"] = skipped_ref
    rows = None
    if prompts:
        rows = read_prompts(prompts)
        sources["prompts"] = prompts
        match_prompts([n for n, _ in gen], rows, prompts)  # fail now, not after the metrics
    with tqdm_progress("evaluating", unit="piece") as progress:
        result = run_evaluation(
            gen,
            ref,
            rows,
            compression=not no_compression,
            tension=not no_tension,
            progress=progress,
            sources=sources,
            compression_window=compression_window,
        )
    paths = write_report(result, out_dir)
    click.echo(
        f"wrote {paths[1]} ({len(gen)} generated" + (f", {len(ref)} reference" if ref else "") + " pieces)"
    )
    dist = result.get("distribution")
    if dist:
        click.echo(
            f"mean overlapped area (Yang & Lerch): {dist['mean_oa']:.3f}; exact copies of reference: "
            f"{dist['copies']}"
        )
    adh = result.get("adherence")
    if adh:
        shown = [
            k
            for k in ("TB", "TBT", "CK", "CKD", "meter", "instrument_f1", "chord_any_order")
            if k in adh["scores"]
        ]
        click.echo("adherence: " + ", ".join(f"{k} {adh['scores'][k]['mean']:.3f}" for k in shown))
    if realism and ref:
        _realism(gen, ref, out_dir)


def _realism(gen: list, ref: list, out_dir: str) -> None:
    """Run the realism report (reference cut to the generated median bar count, pickups not counted),
    write realism.json, echo it."""
    import json
    import statistics
    from collections import Counter
    from pathlib import Path

    from partita.atomic import atomic_write_text
    from partita.evaluation.realism import barred_as_asked, count_bars, crop_bars, realism_report

    # bars as musicians count them, as the realism benchmark does: a pickup bar is not one of them, and a
    # reference piece with an upbeat keeps it and that many full bars
    bars = max(1, round(statistics.median(count_bars(s, pickup=True) for _, s in gen)))
    # a reference piece whose declared meter says nothing of bars (POP909's 1/4) is barred as the pieces are
    meters = Counter(f"{ts[0].numerator}/{ts[0].denominator}" for _, s in gen if (ts := s.time_signatures))
    meter = meters.most_common(1)[0][0] if meters else None
    real = [crop_bars(barred_as_asked(s, meter)[0], bars, pickup=True) for _, s in ref]
    result = realism_report({"generated": [s for _, s in gen]}, real)
    result["bars"] = bars
    path = Path(out_dir) / "realism.json"
    atomic_write_text(path, json.dumps(result, indent=2) + "\n")
    click.echo(f"wrote {path} (reference cut to {bars} bars; balanced accuracy, 0.5 = indistinguishable)")
    click.echo(f"{'set':12s} {'n':>4s} {'accuracy':>9s} {'logistic':>9s} {'boosting':>9s} {'Fréchet':>9s}")
    rows = [(name, e) for name, e in result["sets"].items()]
    floor = result["floor"]
    if floor["two_sample"] is not None:
        rows.append(
            (
                "real vs real",
                {"n": floor["n_half"], "two_sample": floor["two_sample"], "frechet": floor["frechet"]},
            )
        )
    for name, e in rows:
        ts = e.get("two_sample")
        if ts is None:
            click.echo(f"{name:12s} {e['n']:4d} {e.get('error', '')}")
            continue
        click.echo(
            f"{name:12s} {e['n']:4d} {ts['accuracy']:9.3f} {ts['logistic']['accuracy']:9.3f} "
            f"{ts['boosting']['accuracy']:9.3f} {e['frechet']:9.3f}"
        )


commands = [evaluate]
