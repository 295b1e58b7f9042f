"""``partita selector``: train the Selector's learned style / quality classifier on a token folder."""

from __future__ import annotations

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder


@click.group()
def selector() -> None:
    """XMusic's Selector: rank generated candidates by adherence, style and quality."""


@selector.command("train")
@click.argument("tokens_dir", type=click.Path(file_okay=False))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the classifier (config.json, model.safetensors, model card, tokenizer/).",
)
@click.option("--steps", type=click.IntRange(1), default=1200, show_default=True, help="Optimizer steps.")
@click.option(
    "--threads", type=click.IntRange(1, 256), default=2, show_default=True, help="CPU threads for torch."
)
@click.option(
    "--batch", type=click.IntRange(1, 4096), default=48, show_default=True, help="Real windows per step."
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--eval-every",
    type=click.IntRange(1),
    default=None,
    help="Steps between validation checks (checkpoint selection); default: a third of --steps, at most 400.",
)
@click.option(
    "--n-layers", type=click.IntRange(1, 64), default=3, show_default=True, help="Convolution layers."
)
@click.option(
    "--dilations",
    default="1,2,4",
    show_default=True,
    help="Dilation of each layer, comma-separated (cycled over the layers).",
)
@click.option(
    "--width", type=click.IntRange(8, 4096), default=96, show_default=True, help="Channels (d_model)."
)
@click.option(
    "--min-sequences",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="Training sequences a style needs to become a label.",
)
@click.option(
    "--negatives",
    type=click.Path(file_okay=False),
    default=None,
    help="A folder of the model's own generations ({train,valid,test}.npz, scripts/generate-negatives.py): "
    "part of the quality head's negatives, and a held-out real-vs-generated AUC in the report.",
)
@click.option(
    "--negatives-share",
    type=FiniteRange(0, 1),
    default=0.5,
    show_default=True,
    help="With --negatives: the share of degraded twins replaced by generated windows.",
)
@click.option(
    "--programs",
    type=click.Choice(["as_written", "neutral"]),
    default="as_written",
    show_default=True,
    help="neutral: every pitched instrument is read as Program_0 (drums stay drums), so a style cannot be "
    "learned from its instrument names.",
)
def train(
    tokens_dir: str,
    out_dir: str,
    steps: int,
    threads: int,
    batch: int,
    seed: int,
    eval_every: int | None,
    n_layers: int,
    dilations: str,
    width: int,
    min_sequences: int,
    negatives: str | None,
    negatives_share: float,
    programs: str,
) -> None:
    """Train the classifier on TOKENS_DIR (as `partita tokens build` writes it) and save it in --out.

    The checkpoint with the best validation score is kept and evaluated once on the test split; both are
    printed beside the majority-class and chance baselines, and written to the model card.
    """
    import contextlib

    from partita.cli.progress import tqdm_progress
    from partita.training.style_classifier import StyleTrainConfig, train_style_classifier

    check_out_folder(out_dir, "a Selector classifier folder", "config.json")
    eval_every = eval_every or max(1, min(400, steps // 3 or 1))
    try:
        dil = [int(d) for d in dilations.split(",") if d.strip()]
        if not dil or not all(1 <= d <= 1024 for d in dil):
            raise ValueError
    except ValueError:
        raise click.BadParameter(
            f"expected integers from 1 to 1024 separated by commas, got {dilations!r}",
            param_hint="--dilations",
        ) from None
    config = StyleTrainConfig(
        steps=steps,
        threads=threads,
        batch=batch,
        seed=seed,
        min_sequences=min_sequences,
        eval_every=eval_every,
        warmup=min(50, max(1, steps // 10)),
        n_layers=n_layers,
        dilations=dil,
        d_model=width,
        negatives=negatives,
        negatives_share=negatives_share,
        programs=programs,
    )
    with contextlib.ExitStack() as stack:
        bar = None

        def progress(done: int, total: int, message: str = "") -> None:
            nonlocal bar
            if bar is None:  # opened on the first report, so a bad folder is one error line without a bar
                bar = stack.enter_context(tqdm_progress("selector", unit="step"))
            bar(done, total, message)

        result = train_style_classifier(tokens_dir, out_dir, config, progress=progress)
    click.echo(f"styles: {', '.join(result.labels)}")
    click.echo(f"selected step {result.selected_step} of {result.steps} ({result.seconds:.0f} s)")
    click.echo(metrics_table(result.metrics))
    click.echo(f"wrote {result.out_dir}")


@selector.command("evaluate")
@click.argument("classifier_dir", type=click.Path(file_okay=False))
@click.argument("tokens_dir", type=click.Path(file_okay=False))
@click.option(
    "--negatives",
    type=click.Path(file_okay=False),
    default=None,
    help="Generated pieces ({valid,test}.npz) to measure the real-vs-generated quality AUC on.",
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the metrics."
)
def evaluate(classifier_dir: str, tokens_dir: str, negatives: str | None, json_out: str | None) -> None:
    """Evaluate a trained classifier (e.g. a shipped one) on TOKENS_DIR's valid and test splits, as `train`
    reports them, so two classifiers can be compared on the same held-out pieces."""
    import json
    from pathlib import Path

    from partita.training.style_classifier import evaluate_classifier

    metrics = evaluate_classifier(classifier_dir, tokens_dir, negatives)
    click.echo(metrics_table(metrics))
    if json_out:
        Path(json_out).write_text(json.dumps(metrics, indent=2, default=float) + "\n")
        click.echo(f"wrote {json_out}")


def metrics_table(metrics: dict[str, dict]) -> str:
    """Validation and test metrics beside their baselines, as a small text table."""
    rows = [
        (
            "split",
            "pieces",
            "style acc",
            "majority",
            "chance",
            "macro-F1",
            "majority",
            "chance",
            "quality AUC",
            "chance",
        )
    ]

    def f(v) -> str:
        return "-" if v is None or v != v else f"{v:.3f}"

    for split in ("valid", "test"):
        m = metrics.get(split) or {}
        rows.append(
            (
                split,
                str(m.get("pieces", 0)),
                f(m.get("style_accuracy")),
                f(m.get("majority_accuracy")),
                f(m.get("chance_accuracy")),
                f(m.get("style_macro_f1")),
                f(m.get("majority_macro_f1")),
                f(m.get("chance_macro_f1")),
                f(m.get("quality_auc")),
                f(m.get("chance_quality_auc")),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for split in ("valid", "test"):
        by_kind = (metrics.get(split) or {}).get("quality_auc_by_kind") or {}
        if by_kind:
            lines.append(
                f"{split} quality AUC by degradation: " + ", ".join(f"{k} {f(v)}" for k, v in by_kind.items())
            )
        m = metrics.get(split) or {}
        if "quality_auc_generated" in m:
            by_variant = m.get("quality_auc_generated_by_variant") or {}
            lines.append(
                f"{split} quality AUC real vs generated ({m.get('generated_pieces', 0)} pieces of held-out "
                f"prompts): windows {f(m['quality_auc_generated'])}, whole pieces "
                f"{f(m.get('quality_auc_generated_piece'))}"
                + "".join(f", {k} {f(v)}" for k, v in by_variant.items())
            )
        recall = (metrics.get(split) or {}).get("style_recall") or {}
        if recall:
            lines.append(f"{split} recall by style: " + ", ".join(f"{k} {f(v)}" for k, v in recall.items()))
        for name, g in ((metrics.get(split) or {}).get("style_within_group") or {}).items():
            lines.append(
                f"{split} accuracy within {name} ({'/'.join(g['labels'])}, {g['pieces']} pieces): "
                f"{f(g['accuracy'])} (majority {f(g['majority_accuracy'])})"
            )
    return "\n".join(lines)


commands = [selector]
