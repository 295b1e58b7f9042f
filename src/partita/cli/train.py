"""``partita train``: train or continue training a music language model (one process or under torchrun)."""

from __future__ import annotations

import click

from partita.cli._errors import check_out_folder
from partita.cli._interrupt import resumable
from partita.training.config import PRESETS


@click.command("train")
@click.option(
    "--preset", "preset_name", default=None, help="A named preset (" + ", ".join(sorted(PRESETS)) + ")."
)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None, help="A TrainConfig JSON file."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Run folder (default: $PARTITA_DATA/runs/NAME). Rerunning with the same folder resumes.",
)
@click.option("--init-from", default=None, help="Continual pretraining from this model (folder or name).")
@click.option(
    "--stage1-steps",
    type=int,
    default=None,
    help="With --init-from: steps of stage 1 (embeddings only) before the full model trains.",
)
@click.option("--max-steps", type=int, default=None, help="Override the number of optimizer steps.")
@click.option(
    "--data", default=None, help="Override the training data (jsb, debug, a .npy file or a folder)."
)
@click.pass_context
def train_command(ctx, preset_name, config_file, out_dir, init_from, stage1_steps, max_steps, data) -> None:
    """Train a MusicLM from --preset NAME or --config FILE.

    The same command runs in one process or under `torchrun --nproc_per_node=N -m partita.cli.main train ...`
    (DDP: gloo on CPU, nccl on GPU). Checkpoints are atomic; kill it and rerun to continue. Ctrl-C or SIGTERM
    saves a checkpoint at the step reached first.
    """
    import os

    from partita.cli.progress import tqdm_progress
    from partita.paths import data_dir
    from partita.training import load_train_config, preset, train

    if (preset_name is None) == (config_file is None):
        raise click.UsageError("give exactly one of --preset NAME or --config FILE")
    cfg = preset(preset_name) if preset_name else load_train_config(config_file)
    if data is not None:
        cfg.data = data
    if stage1_steps is not None:
        if not init_from and not cfg.init_from:
            raise click.UsageError("--stage1-steps is for continual pretraining: give --init-from MODEL too")
        cfg.stage1_steps = stage1_steps
    out = out_dir or str(data_dir() / "runs" / cfg.name)
    check_out_folder(out, "a training run folder", "train_config.json", "checkpoints/latest.json")
    main_rank = int(os.environ.get("RANK", "0")) == 0
    with resumable(ctx, add=()):  # rerunning the same command goes on
        if main_rank:
            with tqdm_progress(f"train {cfg.name}", unit="step") as progress:
                result = train(cfg, out, progress=progress, init_from=init_from, max_steps=max_steps)
        else:
            result = train(cfg, out, init_from=init_from, max_steps=max_steps)
    if main_rank:
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.metrics.items() if "nll" in k)
        click.echo(
            f"trained {result.step} steps ({result.tokens_seen:,} tokens, {result.tokens_per_second:,.0f} "
            f"tok/s); {metrics}; model in {result.model_dir}"
        )


commands = [train_command]
