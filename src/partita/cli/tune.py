"""``partita tune``: a model tuned to the preferences stored in the studio, by DPO against the base model.

The pairs (:func:`partita.pipelines.preferences.preference_pairs`) are scored under the condition prefix that
sampling builds for their prompt. Choices between pieces a learned concept made (``partita serve --concept``)
are left out, and counted: those pieces are not the base model's own. ``--pairs extremes`` trains on each
prompt's best pieces against its worst (:func:`partita.training.dpo.extreme_pairs`); ``--loss ipo`` and
``--sft-weight`` keep the tuned model nearer the base (:func:`partita.training.dpo.dpo_loss`).
``--reward-pairs N`` trains a reward model on the stored choices, samples N more pairs for the stored prompts
from the base model, labels them by the reward model (keeping those it separates by ``--reward-margin``) and
tunes on them beside the stored choices, at ``--reward-weight`` (:mod:`partita.pipelines.reward_pairs`).
``--anchor FOLDER`` adds the NLL per token of a folder's real pieces, at ``--anchor-weight``, to the loss
(:func:`partita.pipelines.preferences.anchor_pieces`), so that the tuned model stays likely on real music.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder, one_line
from partita.cli._interrupt import resumable

logger = logging.getLogger(__name__)

ANCHOR_WEIGHT = 0.5
"""--anchor-weight's default, chosen on the valid split (docs/PREFERENCES.md, "An NLL anchor on real music":
stepwise lasso arm, 24 steps, training seeds 0 and 1; weight 0 / 0.1 / 0.25 / 0.5: NLL +0.307 / -0.084 /
-0.140 / -0.165 nats per token, win 0.602 / 0.641 / 0.602 / 0.625, all within noise): 0.5 keeps NLL and
realism closest to real music; 2 (one seed) holds NLL no better and loses the win."""
REWARD_EPOCHS = 1.7
"""--epochs with --reward-pairs when neither --steps nor --epochs is given: the reward model keeps more or
fewer of the sampled pairs, and at a fixed step count DPO passes over fewer pairs more often, at a cost in
NLL (docs/PREFERENCES.md: 24 steps on 71-75 pairs, NLL +0.11 / +0.30; 1.7 passes, +0.015 / +0.11)."""


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
    "--epochs",
    type=FiniteRange(0.0, 10_000.0, min_open=True),
    default=None,
    help="Passes over the training pairs (the stored ones and those the reward model kept) instead of "
    "--steps: the steps follow the pairs, ceil(epochs x pairs / batch size). With --reward-pairs and no "
    f"--steps: {REWARD_EPOCHS}.",
)
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
    "--anchor",
    type=click.Path(file_okay=False),
    default=None,
    help="A folder of real pieces (MIDI, MusicXML, ABC, Humdrum) the tuned model should stay likely on: "
    "their NLL per token, at --anchor-weight, is added to the pair loss, so that tuning to the preferences "
    "forgets less music.",
)
@click.option(
    "--anchor-weight",
    type=FiniteRange(0.0, 100.0, min_open=True),
    default=ANCHOR_WEIGHT,
    show_default=True,
    help="With --anchor: the weight of the real pieces' NLL per token in the loss.",
)
@click.option(
    "--anchor-prompt",
    default="",
    help="With --anchor: the prompt the real pieces are scored under (default: none, the bare prefix).",
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
@click.option(
    "--resume",
    is_flag=True,
    help="Go on with the tuning stopped (Ctrl-C, SIGTERM) in --out: from its step to the end, with its own "
    "options, as if never stopped (the optimizer and the pair order go on).",
)
@click.pass_context
def tune(ctx, **opts) -> None:
    """Tune --base on the preference pairs of --prefs by DPO and write the model to --out (a folder
    `partita generate --model` and the studio load); the folder appears whole or not at all. Ctrl-C or
    SIGTERM writes the model at the step reached, with its training state, and says how to --resume."""
    import torch

    from partita.cli.progress import tqdm_progress
    from partita.models.pretrained import resolve
    from partita.pipelines import Generator
    from partita.pipelines.preferences import anchor_pieces, preference_pairs
    from partita.training.dpo import DPOConfig, dpo_run, save_tuned
    from partita.training.preferences import (
        default_store,
        load_preferences,
        model_version,
        split_by_concept,
    )
    from partita.training.train_state import TrainState, save_train_state

    out = opts["out"]
    check_out_folder(out, "a model folder", "config.json")
    if opts["threads"]:
        torch.set_num_threads(opts["threads"])
    with one_line(OSError):
        state = _stopped(ctx, opts) if opts["resume"] else TrainState()
        steps_given = ctx.get_parameter_source("steps") == click.core.ParameterSource.COMMANDLINE
        if opts["epochs"] is not None and steps_given:
            raise click.UsageError("give --steps or --epochs, not both (--epochs sets the steps)")
        if opts["reward_pairs"] and opts["epochs"] is None and not steps_given and not opts["resume"]:
            opts["epochs"] = REWARD_EPOCHS  # the pairs the reward model keeps vary: the steps follow them
        anchor_given = any(
            ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE
            for k in ("anchor_weight", "anchor_prompt")
        )
        if anchor_given and not opts["anchor"] and not opts["resume"]:
            raise click.UsageError(
                "--anchor-weight and --anchor-prompt go with --anchor FOLDER (real pieces)"
            )
        state.record["options"] = {k: opts[k] for k in RUN_OPTIONS}
        base, reward_pairs, pair_choice, seed = (
            opts[k] for k in ("base", "reward_pairs", "pair_choice", "seed")
        )
        config = DPOConfig(
            **{k: opts[k] for k in ("beta", "steps", "epochs", "lr", "batch_size", "sft_weight", "loss")},
            seed=opts["seed"],
            pairs=pair_choice,
            **{k: opts[k] for k in ("extremes", "reward_pairs", "reward_weight", "reward_margin")},
            anchor_weight=opts["anchor_weight"] if opts["anchor"] else 0.0,
        )
        generator = Generator.from_pretrained(base)
        version = model_version(generator.model)
        store = opts["db"] or default_store()
        prefs = load_preferences(store, model_version=version, other_versions=opts["other_versions"])
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
        anchor = None
        if opts["anchor"]:
            anchor = anchor_pieces(generator, opts["anchor"], opts["anchor_prompt"])
            click.echo(f"anchored on {len(anchor)} real pieces of {opts['anchor']}", err=True)
        labelled = None
        if reward_pairs:
            pairs, labelled = _with_reward_pairs(generator, prefs, pairs, config, str(store))
        torch.manual_seed(seed)
        deadline = time.monotonic() + 60 * opts["max_minutes"] if opts["max_minutes"] else None

        def card_of(summary: dict) -> dict:
            return {
                "name": Path(out).name,
                "init_from": base,
                "tuned_from_version": version,
                "preferences": str(store),
                "skipped_concept_preferences": skipped,
                "dpo": summary,
                "reward_pairs": labelled,
                "metrics": {},  # the base model's card figures are not this model's: measure it anew
            }

        def write(result: dict, keep_state: bool) -> None:
            def model_folder(folder: Path) -> None:
                generator.save_pretrained(folder, card=card_of(result["summary"]))
                if keep_state:  # the stopped run's state, with its weights: what --resume goes on from
                    save_train_state(state, folder, generator.model.state_dict())

            # an empty folder given as --out: the model folder takes its place
            with contextlib.suppress(OSError):
                Path(out).rmdir()
            save_tuned(out, model_folder, config, result, copy_from=resolve(base))

        def checkpoint() -> str:
            history = state.record["history"]
            summary = {"steps": state.step, "stopped_at": state.step, "of": state.total}
            write({"summary": summary, "history": history}, keep_state=True)
            return str(out)

        with tqdm_progress("tuning (DPO)", unit="step") as progress, resumable(ctx):
            result = dpo_run(
                generator.model,
                pairs,
                config,
                progress,
                (lambda: time.monotonic() > deadline) if deadline else None,
                state,
                checkpoint,
                anchor=anchor,
            )
        summary = result["summary"]
        write(result, keep_state=False)
    chosen = (
        f" (the best against the worst of {summary['given_pairs']} decided)"
        if pair_choice == "extremes"
        else ""
    )
    if labelled is not None:
        chosen += f", {summary['reward_labelled_pairs']} of them labelled by the reward model"
    went_on = f", went on from step {state.record['went_on_from']}" if opts["resume"] else ""
    click.echo(
        f"{summary['pairs']} pairs{chosen}, {summary['steps']} steps{went_on} in {summary['seconds']:.0f} s "
        f"(last-10 loss {summary['final_loss']:.3f}, margin {summary['final_margin']:.3f}) -> {out}"
    )


RUN_OPTIONS = (
    "db",
    "base",
    "steps",
    "beta",
    "lr",
    "batch_size",
    "sft_weight",
    "loss",
    "pair_choice",
    "extremes",
    "reward_pairs",
    "reward_margin",
    "reward_weight",
    "other_versions",
    "seed",
    "epochs",
    "anchor",
    "anchor_weight",
    "anchor_prompt",
)
"""The options that make a tuning run: a resumed one takes them from the stopped run (--out, --threads and
--max-minutes may change)."""


def _stopped(ctx: click.Context, opts: dict):
    """--resume: the training state of the tuning stopped in --out, its options put into ``opts`` (one
    given on the command line must be the same: one line otherwise)."""
    from partita.training.train_state import TRAIN_STATE, load_train_state

    out = opts["out"]
    state = load_train_state(out)
    if state is None:
        raise ValueError(f"{out}: no stopped tuning to resume (no {TRAIN_STATE}); drop --resume to tune anew")
    saved = state.record.get("options") or {}
    flags = {p.name: p.opts[-1] for p in ctx.command.params}
    for name in RUN_OPTIONS:
        given = ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        if given and name in saved and saved[name] != opts[name]:
            raise click.UsageError(
                f"{out} holds a tuning stopped at step {state.step} of {state.total}, made with "
                f"{flags[name]} {saved[name]}: --resume finishes it with its own options (not {opts[name]})"
            )
        opts[name] = saved.get(name, opts[name])
    state.record["went_on_from"] = state.step
    return state


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
