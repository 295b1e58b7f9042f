"""``partita tune``: a model tuned to the preferences stored in the studio, by DPO against the base model.

The pairs (:func:`partita.pipelines.preferences.preference_pairs`) are scored under the condition prefix that
sampling builds for their prompt. Choices between pieces a learned concept made (``partita serve --concept``)
are left out, and counted: those pieces are not the base model's own. ``--pairs extremes`` trains on each
prompt's best pieces against its worst (:func:`partita.training.dpo.extreme_pairs`); ``--loss ipo`` and
``--sft-weight`` keep the tuned model nearer the base (:func:`partita.training.dpo.dpo_loss`).
``--reward-pairs N`` trains a reward model on the stored choices, samples N more pairs for the stored prompts
from the base model, labels them by the reward model (keeping those it separates by ``--reward-margin``) and
tunes on them beside the stored choices, at ``--reward-weight`` (:mod:`partita.pipelines.reward_pairs`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder, one_line

logger = logging.getLogger(__name__)


@click.command("tune")
@click.option(
    "--prefs",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="The preference store (default: $PARTITA_DATA/preferences.db).",
)
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(file_okay=False), help="The tuned model folder."
)
@click.option(
    "--base", default="partita-small", show_default=True, help="The model the preferences were given on."
)
@click.option("--steps", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option(
    "--beta",
    type=FiniteRange(0.0, 100.0, min_open=True),
    default=0.1,
    show_default=True,
    help="DPO's KL strength: smaller lets the model move further from the base.",
)
@click.option("--lr", type=FiniteRange(0.0, 1.0, min_open=True), default=1e-5, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option(
    "--sft-weight",
    type=FiniteRange(0.0, 100.0),
    default=0.0,
    show_default=True,
    help="Weight of the chosen pieces' NLL per token added to the pair loss (RPO-style; keeps them likely).",
)
@click.option(
    "--loss",
    type=click.Choice(["dpo", "ipo"]),
    default="dpo",
    show_default=True,
    help="The pair loss: DPO's logistic one, or IPO's squared one, which holds each pair's log-ratio gap "
    "at 1/(2 beta) nats instead of pushing it apart without end.",
)
@click.option(
    "--pairs",
    "pair_choice",
    type=click.Choice(["all", "extremes"]),
    default="all",
    show_default=True,
    help="Train on every decided pair, or per prompt on its best pieces against its worst (ranked by net "
    "wins in the stored choices): pairs far apart, which teach a taste better than noisy neighbours.",
)
@click.option(
    "--extremes",
    type=click.IntRange(1, 1000),
    default=4,
    show_default=True,
    help="With --pairs extremes: how many best and worst pieces of a prompt are paired.",
)
@click.option(
    "--reward-pairs",
    type=click.IntRange(0, 100_000),
    default=0,
    show_default=True,
    help="Sample this many more pairs from the base model for the stored prompts, label them by a reward "
    "model trained on the stored choices (realism features plus adherence), and tune on them too.",
)
@click.option(
    "--reward-margin",
    type=FiniteRange(0.0, 100.0),
    default=1.0,
    show_default=True,
    help="Keep only the sampled pairs whose reward difference is at least this (log-odds; 1.0: the reward "
    "model gives the winner a 0.73 chance).",
)
@click.option(
    "--reward-weight",
    type=FiniteRange(0.0, 1.0, min_open=True),
    default=0.5,
    show_default=True,
    help="Weight of a reward-labelled pair's loss (a stored choice weighs 1: it stays the ground truth).",
)
@click.option(
    "--other-versions",
    type=click.Choice(["refuse", "filter"]),
    default="refuse",
    show_default=True,
    help="Preferences given on another model version: refuse the store, or leave them out.",
)
@click.option(
    "--max-minutes",
    type=FiniteRange(0.0, 7 * 24 * 60.0, min_open=True),
    default=None,
    help="Stop training after this many minutes (the model so far is saved).",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="Torch threads.")
def tune(
    db,
    out,
    base,
    steps,
    beta,
    lr,
    batch_size,
    sft_weight,
    loss,
    pair_choice,
    extremes,
    reward_pairs,
    reward_margin,
    reward_weight,
    other_versions,
    max_minutes,
    seed,
    threads,
) -> None:
    """Tune --base on the preference pairs of --prefs by DPO and write the model to --out (a folder
    `partita generate --model` and the studio load); the folder appears whole or not at all."""
    import torch

    from partita.cli.progress import tqdm_progress
    from partita.models.pretrained import resolve
    from partita.pipelines import Generator
    from partita.pipelines.preferences import preference_pairs
    from partita.training.dpo import DPOConfig, save_tuned, tune_dpo
    from partita.training.preferences import (
        default_store,
        load_preferences,
        model_version,
        split_by_concept,
    )

    check_out_folder(out, "a model folder", "config.json")
    if threads:
        torch.set_num_threads(threads)
    with one_line(OSError):
        config = DPOConfig(
            beta=beta,
            steps=steps,
            lr=lr,
            batch_size=batch_size,
            sft_weight=sft_weight,
            loss=loss,
            seed=seed,
            pairs=pair_choice,
            extremes=extremes,
            reward_pairs=reward_pairs,
            reward_weight=reward_weight,
            reward_margin=reward_margin,
        )
        generator = Generator.from_pretrained(base)
        version = model_version(generator.model)
        store = db or default_store()
        prefs = load_preferences(store, model_version=version, other_versions=other_versions)
        prefs, skipped = split_by_concept(prefs)
        if skipped:  # the base with a concept is another model: its pieces would teach the wrong one
            said = ", ".join(f"{n} with {c}" for c, n in skipped.items())
            click.echo(
                f"skipped {sum(skipped.values())} preferences made with a learned concept ({said}): "
                f"their pieces are the concept's, not {base}'s own",
                err=True,
            )
        pairs = preference_pairs(generator, prefs)
        if not pairs:
            made = f" ({sum(skipped.values())} more were made with a concept, left out)" if skipped else ""
            raise ValueError(
                f"{store}: no decided pairs or rating gaps for model {base} ({version}) to tune on{made}"
            )
        labelled = None
        if reward_pairs:
            pairs, labelled = _with_reward_pairs(generator, prefs, pairs, config, str(store))
        torch.manual_seed(seed)
        deadline = time.monotonic() + 60 * max_minutes if max_minutes else None
        with tqdm_progress("tuning (DPO)", unit="step") as progress:
            result = tune_dpo(
                generator.model,
                pairs,
                config,
                progress,
                should_stop=(lambda: time.monotonic() > deadline) if deadline else None,
            )
        summary = result["summary"]
        card = {
            "name": Path(out).name,
            "init_from": base,
            "tuned_from_version": version,
            "preferences": str(store),
            "skipped_concept_preferences": skipped,
            "dpo": summary,
            "reward_pairs": labelled,
            "metrics": {},  # the base model's card figures are not this model's: measure it anew
        }
        with contextlib.suppress(OSError):  # an empty folder given as --out: the model folder takes its place
            Path(out).rmdir()
        save_tuned(
            out,
            lambda folder: generator.save_pretrained(folder, card=card),
            config,
            result,
            copy_from=resolve(base),
        )
    chosen = (
        f" (the best against the worst of {summary['given_pairs']} decided)"
        if pair_choice == "extremes"
        else ""
    )
    if labelled is not None:
        chosen += f", {summary['reward_labelled_pairs']} of them labelled by the reward model"
    click.echo(
        f"{summary['pairs']} pairs{chosen}, {summary['steps']} steps in {summary['seconds']:.0f} s "
        f"(last-10 loss {summary['final_loss']:.3f}, margin {summary['final_margin']:.3f}) -> {out}"
    )


def _with_reward_pairs(generator, prefs, pairs: list, config, where: str) -> tuple[list, dict]:
    """``pairs`` and the reward-labelled ones (:mod:`partita.pipelines.reward_pairs`), and what was done."""
    from partita.pipelines.reward_pairs import (
        reward_labelled_pairs,
        sample_candidate_pairs,
        train_reward_on_prefs,
    )

    reward, trained = train_reward_on_prefs(generator, prefs, where=where)
    candidates = sample_candidate_pairs(generator, prefs, config.reward_pairs, seed=config.seed)
    extra, info = reward_labelled_pairs(
        generator, reward, candidates, margin=config.reward_margin, weight=config.reward_weight
    )
    click.echo(
        f"reward model: trained on {trained['choices']} stored choices (training accuracy "
        f"{trained['train_accuracy']:.2f}); it labelled {info['kept']} of {info['candidates']} sampled pairs "
        f"(reward gap at least {config.reward_margin:g}), tuned on at weight {config.reward_weight:g}",
        err=True,
    )
    info = {**{k: v for k, v in info.items() if k != "labels"}, "reward_train": trained}
    return [*pairs, *extra], info


commands = [tune]
